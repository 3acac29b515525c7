"""Fixtures shared across the suite: a real PostgreSQL server and a real SMTP server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.postgres_server import PostgresServer, PostgresUnavailable, find_bindir, running_postgres
from tests.smtp_server import SmtpServer, running_smtp_server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start one PostgreSQL server for the session, the first time a test asks for it.

    Missing binaries fail the tests that need them (CI installs PostgreSQL, so a skip would hide
    them); OFACARE_SKIP_POSTGRES=1 is the one way to skip them on purpose.
    """
    if os.environ.get("OFACARE_SKIP_POSTGRES") == "1":
        pytest.skip("OFACARE_SKIP_POSTGRES=1: tests that need PostgreSQL are skipped")
    try:
        with running_postgres(find_bindir(os.environ)) as server:
            yield server
    except PostgresUnavailable as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """Give a test an empty database of its own (its SQLAlchemy URL) and drop it afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name)
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Run a plain SMTP server on 127.0.0.1 that keeps every message it receives."""
    with running_smtp_server() as server:
        yield server


from tests.database_fixtures import (  # noqa: E402, F401  (fixtures for service and API tests)
    client,
    clock,
    database_url,
    empty_runtime,
    postgres_template,
    runtime,
    sqlite_template,
)
