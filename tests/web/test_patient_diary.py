"""The diary page: entries over time with the advice given, filters, a chart, and follow-up."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from ofacare.services.diary import DiaryForm, record_diary_entry
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client
from tests.web.patient_lookup import demo_actor, demo_patient_id


def _write(
    runtime: Runtime, patient_id: str, *choices: str, text: str = "", days_ago: int = 0
) -> str:
    form = DiaryForm(
        text=text, choices=choices, recorded_at=runtime.now() - timedelta(days=days_ago)
    )
    actor = demo_actor(runtime, "patient")
    return record_diary_entry(runtime, actor, patient_id, form, idempotency_key=None).entry.id


def _three_weeks_of_entries(runtime: Runtime, patient_id: str) -> None:
    _write(runtime, patient_id, "cold sore", days_ago=16)
    _write(runtime, patient_id, "rash", days_ago=8)
    _write(runtime, patient_id, text="a cough since Sunday")


def test_the_diary_lists_entries_newest_first_with_urgency_advice_and_status(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    sign_in_client(pages, demo["patient"].email, demo["patient"].password)
    patient_id = demo_patient_id(pages)
    _three_weeks_of_entries(sqlite_runtime, patient_id)
    page = pages.get(f"/p/{patient_id}/diary")
    assert page.status_code == 200
    text = page.text
    assert text.index("a cough since Sunday") < text.index("rash") < text.index("cold sore")
    assert "Urgent: today" in text and "Tell your team soon" in text
    assert "Advice given:" in text and "Open" in text
    assert "14 Feb 2026" in text  # the newest entry's day, in the patient's own format
    assert 'role="img"' in text and "Entries per week, by urgency" in text
    assert '<th scope="row">' in text  # the chart's numbers as a table


def test_the_diary_filters_by_urgency_kind_and_period(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    sign_in_client(pages, demo["patient"].email, demo["patient"].password)
    patient_id = demo_patient_id(pages)
    _three_weeks_of_entries(sqlite_runtime, patient_id)
    routine = pages.get(f"/p/{patient_id}/diary?urgency=contact_team").text
    assert "cold sore" in routine and "a cough since Sunday" not in routine
    infections = pages.get(f"/p/{patient_id}/diary?kind=infection").text
    assert "a cough since Sunday" in infections and "Ticked:</strong> rash" not in infections
    _write(sqlite_runtime, patient_id, text="an old tiredness", days_ago=40)
    recent = pages.get(f"/p/{patient_id}/diary?period=4w").text
    assert "a cough since Sunday" in recent and "an old tiredness" not in recent
    assert "an old tiredness" in pages.get(f"/p/{patient_id}/diary?period=3m").text
    assert pages.get(f"/p/{patient_id}/diary?urgency=whenever").status_code == 422


def test_the_patient_marks_an_entry_dealt_with_and_opens_it_again(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf = sign_in_client(pages, demo["patient"].email, demo["patient"].password)
    patient_id = demo_patient_id(pages)
    entry_id = _write(sqlite_runtime, patient_id, "cold sore")
    target = f"/p/{patient_id}/diary/{entry_id}/resolved"
    assert pages.post(target, data={"csrf_token": "forged", "resolved": "true"}).status_code == 403
    done = pages.post(target, data={"csrf_token": csrf, "resolved": "true"})
    assert done.status_code == 303 and done.headers["location"].endswith(f"#entry-{entry_id}")
    assert "Dealt with on 2 Mar 2026" in pages.get(f"/p/{patient_id}/diary").text
    pages.post(target, data={"csrf_token": csrf, "resolved": "false"})
    assert "Dealt with on" not in pages.get(f"/p/{patient_id}/diary").text


def test_a_caregiver_reads_the_diary_but_cannot_mark_entries(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf = sign_in_client(pages, demo["caregiver"].email, demo["caregiver"].password)
    patient_id = demo_patient_id(pages)
    entry_id = _write(sqlite_runtime, patient_id, "cold sore")
    page = pages.get(f"/p/{patient_id}/diary").text
    assert "cold sore" in page and "Mark as dealt with" not in page
    refused = pages.post(
        f"/p/{patient_id}/diary/{entry_id}/resolved", data={"csrf_token": csrf, "resolved": "true"}
    )
    assert refused.status_code == 403


def test_an_empty_diary_says_what_it_will_hold(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    sign_in_client(pages, demo["patient"].email, demo["patient"].password)
    page = pages.get(f"/p/{demo_patient_id(pages)}/diary").text
    assert "No entries match" in page and "Nothing to draw" in page


def test_the_diary_with_entries_passes_the_accessibility_check(  # type: ignore[no-untyped-def]
    page, live_server: LiveServer, demo: dict[str, DemoAccount]
) -> None:
    sign_in(page, demo["patient"])
    home = page.url.split("?")[0].rstrip("/")
    patient_id = home.rsplit("/", 1)[1]
    _three_weeks_of_entries(live_server.runtime, patient_id)
    page.goto(home + "/diary")
    page.locator("svg[role=img]").wait_for()
    check_accessibility(page)
    page.get_by_role("button", name="Mark as dealt with").first.click()
    page.get_by_text("Dealt with on").wait_for()
    page.get_by_label("Urgency", exact=True).select_option("urgent")
    page.get_by_role("button", name="Show entries").click()
    page.get_by_role("link", name="Show everything").wait_for()
    check_accessibility(page)
