"""Alerts: a clinician's panel of open alerts, one patient's alerts, and acknowledging one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from ofacare.api.auth import CurrentActor, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.services import alerts
from ofacare.services.alerts import AcknowledgementForm, AlertStatus

router = APIRouter(tags=["alerts"], responses=ERROR_RESPONSES)


class AlertOut(Out):
    id: str
    patient_id: str
    code: str
    severity: str
    """do_not_start, refer, wait, caution or info; lists put the most serious first."""
    title: str
    message: str
    facts: list[str]
    raised_on: date
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledgement_reason: str | None


class PanelAlertOut(AlertOut):
    patient_name: str


@router.get("/alerts", response_model=list[PanelAlertOut])
def list_panel_alerts(
    runtime: RuntimeDep,
    actor: CurrentActor,
    status: Annotated[AlertStatus, Query(description="open, acknowledged or all.")] = (
        AlertStatus.OPEN
    ),
    patient_id: Annotated[str | None, Query(max_length=36)] = None,
) -> list[PanelAlertOut]:
    """Alerts across your panel (clinicians), most severe first, then the newest."""
    found = alerts.list_panel_alerts(runtime, actor, status=status, patient_id=patient_id)
    return [
        PanelAlertOut(**AlertOut.model_validate(p.alert).model_dump(), patient_name=p.patient_name)
        for p in found
    ]


@router.get("/patients/{patient_id}/alerts", response_model=list[AlertOut])
def list_patient_alerts(
    patient_id: str,
    runtime: RuntimeDep,
    actor: CurrentActor,
    status: Annotated[AlertStatus, Query(description="open, acknowledged or all.")] = (
        AlertStatus.ALL
    ),
) -> list[AlertOut]:
    """One patient's alerts, most severe first (the patient and their caregivers see them too)."""
    found = alerts.list_patient_alerts(runtime, actor, patient_id, status=status)
    return [AlertOut.model_validate(a) for a in found]


@router.post("/patients/{patient_id}/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge_alert(
    patient_id: str,
    alert_id: str,
    body: AcknowledgementForm,
    runtime: RuntimeDep,
    actor: CurrentActor,
) -> AlertOut:
    """Acknowledge an alert with a reason (clinicians; 1-500 characters).

    Sending the same acknowledgement again returns it unchanged; acknowledging an alert that was
    acknowledged differently (another reason or clinician) is a 409.
    """
    return AlertOut.model_validate(
        alerts.acknowledge_alert(runtime, actor, patient_id, alert_id, body)
    )
