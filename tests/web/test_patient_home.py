"""The patient's home: the next dose, the overdue banner, pens out of the fridge, no prescription,
and the "how did it go?" card on the day after an injection."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from ofacare.records.tables import DiaryEntry, Injection
from ofacare.services.injections import InjectionForm, log_injection
from ofacare.services.pens import PenEventForm, record_pen_event
from ofacare.services.prescriptions import (
    PrescriptionChanges,
    change_prescription,
    list_prescriptions,
)
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from tests.database_fixtures import Clock
from tests.web.conftest import LiveServer, check_accessibility, sign_in
from tests.web.test_patient_injection import demo_actor, open_record

TODAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def log_dose_3(runtime: Runtime, account: DemoAccount, patient_id: str) -> str:
    form = InjectionForm(given_at=TODAY_9AM, site="thigh-left")
    logged = log_injection(
        runtime, demo_actor(runtime, account), patient_id, form, idempotency_key=None
    )
    return logged.injection.id


def reactions_of(runtime: Runtime, injection_id: str) -> list[str]:
    with runtime.database.writing() as session:
        injection = session.get(Injection, injection_id)
        assert injection is not None
        return list(injection.reactions)


def test_home_shows_the_overdue_banner_with_what_to_do_and_the_moved_dates(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, patient_id = open_record(pages, demo["patient"])
    page = pages.get(f"/p/{patient_id}")
    assert page.status_code == 200
    banner = page.text.split('role="alert"', 1)[1].split("</section>", 1)[0]
    assert "Dose 3 is 4 days overdue" in banner
    assert "as soon as you can" in banner
    assert "Dose 4 moves from 12 March 2026 to 16 March 2026" in banner
    assert "Monday, 16 March 2026, in 14 days" in page.text  # the next three doses
    assert "Call +44 20 7946 0000" in page.text
    assert f'href="/p/{patient_id}/symptoms"' in page.text


def test_home_lists_pens_out_of_the_fridge_with_their_use_by(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    _, patient_id = open_record(pages, demo["patient"])
    form = PenEventForm(
        pen="PEN-A1", kind="out-of-fridge", occurred_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    )
    record_pen_event(
        sqlite_runtime,
        demo_actor(sqlite_runtime, demo["patient"]),
        patient_id,
        form,
        idempotency_key=None,
    )
    page = pages.get(f"/p/{patient_id}").text
    assert "Pen PEN-A1" in page
    assert "out of the fridge; use it by 8 Mar 2026" in page


def test_without_an_active_prescription_home_says_so_and_who_to_call(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    _, patient_id = open_record(pages, demo["patient"])
    clinician = demo_actor(sqlite_runtime, demo["clinician"])
    course = list_prescriptions(sqlite_runtime, clinician, patient_id)[0]
    change_prescription(
        sqlite_runtime,
        clinician,
        patient_id,
        course.id,
        PrescriptionChanges(stopped_on=TODAY_9AM.date()),
    )
    for section in ("", "/inject", "/schedule"):
        page = pages.get(f"/p/{patient_id}{section}")
        assert page.status_code == 200, section
        assert "No active prescription" in page.text
        assert "Call +44 20 7946 0000" in page.text


def test_the_day_after_an_injection_no_problems_is_noted_and_not_asked_again(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime, clock: Clock
) -> None:
    csrf, patient_id = open_record(pages, demo["patient"])
    injection_id = log_dose_3(sqlite_runtime, demo["patient"], patient_id)
    assert "How did it go?" not in pages.get(f"/p/{patient_id}").text  # not on the same day
    clock.advance(days=1)
    csrf, _ = open_record(pages, demo["patient"])  # a session lasts hours, not days
    assert "How did it go?" in pages.get(f"/p/{patient_id}").text
    answer = pages.post(
        f"/p/{patient_id}/how-did-it-go",
        data={"csrf_token": csrf, "injection_id": injection_id, "answer": "fine"},
    )
    assert answer.status_code == 303
    home = pages.get(answer.headers["location"]).text
    assert "Noted: no problems" in home and "How did it go?" not in home
    assert reactions_of(sqlite_runtime, injection_id) == []


def test_reported_reactions_are_triaged_in_the_diary_and_kept_on_the_injection(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime, clock: Clock
) -> None:
    _, patient_id = open_record(pages, demo["caregiver"])
    injection_id = log_dose_3(sqlite_runtime, demo["caregiver"], patient_id)
    clock.advance(days=1)
    csrf, _ = open_record(pages, demo["caregiver"])
    form = {
        "csrf_token": csrf,
        "injection_id": injection_id,
        "answer": "reactions",
        "choices": ["fever", "headache"],
        "idempotency_key": "k1",
    }
    answer = pages.post(f"/p/{patient_id}/how-did-it-go", data=form)
    assert answer.status_code == 303
    result = pages.get(answer.headers["location"]).text
    assert "This is usually expected" in result  # a flu-like reaction the day after dose 3
    assert "fever, headache" in result
    with sqlite_runtime.database.writing() as session:
        assert session.scalars(select(DiaryEntry.urgency)).all() == ["self_care"]
    assert reactions_of(sqlite_runtime, injection_id) == ["fever", "headache"]
    assert "How did it go?" not in pages.get(f"/p/{patient_id}").text


def test_overdue_banner_and_the_next_day_card_in_the_browser(
    page, live_server: LiveServer, demo: dict[str, DemoAccount]
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo["patient"])
    banner = page.get_by_role("alert")
    assert "Dose 3 is 4 days overdue" in banner.inner_text()
    check_accessibility(page)
    patient_id = page.url.rstrip("/").rsplit("/", 1)[1]
    log_dose_3(live_server.runtime, demo["patient"], patient_id)
    live_server.clock.advance(days=1)
    sign_in(page, demo["patient"])  # a session lasts hours, not days
    assert page.get_by_role("heading", name="How did it go?").is_visible()
    assert page.get_by_role("alert").count() == 0  # nothing overdue any more
    check_accessibility(page)
    page.get_by_role("button", name="No problems").click()
    assert page.get_by_role("status").filter(has_text="no problems").is_visible()
    assert page.get_by_role("heading", name="How did it go?").count() == 0
