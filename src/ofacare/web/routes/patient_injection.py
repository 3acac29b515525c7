"""Log an injection: a body map with the suggested site, a warm-up timer; then the new plan."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.web.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
