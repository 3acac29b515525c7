"""Fixtures for the page tests.

Two kinds of test: quick ones that fetch pages with the app's test client (forms without
JavaScript, CSRF, error pages), and end-to-end ones that drive Debian's Chromium headless with
Playwright against the service running in uvicorn on a free loopback port, checking each page
with axe-core from npm.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.services.runtime import Runtime, build_runtime
from ofacare.services.setup import DemoAccount, seed_demo
from tests.database_fixtures import Clock

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def sqlite_runtime(sqlite_template: Path, tmp_path: Path, clock: Clock) -> Iterator[Runtime]:
    target = tmp_path / "ofacare.db"
    shutil.copyfile(sqlite_template, target)
    built = build_runtime(Settings(database_url=f"sqlite:///{target}"), clock=clock)
    yield built
    built.database.dispose()


@pytest.fixture
def demo(sqlite_runtime: Runtime) -> dict[str, DemoAccount]:
    """The demo accounts `make run` seeds, by role."""
    return {account.role: account for account in seed_demo(sqlite_runtime)}


@pytest.fixture
def pages(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    """A test client of the whole app (pages and API) that follows no redirects."""
    with TestClient(create_app(runtime=sqlite_runtime), follow_redirects=False) as client:
        yield client


def sign_in_client(client: TestClient, email: str, password: str) -> str:
    """Sign the client in through the page form; the CSRF token of its session."""
    answer = client.post("/sign-in", data={"email": email, "password": password, "next": "/"})
    assert answer.status_code == 303, answer.text
    session = client.post("/api/v1/session", json={"email": email, "password": password})
    client.cookies.set("ofacare_session", session.cookies["ofacare_session"])
    token: str = session.json()["csrf_token"]
    return token


@dataclass
class LiveServer:
    url: str
    runtime: Runtime
    clock: Clock


@pytest.fixture
def live_server(sqlite_runtime: Runtime, clock: Clock) -> Iterator[LiveServer]:
    """The service on a free loopback port, in a thread of this process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(runtime=sqlite_runtime), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield LiveServer(url=f"http://127.0.0.1:{port}", runtime=sqlite_runtime, clock=clock)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live_server: LiveServer):  # type: ignore[no-untyped-def]
    """A fresh browser tab the size of a phone, with its own cookies."""
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, account: DemoAccount) -> None:  # type: ignore[no-untyped-def]
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def check_accessibility(page) -> None:  # type: ignore[no-untyped-def]
    """axe-core (WCAG 2.0/2.1 A and AA rules) finds no serious or critical violation."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    serious = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, f"{page.url}: " + json.dumps(serious, indent=1)
