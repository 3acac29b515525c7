"""Routes: screening (being written)."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.api.models import ERROR_RESPONSES

router = APIRouter(tags=["screening"], responses=ERROR_RESPONSES)
