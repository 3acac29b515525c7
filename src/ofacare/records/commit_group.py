"""Group commit: rows that threads add at the same moment become durable in one transaction.

A durable commit waits for the disk (fsync). SQLite commits one transaction at a time, and on a
busy disk one fsync took up to 400 ms in the load test (benchmarks/bench_load.py), so a queue of
audit entries committed one by one waited seconds. Here the first caller writes what is pending;
callers that arrive meanwhile wait and go together in the next transaction, so a queue of n costs
two commits rather than n. No caller returns before its own row is committed, and a failed commit
fails every caller in it: nothing is acknowledged that is not on disk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Row = dict[str, object]


class GroupCommitFailed(Exception):
    """The transaction that held a caller's row failed; the row was not stored."""


@dataclass(slots=True)
class _Ticket:
    row: Row
    done: bool = False
    error: BaseException | None = None


class CommitGroup:
    """Write rows with `write` (one transaction per call), joining callers that overlap."""

    def __init__(self, write: Callable[[Sequence[Row]], None]) -> None:
        self._write = write
        self._changed = threading.Condition()
        self._pending: list[_Ticket] = []
        self._writing = False

    def add(self, row: Row) -> None:
        """Return once `row` is committed; raise GroupCommitFailed if its transaction failed."""
        ticket = _Ticket(row)
        with self._changed:
            self._pending.append(ticket)
            while not ticket.done:
                if self._writing:
                    self._changed.wait()
                else:
                    self._lead()
        if ticket.error is not None:
            raise GroupCommitFailed(f"not stored: {ticket.error}") from ticket.error

    def _lead(self) -> None:
        """Write everything pending (the lock is held on entry and on return, not meanwhile)."""
        batch, self._pending = self._pending, []
        self._writing = True
        error: BaseException | None = None
        self._changed.release()
        try:
            self._write([ticket.row for ticket in batch])
        except BaseException as failure:  # every caller in the batch learns of it
            error = failure
        finally:
            self._changed.acquire()
            for ticket in batch:
                ticket.done, ticket.error = True, error
            self._writing = False
            self._changed.notify_all()
