"""Routes: calendar_feed (being written)."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.api.models import ERROR_RESPONSES

router = APIRouter(tags=["calendar_feed"], responses=ERROR_RESPONSES)
