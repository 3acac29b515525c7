"""Pen storage state (clinical-rules.md STORE-3, STORE-4, STORE-5, CONF-9; US-PI §16.2, EU-PIL §5)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import ofacare
from ofacare.errors import InvalidInput
from ofacare.handling.storage import (
    DiscardReason,
    PenEvent,
    PenEventKind,
    PenLocation,
    PenState,
    build_warm_up,
    compute_pen_state,
    parse_event_kind,
)
from ofacare.knowledge import KnowledgeBase, default_knowledge, load_knowledge

KB = default_knowledge()
OUT_AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
OUT, BACK = PenEventKind.OUT_OF_FRIDGE, PenEventKind.BACK_IN_FRIDGE


def state(
    *events: tuple[PenEventKind, datetime], now: datetime, kb: KnowledgeBase = KB
) -> PenState:
    return compute_pen_state([PenEvent(kind, at) for kind, at in events], now=now, kb=kb)


def cited(pen: PenState) -> set[str]:
    return {fact for line in pen.advice for fact in line.fact_ids}


def test_a_pen_never_taken_out_is_in_the_fridge_with_no_use_by_store_1() -> None:
    pen = state(now=OUT_AT)
    assert pen.location is PenLocation.FRIDGE
    assert (pen.time_out, pen.stays_out, pen.left_fridge_at, pen.use_by) == (
        timedelta(0),
        0,
        None,
        None,
    )
    assert not pen.must_discard
    assert cited(pen) == {"storage.refrigerate"}


def test_the_room_temperature_limit_is_7_days_store_4_us_pi_16_2() -> None:
    assert KB.whole_number("storage.room-temperature-days", "day") == 7
    assert KB.whole_number("storage.return-to-fridge-days", "day") == 7
    assert KB.whole_number("storage.room-temperature-once", "count") == 1


def test_a_pen_out_of_the_fridge_is_at_room_temperature_until_its_use_by_store_4() -> None:
    pen = state((OUT, OUT_AT), now=OUT_AT + 2 * DAY)
    assert pen.location is PenLocation.ROOM_TEMPERATURE
    assert pen.time_out == 2 * DAY
    assert pen.left_fridge_at == OUT_AT
    assert pen.use_by == OUT_AT + 7 * DAY
    assert "2026-03-08 08:00 UTC" in pen.advice[0].text
    assert {"storage.room-temperature-days", "storage.room-temperature-max-celsius"} <= cited(pen)


def test_a_pen_exactly_at_the_7_day_limit_can_still_be_used_store_4_us_pi_16_2() -> None:
    pen = state((OUT, OUT_AT), now=OUT_AT + 7 * DAY)
    assert pen.location is PenLocation.ROOM_TEMPERATURE
    assert not pen.must_discard


def test_a_pen_one_minute_past_the_7_day_limit_is_discarded_store_4_us_pi_16_2() -> None:
    pen = state((OUT, OUT_AT), now=OUT_AT + 7 * DAY + MINUTE)
    assert pen.location is PenLocation.DISCARD
    assert pen.discard_reasons == (DiscardReason.ROOM_TEMPERATURE_LIMIT,)
    assert "for 7 days 1 minute in all, more than the 7 days allowed" in pen.advice[0].text


def test_a_frozen_pen_is_discarded_even_in_the_fridge_store_3() -> None:
    pen = state((PenEventKind.FROZEN, OUT_AT), now=OUT_AT + DAY)
    assert pen.location is PenLocation.DISCARD
    assert pen.discard_reasons == (DiscardReason.FROZEN,)
    assert {"storage.frozen-pen-discard", "storage.unusable-pen-contact"} <= cited(pen)
    assert "pharmacy" in " ".join(line.text for line in pen.advice)


def test_a_pen_that_got_too_warm_is_discarded_naming_the_limit_from_the_facts_store_4() -> None:
    pen = state(
        (OUT, OUT_AT), (PenEventKind.ABOVE_ROOM_TEMPERATURE_MAX, OUT_AT + DAY), now=OUT_AT + DAY
    )
    assert pen.discard_reasons == (DiscardReason.TOO_WARM,)
    assert "warmer than 30 °C" in pen.advice[0].text
    assert "storage.room-temperature-max-celsius" in pen.advice[0].fact_ids


def test_a_second_stay_out_of_the_fridge_discards_the_pen_store_4_conf_9() -> None:
    events = ((OUT, OUT_AT), (BACK, OUT_AT + DAY), (OUT, OUT_AT + 2 * DAY))
    pen = state(*events, now=OUT_AT + 2 * DAY + MINUTE)
    assert pen.stays_out == 2
    assert pen.discard_reasons == (DiscardReason.SECOND_STAY_OUT,)
    assert "left the fridge 2 times" in pen.advice[0].text


def test_one_stay_out_and_back_keeps_the_pen_in_the_fridge_with_7_days_from_its_return_conf_9() -> (
    None
):
    back_at = OUT_AT + 2 * DAY
    pen = state((OUT, OUT_AT), (BACK, back_at), now=back_at + DAY)
    assert pen.location is PenLocation.FRIDGE
    assert pen.time_out == 2 * DAY
    assert pen.use_by == back_at + 7 * DAY
    assert {"storage.return-to-fridge-days", "storage.room-temperature-once"} <= cited(pen)


def test_a_returned_pen_is_usable_exactly_7_days_after_its_return_but_not_a_minute_later_conf_9() -> (
    None
):
    back_at = OUT_AT + 2 * DAY
    events = ((OUT, OUT_AT), (BACK, back_at))
    assert not state(*events, now=back_at + 7 * DAY).must_discard
    late = state(*events, now=back_at + 7 * DAY + MINUTE)
    assert late.discard_reasons == (DiscardReason.RETURN_LIMIT,)
    assert "storage.return-to-fridge-days" in late.advice[0].fact_ids


def test_time_out_adds_up_over_stays_and_several_reasons_are_all_given_store_4() -> None:
    events = (
        (OUT, OUT_AT),
        (BACK, OUT_AT + 5 * DAY),
        (PenEventKind.FROZEN, OUT_AT + 6 * DAY),
        (OUT, OUT_AT + 7 * DAY),
    )
    pen = state(*events, now=OUT_AT + 10 * DAY)
    assert pen.time_out == 8 * DAY
    assert pen.discard_reasons == (
        DiscardReason.FROZEN,
        DiscardReason.SECOND_STAY_OUT,
        DiscardReason.ROOM_TEMPERATURE_LIMIT,
    )
    assert pen.advice[-1].fact_ids == ("storage.unusable-pen-contact",)


def test_the_limits_are_read_from_the_knowledge_base(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(ofacare.__file__).parent / "knowledge" / "data", data)
    path = data / "storage.yaml"
    text = path.read_text("utf-8")
    for fact_id, old, new in [
        ("storage.room-temperature-days", "value: 7\n    unit: day", "value: 5\n    unit: day"),
        (
            "storage.room-temperature-max-celsius",
            "value: 30\n    unit: celsius",
            "value: 25\n    unit: celsius",
        ),
    ]:
        start = text.index(f"id: {fact_id}\n")
        at = text.index(old, start)
        text = text[:at] + new + text[at + len(old) :]
    path.write_text(text, "utf-8")
    kb = load_knowledge(data)
    assert state((OUT, OUT_AT), now=OUT_AT, kb=kb).use_by == OUT_AT + 5 * DAY
    warm = state(
        (OUT, OUT_AT), (PenEventKind.ABOVE_ROOM_TEMPERATURE_MAX, OUT_AT), now=OUT_AT, kb=kb
    )
    assert "warmer than 25 °C" in warm.advice[0].text


def test_times_in_the_advice_are_shown_in_the_events_timezone() -> None:
    zurich = ZoneInfo("Europe/Zurich")
    pen = state(
        (OUT, datetime(2026, 3, 1, 8, 0, tzinfo=zurich)), now=datetime(2026, 3, 2, tzinfo=zurich)
    )
    assert "2026-03-08 08:00 CET" in pen.advice[0].text


def test_back_in_the_fridge_without_being_out_names_the_event() -> None:
    with pytest.raises(InvalidInput) as caught:
        state((BACK, OUT_AT), now=OUT_AT)
    assert caught.value.code == "handling.impossible-pen-event"
    assert caught.value.message.startswith("events[0].kind: 'back-in-fridge'")


def test_going_out_twice_without_coming_back_names_the_second_event() -> None:
    with pytest.raises(InvalidInput) as caught:
        state((OUT, OUT_AT), (OUT, OUT_AT + DAY), now=OUT_AT + DAY)
    assert caught.value.message.startswith("events[1].kind: 'out-of-fridge'")


def test_events_out_of_order_name_the_field_and_value() -> None:
    with pytest.raises(InvalidInput) as caught:
        state((OUT, OUT_AT + DAY), (BACK, OUT_AT), now=OUT_AT + DAY)
    assert caught.value.code == "handling.pen-events-out-of-order"
    assert caught.value.message.startswith(f"events[1].at: '{OUT_AT.isoformat()}'")


def test_an_event_after_now_is_refused_but_one_at_now_is_accepted() -> None:
    assert state((OUT, OUT_AT), now=OUT_AT).time_out == timedelta(0)
    with pytest.raises(InvalidInput) as caught:
        state((OUT, OUT_AT + MINUTE), now=OUT_AT)
    assert caught.value.code == "handling.pen-event-in-future"
    assert caught.value.message.startswith("events[0].at:")


@pytest.mark.parametrize("field", ["events[0].at", "now"])
def test_a_time_without_a_timezone_names_the_field(field: str) -> None:
    naive = datetime(2026, 3, 1, 8, 0)
    with pytest.raises(InvalidInput) as caught:
        if field == "now":
            state((OUT, OUT_AT), now=naive)
        else:
            state((OUT, naive), now=OUT_AT)
    assert caught.value.message.startswith(f"{field}: '2026-03-01T08:00:00'")


def test_event_kinds_are_read_by_their_stable_ids_and_an_unknown_one_names_the_field() -> None:
    assert parse_event_kind(" above-30c ") is PenEventKind.ABOVE_ROOM_TEMPERATURE_MAX
    assert [k.value for k in PenEventKind] == [
        "out-of-fridge",
        "back-in-fridge",
        "frozen",
        "above-30c",
    ]
    with pytest.raises(InvalidInput) as caught:
        parse_event_kind("warm")
    assert caught.value.message.startswith("kind: 'warm'")
    assert "back-in-fridge" in caught.value.hint


def test_warm_up_takes_the_pen_out_15_to_30_minutes_before_injecting_store_5() -> None:
    inject_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    warm = build_warm_up(inject_at, kb=KB)
    assert KB.bounds("storage.warm-up", "minute") == (15, 30)
    assert warm.take_out_from == inject_at - timedelta(minutes=30)
    assert warm.take_out_by == inject_at - timedelta(minutes=15)
    assert warm.advice[0].fact_ids == ("storage.warm-up",)


def test_warm_up_needs_a_time_with_a_timezone() -> None:
    with pytest.raises(InvalidInput) as caught:
        build_warm_up(datetime(2026, 3, 2, 9, 0), kb=KB)
    assert caught.value.message.startswith("inject_at:")


def test_every_fact_the_advice_cites_exists() -> None:
    pens = [
        state(now=OUT_AT),
        state((OUT, OUT_AT), now=OUT_AT + DAY),
        state((OUT, OUT_AT), (BACK, OUT_AT + DAY), now=OUT_AT + 2 * DAY),
        state((OUT, OUT_AT), (BACK, OUT_AT + DAY), now=OUT_AT + 20 * DAY),
        state((PenEventKind.ABOVE_ROOM_TEMPERATURE_MAX, OUT_AT), now=OUT_AT),
    ]
    assert set().union(*(cited(pen) for pen in pens)) <= set(KB.facts)
