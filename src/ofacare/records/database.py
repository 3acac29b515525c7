"""The database: an engine for SQLite (WAL, synced commits, foreign keys) or PostgreSQL, migrations.

SQLite is the default so `make run` needs nothing installed; PostgreSQL (psycopg 3) serves clinics
that outgrow one file. The same Alembic migrations build both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ofacare.errors import InvalidInput

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000  # writers queue behind each other instead of failing at once
BEGIN_OPTION = "ofacare_sqlite_begin"


def build_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on each connection."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput(
            "settings.bad-database-url",
            f"OFACARE_DATABASE_URL: {url!r} is not a database URL.",
            "Use sqlite:///path/to/ofacare.db or postgresql+psycopg://user@host/dbname.",
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise InvalidInput(
        "settings.bad-database-url",
        f"OFACARE_DATABASE_URL: {parsed.get_backend_name()!r} databases are not supported.",
        "Use SQLite (the default) or PostgreSQL.",
    )


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would defer BEGIN; take it over so that
        # BEGIN IMMEDIATE can serialise writers and the pragmas run outside a transaction.
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL syncs the WAL at every commit, so an acknowledged record survives power loss
        # too, not only a crash of the process (NORMAL may drop the last commits); it costs
        # about half a millisecond per write here (docs/reliability.md).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front (see writer_engine) so two writers queue on
        # busy_timeout instead of failing on a lock upgrade; readers stay deferred and concurrent.
        mode = connection.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def writer_engine(engine: Engine) -> Engine:
    """The same engine, beginning SQLite transactions with BEGIN IMMEDIATE (no-op elsewhere)."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})


def alembic_config(url: str) -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (creating it from empty)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for Alembic; on SQLite, foreign keys are off meanwhile.

    SQLite migrations rebuild a table by copying it and dropping the old one; with foreign keys
    on, that drop cascade-deletes every child row (rebuilding `patients` took every injection
    with it). The keys are checked before the commit and turned back on afterwards.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        raw: Any = connection.connection.driver_connection  # a pragma in a transaction is ignored
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check") if sqlite else None
                if broken is not None and (rows := broken.fetchall()):
                    raise RuntimeError(f"a migration broke foreign keys: {rows[:5]}")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def is_empty(engine: Engine) -> bool:
    """Whether the database has no ofacare tables yet."""
    return "users" not in inspect(engine).get_table_names()
