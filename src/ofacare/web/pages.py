"""Mount the pages and their static files on the service app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from ofacare.web.routes import (
    admin,
    entry,
    patient_diary,
    patient_home,
    patient_injection,
    patient_learn,
    patient_plan,
    patient_schedule,
    patient_settings,
    patient_symptoms,
    team_new_patient,
    team_panel,
    team_patient,
    team_recording,
    team_summary,
)

STATIC = Path(__file__).parent / "static"
ROUTERS = (
    entry.router,
    patient_home.router,
    patient_injection.router,
    patient_schedule.router,
    patient_symptoms.router,
    patient_diary.router,
    patient_plan.router,
    patient_learn.router,
    patient_settings.router,
    team_panel.router,
    team_new_patient.router,  # before team_patient: /team/patients/new is not a patient id
    team_patient.router,
    team_recording.router,
    team_summary.router,
    admin.router,
)


def install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
