"""The whole dose plan, a month calendar, and the calendar download and subscription."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.web.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
