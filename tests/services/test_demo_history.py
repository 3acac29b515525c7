"""The demo history `make run` adds: valid through the use cases, and a panel with alerts."""

from __future__ import annotations

from sqlalchemy import func, select

from ofacare.records.tables import Alert, Injection, LabResult
from ofacare.services.demo_history import add_demo_history
from ofacare.services.runtime import Runtime
from ofacare.services.setup import seed_demo


def test_demo_history_gives_the_panel_a_low_igg_and_a_missed_dose(runtime: Runtime) -> None:
    seed_demo(runtime)
    summary = add_demo_history(runtime)
    with runtime.database.reading() as session:
        keys = set(session.scalars(select(Alert.key)))
        labs = session.scalar(select(func.count()).select_from(LabResult))
        injections = session.scalar(select(func.count()).select_from(Injection))
    assert summary.alerts >= 2
    assert any("igg" in key.lower() for key in keys), keys
    assert any("late-7" in key for key in keys), keys
    assert labs == 10
    assert injections > 20
