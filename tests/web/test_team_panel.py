"""The MS team's panel: the demo team's patients, sorted and filtered, alerts needing action first,
acknowledged with a reason; only the clinician's own team; tested without and with a browser."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ofacare.records.tables import Alert, AuditEntry, CareTeam, Patient, User
from ofacare.services.alerts import raise_alert
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from ofacare.services.sweep import run_sweep
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client

ROW_NAME = re.compile(r'<th scope="row"><a href="/team/patients/[^"]+">([^<]+)</a></th>')


def patient_ids(runtime: Runtime) -> dict[str, str]:
    """The demo patients' ids by given name."""
    with runtime.database.reading() as session:
        return {p.given_name: p.id for p in session.scalars(select(Patient))}


def row_names(html: str) -> list[str]:
    return ROW_NAME.findall(html)


def raise_demo_alert(runtime: Runtime, patient_id: str, *, severity: str = "refer") -> str:
    with runtime.database.writing() as session:
        alert = raise_alert(
            session,
            patient_id=patient_id,
            key="dose-3:late-7",
            code="dose.late-7",
            severity=severity,
            title="Dose 3 is 7 days late",
            message="Call the patient about the missed dose.",
            facts=["dosing.late-care-team-alert"],
            raised_on=runtime.now().date(),
            now=runtime.now(),
        )
        assert alert is not None
        return alert.id


@pytest.fixture
def nurse(pages: TestClient, demo: dict[str, DemoAccount]) -> str:
    """The demo nurse, signed in; the form token."""
    return sign_in_client(pages, demo["clinician"].email, demo["clinician"].password)


def test_the_panel_lists_the_demo_teams_three_patients_most_overdue_first(pages, nurse):
    answer = pages.get("/team")
    assert answer.status_code == 200
    names = row_names(answer.text)
    assert sorted(names) == ["Brown, Casey", "Lee, Jordan", "Morgan, Alex"]
    overdue = [int(n) for n in re.findall(r"(\d+) days? overdue", answer.text)]
    assert overdue == sorted(overdue, reverse=True) and 4 in overdue  # Alex: dose 3, 4 days
    assert "3 patients on your panel." in answer.text
    assert "Missing: HBsAg, anti-HBc, IgG, IgM, pregnancy" in answer.text
    assert "No open alerts" in answer.text


def test_column_headers_sort_the_table_and_say_which_column_is_sorted(pages, nurse):
    by_name = pages.get("/team?sort=name")
    assert row_names(by_name.text) == ["Brown, Casey", "Lee, Jordan", "Morgan, Alex"]
    assert re.search(
        r'<th scope="col" aria-sort="ascending">\s*<a href="/team\?sort=name">', by_name.text
    )
    by_due = pages.get("/team?sort=due")
    assert (
        row_names(by_due.text)[-1] == "Morgan, Alex"
    )  # dose 3 is due later than the others' dose 1
    assert pages.get("/team?sort=sideways").status_code == 422


def test_the_name_search_and_the_filters_keep_only_matching_patients(pages, nurse):
    found = pages.get("/team", params={"q": "morg"})
    assert row_names(found.text) == ["Morgan, Alex"]
    assert "1 of 3 patients match." in found.text
    assert 'value="morg"' in found.text  # the search box keeps what was typed
    assert len(row_names(pages.get("/team?only=overdue").text)) == 3
    assert len(row_names(pages.get("/team?only=screening").text)) == 3
    assert "No patient matches" in pages.get("/team?only=alerts").text


def test_an_htmx_search_gets_the_table_alone(pages, nurse):
    headers = {"HX-Request": "true", "HX-Target": "panel-table"}
    answer = pages.get("/team", params={"q": "lee"}, headers=headers)
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="panel-table"')
    assert "<html" not in answer.text and row_names(answer.text) == ["Lee, Jordan"]


def test_open_alerts_come_first_and_acknowledging_needs_a_reason(pages, nurse, sqlite_runtime):
    alex = patient_ids(sqlite_runtime)["Alex"]
    alert_id = raise_demo_alert(sqlite_runtime, alex)
    panel = pages.get("/team")
    assert row_names(panel.text)[0] == "Morgan, Alex"
    assert "Dose 3 is 7 days late" in panel.text and "Most severe:" in panel.text
    assert "Refer" in panel.text  # the severity in words
    url = f"/team/patients/{alex}/alerts/{alert_id}/acknowledge"
    refused = pages.post(url, data={"csrf_token": nurse, "reason": "   ", "back": "panel"})
    assert refused.status_code == 422
    assert "reason" in refused.text and "Please check the form" in refused.text
    with sqlite_runtime.database.reading() as session:
        assert session.get(Alert, alert_id).acknowledged_at is None  # type: ignore[union-attr]
    done = pages.post(
        url, data={"csrf_token": nurse, "reason": "Phoned; dose today.", "back": "panel"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/team?done=acknowledged"
    with sqlite_runtime.database.reading() as session:
        stored = session.get(Alert, alert_id)
        assert stored is not None and stored.acknowledgement_reason == "Phoned; dose today."
    assert "No open alerts" in pages.get("/team?done=acknowledged").text


def test_acknowledging_needs_the_form_token(pages, nurse, sqlite_runtime):
    alex = patient_ids(sqlite_runtime)["Alex"]
    alert_id = raise_demo_alert(sqlite_runtime, alex)
    url = f"/team/patients/{alex}/alerts/{alert_id}/acknowledge"
    assert pages.post(url, data={"csrf_token": "forged", "reason": "x"}).status_code == 403


def test_another_teams_patient_never_appears(pages, nurse, sqlite_runtime):
    now = sqlite_runtime.now()
    with sqlite_runtime.database.writing() as session:
        team = CareTeam(name="Elsewhere", phone=None, created_at=now)
        session.add(team)
        session.flush()
        stranger = Patient(
            team_id=team.id, given_name="Stranger", family_name="Outside", birth_date=date(1980, 1, 1),
            sex="male", country="GB", timezone="Europe/London", reminder_time=time(9, 0),
            ms_type="RRMS", immunosuppressants=[], created_at=now,
        )  # fmt: skip
        session.add(stranger)
        session.flush()
        stranger_id = stranger.id
    raise_demo_alert(sqlite_runtime, stranger_id)
    panel = pages.get("/team")
    assert "Stranger" not in panel.text and "Outside" not in panel.text
    assert pages.get(f"/team/patients/{stranger_id}").status_code == 404


@pytest.mark.parametrize("role", ["patient", "caregiver", "admin"])
def test_team_pages_are_not_for_patients_caregivers_or_admins(pages, demo, sqlite_runtime, role):
    alex = patient_ids(sqlite_runtime)["Alex"]
    sign_in_client(pages, demo[role].email, demo[role].password)
    for url in ("/team", f"/team/patients/{alex}", "/team/patients/new",
                f"/team/patients/{alex}/summary.pdf", f"/team/patients/{alex}/start"):  # fmt: skip
        assert pages.get(url).status_code == 403, (role, url)


def test_the_panel_view_is_audited_once_per_patient_shown(pages, nurse, sqlite_runtime):
    pages.get("/team", params={"q": "Jordan"})
    with sqlite_runtime.database.reading() as session:
        nurse_id = session.scalar(select(User.id).where(User.role == "clinician"))
        listed = list(
            session.scalars(
                select(AuditEntry.patient_id).where(
                    AuditEntry.action == "patient.list", AuditEntry.user_id == nurse_id
                )
            )
        )
    assert listed == [patient_ids(sqlite_runtime)["Jordan"]]


def test_a_clinician_sees_an_alert_on_the_panel_and_acknowledges_it_with_a_reason(
    page, live_server: LiveServer, demo
):  # type: ignore[no-untyped-def]
    """The demo's dose 3 is 4 days overdue; three days on, the sweep alerts the team."""
    live_server.clock.advance(days=3)
    summary = run_sweep(live_server.runtime, as_of=live_server.clock().date())
    assert summary.alerts >= 1
    sign_in(page, demo["clinician"])
    assert page.url.endswith("/team")
    alerts = page.get_by_role("region", name="Needs action")
    assert alerts.get_by_text("Alex Morgan").count() >= 1
    check_accessibility(page)
    item = page.locator(".alert-item").filter(has_text="Alex Morgan").first
    item.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Please check the form").is_visible()
    check_accessibility(page)  # the error state
    item = page.locator(".alert-item").filter(has_text="Alex Morgan").first
    item.get_by_label("Reason for acknowledging").fill("Phoned Alex: injecting today.")
    item.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The alert is acknowledged").is_visible()
    with live_server.runtime.database.reading() as session:
        reasons = list(session.scalars(select(Alert.acknowledgement_reason)))
    assert "Phoned Alex: injecting today." in reasons


def test_typing_in_the_search_updates_the_table_and_the_address(
    page, live_server: LiveServer, demo
):  # type: ignore[no-untyped-def]
    sign_in(page, demo["clinician"])
    page.get_by_label("Search by name").fill("bro")
    page.wait_for_url(re.compile(r"q=bro"))
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.panel tbody tr")
    assert rows.count() == 1 and "Brown" in rows.first.inner_text()
    page.get_by_role("link", name=re.compile("^Patient")).click()
    page.wait_for_load_state("networkidle")
    assert "sort=name" in page.url and page.get_by_label("Search by name").input_value() == "bro"
    check_accessibility(page)
