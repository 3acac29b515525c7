"""The MS team's panel: every patient, alerts needing action first, sortable and filterable.

The search form is a plain GET form; with HTMX it refreshes only the table as the nurse types
(the server answers an HTMX request aimed at the table with the table alone).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ofacare.errors import OfacareError
from ofacare.services.access import Role
from ofacare.services.alerts import AcknowledgementForm, acknowledge_alert, list_panel_alerts
from ofacare.services.panel import MAX_SEARCH, PanelFilter, PanelQuery, PanelSort, list_panel
from ofacare.web.forms import FormProblem, parse_form, problem_from
from ofacare.web.frames import TEAM_NAV
from ofacare.web.localisation import N_
from ofacare.web.rendering import render
from ofacare.web.route import PageRoute
from ofacare.web.routes import team_words
from ofacare.web.routes.team_patient import render_team_patient
from ofacare.web.session import Viewer, form_text, get_runtime, read_form, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TABLE_ID = "panel-table"
DONE = {"acknowledged": N_("The alert is acknowledged, with your reason kept on the record.")}
FILTERS = (
    (PanelFilter.EVERYONE.value, N_("Everyone")),
    (PanelFilter.OVERDUE.value, N_("Overdue doses")),
    (PanelFilter.ALERTS.value, N_("Open alerts")),
    (PanelFilter.SCREENING.value, N_("Screening not complete")),
)
COLUMNS = (
    (PanelSort.NAME, N_("Patient"), "ascending"),
    (PanelSort.DUE, N_("Next dose"), "ascending"),
    (PanelSort.OVERDUE, N_("Overdue"), "descending"),
    (PanelSort.ATTENTION, N_("Open alerts"), "descending"),
)


@router.get("/team")
def panel(
    request: Request,
    *,
    q: Annotated[str, Query(max_length=MAX_SEARCH)] = "",
    only: PanelFilter = PanelFilter.EVERYONE,
    sort: PanelSort = PanelSort.ATTENTION,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    viewer = require_viewer(request, Role.CLINICIAN)
    query = PanelQuery(search=q, only=only, sort=sort, page=page)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == TABLE_ID:
        return _table(request, viewer, query)
    return panel_page(request, viewer, query, done=DONE.get(done))


@router.post("/team/patients/{patient_id}/alerts/{alert_id}/acknowledge")
async def acknowledge(request: Request, patient_id: str, alert_id: str) -> Response:
    """Acknowledge an alert with a reason, from the panel or the patient's page."""
    viewer = require_viewer(request, Role.CLINICIAN)
    form = await read_form(request, viewer)
    reason = form_text(form, "reason")
    back = "patient" if form_text(form, "back") == "patient" else "panel"
    try:
        parsed = parse_form(AcknowledgementForm, {"reason": reason})
        acknowledge_alert(get_runtime(request), viewer.actor, patient_id, alert_id, parsed)
    except FormProblem as problem:
        return _acknowledge_problem(request, viewer, (patient_id, alert_id, back), reason, problem)
    except OfacareError as exc:
        found = problem_from(exc, ("reason",))
        return _acknowledge_problem(request, viewer, (patient_id, alert_id, back), reason, found)
    if back == "patient":
        return RedirectResponse(f"/team/patients/{patient_id}?done=acknowledged", status_code=303)
    return RedirectResponse("/team?done=acknowledged", status_code=303)


def _acknowledge_problem(
    request: Request,
    viewer: Viewer,
    target: tuple[str, str, str],
    reason: str,
    problem: FormProblem,
) -> Response:
    """The page the form came from again, the reason kept and the problem beside it."""
    patient_id, alert_id, back = target
    message = " ".join(problem.errors.values())
    state = {"values": {"reason": reason}, "errors": {"reason": message}}
    if back == "patient":
        return render_team_patient(
            request, viewer, patient_id, status=422, posted={f"ack-{alert_id}": state}
        )
    return panel_page(request, viewer, PanelQuery(), status=422, posted={alert_id: state})


def panel_page(
    request: Request,
    viewer: Viewer,
    query: PanelQuery,
    *,
    status: int = 200,
    done: str | None = None,
    posted: dict[str, dict[str, dict[str, str]]] | None = None,
) -> HTMLResponse:
    runtime = get_runtime(request)
    return render(
        request,
        "team/panel.html",
        viewer=viewer,
        status=status,
        title=N_("Your panel"),
        nav=TEAM_NAV,
        current="panel",
        alerts=list_panel_alerts(runtime, viewer.actor),
        posted=posted or {},
        done=done,
        **_table_context(request, viewer, query),
    )


def _table(request: Request, viewer: Viewer, query: PanelQuery) -> HTMLResponse:
    response = render(
        request, "team/panel_table.html", viewer=viewer, **_table_context(request, viewer, query)
    )
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response


def _table_context(request: Request, viewer: Viewer, query: PanelQuery) -> dict[str, Any]:
    found = list_panel(get_runtime(request), viewer.actor, query)

    def link(**changes: object) -> str:
        """The panel's address with this query, changed as given (defaults left out)."""
        fields = {"q": query.search, "only": query.only.value, "sort": query.sort.value}
        fields.update({k: str(v) for k, v in changes.items()})
        defaults = {"q": "", "only": PanelFilter.EVERYONE.value, "sort": PanelSort.ATTENTION.value}
        kept = {k: v for k, v in fields.items() if v and defaults.get(k) != v}
        return "/team" + (f"?{urlencode(kept)}" if kept else "")

    return {
        "panel": found,
        "query": query,
        "link": link,
        "filters": FILTERS,
        "columns": COLUMNS,
        "table_id": TABLE_ID,
        "words": team_words,
    }
