"""The daily sweep's rules (clinical-rules.md DOSE-5/6 design, STORE-3/4, REPRO-1, PRE-1..7, WARN-5,
TRIAGE-4): which notices one patient's day calls for, and keys that repeat for the same event."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from ofacare.errors import InvalidInput
from ofacare.handling.storage import PenEvent, PenEventKind, compute_pen_state
from ofacare.knowledge import default_knowledge
from ofacare.knowledge.schema import Urgency
from ofacare.regimen import Plan, compute_plan
from ofacare.safety.finding import Severity, build_finding
from ofacare.safety.profile import LabResult
from ofacare.safety.reminders import (
    Notice,
    NoticeAudience,
    OpenTriage,
    PatientDay,
    PenOnHand,
    build_notices,
)
from ofacare.safety.screening_rules import missing_tests

KB = default_knowledge()
D = date
START = D(2026, 1, 5)
TAKEN = [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 19), D(2026, 2, 2), D(2026, 3, 2)]
DOSE_6_DUE = D(2026, 4, 2)  # monthly on the day of the first monthly dose (2 Feb)


def plan_on(as_of: date, taken: list[date] = TAKEN) -> Plan:
    return compute_plan(START, taken, as_of)


def notices(as_of: date, **fields: object) -> tuple[Notice, ...]:
    if "plan" not in fields:
        fields["plan"] = plan_on(as_of)
    return build_notices(PatientDay(as_of=as_of, **fields), kb=KB)  # type: ignore[arg-type]


def keys(found: tuple[Notice, ...]) -> list[tuple[str, str]]:
    return [(n.audience.value, n.key) for n in found]


# --- Doses (DOSE-6 design: reminder on the due day, firmer at +3, care team at +7) -------------


def test_the_escalation_and_alert_days_are_3_and_7_dose_6_design() -> None:
    assert KB.whole_number("dosing.late-reminder-escalation", "day") == 3
    assert KB.whole_number("dosing.late-care-team-alert", "day") == 7


def test_the_due_day_reminder_comes_on_the_due_day_and_not_the_day_before_dose_6() -> None:
    assert notices(DOSE_6_DUE - timedelta(days=1)) == ()
    (due,) = notices(DOSE_6_DUE)
    assert due.key == "dose-6:due:2026-04-02"
    assert (due.audience, due.code, due.severity) == (
        NoticeAudience.PATIENT,
        "notice.dose-due",
        Severity.INFO,
    )
    assert "due today" in due.message


def test_the_reminder_escalates_at_3_days_late_but_not_at_2_dose_6_msgo_adherence() -> None:
    (two,) = notices(DOSE_6_DUE + timedelta(days=2))
    assert two.key == "dose-6:due:2026-04-02"  # a missed sweep still sends the due reminder once
    (three,) = notices(DOSE_6_DUE + timedelta(days=3))
    assert three.key == "dose-6:late-3:2026-04-02"
    assert (three.code, three.severity) == ("notice.dose-late", Severity.CAUTION)
    assert "3 days ago" in three.message
    assert KB.statement("dosing.missed-dose") in three.message


def test_the_care_team_is_alerted_at_7_days_late_but_not_at_6_dose_6_design() -> None:
    six = notices(DOSE_6_DUE + timedelta(days=6))
    assert keys(six) == [("patient", "dose-6:late-3:2026-04-02")]
    seven = notices(DOSE_6_DUE + timedelta(days=7))
    assert keys(seven) == [
        ("patient", "dose-6:late-7:2026-04-02"),
        ("care-team", "dose-6:late-7:2026-04-02"),
    ]
    patient, team = seven
    assert "dosing.late-care-team-alert" in patient.fact_ids
    assert team.code == "notice.dose-late-care-team"
    assert "Contact the patient" in team.message
    assert all(n.severity is Severity.REFER for n in seven)


def test_a_dose_more_than_an_interval_late_cites_the_long_interruption_rule_dose_7() -> None:
    far = notices(DOSE_6_DUE + timedelta(days=40))
    assert all("dosing.long-interruption" in n.fact_ids for n in far)
    assert KB.statement("dosing.long-interruption") in far[0].message


def test_keys_are_the_same_across_two_calls_on_the_same_day_and_differ_across_doses() -> None:
    first, again = notices(DOSE_6_DUE), notices(DOSE_6_DUE)
    assert keys(first) == keys(again)
    seventh = notices(D(2026, 5, 2), plan=plan_on(D(2026, 5, 2), [*TAKEN, DOSE_6_DUE]))
    assert keys(seventh) == [("patient", "dose-7:due:2026-05-02")]
    assert keys(first) != keys(seventh)


def test_the_first_dose_reminder_says_a_professional_guides_it_dose_10() -> None:
    (first,) = notices(START, plan=compute_plan(START, [], START))
    assert first.key == "dose-1:due:2026-01-05"
    assert "dosing.first-injection-supervised" in first.fact_ids


def test_no_dose_reminders_without_a_prescription_or_after_stopping() -> None:
    assert notices(DOSE_6_DUE, plan=None) == ()
    assert notices(DOSE_6_DUE, treatment_stopped_on=D(2026, 3, 20)) == ()


def test_an_open_urgent_report_tells_the_patient_to_hold_the_due_dose_triage_4() -> None:
    report = OpenTriage("t-1", Urgency.URGENT, DOSE_6_DUE)
    due = next(
        n
        for n in notices(DOSE_6_DUE, open_triage=(report,))
        if n.audience is NoticeAudience.PATIENT
    )
    assert "triage.hold-next-dose" in due.fact_ids
    assert KB.statement("triage.hold-next-dose") in due.message


# --- Pens (STORE-3, STORE-4) ------------------------------------------------------------------


def pen(serial: str, *events: tuple[PenEventKind, datetime], now: datetime) -> PenOnHand:
    state = compute_pen_state([PenEvent(k, at) for k, at in events], now=now, kb=KB)
    return PenOnHand(serial, state)


def test_a_pen_to_discard_gets_one_notice_keyed_by_its_serial_and_a_good_pen_none_store_3_4() -> (
    None
):
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    frozen = pen("SN-1", (PenEventKind.FROZEN, now - timedelta(days=1)), now=now)
    in_fridge = pen("SN-2", now=now)
    out = now - timedelta(days=7)
    at_limit = pen("SN-3", (PenEventKind.OUT_OF_FRIDGE, out), now=now)
    past_limit = pen("SN-4", (PenEventKind.OUT_OF_FRIDGE, out - timedelta(minutes=1)), now=now)
    found = notices(D(2026, 3, 20), pens=(frozen, in_fridge, at_limit, past_limit))
    assert keys(found) == [("patient", "pen:SN-1:discard"), ("patient", "pen:SN-4:discard")]
    assert "storage.frozen-pen-discard" in found[0].fact_ids
    assert "storage.unusable-pen-contact" in found[1].fact_ids
    assert "pharmacy" in found[1].message


# --- Contraception window (REPRO-1) -----------------------------------------------------------

LAST_DOSE = TAKEN[-1]
UNTIL = LAST_DOSE + relativedelta(months=6)  # 2026-09-02


def contraception(as_of: date, **fields: object) -> tuple[Notice, ...]:
    values: dict[str, object] = {
        "treatment_stopped_on": D(2026, 3, 10),
        "can_become_pregnant": True,
    }
    return notices(as_of, plan=plan_on(as_of), **{**values, **fields})


def test_the_window_runs_6_months_and_the_notice_comes_14_days_ahead_repro_1() -> None:
    assert KB.whole_number("pregnancy.contraception", "month") == 6
    assert KB.whole_number("pregnancy.contraception-end-notice-days", "day") == 14


@pytest.mark.parametrize(
    ("as_of", "sent"),
    [
        (UNTIL - timedelta(days=15), False),
        (UNTIL - timedelta(days=14), True),
        (UNTIL, True),
        (UNTIL + timedelta(days=1), False),
    ],
)
def test_the_end_of_the_contraception_window_is_announced_from_14_days_ahead_to_its_last_day_repro_1(
    as_of: date, sent: bool
) -> None:
    expected = [("patient", "contraception:ends:2026-09-02")] if sent else []
    assert keys(contraception(as_of)) == expected


def test_the_contraception_notice_says_to_talk_to_the_team_first_and_cites_the_label_repro_1() -> (
    None
):
    (notice,) = contraception(UNTIL)
    assert {"pregnancy.contraception", "pregnancy.planning"} <= set(notice.fact_ids)
    assert "2026-09-02" in notice.message and "MS nurse or neurologist" in notice.message


def test_no_contraception_notice_while_on_treatment_or_for_someone_who_cannot_become_pregnant() -> (
    None
):
    on_treatment = contraception(UNTIL, treatment_stopped_on=None)
    assert [n for n in on_treatment if n.code == "notice.contraception-ends"] == []
    assert contraception(UNTIL, can_become_pregnant=False) == ()


# --- Screening before a planned start (PRE-1..PRE-7) ------------------------------------------

PLANNED = D(2026, 6, 1)
HBV_MISSING = missing_tests(KB, "finding.hbv-missing", ["HBsAg", "anti-HBc"], rule="screening:hbv")
HBV_CLEAR = build_finding(
    KB, "finding.hbv-clear", Severity.INFO, rule="screening:hbv", values={"date": D(2026, 5, 1)}
)


def screening(as_of: date, *findings: object) -> tuple[Notice, ...]:
    return notices(as_of, plan=None, planned_start_on=PLANNED, screening_findings=findings)


@pytest.mark.parametrize(("days_before", "sent"), [(15, False), (14, True), (0, True), (-1, False)])
def test_incomplete_screening_alerts_the_team_from_14_days_before_the_start_pre_1(
    days_before: int, sent: bool
) -> None:
    found = screening(PLANNED - timedelta(days=days_before), HBV_MISSING, HBV_CLEAR)
    assert keys(found) == ([("care-team", "screening:incomplete:2026-06-01")] if sent else [])


def test_the_screening_alert_names_the_missing_tests_and_cites_their_facts_pre_1() -> None:
    (alert,) = screening(PLANNED, HBV_MISSING)
    assert "HBsAg, anti-HBc" in alert.title
    assert {"screening.hepatitis-b", "screening.incomplete-notice-days"} <= set(alert.fact_ids)


def test_complete_screening_gives_no_alert_and_no_screening_at_all_does() -> None:
    assert screening(PLANNED, HBV_CLEAR) == ()
    (none_run,) = screening(PLANNED)
    assert "no screening recorded" in none_run.title


def test_no_screening_alert_once_the_first_dose_is_given() -> None:
    started = compute_plan(PLANNED, [PLANNED], PLANNED)
    found = notices(
        PLANNED, plan=started, planned_start_on=PLANNED, screening_findings=(HBV_MISSING,)
    )
    assert [n for n in found if n.code == "notice.screening-incomplete"] == []


# --- Immunoglobulins (WARN-5) -----------------------------------------------------------------

LAB_DAY = D(2026, 3, 10)


def igg(value: float, reference_low: float = 7.0) -> LabResult:
    return LabResult(test="IgG", value=value, unit="g/L", on=LAB_DAY, reference_low=reference_low)


def test_igg_below_the_labs_lower_limit_notifies_patient_and_team_and_at_the_limit_does_not_warn_5() -> (
    None
):
    assert notices(D(2026, 3, 12), plan=None, immunoglobulins=(igg(7.0),)) == ()
    found = notices(D(2026, 3, 12), plan=None, immunoglobulins=(igg(6.9),))
    assert keys(found) == [("patient", "igg:low:2026-03-10"), ("care-team", "igg:low:2026-03-10")]
    assert all("warning.low-immunoglobulins" in n.fact_ids for n in found)
    assert "6.9" in found[1].message and "laboratory" in found[1].message


def test_igm_low_has_its_own_key_warn_5() -> None:
    igm = LabResult(test="IgM", value=0.3, unit="g/L", on=LAB_DAY, reference_low=0.4)
    found = notices(D(2026, 3, 12), plan=None, immunoglobulins=(igg(8.0), igm))
    assert {n.key for n in found} == {"igm:low:2026-03-10"}


# --- Open symptom reports (TRIAGE-4) ----------------------------------------------------------


def test_open_emergency_and_urgent_reports_alert_the_team_most_urgent_first_triage_4() -> None:
    reports = (
        OpenTriage("t-2", Urgency.CONTACT_TEAM, D(2026, 3, 11)),
        OpenTriage("t-1", Urgency.URGENT, D(2026, 3, 10)),
        OpenTriage("t-3", Urgency.EMERGENCY, D(2026, 3, 11)),
        OpenTriage("t-4", Urgency.SELF_CARE, D(2026, 3, 11)),
    )
    found = notices(D(2026, 3, 12), plan=None, open_triage=reports)
    assert keys(found) == [("care-team", "triage:t-3"), ("care-team", "triage:t-1")]
    assert [n.urgency for n in found] == [Urgency.EMERGENCY, Urgency.URGENT]
    assert found[0].fact_ids == ("safety.open-triage-alert", "triage.hold-next-dose")


# --- Every notice ------------------------------------------------------------------------------


def late_patient_with_everything() -> tuple[Notice, ...]:
    as_of = DOSE_6_DUE + timedelta(days=40)
    now = datetime(2026, 5, 12, 12, tzinfo=UTC)
    return notices(
        as_of,
        pens=(pen("SN-9", (PenEventKind.FROZEN, now), now=now),),
        immunoglobulins=(LabResult(test="IgG", value=3.0, unit="g/L", on=as_of),),
        open_triage=(OpenTriage("t-9", Urgency.URGENT, as_of),),
    )


def test_every_notice_cites_facts_that_exist_and_patient_notices_say_who_to_call() -> None:
    found = (
        *late_patient_with_everything(),
        *notices(DOSE_6_DUE),
        *contraception(UNTIL),
        *screening(PLANNED, HBV_MISSING),
    )
    assert len({n.code for n in found}) == 8
    for notice in found:
        assert notice.fact_ids and set(notice.fact_ids) <= set(KB.facts), notice.key
        if notice.audience is NoticeAudience.PATIENT:
            assert re.search(r"nurse|neurologist|pharmacy|MS team", notice.message), notice.key


def test_audience_and_key_are_unique_within_a_day_and_most_serious_come_first() -> None:
    found = late_patient_with_everything()
    assert len({(n.audience, n.key) for n in found}) == len(found) == 6
    ranks = [n.severity.rank for n in found]
    assert ranks == sorted(ranks)


# --- Input that contradicts itself ------------------------------------------------------------


def test_a_plan_computed_for_another_day_names_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        PatientDay(as_of=DOSE_6_DUE, plan=plan_on(DOSE_6_DUE - timedelta(days=1)))
    assert caught.value.message.startswith("plan.as_of: '2026-04-01'")


def test_a_stop_date_after_as_of_names_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        PatientDay(as_of=D(2026, 3, 1), treatment_stopped_on=D(2026, 3, 2))
    assert caught.value.message.startswith("treatment_stopped_on: '2026-03-02'")


def test_a_repeated_pen_serial_names_the_field() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput) as caught:
        PatientDay(as_of=D(2026, 3, 1), pens=(pen("SN-1", now=now), pen("SN-1", now=now)))
    assert caught.value.message.startswith("pens[1]: 'SN-1'")


@pytest.mark.parametrize(
    "labs",
    [
        (LabResult(test="HBsAg", result="negative", on=LAB_DAY),),
        (igg(8.0), igg(9.0)),
        (LabResult(test="IgG", value=8.0, unit="g/L", on=D(2026, 3, 13)),),
    ],
)
def test_immunoglobulins_must_be_one_igg_and_one_igm_up_to_as_of(
    labs: tuple[LabResult, ...],
) -> None:
    with pytest.raises(InvalidInput) as caught:
        PatientDay(as_of=D(2026, 3, 12), immunoglobulins=labs)
    assert caught.value.message.startswith("immunoglobulins[")
