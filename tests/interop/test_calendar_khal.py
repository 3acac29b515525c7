"""Import the exported file into khal, a real calendar program, and read it back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

KHAL = shutil.which("khal") or str(Path(sys.executable).parent / "khal")
OFACARE = str(Path(sys.executable).parent / "ofacare")

CONFIG = """\
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
local_timezone = {tz}
default_timezone = {tz}

[default]
default_calendar = doses
"""


@pytest.fixture
def khal(tmp_path: Path):
    if not Path(KHAL).exists():
        pytest.fail("khal is a dev dependency of ofacare; run `make install`")
    store = tmp_path / "calendar"
    store.mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(CONFIG.format(path=store, tz="America/New_York"))
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "TZ": "America/New_York"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [KHAL, "-c", str(config), *args], capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


def export(tmp_path: Path, *taken: str, as_of: str) -> Path:
    out = tmp_path / "plan.ics"
    args = [OFACARE, "calendar", "--start", "2026-02-23", "--as-of", as_of, "--count", "7"]
    args += [a for t in taken for a in ("--taken", t)]
    args += ["--time", "08:15", "--tz", "America/New_York", "-o", str(out)]
    subprocess.run(args, check=True, capture_output=True)
    return out


def listing(khal) -> list[str]:
    out = khal("list", "--format", "{start} {title}", "--day-format", "", "2026-02-01", "400d")
    return [line for line in out.splitlines() if line.strip()]


def test_khal_imports_every_dose_at_local_time_across_the_us_dst_change(khal, tmp_path):
    ics = export(tmp_path, "2026-02-23", as_of="2026-02-24")
    khal("import", "--batch", "-a", "doses", str(ics))
    assert listing(khal) == [
        "2026-03-02 08:15 Kesimpta dose 2 (20 mg, loading)",
        "2026-03-09 08:15 Kesimpta dose 3 (20 mg, loading)",  # the day after US DST starts
        "2026-03-23 08:15 Kesimpta dose 4 (20 mg, maintenance)",
        "2026-04-23 08:15 Kesimpta dose 5 (20 mg, maintenance)",
        "2026-05-23 08:15 Kesimpta dose 6 (20 mg, maintenance)",
        "2026-06-23 08:15 Kesimpta dose 7 (20 mg, maintenance)",
    ]


def test_reimporting_after_a_late_dose_updates_events_instead_of_duplicating(khal, tmp_path):
    khal(
        "import", "--batch", "-a", "doses", str(export(tmp_path, "2026-02-23", as_of="2026-02-24"))
    )
    # Dose 2 was given two days late; the same file is exported again and imported again.
    ics = export(tmp_path, "2026-02-23", "2026-03-04", as_of="2026-03-04")
    khal("import", "--batch", "-a", "doses", str(ics))
    events = listing(khal)
    assert events[1:] == [
        "2026-03-11 08:15 Kesimpta dose 3 (20 mg, loading)",
        "2026-03-25 08:15 Kesimpta dose 4 (20 mg, maintenance)",
        "2026-04-25 08:15 Kesimpta dose 5 (20 mg, maintenance)",
        "2026-05-25 08:15 Kesimpta dose 6 (20 mg, maintenance)",
        "2026-06-25 08:15 Kesimpta dose 7 (20 mg, maintenance)",
    ]
    # Dose 2 was exported before it was taken; its old event stays at its planned date.
    assert events[0] == "2026-03-02 08:15 Kesimpta dose 2 (20 mg, loading)"
    assert len([e for e in events if "dose 3 " in e]) == 1
