"""`ofacare backup` and `ofacare restore`: what they print, where they write, and refusals as one
`Error:` line with exit status 2, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ofacare.cli.main import main
from ofacare.config import Settings
from ofacare.records.backup_manifest import compute_sha256
from ofacare.records.database import build_engine, migrate
from ofacare.records.tables import User
from ofacare.services.runtime import build_runtime
from tests.people import build_world

HANG_GUARD_SECONDS = 120


def database_with_world(url: str) -> None:
    runtime = build_runtime(Settings(database_url=url))
    migrate(runtime.database.engine)
    build_world(runtime)
    runtime.database.dispose()


def users_in(url: str) -> int:
    engine = build_engine(url)
    with engine.connect() as connection:
        found = connection.scalar(select(func.count()).select_from(User))
    engine.dispose()
    return int(found or 0)


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("OFACARE_DATABASE_URL", url)


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/var/ofacare.db"
    database_with_world(url)
    use_database(monkeypatch, url)
    return url


def test_backup_prints_where_it_wrote_and_the_manifest_records_the_checksum(
    sqlite_url, tmp_path, capsys
):
    output = tmp_path / "copies" / "tonight.db"
    assert main(["backup", "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    manifest = json.loads((tmp_path / "copies" / "tonight.db.manifest.json").read_text())
    assert f"Backup written to {output}" in printed
    assert manifest["sha256"] == compute_sha256(output) and manifest["sha256"] in printed
    assert manifest["row_counts"]["users"] == 5 and "users 5" in printed
    assert manifest["database"] == "sqlite" and manifest["file"] == "tonight.db"
    assert output.stat().st_mode & 0o777 == 0o600  # health data: readable by its owner only


def test_backup_defaults_to_a_timestamped_file_under_var_backups_or_in_a_given_folder(
    sqlite_url, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["backup"]) == 0
    (default,) = (tmp_path / "var" / "backups").glob("ofacare-*Z.db")
    assert (tmp_path / "var" / "backups" / f"{default.name}.manifest.json").is_file()
    folder = tmp_path / "offsite"
    folder.mkdir()
    assert main(["backup", "--output", str(folder)]) == 0
    assert [p.suffix for p in folder.glob("ofacare-*Z.db")] == [".db"]


def test_restore_into_a_new_database_file_then_refuses_to_overwrite_without_force(
    sqlite_url, tmp_path, monkeypatch, capsys
):
    backup = tmp_path / "b.db"
    assert main(["backup", "--output", str(backup)]) == 0
    fresh = f"sqlite:///{tmp_path}/elsewhere/restored.db"
    use_database(monkeypatch, fresh)
    capsys.readouterr()

    assert main(["restore", f"{backup}.manifest.json"]) == 0  # the manifest names its backup
    assert "checksum verified" in capsys.readouterr().out
    assert users_in(fresh) == 5

    assert main(["restore", str(backup)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("Error: OFACARE_DATABASE_URL: the database at ") and "--force" in error
    assert error.count("\n") == 1


def test_restore_with_force_says_where_the_replaced_database_is_kept(sqlite_url, tmp_path, capsys):
    backup = tmp_path / "b.db"
    assert main(["backup", "--output", str(backup)]) == 0
    capsys.readouterr()
    assert main(["restore", str(backup), "--force"]) == 0
    printed = capsys.readouterr().out
    (kept,) = (tmp_path / "var").glob("ofacare.replaced-*Z.db")
    assert f"is kept at {kept}; undo with: ofacare restore {kept} --force" in printed


def test_a_damaged_backup_is_one_error_line_from_the_real_command(sqlite_url, tmp_path):
    backup = tmp_path / "b.db"
    assert main(["backup", "--output", str(backup)]) == 0
    data = bytearray(backup.read_bytes())
    data[100] ^= 0x80
    backup.write_bytes(bytes(data))
    done = subprocess.run(
        [sys.executable, "-m", "ofacare.cli.main", "restore", str(backup), "--force"],
        capture_output=True, text=True, timeout=HANG_GUARD_SECONDS, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(f"Error: Backup {backup} is damaged")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert list((tmp_path / "var").glob("*replaced*")) == []
    assert users_in(sqlite_url) == 5


def test_a_postgresql_round_trip_through_pg_dump_and_pg_restore(
    postgres_server, tmp_path, monkeypatch, capsys
):
    source, target = (f"cli_{role}_{uuid.uuid4().hex[:12]}" for role in ("source", "target"))
    for name in (source, target):
        postgres_server.create_database(name)
    try:
        database_with_world(postgres_server.url(source))
        use_database(monkeypatch, postgres_server.url(source))
        backup = tmp_path / "clinic.dump"
        assert main(["backup", "--output", str(backup)]) == 0
        manifest = json.loads(Path(f"{backup}.manifest.json").read_text())
        assert manifest["database"] == "postgresql" and backup.read_bytes()[:5] == b"PGDMP"

        use_database(monkeypatch, postgres_server.url(target))
        assert main(["restore", str(backup)]) == 0  # an empty database: no --force needed
        assert users_in(postgres_server.url(target)) == 5
        assert "users 5" in capsys.readouterr().out
    finally:
        for name in (source, target):
            postgres_server.drop_database(name)


def test_a_backup_that_cannot_be_written_names_the_path_in_one_error_line(
    sqlite_url, tmp_path, capsys
):
    in_the_way = tmp_path / "not-a-folder"
    in_the_way.write_text("a file where the folder should be")
    assert main(["backup", "--output", str(in_the_way / "b.db")]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"Error: {in_the_way}: ") and "No backup was written." in error
    assert error.count("\n") == 1
