"""Every API endpoint, called as every role and anonymously, for the caller's own patient,
another patient and a patient that does not exist: exactly the allowed calls succeed; another
patient's record (or another patient's sub-record on one's own) answers exactly like a missing
one; a refused call stores nothing.

The table below is the specification (issue 6 §2): patients own their record, caregivers read and
log injections and symptoms, clinicians read their panel and record clinical data, admins manage
accounts and see no clinical data. A route missing from the table fails the suite.

The tests of a module share one migrated database per backend; each adds a world of its own
(tests/security/access_world.py), so the matrix runs on PostgreSQL without a database per test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.records.tables import Patient
from ofacare.services.fhir_exchange import export_bundle
from ofacare.services.runtime import Runtime
from tests.database_fixtures import BACKENDS
from tests.security.access_world import (
    MISSING_ID,
    AccessWorld,
    audit_rows,
    backend_runtime,
    build_access_world,
    except_audit,
    world_rows,
)
from tests.security.headers import check_security_headers

P, C, CL, A, ANON = "patient", "caregiver", "clinician", "admin", "anonymous"
READ, LOG, OWN, CLINICAL = {P, C, CL}, {P, C, CL}, {P}, {CL}
ROLES = (P, C, CL, A)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUB_RECORDS = ("prescription_id", "entry_id", "alert_id", "link_id")
ANONYMOUS_ALLOWED = {("POST", "/session"), ("POST", "/invitations/accept")}


@dataclass(frozen=True)
class Call:
    allowed: set[str]
    body: Callable[[AccessWorld], Any] | None = None
    query: str = ""


def _injection(_: AccessWorld) -> dict[str, Any]:
    return {"given_at": NOW.isoformat(), "site": "thigh-left", "injected_by": "self"}


PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/patients/{patient_id}"): Call(READ),
    ("PATCH", "/patients/{patient_id}"): Call({P, CL}, lambda _: {"timezone": "Europe/Paris"}),
    ("GET", "/patients/{patient_id}/access-log"): Call(OWN),
    ("GET", "/patients/{patient_id}/prescriptions"): Call(READ),
    ("POST", "/patients/{patient_id}/prescriptions"): Call(
        CLINICAL, lambda _: {"start_on": "2026-03-02", "interval_mode": "monthly"}
    ),
    ("PATCH", "/patients/{patient_id}/prescriptions/{prescription_id}"): Call(
        CLINICAL, lambda _: {"stopped_on": "2026-03-02"}
    ),
    ("GET", "/patients/{patient_id}/schedule"): Call(READ),
    ("GET", "/patients/{patient_id}/injections"): Call(READ),
    ("POST", "/patients/{patient_id}/injections"): Call(LOG, _injection),
    ("GET", "/patients/{patient_id}/injections/site-suggestion"): Call(
        READ, query="?injector=self"
    ),
    ("POST", "/patients/{patient_id}/pens/events"): Call(
        LOG, lambda _: {"pen": "SN-9", "kind": "out-of-fridge", "occurred_at": NOW.isoformat()}
    ),
    ("GET", "/patients/{patient_id}/pens"): Call(READ),
    ("POST", "/patients/{patient_id}/diary"): Call(LOG, lambda _: {"text": "mild headache"}),
    ("GET", "/patients/{patient_id}/diary"): Call(READ),
    ("PATCH", "/patients/{patient_id}/diary/{entry_id}"): Call(
        {P, CL}, lambda _: {"resolved": True}
    ),
    ("POST", "/patients/{patient_id}/labs"): Call(
        CLINICAL,
        lambda _: {
            "test": "IgG",
            "value": 9.0,
            "unit": "g/L",
            "reference_low": 7.0,
            "reference_high": 16.0,
            "collected_on": "2026-02-20",
        },
    ),
    ("GET", "/patients/{patient_id}/labs"): Call(READ),
    ("GET", "/patients/{patient_id}/screening"): Call(READ),
    ("PUT", "/patients/{patient_id}/screening"): Call(
        CLINICAL,
        lambda _: {
            "ms_type": "RRMS",
            "planned_start_on": None,
            "can_become_pregnant": True,
            "pregnant": False,
            "breastfeeding": False,
            "active_infection": False,
            "severely_immunocompromised": False,
            "active_malignancy": False,
            "immunosuppressants": [],
        },
    ),
    ("GET", "/patients/{patient_id}/monitoring"): Call(READ),
    ("GET", "/patients/{patient_id}/alerts"): Call(READ),
    ("POST", "/patients/{patient_id}/alerts/{alert_id}/acknowledge"): Call(
        CLINICAL, lambda _: {"reason": "Called the patient; dose booked for tomorrow."}
    ),
    ("POST", "/patients/{patient_id}/vaccines/check"): Call(
        READ, lambda _: {"name": "influenza", "live": False, "planned_on": "2026-04-01"}
    ),
    ("GET", "/patients/{patient_id}/vaccinations"): Call(READ),
    ("POST", "/patients/{patient_id}/vaccinations"): Call(
        CLINICAL, lambda _: {"name": "influenza", "live": False, "given_on": "2026-01-10"}
    ),
    ("GET", "/patients/{patient_id}/pregnancy"): Call(READ),
    ("POST", "/patients/{patient_id}/simulation"): Call(READ, lambda _: {"until_week": 8}),
    ("GET", "/patients/{patient_id}/fhir"): Call(READ),
    ("POST", "/patients/{patient_id}/calendar-feed"): Call(OWN),
    ("DELETE", "/patients/{patient_id}/calendar-feed"): Call(OWN),
    ("GET", "/patients/{patient_id}/caregivers"): Call(OWN),
    ("POST", "/patients/{patient_id}/caregivers"): Call(
        OWN, lambda _: {"email": "aunt@example.org"}
    ),
    ("DELETE", "/patients/{patient_id}/caregivers/{link_id}"): Call(OWN),
}

OTHER_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/patients"): Call({P, C, CL, A}),
    ("POST", "/patients"): Call(
        {CL}, lambda _: {"given_name": "Sam", "family_name": "New", "birth_date": "1990-01-01"}
    ),
    ("GET", "/alerts"): Call({CL}),
    ("POST", "/fhir/import"): Call({CL}, lambda w: w.ids.get("bundle", {})),
    ("POST", "/ask"): Call({P, C, CL, A}, lambda _: {"question": "How should I store the pens?"}),
    ("GET", "/admin/users"): Call({A}),
    ("POST", "/admin/users"): Call(
        {A},
        lambda w: {
            "email": f"new-{w.tag}@example.org",
            "display_name": "New",
            "role": "caregiver",
            "password": "a long enough password",
        },
    ),
    ("PATCH", "/admin/users/{user_id}"): Call({A}, lambda _: {"display_name": "Renamed"}),
    ("GET", "/admin/teams"): Call({A}),
    ("POST", "/admin/teams"): Call({A}, lambda w: {"name": f"East MS Centre {w.tag}"}),
    ("PUT", "/admin/teams/{team_id}/members/{user_id}"): Call({A}),
    ("DELETE", "/admin/teams/{team_id}/members/{user_id}"): Call({A}),
    ("PUT", "/admin/patients/{patient_id}/account/{user_id}"): Call({A}),
}
# Not role-gated: signing in and out, who am I, one's own tokens, accepting an invitation.
UNGATED = {
    ("POST", "/session"), ("DELETE", "/session"), ("GET", "/me"), ("POST", "/tokens"),
    ("GET", "/tokens"), ("DELETE", "/tokens/{token_id}"), ("POST", "/invitations/accept"),
}  # fmt: skip


def test_the_table_covers_every_route_of_the_api():
    app = create_app(Settings(database_url="sqlite://"))
    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in item
    }
    assert routes == set(PATIENT_ROUTES) | set(OTHER_ROUTES) | UNGATED


@pytest.fixture(scope="module", params=BACKENDS)
def shared(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One database per backend for the module: each test adds a world of its own."""
    yield from backend_runtime(request, tmp_path_factory)


@pytest.fixture(scope="module")
def api(shared: Runtime):  # type: ignore[no-untyped-def]
    with TestClient(create_app(runtime=shared), follow_redirects=False) as client:
        yield client


def path_ids(world: AccessWorld, side: str, path: str) -> dict[str, str]:
    """The values of the path's parameters for one side: own, other or missing."""
    if side == "missing":
        return dict.fromkeys(
            ("patient_id", *SUB_RECORDS, "user_id", "team_id", "token_id"), MISSING_ID
        )
    ids = {
        "patient_id": world.patient_id if side == "own" else world.other_patient_id,
        **{name: world.ids[f"{name}:{side}"] for name in SUB_RECORDS},
        "team_id": world.team_id,
        "user_id": world.actors["caregiver"].user_id,
        "token_id": MISSING_ID,
    }
    if "/teams/" in path:
        ids["user_id"] = world.actors["clinician"].user_id
    if "/account/" in path:  # an admin gives the record without an account its sign-in
        ids |= {"patient_id": world.other_patient_id, "user_id": world.actors["spare"].user_id}
    return ids


def send(
    client: TestClient, world: AccessWorld, route: tuple[str, str], role: str, ids: dict[str, str]
) -> httpx.Response:
    method, path = route
    call = (PATIENT_ROUTES | OTHER_ROUTES).get(route, Call(set()))
    headers = world.bearer(role) if role != ANON else {}
    url = "/api/v1" + path.format(**ids) + call.query
    client.cookies.clear()
    answer = client.request(
        method, url, headers=headers, json=call.body(world) if call.body else None
    )
    check_security_headers(answer)
    return answer


def sides_of(path: str) -> tuple[str, ...]:
    if "{patient_id}" in path and "/account/" not in path:
        return ("other", "missing", "own")  # refusals first: an allowed own call changes things
    if "{" in path:
        return ("missing", "own")
    return ("own",)


def without_ids(world: AccessWorld, answer: httpx.Response) -> Any:
    text = answer.text
    for value in (world.other_patient_id, MISSING_ID, *world.ids.values()):
        text = text.replace(value, "<id>")
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)


def check_route(client: TestClient, runtime: Runtime, route: tuple[str, str], role: str) -> None:
    """Call the route as `role` for each side and check the answers against the table."""
    world = build_access_world(runtime)
    if route == ("POST", "/fhir/import"):
        prepare_import(runtime, world)
    call = (PATIENT_ROUTES | OTHER_ROUTES)[route]
    allowed = role in call.allowed
    stored, audit = world_rows(runtime, world), audit_rows(runtime)
    answers = {}
    for side in sides_of(route[1]):
        answers[side] = answer = send(client, world, route, role, path_ids(world, side, route[1]))
        if side == "own" and allowed:
            assert answer.status_code < 300, answer.text
            continue
        code = answer.json()["error"]["code"]
        if not allowed:
            assert answer.status_code in {403, 404}, (side, answer.text)
            assert code.startswith("access."), (side, answer.text)
        elif side == "other":
            assert (answer.status_code, code) == (404, "access.no-such-patient"), answer.text
        else:
            assert answer.status_code == 404, (side, answer.text)
        assert world_rows(runtime, world) == stored, f"refused as {role} ({side}), yet stored"
    if "other" in answers:
        other, missing = answers["other"], answers["missing"]
        assert other.status_code == missing.status_code
        assert without_ids(world, other) == without_ids(world, missing)
    assert audit_rows(runtime)[: len(audit)] == audit, "the audit log changed, not only grew"


def prepare_import(runtime: Runtime, world: AccessWorld) -> None:
    """The own patient's Bundle, and an empty slot to import it into (its record removed)."""
    bundle = export_bundle(runtime, world.actors["clinician"], world.patient_id)
    with runtime.database.writing() as session:
        session.delete(session.get(Patient, world.patient_id))
    world.ids["bundle"] = bundle  # type: ignore[assignment]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(PATIENT_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_patient_routes_allow_exactly_the_roles_in_the_table(api, shared, route, role):
    check_route(api, shared, route, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(OTHER_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_account_and_panel_routes_allow_exactly_the_roles_in_the_table(api, shared, route, role):
    check_route(api, shared, route, role)


WITH_RECORDS = sorted(
    route for route in PATIENT_ROUTES if any(f"{{{name}}}" in route[1] for name in SUB_RECORDS)
)


@pytest.mark.parametrize("route", WITH_RECORDS, ids=lambda r: f"{r[0]} {r[1]}")
def test_another_patients_record_under_ones_own_answers_like_a_missing_record(api, shared, route):
    world = build_access_world(shared)
    stored = world_rows(shared, world)
    for role in sorted(PATIENT_ROUTES[route].allowed):
        own = path_ids(world, "own", route[1])
        foreign = own | {name: world.ids[f"{name}:other"] for name in SUB_RECORDS}
        missing = own | dict.fromkeys(SUB_RECORDS, MISSING_ID)
        answers = [send(api, world, route, role, ids) for ids in (foreign, missing)]
        assert [a.status_code for a in answers] == [404, 404], (role, answers[0].text)
        assert without_ids(world, answers[0]) == without_ids(world, answers[1])
        after = world_rows(shared, world)
        assert except_audit(after) == except_audit(stored), role
        read = {row[5] for row in after["audit_log"][len(stored["audit_log"]) :]}
        assert read <= {world.patient_id}, "a refused read of another patient was audited"
        stored = after


def test_every_route_but_signing_in_and_accepting_an_invitation_needs_a_sign_in(api, shared):
    world = build_access_world(shared)
    stored = world_rows(shared, world)
    for route in sorted((PATIENT_ROUTES | OTHER_ROUTES).keys() | UNGATED - ANONYMOUS_ALLOWED):
        answer = send(api, world, route, ANON, path_ids(world, "own", route[1]))
        assert answer.status_code == 401, (route, answer.text)
        assert answer.json()["error"]["code"] == "auth.not-signed-in", route
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert world_rows(shared, world) == stored


@pytest.mark.parametrize("role", ROLES)
def test_the_patient_list_holds_only_the_patients_a_role_may_see(api, shared, role):
    world = build_access_world(shared)
    listed = api.get("/api/v1/patients", headers=world.bearer(role)).json()
    expected = {A: [], P: [world.patient_id], C: [world.patient_id], CL: [world.patient_id]}[role]
    assert [p["id"] for p in listed] == expected
