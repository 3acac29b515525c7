"""Validated inputs shared by the use cases: one pydantic model per thing a person submits.

Validation errors name the field and quote the value; the doors turn them into 422 answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from functools import cache
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.fields import FieldInfo

from ofacare.regimen.schedule import EARLIEST_RECORD_DATE, LATEST_DATE
from ofacare.safety.profile import MsType

YEARS = range(EARLIEST_RECORD_DATE.year, LATEST_DATE.year + 1)
"""The years an event may be in: older is a typo, and year 1 with an offset cannot even be
converted to UTC (it raised OverflowError, a server error)."""
NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
"""Files of the tz database that name no place: the machine's own zone and placeholders."""
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
"""Babel's two-letter territories that are not countries (regions, pseudo-locales)."""
CONTROL_CHARACTERS = frozenset(chr(n) for n in (*range(32), 127)) - {"\t", "\n", "\r"}
"""Never typed by a person; NUL is also refused by PostgreSQL in text."""
_ZONES: frozenset[str] | None = None


def _known_timezone(name: str) -> str:
    global _ZONES  # noqa: PLW0603  (read once: listing the zones walks the tz database)
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) - NOT_PLACES
    if name not in _ZONES:
        raise ValueError("is not an IANA timezone name such as Europe/London or America/New_York")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but unreadable
        raise ValueError("is not a readable timezone") from exc
    return name


@cache
def country_codes() -> frozenset[str]:
    """The ISO 3166 two-letter codes of countries (and territories) people live in."""
    codes = {str(code) for code in Locale.parse("en").territories}
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha()) - NOT_COUNTRIES


def _country(code: str) -> str:
    if len(code) != 2 or not code.isalpha():
        raise ValueError("must be a two-letter country code such as US, GB or DE")
    if code.upper() not in country_codes():
        raise ValueError("is not an ISO country code; use one such as US, GB or DE")
    return code.upper()


def check_no_control_characters(value: object) -> object:
    """Refuse text holding control characters (a NUL, a bell...), in a string or a list of them."""
    texts = value if isinstance(value, tuple | list) else (value,)
    for text in texts:
        if isinstance(text, str) and not CONTROL_CHARACTERS.isdisjoint(text):
            raise ValueError("holds a control character (such as NUL); send plain text")
    return value


def check_year(day: date | datetime) -> date | datetime:
    """Refuse a date or moment outside YEARS (compared as written, before any conversion)."""
    if day.year not in YEARS:
        raise ValueError(
            f"is outside the years ofacare records ({YEARS[0]} to {YEARS[-1]}); check the year"
        )
    return day


Timezone = Annotated[str, AfterValidator(_known_timezone)]
ReminderChannel = Literal["email", "calendar", "none"]
"""How reminders reach a patient: by email, only through their calendar feed, or not at all."""
Country = Annotated[str, AfterValidator(_country)]


def _local_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("has a UTC offset; send the local time alone, such as 09:00")
    return value


ReminderTime = Annotated[
    time,
    AfterValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
            "description": "A wall-clock time in the patient's timezone, such as 09:00.",
        }
    ),
]
"""A local time without an offset: the patient's timezone says where it is (JSON Schema's "time"
format would demand an offset, which ofacare would then have to throw away)."""
Moment = Annotated[AwareDatetime, AfterValidator(check_year)]
"""When something happened: a date and time with its UTC offset, in the years ofacare records."""
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^\+?[0-9 ()./-]{3,40}$")
]


class Form(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_number_for_a_date_or_yes_no(cls, value: object, info: ValidationInfo) -> object:
        """pydantic would read a number, or text that is one ("1700000000"), as seconds since
        1970 for a date or a moment (20260401 is a day in August 1970), and a JSON 0 or 1 as a
        yes/no: refuse, never store that. Yes/no as text ("on", "0") stays: pages send it."""
        wanted = None
        if info.field_name and (type(value) in {int, float} or _reads_as_number(value)):
            wanted = _number_misread_as(cls.model_fields[info.field_name].annotation)
        if wanted and not (isinstance(value, str) and wanted == YES_NO):
            raise ValueError(f"is a number; send {wanted}")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _length_as_sent(cls, value: object, info: ValidationInfo) -> object:
        """Hold text to its documented length as sent: pydantic would strip the surrounding
        spaces first, so a value too long by its spaces alone would pass the schema's limit."""
        if isinstance(value, str) and info.field_name:
            limit = _text_limit(cls.model_fields[info.field_name])
            if limit is not None and len(value) > limit:
                raise ValueError(f"should have at most {limit} characters (it has {len(value)})")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: object) -> object:
        return check_no_control_characters(value)


YES_NO = "true or false"
NOT_NUMBERS = (
    (bool, YES_NO),
    (datetime, "a date and time such as 2026-03-02T09:00:00+00:00"),
    (AwareDatetime, "a date and time such as 2026-03-02T09:00:00+00:00"),
    (date, "a date such as 2026-03-02"),
    (time, "a time such as 09:00"),
)
"""Types pydantic would read from a number, and how to write a value of each instead."""


def _text_limit(field: FieldInfo) -> int | None:
    """The length limit of a text field (`ShortText`, `ShortText | None`, `str = Field(...)`);
    None for other fields (a list's limit counts its items)."""
    if field.annotation is str:
        return _limit_in(tuple(field.metadata))
    return _limit_in((field.annotation,))


def _limit_in(parts: tuple[object, ...]) -> int | None:
    for part in parts:
        limit = getattr(part, "max_length", None)
        if isinstance(limit, int):
            return limit
        if get_origin(part) in {Union, UnionType, Annotated}:
            found = _limit_in(get_args(part))
            if found is not None:
                return found
    return None


def _reads_as_number(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _number_misread_as(annotation: object) -> str | None:
    """How to write the field's value, if its type is one a number would be misread as."""
    if isinstance(annotation, type):
        return next((text for kind, text in NOT_NUMBERS if issubclass(annotation, kind)), None)
    for part in get_args(annotation):  # a union's members, an Annotated type's base
        found = _number_misread_as(part)
        if found:
            return found
    return None


class PatientForm(Form):
    """A new patient, as a clinician enters them (or an import brings them)."""

    given_name: Name
    family_name: Name
    birth_date: date = Field(ge=EARLIEST_RECORD_DATE)
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    country: Country = "US"
    timezone: Timezone = "UTC"
    reminder_time: ReminderTime = time(9, 0)
    email: Email | None = None
    phone: Phone | None = None
    ms_type: MsType = "RRMS"
    can_become_pregnant: bool = False
    pregnant: bool = False
    breastfeeding: bool = False
    active_infection: bool = False
    severely_immunocompromised: bool = False
    active_malignancy: bool = False
    immunosuppressants: tuple[ShortText, ...] = Field(default=(), max_length=20)
    planned_start_on: date | None = None


class PatientChanges(Form):
    """Fields a patient (settings) or clinician (profile) may change; omitted ones stay."""

    given_name: Name | None = None
    family_name: Name | None = None
    timezone: Timezone | None = None
    reminder_time: ReminderTime | None = None
    email: Email | None = None
    phone: Phone | None = None
    country: Country | None = None
    can_become_pregnant: bool | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    active_infection: bool | None = None
    severely_immunocompromised: bool | None = None
    active_malignancy: bool | None = None
    immunosuppressants: tuple[ShortText, ...] | None = Field(default=None, max_length=20)
    planned_start_on: date | None = None
    ms_type: MsType | None = None
    reminder_channel: ReminderChannel | None = None


SETTINGS_FIELDS = frozenset(
    {"timezone", "reminder_time", "email", "phone", "country", "reminder_channel"}
)
"""What a patient changes in their own settings; the rest is the care team's profile."""


def describe_problem(problem: Mapping[str, Any]) -> str:
    """'field: value reason' from one pydantic error, the field named the way it was sent."""
    location = [
        str(part)
        for part in problem.get("loc", ())
        if part not in {"body", "query", "path", "header"} and "[" not in str(part)
    ]  # pydantic names a union's branch as a part ('str-enum[Urgency]'): not a field
    field = ".".join(location) or "body"
    kind = problem.get("type", "")
    message = str(problem.get("msg", "is not valid")).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if kind == "missing":
        return f"{field}: is required but missing."
    if kind == "json_invalid":
        return f"body: is not valid JSON ({message})."
    if kind == "extra_forbidden":
        return f"{field}: is not a field ofacare knows here."
    shown = repr(problem.get("input"))
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return f"{field}: {shown} {message}."
