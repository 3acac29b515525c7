"""Checks of a chart record's fields: each raises InvalidInput naming the field and quoting the
value, and accepts only what FHIR R4 JSON can carry and read back unchanged."""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ofacare.errors import InvalidInput
from ofacare.regimen.schedule import EARLIEST_RECORD_DATE, LATEST_DATE

MAX_SHOWN = 80  # characters of a bad value quoted in a message
SLUG = re.compile(r"[a-z0-9]+(?:[-._][a-z0-9]+)*")


def check_uuid(field: str, value: object) -> None:
    """A canonical lower-case UUID string, the form FHIR urn:uuid references need."""
    try:
        canonical = isinstance(value, str) and str(UUID(value)) == value
    except ValueError:
        canonical = False
    if not canonical:
        raise invalid_field(field, value, "is not a lower-case UUID such as 'c0ffee00-...'")


def check_text(field: str, value: object) -> None:
    """A text with at least one character that is not white space (FHIR has no empty string)."""
    if not isinstance(value, str) or not value.strip():
        raise invalid_field(field, value, "is not a text with at least one visible character")
    if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise invalid_field(field, value, "holds a lone surrogate, which is not valid Unicode")


def check_optional_text(field: str, value: object) -> None:
    if value is not None:
        check_text(field, value)


def check_texts(field: str, values: object) -> None:
    if not isinstance(values, tuple):
        raise invalid_field(field, values, "is not a tuple of texts")
    for index, value in enumerate(values):
        check_text(f"{field}[{index}]", value)


def check_date(field: str, value: object) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise invalid_field(field, value, "is not a date")
    _check_plausible(field, value, value)


def _check_plausible(field: str, value: object, day: date) -> None:
    """A date the plan can count weeks and months from (year 9999 overflows the arithmetic)."""
    if not EARLIEST_RECORD_DATE <= day <= LATEST_DATE:
        bounds = f"is not between {EARLIEST_RECORD_DATE} and {LATEST_DATE}"
        raise invalid_field(field, value, bounds)


def check_optional_date(field: str, value: object) -> None:
    if value is not None:
        check_date(field, value)


def check_aware(field: str, value: object) -> None:
    """A datetime with a timezone that can be written in UTC (the export writes UTC)."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise invalid_field(field, value, "is not a datetime with a timezone")
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise invalid_field(field, value, "is outside the years UTC can be written in") from None
    _check_plausible(field, value, in_utc.date())


def check_slug(field: str, value: object) -> None:
    """An id made of lower-case letters and digits joined by single hyphens or dots."""
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        raise invalid_field(field, value, "is not an id such as 'abdomen-left'")


def check_choice(field: str, value: object, choices: Collection[str]) -> None:
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(sorted(choices))
        raise invalid_field(field, value, f"is not one of {listed}")


def check_bool(field: str, value: object) -> None:
    if not isinstance(value, bool):
        raise invalid_field(field, value, "is not true or false")


def check_optional_number(field: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid_field(field, value, "is not a finite number")


def check_country(field: str, value: object) -> None:
    if not (
        isinstance(value, str)
        and len(value) == 2
        and value.isascii()
        and value.isalpha()
        and value.isupper()
    ):
        raise invalid_field(field, value, "is not an ISO 3166 two-letter code such as 'GB'")


def check_timezone(field: str, value: object) -> None:
    try:
        known = isinstance(value, str) and bool(value) and ZoneInfo(value) is not None
    except (ZoneInfoNotFoundError, ValueError):
        known = False
    if not known:
        raise invalid_field(field, value, "is not an IANA timezone such as 'Europe/London'")


def check_local_time(field: str, value: object) -> None:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise invalid_field(field, value, "is not a local time of day without a timezone")


def invalid_field(field: str, value: object, problem: str) -> InvalidInput:
    shown = repr(value)
    if len(shown) > MAX_SHOWN:  # a message quotes the start of a long value, not all of it
        shown = shown[: MAX_SHOWN - 3] + "..."
    return InvalidInput(
        "chart.invalid-field",
        f"{field}: {shown} {problem}.",
        "Correct the record before exporting or importing the chart.",
    )
