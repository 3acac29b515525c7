"""Routes: injections (being written)."""

from __future__ import annotations

from fastapi import APIRouter

from ofacare.api.models import ERROR_RESPONSES

router = APIRouter(tags=["injections"], responses=ERROR_RESPONSES)
