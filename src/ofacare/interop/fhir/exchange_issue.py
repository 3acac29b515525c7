"""Active safety findings as FHIR DetectedIssue (export only: findings are derived on the server,
so the import leaves them out).

The finding's code is a coding in ofacare's finding system (the one CDS Hooks cards use); its
severity is mapped onto DetectedIssue's high, moderate and low (codes.py).
"""

from __future__ import annotations

from typing import Any

from ofacare.interop.fhir.chart import ActiveFinding
from ofacare.interop.fhir.codes import DETECTED_ISSUE_SEVERITY, FINDING_SYSTEM
from ofacare.interop.fhir.exchange_fields import coding, concept, reference_to


def to_fhir_detected_issue(finding: ActiveFinding, *, patient_id: str) -> dict[str, Any]:
    """The DetectedIssue for one active finding."""
    return {
        "resourceType": "DetectedIssue",
        "id": finding.id,
        "status": "final",
        "code": concept(coding(FINDING_SYSTEM, finding.code, finding.title), text=finding.title),
        "severity": DETECTED_ISSUE_SEVERITY[finding.severity],
        "patient": reference_to(patient_id),
        "detail": finding.detail,
    }
