"""Alerts: raised once per (patient, key) by the sweep, listed most severe first for the care team,
acknowledged with a reason by clinicians only."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from ofacare.errors import Conflict, NotAllowed, NotFound
from ofacare.records.tables import Alert, AuditEntry
from ofacare.services import alerts as alerts_module
from ofacare.services.alerts import (
    AcknowledgementForm,
    AlertStatus,
    acknowledge_alert,
    list_panel_alerts,
    list_patient_alerts,
    raise_alert,
)
from ofacare.services.runtime import Runtime
from tests.people import build_world

RAISED_ON = date(2026, 3, 2)


def raise_one(runtime: Runtime, patient_id: str, key: str, severity: str = "refer") -> Alert | None:
    with runtime.database.writing() as session:
        return raise_alert(
            session,
            patient_id=patient_id,
            key=key,
            code="dose.late-7",
            severity=severity,
            title=f"Alert {key}",
            message="Dose 5 is 7 days late. Call the patient.",
            facts=["dosing.late-care-team-alert"],
            raised_on=RAISED_ON,
            now=runtime.now(),
        )


def alert_count(runtime: Runtime) -> int:
    with runtime.database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Alert)) or 0)


def test_an_alert_is_raised_once_per_patient_and_key(runtime):
    world = build_world(runtime)
    first = raise_one(runtime, world.patient_id, "dose-5:late-7")
    again = raise_one(runtime, world.patient_id, "dose-5:late-7")
    other_patient = raise_one(runtime, world.other_patient_id, "dose-5:late-7")
    assert first is not None and again is None and other_patient is not None
    assert alert_count(runtime) == 2


def test_a_duplicate_key_in_the_same_transaction_returns_none_and_keeps_the_first(runtime):
    world = build_world(runtime)
    with runtime.database.writing() as session:
        values = dict(
            patient_id=world.patient_id,
            key="pen:A1:discard",
            code="pen.discard",
            severity="caution",
            title="Pen",
            message="Discard pen A1.",
            facts=[],
            raised_on=RAISED_ON,
            now=runtime.now(),
        )
        assert raise_alert(session, **values) is not None
        assert raise_alert(session, **values) is None
    assert alert_count(runtime) == 1


def test_a_key_another_sweep_committed_meanwhile_loses_on_the_constraint_and_work_goes_on(
    runtime, monkeypatch
):
    """Two sweeps can both find no row before either inserts; the savepoint absorbs the loser."""
    world = build_world(runtime)
    raise_one(runtime, world.patient_id, "igg:low:2026-03-01")
    monkeypatch.setattr(alerts_module, "_find_by_key", lambda *_: None)  # the check came too early
    with runtime.database.writing() as session:
        values = dict(
            patient_id=world.patient_id,
            code="ig.low",
            severity="refer",
            title="IgG",
            message="m",
            facts=[],
            raised_on=RAISED_ON,
            now=runtime.now(),
        )
        assert raise_alert(session, key="igg:low:2026-03-01", **values) is None
        assert raise_alert(session, key="igm:low:2026-03-01", **values) is not None
    assert alert_count(runtime) == 2


def test_an_unknown_severity_is_a_bug_in_the_caller(runtime):
    world = build_world(runtime)
    with pytest.raises(ValueError):
        raise_one(runtime, world.patient_id, "k", severity="very-bad")


def test_the_panel_lists_open_alerts_most_severe_first(runtime):
    world = build_world(runtime)
    raise_one(runtime, world.patient_id, "caution-1", severity="caution")
    raise_one(runtime, world.patient_id, "refer-1", severity="refer")
    raise_one(runtime, world.patient_id, "info-1", severity="info")
    raise_one(runtime, world.other_patient_id, "other-team", severity="do_not_start")
    panel = list_panel_alerts(runtime, world.clinician)
    assert [p.alert.key for p in panel] == ["refer-1", "caution-1", "info-1"]
    assert {p.patient_name for p in panel} == {"Robin Ellis"}


def test_acknowledged_alerts_leave_the_open_list_and_join_the_acknowledged_one(runtime):
    world = build_world(runtime)
    alert = raise_one(runtime, world.patient_id, "dose-5:late-7")
    raise_one(runtime, world.patient_id, "dose-6:late-7")
    acknowledge_alert(
        runtime,
        world.clinician,
        world.patient_id,
        alert.id,
        AcknowledgementForm(reason="Phoned: dose given yesterday"),
    )
    open_keys = [p.alert.key for p in list_panel_alerts(runtime, world.clinician)]
    done = list_panel_alerts(runtime, world.clinician, status=AlertStatus.ACKNOWLEDGED)
    everything = list_patient_alerts(runtime, world.patient, world.patient_id)
    assert open_keys == ["dose-6:late-7"]
    assert [p.alert.acknowledgement_reason for p in done] == ["Phoned: dose given yesterday"]
    assert len(everything) == 2


def test_the_panel_filters_to_one_patient_and_refuses_one_outside_it(runtime):
    world = build_world(runtime)
    raise_one(runtime, world.patient_id, "a")
    assert len(list_panel_alerts(runtime, world.clinician, patient_id=world.patient_id)) == 1
    with pytest.raises(NotFound):
        list_panel_alerts(runtime, world.clinician, patient_id=world.other_patient_id)


def test_only_clinicians_have_a_panel_of_alerts(runtime):
    world = build_world(runtime)
    for actor in (world.patient, world.caregiver, world.admin):
        with pytest.raises(NotAllowed):
            list_panel_alerts(runtime, actor)


def test_only_clinicians_acknowledge_and_the_reason_is_required(runtime):
    world = build_world(runtime)
    alert = raise_one(runtime, world.patient_id, "a")
    with pytest.raises(NotAllowed):
        acknowledge_alert(
            runtime, world.patient, world.patient_id, alert.id, AcknowledgementForm(reason="seen")
        )
    with pytest.raises(ValidationError):
        AcknowledgementForm(reason="   ")
    with pytest.raises(ValidationError):
        AcknowledgementForm(reason="x" * 501)
    assert AcknowledgementForm(reason="x" * 500).reason == "x" * 500


def test_acknowledging_again_the_same_way_returns_it_and_differently_conflicts(runtime, clock):
    world = build_world(runtime)
    alert = raise_one(runtime, world.patient_id, "a")
    form = AcknowledgementForm(reason="Reviewed labs")
    first = acknowledge_alert(runtime, world.clinician, world.patient_id, alert.id, form)
    clock.advance(minutes=5)
    again = acknowledge_alert(runtime, world.clinician, world.patient_id, alert.id, form)
    assert again.acknowledged_at == first.acknowledged_at
    with pytest.raises(Conflict) as raised:
        acknowledge_alert(
            runtime,
            world.clinician,
            world.patient_id,
            alert.id,
            AcknowledgementForm(reason="Something else"),
        )
    assert raised.value.code == "alert.already-acknowledged"


def test_an_alert_of_another_patient_is_not_found_under_this_one(runtime):
    world = build_world(runtime)
    other = raise_one(runtime, world.other_patient_id, "a")
    with pytest.raises(NotFound) as raised:
        acknowledge_alert(
            runtime, world.clinician, world.patient_id, other.id, AcknowledgementForm(reason="x")
        )
    assert raised.value.code == "alert.no-such-alert"


def test_listing_the_panel_audits_each_patient_shown(runtime):
    world = build_world(runtime)
    raise_one(runtime, world.patient_id, "a")
    list_panel_alerts(runtime, world.clinician)
    with runtime.database.reading() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.patient_id).where(
                AuditEntry.user_id == world.clinician.user_id
            )
        ).all()
    assert rows == [("alert.list", world.patient_id)]
