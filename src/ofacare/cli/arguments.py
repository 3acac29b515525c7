"""Parse command-line values into core types; a bad value names its option and quotes it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzlocal

from ofacare.errors import InvalidInput, quote_value
from ofacare.knowledge.schema import Audience
from ofacare.regimen.schedule import EARLIEST_DATE, LATEST_DATE
from ofacare.services.forms import country_codes

T = TypeVar("T")


def parse_date(option: str, text: str) -> date:
    """Read an ISO date (YYYY-MM-DD) given to `option`, within the dates ofacare plans for."""
    day = _convert(
        option, text, date.fromisoformat, code="input.bad-date", problem="is not a valid date.",
        hint="Write dates as YYYY-MM-DD, for example 2026-01-05.",
    )  # fmt: skip
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InvalidInput(
            "regimen.date-out-of-range",
            f"{option}: {day.isoformat()} is outside the dates ofacare plans for.",
            f"Use a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}.",
        )
    return day


def parse_count(option: str, text: str) -> int:
    """Read a whole number of doses."""
    return _convert(
        option, text, int, code="input.bad-count", problem="is not a whole number.",
        hint="Give the number of doses as digits, for example 12.",
    )  # fmt: skip


def _convert(
    option: str, text: str, convert: Callable[[str], T], *, code: str, problem: str, hint: str
) -> T:
    try:
        return convert(text.strip())
    except ValueError:
        raise InvalidInput(code, f"{option}: '{text}' {problem}", hint) from None


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


def parse_audience(text: str) -> Audience:
    """Read `patient` or `clinician`."""
    word = text.strip().lower()
    if word in {Audience.PATIENT, Audience.CLINICIAN}:
        return Audience(word)
    raise InvalidInput(
        "input.unknown-audience",
        f"audience: {quote_value(text)} is not an audience.",
        "Use --audience patient or --audience clinician.",
    )


def parse_country(text: str | None) -> str | None:
    """Read a two-letter ISO country code; None stays None (both labels apply)."""
    if text is None:
        return None
    code = text.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InvalidInput(
            "input.bad-country",
            f"country: {quote_value(text)} is not a two-letter country code.",
            "Use an ISO code such as US, GB, DE or FR, or leave --country out.",
        )
    if code not in country_codes():
        raise InvalidInput(
            "input.bad-country",
            f"country: {quote_value(text)} is not an ISO country code.",
            "Use an ISO code such as US, GB, DE or FR, or leave --country out.",
        )
    return code


def read_json(path: Path, *, field: str) -> Any:
    """Read a JSON file; a missing file or bad JSON names the argument and the place."""
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InvalidInput(
            "input.no-file", f"{field}: '{path}' does not exist.", "Give the path of a JSON file."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "input.unreadable-file", f"{field}: '{path}' cannot be read ({exc}).", ""
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            "input.bad-json",
            f"{field}: '{path}' is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}).",
            "Check the file against the example in docs/screening.md.",
        ) from None
    except RecursionError:  # json gives up on nesting deeper than Python's recursion limit
        raise InvalidInput(
            "input.bad-json",
            f"{field}: '{path}' nests arrays or objects too deeply to read.",
            "Check the file against the example in docs/screening.md.",
        ) from None
