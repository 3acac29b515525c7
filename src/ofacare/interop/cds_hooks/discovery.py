"""The CDS services ofacare offers, their prefetch templates, and the data each one requires.

Prefetch keys follow ../shared/reference/codes.md section 4: one LOINC code per Observation key, so
every query stays inside the CDS Hooks recommended prefetch subset. Observations are read by their
LOINC code whichever key brings them, so a client may put other codes for the same test (HBsAg
5195-3, anti-HBc 13952-7, urine hCG 2106-3, AST/ALP/bilirubin) in the matching key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ORDER_SIGN = "order-sign"
PATIENT_VIEW = "patient-view"


def _newest(loinc: str) -> str:
    return (
        "Observation?patient={{context.patientId}}"
        f"&code=http://loinc.org|{loinc}&_sort=-date&_count=1"
    )


PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "hbsag": _newest("5196-1"),
    "antihbc": _newest("16933-4"),
    "igg": _newest("2465-3"),
    "igm": _newest("2472-9"),
    "liver": _newest("1742-6"),  # ALT: in every liver panel, so its presence means one was done
    "pregnancy": _newest("2118-8"),
    "immunizations": "Immunization?patient={{context.patientId}}",
    "medications": "MedicationRequest?patient={{context.patientId}}",
}
# Without these no card can be trusted: who the patient is and the hepatitis B screen. Other keys
# are optional: when one is neither sent nor fetchable, the findings that would claim its test is
# missing are left out (cards.py, FINDING_NEEDS) instead of asserting an absence nobody checked.
REQUIRED = frozenset({"patient", "hbsag", "antihbc"})


@dataclass(frozen=True, slots=True)
class CdsService:
    """One service: its id (URL segment), hook, words for the EHR, and the data it needs."""

    id: str
    hook: str
    title: str
    description: str
    required: frozenset[str]

    def to_discovery(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prefetch": dict(PREFETCH),
        }


SERVICES = (
    CdsService(
        id="ofatumumab-order-sign",
        hook=ORDER_SIGN,
        title="Kesimpta (ofatumumab) pre-treatment check",
        description=(
            "When an order for ofatumumab (Kesimpta) is signed, checks the pre-treatment screen: "
            "hepatitis B, immunoglobulins, liver tests (US), pregnancy, recent vaccines, MS type, "
            "age and other immunosuppressants. Cards cite their sources; suggestions order the "
            "missing tests."
        ),
        required=REQUIRED,
    ),
    CdsService(
        id="ofatumumab-patient-view",
        hook=PATIENT_VIEW,
        title="Kesimpta (ofatumumab) treatment monitor",
        description=(
            "When the record of a patient with an active ofatumumab (Kesimpta) order is opened: "
            "missing or positive baseline hepatitis B screen, missing baseline immunoglobulins or "
            "liver tests, live vaccines given on treatment, low immunoglobulins and a liver-injury "
            "signal in the latest results."
        ),
        required=REQUIRED | {"medications"},
    ),
)


def find_service(service_id: str) -> CdsService | None:
    return next((s for s in SERVICES if s.id == service_id), None)


def build_discovery() -> dict[str, Any]:
    """The `GET /cds-services` document."""
    return {"services": [service.to_discovery() for service in SERVICES]}
