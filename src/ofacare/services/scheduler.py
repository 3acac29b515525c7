"""The daily sweep inside `ofacare serve`: a background thread that wakes once a day.

The sweep is idempotent, so a restart, a second instance or a cron run on the same day sends
nothing twice; operators with several instances may still prefer cron (docs/settings.md).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from ofacare.services.runtime import Runtime

log = logging.getLogger(__name__)


def next_run_after(now: datetime, hour: int) -> datetime:
    """The next moment at `hour`:00 UTC strictly after `now`.

    >>> from datetime import UTC
    >>> next_run_after(datetime(2026, 3, 2, 5, 59, tzinfo=UTC), 6).isoformat()
    '2026-03-02T06:00:00+00:00'
    >>> next_run_after(datetime(2026, 3, 2, 6, 0, tzinfo=UTC), 6).isoformat()
    '2026-03-03T06:00:00+00:00'
    """
    today_run = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return today_run if today_run > now else today_run + timedelta(days=1)


def start_daily_sweep(runtime: Runtime) -> threading.Thread | None:
    """Start the sweep thread, or nothing when OFACARE_SWEEP_HOUR is empty (cron runs it)."""
    hour = runtime.settings.sweep_hour
    if hour is None:
        return None
    thread = threading.Thread(target=_loop, args=(runtime, hour), name="ofacare-sweep", daemon=True)
    thread.start()
    return thread


def _loop(runtime: Runtime, hour: int) -> None:
    from ofacare.services.sweep import run_sweep  # noqa: PLC0415  (loads the core on first run)

    stop = threading.Event()
    while not stop.is_set():
        wait = (next_run_after(runtime.now(), hour) - runtime.now()).total_seconds()
        stop.wait(max(wait, 1.0))
        try:
            summary = run_sweep(runtime, as_of=runtime.now().date())
            log.warning("daily sweep: %s", summary)
        except Exception:  # the service keeps serving; the next day tries again
            log.exception("daily sweep failed")
