"""The FHIR extensions the patient-chart bundle writes and reads, by URL, in one place.

Standard extensions are used where one fits: the IANA timezone code (FHIR extensions pack) and
R5's MedicationRequest.statusChanged as an R4 cross-version extension. Everything else a chart
holds and R4 has no element for is an ofacare extension under STRUCTURE_DEFINITION_BASE
(docs/fhir.md lists them with their value types).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.extension import Extension

from ofacare.interop.fhir.exchange_fields import unreadable

STRUCTURE_DEFINITION_BASE = "https://ofacare.org/fhir/StructureDefinition/"

TIMEZONE = "http://hl7.org/fhir/StructureDefinition/timezone"
STATUS_CHANGED = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-MedicationRequest.statusChanged"
)

REMINDER_TIME = STRUCTURE_DEFINITION_BASE + "reminder-time"
IMMUNOSUPPRESSANT = STRUCTURE_DEFINITION_BASE + "immunosuppressant"
PLANNED_START = STRUCTURE_DEFINITION_BASE + "planned-start"
DOSE_NUMBER = STRUCTURE_DEFINITION_BASE + "dose-number"
OUT_OF_FRIDGE_AT = STRUCTURE_DEFINITION_BASE + "out-of-fridge-at"
INJECTION_REACTION = STRUCTURE_DEFINITION_BASE + "injection-reaction"
LIVE_VACCINE = STRUCTURE_DEFINITION_BASE + "live-vaccine"

# The screening flags of PatientDetails, each a boolean extension on Patient, in export order.
FLAG_EXTENSIONS: Mapping[str, str] = {
    "can_become_pregnant": STRUCTURE_DEFINITION_BASE + "can-become-pregnant",
    "pregnant": STRUCTURE_DEFINITION_BASE + "pregnant",
    "breastfeeding": STRUCTURE_DEFINITION_BASE + "breastfeeding",
    "active_infection": STRUCTURE_DEFINITION_BASE + "active-infection",
    "severely_immunocompromised": STRUCTURE_DEFINITION_BASE + "severely-immunocompromised",
    "active_malignancy": STRUCTURE_DEFINITION_BASE + "active-malignancy",
}


def extension(url: str, kind: str, value: object) -> dict[str, Any]:
    """An extension as JSON, with its value under value<kind> (Boolean, Code, DateTime ...).

    >>> extension(LIVE_VACCINE, "Boolean", False)["valueBoolean"]
    False
    """
    return {"url": url, f"value{kind}": value}


def find_extension_values(extensions: list[Extension] | None, url: str, kind: str) -> list[Any]:
    """The values of every extension with this URL, in order."""
    return [getattr(e, f"value{kind}") for e in extensions or [] if e.url == url]


def get_extension_value(
    extensions: list[Extension] | None, url: str, kind: str, *, where: str
) -> Any:
    """The value of the one extension with this URL; UnreadableFhirData when absent or repeated."""
    found = find_optional_extension_value(extensions, url, kind, where=where)
    if found is None:
        raise unreadable(where, f"extension {url}", f"is missing (value{kind} expected)")
    return found


def find_optional_extension_value(
    extensions: list[Extension] | None, url: str, kind: str, *, where: str
) -> Any:
    """The value of the extension with this URL, None when absent; repeated is unreadable."""
    values = find_extension_values(extensions, url, kind)
    if len(values) > 1:
        raise unreadable(where, f"extension {url}", f"appears {len(values)} times, once expected")
    if values and values[0] is None:
        raise unreadable(where, f"extension {url}", f"has no value{kind}")
    return values[0] if values else None
