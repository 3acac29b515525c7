"""Schemathesis against the app's own /openapi.json: every operation, as each role and as
nobody, valid and invalid requests, then the coverage phase's boundary cases. No answer may be a
5xx, every answer must match what the schema documents for it (status, content type, headers,
body), and every error must come in the one error shape. OFACARE_FUZZ_EXAMPLES raises the cases
per operation for a longer run. What the fuzzer found is pinned at the end of the file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ofacare.api.app import create_app
from ofacare.api.errors import install_error_handlers
from ofacare.api.models import ERROR_RESPONSES
from ofacare.config import Settings
from ofacare.services.runtime import Runtime, build_runtime
from tests.database_fixtures import Clock
from tests.fuzz.api_coverage import cover_schema
from tests.fuzz.api_fuzzer import Tally, fuzz_schema, list_operations, load_schema
from tests.fuzz.api_world import NOW, ROLES, FuzzWorld, build_fuzz_world
from tests.people import build_world, signed_in

EXAMPLES = int(os.environ.get("OFACARE_FUZZ_EXAMPLES", "8"))
"""Cases per operation and generation mode, at most (an operation with nothing to vary has one)."""
MIN_CASES_PER_ROLE = 500
"""Four roles at 500 each: at least 2,000 cases in every CI run."""
SHM = Path("/dev/shm")
PUBLIC = {
    "POST /api/v1/session",
    "POST /api/v1/invitations/accept",
    "GET /calendar/{token}.ics",
    "GET /health",
}
"""The operations that answer without credentials: signing in, accepting an invitation with its
code, a calendar feed by its secret address, and the liveness check."""


@pytest.fixture
def fuzz_runtime(sqlite_template: Path, tmp_path: Path) -> Iterator[Runtime]:
    """A migrated SQLite database of its own, in memory-backed files where the system has them:
    the app commits with synchronous=FULL, and a disk's fsync would dominate the run."""
    folder = _memory_folder() or tmp_path
    target = folder / "fuzz.db"
    shutil.copyfile(sqlite_template, target)
    runtime = build_runtime(Settings(database_url=f"sqlite:///{target}"), clock=Clock(NOW))
    try:
        yield runtime
    finally:
        runtime.database.dispose()
        if folder != tmp_path:
            shutil.rmtree(folder, ignore_errors=True)


def _memory_folder() -> Path | None:
    try:
        return Path(tempfile.mkdtemp(dir=SHM))
    except OSError:  # no /dev/shm here, or not writable: the test's own folder will do
        return None


def run_fuzzing(runtime: Runtime, role: str | None, tallies: list[Tally]) -> Tally:
    world = build_fuzz_world(runtime, role or "patient")
    schema = load_schema(create_app(runtime=runtime))
    headers = {"Authorization": f"Bearer {world.token}"} if role else {}
    tally = fuzz_schema(
        schema, world=world, headers=headers, examples=EXAMPLES, caller=role or "nobody"
    )
    tallies.append(tally)
    assert not tally.failures, "\n\n".join(tally.failures)
    # Every operation in the schema ran: a new route cannot escape the fuzzer.
    operations = list_operations(schema)
    assert set(tally.cases) == {op.label for op in operations}
    # and every path parameter can name a real record (api_world), so the handler is reached.
    assert {p.name for op in operations for p in op.path_parameters} <= set(world.path_ids)
    return tally


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_the_schema_says_for_each_role(
    fuzz_runtime: Runtime, fuzz_tallies: list[Tally], role: str
) -> None:
    tally = run_fuzzing(fuzz_runtime, role, fuzz_tallies)
    assert tally.total >= MIN_CASES_PER_ROLE, f"{role}: only {tally.total} cases ran"


def test_every_operation_answers_as_the_schema_says_without_credentials(
    fuzz_runtime: Runtime, fuzz_tallies: list[Tally]
) -> None:
    tally = run_fuzzing(fuzz_runtime, None, fuzz_tallies)
    succeeded = {label for label in tally.cases if tally.reached(label, 2)}
    assert succeeded <= PUBLIC, "answered without credentials"
    assert all(tally.reached(label, 4) for label in set(tally.cases) - {"GET /health"})


def test_every_operation_answers_its_coverage_cases_as_the_schema_says(
    fuzz_runtime: Runtime, fuzz_tallies: list[Tally]
) -> None:
    world = build_fuzz_world(fuzz_runtime, "clinician")
    schema = load_schema(create_app(runtime=fuzz_runtime))
    tally = cover_schema(schema, world=world)
    fuzz_tallies.append(tally)
    assert not tally.failures, "\n\n".join(tally.failures)
    assert set(tally.cases) == {op.label for op in list_operations(schema)}


def test_the_fuzzer_reports_a_server_error_a_wrong_body_and_a_stray_error_shape() -> None:
    """The checks can fail: a small app with one bug of each kind is caught on each."""
    tally = fuzz_schema(
        load_schema(faulty_app()),
        world=FuzzWorld(role="nobody", tokens={}, path_ids={}, seed_bodies={}),
        headers={},
        examples=3,
        caller="faulty",
    )
    failed = {failure.splitlines()[0] for failure in tally.failures}
    assert failed == {
        "faulty: GET /crash (positive)",
        "faulty: GET /wrong-body (positive)",
        "faulty: GET /stray-error (positive)",
    }
    assert tally.cases["GET /ok"] >= 1  # and it passed


class Thing(BaseModel):
    name: str


def faulty_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ok", response_model=Thing)
    def fine() -> Thing:
        return Thing(name="fine")

    @app.get("/crash", response_model=Thing, responses=ERROR_RESPONSES)
    def crash() -> Thing:
        raise RuntimeError("a handler that crashes")

    @app.get("/wrong-body", response_class=JSONResponse, responses={200: {"model": Thing}})
    def wrong_body() -> JSONResponse:
        return JSONResponse({"name": 5})

    @app.get("/stray-error", response_model=Thing, responses={404: {"description": "Gone"}})
    def stray_error() -> JSONResponse:
        return JSONResponse({"detail": "gone"}, status_code=404)

    install_error_handlers(app)
    return app


# What the fuzzer found, pinned: each was a 500 or a wrong value stored before its fix.
class Found(NamedTuple):
    method: str
    path: str
    role: str
    body: Any
    message: str


FOUND = [
    # PATCH with null for a yes/no or the list: NOT NULL constraint or list(None), a 500.
    Found("PATCH", "", "clinician", {"active_infection": None}, "active_infection: null"),
    Found("PATCH", "", "clinician", {"immunosuppressants": None}, "immunosuppressants: null"),
    # A reminder time with an offset was stored without it and answered with it.
    Found("PATCH", "", "patient", {"reminder_time": "07:30+02:00"}, "reminder_time: '07:30+02:00'"),
    # JSON numbers were read as seconds since 1970 (a vaccine given in August 1970), or 0 as no.
    Found(
        "POST",
        "/vaccinations",
        "clinician",
        {"name": "influenza", "live": False, "given_on": 20260110},
        "given_on: 20260110 is a number",
    ),
    Found("PATCH", "", "clinician", {"pregnant": 0}, "pregnant: 0 is a number"),
    Found(
        "POST",
        "/vaccinations",
        "clinician",
        {"name": "influenza", "live": False, "given_on": "0"},
        "given_on: '0' is a number",
    ),
    Found("PATCH", "", "patient", {"reminder_time": 3600}, "reminder_time: 3600 is a number"),
    Found("GET", "/diary?since=0", "patient", None, "since: '0' is a number"),
    Found("GET", "/diary?until=4.2e-285", "patient", None, "until: '4.2e-285' is a number"),
    # A name one past its limit passed when the extra character was a space (stripped first).
    Found("PATCH", "", "clinician", {"given_name": "\t" + "R" * 100}, "given_name: '\\tRRR"),
]


@pytest.mark.parametrize("found", FOUND, ids=lambda f: f.message.split(" is ")[0])
def test_what_the_fuzzer_found_is_a_422_naming_the_field_and_nothing_changes(
    client, runtime, found: Found
):  # type: ignore[no-untyped-def]
    world = build_world(runtime)
    headers = signed_in(client, world.emails[found.role])
    record = f"/api/v1/patients/{world.patient_id}"
    before = client.get(record, headers=headers).json()
    answer = client.request(found.method, record + found.path, headers=headers, json=found.body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"].startswith("input."), answer.text
    assert answer.json()["error"]["message"].startswith(found.message), answer.text
    assert client.get(record, headers=headers).json() == before
    assert client.get(f"{record}/vaccinations", headers=headers).json() == []


@pytest.mark.parametrize("content_type", ["application/json", "application/fhir+json"])
def test_a_body_that_is_not_utf8_is_a_422_in_the_error_shape(client, runtime, content_type):  # type: ignore[no-untyped-def]
    world = build_world(runtime)
    headers = signed_in(client, world.emails["clinician"]) | {"Content-Type": content_type}
    answer = client.post("/api/v1/fhir/import", headers=headers, content=b'{"id": "\xff"}')
    assert answer.status_code == 422, answer.text
    assert set(answer.json()) == {"ok", "error"}
    assert answer.json()["error"]["code"] == "input.invalid"
    assert answer.json()["error"]["message"].startswith("body: ")
    assert [p["id"] for p in client.get("/api/v1/patients", headers=headers).json()] == [
        world.patient_id
    ]


def test_an_account_already_linked_to_a_patient_is_not_linked_to_a_second(client, runtime):  # type: ignore[no-untyped-def]
    world = build_world(runtime)  # found by the fuzzer: a UNIQUE constraint, a 500
    headers = signed_in(client, world.emails["admin"])
    url = f"/api/v1/admin/patients/{world.other_patient_id}/account/{world.patient.user_id}"
    answer = client.put(url, headers=headers)
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "admin.account-linked"
    own = f"/api/v1/admin/patients/{world.patient_id}/account/{world.patient.user_id}"
    assert client.put(own, headers=headers).status_code == 204  # linking it again is a no-op
