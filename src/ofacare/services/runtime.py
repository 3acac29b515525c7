"""What every use case runs with: the database, the knowledge base, the settings and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ofacare.config import Settings
from ofacare.knowledge import KnowledgeBase, default_knowledge, load_knowledge
from ofacare.records.database import build_engine
from ofacare.records.unit_of_work import Database


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Runtime:
    database: Database
    kb: KnowledgeBase
    settings: Settings
    clock: Callable[[], datetime] = field(default=system_clock)

    def now(self) -> datetime:
        """The current instant, aware and in UTC (tests pass a fixed clock)."""
        return self.clock().astimezone(UTC)


def build_runtime(
    settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None
) -> Runtime:
    """A runtime on the configured database (not migrated here: see services.setup)."""
    settings = settings or Settings()
    kb = load_knowledge(settings.knowledge_dir) if settings.knowledge_dir else default_knowledge()
    database = Database(build_engine(settings.database_url))
    return Runtime(database=database, kb=kb, settings=settings, clock=clock or system_clock)
