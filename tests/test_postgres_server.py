"""The test PostgreSQL server: it starts from the system's binaries, serves SQL and cleans up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from tests.postgres_server import PostgresServer, PostgresUnavailable, find_bindir

ROOT = Path(__file__).resolve().parent.parent
THIS_FILE = Path(__file__).resolve().relative_to(ROOT)


def make_bindir(
    directory: Path, *, programs: tuple[str, ...] = ("initdb", "postgres", "pg_ctl")
) -> Path:
    directory.mkdir(parents=True)
    for program in programs:
        path = directory / program
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(0o755)
    return directory


def test_a_created_database_answers_select_one_and_keeps_a_table(postgres_server: PostgresServer):
    postgres_server.create_database("smoke")
    engine = sa.create_engine(postgres_server.url("smoke"))
    try:
        with engine.begin() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
            connection.execute(
                sa.text("CREATE TABLE dose (number integer PRIMARY KEY, due_on date)")
            )
            connection.execute(sa.text("INSERT INTO dose VALUES (1, '2026-01-05')"))
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM dose")).scalar_one() == 1
    finally:
        engine.dispose()
        postgres_server.drop_database("smoke")


def test_a_dropped_database_can_no_longer_be_reached(postgres_server: PostgresServer):
    postgres_server.create_database("dropped")
    postgres_server.drop_database("dropped")
    dsn = f"host={postgres_server.host} port={postgres_server.port} user=ofacare dbname=dropped"
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        psycopg.connect(dsn).close()


def test_dropping_closes_connections_a_test_left_open(postgres_server: PostgresServer):
    postgres_server.create_database("left_open")
    engine = sa.create_engine(postgres_server.url("left_open"))
    connection = engine.connect()
    connection.execute(sa.text("SELECT 1"))
    postgres_server.drop_database("left_open")
    with pytest.raises(sa.exc.OperationalError):
        connection.execute(sa.text("SELECT 1"))
    engine.dispose()


def test_a_database_made_from_a_template_starts_with_its_tables(postgres_server: PostgresServer):
    postgres_server.create_database("template_source")
    engine = sa.create_engine(postgres_server.url("template_source"))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE patient (id integer)"))
    engine.dispose()
    postgres_server.create_database("from_template", template="template_source")
    copy = sa.create_engine(postgres_server.url("from_template"))
    try:
        with copy.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
        assert tables == ["patient"]
    finally:
        copy.dispose()
        postgres_server.drop_database("from_template")
        postgres_server.drop_database("template_source")


def test_each_test_database_starts_empty(postgres_database: str):
    engine = sa.create_engine(postgres_database)
    try:
        with engine.connect() as connection:
            assert sa.inspect(connection).get_table_names() == []
            assert connection.execute(sa.text("SHOW fsync")).scalar_one() == "off"
    finally:
        engine.dispose()


def test_the_server_listens_on_the_loopback_address_only(postgres_server: PostgresServer):
    url = postgres_server.url("postgres")
    assert url == f"postgresql+psycopg://ofacare@127.0.0.1:{postgres_server.port}/postgres"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            listen = connection.execute(sa.text("SHOW listen_addresses")).scalar_one()
        assert listen == "127.0.0.1"
    finally:
        engine.dispose()


def test_the_bin_directory_named_by_ofacare_pg_bin_wins(tmp_path: Path):
    chosen = make_bindir(tmp_path / "mine")
    debian = tmp_path / "debian"
    make_bindir(debian / "16" / "bin")
    assert find_bindir({"OFACARE_PG_BIN": str(chosen), "PATH": ""}, debian_root=debian) == chosen


def test_an_ofacare_pg_bin_without_the_server_programs_is_an_error_naming_it(tmp_path: Path):
    partial = make_bindir(tmp_path / "client-only", programs=("psql", "initdb"))
    with pytest.raises(PostgresUnavailable, match=r"OFACARE_PG_BIN '.*client-only' does not hold"):
        find_bindir({"OFACARE_PG_BIN": str(partial), "PATH": ""}, debian_root=tmp_path)


def test_the_newest_debian_version_is_chosen_by_number_not_by_text(tmp_path: Path):
    for version in ("9.6", "15", "16", "notes"):
        make_bindir(tmp_path / version / "bin")
    assert find_bindir({"PATH": ""}, debian_root=tmp_path) == tmp_path / "16" / "bin"


def test_a_debian_directory_without_initdb_is_passed_over(tmp_path: Path):
    make_bindir(tmp_path / "17" / "bin", programs=("psql",))
    make_bindir(tmp_path / "15" / "bin")
    assert find_bindir({"PATH": ""}, debian_root=tmp_path) == tmp_path / "15" / "bin"


def test_pg_config_names_the_bin_directory_when_debian_has_none(tmp_path: Path):
    server_bin = make_bindir(tmp_path / "server")
    tools = tmp_path / "tools"
    tools.mkdir()
    pg_config = tools / "pg_config"
    pg_config.write_text(f"#!/bin/sh\necho {server_bin}\n")
    pg_config.chmod(0o755)
    environ = {"PATH": str(tools)}
    assert find_bindir(environ, debian_root=tmp_path / "none") == server_bin


def test_initdb_on_the_path_is_the_last_resort(tmp_path: Path):
    on_path = make_bindir(tmp_path / "path-bin")
    assert find_bindir({"PATH": str(on_path)}, debian_root=tmp_path / "none") == on_path


def test_no_binaries_anywhere_is_an_error_that_says_how_to_install(tmp_path: Path):
    with pytest.raises(PostgresUnavailable, match="apt-get install postgresql"):
        find_bindir({"PATH": str(tmp_path)}, debian_root=tmp_path / "none")


def run_one_test_needing_postgres(**environ: str) -> subprocess.CompletedProcess[str]:
    node = f"{THIS_FILE}::test_the_server_listens_on_the_loopback_address_only"
    inherited = {k: v for k, v in os.environ.items() if k != "OFACARE_SKIP_POSTGRES"}
    env = inherited | environ
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", node],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_missing_binaries_fail_the_tests_that_need_postgres_instead_of_skipping(tmp_path: Path):
    done = run_one_test_needing_postgres(OFACARE_PG_BIN=str(tmp_path / "nowhere"))
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout
    assert "does not hold initdb, postgres, pg_ctl" in done.stdout


def test_ofacare_skip_postgres_skips_the_tests_that_need_postgres_and_says_why(tmp_path: Path):
    done = run_one_test_needing_postgres(
        OFACARE_PG_BIN=str(tmp_path / "nowhere"), OFACARE_SKIP_POSTGRES="1"
    )
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert "OFACARE_SKIP_POSTGRES=1" in done.stdout
