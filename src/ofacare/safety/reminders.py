"""The daily sweep's rules: which reminders and alerts one patient's day calls for. Pure.

Rules (each message in plain words, saying who to call, with the facts it rests on):
- a dose due today: remind the patient (DOSE-6 design; dosing.missed-dose once it is late);
- `dosing.late-reminder-escalation` days late: a firmer reminder;
- `dosing.late-care-team-alert` days late: an alert to the care team and the patient;
- a pen to be discarded (handling.storage: frozen, too warm, second stay out, past a limit);
- the contraception window after the last dose ending within
  `pregnancy.contraception-end-notice-days`, for people who can become pregnant and have stopped;
- pre-treatment screening incomplete within `screening.incomplete-notice-days` of a planned start;
- IgG or IgM below the lower limit (finding.ig-low-on-treatment, as monitoring reads it);
- an open emergency or urgent symptom report: alert the care team (safety.open-triage-alert).

A notice's `key` names the event, so the service sends each (audience, key) once: running the
sweep again the same day, or the next, yields the same keys for the same events. Keys carry the
due date, so a dose numbered again in a restarted course is a new event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ofacare.errors import InvalidInput
from ofacare.handling.storage import PenState
from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.schema import Urgency
from ofacare.regimen.schedule import Plan, ScheduledDose
from ofacare.safety.finding import Finding, Severity
from ofacare.safety.pregnancy import check_pregnancy_plan
from ofacare.safety.profile import LabResult
from ofacare.safety.screening_rules import low_immunoglobulin
from ofacare.safety.triage import CARE_TEAM

ESCALATION = "dosing.late-reminder-escalation"
CARE_TEAM_ALERT = "dosing.late-care-team-alert"
MISSED = "dosing.missed-dose"
LONG_GAP = "dosing.long-interruption"
HOLD = "triage.hold-next-dose"
CONTRACEPTION_AHEAD = "pregnancy.contraception-end-notice-days"
SCREENING_AHEAD = "screening.incomplete-notice-days"
TRIAGE_ALERT = "safety.open-triage-alert"
ANY_TIME = "dosing.any-time-of-day"
SUPERVISED = "dosing.first-injection-supervised"
IMMUNOGLOBULINS = ("IgG", "IgM")
OPEN_LEVELS = (Urgency.EMERGENCY, Urgency.URGENT)
CALL = f"Questions: call {CARE_TEAM}."


class NoticeAudience(StrEnum):
    PATIENT = "patient"
    CARE_TEAM = "care-team"


@dataclass(frozen=True, slots=True)
class Notice:
    """One reminder or alert to send; (audience, key) is the same for the same event every day."""

    key: str
    code: str
    audience: NoticeAudience
    severity: Severity
    title: str
    message: str
    fact_ids: tuple[str, ...]
    urgency: Urgency | None = None
    """For symptom reports: the level the triage gave."""


@dataclass(frozen=True, slots=True)
class PenOnHand:
    """A pen the patient holds, by its serial number, and its storage state today."""

    serial: str
    state: PenState


@dataclass(frozen=True, slots=True)
class OpenTriage:
    """A symptom report whose triage result nobody has closed yet."""

    entry_id: str
    urgency: Urgency
    reported_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientDay:
    """What the sweep knows about one patient on one day; checked as it is made."""

    as_of: date
    plan: Plan | None = None
    """The dose plan computed for `as_of`; None without a prescription."""
    treatment_stopped_on: date | None = None
    pens: tuple[PenOnHand, ...] = ()
    can_become_pregnant: bool = False
    screening_findings: tuple[Finding, ...] = ()
    """The screening checks' findings for the planned start; empty when none were run."""
    planned_start_on: date | None = None
    immunoglobulins: tuple[LabResult, ...] = ()
    """The latest IgG and IgM results, at most one of each."""
    open_triage: tuple[OpenTriage, ...] = ()

    def __post_init__(self) -> None:
        _check_dates(self)
        _check_unique("pens", [pen.serial for pen in self.pens])
        _check_unique("open_triage", [entry.entry_id for entry in self.open_triage])
        _check_immunoglobulins(self.immunoglobulins, self.as_of)


def build_notices(day: PatientDay, *, kb: KnowledgeBase) -> tuple[Notice, ...]:
    """Return the day's notices, most serious first; the same day gives the same keys.

    >>> from ofacare.knowledge import default_knowledge
    >>> from ofacare.regimen import compute_plan
    >>> plan = compute_plan(date(2026, 1, 5), [date(2026, 1, 5)], date(2026, 1, 12))
    >>> [(n.key, n.audience.value) for n in build_notices(
    ...     PatientDay(as_of=date(2026, 1, 12), plan=plan), kb=default_knowledge())]
    [('dose-2:due:2026-01-12', 'patient')]
    """
    notices = [
        *_dose_notices(day, kb),
        *_pen_notices(day, kb),
        *_contraception_notices(day, kb),
        *_screening_notices(day, kb),
        *_immunoglobulin_notices(day, kb),
        *_triage_notices(day, kb),
    ]
    return tuple(sorted(notices, key=_seriousness))


def _dose_notices(day: PatientDay, kb: KnowledgeBase) -> list[Notice]:
    if day.plan is None or day.treatment_stopped_on is not None:
        return []
    dose = day.plan.next_dose
    late = -dose.days_from(day.as_of)
    escalate = kb.whole_number(ESCALATION, "day")
    alert = kb.whole_number(CARE_TEAM_ALERT, "day")
    hold = _hold_facts(day)
    if late < 0:
        return []
    if late < escalate:
        return [_due_notice(dose, late, hold, kb)]
    if late < alert:
        return [_late_notice(dose, late, tier=escalate, hold=hold, kb=kb)]
    long_gap = any(
        flag.code == "regimen.long-interruption" and flag.dose_number == dose.number
        for flag in day.plan.flags
    )
    return [
        _late_notice(dose, late, tier=alert, hold=hold, kb=kb, long_gap=long_gap),
        _late_alert(dose, late, tier=alert, kb=kb, long_gap=long_gap),
    ]


def _due_notice(dose: ScheduledDose, late: int, hold: tuple[str, ...], kb: KnowledgeBase) -> Notice:
    """Due today, or up to the escalation day if a sweep was missed (the key stays the same)."""
    due = dose.due_on.isoformat()
    if late == 0:
        situation, facts = f"Dose {dose.number} of Kesimpta is due today ({due}).", [ANY_TIME]
    else:
        situation, facts = f"Dose {dose.number} of Kesimpta was due on {due}.", [MISSED]
    if dose.number == 1:
        facts.append(SUPERVISED)
    return Notice(
        key=f"dose-{dose.number}:due:{due}",
        code="notice.dose-due",
        audience=NoticeAudience.PATIENT,
        severity=Severity.INFO,
        title=f"Dose {dose.number} due on {due}",
        message=_dose_text(situation, facts, hold, kb),
        fact_ids=(*facts, *hold),
    )


def _late_notice(
    dose: ScheduledDose,
    late: int,
    *,
    tier: int,
    hold: tuple[str, ...],
    kb: KnowledgeBase,
    long_gap: bool = False,
) -> Notice:
    """The firmer reminder; at the care-team tier it also tells the patient the team is told."""
    alerting = tier == kb.whole_number(CARE_TEAM_ALERT, "day")
    facts = [MISSED, *([CARE_TEAM_ALERT] if alerting else []), *([LONG_GAP] if long_gap else [])]
    return Notice(
        key=_late_key(dose, tier),
        code="notice.dose-late",
        audience=NoticeAudience.PATIENT,
        severity=Severity.REFER if alerting else Severity.CAUTION,
        title=f"Dose {dose.number} is {_days(late)} late",
        message=_dose_text(
            f"Dose {dose.number} of Kesimpta was due on {dose.due_on.isoformat()}, "
            f"{_days(late)} ago, and no injection is recorded.",
            facts,
            hold,
            kb,
        ),
        fact_ids=(*facts, *hold, ESCALATION),
    )


def _dose_text(situation: str, facts: list[str], hold: tuple[str, ...], kb: KnowledgeBase) -> str:
    """A dose reminder's words; an open urgent report comes first and puts the dose on hold."""
    advice = [kb.statement(f) for f in facts]
    if hold:
        advice = [*(kb.statement(f) for f in hold), "When your team says it is safe:", *advice]
    return _join(situation, *advice, CALL)


def _late_alert(
    dose: ScheduledDose, late: int, *, tier: int, kb: KnowledgeBase, long_gap: bool
) -> Notice:
    facts = [CARE_TEAM_ALERT, MISSED, *([LONG_GAP] if long_gap else [])]
    return Notice(
        key=_late_key(dose, tier),
        code="notice.dose-late-care-team",
        audience=NoticeAudience.CARE_TEAM,
        severity=Severity.REFER,
        title=f"Dose {dose.number} is {_days(late)} late",
        message=_join(
            f"Dose {dose.number} was due on {dose.due_on.isoformat()} and is {_days(late)} "
            f"late; no injection is recorded. Contact the patient.",
            *(kb.statement(f) for f in facts[2:]),
        ),
        fact_ids=tuple(facts),
    )


def _pen_notices(day: PatientDay, kb: KnowledgeBase) -> list[Notice]:
    return [
        Notice(
            key=f"pen:{pen.serial}:discard",
            code="notice.pen-discard",
            audience=NoticeAudience.PATIENT,
            severity=Severity.CAUTION,
            title=f"Do not use pen {pen.serial}",
            message=_join(*(line.text for line in pen.state.advice)),
            fact_ids=_unique(f for line in pen.state.advice for f in line.fact_ids),
        )
        for pen in day.pens
        if pen.state.must_discard
    ]


def _contraception_notices(day: PatientDay, kb: KnowledgeBase) -> list[Notice]:
    stopped = day.treatment_stopped_on is not None
    if not (day.can_become_pregnant and stopped and day.plan is not None):
        return []
    taken = [d.taken_on for d in day.plan.doses if d.taken_on is not None]
    if not taken:
        return []
    (finding,) = [
        f
        for f in check_pregnancy_plan(max(taken), as_of=day.as_of, kb=kb)
        if f.code == "finding.contraception-until"
    ]
    assert finding.until is not None  # the finding always carries its end date
    ahead = timedelta(days=kb.whole_number(CONTRACEPTION_AHEAD, "day"))
    if not finding.until - ahead <= day.as_of <= finding.until:
        return []
    facts = (*kb.get_advice(finding.code).facts, "pregnancy.planning", CONTRACEPTION_AHEAD)
    until = finding.until.isoformat()
    return [
        Notice(
            key=f"contraception:ends:{until}",
            code="notice.contraception-ends",
            audience=NoticeAudience.PATIENT,
            severity=Severity.INFO,
            title=finding.title,
            message=_join(
                f"The time you need birth control after your last dose ends on {until}.",
                finding.patient_message,
                kb.statement("pregnancy.planning"),
                CALL,
            ),
            fact_ids=_unique(facts),
        )
    ]


def _screening_notices(day: PatientDay, kb: KnowledgeBase) -> list[Notice]:
    start = day.planned_start_on
    if start is None or (day.plan is not None and day.plan.doses[0].taken_on is not None):
        return []
    if not 0 <= (start - day.as_of).days <= kb.whole_number(SCREENING_AHEAD, "day"):
        return []
    waiting = [f for f in day.screening_findings if any(a.kind == "order-test" for a in f.actions)]
    if day.screening_findings and not waiting:
        return []
    if waiting:
        tests = ", ".join(a.target for f in waiting for a in f.actions if a.kind == "order-test")
        detail = _join(*(f.clinician_message for f in waiting))
        facts = _unique(fact for f in waiting for fact in kb.get_advice(f.code).facts)
    else:
        tests, detail, facts = "no screening recorded", "", ("screening.patient-checklist",)
    return [
        Notice(
            key=f"screening:incomplete:{start.isoformat()}",
            code="notice.screening-incomplete",
            audience=NoticeAudience.CARE_TEAM,
            severity=Severity.CAUTION,
            title=f"Screening incomplete for the start on {start.isoformat()}: {tests}",
            message=_join(
                f"The first dose is planned for {start.isoformat()} and screening is not "
                f"complete ({tests}).",
                detail,
                "Arrange the missing tests with the patient before the start.",
            ),
            fact_ids=(*facts, SCREENING_AHEAD),
        )
    ]


def _immunoglobulin_notices(day: PatientDay, kb: KnowledgeBase) -> list[Notice]:
    notices = []
    for lab in day.immunoglobulins:
        name = lab.lab_test.name
        finding = low_immunoglobulin(name, lab, kb, "finding.ig-low-on-treatment")
        if finding is None:
            continue
        facts = kb.get_advice(finding.code).facts
        for audience, text in (
            (NoticeAudience.PATIENT, finding.patient_message),
            (NoticeAudience.CARE_TEAM, finding.clinician_message),
        ):
            notices.append(
                Notice(
                    key=f"{name.lower()}:low:{lab.on.isoformat()}",
                    code="notice.immunoglobulin-low",
                    audience=audience,
                    severity=Severity.REFER,
                    title=finding.title,
                    message=text,
                    fact_ids=facts,
                )
            )
    return notices


def _triage_notices(day: PatientDay, kb: KnowledgeBase) -> list[Notice]:
    level_words = {Urgency.EMERGENCY: "an emergency", Urgency.URGENT: "urgent (same day)"}
    return [
        Notice(
            key=f"triage:{entry.entry_id}",
            code="notice.triage-open",
            audience=NoticeAudience.CARE_TEAM,
            severity=Severity.REFER,
            title=f"Open {entry.urgency.value} symptom report from {entry.reported_on.isoformat()}",
            message=_join(
                f"A symptom report from {entry.reported_on.isoformat()} was triaged as "
                f"{level_words[entry.urgency]} and is still open. Contact the patient today and "
                "close the report once it has been followed up. Until then ofacare tells the "
                "patient:",
                kb.statement(HOLD),
            ),
            fact_ids=(TRIAGE_ALERT, HOLD),
            urgency=entry.urgency,
        )
        for entry in day.open_triage
        if entry.urgency in OPEN_LEVELS
    ]


def _seriousness(notice: Notice) -> tuple[int, int]:
    """Most serious severity first; among symptom reports, the most urgent first."""
    levels = list(Urgency)
    return notice.severity.rank, levels.index(notice.urgency) if notice.urgency else len(levels)


def _hold_facts(day: PatientDay) -> tuple[str, ...]:
    """While an emergency or urgent report is open, a dose reminder says to hold the dose."""
    if any(entry.urgency in OPEN_LEVELS for entry in day.open_triage):
        return (HOLD,)
    return ()


def _late_key(dose: ScheduledDose, tier: int) -> str:
    return f"dose-{dose.number}:late-{tier}:{dose.due_on.isoformat()}"


def _check_dates(day: PatientDay) -> None:
    if day.plan is not None and day.plan.as_of != day.as_of:
        raise _bad_date("plan.as_of", day.plan.as_of, day.as_of, "compute the plan for as_of")
    later = [("treatment_stopped_on", day.treatment_stopped_on)] + [
        (f"open_triage[{i}].reported_on", entry.reported_on)
        for i, entry in enumerate(day.open_triage)
    ]
    for field, value in later:
        if value is not None and value > day.as_of:
            raise _bad_date(field, value, day.as_of, "it cannot be after as_of")


def _bad_date(field: str, value: date, as_of: date, why: str) -> InvalidInput:
    return InvalidInput(
        "reminders.bad-date",
        f"{field}: '{value.isoformat()}' does not fit as_of '{as_of.isoformat()}'.",
        f"Check the date: {why}.",
    )


def _check_unique(field: str, ids: list[str]) -> None:
    for index, value in enumerate(ids):
        if not value.strip() or value in ids[:index]:
            raise InvalidInput(
                "reminders.bad-id",
                f"{field}[{index}]: '{value}' is empty or repeats an earlier entry.",
                "Give each entry its own non-empty id.",
            )


def _check_immunoglobulins(labs: tuple[LabResult, ...], as_of: date) -> None:
    seen: list[str] = []
    for index, lab in enumerate(labs):
        name = lab.lab_test.name
        if name not in IMMUNOGLOBULINS or name in seen or lab.on > as_of:
            raise InvalidInput(
                "reminders.bad-immunoglobulin",
                f"immunoglobulins[{index}]: '{lab.test}' on '{lab.on.isoformat()}' is not the "
                f"latest IgG or IgM up to as_of '{as_of.isoformat()}'.",
                "Give at most one IgG and one IgM result, each dated on or before as_of.",
            )
        seen.append(name)


def _join(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part.strip())


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"
