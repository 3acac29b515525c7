"""Check a symptom: the urgency, the action and the number to call, in large type.

The form takes the person's own words and/or ticked common symptoms; the diary use case runs the
triage in the context of the last injection and keeps the answer. The result page leads with the
urgency; an emergency fills the screen, takes the focus and stays until the person chooses to
leave it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from ofacare.errors import Conflict, InvalidInput
from ofacare.knowledge.lexicon import load_lexicon
from ofacare.safety.triage import MAX_TEXT_CHARS
from ofacare.services.diary import DiaryForm, record_diary_entry
from ofacare.services.diary_overview import get_diary_entry
from ofacare.web.forms import FormProblem, parse_form, problem_from
from ofacare.web.frames import PatientFrame, open_patient_frame, render_patient_page
from ofacare.web.localisation import N_
from ofacare.web.route import PageRoute
from ofacare.web.session import form_text, get_runtime, read_form, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Choice:
    """A common symptom to tick: the words the triage reads, and the label the person sees."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class ChoiceGroup:
    legend: str
    choices: tuple[Choice, ...]


# Each value is a phrase the triage recognises (tests/web/test_patient_symptoms.py checks it);
# the label is what the page shows, translated.
CHOICE_GROUPS = (
    ChoiceGroup(
        N_("Where I injected"),
        (
            Choice("redness where I injected", N_("Redness where I injected")),
            Choice("swelling where I injected", N_("Swelling where I injected")),
            Choice("itching where I injected", N_("Itching where I injected")),
            Choice("sore where I injected", N_("Soreness where I injected")),
        ),
    ),
    ChoiceGroup(
        N_("Flu-like feelings or signs of an infection"),
        (
            Choice("fever", N_("Fever or high temperature")),
            Choice("chills", N_("Chills or shivering")),
            Choice("headache", N_("Headache")),
            Choice("aching muscles", N_("Aching muscles")),
            Choice("tiredness", N_("Tiredness")),
            Choice("cough", N_("Cough")),
            Choice("sore throat", N_("Sore throat")),
            Choice("burning when I pee", N_("Burning when I pee")),
            Choice("cold sore", N_("Cold sore")),
            Choice("painful blisters on one side", N_("Painful blisters on one side of the body")),
        ),
    ),
    ChoiceGroup(
        N_("Skin, MS and other changes"),
        (
            Choice("rash", N_("Rash")),
            Choice("new weakness", N_("New weakness")),
            Choice("blurred vision", N_("Blurred or double vision")),
            Choice("yellow skin or eyes", N_("Yellow skin or eyes")),
        ),
    ),
    ChoiceGroup(
        N_("Signs of an emergency"),
        (
            Choice("trouble breathing", N_("Trouble breathing")),
            Choice("swollen face, lips or tongue", N_("Swollen face, lips or tongue")),
            Choice("fainted", N_("Fainting or passing out")),
            Choice("seizure", N_("A seizure (fit)")),
        ),
    ),
)
CHOICE_VALUES = frozenset(c.value for group in CHOICE_GROUPS for c in group.choices)
FIELDS = ("text", "choices")
EMERGENCY_FACTS = ("triage.emergency-allergy", "triage.emergency-collapse")


@dataclass(frozen=True, slots=True)
class EmergencyLine:
    """The emergency number where the patient lives, and the digits to dial when it is one."""

    text: str
    dial: str | None


def emergency_line(country: str | None) -> EmergencyLine:
    number = load_lexicon().emergency_number(country)
    return EmergencyLine(number, number if number.isdigit() else None)


@router.get("/p/{patient_id}/symptoms")
def symptoms_form(request: Request, patient_id: str) -> Response:
    """The symptom form: own words and common symptoms, with the emergency number on top."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "symptoms")
    return _form_page(request, frame, values={}, chosen=(), errors={})


@router.post("/p/{patient_id}/symptoms")
async def check_symptoms(request: Request, patient_id: str) -> Response:
    """Record the symptoms (the triage runs) and show the answer on its own page."""
    viewer = require_viewer(request)
    form = await read_form(request, viewer)
    frame = open_patient_frame(request, viewer, patient_id, "symptoms")
    text, chosen = _raw_text(form), _chosen(form)
    values = {"text": text}
    try:
        parsed = _parse(text, chosen)
        answer = record_diary_entry(
            get_runtime(request),
            viewer.actor,
            patient_id,
            parsed,
            idempotency_key=form_text(form, "request_key") or None,
        )
    except FormProblem as problem:
        return _form_page(request, frame, values=values, chosen=chosen, errors=problem.errors)
    except (InvalidInput, Conflict) as exc:
        errors = problem_from(exc, FIELDS).errors
        return _form_page(request, frame, values=values, chosen=chosen, errors=errors)
    target = f"/p/{patient_id}/symptoms/{answer.entry.id}"
    return RedirectResponse(target, status_code=303)


@router.get("/p/{patient_id}/symptoms/{entry_id}")
def symptom_result(request: Request, patient_id: str, entry_id: str) -> Response:
    """The answer: urgency in words, what to do, the number to call; an emergency fills the page."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "symptoms")
    entry = get_diary_entry(get_runtime(request), viewer.actor, patient_id, entry_id)
    stored: dict[str, Any] = entry.triage if isinstance(entry.triage, dict) else {}
    return render_patient_page(
        request,
        frame,
        "patient/symptoms_result.html",
        title=N_("Your symptom check"),
        entry=entry,
        level=entry.urgency,
        emergency=emergency_line(frame.patient.country),
        matched=stored.get("matched", []),
        citations=stored.get("citations", []),
        knowledge_version=str(stored.get("knowledge_version", "")),
    )


def _form_page(
    request: Request,
    frame: PatientFrame,
    *,
    values: dict[str, str],
    chosen: tuple[str, ...],
    errors: dict[str, str],
) -> Response:
    kb = get_runtime(request).kb
    return render_patient_page(
        request,
        frame,
        "patient/symptoms.html",
        status=422 if errors else 200,
        title=N_("Check a symptom"),
        values=values,
        chosen=chosen,
        errors=errors,
        groups=CHOICE_GROUPS,
        max_chars=MAX_TEXT_CHARS,
        emergency=emergency_line(frame.patient.country),
        emergency_signs=[kb.statement(fact) for fact in EMERGENCY_FACTS],
        emergency_citations=kb.citations(EMERGENCY_FACTS),
        knowledge_version=kb.version,
        # A fresh key per form shown: sending the same form twice records one entry.
        request_key=secrets.token_urlsafe(16),
    )


def _raw_text(form: FormData) -> str:
    value = form.get("text")
    return value if isinstance(value, str) else ""


def _chosen(form: FormData) -> tuple[str, ...]:
    return tuple(v for v in form.getlist("choices") if isinstance(v, str) and v)


def _parse(text: str, chosen: tuple[str, ...]) -> DiaryForm:
    unknown = [c for c in chosen if c not in CHOICE_VALUES]
    if unknown:
        raise FormProblem(
            {"choices": f"choices: {unknown[0][:60]!r} is not one of the listed symptoms."}
        )
    if len(text.strip()) > MAX_TEXT_CHARS:
        raise FormProblem(
            {
                "text": f"text: {len(text.strip())} characters is longer than {MAX_TEXT_CHARS}. "
                "Describe the main symptoms in fewer words."
            }
        )
    return parse_form(DiaryForm, {"text": text.strip(), "choices": chosen})
