"""Check a symptom: the form, the answer led by its urgency, and the emergency screen."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ofacare.knowledge.schema import Urgency
from ofacare.safety.triage import MAX_TEXT_CHARS, triage
from ofacare.services.diary import DiaryFilter, list_diary
from ofacare.services.injections import InjectionForm, log_injection
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from ofacare.web.routes.patient_symptoms import CHOICE_GROUPS
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client
from tests.web.patient_lookup import demo_actor, demo_patient_id

TEAM_PHONE = "+44 20 7946 0000"


def _signed_in(pages: TestClient, account: DemoAccount) -> tuple[str, str]:
    csrf = sign_in_client(pages, account.email, account.password)
    return csrf, demo_patient_id(pages)


def _check(pages: TestClient, patient_id: str, csrf: str, **fields: object) -> object:
    return pages.post(f"/p/{patient_id}/symptoms", data={"csrf_token": csrf, **fields})


@pytest.mark.parametrize(
    "choice", [c for group in CHOICE_GROUPS for c in group.choices], ids=lambda c: c.value
)
def test_every_common_choice_is_a_sign_the_triage_recognises(choice) -> None:  # type: ignore[no-untyped-def]
    result = triage(choice.value, country="GB")
    assert result.matched, choice.value
    assert "triage.unrecognised" not in result.facts


def test_the_form_offers_the_common_symptoms_and_the_emergency_number_first(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, patient_id = _signed_in(pages, demo["patient"])
    page = pages.get(f"/p/{patient_id}/symptoms")
    assert page.status_code == 200
    assert "Fever or high temperature" in page.text
    assert 'href="tel:999"' in page.text
    assert page.text.index("tel:999") < page.text.index('name="text"')
    assert "This is not a diagnosis" in page.text


def test_an_emergency_phrase_leads_to_the_emergency_screen_with_the_emergency_number(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, patient_id = _signed_in(pages, demo["patient"])
    sent = _check(pages, patient_id, csrf, text="my throat is swelling and I can't breathe")
    assert sent.status_code == 303
    result = pages.get(sent.headers["location"])
    assert result.status_code == 200
    assert 'class="emergency-screen"' in result.text
    assert 'role="alert"' in result.text
    assert "Emergency: call 999 now" in result.text
    assert 'href="tel:999"' in result.text
    assert result.text.index("tel:999") < result.text.index("This is not a diagnosis")
    assert "I have called for help" in result.text
    assert "http-equiv" not in result.text  # no automatic redirect away from it
    stored = list_diary(sqlite_runtime, demo_actor(sqlite_runtime, "patient"), patient_id,
                        query=DiaryFilter())  # fmt: skip
    assert [e.urgency for e in stored] == [Urgency.EMERGENCY.value]


def test_an_urgent_sign_says_to_call_the_care_team_today_with_its_phone(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = _signed_in(pages, demo["patient"])
    sent = _check(pages, patient_id, csrf, choices=["cough", "sore throat"])
    result = pages.get(sent.headers["location"])
    assert "Urgent: call your MS team today" in result.text
    assert f'href="tel:{TEAM_PHONE.replace(" ", "")}"' in result.text
    assert "emergency-screen" not in result.text
    assert "This is not a diagnosis" in result.text
    assert "Sources" in result.text


def test_a_routine_sign_says_who_to_call_and_is_not_a_diagnosis(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = _signed_in(pages, demo["patient"])
    sent = _check(pages, patient_id, csrf, choices=["cold sore"])
    result = pages.get(sent.headers["location"])
    assert "tell your MS team soon" in result.text
    assert TEAM_PHONE in result.text
    assert "This is not a diagnosis" in result.text


def test_nothing_described_is_refused_and_nothing_is_stored(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, patient_id = _signed_in(pages, demo["patient"])
    answer = _check(pages, patient_id, csrf, text="   ")
    assert answer.status_code == 422
    assert "no choices were ticked" in answer.text
    too_long = "ache " * (MAX_TEXT_CHARS // 4)
    answer = _check(pages, patient_id, csrf, text=too_long, choices=["fever"])
    assert answer.status_code == 422
    assert too_long.strip() in answer.text  # the words are kept
    assert re.search(r'value="fever"\s+checked', answer.text)  # and the ticks
    stored = list_diary(sqlite_runtime, demo_actor(sqlite_runtime, "patient"), patient_id,
                        query=DiaryFilter())  # fmt: skip
    assert stored == []


def test_a_symptom_check_needs_the_form_token(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, patient_id = _signed_in(pages, demo["patient"])
    refused = _check(pages, patient_id, "forged", text="fever")
    assert refused.status_code == 403


def test_sending_the_same_form_twice_records_one_entry(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, patient_id = _signed_in(pages, demo["patient"])
    first = _check(pages, patient_id, csrf, text="fever", request_key="k-1")
    again = _check(pages, patient_id, csrf, text="fever", request_key="k-1")
    assert first.headers["location"] == again.headers["location"]
    stored = list_diary(sqlite_runtime, demo_actor(sqlite_runtime, "patient"), patient_id,
                        query=DiaryFilter())  # fmt: skip
    assert len(stored) == 1


def test_a_caregiver_checks_a_symptom_for_the_patient(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = _signed_in(pages, demo["caregiver"])
    sent = _check(pages, patient_id, csrf, choices=["rash"])
    assert sent.status_code == 303
    assert "Urgent" in pages.get(sent.headers["location"]).text


# --- In the browser ---------------------------------------------------------------------------


def test_an_emergency_symptom_shows_a_screen_that_takes_focus_and_escape_does_not_close(  # type: ignore[no-untyped-def]
    page, live_server: LiveServer, demo: dict[str, DemoAccount]
) -> None:
    sign_in(page, demo["patient"])
    home = page.url.split("?")[0].rstrip("/")
    page.goto(home + "/symptoms")
    check_accessibility(page)
    page.get_by_label("Trouble breathing").check()
    page.get_by_role("button", name="Check my symptoms").click()
    screen = page.locator(".emergency-screen")
    screen.wait_for()
    assert page.evaluate("document.activeElement.id") == "emergency"
    assert screen.get_by_role("link", name="Call 999").is_visible()
    check_accessibility(page)
    address = page.url
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert page.url == address and screen.is_visible()
    page.get_by_role("link", name="I have called for help: back to home").click()
    page.wait_for_url(home)


def test_the_form_with_a_problem_and_each_result_level_pass_the_accessibility_check(  # type: ignore[no-untyped-def]
    page, live_server: LiveServer, demo: dict[str, DemoAccount]
) -> None:
    sign_in(page, demo["patient"])
    patient_path = page.url.split("?")[0].rstrip("/")
    page.goto(patient_path + "/symptoms")
    page.get_by_role("button", name="Check my symptoms").click()
    assert page.locator(".error-summary").is_visible()
    check_accessibility(page)
    for choice, words in (
        ("Cough", "Urgent: call your MS team today"),
        ("Cold sore", "tell your MS team soon"),
    ):
        page.goto(patient_path + "/symptoms")
        page.get_by_label(choice).check()
        page.get_by_role("button", name="Check my symptoms").click()
        page.get_by_role("heading", name=words).wait_for()
        check_accessibility(page)
    _inject_today(live_server, patient_path.rsplit("/", 1)[1])
    page.goto(patient_path + "/symptoms")
    page.get_by_label("In your own words").fill("a headache since my injection")
    page.get_by_role("button", name="Check my symptoms").click()
    page.get_by_role("heading", name="You can look after this at home").wait_for()
    check_accessibility(page)


def _inject_today(live_server: LiveServer, patient_id: str) -> None:
    """The overdue third dose, given now: flu-like signs today are the expected reaction."""
    form = InjectionForm(given_at=live_server.clock.now, site="thigh-left")
    actor = demo_actor(live_server.runtime, "patient")
    log_injection(live_server.runtime, actor, patient_id, form, idempotency_key=None)
