"""Photograph the main pages for the README and docs/screenshots/ (`make screenshots`).

Starts the service on a throwaway SQLite database with the demo world and its history, at a
fixed clock, and drives Debian's Chromium through each role's main pages.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from ofacare.api.app import create_app
from ofacare.config import Settings
from ofacare.services.demo_history import add_demo_history
from ofacare.services.runtime import build_runtime
from ofacare.services.setup import DemoAccount, prepare_database, seed_demo
from tests.database_fixtures import Clock
from tests.web.conftest import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MOMENT = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
PATIENT_PAGES = (  # (file, path under the patient, what to do first)
    ("patient-home", "", None),
    ("patient-inject", "/inject", None),
    ("patient-schedule", "/schedule", None),
    ("patient-diary", "/diary", None),
    ("patient-plan", "/plan", None),
    ("patient-body", "/learn/body", None),
    ("patient-settings", "/settings", None),
)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        runtime = build_runtime(
            Settings(database_url=f"sqlite:///{folder}/demo.db"), clock=Clock(MOMENT)
        )
        prepare_database(runtime)
        accounts = {a.role: a for a in seed_demo(runtime)}
        add_demo_history(runtime)
        url = _serve(runtime)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            _patient_pages(browser, url, accounts["patient"])
            _team_pages(browser, url, accounts["clinician"])
            _admin_pages(browser, url, accounts["admin"])
            browser.close()
    print(f"screenshots in {OUT}")
    return 0


def _serve(runtime) -> str:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1", port=port, log_level="error")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}"


def _signed_in(browser, url: str, account: DemoAccount, viewport: dict[str, int]) -> Page:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport=viewport, base_url=url, locale="en-GB", timezone_id="Europe/London",
        device_scale_factor=1,
    )  # fmt: skip
    page: Page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    return page


def _shoot(page: Page, name: str, *, full: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)


def _patient_pages(browser, url: str, account: DemoAccount) -> None:  # type: ignore[no-untyped-def]
    page = _signed_in(browser, url, account, PHONE)
    base = page.url.rstrip("/")
    for name, path, _ in PATIENT_PAGES:
        page.goto(base + path)
        _shoot(page, name)
    page.goto(base + "/symptoms")
    page.get_by_label("What do you feel?", exact=False).fill(
        "My lips are swelling and I cannot breathe properly"
    )
    page.get_by_role("button", name="Check my symptoms").click()
    _shoot(page, "patient-symptom-emergency", full=False)
    page.context.close()


def _team_pages(browser, url: str, account: DemoAccount) -> None:  # type: ignore[no-untyped-def]
    page = _signed_in(browser, url, account, DESKTOP)
    _shoot(page, "team-panel")
    page.get_by_role("link", name="Lee", exact=False).first.click()
    _shoot(page, "team-patient")
    page.context.close()


def _admin_pages(browser, url: str, account: DemoAccount) -> None:  # type: ignore[no-untyped-def]
    page = _signed_in(browser, url, account, DESKTOP)
    page.goto("/admin/users")
    _shoot(page, "admin-users")
    page.context.close()


if __name__ == "__main__":
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        sys.exit("install Debian's chromium first")
    sys.exit(main())
