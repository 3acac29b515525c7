"""The patient's home: the next dose, an overdue banner, pens out of the fridge, what comes next."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.web.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
