"""Read one patient's chart back from a FHIR R4 Bundle written by bundle_export.py.

Each resource of a type the chart holds is validated with its fhir.resources R4B model, then read
into its record; the records keep the bundle's order. DetectedIssue is skipped (findings are
derived on the server) and so is every type a chart does not hold. Bad data raises, never a
KeyError or TypeError: InvalidInput when a resource is not valid FHIR or its values break a chart
rule, UnreadableFhirData when it is valid FHIR without what a chart needs; both name the entry,
the resource and the field.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar, cast

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from fhir.resources.R4B.immunization import Immunization
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from ofacare.errors import InvalidInput, quote_value
from ofacare.interop.fhir.chart import PatientChart
from ofacare.interop.fhir.exchange_fields import unreadable
from ofacare.interop.fhir.exchange_history import from_fhir_allergy, from_fhir_immunization
from ofacare.interop.fhir.exchange_medication import (
    from_fhir_medication_administration,
    from_fhir_medication_request,
)
from ofacare.interop.fhir.exchange_observation import (
    from_fhir_diary_observation,
    from_fhir_lab_observation,
    is_diary_observation,
)
from ofacare.interop.fhir.exchange_patient import from_fhir_patient, read_ms_type

Model = TypeVar("Model", bound=FHIRResourceModel)
Record = TypeVar("Record")
CHART_TYPES = frozenset(
    {
        "Patient",
        "Condition",
        "MedicationRequest",
        "MedicationAdministration",
        "Observation",
        "Immunization",
        "AllergyIntolerance",
    }
)
MAX_SHOWN = 80  # characters of a resource's type and id in `where`
HINT = "Send a FHIR R4 Bundle as exported by ofacare (docs/fhir.md)."


class BundleResources:
    """The bundle's chart resources by type, in bundle order, each with where it was."""

    def __init__(self) -> None:
        self.by_type: defaultdict[str, list[tuple[str, FHIRResourceModel]]] = defaultdict(list)

    def of(self, kind: type[Model]) -> list[tuple[str, Model]]:
        name = kind.get_resource_type()
        return [(where, r) for where, r in self.by_type[name] if isinstance(r, kind)]


def read_patient_bundle(bundle: object) -> PatientChart:
    """Read a chart from a Bundle (JSON as a dict); findings are left out."""
    found = _gather(bundle)
    patients = found.of(Patient)
    if len(patients) != 1:
        raise unreadable("Bundle", "Patient", f"appears {len(patients)} times, once expected")
    where, patient = patients[0]
    ms_type = read_ms_type((c for _, c in found.of(Condition)), where="Bundle")
    details = _read(where, lambda: from_fhir_patient(patient, ms_type=ms_type, where=where))
    pid = details.id
    observations = found.of(Observation)
    return _read(
        "Bundle",
        lambda: PatientChart(
            patient=details,
            prescriptions=_each(found.of(MedicationRequest), from_fhir_medication_request),
            injections=_each(
                found.of(MedicationAdministration),
                partial(from_fhir_medication_administration, patient_id=pid),
            ),
            labs=_each(
                [(w, o) for w, o in observations if not is_diary_observation(o)],
                from_fhir_lab_observation,
            ),
            diary=_each(
                [(w, o) for w, o in observations if is_diary_observation(o)],
                from_fhir_diary_observation,
            ),
            vaccinations=_each(found.of(Immunization), from_fhir_immunization),
            allergies=_each(found.of(AllergyIntolerance), from_fhir_allergy),
        ),
    )


def _gather(bundle: object) -> BundleResources:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise _invalid("Bundle", f"expected a FHIR Bundle, got {_describe(bundle)}")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise _invalid("Bundle.entry", f"expected a list, got {_describe(entries)}")
    found = BundleResources()
    for index, entry in enumerate(entries):
        where = f"Bundle.entry[{index}]"
        raw = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
            raise _invalid(where, f"expected a resource with a resourceType, got {_describe(raw)}")
        kind = raw["resourceType"]
        if kind in CHART_TYPES:
            ident = _short_text(f"{kind}/{raw.get('id')}")
            where = f"{where} ({ident})"
            found.by_type[kind].append((where, _validate(kind, raw, where=where)))
    return found


def _validate(kind: str, raw: dict[str, Any], *, where: str) -> FHIRResourceModel:
    try:
        model = cast(FHIRResourceModel, get_fhir_model_class(kind).model_validate(raw))
    except ValidationError as exc:
        problem = exc.errors()[0]
        path = ".".join(str(part) for part in problem["loc"]) or "(resource)"
        message = str(problem["msg"]).removeprefix("Value error, ").rstrip(".")
        got = _short(problem.get("input"))
        raise _invalid(where, f"field '{path}': {message} (got {got})") from exc
    except (LookupError, TypeError, ValueError, AttributeError) as exc:
        # fhir.resources lets some malformed input escape as a plain Python error (an empty or
        # null resourceType inside `contained`, for one); it is still bad input, not a crash.
        reason = _short_text(f"{type(exc).__name__}: {exc}")
        raise _invalid(where, f"is not valid FHIR R4 ({reason})") from exc
    return model


def _each(resources: list[tuple[str, Model]], reader: Callable[..., Record]) -> tuple[Record, ...]:
    return tuple(_read(where, partial(reader, r, where=where)) for where, r in resources)


def _read(where: str, build: Callable[[], Record]) -> Record:
    """Build a record; a chart rule it breaks is reported with where the resource was."""
    try:
        return build()
    except InvalidInput as exc:
        if exc.code != "chart.invalid-field":
            raise
        raise InvalidInput("fhir.invalid-chart-data", f"{where}: {exc.message}", HINT) from exc


def _invalid(where: str, problem: str) -> InvalidInput:
    return InvalidInput("fhir.invalid-bundle", f"{where}: {problem}.", HINT)


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return f"an object with resourceType {quote_value(value.get('resourceType'))}"
    return _short(value)


def _short_text(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _short(value: object) -> str:
    return _short_text(f"{type(value).__name__} {quote_value(value)}")
