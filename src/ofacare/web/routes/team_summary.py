"""The printable visit summary: the same page as HTML (to print from the browser) and as an A4 PDF.

Both come from one template: the PDF is that page laid out by WeasyPrint, charts included as
inline SVG. Generating it is audited (services.visit_summary).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ofacare.guide.render import render_pdf
from ofacare.services.access import Role
from ofacare.services.visit_summary import VisitSummary, build_visit_summary
from ofacare.web.frames import TEAM_NAV, PatientFrame, open_patient_frame
from ofacare.web.localisation import N_
from ofacare.web.rendering import render
from ofacare.web.route import PageRoute
from ofacare.web.routes import team_words
from ofacare.web.routes.team_labs import build_lab_views
from ofacare.web.routes.team_patient import timeline
from ofacare.web.session import get_runtime, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/team/patients/{patient_id}/summary")
def summary_page(request: Request, patient_id: str) -> Response:
    """The visit summary as a page, laid out for printing."""
    viewer = require_viewer(request, Role.CLINICIAN)
    frame = open_patient_frame(request, viewer, patient_id, "team")
    summary = build_visit_summary(get_runtime(request), viewer.actor, patient_id)
    return render(
        request,
        "team/summary.html",
        viewer=viewer,
        reader=frame.reader,
        title=N_("Visit summary"),
        nav=TEAM_NAV,
        current="",
        **_context(request, frame, summary),
    )


@router.get("/team/patients/{patient_id}/summary.pdf")
def summary_pdf(request: Request, patient_id: str) -> Response:
    """The visit summary as an A4 PDF, named for the patient and the day."""
    viewer = require_viewer(request, Role.CLINICIAN)
    frame = open_patient_frame(request, viewer, patient_id, "team")
    summary = build_visit_summary(get_runtime(request), viewer.actor, patient_id)
    page = render(
        request,
        "team/summary_pdf.html",
        viewer=viewer,
        reader=frame.reader,
        **_context(request, frame, summary),
    )
    document = render_pdf(bytes(page.body).decode("utf-8"))
    day = frame.reader.local(summary.generated_at).date().isoformat()
    filename = f"visit-summary-{day}.pdf"
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _context(request: Request, frame: PatientFrame, summary: VisitSummary) -> dict[str, Any]:
    review = summary.review
    charted, other = build_lab_views(review.labs, kb=get_runtime(request).kb, reader=frame.reader)
    return {
        "patient": frame.patient,
        "summary": summary,
        "review": review,
        "record": review.patient,
        "timeline": timeline(review.schedule.plan) if review.schedule else [],
        "charted": charted,
        "other_labs": other,
        "words": team_words,
    }
