"""Admin pages: users and roles, care teams, caregiver invitations and locked sign-ins; forms
without JavaScript, refusals kept on the form, other roles refused, and the pages in a browser."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ofacare.errors import NotSignedIn
from ofacare.records.tables import AuditEntry, User
from ofacare.services import accounts, admin, patients
from ofacare.services.caregivers import InvitationForm, invite_caregiver
from ofacare.services.runtime import Runtime
from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client
from tests.web.patient_lookup import demo_actor

ADMIN_PAGES = ("/admin", "/admin/users", "/admin/teams", "/admin/invitations", "/admin/locked")
NEW_USER = {
    "email": "jo@example.org",
    "display_name": "Jo Okafor",
    "role": "clinician",
    "password": "a temporary password",
}


def as_admin(pages: TestClient, demo: dict[str, DemoAccount]) -> str:
    account = demo["admin"]
    return sign_in_client(pages, account.email, account.password)


def user_by_email(runtime: Runtime, email: str) -> User | None:
    with runtime.database.reading() as session:
        return session.scalar(select(User).where(User.email == email))


def user_page(pages: TestClient, runtime: Runtime, email: str) -> str:
    user = user_by_email(runtime, email)
    assert user is not None
    return f"/admin/users/{user.id}"


def members(runtime: Runtime) -> dict[str, list[str]]:
    teams = admin.list_teams_with_members(runtime, demo_actor(runtime, "admin"))
    return {t.team.name: [m.display_name for m in t.members] for t in teams}


def fail_sign_ins(runtime: Runtime, email: str) -> None:
    """Enough failed sign-ins for `email` from another address to pause it."""
    for _ in range(runtime.settings.login_max_failures):
        with pytest.raises(NotSignedIn):
            accounts.sign_in(runtime, email=email, password="not it", address="192.0.2.7")


@pytest.mark.parametrize("role", ["patient", "caregiver", "clinician"])
def test_every_admin_page_is_refused_to_other_roles(
    pages: TestClient, demo: dict[str, DemoAccount], role: str
) -> None:
    csrf = sign_in_client(pages, demo[role].email, demo[role].password)
    for path in ADMIN_PAGES:
        answer = pages.get(path)
        assert answer.status_code == 403, path
        assert "You cannot open this page" in answer.text
    refused = pages.post("/admin/users", data={"csrf_token": csrf, **NEW_USER})
    assert refused.status_code == 403


def test_the_overview_counts_accounts_teams_invitations_and_locks(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    as_admin(pages, demo)
    shown = pages.get("/admin").text
    assert "4 accounts" in shown and "1 team<" in shown and "0 paused" in shown
    for path in ADMIN_PAGES[1:]:
        assert f'href="{path}"' in shown


def test_an_admin_creates_a_user_who_can_then_sign_in(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf = as_admin(pages, demo)
    answer = pages.post("/admin/users", data={"csrf_token": csrf, **NEW_USER})
    assert answer.status_code == 303
    assert answer.headers["location"] == user_page(pages, sqlite_runtime, "jo@example.org") + (
        "?done=created"
    )
    assert "jo@example.org" in pages.get("/admin/users").text
    pages.cookies.clear()
    sign_in_client(pages, "jo@example.org", NEW_USER["password"])


@pytest.mark.parametrize(
    "case",
    [
        ("email", "jo at example", "email: &#39;jo at example&#39; is not an email address"),
        ("password", "short", "password: must be 12 to"),
        ("email", "clinician@demo.ofacare.test", "has an account already"),
    ],
)
def test_a_bad_new_user_is_named_kept_and_not_stored(
    pages: TestClient,
    demo: dict[str, DemoAccount],
    sqlite_runtime: Runtime,
    case: tuple[str, str, str],
) -> None:
    field, bad, says = case
    csrf = as_admin(pages, demo)
    before = len(admin.list_users(sqlite_runtime, demo_actor(sqlite_runtime, "admin")))
    answer = pages.post("/admin/users", data={"csrf_token": csrf, **NEW_USER, field: bad})
    assert answer.status_code == 422
    assert says in answer.text
    assert f'href="#f-{field}"' in answer.text
    assert 'value="Jo Okafor"' in answer.text  # the rest stays filled in
    assert len(admin.list_users(sqlite_runtime, demo_actor(sqlite_runtime, "admin"))) == before


def test_admin_forms_without_the_session_token_are_refused(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    as_admin(pages, demo)
    assert pages.post("/admin/users", data={"csrf_token": "x", **NEW_USER}).status_code == 403
    assert user_by_email(sqlite_runtime, NEW_USER["email"]) is None
    forged = {"csrf_token": "x", "name": "West MS Centre"}
    assert pages.post("/admin/teams", data=forged).status_code == 403
    assert "West MS Centre" not in pages.get("/admin/teams").text


def test_changing_role_and_deactivating_a_user(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf = as_admin(pages, demo)
    pages.post("/admin/users", data={"csrf_token": csrf, **NEW_USER})
    address = user_page(pages, sqlite_runtime, NEW_USER["email"])
    changed = pages.post(f"{address}/role", data={"csrf_token": csrf, "role": "admin"})
    assert changed.status_code == 303
    assert "The role is changed" in pages.get(changed.headers["location"]).text
    found = user_by_email(sqlite_runtime, NEW_USER["email"])
    assert found is not None and found.role == "admin"
    off = pages.post(f"{address}/active", data={"csrf_token": csrf, "active": "false"})
    assert off.status_code == 303
    found = user_by_email(sqlite_runtime, NEW_USER["email"])
    assert found is not None and not found.active


def test_the_role_of_a_clinician_on_a_team_cannot_change_and_says_why(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf = as_admin(pages, demo)
    address = user_page(pages, sqlite_runtime, demo["clinician"].email)
    answer = pages.post(f"{address}/role", data={"csrf_token": csrf, "role": "admin"})
    assert answer.status_code == 422
    assert "its role cannot change" in answer.text
    found = user_by_email(sqlite_runtime, demo["clinician"].email)
    assert found is not None and found.role == "clinician"


def test_a_temporary_password_replaces_the_old_one(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf = as_admin(pages, demo)
    address = user_page(pages, sqlite_runtime, demo["patient"].email)
    short = pages.post(f"{address}/password", data={"csrf_token": csrf, "password": "short"})
    assert short.status_code == 422 and "password: must be 12 to" in short.text
    done = pages.post(
        f"{address}/password", data={"csrf_token": csrf, "password": "new pass phrase 1"}
    )
    assert done.status_code == 303
    pages.cookies.clear()
    sign_in_client(pages, demo["patient"].email, "new pass phrase 1")


def test_creating_a_team_and_moving_a_clinician_on_and_off_it(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    csrf = as_admin(pages, demo)
    bad = pages.post(
        "/admin/teams", data={"csrf_token": csrf, "name": "West MS Centre", "phone": "call us"}
    )
    assert bad.status_code == 422
    assert "phone: &#39;call us&#39;" in bad.text and 'value="West MS Centre"' in bad.text
    assert "West MS Centre</h2>" not in bad.text  # not stored
    made = pages.post(
        "/admin/teams",
        data={"csrf_token": csrf, "name": "West MS Centre", "phone": "+44 117 555 0100"},
    )
    assert made.status_code == 303
    west = next(
        t.team
        for t in admin.list_teams_with_members(sqlite_runtime, demo_actor(sqlite_runtime, "admin"))
        if t.team.name == "West MS Centre"
    )
    nurse = demo_actor(sqlite_runtime, "clinician").user_id
    added = pages.post(
        f"/admin/teams/{west.id}/members", data={"csrf_token": csrf, "user_id": nurse}
    )
    assert added.status_code == 303
    assert members(sqlite_runtime) == {
        "Demo MS Centre": ["Nurse Priya Shah"], "West MS Centre": ["Nurse Priya Shah"],
    }  # fmt: skip
    removed = pages.post(
        f"/admin/teams/{west.id}/members/{nurse}/remove", data={"csrf_token": csrf}
    )
    assert removed.status_code == 303
    assert members(sqlite_runtime)["West MS Centre"] == []


def test_invitations_show_the_invitee_but_no_patient_and_can_be_withdrawn(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    patient = demo_actor(sqlite_runtime, "patient")
    (record,) = patients.list_patients(sqlite_runtime, patient)
    invite_caregiver(sqlite_runtime, patient, record.id, InvitationForm(email="kim@example.org"))
    csrf = as_admin(pages, demo)
    shown = pages.get("/admin/invitations").text
    assert "kim@example.org" in shown and "Waiting" in shown
    assert "Alex" not in shown and "Morgan" not in shown and record.id not in shown
    link_id = re.search(r"/admin/invitations/([^/]+)/revoke", shown)
    assert link_id is not None
    done = pages.post(f"/admin/invitations/{link_id.group(1)}/revoke", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert "No open invitations" in pages.get("/admin/invitations").text


def test_a_locked_account_is_listed_and_unlocking_lets_it_sign_in(
    pages: TestClient, demo: dict[str, DemoAccount], sqlite_runtime: Runtime
) -> None:
    patient = demo["patient"]
    fail_sign_ins(sqlite_runtime, patient.email)
    paused = pages.post("/sign-in", data={"email": patient.email, "password": patient.password})
    assert paused.status_code == 429
    csrf = as_admin(pages, demo)
    shown = pages.get("/admin/locked").text
    assert f"Email: {patient.email}" in shown
    assert (
        pages.post(
            "/admin/locked/unlock", data={"csrf_token": "x", "kind": "email", "key": patient.email}
        ).status_code
        == 403
    )
    done = pages.post(
        "/admin/locked/unlock", data={"csrf_token": csrf, "kind": "email", "key": patient.email}
    )
    assert done.status_code == 303
    assert f"Email: {patient.email}" not in pages.get("/admin/locked").text
    with sqlite_runtime.database.reading() as session:
        audited = session.scalar(
            select(AuditEntry.detail).where(AuditEntry.action == "admin.unlock")
        )
    assert audited == f"email:{patient.email}"
    pages.cookies.clear()
    sign_in_client(pages, patient.email, patient.password)


def test_the_admin_signs_in_creates_a_user_and_every_admin_page_is_accessible(
    page,  # type: ignore[no-untyped-def]
    live_server: LiveServer,
    demo: dict[str, DemoAccount],
) -> None:
    fail_sign_ins(live_server.runtime, "nobody@example.org")
    sign_in(page, demo["admin"])
    assert page.url.endswith("/admin")
    check_accessibility(page)
    page.get_by_role("link", name="Users", exact=True).click()
    check_accessibility(page)
    page.get_by_label("Email address").fill("jo@example.org")
    page.get_by_label("Name (required)").fill("Jo Okafor")
    page.get_by_label("Role").select_option("clinician")
    page.get_by_label("Temporary password").fill("short")
    page.get_by_role("button", name="Create user").click()
    assert "password: must be 12 to" in page.content()
    check_accessibility(page)
    page.get_by_label("Temporary password").fill(NEW_USER["password"])
    page.get_by_role("button", name="Create user").click()
    page.get_by_text("The account is created").wait_for()
    check_accessibility(page)
    for name in ("Care teams", "Invitations", "Locked accounts"):
        page.get_by_role("link", name=name, exact=True).click()
        check_accessibility(page)
    assert "nobody@example.org" in page.content()
