"""One transaction per use case: commit when the block ends cleanly, roll back otherwise."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ofacare.records.database import writer_engine


class Database:
    """The engine, and the two ways into it: a reading and a writing unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = writer_engine(engine)

    def reading(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def writing(self) -> UnitOfWork:
        return UnitOfWork(self._writer)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """A session whose changes become durable together, or not at all."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.session: Session

    def __enter__(self) -> Session:
        self.session = Session(self._engine, expire_on_commit=False, autoflush=True)
        self.session.begin()
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
            self.session.close()
