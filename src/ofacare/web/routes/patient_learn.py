"""Learn: questions answered with sources, the patient guide, what the medicine does in the body."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.web.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
