"""`ofacare backup` and `ofacare restore`: a checked snapshot of the service's database and back.

See docs/backup.md for the file format, scheduling and where to keep copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ofacare.config import Settings


def backup_command(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write (a folder: a timestamped file in it). "
            "Default: var/backups/ofacare-<UTC time>.db (.dump for PostgreSQL).",
        ),
    ] = None,
) -> None:
    """Back up OFACARE_DATABASE_URL: a consistent snapshot, even while the service runs.

    SQLite is copied with SQLite's online backup API, PostgreSQL with pg_dump (custom format). A
    manifest with the SHA-256, schema revision and row counts is written beside the backup.
    """
    # Imported here so that every other command starts without loading the database layer.
    from ofacare.records.backup import (  # noqa: PLC0415
        DEFAULT_BACKUP_DIR,
        create_backup,
        default_backup_path,
    )

    url = Settings().database_url
    created_at = datetime.now(UTC)
    if output is not None and not output.is_dir():
        target = output
    else:
        target = default_backup_path(url, created_at, output or DEFAULT_BACKUP_DIR)
    manifest = create_backup(url, output=target, created_at=created_at)
    print(f"Backup written to {target} ({manifest.size_bytes:,} bytes).")
    print(f"Manifest: {target}.manifest.json (SHA-256 {manifest.sha256})")
    print(f"Schema revision {manifest.schema_revision}; {_rows(manifest.row_counts)}.")
    print("Keep a copy off this machine: see docs/backup.md.")


def restore_command(
    path: Annotated[Path, typer.Argument(help="The backup file (or its .manifest.json).")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace a database that already holds records; it is first saved beside it.",
        ),
    ] = False,
) -> None:
    """Restore a backup into OFACARE_DATABASE_URL after checking its checksum and schema.

    Stop `ofacare serve` first. An older backup is migrated to this version's schema; a newer
    one is refused. A database that holds records is replaced only with --force, and is first
    saved as a backup of its own so that `ofacare restore` can undo the restore.
    """
    from ofacare.records.backup import restore_backup  # noqa: PLC0415

    url = Settings().database_url
    result = restore_backup(url, path, force=force, now=datetime.now(UTC))
    manifest = result.manifest
    taken = manifest.created_at.astimezone(UTC)
    print(f"Restored {path} (taken {taken:%Y-%m-%d %H:%M} UTC, checksum verified).")
    if result.migrated_from:
        print(f"Migrated from schema {result.migrated_from} to {result.schema_revision}.")
    print(f"Schema revision {result.schema_revision}; {_rows(result.row_counts)}.")
    if result.replaced:
        print(
            f"The database it replaced ({result.replaced_rows:,} rows) is kept at "
            f"{result.replaced}; undo with: ofacare restore {result.replaced} --force"
        )


def _rows(counts: Mapping[str, int]) -> str:
    filled = [f"{table} {count:,}" for table, count in sorted(counts.items()) if count]
    total = sum(counts.values())
    return f"{total:,} rows" + (f" ({', '.join(filled)})" if filled else "")
