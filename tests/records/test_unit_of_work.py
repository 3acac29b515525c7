"""Units of work from many threads of one process: writers take turns, readers never wait.

On SQLite the writers of a process queue on a lock that is handed over as each unit ends
(records/unit_of_work.py); these tests check that nothing is lost, that a failed unit hands its
turn on, and that reading does not queue behind a writer. Each waits with a hang guard.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ofacare.config import Settings
from ofacare.records.tables import AuditEntry
from ofacare.services.runtime import build_runtime

HANG_GUARD_SECONDS = 10  # far less than SQLite's 30 s busy timeout


@pytest.fixture
def database(database_url):
    runtime = build_runtime(Settings(database_url=database_url))
    yield runtime.database
    runtime.database.dispose()


def add_entry(database, action: str) -> None:
    with database.writing() as session:
        session.add(AuditEntry(at=datetime.now(UTC), role="admin", action=action))


def count_entries(database, action: str) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).where(AuditEntry.action == action))


def test_concurrent_writers_of_one_process_all_commit(database):
    with ThreadPoolExecutor(max_workers=8) as pool:
        done = [pool.submit(add_entry, database, "load.write") for _ in range(80)]
        for each in done:
            each.result(timeout=HANG_GUARD_SECONDS)
    assert count_entries(database, "load.write") == 80


def test_a_failed_unit_of_work_hands_its_turn_on(database):
    with pytest.raises(RuntimeError), database.writing() as session:
        session.add(AuditEntry(at=datetime.now(UTC), role="admin", action="load.undone"))
        session.flush()
        raise RuntimeError("the use case failed")
    other = threading.Thread(target=add_entry, args=(database, "load.after"))
    other.start()
    other.join(HANG_GUARD_SECONDS)
    assert not other.is_alive(), "the next writer waited for a turn that was never handed on"
    assert count_entries(database, "load.undone") == 0
    assert count_entries(database, "load.after") == 1


def test_reading_does_not_wait_for_an_open_writer(database):
    add_entry(database, "load.before")
    inside, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with database.writing() as session:
            session.add(AuditEntry(at=datetime.now(UTC), role="admin", action="load.slow"))
            session.flush()  # the write lock is taken now
            inside.set()
            release.wait(HANG_GUARD_SECONDS)

    writer = threading.Thread(target=slow_writer)
    writer.start()
    try:
        assert inside.wait(HANG_GUARD_SECONDS)
        with ThreadPoolExecutor(max_workers=1) as pool:
            seen = pool.submit(count_entries, database, "load.before")
            assert seen.result(timeout=HANG_GUARD_SECONDS) == 1
        assert count_entries(database, "load.slow") == 0  # not committed yet
    finally:
        release.set()
        writer.join(HANG_GUARD_SECONDS)
    assert count_entries(database, "load.slow") == 1
