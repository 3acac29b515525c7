"""What a database holds (schema revision, rows per table) and whether this code can restore it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, text

from ofacare.errors import InvalidInput
from ofacare.records.database import alembic_config
from ofacare.records.tables import Base

VERSION_TABLE = "alembic_version"


@dataclass(frozen=True, slots=True)
class Contents:
    """The schema revision a database is at and how many rows each of its tables holds."""

    schema_revision: str | None
    row_counts: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def read_contents(connection: Connection) -> Contents:
    """Count the rows of every table (in the connection's snapshot) and read the revision."""
    tables = sorted(set(inspect(connection).get_table_names()) - {VERSION_TABLE})
    preparer = connection.dialect.identifier_preparer
    counts = {
        table: int(connection.scalar(text(f"SELECT count(*) FROM {preparer.quote(table)}")) or 0)
        for table in tables
    }
    return Contents(schema_revision=read_revision(connection), row_counts=counts)


def read_revision(connection: Connection) -> str | None:
    if VERSION_TABLE not in inspect(connection).get_table_names():
        return None
    return connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))  # type: ignore[no-any-return]


def ofacare_tables() -> set[str]:
    """The tables the code and its migrations own (those a restore may replace)."""
    return set(Base.metadata.tables) | {VERSION_TABLE}


def code_head_revision() -> str:
    """The newest schema revision this code's migrations know."""
    head = _scripts().get_current_head()
    assert head is not None, "the migrations have one head"
    return head


def needs_migration(revision: str | None, *, backup: Path) -> bool:
    """Whether a backup at `revision` must be migrated forward; refuse one newer than the code."""
    if revision is None:
        raise InvalidInput(
            "backup.no-schema",
            f"Backup {backup} holds no ofacare schema (no {VERSION_TABLE} table). "
            "Nothing was restored.",
            "Restore a backup made by `ofacare backup`.",
        )
    if revision == code_head_revision():
        return False
    try:
        known = _scripts().get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise InvalidInput(
            "backup.newer-schema",
            f"Backup {backup} has schema revision {revision!r}, which this version of ofacare "
            f"does not know (its newest is {code_head_revision()!r}). Nothing was restored.",
            "Restore it with the ofacare version that made it (see its manifest), or upgrade "
            "ofacare first.",
        )
    return True


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))
