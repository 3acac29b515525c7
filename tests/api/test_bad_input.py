"""Bad input over HTTP: every refusal is a 4xx in the one error shape naming the field and the
value, and nothing is stored (rows counted before and after, on SQLite and PostgreSQL).

Dates in the future, before the course, before birth, absurdly old or out of range; impossible
lab values and units (the plausible ranges are knowledge-base facts, ofacare design); huge and
malformed bodies refused before any route; unknown timezones, countries and enum values; ids in
paths that are no id at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.records.tables import (
    DiaryEntry,
    IdempotentRequest,
    Injection,
    LabResult,
    Patient,
    PenEvent,
    Prescription,
    Vaccination,
)
from ofacare.services.labs import PLAUSIBLE, UNITS
from ofacare.services.runtime import build_runtime
from tests.people import World, build_world, signed_in

RECORDS = (
    Patient, Prescription, Injection, PenEvent, DiaryEntry, LabResult, Vaccination,
    IdempotentRequest,
)  # fmt: skip
SCREENING = {
    "ms_type": "RRMS", "can_become_pregnant": False, "pregnant": False, "breastfeeding": False,
    "active_infection": False, "severely_immunocompromised": False, "active_malignancy": False,
    "immunosuppressants": [],
}  # fmt: skip
IGG = {"test": "IgG", "value": 8.0, "unit": "g/L", "collected_on": "2026-03-01"}
NEW_PATIENT = {"given_name": "Sam", "family_name": "Hart", "birth_date": "1985-04-02"}


def stored(runtime) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many rows each table a request could write holds."""
    with runtime.database.reading() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in RECORDS
        }


def assert_refused(answer, status: int, field: str, value: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """The one error shape, the status, a message that starts with the field and quotes the value."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["ok"] is False and set(body["error"]) == {"code", "message", "hint"}
    message = body["error"]["message"]
    assert message.startswith(f"{field}:"), message
    if value is not None:
        assert value in message, message


def patient_path(world: World, tail: str = "") -> str:
    return f"/api/v1/patients/{world.patient_id}{tail}"


@pytest.fixture
def world(client: TestClient, runtime) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """The small world with a course that started on 2026-02-02 (the clock says 2026-03-02)."""
    built = build_world(runtime)
    headers = signed_in(client, built.emails["clinician"])
    started = client.post(
        patient_path(built, "/prescriptions"), json={"start_on": "2026-02-02"}, headers=headers
    )
    assert started.status_code == 201, started.text
    yield built


# --- Dates ---------------------------------------------------------------------------------------

CLINICIAN_DATES = [
    ("/labs", {**IGG, "collected_on": "2026-03-09"}, "collected_on", "2026-03-09"),  # next week
    ("/labs", {**IGG, "collected_on": "1900-01-01"}, "collected_on", "1900-01-01"),
    ("/labs", {**IGG, "collected_on": "2026-02-30"}, "collected_on", "2026-02-30"),
    ("/labs", {**IGG, "collected_on": "10000-01-01"}, "collected_on", "10000-01-01"),
    ("/vaccinations", {"name": "flu", "live": False, "given_on": "2026-03-03"}, "given_on", "2026-03-03"),
    ("/vaccinations", {"name": "flu", "live": False, "given_on": "1989-01-01"}, "given_on", "1989-01-01"),
    ("/vaccines/check", {"name": "MMR", "live": True, "planned_on": "9999-12-31"}, "planned_on", "9999-12-31"),
    ("/prescriptions", {"start_on": "9999-12-31"}, "start_on", "9999-12-31"),
    ("/prescriptions", {"start_on": "1900-01-01"}, "start_on", "1900-01-01"),
]  # fmt: skip
PATIENT_DATES = [
    ("/injections", {"given_at": "2026-03-03T08:30:00+00:00", "site": "thigh-left"}, "given_at", "2026-03-03"),  # tomorrow
    ("/injections", {"given_at": "2026-01-20T08:30:00+00:00", "site": "thigh-left"}, "given_at", "2026-01-20"),  # before the course
    ("/injections", {"given_at": "1900-01-01T08:30:00+00:00", "site": "thigh-left"}, "given_at", "1900-01-01"),
    ("/injections", {"given_at": "0001-01-01T00:00:00+09:00", "site": "thigh-left"}, "given_at", "0001-01-01"),  # was a 500
    ("/injections", {"given_at": "2026-02-30T08:30:00+00:00", "site": "thigh-left"}, "given_at", "2026-02-30"),
    ("/injections", {"given_at": "2026-03-01T08:30:00+00:00", "site": "thigh-left",
                     "out_of_fridge_at": "1900-01-01T08:00:00+00:00"}, "out_of_fridge_at", "1900-01-01"),
    ("/diary", {"text": "headache", "recorded_at": "2026-03-09T08:00:00+00:00"}, "recorded_at", "2026-03-09"),
    ("/diary", {"text": "headache", "recorded_at": "1900-01-01T08:00:00+00:00"}, "recorded_at", "1900-01-01"),
    ("/diary", {"text": "headache", "recorded_at": "0001-01-01T00:00:00+09:00"}, "recorded_at", "0001-01-01"),
    ("/pens/events", {"pen": "SN-1", "kind": "out-of-fridge", "occurred_at": "2026-03-03T08:00:00+00:00"}, "occurred_at", "2026-03-03"),
    ("/pens/events", {"pen": "SN-1", "kind": "out-of-fridge", "occurred_at": "1900-01-01T08:00:00+00:00"}, "occurred_at", "1900-01-01"),
]  # fmt: skip


def test_dates_in_the_future_before_the_course_or_birth_or_out_of_range_are_422_and_store_nothing(
    client, runtime, world
):  # type: ignore[no-untyped-def]
    before = stored(runtime)
    headers = signed_in(client, world.emails["clinician"])
    for tail, body, field, value in CLINICIAN_DATES:
        assert_refused(
            client.post(patient_path(world, tail), json=body, headers=headers), 422, field, value
        )
    for body, value in (({"planned_start_on": "9999-12-31"}, "9999-12-31"),
                        ({"planned_start_on": "1980-01-01"}, "1980-01-01")):  # fmt: skip
        assert_refused(
            client.patch(patient_path(world), json=body, headers=headers),
            422,
            "planned_start_on",
            value,
        )
    screening = {**SCREENING, "planned_start_on": "9999-12-31"}  # was stored, then a 500
    assert_refused(
        client.put(patient_path(world, "/screening"), json=screening, headers=headers),
        422,
        "planned_start_on",
    )
    for born in ("2027-01-01", "1900-01-01"):
        new = client.post(
            "/api/v1/patients", json={**NEW_PATIENT, "birth_date": born}, headers=headers
        )
        assert_refused(new, 422, "birth_date", born)
    headers = signed_in(client, world.emails["patient"])
    for tail, body, field, value in PATIENT_DATES:
        assert_refused(
            client.post(patient_path(world, tail), json=body, headers=headers), 422, field, value
        )
    assert_refused(
        client.get(patient_path(world, "/diary?until=9999-12-31")), 422, "until", "9999-12-31"
    )
    assert stored(runtime) == before
    with runtime.database.reading() as session:
        patient = session.get(Patient, world.patient_id)
        assert patient is not None and patient.planned_start_on is None


# --- Lab values and units ------------------------------------------------------------------------


def test_every_unit_a_test_is_reported_in_has_a_plausible_range_factor():
    assert set(PLAUSIBLE) == {test for test, units in UNITS.items() if units}
    for test, (_fact, factors) in PLAUSIBLE.items():
        assert set(factors) == set(UNITS[test]), test


def test_lab_values_each_side_of_the_plausible_ranges_ofacare_design(client, runtime, world):  # type: ignore[no-untyped-def]
    """Source: knowledge base labs.plausible-* (ofacare design, plausibility limits for typed
    laboratory results): the edges are accepted, a step beyond them is refused."""
    headers = signed_in(client, world.emails["clinician"])
    accepted = 0
    for test, (fact_id, factors) in PLAUSIBLE.items():
        unit = next(iter(factors))
        low, high = runtime.kb.bounds(fact_id, unit)
        for value, ok in ((low, True), (high, True), (high * 1.001, False)) + (
            ((low - 0.001, False),) if low > 0 else ((0.0, True),)
        ):
            body = {"test": test, "value": value, "unit": unit, "collected_on": "2026-03-01"}
            answer = client.post(patient_path(world, "/labs"), json=body, headers=headers)
            if ok:
                assert answer.status_code == 201, (test, value, answer.text)
                accepted += 1
            else:
                assert_refused(answer, 422, "value", repr(float(value)))
                assert answer.json()["error"]["code"] == "lab.implausible"
    assert stored(runtime)["lab_results"] == accepted


BAD_LABS = [
    ({"value": -1}, "value", "-1.0"),
    ({"value": 0}, "value", "0.0"),  # no living person's IgG is zero
    ({"value": 10000}, "value", "10000.0"),  # g/L: a typo or mg/dL sent as g/L
    ({"value": 1e308}, "value", "1e+308"),
    ({"value": "Infinity"}, "value", "Infinity"),
    ({"unit": "mmol/L"}, "unit", "mmol/L"),
    ({"unit": "U/L"}, "unit", "U/L"),  # a unit of another test
    ({"unit": "g/L", "value": 8, "reference_high": 100000}, "reference_high", "100000"),
    ({"test": "9999-9"}, "test", "9999-9"),  # no such LOINC code
    ({"test": "vitamin D"}, "test", "vitamin D"),
    ({"test": "HBsAg"}, "value", "8.0"),  # a presence test takes a result word
    ({"value": None, "result": "maybe", "unit": None}, "result", "maybe"),
]


def test_impossible_lab_values_and_units_are_422_and_a_convertible_unit_is_kept(
    client, runtime, world
):  # type: ignore[no-untyped-def]
    headers = signed_in(client, world.emails["clinician"])
    path = patient_path(world, "/labs")
    for change, field, value in BAD_LABS:
        assert_refused(
            client.post(path, json={**IGG, **change}, headers=headers), 422, field, value
        )
    nan = json.dumps({**IGG, "value": float("nan")})  # Python writes the NaN JSON forbids
    answer = client.post(path, content=nan, headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 422 and answer.json()["error"]["message"].startswith("value:")
    assert stored(runtime)["lab_results"] == 0
    in_mg = client.post(path, json={**IGG, "value": 800, "unit": "mg/dl"}, headers=headers)
    assert in_mg.status_code == 201, in_mg.text  # 8 g/L: converted in trends, stored as sent
    assert (in_mg.json()["value"], in_mg.json()["unit"]) == (800, "mg/dL")
    too_much = client.post(path, json={**IGG, "value": 20001, "unit": "mg/dL"}, headers=headers)
    assert_refused(too_much, 422, "value", "20001.0 mg/dL")
    assert "1 to 20000 mg/dL" in too_much.json()["error"]["message"]  # 0.01-200 g/L, converted


# --- Huge and malformed bodies -------------------------------------------------------------------


def test_huge_and_malformed_bodies_are_refused_before_any_route_in_the_one_shape(
    client, runtime, world
):  # type: ignore[no-untyped-def]
    headers = signed_in(client, world.emails["patient"])
    path = patient_path(world, "/diary")
    as_json = {**headers, "Content-Type": "application/json"}
    limit = runtime.settings.max_body_bytes

    def post(content: bytes, **extra: str):  # type: ignore[no-untyped-def]
        return client.post(path, content=content, headers={**as_json, **extra})

    ten_mb = post(b'{"text": "' + b"x" * 10_000_000 + b'"}')
    assert_refused(ten_mb, 413, "body", f"{limit:,}")
    assert ten_mb.json()["error"]["code"] == "http.too-large"
    chunks = (b"[" + b"1," * 100_000 + b"1]" for _ in range(8))  # no Content-Length: counted
    assert_refused(client.post(path, content=chunks, headers=as_json), 413, "body")
    million = b'{"choices": [' + b",".join([b'"a"'] * 1_000_000) + b"]}"
    assert_refused(post(million), 413, "body")
    many = b'{"choices": [' + b",".join([b'"a"'] * 100_000) + b"]}"  # under the limit
    assert_refused(post(many), 422, "choices", "at most 20 items")
    one_mb_text = json.dumps({"text": "x" * 1_000_000}).encode()
    assert_refused(post(one_mb_text), 422, "text", "at most 1000 characters")
    assert_refused(post(b"[" * 100_000 + b"]" * 100_000), 422, "body", "nested more than 32")
    assert_refused(post(b'{"text": ' + b"[" * 40 + b"]" * 40 + b"}"), 422, "body", "nested")
    assert_refused(post(b'{"text": "\xff\xfe headache"}'), 422, "body", "not UTF-8")
    assert_refused(
        post(b'{"text": "tired", "text": "chest pain"}'), 422, "body", "'text' appears twice"
    )
    assert_refused(post(b'{"text": '), 422, "body", "line 1, column 10")
    assert_refused(post(b'{"text": "head\\u0000ache"}'), 422, "text", "NUL")  # PostgreSQL: 500
    refused = post(b'{"text": "headache"}', **{"Content-Type": "text/plain"})
    assert_refused(refused, 415, "Content-Type", "text/plain")
    assert refused.json()["error"]["code"] == "http.unsupported-media-type"
    assert_refused(client.get(patient_path(world, "/labs?test=%00")), 422, "query", "%00")
    assert_refused(client.get("/api/v1/patients/a%00b"), 422, "path", "a\\x00b")
    cds = "/cds-services/ofatumumab-order-sign"  # CDS Hooks reads its own JSON: 400, as standalone
    assert client.post(cds, content=b"{not json", headers=as_json).status_code == 400
    assert client.post(cds, content=b"[" * (limit + 1), headers=as_json).status_code == 413
    assert stored(runtime)["diary_entries"] == 0
    fine = post(json.dumps({"text": "a mild headache"}).encode())
    assert fine.status_code == 201, fine.text  # the body read by the limit reaches the route


def test_the_body_limit_is_a_setting(database_url):  # type: ignore[no-untyped-def]
    runtime = build_runtime(Settings(database_url=database_url, max_body_bytes=2048))
    try:
        with TestClient(create_app(runtime=runtime)) as small:
            over = small.post("/api/v1/ask", json={"question": "x" * 3000})
            assert_refused(over, 413, "body", "2,048 bytes")
            under = small.post("/api/v1/ask", json={"question": "x" * 1500})
            assert under.status_code == 401  # read, passed on, and refused for want of sign-in
    finally:
        runtime.database.dispose()
    assert Settings().max_body_bytes == 1_048_576


# --- Timezones, countries, languages and enum values ---------------------------------------------

BAD_PATIENTS = [
    ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
    ({"timezone": "localtime"}, "timezone", "localtime"),  # the server's own zone, not a place
    ({"timezone": "../../etc/passwd"}, "timezone", "../../etc/passwd"),
    ({"country": "XX"}, "country", "XX"),
    ({"country": "ZZ"}, "country", "ZZ"),
    ({"country": "GBR"}, "country", "GBR"),
    ({"sex": "x"}, "sex", "'x'"),
    ({"ms_type": "relapsing"}, "ms_type", "relapsing"),
    ({"reminder_time": "25:00"}, "reminder_time", "25:00"),
    ({"given_name": "Sa\u0007m"}, "given_name", "\\x07"),
    ({"email": "sam"}, "email", "sam"),
]


def test_unknown_timezones_countries_and_enum_values_are_422_and_store_nothing(
    client, runtime, world
):  # type: ignore[no-untyped-def]
    before = stored(runtime)
    headers = signed_in(client, world.emails["clinician"])
    for change, field, value in BAD_PATIENTS:
        answer = client.post("/api/v1/patients", json={**NEW_PATIENT, **change}, headers=headers)
        assert_refused(answer, 422, field, value)
    for change, field, value in BAD_PATIENTS[:6]:
        assert_refused(
            client.patch(patient_path(world), json=change, headers=headers), 422, field, value
        )
    weekly = client.post(patient_path(world, "/prescriptions"), json={"start_on": "2026-03-02", "interval_mode": "weekly"}, headers=headers)  # fmt: skip
    assert_refused(weekly, 422, "interval_mode", "weekly")
    headers = signed_in(client, world.emails["patient"])
    assert_refused(
        client.get(patient_path(world, "/injections/site-suggestion?injector=robot")),
        422,
        "injector",
        "robot",
    )
    assert_refused(client.get(patient_path(world, "/diary?urgency=soon")), 422, "urgency", "soon")
    assert_refused(
        client.get(patient_path(world, "/diary?limit=99999999999999999999999")), 422, "limit"
    )
    arm = {"given_at": "2026-03-01T08:30:00+00:00", "site": "nose"}
    assert_refused(
        client.post(patient_path(world, "/injections"), json=arm, headers=headers),
        422,
        "site",
        "nose",
    )
    pen = {"pen": "SN-1", "kind": "eaten", "occurred_at": "2026-03-01T08:00:00+00:00"}
    assert_refused(
        client.post(patient_path(world, "/pens/events"), json=pen, headers=headers),
        422,
        "kind",
        "eaten",
    )
    assert stored(runtime) == before
    with runtime.database.reading() as session:
        patient = session.get(Patient, world.patient_id)
        assert patient is not None
        assert (patient.timezone, patient.country) == ("Europe/London", "GB")


# --- Ids in paths --------------------------------------------------------------------------------

BAD_IDS = ["abc", "-1", "0", str(2**64), str(2**70), "1" * 300, "%C0%AF", "..%2F..%2Fetc"]


def test_ids_that_are_no_id_answer_404_in_the_one_shape_and_store_nothing(client, runtime, world):  # type: ignore[no-untyped-def]
    before = stored(runtime)
    inject = {"given_at": "2026-03-01T08:30:00+00:00", "site": "thigh-left"}
    headers = signed_in(client, world.emails["clinician"])
    answers = [
        client.patch(patient_path(world, f"/prescriptions/{bad}"), json={"stopped_on": "2026-03-01"}, headers=headers)
        for bad in BAD_IDS
    ] + [
        client.post(patient_path(world, f"/alerts/{bad}/acknowledge"), json={"reason": "seen"}, headers=headers)
        for bad in BAD_IDS
    ]  # fmt: skip
    headers = signed_in(client, world.emails["patient"])
    for bad in BAD_IDS:
        answers += [
            client.get(f"/api/v1/patients/{bad}"),
            client.post(f"/api/v1/patients/{bad}/injections", json=inject, headers=headers),
            client.patch(patient_path(world, f"/diary/{bad}"), json={"resolved": True}, headers=headers),
            client.delete(f"/api/v1/tokens/{bad}", headers=headers),
        ]  # fmt: skip
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.json()["ok"] is False
        assert set(answer.json()["error"]) == {"code", "message", "hint"}
    assert stored(runtime) == before
