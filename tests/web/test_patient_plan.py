"""Plan ahead: the vaccine checker, vaccines on record, birth control and pregnancy, travel."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from ofacare.services.forms import PatientChanges
from ofacare.services.patients import change_patient
from ofacare.services.planning import VaccinationForm, record_vaccination
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client
from tests.web.patient_lookup import demo_actor, demo_patient_id

TEAM_PHONE = "+44 20 7946 0000"


def _open(pages: TestClient, account: DemoAccount) -> tuple[str, str]:
    csrf = sign_in_client(pages, account.email, account.password)
    return csrf, demo_patient_id(pages)


def test_a_live_vaccine_during_treatment_is_a_finding_with_sources_and_who_to_call(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = _open(pages, demo["patient"])
    answer = pages.post(
        f"/p/{patient_id}/plan",
        data={
            "csrf_token": csrf,
            "name": "yellow fever",
            "live": "yes",
            "planned_on": "2026-04-01",
        },
    )
    assert answer.status_code == 200
    assert "Live vaccine not recommended on treatment" in answer.text
    assert "Check with your MS team first" in answer.text  # the severity in words
    assert "Sources" in answer.text and TEAM_PHONE in answer.text


def test_a_vaccine_the_person_is_not_sure_about_is_checked_as_live(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = _open(pages, demo["caregiver"])
    answer = pages.post(
        f"/p/{patient_id}/plan",
        data={
            "csrf_token": csrf,
            "name": "travel jab",
            "live": "unsure",
            "planned_on": "2026-04-01",
        },
    )
    assert "checked it as a live vaccine" in answer.text
    assert "Live vaccine not recommended on treatment" in answer.text


def test_a_vaccine_check_with_missing_answers_keeps_the_input_and_names_the_fields(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = _open(pages, demo["patient"])
    answer = pages.post(
        f"/p/{patient_id}/plan",
        data={"csrf_token": csrf, "name": "shingles vaccine", "live": "", "planned_on": ""},
    )
    assert answer.status_code == 422
    assert 'value="shingles vaccine"' in answer.text
    assert "live: choose live, not live, or not sure." in answer.text
    refused = pages.post(
        f"/p/{patient_id}/plan",
        data={"csrf_token": "forged", "name": "flu", "live": "no", "planned_on": "2026-04-01"},
    )
    assert refused.status_code == 403


def test_the_demo_patient_sees_until_when_to_use_birth_control_and_the_guidance(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, patient_id = _open(pages, demo["patient"])
    page = pages.get(f"/p/{patient_id}/plan").text
    # Doses 1 and 2 on 12 and 19 February 2026: six months after the second.
    assert "Keep using birth control until Wednesday, 19 August 2026." in page
    assert "6 months after your last dose on record (19 Feb 2026)" in page
    assert "talk to your MS team before you stop birth control" in page


def test_vaccines_on_record_are_listed(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    _, patient_id = _open(pages, demo["patient"])
    form = VaccinationForm(name="Influenza", live=False, given_on=date(2026, 1, 20))
    record_vaccination(
        sqlite_runtime, demo_actor(sqlite_runtime, "clinician"), patient_id, form,
        idempotency_key=None,
    )  # fmt: skip
    page = pages.get(f"/p/{patient_id}/plan").text
    assert "Influenza" in page and "20 Jan 2026" in page and "Not live" in page


def test_travel_facts_are_in_celsius_in_the_uk_and_fahrenheit_in_the_us(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    _, patient_id = _open(pages, demo["patient"])
    uk = pages.get(f"/p/{patient_id}/plan").text
    assert "In the fridge: between 2 °C and 8 °C." in uk
    assert "up to 7 days in total, at 30 °C or cooler" in uk
    nurse = demo_actor(sqlite_runtime, "clinician")
    change_patient(sqlite_runtime, nurse, patient_id, PatientChanges(country="US"))
    us = pages.get(f"/p/{patient_id}/plan").text
    assert "In the fridge: between 36 °F and 46 °F." in us
    assert "at 86 °F or cooler" in us
    assert "hand luggage" in us and "Dose 3" in us


def test_the_plan_page_with_an_answer_and_with_a_problem_passes_the_accessibility_check(  # type: ignore[no-untyped-def]
    page, live_server: LiveServer, demo: dict[str, DemoAccount]
) -> None:
    sign_in(page, demo["patient"])
    page.goto(page.url.split("?")[0].rstrip("/") + "/plan")
    check_accessibility(page)
    page.get_by_role("button", name="Check this vaccine").click()
    page.locator(".error-summary").wait_for()
    check_accessibility(page)
    page.get_by_label("Vaccine name").fill("MMR")
    page.get_by_label("Yes, it is live").check()
    page.get_by_label("Planned date").fill("2026-04-01")
    page.get_by_role("button", name="Check this vaccine").click()
    page.locator("#vaccine-answer").wait_for()
    check_accessibility(page)
