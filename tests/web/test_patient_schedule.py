"""The schedule: every dose with its status in words, the month calendar, the .ics download, and
the private feed only the patient can make and switch off."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in
from tests.web.test_patient_injection import open_record


def test_the_schedule_gives_each_dose_its_status_in_words(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, patient_id = open_record(pages, demo["patient"])
    page = pages.get(f"/p/{patient_id}/schedule")
    assert page.status_code == 200
    rows = re.findall(
        r'<th scope="row">(\d+) .*?<span class="badge (\w+)">(.*?)</span>', page.text, re.S
    )
    statuses = {int(number): (status, text.strip()) for number, status, text in rows}
    assert statuses[1] == ("taken", "Taken on time")
    assert statuses[3] == ("overdue", "Overdue by 4 days")
    assert statuses[4] == ("planned", "Planned")
    assert "Dose 4 moves from 12 March 2026 to 16 March 2026" in page.text


def test_the_month_calendar_moves_between_months(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, patient_id = open_record(pages, demo["patient"])
    march = pages.get(f"/p/{patient_id}/schedule").text
    assert "March 2026: 2 doses" in march  # dose 3 to give today, dose 4 on the 16th
    assert 'href="?month=2026-04#calendar"' in march and 'href="?month=2026-02#calendar"' in march
    february = pages.get(f"/p/{patient_id}/schedule?month=2026-02").text
    assert "February 2026: 3 doses" in february
    assert re.search(r"Dose 3 <span class=\"mark-kind\">was due</span>", february)
    assert pages.get(f"/p/{patient_id}/schedule?month=2026-13").status_code == 422
    assert pages.get(f"/p/{patient_id}/schedule?month=soon").status_code == 422


def test_the_calendar_download_is_an_icalendar_file(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, patient_id = open_record(pages, demo["caregiver"])
    answer = pages.get(f"/p/{patient_id}/schedule.ics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.text.startswith("BEGIN:VCALENDAR")
    assert "Kesimpta dose 3: overdue since 2026-02-26" in answer.text


def test_the_patient_gets_the_feed_address_once_and_can_switch_it_off(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = open_record(pages, demo["patient"])
    assert pages.post(f"/p/{patient_id}/schedule/feed", data={}).status_code == 403  # no CSRF token
    created = pages.post(f"/p/{patient_id}/schedule/feed", data={"csrf_token": csrf})
    assert created.status_code == 200
    url = re.search(r'value="(https?://[^"]+/calendar/[^"]+\.ics)"', created.text)
    assert url and "It is shown only now." in created.text
    path = "/" + url.group(1).split("/", 3)[3]
    assert pages.get(path).status_code == 200
    later = pages.get(f"/p/{patient_id}/schedule").text
    assert path not in later and "Switch the address off" in later
    revoked = pages.post(f"/p/{patient_id}/schedule/feed/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert "switched off" in pages.get(revoked.headers["location"]).text
    assert pages.get(path).status_code == 404


def test_a_caregiver_sees_the_plan_but_not_the_subscription(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = open_record(pages, demo["caregiver"])
    page = pages.get(f"/p/{patient_id}/schedule").text
    assert "Overdue by 4 days" in page and "Download the doses" in page
    assert "Get my calendar address" not in page
    assert (
        pages.post(f"/p/{patient_id}/schedule/feed", data={"csrf_token": csrf}).status_code == 403
    )


def test_the_schedule_pages_are_accessible(
    page, live_server: LiveServer, demo: dict[str, DemoAccount]
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo["patient"])
    page.get_by_role("link", name="Schedule", exact=True).click()
    check_accessibility(page)
    page.get_by_role("link", name="Next month: April 2026").click()
    assert page.get_by_role("table", name="April 2026: 1 dose").is_visible()
    page.get_by_role("button", name="Get my calendar address").click()
    assert (
        "/calendar/" in page.get_by_label("Copy this address into your calendar app:").input_value()
    )
    check_accessibility(page)
