"""The calendar feed over HTTP: create, rotate, revoke; the feed read by khal, a real calendar
program, without signing in; one error shape for an unknown address."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select

from ofacare.api.app import create_app
from ofacare.api.routes.calendar_feed import feed_router
from ofacare.records.tables import AuditEntry
from tests.people import build_world, signed_in

KHAL = shutil.which("khal") or str(Path(sys.executable).parent / "khal")
FEED_PATH = "/calendar/{token}.ics"
KHAL_CONFIG = """\
[calendars]
[[doses]]
path = {path}
type = calendar

[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = Europe/London
default_timezone = Europe/London

[default]
default_calendar = doses
"""


@pytest.fixture
def feed_client(runtime) -> Iterator[TestClient]:
    """The app with the feed mounted at the root, as the app factory will mount it."""
    app = create_app(runtime=runtime)
    if not any(getattr(route, "path", None) == FEED_PATH for route in app.routes):
        app.include_router(feed_router)
    with TestClient(app) as test_client:
        yield test_client


def feed_path(patient_id: str) -> str:
    return f"/api/v1/patients/{patient_id}/calendar-feed"


def subscribe(client: TestClient, world) -> str:
    """Create the feed as the patient; return its path on the server, signed out again."""
    headers = signed_in(client, world.emails["patient"])
    made = client.post(feed_path(world.patient_id), headers=headers)
    assert made.status_code == 201, made.text
    client.cookies.clear()
    return "/" + made.json()["url"].split("/", 3)[3]


def prescribe(client: TestClient, world) -> None:
    headers = signed_in(client, world.emails["clinician"])
    made = client.post(
        f"/api/v1/patients/{world.patient_id}/prescriptions",
        json={"start_on": "2026-03-02"},
        headers=headers,
    )
    assert made.status_code == 201


def khal_list(tmp_path: Path, ics: bytes) -> list[str]:
    if not Path(KHAL).exists():
        pytest.fail("khal is a dev dependency of ofacare; run `make install`")
    store, config, feed = tmp_path / "calendar", tmp_path / "khal.conf", tmp_path / "feed.ics"
    store.mkdir()
    config.write_text(KHAL_CONFIG.format(path=store))
    feed.write_bytes(ics)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "TZ": "Europe/London"}

    def khal(*args: str) -> str:
        done = subprocess.run(
            [KHAL, "-c", str(config), *args], capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    khal("import", "--batch", "-a", "doses", str(feed))
    out = khal("list", "--format", "{start} {title}", "--day-format", "", "2026-03-01", "40d")
    return [line for line in out.splitlines() if line.strip()]


def test_khal_reads_the_feed_without_signing_in(feed_client, runtime, tmp_path):
    world = build_world(runtime)
    prescribe(feed_client, world)
    address = subscribe(feed_client, world)
    answer = feed_client.get(address)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert khal_list(tmp_path, answer.content) == [
        "2026-03-02 09:00 Kesimpta dose 1 (20 mg, loading)",
        "2026-03-09 09:00 Kesimpta dose 2 (20 mg, loading)",
        "2026-03-16 09:00 Kesimpta dose 3 (20 mg, loading)",
        "2026-03-30 09:00 Kesimpta dose 4 (20 mg, maintenance)",
    ]


def test_a_logged_dose_leaves_the_feed_and_moves_the_next(feed_client, runtime):
    world = build_world(runtime)
    prescribe(feed_client, world)
    headers = signed_in(feed_client, world.emails["patient"])
    logged = feed_client.post(
        f"/api/v1/patients/{world.patient_id}/injections",
        json={"given_at": "2026-03-02T08:00:00+00:00", "site": "thigh-left"},
        headers=headers,
    )
    assert logged.status_code == 201
    address = subscribe(feed_client, world)
    calendar = Calendar.from_ical(feed_client.get(address).content)
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert summaries[0] == "Kesimpta dose 2 (20 mg, loading)"


def test_an_unknown_rotated_or_revoked_address_is_404_in_the_one_error_shape(feed_client, runtime):
    world = build_world(runtime)
    old = subscribe(feed_client, world)
    new = subscribe(feed_client, world)
    assert feed_client.get(new).status_code == 200
    gone = feed_client.get(old)
    assert gone.status_code == 404
    assert gone.json() == {
        "ok": False,
        "error": {
            "code": "calendar.no-such-feed",
            "message": "This calendar feed address is not known (mistyped, replaced or revoked).",
            "hint": "Ask for a new feed address in ofacare and subscribe to it again.",
        },
    }
    headers = signed_in(feed_client, world.emails["patient"])
    assert feed_client.delete(feed_path(world.patient_id), headers=headers).status_code == 204
    feed_client.cookies.clear()
    assert feed_client.get(new).status_code == 404


def test_reads_are_audited_as_the_feed(feed_client, runtime):
    world = build_world(runtime)
    address = subscribe(feed_client, world)
    feed_client.get(address)
    with runtime.database.reading() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.role, AuditEntry.user_id, AuditEntry.patient_id)
        ).all()
    assert ("calendar.feed-read", "feed", None, world.patient_id) in rows
    assert any(action == "calendar.feed-create" for action, *_ in rows)


def test_only_the_patient_manages_the_feed(feed_client, runtime):
    world = build_world(runtime)
    headers = signed_in(feed_client, world.emails["caregiver"])
    assert feed_client.post(feed_path(world.patient_id), headers=headers).status_code == 403
    headers = signed_in(feed_client, world.emails["clinician"])
    assert feed_client.delete(feed_path(world.patient_id), headers=headers).status_code == 403
    other = feed_client.post(feed_path(world.other_patient_id), headers=headers)
    assert other.status_code == 404
    feed_client.cookies.clear()
    assert feed_client.post(feed_path(world.patient_id)).status_code == 401
