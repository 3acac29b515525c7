"""The whole dose plan, a month calendar, and the calendar download and subscription."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from ofacare.errors import Conflict, InvalidInput
from ofacare.regimen import DoseStatus, ScheduledDose
from ofacare.services import calendar_feed, dose_calendar
from ofacare.services.access import Actor, Role
from ofacare.services.runtime import Runtime
from ofacare.services.schedule import MAX_COUNT, Schedule, get_schedule
from ofacare.web.frames import PatientFrame, open_patient_frame, render_patient_page
from ofacare.web.month_calendar import MonthGrid, build_month, month_key, parse_month
from ofacare.web.route import PageRoute
from ofacare.web.session import get_runtime, read_form, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)

NO_PRESCRIPTION = "schedule.no-prescription"
UPCOMING_IN_TABLE = 12  # a year of doses in the table; the calendar goes further


def find_schedule(
    runtime: Runtime, actor: Actor, patient_id: str, *, count: int = 12
) -> Schedule | None:
    """The schedule of the active course, or None when there is no active prescription."""
    try:
        return get_schedule(runtime, actor, patient_id, count=count)
    except Conflict as exc:
        if exc.code == NO_PRESCRIPTION:
            return None
        raise


def upcoming(schedule: Schedule, limit: int) -> list[ScheduledDose]:
    """The next `limit` doses not yet taken, the next one first."""
    return [d for d in schedule.plan.doses if d.status is not DoseStatus.TAKEN][:limit]


@router.get("/p/{patient_id}/schedule")
def schedule_page(
    request: Request,
    patient_id: str,
    month: Annotated[str | None, Query(max_length=7, pattern=r"^\d{4}-\d{2}$")] = None,
    feed: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    viewer = require_viewer(request)
    frame = open_patient_frame(request, viewer, patient_id, "schedule")
    return _schedule_response(request, frame, month=month, notice=feed, feed_url=None)


@router.get("/p/{patient_id}/schedule.ics")
def download(request: Request, patient_id: str) -> Response:
    """The upcoming doses as a calendar file to import once."""
    viewer = require_viewer(request)
    data = dose_calendar.download_calendar(get_runtime(request), viewer.actor, patient_id)
    return Response(
        content=data,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="kesimpta-doses.ics"',
        },
    )


@router.post("/p/{patient_id}/schedule/feed")
async def create_feed(request: Request, patient_id: str) -> Response:
    """Make the private feed address and show it this once (only its hash is kept)."""
    viewer = require_viewer(request, Role.PATIENT)
    await read_form(request, viewer)
    frame = open_patient_frame(request, viewer, patient_id, "schedule")
    created = calendar_feed.create_feed(get_runtime(request), viewer.actor, patient_id)
    return _schedule_response(request, frame, month=None, notice=None, feed_url=created.url)


@router.post("/p/{patient_id}/schedule/feed/revoke")
async def revoke_feed(request: Request, patient_id: str) -> Response:
    viewer = require_viewer(request, Role.PATIENT)
    await read_form(request, viewer)
    calendar_feed.revoke_feed(get_runtime(request), viewer.actor, patient_id)
    return RedirectResponse(f"/p/{patient_id}/schedule?feed=revoked", status_code=303)


def _schedule_response(
    request: Request,
    frame: PatientFrame,
    *,
    month: str | None,
    notice: str | None,
    feed_url: str | None,
) -> Response:
    runtime = get_runtime(request)
    actor = frame.viewer.actor
    schedule = find_schedule(runtime, actor, frame.patient.id, count=MAX_COUNT)
    owner = frame.viewer.role is Role.PATIENT
    return render_patient_page(
        request,
        frame,
        "patient/schedule.html",
        schedule=schedule,
        owner=owner,
        feed_on=owner and dose_calendar.has_feed(runtime, actor, frame.patient.id),
        feed_url=feed_url,
        notice=notice if notice == "revoked" else None,
        doses_shown=_table_doses(schedule) if schedule else [],
        grid=_month_grid(schedule, month, frame) if schedule else None,
        month_key=month_key,
    )


def _table_doses(schedule: Schedule) -> list[ScheduledDose]:
    """Every dose taken, then the next year's."""
    taken = [d for d in schedule.plan.doses if d.status is DoseStatus.TAKEN]
    return taken + upcoming(schedule, UPCOMING_IN_TABLE)


def _month_grid(schedule: Schedule, month: str | None, frame: PatientFrame) -> MonthGrid:
    try:
        first = parse_month(month, today=schedule.plan.as_of)
    except ValueError as exc:
        raise InvalidInput("schedule.bad-month", str(exc), "Use the calendar's links.") from None
    return build_month(schedule.plan, first, first_weekday=frame.reader.locale.first_week_day)
