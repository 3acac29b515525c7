"""The same migrations build SQLite and PostgreSQL from empty, and match the tables in code."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ofacare.errors import InvalidInput
from ofacare.records.database import alembic_config, build_engine, is_empty, migrate
from ofacare.records.tables import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"m_{uuid.uuid4().hex[:12]}"
    server.create_database(name)
    yield server.url(name)
    server.drop_database(name)


def test_migrations_build_an_empty_database_that_matches_the_tables_in_code(empty_url):
    engine = build_engine(empty_url)
    assert is_empty(engine)
    migrate(engine)
    assert not is_empty(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_migrations_run_down_to_nothing_and_up_again(empty_url):
    engine = build_engine(empty_url)
    migrate(engine)
    config = alembic_config(empty_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert is_empty(engine)
    migrate(engine)
    migrate(engine)  # a second upgrade is a no-op
    assert not is_empty(engine)
    engine.dispose()


def test_sqlite_connections_use_wal_and_enforce_foreign_keys(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_an_unsupported_database_url_is_refused_by_name():
    with pytest.raises(InvalidInput, match="mysql"):
        build_engine("mysql://localhost/ofacare")
