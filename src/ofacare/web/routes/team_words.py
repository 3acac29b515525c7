"""The words the team's pages use for states the records hold as codes (never colour alone)."""

from __future__ import annotations

from datetime import date

from ofacare.regimen import DoseStatus, ScheduledDose
from ofacare.web.localisation import N_

SEVERITY = {
    "do_not_start": N_("Do not start"),
    "refer": N_("Refer"),
    "wait": N_("Wait"),
    "caution": N_("Caution"),
    "info": N_("For information"),
}
SEVERITY_STYLE = {"do_not_start": "danger", "refer": "danger", "wait": "warn", "caution": "warn"}
READINESS = {
    "ready": N_("Ready to start"),
    "wait": N_("Wait"),
    "refer": N_("Refer first"),
    "do_not_start": N_("Do not start"),
}
URGENCY = {
    "emergency": N_("Emergency"),
    "urgent": N_("Urgent: same day"),
    "contact_team": N_("Tell the team soon"),
    "self_care": N_("Self-care"),
}
LAB_FLAG = {"below": N_("Below range"), "above": N_("Above range"), "within": N_("Within range")}
START_FROM = {
    "patient": N_("the planned start on the record"),
    "prescription": N_("the start of the prescription"),
    "today": N_("today (no start date is set yet)"),
}
PHASE = {"loading": N_("Loading"), "maintenance": N_("Monthly")}
INTERVAL = {"monthly": N_("Monthly (calendar months)"), "4-weekly": N_("Every four weeks")}
MS_TYPES = (
    ("RRMS", N_("Relapsing-remitting MS")),
    ("CIS", N_("Clinically isolated syndrome")),
    ("active-SPMS", N_("Active secondary progressive MS")),
    ("non-active-SPMS", N_("Non-active secondary progressive MS")),
    ("PPMS", N_("Primary progressive MS")),
)
SEXES = (
    ("female", N_("Female")),
    ("male", N_("Male")),
    ("other", N_("Other")),
    ("unknown", N_("Not recorded")),
)
WORD_RESULTS = {
    "HBsAg": ("negative", "positive"),
    "anti-HBc": ("negative", "positive"),
    "pregnancy": ("negative", "positive"),
    "liver-panel": ("normal", "abnormal"),
}
"""The two answers of each presence test the one-click forms offer."""
TEST_LABEL = {"pregnancy": N_("Pregnancy test"), "liver-panel": N_("Liver tests")}
"""How the one-click buttons name a test whose ofacare name is not what a clinician says."""
RESULT_WORD = {
    "negative": N_("negative"),
    "positive": N_("positive"),
    "normal": N_("normal"),
    "abnormal": N_("abnormal"),
}


def dose_state(dose: ScheduledDose, as_of: date) -> tuple[str, str]:
    """A dose's state in words and its badge style: taken, taken late, overdue, due, planned."""
    if dose.status is DoseStatus.TAKEN:
        if dose.taken_on is not None and dose.taken_on > dose.due_on:
            return N_("Taken late"), "warn"
        return N_("Taken"), "ok"
    if dose.status is DoseStatus.OVERDUE:
        return N_("Overdue"), "danger"
    if dose.status is DoseStatus.DUE:
        return N_("Due today"), "warn"
    return N_("Planned"), "muted"


def days_late(dose: ScheduledDose, as_of: date) -> int:
    """Days after the due date it was given (taken) or is now (overdue); 0 otherwise."""
    if dose.status is DoseStatus.TAKEN and dose.taken_on is not None:
        return max((dose.taken_on - dose.due_on).days, 0)
    if dose.status is DoseStatus.OVERDUE:
        return (as_of - dose.due_on).days
    return 0


MS_TYPE_NAMES = dict(MS_TYPES)
SEX_NAMES = dict(SEXES)
