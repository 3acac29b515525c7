"""One transaction per use case: commit when the block ends cleanly, roll back otherwise."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from types import TracebackType

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from ofacare.records.commit_group import CommitGroup, Row
from ofacare.records.database import SQLITE_BUSY_TIMEOUT_MS, writer_engine
from ofacare.records.tables import Base

WRITE_TURN_SECONDS = SQLITE_BUSY_TIMEOUT_MS / 1000


class Database:
    """The engine, and the two ways into it: a reading and a writing unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = writer_engine(engine)
        # SQLite lets one writer in at a time and the others poll, sleeping up to 100 ms between
        # tries (its busy handler), which made queued writers wait far longer than the writer
        # before them took. This process's writers take turns on a lock instead, handed over the
        # moment a unit of work ends; other processes still queue on the busy timeout.
        self._write_turn = threading.RLock() if engine.dialect.name == "sqlite" else None
        self._groups: dict[str, CommitGroup] = {}
        self._groups_lock = threading.Lock()

    def reading(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def writing(self) -> UnitOfWork:
        return UnitOfWork(self._writer, turn=self._write_turn)

    def insert_together(self, model: type[Base], row: Row) -> None:
        """Insert one row of `model` and return once it is committed.

        Rows that other threads insert into the same table at the same moment share the
        transaction (see commit_group): for small, independent rows written on every request.
        """
        with self._groups_lock:
            group = self._groups.get(model.__tablename__)
            if group is None:
                group = self._groups[model.__tablename__] = CommitGroup(self._inserter(model))
        group.add(row)

    def _inserter(self, model: type[Base]) -> Callable[[Sequence[Row]], None]:
        def write(rows: Sequence[Row]) -> None:
            with self.writing() as session:
                session.execute(insert(model), list(rows))

        return write

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """A session whose changes become durable together, or not at all."""

    def __init__(self, engine: Engine, *, turn: threading.RLock | None = None) -> None:
        self._engine = engine
        self._turn = turn
        self.session: Session

    def __enter__(self) -> Session:
        if self._turn is not None and not self._turn.acquire(timeout=WRITE_TURN_SECONDS):
            self._turn = None  # past the busy timeout: SQLite's own waiting decides, as before
        try:
            self.session = Session(self._engine, expire_on_commit=False, autoflush=True)
            self.session.begin()
        except BaseException:
            self._end_turn()
            raise
        return self.session

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            try:
                self.session.close()
            finally:
                self._end_turn()

    def _end_turn(self) -> None:
        if self._turn is not None:
            self._turn.release()
            self._turn = None


def lock_name(session: Session, name: str) -> None:
    """Hold a lock on `name` until the transaction ends: transactions naming it run in turn.

    PostgreSQL takes a transaction-scoped advisory lock (two names may share one of its 2^64
    slots, which only makes them wait for each other). SQLite needs nothing: its writing units of
    work already run one at a time (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(name, 0))))
