"""Prescriptions and injections to and from FHIR MedicationRequest and MedicationAdministration.

A prescription is a MedicationRequest for ofatumumab 20 mg with two dosage instructions: the
loading doses (sequence 1: a count of doses a loading interval apart from the start date) and the
maintenance doses (sequence 2: every month, or every 28 days in four-weekly mode, from week 4).
Every number comes from the knowledge base (dosing.*) through RegimenRules, and the request's note
cites the facts. A stopped prescription has status "stopped" and its date in R5's statusChanged.

An injection is a MedicationAdministration: the time given, the request it follows, the site
(SNOMED CT where ofacare has a code, always beside ofacare's site id), the dose number and the
reactions in extensions, the pen's lot in a contained Medication's batch and its serial number in a
contained Device, and who injected as the performer's actor type.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.dosage import Dosage
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.timing import TimingRepeat

from ofacare.errors import quote_value
from ofacare.interop.fhir import exchange_extensions as ext
from ofacare.interop.fhir.chart import InjectedBy, Injection, IntervalModeName, Prescription
from ofacare.interop.fhir.codes import (
    ATC,
    INJECTION_SITE_SYSTEM,
    NDC,
    OFATUMUMAB_ATC_CODE,
    OFATUMUMAB_NDC_PRODUCT_CODE,
    OFATUMUMAB_RXNORM_CODE,
    OFATUMUMAB_SNOMED_CODE,
    RXNORM,
    SNOMED,
    SNOMED_BY_INJECTION_SITE,
    SUBCUTANEOUS_ROUTE_SNOMED,
    UCUM,
)
from ofacare.interop.fhir.exchange_fields import (
    coding,
    concept,
    find_code,
    read_date,
    read_instant,
    read_optional_instant,
    read_reference_id,
    reference_to,
    required,
    to_fhir_date,
    to_fhir_instant,
    unreadable,
)
from ofacare.interop.fhir.medications import is_ofatumumab, medicine_of
from ofacare.knowledge import KnowledgeBase
from ofacare.regimen.rules import RegimenRules

SCHEDULE_FACTS = (
    "dosing.dose-amount",
    "dosing.loading-dose-count",
    "dosing.loading-interval",
    "dosing.first-maintenance-gap",
)
MAINTENANCE_FACT: dict[IntervalModeName, str] = {
    "monthly": "dosing.maintenance-interval",
    "four-weekly": "dosing.four-weekly-interval",
}
LOADING, MAINTENANCE = 1, 2  # Dosage.sequence of each phase
PEN, PEN_DEVICE = "pen", "pen-device"  # ids of the contained Medication and Device
ACTOR_TYPE: dict[InjectedBy, str] = {
    "self": "Patient",
    "caregiver": "RelatedPerson",
    "clinician": "Practitioner",
}
ACTOR_DISPLAY: dict[InjectedBy, str] = {
    "self": "The patient",
    "caregiver": "A caregiver",
    "clinician": "A clinician",
}
INJECTOR_BY_ACTOR_TYPE: dict[str, InjectedBy] = {
    **{kind: who for who, kind in ACTOR_TYPE.items()},
    "PractitionerRole": "clinician",
}
SITE_BY_SNOMED = {code: site for site, (code, _) in SNOMED_BY_INJECTION_SITE.items()}


def to_fhir_medication_request(
    prescription: Prescription, *, patient_id: str, kb: KnowledgeBase, rules: RegimenRules
) -> dict[str, Any]:
    """The MedicationRequest for one prescription, its schedule and dose from the knowledge base."""
    cited = [*SCHEDULE_FACTS, MAINTENANCE_FACT[prescription.interval_mode]]
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": prescription.id,
        "status": "active" if prescription.stopped_on is None else "stopped",
        "intent": "order",
        "medicationCodeableConcept": ofatumumab_concept(rules),
        "subject": reference_to(patient_id),
        "authoredOn": to_fhir_date(prescription.written_on),
        "note": [{"text": "Schedule and dose as in: " + "; ".join(kb.cite(cited)) + "."}],
        "dosageInstruction": [
            _loading_dosage(prescription.start_on, kb=kb, rules=rules),
            _maintenance_dosage(prescription, kb=kb, rules=rules),
        ],
    }
    if prescription.stopped_on is not None:
        stopped = to_fhir_date(prescription.stopped_on)
        resource["extension"] = [ext.extension(ext.STATUS_CHANGED, "DateTime", stopped)]
    if prescription.prescriber is not None:
        resource["requester"] = {"display": prescription.prescriber}
    return resource


def to_fhir_medication_administration(
    injection: Injection, *, patient_id: str, rules: RegimenRules
) -> dict[str, Any]:
    """The MedicationAdministration for one injection."""
    medication: dict[str, Any] = {
        "resourceType": "Medication",
        "id": PEN,
        "code": ofatumumab_concept(rules),
    }
    if injection.pen_lot is not None:
        medication["batch"] = {"lotNumber": injection.pen_lot}
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": injection.id,
        "extension": _injection_extensions(injection),
        "contained": [medication],
        "status": "completed",
        "medicationReference": {"reference": "#" + PEN},
        "subject": reference_to(patient_id),
        "effectiveDateTime": to_fhir_instant(injection.given_at),
        "performer": [{"actor": _actor(injection, patient_id=patient_id)}],
        "request": reference_to(injection.prescription_id),
        "dosage": {
            "site": _site_concept(injection.site),
            "route": _subcutaneous(),
            "dose": _dose_quantity(rules),
        },
    }
    if injection.pen_serial is not None:
        device = {"resourceType": "Device", "id": PEN_DEVICE, "serialNumber": injection.pen_serial}
        resource["contained"].append(device)
        resource["device"] = [{"reference": "#" + PEN_DEVICE}]
    if injection.notes is not None:
        resource["note"] = [{"text": injection.notes}]
    return resource


def ofatumumab_concept(rules: RegimenRules) -> dict[str, Any]:
    """Ofatumumab for MS (Kesimpta) in RxNorm, NDC, SNOMED CT (dm+d) and ATC."""
    return concept(
        coding(RXNORM, OFATUMUMAB_RXNORM_CODE, "ofatumumab"),
        coding(NDC, OFATUMUMAB_NDC_PRODUCT_CODE, "Kesimpta"),
        coding(SNOMED, OFATUMUMAB_SNOMED_CODE, "Ofatumumab"),
        coding(ATC, OFATUMUMAB_ATC_CODE, "ofatumumab"),
        text=f"Kesimpta (ofatumumab) {_number(rules.dose_mg)} mg",
    )


def from_fhir_medication_request(request: MedicationRequest, *, where: str) -> Prescription:
    """A Prescription from an ofatumumab MedicationRequest written as above."""
    if not is_ofatumumab(medicine_of(request)):
        raise unreadable(where, "medication[x]", "is not ofatumumab (Kesimpta)")
    loading = _repeat(request, LOADING, where=where)
    maintenance = _repeat(request, MAINTENANCE, where=where)
    bounds = required(loading.boundsPeriod, where=where, field="dosageInstruction[0].boundsPeriod")
    stopped_on = None
    if request.status == "stopped":
        changed = ext.get_extension_value(
            request.extension, ext.STATUS_CHANGED, "DateTime", where=where
        )
        stopped_on = read_date(changed, where=where, field=f"extension {ext.STATUS_CHANGED}")
    return Prescription(
        id=required(request.id, where=where, field="id"),
        start_on=read_date(bounds.start, where=where, field="dosageInstruction[0]...start"),
        interval_mode=_interval_mode(maintenance, where=where),
        prescriber=request.requester.display if request.requester else None,
        written_on=read_date(request.authoredOn, where=where, field="authoredOn"),
        stopped_on=stopped_on,
    )


def from_fhir_medication_administration(
    administration: MedicationAdministration, *, patient_id: str, where: str
) -> Injection:
    """An Injection from a MedicationAdministration written as above."""
    extensions = administration.extension
    dosage = required(administration.dosage, where=where, field="dosage")
    notes = [n.text for n in administration.note or [] if n.text]
    return Injection(
        id=required(administration.id, where=where, field="id"),
        prescription_id=read_reference_id(administration.request, where=where, field="request"),
        given_at=read_instant(
            administration.effectiveDateTime, where=where, field="effectiveDateTime"
        ),
        dose_number=ext.get_extension_value(
            extensions, ext.DOSE_NUMBER, "PositiveInt", where=where
        ),
        site=_read_site(dosage.site, where=where),
        pen_lot=_contained_lot(administration),
        pen_serial=_contained_serial(administration),
        injected_by=_read_injector(administration, patient_id=patient_id, where=where),
        out_of_fridge_at=read_optional_instant(
            ext.find_optional_extension_value(
                extensions, ext.OUT_OF_FRIDGE_AT, "DateTime", where=where
            ),
            where=where,
            field=f"extension {ext.OUT_OF_FRIDGE_AT}",
        ),
        reactions=tuple(ext.find_extension_values(extensions, ext.INJECTION_REACTION, "String")),
        notes="\n\n".join(notes) if notes else None,
    )


def _loading_dosage(start_on: date, *, kb: KnowledgeBase, rules: RegimenRules) -> dict[str, Any]:
    repeat = {
        "boundsPeriod": {"start": to_fhir_date(start_on)},
        "count": rules.loading_doses,
        "frequency": 1,
        "period": rules.loading_interval.days,
        "periodUnit": "d",
    }
    return _dosage(LOADING, kb.statement("dosing.loading-dose-count"), repeat, rules)


def _maintenance_dosage(
    prescription: Prescription, *, kb: KnowledgeBase, rules: RegimenRules
) -> dict[str, Any]:
    last_loading = prescription.start_on + (rules.loading_doses - 1) * rules.loading_interval
    first = last_loading + rules.first_maintenance_gap
    if prescription.interval_mode == "monthly":
        period, unit = rules.maintenance_months, "mo"
    else:
        period, unit = rules.four_weekly_interval.days, "d"
    repeat = {
        "boundsPeriod": {"start": to_fhir_date(first)},
        "frequency": 1,
        "period": period,
        "periodUnit": unit,
    }
    text = kb.statement(MAINTENANCE_FACT[prescription.interval_mode])
    return _dosage(MAINTENANCE, text, repeat, rules)


def _dosage(
    sequence: int, text: str, repeat: dict[str, Any], rules: RegimenRules
) -> dict[str, Any]:
    return {
        "sequence": sequence,
        "text": text,
        "timing": {"repeat": repeat},
        "route": _subcutaneous(),
        "doseAndRate": [{"doseQuantity": _dose_quantity(rules)}],
    }


def _dose_quantity(rules: RegimenRules) -> dict[str, Any]:
    return {"value": _number(rules.dose_mg), "unit": "mg", "system": UCUM, "code": "mg"}


def _subcutaneous() -> dict[str, Any]:
    return concept(coding(SNOMED, SUBCUTANEOUS_ROUTE_SNOMED, "Subcutaneous route"))


def _number(value: float) -> int | float:
    """A whole number as an int, so JSON shows 20 rather than 20.0."""
    return int(value) if float(value).is_integer() else value


def _injection_extensions(injection: Injection) -> list[dict[str, Any]]:
    found = [ext.extension(ext.DOSE_NUMBER, "PositiveInt", injection.dose_number)]
    if injection.out_of_fridge_at is not None:
        when = to_fhir_instant(injection.out_of_fridge_at)
        found.append(ext.extension(ext.OUT_OF_FRIDGE_AT, "DateTime", when))
    found += [ext.extension(ext.INJECTION_REACTION, "String", r) for r in injection.reactions]
    return found


def _site_concept(site: str) -> dict[str, Any]:
    own = coding(INJECTION_SITE_SYSTEM, site)
    if site not in SNOMED_BY_INJECTION_SITE:
        return concept(own, text=site)
    code, display = SNOMED_BY_INJECTION_SITE[site]
    return concept(coding(SNOMED, code, display), own, text=display)


def _actor(injection: Injection, *, patient_id: str) -> dict[str, Any]:
    actor = {"type": ACTOR_TYPE[injection.injected_by]}
    if injection.injected_by == "self":
        actor |= reference_to(patient_id)
    actor["display"] = ACTOR_DISPLAY[injection.injected_by]
    return actor


def _repeat(request: MedicationRequest, sequence: int, *, where: str) -> TimingRepeat:
    dosages: list[Dosage] = [d for d in request.dosageInstruction or [] if d.sequence == sequence]
    field = f"dosageInstruction with sequence {sequence}"
    dosage = required(dosages[0] if dosages else None, where=where, field=field)
    timing = required(dosage.timing, where=where, field=f"{field}: timing")
    return required(timing.repeat, where=where, field=f"{field}: timing.repeat")


def _interval_mode(repeat: TimingRepeat, *, where: str) -> IntervalModeName:
    if repeat.periodUnit == "mo":
        return "monthly"
    if repeat.periodUnit in {"d", "wk"}:
        return "four-weekly"
    field = "dosageInstruction[1].timing.repeat.periodUnit"
    raise unreadable(where, field, f"{quote_value(repeat.periodUnit)} is neither months nor days")


def _read_site(site: CodeableConcept | None, *, where: str) -> str:
    own = find_code(site, INJECTION_SITE_SYSTEM)
    if own is not None:
        return own
    snomed = find_code(site, SNOMED)
    if snomed in SITE_BY_SNOMED:
        return SITE_BY_SNOMED[snomed]
    raise unreadable(where, "dosage.site", "has no ofacare site id or SNOMED CT code")


def _contained_lot(administration: MedicationAdministration) -> str | None:
    for resource in administration.contained or []:
        if isinstance(resource, Medication) and resource.batch and resource.batch.lotNumber:
            return str(resource.batch.lotNumber)
    return None


def _contained_serial(administration: MedicationAdministration) -> str | None:
    for resource in administration.contained or []:
        if isinstance(resource, Device) and resource.serialNumber:
            return str(resource.serialNumber)
    return None


def _read_injector(
    administration: MedicationAdministration, *, patient_id: str, where: str
) -> InjectedBy:
    performers = administration.performer or []
    actor = required(performers[0].actor if performers else None, where=where, field="performer")
    if actor.type in INJECTOR_BY_ACTOR_TYPE:
        return INJECTOR_BY_ACTOR_TYPE[actor.type]
    if actor.reference in {f"urn:uuid:{patient_id}", f"Patient/{patient_id}"}:
        return "self"
    raise unreadable(where, "performer[0].actor", "is not the patient, a caregiver or a clinician")
