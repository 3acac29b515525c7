"""Parse command-line values into core types; a bad value names its option and quotes it."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzlocal

from ofacare.errors import InvalidInput


def parse_date(option: str, text: str) -> date:
    """Read an ISO date (YYYY-MM-DD) given to `option`."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            "input.bad-date",
            f"{option}: '{text}' is not a valid date.",
            "Write dates as YYYY-MM-DD, for example 2026-01-05.",
        ) from None


def parse_count(option: str, text: str) -> int:
    """Read a whole number of doses."""
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(
            "input.bad-count",
            f"{option}: '{text}' is not a whole number.",
            "Give the number of doses as digits, for example 12.",
        ) from None


def parse_time(option: str, text: str) -> time:
    """Read a local time of day (HH:MM, 24-hour clock)."""
    try:
        parsed = time.fromisoformat(text.strip())
    except ValueError:
        parsed = None
    if parsed is None or len(text.strip()) != len("HH:MM"):
        raise InvalidInput(
            "input.bad-time",
            f"{option}: '{text}' is not a time of day.",
            "Write the time as HH:MM on a 24-hour clock, for example 09:00 or 18:30.",
        )
    return parsed


def parse_timezone(option: str, name: str) -> ZoneInfo:
    """Read an IANA timezone name such as Europe/London."""
    try:
        if not name.strip() or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "input.unknown-timezone",
            f"{option}: '{name}' is not a known timezone.",
            "Use an IANA name such as Europe/London, America/New_York or Asia/Tokyo.",
        ) from None


def local_timezone_name() -> str:
    """The machine's IANA timezone name, or UTC where it cannot be told."""
    try:
        return tzlocal.get_localzone_name() or "UTC"
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return "UTC"


def today_in(tz: ZoneInfo) -> date:
    """Today's date where the person is: the only place the CLI reads the clock."""
    return datetime.now(tz).date()
