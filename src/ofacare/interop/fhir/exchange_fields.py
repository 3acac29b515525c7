"""Writing and reading the values every chart resource shares: references, dates, instants,
coded concepts, and errors that name the resource and the field.

The export writes every date as YYYY-MM-DD and every instant in UTC ("Z"), so a chart exported,
read back and exported again gives the same JSON. The import reads validated fhir.resources models
and raises UnreadableFhirData, naming where the resource was and which field, for valid FHIR that
is not a chart's data (a missing element, a partial date, a reference to another server).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.reference import Reference

from ofacare.errors import quote_value
from ofacare.interop.fhir.codes import KNOWLEDGE_VERSION_SYSTEM
from ofacare.interop.fhir.record import UnreadableFhirData

T = TypeVar("T")
UUID_PREFIX = "urn:uuid:"


def reference_to(ident: str) -> dict[str, str]:
    """A reference to another resource of the bundle, by its urn:uuid full URL."""
    return {"reference": UUID_PREFIX + ident}


def full_url(ident: str) -> str:
    return UUID_PREFIX + ident


def to_fhir_date(value: date) -> str:
    """A date as a FHIR date.

    >>> to_fhir_date(date(2026, 3, 2))
    '2026-03-02'
    """
    return value.isoformat()


def to_fhir_instant(value: datetime) -> str:
    """An aware datetime as a FHIR dateTime in UTC.

    >>> from datetime import timedelta, timezone
    >>> to_fhir_instant(datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1))))
    '2026-03-02T08:30:00Z'
    """
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    found = {"system": system, "code": code}
    if display is not None:
        found["display"] = display
    return found


def concept(*codings: dict[str, str], text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept as JSON from codings and an optional text."""
    found: dict[str, Any] = {}
    if codings:
        found["coding"] = list(codings)
    if text is not None:
        found["text"] = text
    return found


def find_code(value: CodeableConcept | None, system: str) -> str | None:
    """The code of the first coding from this system, or None."""
    for item in (value.coding or []) if value is not None else []:
        if item.system == system and item.code:
            return str(item.code)
    return None


def required(value: T | None, *, where: str, field: str) -> T:
    """The value; UnreadableFhirData naming the field when it is missing."""
    if value is None:
        raise unreadable(where, field, "is missing")
    return value


def read_date(value: object, *, where: str, field: str) -> date:
    """A full FHIR date (a partial date or a dateTime with a time is not a chart date)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise unreadable(where, field, f"{value!r} is not a full date such as 2026-03-02")


def read_optional_date(value: object, *, where: str, field: str) -> date | None:
    return None if value is None else read_date(value, where=where, field=field)


def read_instant(value: object, *, where: str, field: str) -> datetime:
    """A dateTime with a time and timezone."""
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value
    raise unreadable(where, field, f"{value!r} is not a date and time with a timezone")


def read_optional_instant(value: object, *, where: str, field: str) -> datetime | None:
    return None if value is None else read_instant(value, where=where, field=field)


def read_reference_id(value: Reference | None, *, where: str, field: str) -> str:
    """The id a reference points to: 'urn:uuid:<id>' or '<Type>/<id>'."""
    text = required(value, where=where, field=field).reference
    if not text:
        raise unreadable(where, f"{field}.reference", "is missing")
    if text.startswith(UUID_PREFIX):
        return text.removeprefix(UUID_PREFIX)
    parts = text.split("/")
    if len(parts) == 2 and all(parts):
        return parts[1]
    raise unreadable(where, f"{field}.reference", f"{quote_value(text)} points outside the bundle")


def unreadable(where: str, field: str, problem: str) -> UnreadableFhirData:
    return UnreadableFhirData(
        "fhir.unreadable-chart",
        f"{where}: {field} {problem}.",
        "Send a bundle exported by ofacare (docs/fhir.md lists what each resource must hold).",
    )


def knowledge_meta(version: str) -> dict[str, Any]:
    """Meta with a tag naming the knowledge-base version the content was built from."""
    tag = coding(KNOWLEDGE_VERSION_SYSTEM, version, "ofacare knowledge base version")
    return {"tag": [tag]}
