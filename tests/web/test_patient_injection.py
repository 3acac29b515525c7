"""Logging an injection: the form without JavaScript, its refusals kept on the form, the key that
makes a double submit log once, the arm rule, and the body map in a real browser."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from ofacare.records.tables import Injection, User
from ofacare.services.access import Actor, Role
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client


def open_record(pages: TestClient, account: DemoAccount) -> tuple[str, str]:
    """Sign in; the CSRF token and the id of the record the account lands on."""
    csrf = sign_in_client(pages, account.email, account.password)
    landing = pages.get("/choose")
    assert landing.status_code == 303, landing.text
    return csrf, landing.headers["location"].rsplit("/", 1)[1]


def demo_actor(runtime: Runtime, account: DemoAccount) -> Actor:
    with runtime.database.writing() as session:
        user = session.scalar(select(User).where(User.email == account.email))
        assert user is not None
        return Actor(user_id=user.id, role=Role(user.role), address="127.0.0.1")


def doses_logged(runtime: Runtime, patient_id: str) -> list[int]:
    with runtime.database.writing() as session:
        query = select(Injection.dose_number).where(Injection.patient_id == patient_id)
        return sorted(session.scalars(query))


def form_key(pages: TestClient, patient_id: str) -> str:
    page = pages.get(f"/p/{patient_id}/inject")
    assert page.status_code == 200
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def injection_form(csrf: str, key: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "idempotency_key": key,
        "given_at": "2026-03-02T08:30",
        "injected_by": "self",
        "site": "thigh-left",
        **fields,
    }


def test_logging_without_javascript_saves_dose_3_and_moves_the_plan(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, patient_id = open_record(pages, demo["patient"])
    saved = pages.post(
        f"/p/{patient_id}/inject",
        data=injection_form(csrf, form_key(pages, patient_id), pen_lot="LOT-7"),
    )
    assert saved.status_code == 303
    page = pages.get(saved.headers["location"])
    assert page.status_code == 200
    assert "Dose 3 is logged." in page.text
    assert "Monday, 16 March 2026" in page.text  # dose 4 counted from today, not from 26 February
    assert "Next injection area: Front of right thigh." in page.text
    assert doses_logged(sqlite_runtime, patient_id) == [1, 2, 3]
    schedule = pages.get(f"/p/{patient_id}/schedule").text
    assert "Taken 4 days late" in schedule
    assert "overdue" not in pages.get(f"/p/{patient_id}").text.lower()


def test_bad_input_comes_back_on_the_form_kept_and_named(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, patient_id = open_record(pages, demo["patient"])
    key = form_key(pages, patient_id)
    answer = pages.post(
        f"/p/{patient_id}/inject",
        data=injection_form(csrf, key, given_at="next tuesday", pen_lot="LOT-77"),
    )
    assert answer.status_code == 422
    assert "given_at: &#39;next tuesday&#39; is not a date and time" in answer.text
    assert 'value="next tuesday"' in answer.text and 'value="LOT-77"' in answer.text
    assert f'value="{key}"' in answer.text
    future = pages.post(
        f"/p/{patient_id}/inject", data=injection_form(csrf, key, given_at="2026-03-03T09:00")
    )
    assert future.status_code == 422
    assert "is in the future" in future.text and 'value="2026-03-03T09:00"' in future.text
    assert doses_logged(sqlite_runtime, patient_id) == [1, 2]


def test_a_second_injection_the_same_day_is_refused_as_a_possible_duplicate(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = open_record(pages, demo["patient"])
    first = pages.post(
        f"/p/{patient_id}/inject", data=injection_form(csrf, form_key(pages, patient_id))
    )
    assert first.status_code == 303
    again = pages.post(
        f"/p/{patient_id}/inject",
        data=injection_form(csrf, form_key(pages, patient_id), given_at="2026-03-02T08:45"),
    )
    assert again.status_code == 422
    assert "dose 3 was already recorded" in again.text


def test_the_form_needs_its_csrf_token(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    _, patient_id = open_record(pages, demo["patient"])
    forged = pages.post(
        f"/p/{patient_id}/inject", data=injection_form("forged", form_key(pages, patient_id))
    )
    assert forged.status_code == 403
    assert doses_logged(sqlite_runtime, patient_id) == [1, 2]


def test_a_double_submit_with_the_same_key_logs_once(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, patient_id = open_record(pages, demo["patient"])
    form = injection_form(csrf, form_key(pages, patient_id))
    first = pages.post(f"/p/{patient_id}/inject", data=form)
    second = pages.post(f"/p/{patient_id}/inject", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert doses_logged(sqlite_runtime, patient_id) == [1, 2, 3]


def test_a_caregiver_may_choose_the_arm_and_a_self_injection_may_not(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, patient_id = open_record(pages, demo["patient"])
    refused = pages.post(
        f"/p/{patient_id}/inject",
        data=injection_form(csrf, form_key(pages, patient_id), site="upper-arm-left"),
    )
    assert refused.status_code == 422
    assert (
        "site: &#39;upper-arm-left&#39; is for when someone else gives the injection"
        in refused.text
    )
    assert 'id="f-site-error"' in refused.text
    csrf, _ = open_record(pages, demo["caregiver"])
    form = pages.get(f"/p/{patient_id}/inject").text
    assert 'name="injected_by" value="caregiver" checked' in form
    allowed = pages.post(
        f"/p/{patient_id}/inject",
        data=injection_form(
            csrf, form_key(pages, patient_id), site="upper-arm-left", injected_by="caregiver"
        ),
    )
    assert allowed.status_code == 303
    saved = pages.get(allowed.headers["location"]).text
    assert "Outer left upper arm" in saved


def test_patient_logs_an_injection_on_the_body_map_and_sees_the_plan_move(
    page, live_server: LiveServer, demo: dict[str, DemoAccount]
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo["patient"])
    page.get_by_role("link", name="Log this injection").click()
    assert page.get_by_label("Outer left upper arm").is_disabled()  # self-injection: no arm
    check_accessibility(page)
    page.get_by_label("Date and time of the injection").fill("2026-03-03T09:00")
    page.get_by_role("button", name="Save injection").click()
    assert page.get_by_role("alert").filter(has_text="is in the future").count() == 1
    check_accessibility(page)
    page.get_by_label("Date and time of the injection").fill("2026-03-02T08:30")
    page.locator('[data-site="thigh-right"]').click()
    assert page.get_by_label("Front of right thigh").is_checked()
    page.get_by_label("A caregiver, family member or friend").check()
    assert page.get_by_label("Outer left upper arm").is_enabled()
    page.get_by_role("button", name="Save injection").click()
    assert page.get_by_role("heading", name="Saved", exact=True).is_visible()
    assert "Dose 3 is logged." in page.inner_text("main")
    assert "Monday, 16 March 2026" in page.inner_text("main")
    check_accessibility(page)
