"""Stored records in the form the safety rules read them."""

from __future__ import annotations

from ofacare.records.tables import LabResult
from ofacare.safety.profile import LabResult as ProfileLab

OFATUMUMAB_WORDS = ("ofatumumab", "kesimpta", "arzerra")
"""An allergy to a substance named with one of these words is a hypersensitivity to ofatumumab."""


def to_profile_lab(lab: LabResult) -> ProfileLab:
    """A stored lab result in the form the safety rules read."""
    return ProfileLab(
        test=lab.test,
        value=lab.value,
        unit=lab.unit,
        result=lab.result,
        on=lab.collected_on,
        reference_low=lab.reference_low,
        reference_high=lab.reference_high,
    )
