"""Pen storage: where one pen is, how long it has been out of the fridge, and whether to discard it.

The rule (clinical-rules.md STORE-3, STORE-4; CONF-9): a pen may leave the fridge for one stay
(storage.room-temperature-once) of up to storage.room-temperature-days at no more than
storage.room-temperature-max-celsius. Back in the fridge it must be used within
storage.return-to-fridge-days of going back; that is the US label's reading, which
conflict.room-temperature-return follows, and the EU leaflet's "back in the fridge for at most
7 days" agrees. A pen that froze, got too warm, left the fridge a second time, or passed either
limit is discarded (storage.excursion-discard-rule, storage.frozen-pen-discard).

Taking a pen out to warm up just before injecting it (storage.warm-up) is part of using it, not a
stay out of the fridge: record no event for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from ofacare.errors import InvalidInput
from ofacare.knowledge.base import KnowledgeBase

ROOM_DAYS = "storage.room-temperature-days"
MAX_CELSIUS = "storage.room-temperature-max-celsius"
STAYS_ALLOWED = "storage.room-temperature-once"
RETURN_DAYS = "storage.return-to-fridge-days"
DISCARD_RULE = "storage.excursion-discard-rule"
FROZEN_RULE = "storage.frozen-pen-discard"
CONTACT = "storage.unusable-pen-contact"
WARM_UP = "storage.warm-up"
SYRINGE_CAP = "storage.syringe-cap-while-warming"
TIME_HINT = "Give the date and time with its UTC offset, e.g. 2026-03-02T08:00:00+00:00."


class PenEventKind(StrEnum):
    """Something that happened to a pen; the ids are stable (API, database)."""

    OUT_OF_FRIDGE = "out-of-fridge"
    BACK_IN_FRIDGE = "back-in-fridge"
    FROZEN = "frozen"
    # Warmer than the room-temperature maximum; the number is storage.room-temperature-max-celsius.
    ABOVE_ROOM_TEMPERATURE_MAX = "above-30c"


class PenLocation(StrEnum):
    FRIDGE = "fridge"
    ROOM_TEMPERATURE = "room-temperature"
    DISCARD = "discard"


class DiscardReason(StrEnum):
    """Why a pen can no longer be used, in the order they are reported."""

    FROZEN = "frozen"
    TOO_WARM = "too-warm"
    SECOND_STAY_OUT = "second-stay-out"
    ROOM_TEMPERATURE_LIMIT = "room-temperature-limit"
    RETURN_LIMIT = "return-limit"


@dataclass(frozen=True, slots=True)
class PenEvent:
    """One thing that happened to a pen, at a timezone-aware moment."""

    kind: PenEventKind
    at: datetime


@dataclass(frozen=True, slots=True)
class PenAdvice:
    """One line of plain-language advice and the facts it rests on."""

    text: str
    fact_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PenState:
    """Where a pen is at `now`, its time out of the fridge, its use-by moment, and the advice."""

    location: PenLocation
    time_out: timedelta
    stays_out: int
    left_fridge_at: datetime | None
    """When it first left the fridge; None if it never has."""
    use_by: datetime | None
    """The last moment it may be used: while out, first leaving plus the room-temperature days;
    back in the fridge, going back plus the return days. None while it has never left the fridge."""
    discard_reasons: tuple[DiscardReason, ...]
    advice: tuple[PenAdvice, ...]

    @property
    def must_discard(self) -> bool:
        return bool(self.discard_reasons)


@dataclass(frozen=True, slots=True)
class WarmUp:
    """When to take a pen out before injecting, and what to do meanwhile."""

    take_out_from: datetime
    take_out_by: datetime
    advice: tuple[PenAdvice, ...]


@dataclass(frozen=True, slots=True)
class _History:
    """What the events say, walked in order."""

    stays: int = 0
    first_out: datetime | None = None
    out_since: datetime | None = None
    returned_at: datetime | None = None
    time_out: timedelta = timedelta(0)
    frozen: bool = False
    too_warm: bool = False


def parse_event_kind(text: str) -> PenEventKind:
    """Read an event kind id such as 'out-of-fridge'; InvalidInput names the field.

    >>> parse_event_kind("Back-In-Fridge")
    <PenEventKind.BACK_IN_FRIDGE: 'back-in-fridge'>
    """
    cleaned = text.strip().lower()
    for kind in PenEventKind:
        if kind.value == cleaned:
            return kind
    ids = ", ".join(kind.value for kind in PenEventKind)
    raise InvalidInput(
        "handling.unknown-pen-event",
        f"kind: '{text}' is not a pen event ofacare knows.",
        f"Use one of: {ids}.",
    )


def compute_pen_state(events: Sequence[PenEvent], *, now: datetime, kb: KnowledgeBase) -> PenState:
    """Compute one pen's state at `now` from its events, oldest first.

    >>> from datetime import timezone
    >>> from ofacare.knowledge import default_knowledge
    >>> out = PenEvent(PenEventKind.OUT_OF_FRIDGE, datetime(2026, 3, 1, 8, tzinfo=timezone.utc))
    >>> state = compute_pen_state([out], now=datetime(2026, 3, 3, 8, tzinfo=timezone.utc),
    ...                           kb=default_knowledge())
    >>> state.location.value, state.time_out.days, state.use_by.isoformat(), state.must_discard
    ('room-temperature', 2, '2026-03-08T08:00:00+00:00', False)
    """
    _check_aware(now, field="now")
    history = _walk(events, now)
    total_out = history.time_out + (now - history.out_since if history.out_since else timedelta())
    use_by = _use_by(history, kb)
    reasons = _discard_reasons(history, total_out=total_out, use_by=use_by, now=now, kb=kb)
    if reasons:
        location = PenLocation.DISCARD
    elif history.out_since is not None:
        location = PenLocation.ROOM_TEMPERATURE
    else:
        location = PenLocation.FRIDGE
    state = PenState(
        location=location,
        time_out=total_out,
        stays_out=history.stays,
        left_fridge_at=history.first_out,
        use_by=use_by,
        discard_reasons=reasons,
        advice=(),
    )
    return replace(state, advice=_advice(state, history, kb))


def build_warm_up(inject_at: datetime, *, kb: KnowledgeBase) -> WarmUp:
    """Say when to take the pen out of the fridge before injecting at `inject_at` (STORE-5).

    >>> from datetime import timezone
    >>> from ofacare.knowledge import default_knowledge
    >>> warm = build_warm_up(datetime(2026, 3, 2, 9, tzinfo=timezone.utc), kb=default_knowledge())
    >>> warm.take_out_from.time().isoformat(), warm.take_out_by.time().isoformat()
    ('08:30:00', '08:45:00')
    """
    _check_aware(inject_at, field="inject_at")
    shortest, longest = kb.bounds(WARM_UP, "minute")
    return WarmUp(
        take_out_from=inject_at - timedelta(minutes=longest),
        take_out_by=inject_at - timedelta(minutes=shortest),
        advice=(
            PenAdvice(kb.statement(WARM_UP), (WARM_UP,)),
            PenAdvice(kb.statement(SYRINGE_CAP), (SYRINGE_CAP,)),
        ),
    )


def _walk(events: Sequence[PenEvent], now: datetime) -> _History:
    history = _History()
    previous: datetime | None = None
    for index, event in enumerate(events):
        field = f"events[{index}]"
        _check_aware(event.at, field=f"{field}.at")
        _check_time(event.at, previous=previous, now=now, field=f"{field}.at")
        previous = event.at
        history = _apply(history, event, field=f"{field}.kind")
    return history


def _apply(history: _History, event: PenEvent, *, field: str) -> _History:
    if event.kind is PenEventKind.OUT_OF_FRIDGE:
        if history.out_since is not None:
            raise _impossible(event, field, "the pen was already out of the fridge")
        return replace(
            history,
            stays=history.stays + 1,
            first_out=history.first_out or event.at,
            out_since=event.at,
        )
    if event.kind is PenEventKind.BACK_IN_FRIDGE:
        if history.out_since is None:
            raise _impossible(event, field, "the pen was not out of the fridge")
        return replace(
            history,
            out_since=None,
            returned_at=event.at,
            time_out=history.time_out + (event.at - history.out_since),
        )
    if event.kind is PenEventKind.FROZEN:
        return replace(history, frozen=True)
    return replace(history, too_warm=True)


def _use_by(history: _History, kb: KnowledgeBase) -> datetime | None:
    if history.out_since is not None and history.first_out is not None:
        return history.first_out + timedelta(days=kb.whole_number(ROOM_DAYS, "day"))
    if history.returned_at is not None:
        return history.returned_at + timedelta(days=kb.whole_number(RETURN_DAYS, "day"))
    return None


def _discard_reasons(
    history: _History,
    *,
    total_out: timedelta,
    use_by: datetime | None,
    now: datetime,
    kb: KnowledgeBase,
) -> tuple[DiscardReason, ...]:
    reasons = []
    if history.frozen:
        reasons.append(DiscardReason.FROZEN)
    if history.too_warm:
        reasons.append(DiscardReason.TOO_WARM)
    if history.stays > kb.whole_number(STAYS_ALLOWED, "count"):
        reasons.append(DiscardReason.SECOND_STAY_OUT)
    if total_out > timedelta(days=kb.whole_number(ROOM_DAYS, "day")):
        reasons.append(DiscardReason.ROOM_TEMPERATURE_LIMIT)
    back_in_fridge = history.out_since is None and history.returned_at is not None
    if back_in_fridge and use_by is not None and now > use_by:
        reasons.append(DiscardReason.RETURN_LIMIT)
    return tuple(reasons)


def _advice(state: PenState, history: _History, kb: KnowledgeBase) -> tuple[PenAdvice, ...]:
    if state.must_discard:
        lines = [_discard_line(reason, state, history, kb) for reason in state.discard_reasons]
        return (*lines, PenAdvice(kb.statement(CONTACT), (CONTACT,)))
    if state.location is PenLocation.ROOM_TEMPERATURE:
        return (
            PenAdvice(
                f"Out of the fridge since {_show(history.out_since)}: "
                f"use it by {_show(state.use_by)}.",
                (ROOM_DAYS,),
            ),
            PenAdvice(kb.statement(MAX_CELSIUS), (MAX_CELSIUS,)),
            PenAdvice(kb.statement(RETURN_DAYS), (RETURN_DAYS, STAYS_ALLOWED)),
        )
    if history.returned_at is not None:
        return (
            PenAdvice(
                f"Back in the fridge since {_show(history.returned_at)}: "
                f"use it by {_show(state.use_by)}. " + kb.statement(RETURN_DAYS),
                (RETURN_DAYS,),
            ),
            PenAdvice(kb.statement(STAYS_ALLOWED), (STAYS_ALLOWED,)),
        )
    return (PenAdvice(kb.statement("storage.refrigerate"), ("storage.refrigerate",)),)


def _discard_line(
    reason: DiscardReason, state: PenState, history: _History, kb: KnowledgeBase
) -> PenAdvice:
    if reason is DiscardReason.FROZEN:
        return PenAdvice(kb.statement(FROZEN_RULE), (FROZEN_RULE,))
    if reason is DiscardReason.TOO_WARM:
        limit = kb.number(MAX_CELSIUS, "celsius")
        return PenAdvice(
            f"This pen got warmer than {limit:g} °C, so it cannot be used.",
            (MAX_CELSIUS, DISCARD_RULE),
        )
    if reason is DiscardReason.SECOND_STAY_OUT:
        return PenAdvice(
            f"This pen left the fridge {history.stays} times. " + kb.statement(STAYS_ALLOWED),
            (STAYS_ALLOWED, DISCARD_RULE),
        )
    if reason is DiscardReason.ROOM_TEMPERATURE_LIMIT:
        days = kb.whole_number(ROOM_DAYS, "day")
        return PenAdvice(
            f"This pen was out of the fridge for {_show_duration(state.time_out)} in all, "
            f"more than the {days} days allowed.",
            (ROOM_DAYS, DISCARD_RULE),
        )
    return PenAdvice(
        f"This pen went back in the fridge on {_show(history.returned_at)} and was not used by "
        f"{_show(state.use_by)}. " + kb.statement(RETURN_DAYS),
        (RETURN_DAYS, DISCARD_RULE),
    )


def _check_aware(moment: datetime, *, field: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            "handling.time-without-timezone",
            f"{field}: '{moment.isoformat()}' has no timezone.",
            TIME_HINT,
        )


def _check_time(moment: datetime, *, previous: datetime | None, now: datetime, field: str) -> None:
    if previous is not None and moment < previous:
        raise InvalidInput(
            "handling.pen-events-out-of-order",
            f"{field}: '{moment.isoformat()}' is before the event listed before it "
            f"('{previous.isoformat()}').",
            "List a pen's events oldest first.",
        )
    if moment > now:
        raise InvalidInput(
            "handling.pen-event-in-future",
            f"{field}: '{moment.isoformat()}' is after now ('{now.isoformat()}').",
            "Record an event once it has happened.",
        )


def _impossible(event: PenEvent, field: str, why: str) -> InvalidInput:
    return InvalidInput(
        "handling.impossible-pen-event",
        f"{field}: '{event.kind.value}' at '{event.at.isoformat()}' is not possible: {why}.",
        "Check the pen's events: it goes out of the fridge, then back in, in turn.",
    )


def _show(moment: datetime | None) -> str:
    """A moment in its own timezone, to the minute (pass local times for patient text)."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def _show_duration(span: timedelta) -> str:
    """A span in words, leaving out zero parts: '7 days 1 minute'."""
    hours, seconds = divmod(span.seconds, 3600)
    counts = [(span.days, "day"), (hours, "hour"), (seconds // 60, "minute")]
    words = [f"{n} {unit}" + ("" if n == 1 else "s") for n, unit in counts if n]
    return " ".join(words) or "less than a minute"
