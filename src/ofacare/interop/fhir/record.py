"""Read FHIR R4 data (CDS Hooks prefetch, draft orders, search results) into validated resources.

Each value is a resource, a searchset Bundle of resources, or None (the client looked and found
nothing). Resources are validated with `fhir.resources` (R4B models, which read R4 JSON for the
resources used here); a resource that fails validation raises InvalidInput naming where it was and
the field. Types ofacare does not read are skipped without validation.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar, cast

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from fhir.resources.R4B.immunization import Immunization
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from ofacare.errors import InvalidInput, OfacareError, quote_value

Kind = TypeVar("Kind", bound=FHIRResourceModel)
READ_TYPES = frozenset(
    {"Patient", "Condition", "Observation", "Immunization", "MedicationRequest", "Medication"}
)


class MissingFhirData(OfacareError):
    """Data a decision needs was neither sent nor fetchable (CDS Hooks answers 412)."""


class UnreadableFhirData(OfacareError):
    """Valid FHIR that ofacare cannot interpret safely, such as an unknown unit (HTTP 422)."""


@dataclass(frozen=True, slots=True)
class FhirRecord:
    """One patient's resources, validated and sorted by type; duplicates (same id) kept once."""

    patients: tuple[Patient, ...] = ()
    conditions: tuple[Condition, ...] = ()
    observations: tuple[Observation, ...] = ()
    immunizations: tuple[Immunization, ...] = ()
    medication_requests: tuple[MedicationRequest, ...] = ()
    medications: tuple[Medication, ...] = ()
    keys: frozenset[str] = field(default_factory=frozenset)
    """The prefetch keys the record was built from (a key sent as None counts: known empty)."""

    @property
    def patient(self) -> Patient | None:
        return self.patients[0] if self.patients else None

    def find_medication(self, reference: str) -> Medication | None:
        """The Medication a reference such as 'Medication/abc' points to, when it was sent."""
        wanted = reference.rsplit("/", 1)[-1]
        return next((m for m in self.medications if m.id == wanted), None)


def read_fhir_record(data: Mapping[str, Any]) -> FhirRecord:
    """Validate every value of a prefetch-like mapping and gather its resources by type."""
    found: dict[str, dict[str, FHIRResourceModel]] = {name: {} for name in READ_TYPES}
    for key, value in data.items():
        for index, (where, raw) in enumerate(_resources(value, f"prefetch.{key}")):
            resource = parse_resource(raw, where=where)
            if resource is not None:
                ident = resource.id or f"{key}#{index}"
                found[resource.get_resource_type()].setdefault(ident, resource)
    return FhirRecord(
        patients=_typed(found["Patient"].values(), Patient),
        conditions=_typed(found["Condition"].values(), Condition),
        observations=_typed(found["Observation"].values(), Observation),
        immunizations=_typed(found["Immunization"].values(), Immunization),
        medication_requests=_typed(found["MedicationRequest"].values(), MedicationRequest),
        medications=_typed(found["Medication"].values(), Medication),
        keys=frozenset(data),
    )


def read_bundle_resources(bundle: Any, *, where: str) -> list[FHIRResourceModel]:
    """The resources ofacare reads from a Bundle (such as context.draftOrders), validated."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidInput(
            "cds.bad-request",
            f"{where}: expected a FHIR Bundle, got {_describe(bundle)}.",
            "Send the draft orders as a Bundle of MedicationRequest or ServiceRequest resources.",
        )
    parsed = (parse_resource(raw, where=w) for w, raw in _resources(bundle, where))
    return [resource for resource in parsed if resource is not None]


def parse_resource(raw: Any, *, where: str) -> FHIRResourceModel | None:
    """One validated resource; None for a type ofacare does not read."""
    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
        raise InvalidInput(
            "cds.bad-request",
            f"{where}: expected a FHIR resource with a resourceType, got {_describe(raw)}.",
            "Send FHIR R4 JSON resources.",
        )
    kind = raw["resourceType"]
    if kind not in READ_TYPES:
        return None
    try:
        model = cast(FHIRResourceModel, get_fhir_model_class(kind).model_validate(raw))
    except ValidationError as exc:
        problem = exc.errors()[0]
        path = ".".join(str(part) for part in problem["loc"])
        raise InvalidInput(
            "cds.bad-request",
            f"{where} ({kind}): field '{path}' {_lower(problem['msg'])} "
            f"(got {quote_value(problem.get('input'))}).",
            "Send valid FHIR R4 resources.",
        ) from exc
    return model


def has_code(concept: CodeableConcept | None, system: str, code: str) -> bool:
    """Whether a CodeableConcept has a coding with this system and code."""
    codings = (concept.coding or []) if concept is not None else []
    return any(c.system == system and c.code == code for c in codings)


def to_date(value: date | str | None, *, latest: bool = False) -> date | None:
    """A FHIR date or dateTime as a date; partial dates ('1990', '1990-04') take the first day,
    or the last with `latest`.

    >>> to_date("1990-04"), to_date("1990", latest=True), to_date(None)
    (datetime.date(1990, 4, 1), datetime.date(1990, 12, 31), None)
    """
    if value is None or isinstance(value, datetime):
        return value.date() if isinstance(value, datetime) else None
    if isinstance(value, date):
        return value
    parts = [int(p) for p in value[:10].split("-") if p.isdigit()]
    if not parts:
        return None
    year, month = parts[0], parts[1] if len(parts) > 1 else (12 if latest else 1)
    if len(parts) > 2:
        return date(year, month, parts[2])
    return date(year, month, calendar.monthrange(year, month)[1] if latest else 1)


def unreadable_value(
    where: str, exc: ValidationError, elements: Mapping[str, str]
) -> UnreadableFhirData:
    """Valid FHIR with a value the safety rules refuse (a birth date in 1850, a negative IgG).

    `elements` names the FHIR element each rule field was read from.
    """
    problem = exc.errors()[0]
    field = ".".join(str(part) for part in problem["loc"])
    shown = quote_value(problem.get("input"))
    return UnreadableFhirData(
        "fhir.unreadable-value",
        f"{where}: {elements.get(field, field)} {shown} {_lower(problem['msg'])}.",
        "Correct the value in the EHR; ofacare cannot check the patient with it.",
    )


def _resources(value: Any, where: str) -> Iterable[tuple[str, Any]]:
    """(where, raw resource) for a value that is None, a resource, or a Bundle of them."""
    if value is None:
        return []
    if not isinstance(value, dict):
        raise InvalidInput(
            "cds.bad-request",
            f"{where}: expected a FHIR resource, a Bundle or null, got {_describe(value)}.",
            "Send prefetch values as FHIR R4 JSON.",
        )
    if value.get("resourceType") != "Bundle":
        return [(where, value)]
    entries = value.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidInput(
            "cds.bad-request", f"{where}.entry: expected a list, got {_describe(entries)}.", ""
        )
    return [
        (f"{where}.entry[{i}].resource", entry.get("resource"))
        for i, entry in enumerate(entries)
        if isinstance(entry, dict) and entry.get("resource") is not None
    ]


def _typed(items: Iterable[FHIRResourceModel], kind: type[Kind]) -> tuple[Kind, ...]:
    return tuple(item for item in items if isinstance(item, kind))


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return f"an object with resourceType {quote_value(value.get('resourceType'))}"
    return f"{type(value).__name__} {quote_value(value)}"


def _lower(message: str) -> str:
    text = message.removeprefix("Value error, ").rstrip(".")
    return text[0].lower() + text[1:] if text else "is not valid"
