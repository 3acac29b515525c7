"""Signing in and out, where each role lands, and accepting a caregiver invitation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in, sign_in_client


def test_sign_in_page_is_accessible_and_signs_each_role_in(
    page, live_server: LiveServer, demo: dict[str, DemoAccount]
) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    assert page.url.endswith("/sign-in")
    check_accessibility(page)
    landing = {"patient": "/p/", "caregiver": "/p/", "clinician": "/team", "admin": "/admin"}
    for role, account in demo.items():
        page.context.clear_cookies()
        sign_in(page, account)
        assert landing[role] in page.url, (role, page.url)


def test_wrong_password_keeps_the_email_and_says_what_went_wrong(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    answer = pages.post(
        "/sign-in", data={"email": demo["patient"].email, "password": "nope", "next": "/"}
    )
    assert answer.status_code == 401
    assert demo["patient"].email in answer.text
    assert "Please check the form" in answer.text


def test_sign_in_never_sends_a_person_to_another_site(
    pages: TestClient, demo: dict[str, DemoAccount]
) -> None:
    account = demo["patient"]
    answer = pages.post(
        "/sign-in",
        data={
            "email": account.email,
            "password": account.password,
            "next": "https://evil.example/",
        },
    )
    assert answer.headers["location"] == "/"


def test_a_page_asks_for_sign_in_and_comes_back_after(pages: TestClient) -> None:
    answer = pages.get("/team?sort=due")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fteam%3Fsort%3Ddue"


def test_sign_out_needs_the_form_token(pages: TestClient, demo: dict[str, DemoAccount]) -> None:
    account = demo["patient"]
    csrf = sign_in_client(pages, account.email, account.password)
    refused = pages.post("/sign-out", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert pages.get("/choose").status_code == 303  # still signed in: goes to the record
    assert pages.post("/sign-out", data={"csrf_token": csrf}).status_code == 303
    assert pages.get("/choose").headers["location"].startswith("/sign-in")


def test_an_unknown_page_answers_with_a_page_and_the_api_with_json(pages: TestClient) -> None:
    page = pages.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "There is no page at /no-such-page" in page.text
    api = pages.get("/api/v1/nothing", headers={"accept": "text/html"})
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "http.not-found"


def test_accepting_an_invitation_with_a_bad_code_keeps_the_name_and_names_the_code(
    pages: TestClient,
) -> None:
    answer = pages.post(
        "/invitation",
        data={"code": "wrong", "display_name": "Sam", "password": "long enough password"},
    )
    assert answer.status_code == 422
    assert "invitation code is not valid" in answer.text
    assert 'value="Sam"' in answer.text
