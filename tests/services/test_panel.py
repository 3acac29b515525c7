"""The care team's panel: one row per patient of the clinician's teams, built in a few batch
queries, filtered, sorted (alerts needing action first) and audited once per patient shown."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import event, select

from ofacare.errors import NotAllowed
from ofacare.records.tables import AuditEntry, Patient
from ofacare.services.panel import PanelFilter, PanelQuery, PanelSort, list_panel
from ofacare.services.runtime import Runtime
from tests.people import World, build_world
from tests.services.test_alerts import raise_one
from tests.services.test_planning import TODAY, prescribe
from tests.services.test_screening import add_lab, complete_screening


def add_patient(runtime: Runtime, team_id: str, given: str, family: str) -> str:
    with runtime.database.writing() as session:
        patient = Patient(
            team_id=team_id,
            given_name=given,
            family_name=family,
            birth_date=date(1988, 1, 9),
            sex="male",
            country="GB",
            timezone="Europe/London",
            reminder_time=time(9, 0),
            ms_type="RRMS",
            immunosuppressants=[],
            created_at=runtime.now(),
        )
        session.add(patient)
        session.flush()
        return patient.id


def rows_by_id(runtime: Runtime, world: World, **query: object):  # type: ignore[no-untyped-def]
    panel = list_panel(runtime, world.clinician, PanelQuery(**query))  # type: ignore[arg-type]
    return {row.patient_id: row for row in panel.rows}, panel


def test_the_panel_holds_the_clinicians_team_only(runtime):
    world = build_world(runtime)
    rows, panel = rows_by_id(runtime, world)
    assert set(rows) == {world.patient_id} and panel.total == 1
    other = list_panel(runtime, world.outsider_clinician)
    assert [row.patient_id for row in other.rows] == [world.other_patient_id]


@pytest.mark.parametrize("role", ["patient", "caregiver", "admin"])
def test_only_clinicians_have_a_panel(runtime, role):
    world = build_world(runtime)
    with pytest.raises(NotAllowed):
        list_panel(runtime, getattr(world, role))


def test_a_row_tells_the_next_dose_and_how_many_days_it_is_overdue(runtime):
    world = build_world(runtime)
    prescribe(runtime, world.patient_id, start=TODAY - timedelta(days=12))
    waiting = add_patient(runtime, world.team_id, "Ari", "Zed")
    rows, _ = rows_by_id(runtime, world)
    late = rows[world.patient_id]
    assert late.has_course and late.next_dose is not None and late.next_dose.number == 1
    assert late.overdue_days == 12
    assert rows[waiting].next_dose is None and rows[waiting].overdue_days == 0


def test_screening_status_is_the_checklists_verdict(runtime):
    world = build_world(runtime, start_on=TODAY + timedelta(days=10))
    rows, _ = rows_by_id(runtime, world)
    screening = rows[world.patient_id].screening
    assert not screening.complete
    assert set(screening.missing) == {"HBsAg", "anti-HBc", "IgG", "IgM", "pregnancy"}
    complete_screening(runtime, world)
    rows, _ = rows_by_id(runtime, world)
    assert rows[world.patient_id].screening.complete


def test_the_last_immunoglobulins_are_flagged_low_by_the_laboratorys_limit_or_the_trials(runtime):
    """PRE-2: the laboratory's lower limit first, the trials' limit (5.65 g/L IgG) without one."""
    world = build_world(runtime)
    add_lab(
        runtime, world, test="IgG", value=9.0, unit="g/L", collected_on=TODAY - timedelta(days=40)
    )
    add_lab(
        runtime, world, test="IgG", value=6.0, unit="g/L", reference_low=7.0, reference_high=16.0
    )
    add_lab(runtime, world, test="IgM", value=0.5, unit="g/L")
    row = rows_by_id(runtime, world)[0][world.patient_id]
    assert row.igg is not None and row.igg.value == 6.0 and row.igg.low
    assert row.igm is not None and not row.igm.low  # 0.5 is above the trials' 0.40 g/L
    add_lab(runtime, world, test="IgM", value=0.39, unit="g/L", collected_on=TODAY)
    assert rows_by_id(runtime, world)[0][world.patient_id].igm.low


def test_open_alerts_count_and_the_most_severe_is_named(runtime):
    world = build_world(runtime)
    raise_one(runtime, world.patient_id, "a", severity="caution")
    raise_one(runtime, world.patient_id, "b", severity="refer")
    row = rows_by_id(runtime, world)[0][world.patient_id]
    assert row.open_alerts == 2 and row.worst_alert is not None and row.worst_alert.value == "refer"


def test_alerts_needing_action_come_first_then_the_most_overdue(runtime):
    world = build_world(runtime)
    overdue = add_patient(runtime, world.team_id, "Bo", "Adams")
    prescribe(runtime, overdue, start=TODAY - timedelta(days=30))
    quiet = add_patient(runtime, world.team_id, "Cy", "Able")
    raise_one(runtime, world.patient_id, "dose-1:late-7")
    panel = list_panel(runtime, world.clinician)
    assert [r.patient_id for r in panel.rows] == [world.patient_id, overdue, quiet]
    by_name = list_panel(runtime, world.clinician, PanelQuery(sort=PanelSort.NAME))
    assert [r.family_name for r in by_name.rows] == ["Able", "Adams", "Ellis"]


def test_the_search_and_filters_keep_only_matching_rows(runtime):
    world = build_world(runtime)
    overdue = add_patient(runtime, world.team_id, "Bo", "Adams")
    prescribe(runtime, overdue, start=TODAY - timedelta(days=30))
    rows, panel = rows_by_id(runtime, world, search="bo ada")
    assert set(rows) == {overdue} and (panel.matching, panel.total) == (1, 2)
    assert set(rows_by_id(runtime, world, only=PanelFilter.OVERDUE)[0]) == {overdue}
    assert rows_by_id(runtime, world, only=PanelFilter.ALERTS)[0] == {}
    raise_one(runtime, world.patient_id, "k")
    assert set(rows_by_id(runtime, world, only=PanelFilter.ALERTS)[0]) == {world.patient_id}


def test_each_patient_shown_leaves_one_audit_entry(runtime):
    world = build_world(runtime)
    add_patient(runtime, world.team_id, "Bo", "Adams")
    list_panel(runtime, world.clinician, PanelQuery(search="Ellis"))
    with runtime.database.reading() as session:
        entries = list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == "patient.list"))
        )
    assert [(e.patient_id, e.user_id) for e in entries] == [
        (world.patient_id, world.clinician.user_id)
    ]


def test_a_big_panel_is_paged_and_loaded_in_the_same_few_queries(runtime):
    world = build_world(runtime)
    few = _count_queries(runtime, lambda: list_panel(runtime, world.clinician))
    for number in range(120):
        patient_id = add_patient(runtime, world.team_id, f"P{number:03}", f"Family{number:03}")
        if number % 3 == 0:
            prescribe(runtime, patient_id, start=TODAY - timedelta(days=number))
    many = _count_queries(runtime, lambda: list_panel(runtime, world.clinician))
    assert many == few  # batch queries: the count does not grow with the panel
    first = list_panel(runtime, world.clinician)
    second = list_panel(runtime, world.clinician, PanelQuery(page=2))
    assert (first.pages, len(first.rows), len(second.rows)) == (2, 100, 21)
    assert not {r.patient_id for r in first.rows} & {r.patient_id for r in second.rows}


def _count_queries(runtime: Runtime, call) -> int:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = runtime.database.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return len(statements)
