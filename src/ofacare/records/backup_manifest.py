"""The manifest beside a backup: what the backup holds, and the checksum that proves it whole.

A backup is two files side by side: the data (`ofacare-20260302T090000Z.db` or `.dump`) and
`<data file>.manifest.json`. The manifest is written last, so a backup with a manifest is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ofacare.errors import InvalidInput, NotFound

FORMAT = "ofacare-backup/1"
MANIFEST_SUFFIX = ".manifest.json"
BACKENDS = ("sqlite", "postgresql")
TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Manifest:
    """What one backup file holds, where it came from, and its SHA-256."""

    database: str
    file: str
    sha256: str
    size_bytes: int
    schema_revision: str | None
    ofacare_version: str
    created_at: datetime
    row_counts: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.database not in BACKENDS:
            raise ValueError(f"database must be one of {BACKENDS}, not {self.database!r}")
        if not HEX_SHA256.fullmatch(self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits, not {self.sha256!r}")
        if self.size_bytes < 0:
            raise ValueError(f"size_bytes must not be negative, not {self.size_bytes}")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        for table, count in self.row_counts.items():
            # Table names end up in SQL when a restore checks its counts: only plain names pass.
            if not TABLE_NAME.fullmatch(table):
                raise ValueError(f"row_counts: {table!r} is not a table name")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"row_counts: {table} has {count!r}, not a row count")

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "ofacare_version": self.ofacare_version,
                "database": self.database,
                "schema_revision": self.schema_revision,
                "created_at": self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "file": self.file,
                "size_bytes": self.size_bytes,
                "sha256": self.sha256,
                "row_counts": dict(sorted(self.row_counts.items())),
            },
            indent=2,
        )


def manifest_path(backup: Path) -> Path:
    """The manifest beside `backup`: `x.db` -> `x.db.manifest.json`."""
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def backup_file_of(path: Path) -> Path:
    """The data file a person named, whether they gave the data file or its manifest."""
    if path.name.endswith(MANIFEST_SUFFIX):
        return path.with_name(path.name.removesuffix(MANIFEST_SUFFIX))
    return path


def compact_timestamp(moment: datetime) -> str:
    """A timestamp for file names that sorts by time: 20260302T090000Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def compute_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def check_checksum(path: Path, manifest: Manifest, *, shown_as: Path) -> None:
    """Raise unless `path` has the size and SHA-256 the manifest recorded."""
    size = path.stat().st_size
    if size != manifest.size_bytes or compute_sha256(path) != manifest.sha256:
        raise InvalidInput(
            "backup.damaged",
            f"Backup {shown_as} is damaged: its size or SHA-256 checksum differs from its "
            f"manifest ({size} bytes, expected {manifest.size_bytes}). Nothing was restored.",
            "Restore an undamaged copy of this backup, or another backup.",
        )


def save_manifest(manifest: Manifest, backup: Path) -> Path:
    path = manifest_path(backup)
    write_atomically(path, (manifest.to_json() + "\n").encode())
    return path


def load_manifest(backup: Path) -> Manifest:
    """Read and check the manifest beside `backup`; a missing or malformed one is refused."""
    path = manifest_path(backup)
    if not backup.is_file():
        raise NotFound(
            "backup.not-found", f"Backup: there is no file at {backup}.", "Check the path."
        )
    if not path.is_file():
        raise InvalidInput(
            "backup.no-manifest",
            f"Backup {backup} has no manifest ({path.name} is missing beside it), so its "
            "checksum cannot be verified. Nothing was restored.",
            "Copy the manifest next to the backup; a backup without one may be incomplete.",
        )
    try:
        return _manifest_from(json.loads(path.read_text("utf-8")))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "backup.bad-manifest",
            f"Manifest {path} is not an ofacare backup manifest ({exc}). Nothing was restored.",
            "Use the manifest written by `ofacare backup` beside this backup.",
        ) from exc


def _manifest_from(data: Any) -> Manifest:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"format must be {FORMAT!r}")
    counts = data["row_counts"]
    if not isinstance(counts, dict):
        raise ValueError("row_counts must be an object")
    revision = data["schema_revision"]
    return Manifest(
        database=str(data["database"]),
        file=str(data["file"]),
        sha256=str(data["sha256"]),
        size_bytes=_whole_number(data["size_bytes"], "size_bytes"),
        schema_revision=None if revision is None else str(revision),
        ofacare_version=str(data["ofacare_version"]),
        created_at=datetime.fromisoformat(str(data["created_at"])),
        row_counts=counts,
    )


def _whole_number(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    return value


def staging_path(final: Path) -> Path:
    """A fresh, unused name beside `final` to write into before renaming it into place."""
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent)
    os.close(handle)
    return Path(name)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old file or the whole new one."""
    staged = staging_path(path)
    try:
        with staged.open("wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        move_into_place(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def move_into_place(staged: Path, final: Path) -> None:
    """Flush `staged` to disk, rename it to `final` and make the rename itself durable."""
    with staged.open("rb+") as stream:
        os.fsync(stream.fileno())
    os.replace(staged, final)
    directory = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
