"""Alerts for the care team: raised once per event by the daily sweep, acknowledged with a reason.

`raise_alert` is what the sweep calls; the (patient, key) pair makes a second sweep add nothing.
Clinicians see the open alerts of their panel, most severe first, and acknowledge them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import StringConstraints
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ofacare.errors import Conflict, NotAllowed, NotFound
from ofacare.records.tables import Alert
from ofacare.safety.finding import Severity
from ofacare.services.access import (
    Actor,
    Permission,
    Role,
    open_patient,
    record_access,
    visible_patients_query,
)
from ofacare.services.forms import Form
from ofacare.services.runtime import Runtime

MAX_ALERTS = 500  # one page of a panel's alerts; more than this is a backlog, not a list
MAX_KEY_LENGTH = 120  # the column's width
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ALL = "all"


class AcknowledgementForm(Form):
    """Why the alert needs nothing more (or what was done about it)."""

    reason: Reason


@dataclass(frozen=True, slots=True)
class PanelAlert:
    """An alert with the name of the patient it is about."""

    alert: Alert
    patient_name: str


def raise_alert(
    session: Session,
    *,
    patient_id: str,
    key: str,
    code: str,
    severity: str,
    title: str,
    message: str,
    facts: list[str],
    raised_on: date,
    now: datetime,
) -> Alert | None:
    """Insert an alert unless the patient has one with this key already (then None).

    A concurrent sweep inserting the same key loses on the unique constraint inside a
    savepoint, so the caller's transaction carries on either way.
    """
    Severity(severity)  # a ValueError here is a bug in the caller, not bad input from a person
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise ValueError(f"alert key {key[:40]!r} must be 1 to {MAX_KEY_LENGTH} characters")
    if _find_by_key(session, patient_id, key) is not None:
        return None
    alert = Alert(
        patient_id=patient_id,
        key=key,
        code=code,
        severity=severity,
        title=title,
        message=message,
        facts=list(facts),
        raised_on=raised_on,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        return None
    return alert


def _find_by_key(session: Session, patient_id: str, key: str) -> Alert | None:
    query = select(Alert).where(Alert.patient_id == patient_id, Alert.key == key)
    return session.scalar(query)


def list_panel_alerts(
    runtime: Runtime,
    actor: Actor,
    *,
    status: AlertStatus = AlertStatus.OPEN,
    patient_id: str | None = None,
) -> list[PanelAlert]:
    """A clinician's alerts across their panel (or one patient of it), most severe first."""
    if actor.role is not Role.CLINICIAN:
        raise NotAllowed(
            "access.not-allowed",
            f"A {actor.role} account has no panel of alerts.",
            "Alerts are for the care team; see a patient's own alerts on their record.",
        )
    now = runtime.now()
    with runtime.database.writing() as session:
        if patient_id is not None:
            open_patient(
                session, actor, patient_id, permission=Permission.READ, action="alert.list", now=now
            )
        visible = visible_patients_query(actor).subquery()
        query = (
            select(Alert, visible.c.given_name, visible.c.family_name)
            .join(visible, visible.c.id == Alert.patient_id)
            .where(*_status_filter(status))
        )
        if patient_id is not None:
            query = query.where(Alert.patient_id == patient_id)
        rows = session.execute(query).all()
        found = [PanelAlert(alert, f"{given} {family}") for alert, given, family in rows]
        ordered = sort_alerts([p.alert for p in found])[:MAX_ALERTS]
        names = {p.alert.id: p.patient_name for p in found}
        if patient_id is None:
            for shown in sorted({a.patient_id for a in ordered}):
                record_access(session, actor, action="alert.list", patient_id=shown, now=now)
        return [PanelAlert(a, names[a.id]) for a in ordered]


def list_patient_alerts(
    runtime: Runtime, actor: Actor, patient_id: str, *, status: AlertStatus = AlertStatus.ALL
) -> list[Alert]:
    """One patient's alerts, most severe first (patients and caregivers may read them too)."""
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.READ,
            action="alert.read",
            now=runtime.now(),
        )
        query: Select[Any] = select(Alert).where(
            Alert.patient_id == patient_id, *_status_filter(status)
        )
        return sort_alerts(session.scalars(query))[:MAX_ALERTS]


def acknowledge_alert(
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    alert_id: str,
    form: AcknowledgementForm,
) -> Alert:
    """A clinician closes an alert with a reason; the same acknowledgement again is a no-op."""
    now = runtime.now()
    with runtime.database.writing() as session:
        open_patient(
            session,
            actor,
            patient_id,
            permission=Permission.CLINICAL,
            action="alert.acknowledge",
            now=now,
        )
        alert = session.get(Alert, alert_id) if len(alert_id) <= MAX_KEY_LENGTH else None
        if alert is None or alert.patient_id != patient_id:
            raise NotFound(
                "alert.no-such-alert",
                f"alert id: '{alert_id[:40]}' is not an alert of this patient.",
                "List the patient's alerts to see their ids.",
            )
        if alert.acknowledged_at is not None:
            same = (alert.acknowledged_by, alert.acknowledgement_reason)
            if same == (actor.user_id, form.reason):
                return alert  # a retry of the same acknowledgement
            raise Conflict(
                "alert.already-acknowledged",
                f"alert id: '{alert_id}' was acknowledged on {alert.acknowledged_at:%Y-%m-%d}.",
                "It needs nothing more; read its reason in the patient's alerts.",
            )
        alert.acknowledged_at = now
        alert.acknowledged_by = actor.user_id
        alert.acknowledgement_reason = form.reason
        return alert


def sort_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Most severe first, then the newest; severities ofacare does not know go last."""
    ranks = {severity.value: severity.rank for severity in Severity}
    newest_first = sorted(alerts, key=lambda a: (a.raised_on, a.created_at), reverse=True)
    return sorted(newest_first, key=lambda a: ranks.get(a.severity, len(ranks)))


def _status_filter(status: AlertStatus) -> list[Any]:
    if status is AlertStatus.OPEN:
        return [Alert.acknowledged_at.is_(None)]
    if status is AlertStatus.ACKNOWLEDGED:
        return [Alert.acknowledged_at.is_not(None)]
    return []
