"""Backup and restore on SQLite and on a real PostgreSQL server (pg_dump and pg_restore): a round
trip through the services, a snapshot taken under concurrent writes, and every refusal (damaged,
newer schema, a database that holds records) leaving the database exactly as it was."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from ofacare.errors import InvalidInput, NotFound, OfacareError
from ofacare.records.backup import create_backup, restore_backup
from ofacare.records.backup_manifest import (
    Manifest,
    compute_sha256,
    load_manifest,
    manifest_path,
    save_manifest,
)
from ofacare.records.backup_schema import code_head_revision
from ofacare.records.database import alembic_config, build_engine, migrating
from ofacare.records.postgres_tools import PgTools
from ofacare.records.tables import AuditEntry, Base, DiaryEntry
from ofacare.services.diary import DiaryForm, record_diary_entry
from ofacare.services.injections import InjectionForm, list_injections, log_injection
from ofacare.services.prescriptions import PrescriptionForm, create_prescription
from tests.people import build_world

HANG_GUARD_SECONDS = 60


def url_of(runtime) -> str:
    return runtime.settings.database_url


def fill(runtime):
    """A patient with a prescription, a first dose and a diary entry, all through the services."""
    world = build_world(runtime)
    start = runtime.now() - timedelta(days=1)
    prescription = PrescriptionForm(start_on=start.date())
    create_prescription(
        runtime, world.clinician, world.patient_id, prescription, idempotency_key=None
    )
    dose = InjectionForm(given_at=start, site="thigh-left")
    log_injection(runtime, world.patient, world.patient_id, dose, idempotency_key="dose-1")
    write_diary(runtime, world, "headache and chills")
    return world


def write_diary(runtime, world, words):
    form = DiaryForm(text=words)
    return record_diary_entry(runtime, world.patient, world.patient_id, form, idempotency_key=None)


def every_row(url: str) -> dict[str, list[str]]:
    """Every row of every table, in a stable order, for comparing two databases."""
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def run_alembic(url: str, action, revision: str) -> None:
    engine = build_engine(url)
    config = alembic_config(url)
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        action(config, revision)
    engine.dispose()


def count(runtime, statement) -> int:
    with runtime.database.reading() as session:
        return int(session.scalar(statement) or 0)


def test_a_round_trip_gives_back_every_row_with_its_checksum_verified(runtime, tmp_path, clock):
    world = fill(runtime)
    before = every_row(url_of(runtime))
    output = tmp_path / "backups" / "nightly.db"
    manifest = create_backup(url_of(runtime), output=output, created_at=clock.now)
    assert manifest.sha256 == compute_sha256(output)
    assert manifest.size_bytes == output.stat().st_size
    assert manifest.schema_revision == code_head_revision()
    assert manifest.row_counts == {table: len(rows) for table, rows in before.items()}
    assert manifest.row_counts["injections"] == 1 and manifest.row_counts["diary_entries"] == 1
    assert load_manifest(output) == manifest

    runtime.database.dispose()
    run_alembic(url_of(runtime), command.downgrade, "base")  # wipe: every ofacare table dropped
    result = restore_backup(url_of(runtime), output, force=False, now=clock.now)

    assert every_row(url_of(runtime)) == before
    assert result.row_counts == manifest.row_counts and result.replaced is None
    assert [i.dose_number for i in list_injections(runtime, world.patient, world.patient_id)] == [1]


def test_a_backup_taken_while_another_thread_writes_is_consistent(
    runtime, empty_runtime, tmp_path, clock
):
    world = build_world(runtime)
    entries = select(func.count()).select_from(DiaryEntry)
    stop, failures = threading.Event(), []

    def keep_writing() -> None:
        try:
            while not stop.is_set():
                write_diary(runtime, world, "tired after the injection")
        except Exception as error:  # reported by the main thread
            failures.append(error)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    try:
        while count(runtime, entries) < 3 and not failures and time.monotonic() < deadline:
            time.sleep(0.01)
        output = tmp_path / "during-writes.db"
        manifest = create_backup(url_of(runtime), output=output, created_at=clock.now)
        # Let the writer commit after the snapshot too, so the backup provably ran mid-stream.
        while count(runtime, entries) <= manifest.row_counts["diary_entries"] and not failures:
            assert time.monotonic() < deadline, "the writer stopped writing"
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join(HANG_GUARD_SECONDS)
    assert failures == []

    restore_backup(url_of(empty_runtime), output, force=False, now=clock.now)
    restored = count(empty_runtime, entries)
    audited = count(
        empty_runtime,
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "diary.create"),
    )
    assert 3 <= restored == manifest.row_counts["diary_entries"] < count(runtime, entries)
    assert audited == restored  # each entry and its audit row were committed together
    assert len(every_row(url_of(empty_runtime))["audit_log"]) == manifest.row_counts["audit_log"]


def test_a_backup_with_one_byte_flipped_is_refused_and_nothing_is_replaced(
    runtime, tmp_path, clock
):
    world = fill(runtime)
    output = tmp_path / "backups" / "flipped.db"
    create_backup(url_of(runtime), output=output, created_at=clock.now)
    write_diary(runtime, world, "a rash on the arm")  # the database now differs from the backup
    before = every_row(url_of(runtime))
    damaged = bytearray(output.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    output.write_bytes(bytes(damaged))

    with pytest.raises(InvalidInput, match="is damaged") as refused:
        restore_backup(url_of(runtime), output, force=True, now=clock.now)

    assert refused.value.code == "backup.damaged"
    assert every_row(url_of(runtime)) == before
    assert list(tmp_path.rglob("*replaced*")) == []  # not even the copy kept before a replace


def test_a_backup_from_a_newer_schema_is_refused(runtime, empty_runtime, tmp_path, clock):
    fill(runtime)
    with runtime.database.writing() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    output = tmp_path / "newer.db"
    create_backup(url_of(runtime), output=output, created_at=clock.now)
    before = every_row(url_of(empty_runtime))

    with pytest.raises(InvalidInput, match="9999_from_the_future") as refused:
        restore_backup(url_of(empty_runtime), output, force=True, now=clock.now)

    assert refused.value.code == "backup.newer-schema"
    assert "upgrade ofacare" in refused.value.hint
    assert every_row(url_of(empty_runtime)) == before


def test_an_older_backup_is_migrated_forward_on_restore(runtime, empty_runtime, tmp_path, clock):
    world = fill(runtime)
    runtime.database.dispose()
    run_alembic(url_of(runtime), command.downgrade, "0001")  # the records stay, the schema ages
    output = tmp_path / "old.db"
    manifest = create_backup(url_of(runtime), output=output, created_at=clock.now)
    assert manifest.schema_revision == "0001" and "clinical_notes" not in manifest.row_counts

    result = restore_backup(url_of(empty_runtime), output, force=False, now=clock.now)

    assert result.migrated_from == "0001" and result.schema_revision == code_head_revision()
    engine = empty_runtime.database.engine
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    doses = list_injections(empty_runtime, world.patient, world.patient_id)
    assert [d.dose_number for d in doses] == [1]


def test_force_keeps_the_replaced_database_aside_and_restoring_it_undoes_the_restore(
    runtime, tmp_path, clock
):
    world = fill(runtime)
    output = tmp_path / "backups" / "monday.db"
    create_backup(url_of(runtime), output=output, created_at=clock.now)
    monday = every_row(url_of(runtime))
    write_diary(runtime, world, "a rash on the arm")
    tuesday = every_row(url_of(runtime))

    with pytest.raises(InvalidInput, match="--force") as refused:
        restore_backup(url_of(runtime), output, force=False, now=clock.now)
    assert refused.value.code == "backup.target-not-empty"
    assert every_row(url_of(runtime)) == tuesday

    result = restore_backup(url_of(runtime), output, force=True, now=clock.now)
    assert every_row(url_of(runtime)) == monday
    assert result.replaced is not None and result.replaced.is_file()
    assert manifest_path(result.replaced).is_file()
    assert result.replaced_rows == sum(len(rows) for rows in tuesday.values())

    undo = restore_backup(url_of(runtime), result.replaced, force=True, now=clock.now)
    assert every_row(url_of(runtime)) == tuesday
    assert undo.replaced is not None and undo.replaced != result.replaced  # same second, new name


def test_a_sqlite_file_that_passes_its_checksum_but_not_the_integrity_check_is_refused(
    tmp_path, sqlite_template, clock
):
    url = f"sqlite:///{sqlite_template}"
    output = tmp_path / "broken.db"
    manifest = create_backup(url, output=output, created_at=clock.now)
    data = bytearray(output.read_bytes())
    page = 4096
    data[2 * page : 3 * page] = b"\xff" * page  # a b-tree page turned to noise
    output.write_bytes(bytes(data))
    save_manifest(replace(manifest, sha256=compute_sha256(output), size_bytes=len(data)), output)

    with pytest.raises(InvalidInput, match="integrity check") as refused:
        restore_backup(f"sqlite:///{tmp_path}/target.db", output, force=False, now=clock.now)
    assert refused.value.code == "backup.integrity-failed"
    assert not (tmp_path / "target.db").exists()


def test_a_backup_without_a_manifest_or_with_a_broken_one_is_refused(tmp_path, clock):
    target = f"sqlite:///{tmp_path}/target.db"
    lone = tmp_path / "lone.db"
    lone.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(InvalidInput, match="has no manifest"):
        restore_backup(target, lone, force=False, now=clock.now)
    manifest_path(lone).write_text('{"format": "ofacare-backup/1", "row_counts": {"x; DROP": 1}}')
    with pytest.raises(InvalidInput, match="not an ofacare backup manifest"):
        restore_backup(target, lone, force=False, now=clock.now)
    with pytest.raises(NotFound, match="no file at"):
        restore_backup(target, tmp_path / "missing.db", force=False, now=clock.now)
    assert not (tmp_path / "target.db").exists()


def test_a_backup_never_overwrites_a_file_and_needs_a_database_to_copy(
    tmp_path, sqlite_template, clock
):
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"precious")
    with pytest.raises(InvalidInput, match="already exists"):
        create_backup(f"sqlite:///{sqlite_template}", output=taken, created_at=clock.now)
    assert taken.read_bytes() == b"precious"
    with pytest.raises(NotFound, match="no SQLite database"):
        create_backup(
            f"sqlite:///{tmp_path}/none.db", output=tmp_path / "b.db", created_at=clock.now
        )
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "b.db").exists()


def test_a_sqlite_backup_is_not_restored_into_postgresql(tmp_path, sqlite_template, clock):
    output = tmp_path / "lite.db"
    create_backup(f"sqlite:///{sqlite_template}", output=output, created_at=clock.now)
    # Refused before any connection is tried: no server listens on port 1.
    with pytest.raises(InvalidInput, match="is a sqlite backup"):
        restore_backup(
            "postgresql://ofacare@127.0.0.1:1/ofacare", output, force=True, now=clock.now
        )


SECRET_URL = "postgresql+psycopg://clinic:s3cret-pass@db.example.org:5433/ofacare"


def test_without_pg_dump_the_error_gives_the_exact_command_and_never_the_password(tmp_path, clock):
    nowhere = PgTools.find({"PATH": str(tmp_path)}, debian_root=tmp_path)
    assert nowhere == PgTools(pg_dump=None, pg_restore=None, psql=None)
    output = tmp_path / "clinic.dump"

    with pytest.raises(OfacareError) as missing:
        create_backup(SECRET_URL, output=output, created_at=clock.now, tools=nowhere)

    shown = str(missing.value)
    assert missing.value.code == "backup.pg-tools-missing"
    assert f"pg_dump --format=custom --file={output}" in shown
    assert "--dbname=postgresql://clinic@db.example.org:5433/ofacare" in shown
    assert "s3cret" not in shown and "PGPASSWORD" in shown


def test_without_pg_restore_the_error_gives_the_exact_command_and_never_the_password(
    tmp_path, clock
):
    nowhere = PgTools.find({"PATH": str(tmp_path)}, debian_root=tmp_path)
    backup = tmp_path / "clinic.dump"
    backup.write_bytes(b"PGDMP")
    save_manifest(
        Manifest(
            database="postgresql", file=backup.name, sha256=compute_sha256(backup), size_bytes=5,
            schema_revision=code_head_revision(), ofacare_version="0.1.0", created_at=clock.now,
        ),
        backup,
    )  # fmt: skip

    with pytest.raises(OfacareError) as missing:
        restore_backup(SECRET_URL, backup, force=False, now=clock.now, tools=nowhere)

    shown = str(missing.value)
    assert "pg_restore --clean --if-exists --no-owner" in shown and "ofacare db upgrade" in shown
    assert "--dbname=postgresql://clinic@db.example.org:5433/ofacare" in shown
    assert "s3cret" not in shown


def test_pg_tools_are_taken_from_the_newest_debian_directory_when_not_on_path(tmp_path):
    for version in ("9.6", "15", "13"):
        bindir = tmp_path / version / "bin"
        bindir.mkdir(parents=True)
        for program in ("pg_dump", "pg_restore", "psql"):
            (bindir / program).write_text("#!/bin/sh\n")
            (bindir / program).chmod(0o755)
    found = PgTools.find({"PATH": str(tmp_path / "empty")}, debian_root=tmp_path)
    newest = tmp_path / "15" / "bin"
    assert found == PgTools(newest / "pg_dump", newest / "pg_restore", newest / "psql")


def test_a_file_pg_restore_cannot_read_is_refused_even_with_a_matching_checksum(
    postgres_database, tmp_path, clock
):
    backup = tmp_path / "not-an-archive.dump"
    backup.write_bytes(b"this is not a pg_dump archive\n")
    save_manifest(
        Manifest(
            database="postgresql", file=backup.name, sha256=compute_sha256(backup),
            size_bytes=backup.stat().st_size, schema_revision=code_head_revision(),
            ofacare_version="0.1.0", created_at=clock.now,
        ),
        backup,
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="pg_restore cannot read"):
        restore_backup(postgres_database, backup, force=True, now=clock.now)
