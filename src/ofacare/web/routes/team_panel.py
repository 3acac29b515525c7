"""The MS team's panel: every patient, alerts needing action first, sortable and filterable."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.web.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
