"""Bad input through the pages: the form comes back with the message beside the field and the
input kept, or (for a post no form could make) an HTML error page; never a traceback, and
nothing is stored. Forms are posted as a browser without JavaScript posts them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ofacare.records.tables import Injection, LabResult, Patient, Vaccination
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from tests.web.conftest import sign_in_client
from tests.web.test_patient_injection import form_key, injection_form, open_record
from tests.web.test_team_panel import patient_ids

BROWSER = {"Accept": "text/html,application/xhtml+xml"}


def count(runtime: Runtime, table: type) -> int:
    with runtime.database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def assert_page(answer, status: int, *texts: str) -> None:  # type: ignore[no-untyped-def]
    """An HTML page (not JSON, not a traceback) with this status, saying each text."""
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")
    assert "Traceback" not in answer.text
    for text in texts:
        assert text in answer.text, text


@pytest.fixture
def patient(pages: TestClient, demo: dict[str, DemoAccount]) -> tuple[str, str]:
    """The demo patient signed in: their CSRF token and record id."""
    return open_record(pages, demo["patient"])


@pytest.fixture
def nurse(pages: TestClient, demo: dict[str, DemoAccount]) -> str:
    return sign_in_client(pages, demo["clinician"].email, demo["clinician"].password)


BAD_TIMES = [
    ("given_at", "2026-03-03T08:30"),  # tomorrow (the clock says 2 March 2026)
    ("given_at", "2026-01-01T08:30"),  # before the course
    ("given_at", "1900-01-01T08:30"),
    ("given_at", "0001-01-01T08:30"),
    ("given_at", "2026-02-30T08:30"),
    ("given_at", "10000-01-01T08:30"),
    ("out_of_fridge_at", "1900-01-01T08:00"),
]


def test_the_patient_pages_refuse_bad_times_places_posts_and_addresses_and_store_nothing(
    pages, patient, sqlite_runtime
):  # type: ignore[no-untyped-def]
    csrf, patient_id = patient
    injections = count(sqlite_runtime, Injection)
    check_injection_times(pages, csrf, patient_id)
    check_settings(pages, csrf, patient_id, sqlite_runtime)
    check_unreadable_posts(pages, csrf, patient_id)
    check_page_addresses(pages, patient_id)
    assert count(sqlite_runtime, Injection) == injections


def check_injection_times(pages, csrf: str, patient_id: str) -> None:  # type: ignore[no-untyped-def]
    for field, value in BAD_TIMES:
        form = injection_form(csrf, form_key(pages, patient_id), **{field: value})
        answer = pages.post(f"/p/{patient_id}/inject", data=form, headers=BROWSER)
        assert_page(answer, 422, f'id="f-{field}-error"', f'value="{value}"')


def check_settings(pages, csrf: str, patient_id: str, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.database.reading() as session:
        record = session.get(Patient, patient_id)
        assert record is not None
        kept = (record.timezone, record.country)
    form = {"csrf_token": csrf, "timezone": "Europe/London", "country": "GB",
            "reminder_time": "09:00", "reminder_channel": "email", "email": "alex@example.org"}  # fmt: skip
    for field, value in (("timezone", "Mars/Olympus"), ("timezone", "localtime"),
                         ("country", "ZZ"), ("country", "GBR"), ("reminder_time", "25:61")):  # fmt: skip
        answer = pages.post(
            f"/p/{patient_id}/settings", data={**form, field: value}, headers=BROWSER
        )
        assert_page(answer, 422, f'id="f-{field}-error"', f"{field}: &#39;{value}&#39;")
    with runtime.database.reading() as session:
        record = session.get(Patient, patient_id)
        assert record is not None and (record.timezone, record.country) == kept


def check_unreadable_posts(pages, csrf: str, patient_id: str) -> None:  # type: ignore[no-untyped-def]
    """Posts no form of ofacare makes: an HTML error page, or the form with the field named."""
    url = f"/p/{patient_id}/inject"
    huge = injection_form(csrf, form_key(pages, patient_id), notes="x" * 2_000_000)
    assert_page(pages.post(url, data=huge, headers=BROWSER), 413, "more than 1,048,576 bytes")
    long = injection_form(csrf, form_key(pages, patient_id), notes="x" * 900_000)
    assert_page(pages.post(url, data=long, headers=BROWSER), 422, 'id="f-notes-error"')
    nul = injection_form(csrf, form_key(pages, patient_id), notes="went\x00fine")
    assert_page(pages.post(url, data=nul, headers=BROWSER), 422, "holds a NUL character")
    fields = "&".join(f"f{n}=1" for n in range(5000)).encode()
    form_type = {**BROWSER, "Content-Type": "application/x-www-form-urlencoded"}
    assert_page(pages.post(url, content=fields, headers=form_type), 422, "form could not be read")
    broken = {**BROWSER, "Content-Type": "multipart/form-data; boundary=B"}
    assert_page(
        pages.post(url, content=b"not multipart", headers=broken), 422, "form could not be read"
    )


def check_page_addresses(pages, patient_id: str) -> None:  # type: ignore[no-untyped-def]
    for path in ("/p/-1", f"/p/{2**70}", f"/p/{patient_id}/inject/saved/{2**70}",
                 f"/p/{patient_id}/symptoms/abc", f"/p/{'1' * 300}"):  # fmt: skip
        assert_page(pages.get(path, headers=BROWSER), 404)
    for path, field in ((f"/p/{patient_id}/schedule?month=9999-12", "month"),
                        (f"/p/{patient_id}/diary?urgency=soon", "urgency"),
                        (f"/p/{patient_id}/settings/access?page=-1", "page")):  # fmt: skip
        assert_page(pages.get(path, headers=BROWSER), 422, f"{field}: ")
    assert_page(pages.get(f"/p/{patient_id}/symptoms/a%00b", headers=BROWSER), 422, "NUL")
    for header in ("xx-YY;q=abc, ,;;", "de-DE,\x01", "*" * 4000):  # no catalogue: English
        answer = pages.get(f"/p/{patient_id}", headers={**BROWSER, "Accept-Language": header})
        assert_page(answer, 200)
        assert re.search(r'<html lang="en"', answer.text)


LAB_FORMS = [
    ({"value": "10000"}, "value", "10000"),  # g/L: mg/dL typed as g/L
    ({"value": "0"}, "value", "0"),
    ({"value": "nan"}, "value", "nan"),
    ({"unit": "mmol/L"}, "unit", None),  # a choice list: the unknown unit is not an option
    ({"collected_on": "2026-03-09"}, "collected_on", "2026-03-09"),
    ({"collected_on": "1900-01-01"}, "collected_on", "1900-01-01"),
]


def test_the_team_pages_refuse_impossible_results_dates_places_and_addresses_and_store_nothing(
    pages, nurse, sqlite_runtime, demo
):  # type: ignore[no-untyped-def]
    alex = patient_ids(sqlite_runtime)["Alex"]
    stored = {t: count(sqlite_runtime, t) for t in (LabResult, Vaccination, Patient)}
    lab = {"csrf_token": nurse, "form_id": "lab-IgG", "test": "IgG", "unit": "g/L", "value": "8",
           "collected_on": "2026-03-01"}  # fmt: skip
    for change, field, value in LAB_FORMS:
        answer = pages.post(f"/team/patients/{alex}/labs", data={**lab, **change}, headers=BROWSER)
        kept = (f'value="{value}"',) if value else ()
        assert_page(answer, 422, f'id="lab-IgG-{field}-error"', *kept)
    vaccine = {"csrf_token": nurse, "name": "flu", "live": "false", "given_on": "2026-03-09"}
    answer = pages.post(f"/team/patients/{alex}/vaccinations", data=vaccine, headers=BROWSER)
    assert_page(answer, 422, 'id="vaccination-given_on-error"')
    screening = {"csrf_token": nurse, "ms_type": "RRMS", "planned_start_on": "9999-12-31"}
    answer = pages.post(f"/team/patients/{alex}/screening", data=screening, headers=BROWSER)
    assert_page(answer, 422, 'id="screening-planned_start_on-error"')
    new = {"csrf_token": nurse, "given_name": "Rowan", "family_name": "Price",
           "birth_date": "1991-07-14", "sex": "female", "country": "GB",
           "timezone": "Europe/London", "ms_type": "RRMS"}  # fmt: skip
    for field, value in (("country", "XX"), ("timezone", "localtime"), ("birth_date", "1900-01-01"),
                         ("planned_start_on", "9999-12-31")):  # fmt: skip
        answer = pages.post("/team/patients/new", data={**new, field: value}, headers=BROWSER)
        assert_page(answer, 422, f'id="f-{field}-error"', f'value="{value}"', 'value="Rowan"')
    assert {t: count(sqlite_runtime, t) for t in stored} == stored
    in_mg = pages.post(f"/team/patients/{alex}/labs", data={**lab, "value": "800", "unit": "mg/dL"})
    assert in_mg.status_code == 303  # a unit ofacare converts is kept as sent
    assert count(sqlite_runtime, LabResult) == stored[LabResult] + 1
    for path, status in (("/team?page=-1", 422), ("/team?sort=bogus", 422),
                         (f"/team/patients/{2**70}", 404), (f"/team/patients/{'1' * 300}", 404),
                         ("/team/patients/a%00b", 422)):  # fmt: skip
        assert_page(pages.get(path, headers=BROWSER), status)
