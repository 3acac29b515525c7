"""SQLite backups through SQLite's own online backup API, never a file copy.

A file copy of a live WAL database can catch it mid-write and misses what still sits in the -wal
file. The backup API copies every page inside one read transaction, so the snapshot is consistent
while the server keeps writing; a restore goes through the same API into the live database as one
write transaction, so readers see the old contents or the new, and a crash rolls it back.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError

from ofacare.errors import InvalidInput, NotFound
from ofacare.records.backup_manifest import (
    Manifest,
    check_checksum,
    move_into_place,
    staging_path,
)
from ofacare.records.backup_schema import Contents, needs_migration, read_contents
from ofacare.records.database import SQLITE_BUSY_TIMEOUT_MS, build_engine, migrate


def snapshot_sqlite(database: Path, output: Path) -> Contents:
    """Write a consistent, checked snapshot of `database` to `output` (atomically)."""
    if not database.is_file():
        raise NotFound(
            "backup.no-database",
            f"OFACARE_DATABASE_URL: there is no SQLite database at {database}.",
            "Check the path, or create the database with `ofacare db upgrade`.",
        )
    staged = staging_path(output)
    try:
        with _connect(database) as source, _connect(staged) as copy:
            source.backup(copy)  # all pages in one step: one read transaction, one snapshot
            # One self-contained file: no -wal beside it to lose when the backup is copied away.
            copy.execute("PRAGMA journal_mode=DELETE")
        check_integrity(staged, shown_as=database)
        contents = read_sqlite_contents(staged)
        move_into_place(staged, output)
        return contents
    finally:
        staged.unlink(missing_ok=True)


def count_records(database: Path) -> int:
    """How many rows the database at `database` holds (0 when it is missing or empty)."""
    if not database.is_file() or database.stat().st_size == 0:
        return 0
    try:
        return read_sqlite_contents(database).total_rows
    except DBAPIError as exc:
        raise InvalidInput(
            "backup.target-unreadable",
            f"OFACARE_DATABASE_URL: {database} is not a readable SQLite database, so nothing "
            "was restored over it.",
            "Move the file away (or point OFACARE_DATABASE_URL elsewhere) and restore again.",
        ) from exc


@dataclass(frozen=True, slots=True)
class CheckedCopy:
    """A verified (and, if it was older, migrated) copy of a backup, ready to be restored."""

    path: Path
    migrated_from: str | None


@contextmanager
def checked_sqlite_copy(database: Path, backup: Path, manifest: Manifest) -> Iterator[CheckedCopy]:
    """Copy `backup` beside `database`, verify the copy and migrate it forward if it is older.

    The copy is what gets restored, so what was verified is exactly what goes in place.
    """
    with _staging_directory(database) as workdir:
        staged = workdir / "restore.db"
        shutil.copyfile(backup, staged)
        check_checksum(staged, manifest, shown_as=backup)
        check_integrity(staged, shown_as=backup)
        contents = read_sqlite_contents(staged)
        _check_counts(contents, manifest, backup=backup)
        migrated_from = None
        if needs_migration(contents.schema_revision, backup=backup):
            migrated_from = contents.schema_revision
            _migrate(staged)
        yield CheckedCopy(path=staged, migrated_from=migrated_from)


def write_sqlite(checked: Path, database: Path) -> Contents:
    """Put the checked copy's contents in place of `database`'s as one write transaction."""
    with _connect(checked) as source, _connect(database) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    return read_sqlite_contents(database)


def check_integrity(path: Path, *, shown_as: Path) -> None:
    """Raise unless SQLite's integrity check passes on the file at `path`."""
    try:
        with _connect(path) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    if problems != ["ok"]:
        raise InvalidInput(
            "backup.integrity-failed",
            f"{shown_as} fails SQLite's integrity check ({problems[0]}). Nothing was restored.",
            "Use another backup.",
        )


def read_sqlite_contents(path: Path) -> Contents:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return read_contents(connection)
    finally:
        engine.dispose()


def _check_counts(contents: Contents, manifest: Manifest, *, backup: Path) -> None:
    if contents.row_counts != dict(manifest.row_counts):
        raise InvalidInput(
            "backup.counts-differ",
            f"Backup {backup} holds other row counts than its manifest records. "
            "Nothing was restored.",
            "Use the manifest written with this backup, or another backup.",
        )


def _migrate(path: Path) -> None:
    engine = build_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
    finally:
        engine.dispose()


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    # Autocommit (isolation_level=None): the backup API and the pragmas manage their own locks.
    connection = sqlite3.connect(path, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    with closing(connection):
        yield connection


@contextmanager
def _staging_directory(database: Path) -> Iterator[Path]:
    # Beside the database: the checked copy needs the same room the restored database will.
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".ofacare-restore-", dir=database.parent) as name:
        yield Path(name)
