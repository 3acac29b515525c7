"""The diary: side effects, infections and symptoms over time, with the advice given each time.

A list (newest first) filtered by kind, urgency and period, a chart of entries per week by
urgency with a table beside it, and a button to mark an entry dealt with (the patient and their
team; a caregiver reads).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from ofacare.knowledge.schema import Urgency
from ofacare.services.access import Role
from ofacare.services.diary import MAX_LIMIT, DiaryChanges, DiaryFilter, change_diary_entry
from ofacare.services.diary_overview import (
    EntryKind,
    WeekCount,
    count_by_week,
    kinds_of,
    list_diary_of_kind,
)
from ofacare.web.frames import PatientFrame, open_patient_frame, render_patient_page
from ofacare.web.localisation import N_, translations
from ofacare.web.route import PageRoute
from ofacare.web.session import form_text, get_runtime, read_form, require_viewer
from ofacare.web.svg_chart import Chart, Series, line_chart

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Period = Literal["4w", "3m", "12m", "all"]
PERIOD_DAYS: dict[str, int] = {"4w": 28, "3m": 91, "12m": 365}
PERIODS = (
    ("all", N_("Everything")),
    ("4w", N_("Last 4 weeks")),
    ("3m", N_("Last 3 months")),
    ("12m", N_("Last 12 months")),
)
KINDS = (
    ("", N_("Every kind")),
    (EntryKind.SIDE_EFFECT.value, N_("Side effects")),
    (EntryKind.INFECTION.value, N_("Infections")),
    (EntryKind.SYMPTOM.value, N_("Other symptoms")),
)
KIND_WORDS = {value: label for value, label in KINDS if value}
URGENCIES = (
    ("", N_("Any urgency")),
    (Urgency.EMERGENCY.value, N_("Emergency")),
    (Urgency.URGENT.value, N_("Urgent: today")),
    (Urgency.CONTACT_TEAM.value, N_("Tell your team soon")),
    (Urgency.SELF_CARE.value, N_("Self care at home")),
)
URGENCY_WORDS = {value: label for value, label in URGENCIES if value}
MAY_RESOLVE = frozenset({Role.PATIENT, Role.CLINICIAN})


@router.get("/p/{patient_id}/diary")
def diary_page(
    request: Request,
    patient_id: str,
    kind: Annotated[EntryKind | Literal[""], Query()] = "",
    urgency: Annotated[Urgency | Literal[""], Query()] = "",
    period: Annotated[Period, Query()] = "all",
) -> Response:
    """The diary list, its filters and the chart of entries per week."""
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "diary")
    today = frame.reader.local(get_runtime(request).now()).date()
    since = today - timedelta(days=PERIOD_DAYS[period]) if period in PERIOD_DAYS else None
    query = DiaryFilter(urgency=urgency or None, since=since, until=today, limit=MAX_LIMIT)
    entries = list_diary_of_kind(
        get_runtime(request), viewer.actor, patient_id, query=query, kind=kind or None
    )
    weeks = count_by_week(entries, timezone=frame.patient.timezone, since=since, until=today)
    return render_patient_page(
        request,
        frame,
        "patient/diary.html",
        title=N_("Diary"),
        entries=entries,
        kinds={entry.id: [KIND_WORDS[k.value] for k in kinds_of(entry)] for entry in entries},
        weeks=weeks,
        levels=_levels_seen(weeks),
        chart=_weekly_chart(weeks, frame),
        filters={"kind": kind, "urgency": urgency, "period": period},
        filtered=bool(kind or urgency or period != "all"),
        options={"kind": KINDS, "urgency": URGENCIES, "period": PERIODS},
        urgency_words=URGENCY_WORDS,
        may_resolve=viewer.role in MAY_RESOLVE,
    )


@router.post("/p/{patient_id}/diary/{entry_id}/resolved")
async def mark_resolved(request: Request, patient_id: str, entry_id: str) -> Response:
    """Mark an entry dealt with (resolved=true) or open again (resolved=false)."""
    viewer = require_viewer(request, Role.PATIENT, Role.CLINICIAN)
    form = await read_form(request, viewer)
    changes = DiaryChanges(resolved=form_text(form, "resolved") == "true")
    change_diary_entry(get_runtime(request), viewer.actor, patient_id, entry_id, changes)
    return RedirectResponse(f"/p/{patient_id}/diary#entry-{entry_id}", status_code=303)


def _levels_seen(weeks: list[WeekCount]) -> list[str]:
    seen = {level for week in weeks for level in week.counts}
    return [level.value for level in Urgency if level in seen]


def _weekly_chart(weeks: list[WeekCount], frame: PatientFrame) -> Markup:
    levels = [Urgency(v) for v in _levels_seen(weeks)]
    if not levels:
        return Markup("")
    _ = translations(frame.reader.language).gettext
    series = [
        Series(
            _(URGENCY_WORDS[level.value]), [(w.starts_on, w.counts.get(level, 0)) for w in weeks]
        )
        for level in levels
    ]
    total = sum(w.total for w in weeks)
    chart = Chart(
        title=_("Diary entries per week, by urgency"),
        description=_("%(n)s entries in %(weeks)s weeks. The table below gives the numbers.")
        % {"n": total, "weeks": len(weeks)},
        series=series,
        y_label=_("Entries"),
    )
    return line_chart(chart, x_label=_("Week starting"))
