"""The diary: side effects, infections and symptoms over time, with a chart."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.web.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
