"""Learn: questions answered with sources, the patient guide, and the medicine in the body."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ofacare.services.patients import list_patients
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client
from tests.web.patient_lookup import demo_actor, demo_patient_id

TEAM_PHONE = "+44 20 7946 0000"


def _open(pages: TestClient, account: DemoAccount) -> str:
    sign_in_client(pages, account.email, account.password)
    return demo_patient_id(pages)


def test_the_learn_page_offers_a_question_the_guide_and_the_body_page(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    patient_id = _open(pages, demo["patient"])
    page = pages.get(f"/p/{patient_id}/learn").text
    assert f'action="/p/{patient_id}/learn/ask"' in page
    assert f'href="/p/{patient_id}/learn/guide"' in page
    assert f'href="/p/{patient_id}/learn/body"' in page


def test_a_question_is_answered_with_its_sources_and_who_to_call(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    patient_id = _open(pages, demo["patient"])
    answer = pages.get(
        f"/p/{patient_id}/learn/ask", params={"q": "How long can a pen stay out of the fridge?"}
    )
    assert answer.status_code == 200
    assert "7 days" in answer.text
    assert "Sources" in answer.text and "Prescribing Information" in answer.text
    assert "not medical advice for your case" in answer.text
    assert TEAM_PHONE in answer.text


def test_a_question_naming_an_emergency_leads_with_the_emergency_number(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    patient_id = _open(pages, demo["caregiver"])
    answer = pages.get(
        f"/p/{patient_id}/learn/ask", params={"q": "my throat is swelling after the pen, what now"}
    )
    assert "Emergency: call 999 now" in answer.text
    assert answer.text.index('href="tel:999"') < answer.text.index('id="h-answer"')


def test_an_empty_or_overlong_question_is_refused_and_kept(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    patient_id = _open(pages, demo["patient"])
    empty = pages.get(f"/p/{patient_id}/learn/ask", params={"q": "  "})
    assert empty.status_code == 422 and "question: &#39;&#39; is empty" in empty.text
    long_question = "can I " + "really " * 200 + "travel?"
    too_long = pages.get(f"/p/{patient_id}/learn/ask", params={"q": long_question})
    assert too_long.status_code == 422
    assert "is longer than 1000" in too_long.text and long_question in too_long.text


def test_the_patient_guide_is_shown_inside_the_page_with_its_sources(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    patient_id = _open(pages, demo["patient"])
    page = pages.get(f"/p/{patient_id}/learn/guide")
    assert page.status_code == 200
    assert "Kesimpta (ofatumumab): your guide" in page.text
    assert page.text.count("<h1") == 1
    assert 'id="ref-1"' in page.text and 'href="#ref-1"' in page.text
    assert "Call 999 now." in page.text and TEAM_PHONE in page.text


def test_the_body_page_draws_b_cells_with_the_40_and_10_lines_and_a_table(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    patient_id = _open(pages, demo["patient"])
    page = pages.get(f"/p/{patient_id}/learn/body")
    assert page.status_code == 200
    text = page.text
    assert text.count('role="img"') == 2
    assert ">40 lower limit</text>" in text and ">10 very low</text>" in text
    assert "at 40 cells per microlitre, is the usual lower limit of normal" in text
    assert "not a measurement of you" in text
    assert "Modelled values every four weeks and today" in text
    assert "Dose 1 on 12 Feb 2026: on record" in text
    assert TEAM_PHONE in text


def test_the_body_page_says_what_it_will_show_before_the_first_injection(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    sign_in_client(pages, demo["clinician"].email, demo["clinician"].password)
    nurse = demo_actor(sqlite_runtime, "clinician")
    others = [p for p in list_patients(sqlite_runtime, nurse) if p.given_name == "Jordan"]
    page = pages.get(f"/p/{others[0].id}/learn/body")
    assert page.status_code == 200
    assert "no injection on record" in page.text and 'role="img"' not in page.text


def test_the_learn_pages_pass_the_accessibility_check(  # type: ignore[no-untyped-def]
    page, live_server: LiveServer, demo: dict[str, DemoAccount]
) -> None:
    sign_in(page, demo["patient"])
    learn = page.url.split("?")[0].rstrip("/") + "/learn"
    page.goto(learn)
    check_accessibility(page)
    page.get_by_label("Your question about the medicine").fill("Can I have the flu jab?")
    page.get_by_role("button", name="Ask").click()
    page.get_by_role("heading", name="Answer").wait_for()
    check_accessibility(page)
    page.goto(learn + "/ask?q=")
    page.locator(".error-summary").wait_for()
    check_accessibility(page)
    page.goto(learn + "/guide")
    check_accessibility(page)
    page.goto(learn + "/body")
    page.locator("svg[role=img]").first.wait_for()
    check_accessibility(page)
