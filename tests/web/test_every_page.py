"""Every page each role can reach by following links passes axe-core's WCAG 2.1 AA checks.

The crawl starts at the role's home page on the demo world with its history, follows same-site
links (one visit per path), and checks each page in the phone-sized browser.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ofacare.services.demo_history import add_demo_history
from ofacare.services.setup import DemoAccount
from tests.web.conftest import LiveServer, check_accessibility, sign_in

MAX_PAGES = 40
NOT_PAGES = ("/static/", "/api/", "/docs", "/calendar/", "/openapi.json", "/cds-services")
DOWNLOADS = (".ics", ".pdf", ".json", ".csv", ".zip")
SMALLEST_TOUR = {"patient": 8, "caregiver": 7, "clinician": 3, "admin": 3}


def _links(page) -> list[str]:  # type: ignore[no-untyped-def]
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(NOT_PAGES) or parts.path.endswith(DOWNLOADS):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.mark.parametrize("role", ["patient", "caregiver", "clinician", "admin"])
def test_every_page_a_role_reaches_has_no_serious_accessibility_violation(
    page,  # type: ignore[no-untyped-def]
    live_server: LiveServer,
    demo: dict[str, DemoAccount],
    role: str,
) -> None:
    add_demo_history(live_server.runtime)
    sign_in(page, demo[role])
    queue, visited = [urlsplit(page.url).path], set[str]()
    while queue and len(visited) < MAX_PAGES:
        target = queue.pop(0)
        path = urlsplit(target).path
        if path in visited:
            continue
        visited.add(path)
        answer = page.goto(target)
        assert answer is not None and answer.status < 400, (target, answer and answer.status)
        check_accessibility(page)
        queue += [link for link in _links(page) if urlsplit(link).path not in visited]
    assert len(visited) >= SMALLEST_TOUR[role], sorted(visited)
