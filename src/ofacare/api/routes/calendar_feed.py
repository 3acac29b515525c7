"""Calendar feed: the patient creates, replaces or revokes a secret subscription address.

`router` (under /api/v1) manages the address; `feed_router` serves the feed itself at
/calendar/{token}.ics, outside /api/v1 and without sign-in, because calendar apps subscribe to it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ofacare.api.auth import CurrentActor, RuntimeDep, client_address
from ofacare.api.models import ERROR_RESPONSES, ErrorBody, Out
from ofacare.services import calendar_feed

router = APIRouter(tags=["calendar_feed"], responses=ERROR_RESPONSES)
feed_router = APIRouter(tags=["calendar_feed"])
CALENDAR_TYPE = "text/calendar; charset=utf-8"


class FeedOut(Out):
    url: str
    """Shown once: ofacare keeps only a hash of it. Subscribe to it in your calendar app."""


@router.post("/patients/{patient_id}/calendar-feed", response_model=FeedOut, status_code=201)
def create_feed(patient_id: str, runtime: RuntimeDep, actor: CurrentActor) -> FeedOut:
    """Create your calendar feed address (the patient), or replace it: the old one stops working.
    Anyone with the address sees your dose dates, so keep it private."""
    return FeedOut(url=calendar_feed.create_feed(runtime, actor, patient_id).url)


@router.delete("/patients/{patient_id}/calendar-feed", status_code=204, response_class=Response)
def revoke_feed(patient_id: str, runtime: RuntimeDep, actor: CurrentActor) -> Response:
    """Revoke your calendar feed address: subscribed calendar apps get 404 from now on."""
    calendar_feed.revoke_feed(runtime, actor, patient_id)
    return Response(status_code=204)


@feed_router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "The iCalendar of upcoming doses"},
        404: {"model": ErrorBody, "description": "Unknown, replaced or revoked feed address"},
    },
)
def read_feed(token: str, request: Request, runtime: RuntimeDep) -> Response:
    """The upcoming doses as iCalendar (RFC 5545), at the patient's reminder time and timezone,
    with reminders the evening before and at the time. No sign-in: the address is the secret."""
    data = calendar_feed.read_feed(runtime, token, address=client_address(request))
    return Response(
        content=data,
        media_type=CALENDAR_TYPE,
        headers={"Cache-Control": "no-store", "Content-Disposition": "inline; filename=doses.ics"},
    )
