"""Card feedback (`POST /cds-services/{id}/feedback`): validated, then kept by a FeedbackStore.

The store is a port: InMemoryFeedbackStore keeps the newest MAX_KEPT items in this process (lost
on restart); a database-backed store can replace it through `create_cds_app(feedback_store=...)`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

MAX_KEPT = 10_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)


class Coding(_Body):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class OverrideReason(_Body):
    reason: Coding | None = None
    userComment: str | None = None  # noqa: N815 (the spec's field names)


class AcceptedSuggestion(_Body):
    id: str = Field(min_length=1)


class FeedbackItem(_Body):
    card: str = Field(min_length=1)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None  # noqa: N815
    overrideReason: OverrideReason | None = None  # noqa: N815
    outcomeTimestamp: AwareDatetime  # noqa: N815

    @model_validator(mode="after")
    def _outcome_fields(self) -> FeedbackItem:
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions is required when the outcome is 'accepted'")
        if self.outcome == "overridden" and self.acceptedSuggestions:
            raise ValueError(
                "acceptedSuggestions must not be sent when the outcome is 'overridden'"
            )
        return self


class FeedbackRequest(_Body):
    feedback: list[FeedbackItem] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One card's outcome as ofacare keeps it."""

    service_id: str
    card_uuid: str
    outcome: str
    accepted_suggestions: tuple[str, ...]
    override_code: str | None
    override_display: str | None
    user_comment: str | None
    outcome_at: datetime
    """When the clinician acted (aware, from outcomeTimestamp)."""
    received_at: datetime


class FeedbackStore(Protocol):
    """Where feedback goes: `add` keeps records, `list` returns them oldest first."""

    def add(self, records: Sequence[FeedbackRecord]) -> None: ...

    def list(self, service_id: str | None = None) -> list[FeedbackRecord]: ...


class InMemoryFeedbackStore:
    """A FeedbackStore in this process's memory, bounded to the newest `max_kept` records."""

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self._records: deque[FeedbackRecord] = deque(maxlen=max_kept)
        self._lock = threading.Lock()

    def add(self, records: Sequence[FeedbackRecord]) -> None:
        with self._lock:
            self._records.extend(records)

    def list(self, service_id: str | None = None) -> list[FeedbackRecord]:
        with self._lock:
            return [r for r in self._records if service_id in (None, r.service_id)]


def build_feedback_records(
    service_id: str, request: FeedbackRequest, *, received_at: datetime
) -> list[FeedbackRecord]:
    """The records to keep for one feedback request."""
    records = []
    for item in request.feedback:
        reason = item.overrideReason.reason if item.overrideReason else None
        records.append(
            FeedbackRecord(
                service_id=service_id,
                card_uuid=item.card,
                outcome=item.outcome,
                accepted_suggestions=tuple(s.id for s in item.acceptedSuggestions or []),
                override_code=reason.code if reason else None,
                override_display=reason.display if reason else None,
                user_comment=item.overrideReason.userComment if item.overrideReason else None,
                outcome_at=item.outcomeTimestamp,
                received_at=received_at,
            )
        )
    return records
