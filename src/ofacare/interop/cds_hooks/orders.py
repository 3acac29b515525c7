"""Card suggestions that order a missing test: FHIR R4 ServiceRequests with LOINC codes.

Codes and long names from ../shared/reference/codes.md section 3 (HBsAg 5196-1, the immunoassay
code the prefetch asks for; anti-HBc total 16933-4; IgG 2465-3; IgM 2472-9; hCG 2118-8) and the
standard serum liver codes in safety/lab_tests.py (ALT 1742-6, AST 1920-8, ALP 6768-6, total
bilirubin 1975-2). The requests are drafts (`status` draft, `intent` order): accepting the
suggestion puts them into the EHR's own ordering and signing workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from ofacare.interop.fhir.codes import LOINC, SNOMED

LIVER_TESTS = (
    ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"),
    ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma"),
    ("6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma"),
    ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"),
)
ORDERABLE: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "HBsAg": ("HBsAg", (("5196-1", "Hepatitis B virus surface Ag [Presence] in Serum or "
                                   "Plasma by Immunoassay"),)),
    "anti-HBc": ("anti-HBc (total)", (("16933-4", "Hepatitis B virus core Ab [Presence] in "
                                                  "Serum"),)),
    "IgG": ("serum IgG", (("2465-3", "IgG [Mass/volume] in Serum or Plasma"),)),
    "IgM": ("serum IgM", (("2472-9", "IgM [Mass/volume] in Serum or Plasma"),)),
    "liver-panel": ("liver tests (ALT, AST, alkaline phosphatase, total bilirubin)", LIVER_TESTS),
    "pregnancy": ("a pregnancy test (hCG)", (("2118-8", "Choriogonadotropin [Presence] in Serum "
                                                        "or Plasma"),)),
}  # fmt: skip
LAB_CATEGORY = {"system": SNOMED, "code": "108252007", "display": "Laboratory procedure"}
REASON = "Baseline screening before ofatumumab (Kesimpta)"


@dataclass(frozen=True, slots=True)
class OrderContext:
    """Who the orders are for and from: the hook context's patient, encounter and user."""

    patient_id: str
    encounter_id: str | None = None
    user_id: str | None = None


def build_order_suggestion(target: str, context: OrderContext) -> dict[str, Any] | None:
    """A suggestion that creates the ServiceRequests for one missing test; None if not orderable."""
    orderable = ORDERABLE.get(target)
    if orderable is None:
        return None
    label, tests = orderable
    codes = ", ".join(code for code, _ in tests)
    return {
        "label": f"Order {label} (LOINC {codes})",
        "uuid": str(uuid4()),
        "isRecommended": True,
        "actions": [
            {
                "type": "create",
                "description": f"Order {display} (LOINC {code}).",
                "resource": build_service_request(code, display, context),
            }
            for code, display in tests
        ],
    }


def build_service_request(code: str, display: str, context: OrderContext) -> dict[str, Any]:
    """A draft laboratory ServiceRequest for one LOINC-coded test."""
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "order",
        "category": [{"coding": [LAB_CATEGORY]}],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "subject": {"reference": f"Patient/{context.patient_id}"},
        "reasonCode": [{"text": REASON}],
    }
    if context.encounter_id:
        request["encounter"] = {"reference": f"Encounter/{context.encounter_id}"}
    if context.user_id and context.user_id.startswith(("Practitioner/", "PractitionerRole/")):
        request["requester"] = {"reference": context.user_id}
    return request
