"""What each hook answers, built on the safety engine: FHIR data -> profile -> rules -> cards.

- order-sign: only when a draft MedicationRequest is for ofatumumab (otherwise no cards). The
  pre-treatment screen (`safety.screening.screen`) runs for a start on the order's planned date.
- patient-view: only when the patient has an active ofatumumab MedicationRequest. Deliberately
  modest: the baseline hepatitis B screen (missing or positive), missing baseline
  immunoglobulins or liver tests, each live vaccine given since the order's start
  (`safety.vaccines.check_vaccine`, with the patient on treatment on the vaccine's date), and the
  monitoring rules that read laboratory results (`safety.monitoring.monitor`: low
  immunoglobulins, liver-injury signal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationrequest import MedicationRequest

from ofacare.errors import InvalidInput, quote_value
from ofacare.interop.cds_hooks.cards import CardContext, build_cards, select_findings
from ofacare.interop.cds_hooks.discovery import PATIENT_VIEW, PREFETCH, CdsService
from ofacare.interop.cds_hooks.fetch import FhirReader, gather_data
from ofacare.interop.cds_hooks.orders import OrderContext
from ofacare.interop.cds_hooks.request import (
    HookRequest,
    OrderSignContext,
    PatientViewContext,
    parse_body,
)
from ofacare.interop.fhir import (
    FhirRecord,
    build_screening_profile,
    build_treatment_status,
    compute_start_on,
    compute_treatment_start,
    find_ofatumumab_requests,
    read_bundle_resources,
    read_fhir_record,
)
from ofacare.knowledge.base import KnowledgeBase
from ofacare.safety.finding import Finding, sort_findings
from ofacare.safety.monitoring import monitor
from ofacare.safety.profile import ScreeningProfile
from ofacare.safety.screening import screen
from ofacare.safety.vaccines import check_vaccine

BASELINE_CODES = frozenset(
    {"finding.hbv-active", "finding.hbv-resolved", "finding.hbv-missing", "finding.ig-missing",
     "finding.liver-missing"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class HookRuntime:
    """What a hook answer needs besides the request: knowledge, today's date, a FHIR reader."""

    kb: KnowledgeBase
    today: date
    reader: FhirReader


async def answer_hook(
    service: CdsService, request: HookRequest, runtime: HookRuntime
) -> list[dict[str, Any]]:
    """The cards for one hook call."""
    if request.hook != service.hook:
        raise InvalidInput(
            "cds.wrong-hook",
            f"hook: {quote_value(request.hook)} does not match service '{service.id}' "
            f"({service.hook}).",
            "Call the service registered for this hook (GET /cds-services).",
        )
    if service.hook == PATIENT_VIEW:
        return await answer_patient_view(service, request, runtime)
    return await answer_order_sign(service, request, runtime)


async def answer_order_sign(
    service: CdsService, request: HookRequest, runtime: HookRuntime
) -> list[dict[str, Any]]:
    """Cards for signing an ofatumumab order; none for any other order."""
    context = parse_body(OrderSignContext, request.context, where="context")
    drafts = read_bundle_resources(context.draftOrders, where="context.draftOrders")
    with_medications = FhirRecord(medications=tuple(r for r in drafts if isinstance(r, Medication)))
    requests = [r for r in drafts if isinstance(r, MedicationRequest)]
    orders = find_ofatumumab_requests(requests, with_medications)
    if not orders:
        return []
    record = await _read_record(service, request, runtime, context)
    start = min(compute_start_on(order, today=runtime.today) for order in orders)
    result = screen(build_screening_profile(record, planned_start_on=start), kb=runtime.kb)
    return _cards(result.findings, record, context, service, runtime)


async def answer_patient_view(
    service: CdsService, request: HookRequest, runtime: HookRuntime
) -> list[dict[str, Any]]:
    """Monitoring cards for a patient with an active ofatumumab order; none otherwise."""
    context = parse_body(PatientViewContext, request.context, where="context")
    only = {"medications": PREFETCH["medications"]}
    medications = await gather_data(request, only, required=["medications"], reader=runtime.reader)
    first = read_fhir_record(medications)
    active = find_ofatumumab_requests(
        first.medication_requests, first, statuses=frozenset({"active"})
    )
    if not active:
        return []
    record = await _read_record(service, request, runtime, context, known=medications)
    started = [d for d in (compute_treatment_start(r) for r in active) if d is not None]
    start = min(started) if started else None
    profile = build_screening_profile(record, planned_start_on=start or runtime.today)
    baseline = screen(profile, kb=runtime.kb).findings
    findings = [
        *(f for f in baseline if f.code in BASELINE_CODES),
        *_live_vaccines_since(profile, start, runtime),
        *monitor(build_treatment_status(record, as_of=runtime.today), kb=runtime.kb),
    ]
    return _cards(sort_findings(findings), record, context, service, runtime)


def _live_vaccines_since(
    profile: ScreeningProfile, start: date | None, runtime: HookRuntime
) -> list[Finding]:
    """VAX-3: each live vaccine given since the treatment started (unknown start: none)."""
    if start is None:
        return []
    return [
        finding
        for vaccine in profile.vaccinations
        if vaccine.live and vaccine.on >= start
        for finding in check_vaccine(
            vaccine.name, live=True, given_on=vaccine.on, last_dose_on=vaccine.on, kb=runtime.kb
        )
    ]


async def _read_record(
    service: CdsService,
    request: HookRequest,
    runtime: HookRuntime,
    context: PatientViewContext,
    *,
    known: Mapping[str, Any] | None = None,
) -> FhirRecord:
    """Every prefetch key's data (those in `known` already gathered), read and checked."""
    known = known or {}
    templates = {key: query for key, query in PREFETCH.items() if key not in known}
    required = service.required - set(known)
    data = await gather_data(request, templates, required=required, reader=runtime.reader)
    record = read_fhir_record({**known, **data})
    patient = record.patient
    if patient is not None and patient.id is not None and patient.id != context.patientId:
        raise InvalidInput(
            "cds.wrong-patient",
            f"prefetch.patient: Patient/{patient.id} is not context.patientId "
            f"'{context.patientId}'.",
            "Send the prefetch of the patient in context.",
        )
    return record


def _cards(
    findings: Iterable[Finding],
    record: FhirRecord,
    context: PatientViewContext,
    service: CdsService,
    runtime: HookRuntime,
) -> list[dict[str, Any]]:
    card_context = CardContext(
        hook=service.hook,
        order=OrderContext(context.patientId, context.encounterId, context.userId),
        knowledge_version=runtime.kb.version,
    )
    return build_cards(select_findings(findings, record.keys), card_context)
