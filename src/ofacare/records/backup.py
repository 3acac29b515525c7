"""Back up the database and restore it: a consistent snapshot, a manifest with its SHA-256 beside
it, and a restore that checks everything before it replaces anything.

SQLite uses SQLite's online backup API (sqlite_backup); PostgreSQL uses pg_dump and pg_restore
(postgres_backup). A restore refuses a damaged backup, one from a newer schema than this code, and
a database that already holds records unless forced; when forced, the replaced database is first
saved as a backup of its own so that a wrong restore can be undone with `ofacare restore`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from ofacare import __version__
from ofacare.errors import InvalidInput, OfacareError
from ofacare.records.backup_manifest import (
    Manifest,
    backup_file_of,
    compact_timestamp,
    compute_sha256,
    load_manifest,
    manifest_path,
    save_manifest,
)
from ofacare.records.backup_schema import Contents
from ofacare.records.database import build_engine
from ofacare.records.postgres_backup import (
    check_postgres_backup,
    dump_postgres,
    read_postgres_contents,
    restore_postgres,
)
from ofacare.records.postgres_tools import PgTools
from ofacare.records.sqlite_backup import (
    checked_sqlite_copy,
    count_records,
    snapshot_sqlite,
    write_sqlite,
)

DEFAULT_BACKUP_DIR = Path("var") / "backups"
SUFFIXES = {"sqlite": ".db", "postgresql": ".dump"}


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What a restore put in place, and where the database it replaced was kept."""

    manifest: Manifest
    schema_revision: str | None
    row_counts: Mapping[str, int]
    migrated_from: str | None = None
    replaced: Path | None = None
    replaced_rows: int = field(default=0)


def backend_of(url: str) -> str:
    """ "sqlite" or "postgresql"; other URLs are refused by name."""
    try:
        name = make_url(url).get_backend_name()
    except ArgumentError:
        name = ""
    if name not in SUFFIXES:
        build_engine(url)  # raises the error that names the URL and what is supported
    return name


def default_backup_path(
    url: str, created_at: datetime, directory: Path = DEFAULT_BACKUP_DIR
) -> Path:
    """var/backups/ofacare-20260302T090000Z.db (or .dump for PostgreSQL)."""
    return directory / f"ofacare-{compact_timestamp(created_at)}{SUFFIXES[backend_of(url)]}"


def create_backup(
    url: str, *, output: Path, created_at: datetime, tools: PgTools | None = None
) -> Manifest:
    """Snapshot the database at `url` into `output` and write its manifest beside it."""
    backend = backend_of(url)
    for path in (output, manifest_path(output)):
        if path.exists():
            raise InvalidInput(
                "backup.output-exists",
                f"--output: {path} already exists; a backup never overwrites a file.",
                "Choose another path, or move the old file away first.",
            )
    with _reaching(url, outcome="No backup was written."):
        if backend == "sqlite":
            contents = snapshot_sqlite(sqlite_path(url), output)
        else:
            contents = dump_postgres(url, output, tools or PgTools.find())
    manifest = Manifest(
        database=backend,
        file=output.name,
        sha256=compute_sha256(output),
        size_bytes=output.stat().st_size,
        schema_revision=contents.schema_revision,
        ofacare_version=__version__,
        created_at=created_at,
        row_counts=contents.row_counts,
    )
    save_manifest(manifest, output)
    return manifest


def restore_backup(
    url: str, source: Path, *, force: bool, now: datetime, tools: PgTools | None = None
) -> RestoreResult:
    """Verify the backup at `source` and put it in place of the database at `url`."""
    backup = backup_file_of(source)
    manifest = load_manifest(backup)
    backend = backend_of(url)
    if manifest.database != backend:
        raise InvalidInput(
            "backup.other-database",
            f"Backup {backup} is a {manifest.database} backup; OFACARE_DATABASE_URL is a "
            f"{backend} database. Nothing was restored.",
            "Restore it into a database of the same kind; to move between kinds, export and "
            "import the records (FHIR) instead.",
        )
    with _reaching(url, outcome="Nothing was restored."):
        if backend == "sqlite":
            return _restore_sqlite(sqlite_path(url), backup, manifest, force=force, now=now)
        return _restore_postgres(url, backup, manifest, force=force, now=now, tools=tools)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidInput(
            "backup.memory-database",
            f"OFACARE_DATABASE_URL: {url!r} is an in-memory database, which cannot be backed "
            "up or restored.",
            "Use a database file: sqlite:///var/ofacare.db.",
        )
    return Path(database).expanduser()


def _restore_sqlite(
    database: Path, backup: Path, manifest: Manifest, *, force: bool, now: datetime
) -> RestoreResult:
    with checked_sqlite_copy(database, backup, manifest) as checked:
        existing = count_records(database)
        _refuse_unless_forced(existing, force=force, shown=str(database))
        replaced = None
        if existing:
            aside = database.with_name(
                f"{database.stem}.replaced-{compact_timestamp(now)}{database.suffix or '.db'}"
            )
            replaced = _keep_aside(f"sqlite:///{database}", aside, now=now, tools=None)
        contents = write_sqlite(checked.path, database)
    return _result(manifest, contents, checked.migrated_from, replaced, existing)


def _restore_postgres(
    url: str, backup: Path, manifest: Manifest, *, force: bool, now: datetime, tools: PgTools | None
) -> RestoreResult:
    tools = tools or PgTools.find()
    migrate_after = check_postgres_backup(backup, manifest, tools, url=url)
    current = read_postgres_contents(url)
    existing = current.total_rows
    _refuse_unless_forced(existing, force=force, shown=make_url(url).render_as_string())
    replaced = None
    if existing:
        database = make_url(url).database or "database"
        aside = backup.parent / f"replaced-{database}-{compact_timestamp(now)}.dump"
        replaced = _keep_aside(url, aside, now=now, tools=tools)
    contents = restore_postgres(
        url, backup, manifest, tools, tables=set(current.row_counts), migrate_after=migrate_after
    )
    migrated_from = manifest.schema_revision if migrate_after else None
    return _result(manifest, contents, migrated_from, replaced, existing)


def _refuse_unless_forced(existing: int, *, force: bool, shown: str) -> None:
    if existing and not force:
        raise InvalidInput(
            "backup.target-not-empty",
            f"OFACARE_DATABASE_URL: the database at {shown} already holds {existing:,} rows; "
            "restoring would replace them, so nothing was restored.",
            "Add --force to replace it (the current database is first saved beside it as a "
            "backup you can restore), or restore into an empty database.",
        )


def _keep_aside(url: str, aside: Path, *, now: datetime, tools: PgTools | None) -> Path:
    aside = _unused(aside)
    create_backup(url, output=aside, created_at=now, tools=tools)
    return aside


def _unused(path: Path) -> Path:
    """`path`, or `path` with -2, -3... added when a restore within the same second took it."""
    candidate, number = path, 1
    while candidate.exists() or manifest_path(candidate).exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def _result(
    manifest: Manifest,
    contents: Contents,
    migrated_from: str | None,
    replaced: Path | None,
    replaced_rows: int,
) -> RestoreResult:
    return RestoreResult(
        manifest=manifest,
        schema_revision=contents.schema_revision,
        row_counts=contents.row_counts,
        migrated_from=migrated_from,
        replaced=replaced,
        replaced_rows=replaced_rows,
    )


@contextmanager
def _reaching(url: str, *, outcome: str) -> Iterator[None]:
    """Turn "cannot connect" into a message naming the database (never its password), and a
    file that cannot be read or written into one naming the file."""
    try:
        yield
    except OSError as error:
        raise OfacareError(
            "backup.file-error",
            f"{error.filename or 'a backup file'}: {error.strerror or error}. {outcome}",
            "Check the path, the free space and the permissions.",
        ) from error
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "no answer"
        raise OfacareError(
            "backup.cannot-connect",
            f"OFACARE_DATABASE_URL: cannot use the database at "
            f"{make_url(url).render_as_string()} ({reason}).",
            "Check that the database server is running and the URL is right.",
        ) from error
