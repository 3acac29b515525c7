"""A patient seen by the MS team: doses, labs, checklist, triage, vaccines, notes, alerts.

The page is one long read with many small forms; a form sent with a problem comes back on the
same page (status 422) with its own input kept and its message beside the field. The forms post
to the routes in team_recording.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from ofacare.knowledge.base import CitationRef
from ofacare.regimen import Plan
from ofacare.safety.lab_tests import LAB_TESTS
from ofacare.services.access import Role
from ofacare.services.labs import RESULT_WORDS, UNITS
from ofacare.services.notes import MAX_NOTE_CHARS, list_notes
from ofacare.services.visit_summary import PatientReview, get_patient_review
from ofacare.web.frames import TEAM_NAV, open_patient_frame
from ofacare.web.localisation import N_
from ofacare.web.rendering import render
from ofacare.web.route import PageRoute
from ofacare.web.routes import team_words
from ofacare.web.routes.team_labs import build_lab_views
from ofacare.web.session import Viewer, get_runtime, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)

UPCOMING = 3  # planned doses shown after the next one
FormState = dict[str, dict[str, str]]
DONE = {
    "acknowledged": N_("The alert is acknowledged, with your reason kept on the record."),
    "lab": N_("The result is recorded. The checklist below is updated."),
    "screening": N_("The screening items are saved. The checklist below is updated."),
    "vaccination": N_("The vaccination is recorded."),
    "note": N_("The note is saved. Only the care team sees notes."),
    "diary": N_("The triage entry is updated."),
    "started": N_("The prescription is recorded with its start date."),
    "created": N_("The patient is on your panel. The checklist shows what is still missing."),
}


FORM_OPTIONS = {
    "test_names": {test.name: test.display for test in LAB_TESTS},
    "test_options": [(test.name, test.display) for test in LAB_TESTS],
    "unit_options": [(unit, unit) for unit in UNITS["IgG"]],
    "result_options": [("", N_("No result word (a measured value)"))]
    + [(word, word) for word in sorted(RESULT_WORDS)],
}


@dataclass(frozen=True, slots=True)
class DoseRow:
    number: int
    phase: str
    due_on: date
    taken_on: date | None
    state: str
    style: str
    days_late: int


@router.get("/team/patients/{patient_id}")
def patient_page(
    request: Request, patient_id: str, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    viewer = require_viewer(request, Role.CLINICIAN)
    return render_team_patient(request, viewer, patient_id, done=DONE.get(done))


def render_team_patient(
    request: Request,
    viewer: Viewer,
    patient_id: str,
    *,
    status: int = 200,
    posted: dict[str, FormState] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """The team's page of one patient; `posted` holds the input and problems of a sent form."""
    runtime = get_runtime(request)
    frame = open_patient_frame(request, viewer, patient_id, "team")
    review = get_patient_review(runtime, viewer.actor, patient_id)
    charted, other_labs = build_lab_views(review.labs, kb=runtime.kb, reader=frame.reader)
    today = frame.reader.local(runtime.now()).date()
    sent = posted or {}

    def state(form_id: str, defaults: dict[str, str] | None = None) -> FormState:
        """The form's input and problems when it was the one sent, else its defaults."""
        return sent.get(form_id) or {"values": dict(defaults or {}), "errors": {}}

    return render(
        request,
        "team/patient.html",
        viewer=viewer,
        reader=frame.reader,
        status=status,
        title=frame.patient.name,
        nav=TEAM_NAV,
        current="",
        patient=frame.patient,
        review=review,
        record=review.patient,
        timeline=timeline(review.schedule.plan) if review.schedule else [],
        charted=charted,
        other_labs=other_labs,
        notes=list_notes(runtime, viewer.actor, patient_id),
        posted=sent,
        state=state,
        new_key=lambda: secrets.token_urlsafe(16),
        today=today.isoformat(),
        done=done,
        words=team_words,
        max_note=MAX_NOTE_CHARS,
        upcoming=UPCOMING,
        screening_values=screening_values(review),
        checklist_citations=_unique(
            c for finding in review.checklist.result.findings for c in finding.citations
        ),
        **FORM_OPTIONS,
    )


def timeline(plan: Plan) -> list[DoseRow]:
    """Every dose taken, the next one, and a few planned after it."""
    nxt = plan.next_dose.number
    shown = [d for d in plan.doses if d.number <= nxt + UPCOMING]
    rows = []
    for dose in shown:
        state, style = team_words.dose_state(dose, plan.as_of)
        rows.append(
            DoseRow(
                number=dose.number,
                phase=team_words.PHASE[dose.phase.value],
                due_on=dose.due_on,
                taken_on=dose.taken_on,
                state=state,
                style=style,
                days_late=team_words.days_late(dose, plan.as_of),
            )
        )
    return rows


def screening_values(review: PatientReview) -> dict[str, str]:
    """The screening items as the form shows them, from the patient record."""
    record = review.patient
    flags = (
        "can_become_pregnant",
        "pregnant",
        "breastfeeding",
        "active_infection",
        "severely_immunocompromised",
        "active_malignancy",
    )
    values = {name: "true" for name in flags if getattr(record, name)}
    values["ms_type"] = record.ms_type
    values["planned_start_on"] = (
        record.planned_start_on.isoformat() if record.planned_start_on else ""
    )
    values["immunosuppressants"] = ", ".join(record.immunosuppressants)
    return values


def _unique(citations: Iterable[CitationRef]) -> list[CitationRef]:
    return list({(c.source, c.section): c for c in citations}.values())
