"""CDS Hooks 2.0 service for EHRs: ofatumumab order-sign and patient-view, on the safety engine."""

from ofacare.interop.cds_hooks.service import create_cds_app

__all__ = ["create_cds_app"]
