"""Finding the demo patient and acting as a demo account in the patient page tests."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from ofacare.records.tables import User
from ofacare.services.access import Actor, Role
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DEMO_DOMAIN


def demo_patient_id(pages: TestClient) -> str:
    """The id of the record a signed-in patient or caregiver lands on."""
    answer = pages.get("/choose")
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"]).rstrip("/").rsplit("/", 1)[1]


def demo_actor(runtime: Runtime, role: str) -> Actor:
    """The demo account of `role` as the use cases see it."""
    with runtime.database.writing() as session:
        user = session.scalar(select(User).where(User.email == f"{role}@{DEMO_DOMAIN}"))
        assert user is not None, role
        return Actor(user_id=user.id, role=Role(user.role), address="127.0.0.1")
