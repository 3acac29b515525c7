"""Fixtures for the service and API tests: a throwaway, migrated database per test on SQLite and
on a real PostgreSQL server, a settable clock, a runtime and an app client.

Each backend migrates one template once per session; a test gets a copy (a file copy on SQLite,
CREATE DATABASE ... TEMPLATE on PostgreSQL), so no test sees another's rows.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.records.database import build_engine, migrate
from ofacare.services.runtime import Runtime, build_runtime

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEMPLATE = "ofacare_template"
BACKENDS = ["sqlite", "postgresql"]


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ofacare.db"
    engine = build_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server) -> str:  # type: ignore[no-untyped-def]
    postgres_server.create_database(TEMPLATE)
    engine = build_engine(postgres_server.url(TEMPLATE))
    migrate(engine)
    engine.dispose()
    return TEMPLATE


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "ofacare.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    name = f"t_{uuid.uuid4().hex[:16]}"
    server.create_database(name, template=template)
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def runtime(database_url: str, clock: Clock) -> Iterator[Runtime]:
    built = build_runtime(Settings(database_url=database_url), clock=clock)
    try:
        yield built
    finally:
        built.database.dispose()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


@pytest.fixture
def empty_runtime(request: pytest.FixtureRequest, database_url: str, tmp_path: Path, clock: Clock):  # type: ignore[no-untyped-def]
    """A second, empty database on the same backend as `runtime` (for import round trips)."""
    if database_url.startswith("sqlite"):
        target = tmp_path / "second.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        url = f"sqlite:///{target}"
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"t_{uuid.uuid4().hex[:16]}"
        server.create_database(name, template=request.getfixturevalue("postgres_template"))
        url = server.url(name)
    built = build_runtime(Settings(database_url=url), clock=clock)
    yield built
    built.database.dispose()
    if not database_url.startswith("sqlite"):
        request.getfixturevalue("postgres_server").drop_database(name)
