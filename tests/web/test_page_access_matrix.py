"""Every page route, opened as every role, for the viewer's own patient, another patient and a
patient that does not exist: exactly the allowed ones succeed; another patient's page answers
exactly like a missing one; anonymous people are sent to sign in; a refused request stores nothing.

The table below is the specification of the pages (the API's is tests/api/test_authorisation_matrix):
patients own their record, caregivers read it and log injections and symptoms, clinicians work on
their team's patients, admins manage accounts and see no clinical data. The forms are posted with
the session's CSRF token and a valid body, so a refusal is the access rule's and not the form's.
A page route missing from the table fails the suite.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.services.runtime import Runtime
from ofacare.web.session import CSRF_FIELD, SESSION_COOKIE
from tests.security.access_world import (
    MISSING_ID,
    PASSWORD,
    AccessWorld,
    audit_rows,
    build_access_world,
    except_audit,
    sqlite_runtime,
    world_rows,
)
from tests.security.app_routes import page_routes
from tests.security.headers import check_security_headers

P, C, CL, A, ANON = "patient", "caregiver", "clinician", "admin", "anonymous"
ROLES = (P, C, CL, A, ANON)
READ = frozenset({P, C, CL})
ANYONE = frozenset(ROLES)
Form = Callable[[AccessWorld, dict[str, str]], dict[str, str]]


@dataclass(frozen=True)
class Page:
    allowed: frozenset[str]
    form: Form | None = None
    query: str = ""


def page(*allowed: str, form: Form | None = None, query: str = "") -> Page:
    return Page(frozenset(allowed), form, query)


def _key() -> str:
    return secrets.token_urlsafe(16)


PATIENT_PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/p/{patient_id}"): page(*READ),
    ("POST", "/p/{patient_id}/how-did-it-go"): page(
        *READ, form=lambda w, ids: {"injection_id": ids["injection_id"]}
    ),
    ("GET", "/p/{patient_id}/how-did-it-go/{entry_id}"): page(*READ),
    ("GET", "/p/{patient_id}/inject"): page(*READ),
    ("POST", "/p/{patient_id}/inject"): page(
        *READ,
        form=lambda w, ids: {
            "given_at": "2026-03-02T09:00",
            "site": "abdomen-left",
            "injected_by": "self",
            "idempotency_key": _key(),
        },
    ),
    ("GET", "/p/{patient_id}/inject/saved/{injection_id}"): page(*READ),
    ("GET", "/p/{patient_id}/schedule"): page(*READ, query="?month=2026-04"),
    ("GET", "/p/{patient_id}/schedule.ics"): page(*READ),
    ("POST", "/p/{patient_id}/schedule/feed"): page(P),
    ("POST", "/p/{patient_id}/schedule/feed/revoke"): page(P),
    ("GET", "/p/{patient_id}/symptoms"): page(*READ),
    ("POST", "/p/{patient_id}/symptoms"): page(
        *READ, form=lambda w, ids: {"text": "mild headache", "request_key": _key()}
    ),
    ("GET", "/p/{patient_id}/symptoms/{entry_id}"): page(*READ),
    ("GET", "/p/{patient_id}/diary"): page(*READ, query="?period=3m"),
    ("POST", "/p/{patient_id}/diary/{entry_id}/resolved"): page(
        P, CL, form=lambda w, ids: {"resolved": "true"}
    ),
    ("GET", "/p/{patient_id}/plan"): page(*READ),
    ("POST", "/p/{patient_id}/plan"): page(
        *READ, form=lambda w, ids: {"name": "influenza", "live": "no", "planned_on": "2026-04-01"}
    ),
    ("GET", "/p/{patient_id}/learn"): page(*READ),
    ("GET", "/p/{patient_id}/learn/ask"): page(*READ, query="?q=How+should+I+store+the+pens%3F"),
    ("GET", "/p/{patient_id}/learn/guide"): page(*READ),
    ("GET", "/p/{patient_id}/learn/body"): page(*READ),
    ("GET", "/p/{patient_id}/settings"): page(P),
    ("POST", "/p/{patient_id}/settings"): page(
        P,
        form=lambda w, ids: {
            "reminder_channel": "email",
            "reminder_time": "08:30",
            "timezone": "Europe/London",
            "country": "GB",
            "email": "robin@example.org",
        },
    ),
    ("GET", "/p/{patient_id}/settings/access"): page(P),
    ("GET", "/p/{patient_id}/settings/record.fhir.json"): page(P),
    ("GET", "/p/{patient_id}/settings/record.zip"): page(P),
    ("GET", "/p/{patient_id}/settings/caregivers"): page(P),
    ("POST", "/p/{patient_id}/settings/caregivers"): page(
        P, form=lambda w, ids: {"email": f"aunt-{w.tag}@example.org"}
    ),
    ("GET", "/p/{patient_id}/settings/caregivers/{link_id}/revoke"): page(P),
    ("POST", "/p/{patient_id}/settings/caregivers/{link_id}/revoke"): page(P),
    ("GET", "/p/{patient_id}/settings/delete"): page(P),
    ("POST", "/p/{patient_id}/settings/delete"): page(
        P, form=lambda w, ids: {"confirmation": "delete my account", "password": PASSWORD}
    ),
    ("POST", "/team/patients/{patient_id}/alerts/{alert_id}/acknowledge"): page(
        CL, form=lambda w, ids: {"reason": "Called the patient; dose booked.", "back": "patient"}
    ),
    ("GET", "/team/patients/{patient_id}/start"): page(CL),
    ("POST", "/team/patients/{patient_id}/start"): page(
        CL,
        form=lambda w, ids: {
            "start_on": "2026-03-09",
            "interval_mode": "monthly",
            "confirm_start_on": "2026-03-09",
            "idempotency_key": _key(),
        },
    ),
    ("GET", "/team/patients/{patient_id}"): page(CL),
    ("POST", "/team/patients/{patient_id}/labs"): page(
        CL,
        form=lambda w, ids: {
            "test": "IgG",
            "value": "9.0",
            "unit": "g/L",
            "reference_low": "7.0",
            "reference_high": "16.0",
            "collected_on": "2026-02-20",
            "idempotency_key": _key(),
        },
    ),
    ("POST", "/team/patients/{patient_id}/screening"): page(
        CL, form=lambda w, ids: {"ms_type": "RRMS", "can_become_pregnant": "true"}
    ),
    ("POST", "/team/patients/{patient_id}/vaccinations"): page(
        CL,
        form=lambda w, ids: {
            "name": "influenza",
            "live": "false",
            "given_on": "2026-01-10",
            "idempotency_key": _key(),
        },
    ),
    ("POST", "/team/patients/{patient_id}/notes"): page(
        CL, form=lambda w, ids: {"text": "Discussed travel with pens."}
    ),
    ("POST", "/team/patients/{patient_id}/diary/{entry_id}"): page(
        CL, form=lambda w, ids: {"resolved": "true"}
    ),
    ("GET", "/team/patients/{patient_id}/summary"): page(CL),
    ("GET", "/team/patients/{patient_id}/summary.pdf"): page(CL),
}

OTHER_PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/"): page(P, C, CL, A),
    ("GET", "/choose"): page(P, C),
    ("GET", "/team"): page(CL, query="?sort=due"),
    ("GET", "/team/patients/new"): page(CL),
    ("POST", "/team/patients/new"): page(
        CL,
        form=lambda w, ids: {
            "given_name": "Sam",
            "family_name": f"New {w.tag}",
            "birth_date": "1990-01-01",
            "sex": "male",
            "country": "GB",
            "timezone": "Europe/London",
            "ms_type": "RRMS",
        },
    ),
    ("GET", "/admin"): page(A),
    ("GET", "/admin/users"): page(A),
    ("POST", "/admin/users"): page(
        A,
        form=lambda w, ids: {
            "email": f"new-{w.tag}@example.org",
            "display_name": "New",
            "role": "caregiver",
            "password": "a long enough password",
        },
    ),
    ("GET", "/admin/users/{user_id}"): page(A),
    ("POST", "/admin/users/{user_id}/role"): page(A, form=lambda w, ids: {"role": "caregiver"}),
    ("POST", "/admin/users/{user_id}/active"): page(A, form=lambda w, ids: {"active": "false"}),
    ("POST", "/admin/users/{user_id}/password"): page(
        A, form=lambda w, ids: {"password": "another long enough password"}
    ),
    ("GET", "/admin/teams"): page(A),
    ("POST", "/admin/teams"): page(
        A, form=lambda w, ids: {"name": f"East MS Centre {w.tag}", "phone": "+44 161 555 0101"}
    ),
    ("POST", "/admin/teams/{team_id}/members"): page(
        A, form=lambda w, ids: {"user_id": w.actors["outsider"].user_id}
    ),
    ("POST", "/admin/teams/{team_id}/members/{user_id}/remove"): page(A),
    ("GET", "/admin/invitations"): page(A),
    ("POST", "/admin/invitations/{link_id}/revoke"): page(A),
    ("GET", "/admin/locked"): page(A),
    ("POST", "/admin/locked/unlock"): page(
        A, form=lambda w, ids: {"kind": "email", "key": w.ids["locked_email"]}
    ),
}
# Open to anyone: the way in, and the page after closing an account.
PUBLIC_PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/sign-in"): page(*ANYONE, query="?next=%2Fteam"),
    ("POST", "/sign-in"): page(
        *ANYONE, form=lambda w, ids: {"email": w.emails["patient"], "password": PASSWORD}
    ),
    ("POST", "/sign-out"): page(*ANYONE),
    ("GET", "/invitation"): page(*ANYONE),
    ("POST", "/invitation"): page(
        *ANYONE,
        form=lambda w, ids: {
            "code": w.ids["invite_code:own"],
            "display_name": "Aunt Sam",
            "password": "a long enough password",
        },
    ),
    ("GET", "/goodbye"): page(*ANYONE),
}
PAGES = PATIENT_PAGES | OTHER_PAGES | PUBLIC_PAGES
SUB_RECORDS = ("entry_id", "injection_id", "alert_id", "link_id")


def test_the_table_covers_every_page_route():
    app = create_app(Settings(database_url="sqlite://"))
    assert page_routes(app) == set(PAGES)
    assert all("{patient_id}" in path for _, path in PATIENT_PAGES)
    assert not any("{patient_id}" in path for _, path in OTHER_PAGES | PUBLIC_PAGES)


@pytest.fixture(scope="module")
def shared(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One SQLite database for the module: each test adds a world of its own."""
    yield from sqlite_runtime(request, tmp_path_factory)


@pytest.fixture(scope="module")
def pages(shared: Runtime):  # type: ignore[no-untyped-def]
    with TestClient(create_app(runtime=shared), follow_redirects=False) as client:
        yield client


def path_ids(world: AccessWorld, side: str, path: str) -> dict[str, str]:
    """The values of the path's parameters for one side: own, other or missing."""
    if side == "missing":
        return dict.fromkeys(("patient_id", *SUB_RECORDS, "user_id", "team_id"), MISSING_ID)
    ids = {
        "patient_id": world.patient_id if side == "own" else world.other_patient_id,
        **{name: world.ids[f"{name}:{side}"] for name in SUB_RECORDS},
        "team_id": world.team_id,
        "user_id": world.actors["spare"].user_id,
    }
    if "/members/" in path:
        ids["user_id"] = world.actors["clinician"].user_id
    return ids


def call(
    client: TestClient, world: AccessWorld, route: tuple[str, str], role: str, side: str
) -> httpx.Response:
    """Send the route's request as `role` for one side, with the session's CSRF token."""
    return send(client, world, route, role, path_ids(world, side, route[1]))


def send(
    client: TestClient, world: AccessWorld, route: tuple[str, str], role: str, ids: dict[str, str]
) -> httpx.Response:
    method, path = route
    entry = PAGES[route]
    headers = {"accept": "text/html"}
    form: dict[str, str] | None = None
    if method == "POST":
        form = entry.form(world, ids) if entry.form else {}
    if role != ANON:
        headers["cookie"] = f"{SESSION_COOKIE}={world.cookie(role)}"
        if form is not None:
            form[CSRF_FIELD] = world.csrf(role)
    client.cookies.clear()
    answer = client.request(method, path.format(**ids) + entry.query, headers=headers, data=form)
    check_security_headers(answer)
    return answer


def sides_of(path: str) -> tuple[str, ...]:
    if "{patient_id}" in path:
        return ("other", "missing", "own")  # refusals first: an allowed own call changes things
    if "{" in path:
        return ("missing", "own")
    return ("own",)


def without_ids(world: AccessWorld, text: str) -> str:
    """The page with record ids and the fresh idempotency keys of its forms blanked out."""
    for value in (world.other_patient_id, MISSING_ID, *world.ids.values()):
        text = text.replace(value, "<id>")
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)
    return re.sub(r'value="[A-Za-z0-9_-]{22}"', 'value="<fresh key>"', text)


def sign_in_target(answer: httpx.Response) -> str:
    return str(answer.headers.get("location", ""))


def succeeded(answer: httpx.Response, route: tuple[str, str]) -> bool:
    if answer.status_code >= 400:
        return False
    lands = answer.headers.get("location", "")
    return route == ("POST", "/sign-out") or not lands.startswith("/sign-in")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(PAGES), ids=lambda r: f"{r[0]} {r[1]}")
def test_pages_allow_exactly_the_roles_in_the_table(pages, shared, route, role):
    world = build_access_world(shared)
    allowed = role in PAGES[route].allowed
    answers: dict[str, httpx.Response] = {}
    stored, audit = world_rows(shared, world), audit_rows(shared)
    for side in sides_of(route[1]):
        answers[side] = answer = call(pages, world, route, role, side)
        if side == "own" and allowed:
            assert succeeded(answer, route), (side, answer.status_code, answer.text[:2000])
            continue
        if role == ANON:
            path = str(answer.request.url.raw_path, "ascii")
            assert answer.status_code == 303, (side, answer.status_code)
            assert sign_in_target(answer) in {"/sign-in", "/sign-in?next=" + quote(path, safe="")}
        else:
            refusals = {403, 404} if not allowed or side == "other" else {404, 422}
            assert answer.status_code in refusals, (side, answer.status_code, answer.text[:2000])
        assert world_rows(shared, world) == stored, f"refused as {role} ({side}), yet stored"
    if "other" in answers:
        other, missing = answers["other"], answers["missing"]
        assert other.status_code == missing.status_code
        assert without_ids(world, other.text) == without_ids(world, missing.text)
        if role != ANON:
            assert other.status_code in ({404} if allowed else {403, 404}), other.text
    assert audit_rows(shared)[: len(audit)] == audit, "the audit log changed, not only grew"


# Routes that name a record of the patient (in the path, or in the form for how-did-it-go).
WITH_RECORDS = sorted(
    route
    for route in PATIENT_PAGES
    if any(f"{{{name}}}" in route[1] for name in SUB_RECORDS)
    or route == ("POST", "/p/{patient_id}/how-did-it-go")
)


@pytest.mark.parametrize("route", WITH_RECORDS, ids=lambda r: f"{r[0]} {r[1]}")
def test_another_patients_record_on_ones_own_page_answers_like_a_missing_record(
    pages, shared, route
):
    world = build_access_world(shared)
    stored = world_rows(shared, world)
    for role in sorted(PAGES[route].allowed):
        own = path_ids(world, "own", route[1])
        foreign = own | {name: world.ids[f"{name}:other"] for name in SUB_RECORDS}
        missing = own | dict.fromkeys(SUB_RECORDS, MISSING_ID)
        answers = [send(pages, world, route, role, ids) for ids in (foreign, missing)]
        # 404, or 422 where the form shows the problem beside the field (an alert to acknowledge)
        assert answers[0].status_code == answers[1].status_code in {404, 422}, role
        assert without_ids(world, answers[0].text) == without_ids(world, answers[1].text)
        after = world_rows(shared, world)
        assert except_audit(after) == except_audit(stored), role
        read = {row[5] for row in after["audit_log"][len(stored["audit_log"]) :]}
        assert read <= {world.patient_id}, "a refused read of another patient was audited as a read"
        stored = after
