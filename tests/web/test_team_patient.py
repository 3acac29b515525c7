"""A patient seen by the MS team: doses, checklist with one-click results, labs over time, triage,
vaccines, notes (team only), alerts, the visit summary (PDF), a new patient and the start date."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from ofacare.records.tables import (
    AuditEntry,
    ClinicalNote,
    LabResult,
    Patient,
    Prescription,
    User,
    Vaccination,
)
from ofacare.services.access import Actor, Role
from ofacare.services.diary import DiaryForm, record_diary_entry
from ofacare.services.labs import LabForm, record_lab
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client
from tests.web.test_team_panel import patient_ids, raise_demo_alert

TODAY = date(2026, 3, 2)  # the test clock's day


@pytest.fixture
def nurse(pages: TestClient, demo: dict[str, DemoAccount]) -> str:
    return sign_in_client(pages, demo["clinician"].email, demo["clinician"].password)


@pytest.fixture
def alex(sqlite_runtime: Runtime, demo: dict[str, DemoAccount]) -> str:
    return patient_ids(sqlite_runtime)["Alex"]


def nurse_actor(runtime: Runtime) -> Actor:
    with runtime.database.reading() as session:
        user_id = session.scalar(select(User.id).where(User.role == "clinician"))
    assert user_id is not None
    return Actor(user_id=user_id, role=Role.CLINICIAN)


def count(runtime: Runtime, table: type) -> int:
    with runtime.database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def add_igg(runtime: Runtime, patient_id: str, value: float, on: date) -> None:
    form = LabForm(
        test="IgG", value=value, unit="g/L", reference_low=7.0, reference_high=16.0, collected_on=on
    )
    record_lab(runtime, nurse_actor(runtime), patient_id, form, idempotency_key=None)


def test_the_page_shows_the_dose_timeline_and_the_checklist_in_words(pages, nurse, alex):
    answer = pages.get(f"/team/patients/{alex}")
    assert answer.status_code == 200
    text = answer.text
    assert "<h1>Alex Morgan</h1>" in text
    assert "Dose 3 is 4 days overdue." in text
    assert (
        text.count(">Taken</span>") == 2 and ">Overdue</span>" in text and ">Planned</span>" in text
    )
    assert "Pre-treatment checklist" in text and "Missing results" in text
    assert "HBsAg negative" in text and "Record IgG" in text  # one-click forms for what is missing
    assert 'href="/team/patients/' + alex + '/summary.pdf"' in text


def test_one_click_recording_of_a_result_updates_the_checklist(pages, nurse, alex, sqlite_runtime):
    answer = pages.post(
        f"/team/patients/{alex}/labs",
        data={"csrf_token": nurse, "form_id": "lab-HBsAg", "test": "HBsAg", "result": "negative",
              "collected_on": "2026-03-01", "idempotency_key": "k1"},
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/team/patients/{alex}?done=lab#checklist"
    page = pages.get(answer.headers["location"]).text
    assert "The result is recorded." in page
    assert 'id="lab-HBsAg"' not in page and 'id="lab-anti-HBc"' in page
    with sqlite_runtime.database.reading() as session:
        lab = session.scalar(select(LabResult))
        assert lab is not None and (lab.test, lab.result) == ("HBsAg", "negative")
    again = pages.post(
        f"/team/patients/{alex}/labs",
        data={"csrf_token": nurse, "form_id": "lab-HBsAg", "test": "HBsAg", "result": "negative",
              "collected_on": "2026-03-01", "idempotency_key": "k1"},
    )  # fmt: skip
    assert again.status_code == 303 and count(sqlite_runtime, LabResult) == 1  # a double click


BAD_LABS = [
    ("lots", "2026-03-01", "value"),
    ("9.1", "2026-03-09", "collected_on"),
    ("-2", "2026-03-01", "value"),
]


@pytest.mark.parametrize("case", BAD_LABS, ids=["not-a-number", "in-the-future", "negative"])
def test_bad_lab_input_comes_back_with_the_input_kept_and_nothing_stored(
    pages, nurse, alex, sqlite_runtime, case
):  # type: ignore[no-untyped-def]
    value, collected_on, field = case
    data = {"csrf_token": nurse, "form_id": "lab-IgG", "test": "IgG", "unit": "g/L", "value": value,
            "collected_on": collected_on}  # fmt: skip
    answer = pages.post(f"/team/patients/{alex}/labs", data=data)
    assert answer.status_code == 422
    assert "Please check the form" in answer.text and "Nothing was saved" in answer.text
    assert f'id="lab-IgG-{field}-error"' in answer.text
    assert f'value="{value}"' in answer.text and f'value="{collected_on}"' in answer.text
    assert count(sqlite_runtime, LabResult) == 0


def test_labs_over_time_are_charted_with_the_range_and_a_table(pages, nurse, alex, sqlite_runtime):
    add_igg(sqlite_runtime, alex, 10.2, TODAY - timedelta(days=90))
    add_igg(sqlite_runtime, alex, 6.4, TODAY - timedelta(days=2))
    text = pages.get(f"/team/patients/{alex}").text
    assert '<svg class="chart"' in text and 'role="img"' in text
    assert "Immunoglobulin G over time" in text
    assert "Lab range 7-16" in text and "Trials&#39; lower limit of normal, 5.65 g/L" in text
    assert "Below range" in text and "-3.8 g/L" in text  # the table beside the chart
    assert "<caption>Immunoglobulin G results</caption>" in text


def test_a_note_is_kept_for_the_team_and_never_shown_to_the_patient(
    pages, nurse, alex, demo, sqlite_runtime
):
    empty = pages.post(f"/team/patients/{alex}/notes", data={"csrf_token": nurse, "text": "  "})
    assert empty.status_code == 422 and count(sqlite_runtime, ClinicalNote) == 0
    note = "Discussed needle fear; next visit with the nurse."
    saved = pages.post(f"/team/patients/{alex}/notes", data={"csrf_token": nurse, "text": note})
    assert saved.status_code == 303
    assert note in pages.get(f"/team/patients/{alex}").text
    patient = demo["patient"]
    sign_in_client(pages, patient.email, patient.password)
    for path in ("", "/schedule", "/diary", "/plan", "/learn", "/settings"):
        answer = pages.get(f"/p/{alex}{path}")
        assert note not in answer.text, path
    assert pages.get(f"/team/patients/{alex}").status_code == 403


def test_acknowledging_on_the_patient_page_needs_a_reason(pages, nurse, alex, sqlite_runtime):
    alert_id = raise_demo_alert(sqlite_runtime, alex)
    url = f"/team/patients/{alex}/alerts/{alert_id}/acknowledge"
    refused = pages.post(url, data={"csrf_token": nurse, "reason": "", "back": "patient"})
    assert refused.status_code == 422
    assert f'id="ack-{alert_id}-reason-error"' in refused.text
    done = pages.post(url, data={"csrf_token": nurse, "reason": "Seen today.", "back": "patient"})
    assert done.headers["location"] == f"/team/patients/{alex}?done=acknowledged"
    page = pages.get(done.headers["location"]).text
    assert "No open alerts." in page and "Seen today." in page


def test_recording_a_vaccination_and_the_screening_items(pages, nurse, alex, sqlite_runtime):
    missing = pages.post(f"/team/patients/{alex}/vaccinations",
                         data={"csrf_token": nurse, "name": "Influenza", "given_on": "2026-02-20"})  # fmt: skip
    assert missing.status_code == 422 and 'value="Influenza"' in missing.text
    assert count(sqlite_runtime, Vaccination) == 0
    given = pages.post(f"/team/patients/{alex}/vaccinations",
                       data={"csrf_token": nurse, "name": "Influenza", "live": "false", "given_on": "2026-02-20"})  # fmt: skip
    assert given.status_code == 303 and count(sqlite_runtime, Vaccination) == 1
    items = pages.post(
        f"/team/patients/{alex}/screening",
        data={"csrf_token": nurse, "ms_type": "RRMS", "planned_start_on": "", "active_infection": "true",
              "immunosuppressants": "methotrexate, "},
    )  # fmt: skip
    assert items.status_code == 303
    with sqlite_runtime.database.reading() as session:
        record = session.get(Patient, alex)
        assert record is not None and record.active_infection and not record.can_become_pregnant
        assert record.immunosuppressants == ["methotrexate"]
    assert "Influenza" in pages.get(f"/team/patients/{alex}").text


def test_triage_results_show_the_urgency_in_words_and_can_be_marked_dealt_with(
    pages, nurse, alex, sqlite_runtime
):
    entry = record_diary_entry(
        sqlite_runtime,
        nurse_actor(sqlite_runtime),
        alex,
        DiaryForm(text="fever and chills"),
        idempotency_key=None,
    ).entry
    text = pages.get(f"/team/patients/{alex}").text
    assert "fever and chills" in text and ">Open</span>" in text
    answer = pages.post(
        f"/team/patients/{alex}/diary/{entry.id}", data={"csrf_token": nurse, "resolved": "true"}
    )
    assert answer.status_code == 303
    assert ">Resolved</span>" in pages.get(f"/team/patients/{alex}").text


def test_the_visit_summary_is_a_pdf_with_the_patients_name_and_is_audited(
    pages, nurse, alex, sqlite_runtime
):
    add_igg(sqlite_runtime, alex, 9.0, TODAY - timedelta(days=30))
    answer = pages.get(f"/team/patients/{alex}/summary.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert "Alex Morgan" in text and "Nurse Priya Shah" in text
    assert "Knowledge base version" in text and "Immunoglobulin G" in text
    printable = pages.get(f"/team/patients/{alex}/summary")
    assert printable.status_code == 200 and "Visit summary: Alex Morgan" in printable.text
    with sqlite_runtime.database.reading() as session:
        made = session.scalar(
            select(func.count()).where(
                AuditEntry.action == "visit-summary.create", AuditEntry.patient_id == alex
            )
        )
    assert made == 2


def test_a_new_patient_joins_the_team_and_lands_on_their_page(pages, nurse, sqlite_runtime):
    form = {"csrf_token": nurse, "given_name": "Rowan", "family_name": "Price", "birth_date": "1991-07-14",
            "sex": "female", "country": "gb", "timezone": "Europe/London", "ms_type": "RRMS",
            "can_become_pregnant": "true", "planned_start_on": "2026-03-20"}  # fmt: skip
    answer = pages.post("/team/patients/new", data=form)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert re.fullmatch(r"/team/patients/[0-9a-f-]{36}\?done=created#checklist", location)
    page = pages.get(location).text
    assert "Rowan Price" in page and "The patient is on your panel." in page
    assert "Missing results" in page and "No active prescription" in page
    assert "Price, Rowan" in pages.get("/team").text
    with sqlite_runtime.database.reading() as session:
        created = session.scalar(select(Patient).where(Patient.family_name == "Price"))
        assert created is not None and created.country == "GB" and created.team_id is not None


def test_a_bad_new_patient_form_keeps_the_input_and_stores_nothing(pages, nurse, sqlite_runtime):
    before = count(sqlite_runtime, Patient)
    form = {"csrf_token": nurse, "given_name": "Rowan", "family_name": "", "birth_date": "1991-07-14",
            "country": "GB", "timezone": "Mars/Olympus", "ms_type": "RRMS"}  # fmt: skip
    answer = pages.post("/team/patients/new", data=form)
    assert answer.status_code == 422
    assert 'value="Rowan"' in answer.text and 'value="Mars/Olympus"' in answer.text
    assert (
        "timezone: &#39;Mars/Olympus&#39;" in answer.text
        and 'id="f-family_name-error"' in answer.text
    )
    assert count(sqlite_runtime, Patient) == before


def test_setting_the_start_date_shows_the_findings_and_needs_confirmation(
    pages, nurse, alex, sqlite_runtime
):
    url = f"/team/patients/{alex}/start"
    assert "Set the start date for Alex Morgan" in pages.get(url).text
    form = {
        "csrf_token": nurse,
        "start_on": "2026-03-16",
        "interval_mode": "monthly",
        "prescriber": "Dr Okafor",
    }
    first = pages.post(url, data=form)
    assert first.status_code == 422
    assert (
        "Hepatitis B screening incomplete" in first.text and "record a first dose on" in first.text
    )
    assert count(sqlite_runtime, Prescription) == 3  # the demo's three, nothing new
    confirmed = pages.post(url, data={**form, "confirm_start_on": "2026-03-16"})
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"/team/patients/{alex}?done=started#doses"
    with sqlite_runtime.database.reading() as session:
        newest = session.scalar(
            select(Prescription).where(
                Prescription.patient_id == alex, Prescription.stopped_on.is_(None)
            )
        )
        assert newest is not None and newest.start_on == date(2026, 3, 16)
        assert session.get(Patient, alex).planned_start_on == date(2026, 3, 16)  # type: ignore[union-attr]


def test_a_start_date_out_of_range_is_refused_beside_the_field(pages, nurse, alex, sqlite_runtime):
    answer = pages.post(
        f"/team/patients/{alex}/start", data={"csrf_token": nurse, "start_on": "2031-01-01"}
    )
    assert answer.status_code == 422 and 'id="start-start_on-error"' in answer.text
    assert 'value="2031-01-01"' in answer.text and count(sqlite_runtime, Prescription) == 3


def test_team_patient_pages_are_accessible_with_and_without_errors(
    page, live_server: LiveServer, demo
):  # type: ignore[no-untyped-def]
    runtime = live_server.runtime
    alex = patient_ids(runtime)["Alex"]
    add_igg(runtime, alex, 10.2, TODAY - timedelta(days=90))
    add_igg(runtime, alex, 6.4, TODAY - timedelta(days=2))
    raise_demo_alert(runtime, alex)
    sign_in(page, demo["clinician"])
    page.goto(f"/team/patients/{alex}")
    assert page.get_by_role("heading", name="Alex Morgan", level=1).is_visible()
    assert page.get_by_role("img", name=re.compile("Immunoglobulin G over time")).count() == 1
    check_accessibility(page)
    form = page.locator("#lab-IgM")  # IgG is on record; IgM is still missing
    form.get_by_label("IgM value").fill("0.9")
    form.get_by_label("Date of the IgM result").fill("2026-03-09")
    form.get_by_role("button", name="Record IgM").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Please check the form").is_visible()
    assert page.locator("#lab-IgM").get_by_label("IgM value").input_value() == "0.9"
    check_accessibility(page)
    page.locator("#lab-HBsAg").get_by_role("button", name="HBsAg negative").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The result is recorded.").is_visible()
    assert page.locator("#lab-HBsAg").count() == 0
    page.goto(f"/team/patients/{alex}/summary")
    assert page.get_by_role("heading", name="Visit summary: Alex Morgan").is_visible()
    check_accessibility(page)
    page.goto(f"/team/patients/{alex}/start")
    page.get_by_label("First dose (dose 1) on").fill("2026-03-20")
    page.get_by_role("button", name="Record the prescription").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The checklist for a first dose on").is_visible()
    check_accessibility(page)


def test_the_new_patient_form_is_accessible_and_leads_to_the_patient_page(
    page, live_server: LiveServer, demo
):  # type: ignore[no-untyped-def]
    sign_in(page, demo["clinician"])
    page.get_by_role("link", name="New patient").click()
    page.wait_for_load_state("networkidle")
    check_accessibility(page)
    page.get_by_label("Given name").fill("Rowan")
    page.get_by_role("button", name="Add the patient").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Please check the form").is_visible()
    assert page.get_by_label("Given name").input_value() == "Rowan"
    check_accessibility(page)
    page.get_by_label("Family name").fill("Price")
    page.get_by_label("Date of birth").fill("1991-07-14")
    page.get_by_label("Country").fill("GB")
    page.get_by_label("Timezone").fill("Europe/London")
    page.get_by_role("button", name="Add the patient").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Rowan Price", level=1).is_visible()
    assert page.get_by_text("Missing results").is_visible()
