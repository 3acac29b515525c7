"""Group commit: callers that overlap share a transaction, and none returns before its row is
written. Threads wait with a hang guard."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ofacare.config import Settings
from ofacare.records.commit_group import CommitGroup, GroupCommitFailed
from ofacare.records.tables import AuditEntry
from ofacare.services.runtime import build_runtime

HANG_GUARD_SECONDS = 10


class SlowDisk:
    """A write that records its batches; the first one waits until it is let go."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.written: set[int] = set()
        self.first_started = threading.Event()
        self.let_go = threading.Event()
        self.fail_next = False

    def write(self, rows) -> None:
        if not self.batches:
            self.first_started.set()
            assert self.let_go.wait(HANG_GUARD_SECONDS)
        self.batches.append([row["n"] for row in rows])
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        self.written.update(row["n"] for row in rows)


def test_callers_that_arrive_during_a_commit_share_the_next_one():
    disk = SlowDisk()
    group = CommitGroup(disk.write)

    def add(n: int) -> None:
        group.add({"n": n})
        assert n in disk.written  # acknowledged only once written

    with ThreadPoolExecutor(max_workers=12) as pool:
        first = pool.submit(add, 0)
        assert disk.first_started.wait(HANG_GUARD_SECONDS)
        rest = [pool.submit(add, n) for n in range(1, 12)]
        time.sleep(0.3)  # the eleven others queue behind the slow first commit
        disk.let_go.set()
        for each in (first, *rest):
            each.result(timeout=HANG_GUARD_SECONDS)
    assert sorted(n for batch in disk.batches for n in batch) == list(range(12))
    assert disk.batches[0] == [0]
    assert len(disk.batches) <= 3  # one at a time would be 12


def test_a_failed_commit_fails_each_caller_in_it_and_the_next_one_works():
    disk = SlowDisk()
    disk.let_go.set()
    disk.fail_next = True
    group = CommitGroup(disk.write)
    with pytest.raises(GroupCommitFailed, match="disk full"):
        group.add({"n": 1})
    group.add({"n": 2})
    assert disk.written == {2}


def test_rows_inserted_together_are_all_stored(database_url):
    runtime = build_runtime(Settings(database_url=database_url))
    database = runtime.database

    def add(n: int) -> None:
        row = {"at": datetime.now(UTC), "role": "admin", "action": "load.together"}
        database.insert_together(AuditEntry, {**row, "detail": str(n)})

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for each in [pool.submit(add, n) for n in range(40)]:
                each.result(timeout=HANG_GUARD_SECONDS)
        with database.reading() as session:
            query = select(AuditEntry.detail).where(AuditEntry.action == "load.together")
            details = sorted(int(d) for d in session.scalars(query))
        assert details == list(range(40))  # each once
    finally:
        database.dispose()
