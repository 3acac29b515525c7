"""Learn: ask a question, read the patient guide, and see what the medicine does in the body.

Answers come from the cited knowledge base only, with their sources and who to call. The body
page draws the person's own injection dates through the population model: a model of an average
person, not a measurement of them, and it says so beside each chart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from starlette.responses import Response

from ofacare.errors import Conflict
from ofacare.guide.sections import build_guide
from ofacare.knowledge.answer import MAX_QUESTION_CHARS
from ofacare.knowledge.schema import Audience
from ofacare.services.questions import QuestionForm, ask
from ofacare.services.simulations import SimulationForm, simulate_patient_course
from ofacare.web.forms import FormProblem, parse_form
from ofacare.web.frames import PatientFrame, open_patient_frame, render_patient_page
from ofacare.web.localisation import N_, translations
from ofacare.web.route import PageRoute
from ofacare.web.routes.patient_symptoms import emergency_line
from ofacare.web.session import get_runtime, require_viewer
from ofacare.web.svg_chart import Chart, Line, Series, line_chart

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LOWER_LIMIT_FACT = "efficacy.b-cell-lln"
DEEP_DEPLETION_FACT = "efficacy.b-cell-threshold-10"
LINE_LABELS = {
    LOWER_LIMIT_FACT: N_("%(n)s lower limit"),
    DEEP_DEPLETION_FACT: N_("%(n)s very low"),
}
THRESHOLD_KINDS = {LOWER_LIMIT_FACT: "lower-limit", DEEP_DEPLETION_FACT: "very-low"}
MECHANISM_FACT = "about.mechanism-cd20"
READING_FACT = "pharmacology.simulation-reading"
TABLE_EVERY_DAYS = 28  # one row per four weeks keeps the table short


@router.get("/p/{patient_id}/learn")
def learn_page(request: Request, patient_id: str) -> Response:
    """Ask a question, the patient guide, and the medicine in the body."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "learn")
    return _learn_page(request, frame, values={}, errors={})


@router.get("/p/{patient_id}/learn/ask")
def ask_page(
    request: Request,
    patient_id: str,
    q: Annotated[str, Query(max_length=MAX_QUESTION_CHARS * 4)] = "",
) -> Response:
    """The answer to a question from the knowledge base, with sources and who to call."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "learn")
    values = {"q": q}
    try:
        form = _parse_question(q, frame.patient.country)
    except FormProblem as problem:
        return _learn_page(request, frame, values=values, errors=problem.errors)
    answer = ask(get_runtime(request), viewer.actor, form)
    return render_patient_page(
        request,
        frame,
        "patient/learn_answer.html",
        title=N_("Your question"),
        values=values,
        answer=answer,
        level=answer.urgency.value if answer.urgency else None,
        emergency=emergency_line(frame.patient.country),
        max_chars=MAX_QUESTION_CHARS,
    )


@router.get("/p/{patient_id}/learn/guide")
def guide_page(request: Request, patient_id: str) -> Response:
    """The patient guide, built from the knowledge base for the patient's country."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "learn")
    guide = build_guide(
        get_runtime(request).kb, audience=Audience.PATIENT, country=frame.patient.country
    )
    return render_patient_page(
        request, frame, "patient/learn_guide.html", title=guide.title, guide=guide
    )


@router.get("/p/{patient_id}/learn/body")
def body_page(request: Request, patient_id: str) -> Response:
    """Drug level and B cells from the person's own injection dates, drawn by the model."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "learn")
    try:
        document = simulate_patient_course(
            get_runtime(request), viewer.actor, patient_id, SimulationForm(step="day")
        )
    except Conflict:
        document = None
    taken = [d for d in document["doses"] if d["taken"]] if document else []
    course = _course(document, frame) if document and taken else None
    kb = get_runtime(request).kb
    return render_patient_page(
        request,
        frame,
        "patient/learn_body.html",
        title=N_("What the medicine does in my body"),
        course=course,
        document=document,
        mechanism=kb.statement(MECHANISM_FACT),
        reading=kb.statement(READING_FACT),
        explained_by=kb.cite([MECHANISM_FACT, READING_FACT]),
    )


def _learn_page(
    request: Request, frame: PatientFrame, *, values: dict[str, str], errors: dict[str, str]
) -> Response:
    return render_patient_page(
        request,
        frame,
        "patient/learn.html",
        status=422 if errors else 200,
        title=N_("Learn"),
        values=values,
        errors=errors,
        max_chars=MAX_QUESTION_CHARS,
    )


def _parse_question(text: str, country: str) -> QuestionForm:
    question = text.strip()
    if not question:
        raise FormProblem({"q": "question: '' is empty. Type a question about your medicine."})
    if len(question) > MAX_QUESTION_CHARS:
        raise FormProblem(
            {
                "q": f"question: {len(question)} characters is longer than "
                f"{MAX_QUESTION_CHARS}. Ask it in fewer words."
            }
        )
    return parse_form(QuestionForm, {"question": question, "country": country})


# --- The course drawn ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CourseRow:
    on: date
    b_cells: float
    conc_mg_per_l: float


@dataclass(frozen=True, slots=True)
class Threshold:
    """A line drawn on the B-cell chart, and the first day the model is below it."""

    kind: str  # lower-limit | very-low
    cells_per_ul: float
    below_on: date | None


@dataclass(frozen=True, slots=True)
class DoseDrawn:
    number: int
    on: date
    taken: bool


@dataclass(frozen=True, slots=True)
class CourseView:
    """The charts, their lines, the table and the plain facts of one simulated course."""

    as_of: date
    b_cell_chart: Markup
    conc_chart: Markup
    thresholds: list[Threshold]
    repletion_weeks: float | None
    rows: list[CourseRow]
    doses: list[DoseDrawn]


def _course(document: dict[str, Any], frame: PatientFrame) -> CourseView:
    _ = translations(frame.reader.language).gettext
    start = date.fromisoformat(document["start"])
    as_of = date.fromisoformat(document["as_of"])
    dates = [start + timedelta(days=d) for d in document["days"]]
    lines = [line for line in document["lines"] if line["fact"] in LINE_LABELS]
    days_below = document.get("days_below", {})
    return CourseView(
        as_of=as_of,
        b_cell_chart=line_chart(_b_cell_chart(document, dates, as_of, lines, _), x_label=_("Date")),
        conc_chart=line_chart(_conc_chart(document, dates, as_of, _), x_label=_("Date")),
        thresholds=[
            Threshold(
                THRESHOLD_KINDS[line["fact"]],
                line["cells_per_ul"],
                _day_after(start, days_below.get(f"{line['cells_per_ul']:g}")),
            )
            for line in lines
        ],
        repletion_weeks=document.get("repletion_weeks"),
        rows=_rows(dates, document, as_of),
        doses=[
            DoseDrawn(d["number"], date.fromisoformat(d["date"]), bool(d["taken"]))
            for d in document["doses"]
        ],
    )


def _b_cell_chart(
    document: dict[str, Any],
    dates: list[date],
    as_of: date,
    lines: list[dict[str, Any]],
    _: Callable[[str], str],
) -> Chart:
    values = _(" and ").join(f"{line['cells_per_ul']:g}" for line in lines)
    return Chart(
        title=_("B cells in the model, from your injection dates"),
        description=_(
            "Modelled B cells per microlitre of blood, on a scale where each step is ten times "
            "the one below, with lines at %(lines)s cells per microlitre. The table below gives "
            "the numbers."
        )
        % {"lines": values},
        series=_split(dates, document["b_cells"], as_of, _("B cells so far"), _("B cells ahead")),
        y_label=_("cells/µL"),
        lines=[
            Line(
                line["cells_per_ul"],
                _(LINE_LABELS[line["fact"]]) % {"n": f"{line['cells_per_ul']:g}"},
            )
            for line in lines
        ],
        log_y=True,
    )


def _conc_chart(
    document: dict[str, Any], dates: list[date], as_of: date, _: Callable[[str], str]
) -> Chart:
    return Chart(
        title=_("Medicine in the blood in the model, from your injection dates"),
        description=_(
            "Modelled amount of medicine per litre of blood: it rises after each pen and falls "
            "before the next. The table below gives the numbers."
        ),
        series=_split(
            dates, document["conc_total_mg_per_l"], as_of, _("Medicine so far"), _("Medicine ahead")
        ),
        y_label=_("mg/L"),
    )


def _split(
    dates: list[date], values: list[float], as_of: date, past: str, ahead: str
) -> list[Series]:
    """The part up to today and the part the model draws ahead, told apart by pattern and name."""
    points = list(zip(dates, values, strict=True))
    before = [p for p in points if p[0] <= as_of]
    after = [p for p in points if p[0] >= as_of]
    series = [Series(past, before, markers=False)] if before else []
    if len(after) > 1:
        series.append(Series(ahead, after, markers=False))
    return series


def _day_after(start: date, days: int | None) -> date | None:
    return start + timedelta(days=days) if days is not None else None


def _rows(dates: list[date], document: dict[str, Any], as_of: date) -> list[CourseRow]:
    picked = [i for i, _ in enumerate(dates) if i % TABLE_EVERY_DAYS == 0]
    today = next((i for i, d in enumerate(dates) if d >= as_of), None)
    if today is not None and today not in picked:
        picked = sorted({*picked, today})
    return [
        CourseRow(dates[i], document["b_cells"][i], document["conc_total_mg_per_l"][i])
        for i in picked
    ]
