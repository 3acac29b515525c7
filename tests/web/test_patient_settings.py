"""Settings: reminders and where the patient lives, caregivers, who looked, export and closing
the account; forms without JavaScript, their refusals kept on the form, and the pages in a real
browser."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

from ofacare.services import caregivers, patients
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client
from tests.web.patient_lookup import demo_actor, demo_patient_id


def open_settings(pages: TestClient, account: DemoAccount) -> tuple[str, str]:
    """Sign in as the patient; the CSRF token and the record's settings address."""
    csrf = sign_in_client(pages, account.email, account.password)
    return csrf, f"/p/{demo_patient_id(pages)}/settings"


def preferences(csrf: str, **changes: str) -> dict[str, str]:
    values = {
        "csrf_token": csrf,
        "reminder_channel": "calendar",
        "reminder_time": "07:45",
        "timezone": "America/New_York",
        "country": "US",
        "email": "alex@example.org",
    }
    return values | changes


def stored(runtime: Runtime, patient_id: str) -> tuple[str, str, str, str, str | None]:
    record = patients.get_patient(runtime, demo_actor(runtime, "clinician"), patient_id)
    return (
        record.reminder_channel,
        record.reminder_time.strftime("%H:%M"),
        record.timezone,
        record.country,
        record.email,
    )


def test_the_patient_saves_reminders_timezone_and_country(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, settings = open_settings(pages, demo["patient"])
    answer = pages.post(settings, data=preferences(csrf))
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{settings}?saved=true"
    patient_id = settings.split("/")[2]
    assert stored(sqlite_runtime, patient_id) == (
        "calendar", "07:45", "America/New_York", "US", "alex@example.org",
    )  # fmt: skip
    shown = pages.get(answer.headers["location"]).text
    assert "Saved" in shown
    assert "°F" in shown  # an American reader gets Fahrenheit


def test_the_settings_page_explains_each_reminder_channel_and_links_the_feed(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, settings = open_settings(pages, demo["patient"])
    shown = pages.get(settings).text
    for label in ("By email", "Calendar feed only", "No reminders"):
        assert label in shown
    assert f'href="{settings.removesuffix("/settings")}/schedule#subscribe"' in shown


def test_an_unknown_timezone_is_named_kept_on_the_form_and_nothing_is_stored(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, settings = open_settings(pages, demo["patient"])
    patient_id = settings.split("/")[2]
    before = stored(sqlite_runtime, patient_id)
    answer = pages.post(settings, data=preferences(csrf, timezone="Mars/Olympus_Mons"))
    assert answer.status_code == 422
    assert "timezone: &#39;Mars/Olympus_Mons&#39; is not an IANA timezone name" in answer.text
    assert 'value="Mars/Olympus_Mons"' in answer.text
    assert 'value="07:45"' in answer.text  # the rest of the input is kept too
    assert stored(sqlite_runtime, patient_id) == before


def test_a_settings_form_without_the_session_token_is_refused(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    _, settings = open_settings(pages, demo["patient"])
    patient_id = settings.split("/")[2]
    before = stored(sqlite_runtime, patient_id)
    assert pages.post(settings, data=preferences("forged")).status_code == 403
    assert stored(sqlite_runtime, patient_id) == before


@pytest.mark.parametrize("role", ["caregiver", "clinician"])
@pytest.mark.parametrize(
    "section", ["", "/caregivers", "/access", "/record.zip", "/record.fhir.json", "/delete"]
)
def test_only_the_patient_opens_settings(
    pages: TestClient, demo: dict[str, DemoAccount], role: str, section: str
) -> None:
    _, settings = open_settings(pages, demo["patient"])
    pages.cookies.clear()
    sign_in_client(pages, demo[role].email, demo[role].password)
    answer = pages.get(settings + section)
    assert answer.status_code == 403
    assert "You cannot open this page" in answer.text


def test_inviting_a_caregiver_shows_the_code_once_and_it_sets_up_their_account(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, settings = open_settings(pages, demo["patient"])
    answer = pages.post(
        f"{settings}/caregivers", data={"csrf_token": csrf, "email": "kim@example.org"}
    )
    assert answer.status_code == 200
    found = re.search(r'<code id="invitation-code">([^<]+)</code>', answer.text)
    assert found is not None
    code = found.group(1)
    assert "/invitation" in answer.text and "You will see this code only now" in answer.text
    listing = pages.get(f"{settings}/caregivers").text
    assert "kim@example.org" in listing and "Invited, not yet accepted" in listing
    assert code not in listing
    pages.cookies.clear()
    accepted = pages.post(
        "/invitation",
        data={"code": code, "display_name": "Kim", "password": "a long caregiver password"},
    )
    assert accepted.status_code == 200 and "You are set up" in accepted.text


def test_a_bad_invitation_email_is_named_and_nobody_is_invited(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, settings = open_settings(pages, demo["patient"])
    patient_id = settings.split("/")[2]
    actor = demo_actor(sqlite_runtime, "patient")
    before = len(caregivers.list_caregivers(sqlite_runtime, actor, patient_id))
    answer = pages.post(f"{settings}/caregivers", data={"csrf_token": csrf, "email": "kim at home"})
    assert answer.status_code == 422
    assert "email: &#39;kim at home&#39; is not an email address" in answer.text
    assert 'value="kim at home"' in answer.text
    assert len(caregivers.list_caregivers(sqlite_runtime, actor, patient_id)) == before
    refused = pages.post(f"{settings}/caregivers", data={"csrf_token": "x", "email": "a@b.org"})
    assert refused.status_code == 403
    assert len(caregivers.list_caregivers(sqlite_runtime, actor, patient_id)) == before


def test_revoking_a_caregiver_asks_first_then_ends_their_access(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf, settings = open_settings(pages, demo["patient"])
    patient_id = settings.split("/")[2]
    (link,) = caregivers.list_caregivers(
        sqlite_runtime, demo_actor(sqlite_runtime, "patient"), patient_id
    )
    confirm = pages.get(f"{settings}/caregivers/{link.id}/revoke")
    assert confirm.status_code == 200
    assert "will no longer be able to open your record" in confirm.text
    done = pages.post(f"{settings}/caregivers/{link.id}/revoke", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert "Revoked" in pages.get(done.headers["location"]).text
    pages.cookies.clear()
    sign_in_client(pages, demo["caregiver"].email, demo["caregiver"].password)
    assert pages.get(f"/p/{patient_id}").status_code == 404


def test_who_viewed_my_record_lists_the_ms_team_in_the_patients_time(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    _, settings = open_settings(pages, demo["patient"])
    patients.get_patient(
        sqlite_runtime, demo_actor(sqlite_runtime, "clinician"), settings.split("/")[2]
    )
    shown = pages.get(f"{settings}/access?others=true").text
    assert "Nurse Priya Shah" in shown and "MS team" in shown and "Opened your record" in shown
    assert "2 Mar 2026, 09:00:00" in shown  # Europe/London in March is UTC
    assert ">You<" not in shown  # only other people


def test_the_fhir_download_is_a_bundle_saved_as_a_file(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, settings = open_settings(pages, demo["patient"])
    answer = pages.get(f"{settings}/record.fhir.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/fhir+json"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="ofacare-record-2026-03-02.fhir.json"'
    )
    bundle = json.loads(answer.content)
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert bundle["resourceType"] == "Bundle" and "Patient" in kinds
    assert "MedicationAdministration" in kinds


def test_the_csv_download_is_a_zip_of_one_file_per_kind(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    _, settings = open_settings(pages, demo["patient"])
    answer = pages.get(f"{settings}/record.zip")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="ofacare-record-2026-03-02.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = set(archive.namelist())
        injections = archive.read("injections.csv").decode("utf-8-sig").splitlines()
    assert names == {"about.txt", "injections.csv", "diary.csv", "labs.csv", "vaccinations.csv"}
    assert injections[0].startswith("given_at,given_on,dose_number,site")
    assert len(injections) == 3  # the demo patient's two doses


def test_a_wrong_confirmation_phrase_keeps_the_account(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, settings = open_settings(pages, demo["patient"])
    answer = pages.post(
        f"{settings}/delete",
        data={"csrf_token": csrf, "confirmation": "delete", "password": demo["patient"].password},
    )
    assert answer.status_code == 422
    assert "confirmation: &#39;delete&#39; is not the phrase" in answer.text
    assert 'value="delete"' in answer.text
    assert pages.get(settings).status_code == 200  # still signed in, nothing deleted


def test_deleting_the_account_signs_out_and_leaves_the_record_with_the_team(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    csrf, settings = open_settings(pages, demo["patient"])
    patient_id = settings.split("/")[2]
    warning = pages.get(f"{settings}/delete").text
    assert "stays with Demo MS Centre" in warning and "settings/record.zip" in warning
    refused = pages.post(f"{settings}/delete", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    answer = pages.post(
        f"{settings}/delete",
        data={
            "csrf_token": csrf,
            "confirmation": "delete my account",
            "password": demo["patient"].password,
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/goodbye"
    assert 'ofacare_session=""' in answer.headers["set-cookie"]
    assert "Your account is closed" in pages.get("/goodbye").text
    pages.cookies.clear()
    again = pages.post(
        "/sign-in",
        data={"email": demo["patient"].email, "password": demo["patient"].password, "next": "/"},
    )
    assert again.status_code == 401
    sign_in_client(pages, demo["caregiver"].email, demo["caregiver"].password)
    assert pages.get(f"/p/{patient_id}").status_code == 404  # caregiver links ended
    pages.cookies.clear()
    sign_in_client(pages, demo["clinician"].email, demo["clinician"].password)
    assert pages.get(f"/api/v1/patients/{patient_id}").status_code == 200


def test_the_patient_invites_a_caregiver_in_the_browser_and_sees_the_code(
    page,  # type: ignore[no-untyped-def]
    live_server: LiveServer,
    demo: dict[str, DemoAccount],
) -> None:
    sign_in(page, demo["patient"])
    page.get_by_role("link", name="Settings", exact=True).click()
    check_accessibility(page)
    page.get_by_label("Timezone").fill("Nowhere/Special")
    page.get_by_role("button", name="Save settings").click()
    assert "is not an IANA timezone name" in page.content()
    check_accessibility(page)
    page.get_by_role("link", name="Who viewed my record").first.click()
    check_accessibility(page)
    page.get_by_role("link", name="Back to settings").click()
    page.get_by_role("link", name="Caregivers", exact=True).first.click()
    check_accessibility(page)
    page.get_by_label("Their email address").fill("kim@example.org")
    page.get_by_role("button", name="Invite and show the code").click()
    code = page.locator("#invitation-code").inner_text()
    assert len(code) >= 16
    check_accessibility(page)
    page.get_by_role("link", name="Back to caregivers").click()
    page.get_by_role("link", name="Revoke Sam Morgan").click()
    check_accessibility(page)


def test_the_delete_confirmation_page_and_its_error_are_accessible(
    page,  # type: ignore[no-untyped-def]
    live_server: LiveServer,
    demo: dict[str, DemoAccount],
) -> None:
    sign_in(page, demo["patient"])
    page.goto(page.url.rstrip("/") + "/settings/delete")
    check_accessibility(page)
    page.get_by_label("Type the words: delete my account").fill("delete it")
    page.get_by_label("Your password").fill("wrong password")
    page.get_by_role("button", name="Delete my account").click()
    assert "is not the phrase" in page.content()
    check_accessibility(page)
    page.get_by_label("Type the words: delete my account").fill("delete my account")
    page.get_by_label("Your password").fill(demo["patient"].password)
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url("**/goodbye")
    check_accessibility(page)
