"""PatientDetails to and from a FHIR Patient and the Condition that records the MS type.

Patient holds the name, sex (gender), birth date, email and phone (telecom) and country
(address.country); the timezone uses the standard IANA timezone extension; the reminder time,
screening flags, immunosuppressants and planned start are ofacare extensions. The MS type is a
Condition coded in SNOMED CT where a code exists, always beside ofacare's ms-type coding, because
SNOMED has no code for CIS and one code for SPMS whatever its activity.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast
from uuid import UUID, uuid5

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.patient import Patient

from ofacare.interop.fhir import exchange_extensions as ext
from ofacare.interop.fhir.chart import MS_TYPES, PatientDetails, Sex
from ofacare.interop.fhir.codes import (
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    MS_TYPE_BY_SNOMED,
    MS_TYPE_DISPLAY,
    MS_TYPE_SYSTEM,
    SNOMED,
    SNOMED_BY_MS_TYPE,
)
from ofacare.interop.fhir.exchange_fields import (
    coding,
    concept,
    find_code,
    read_date,
    read_optional_date,
    reference_to,
    required,
    to_fhir_date,
    unreadable,
)
from ofacare.safety.profile import MsType

MS_CONDITION_NAME = "condition/multiple-sclerosis"


def to_fhir_patient(details: PatientDetails, *, meta: dict[str, Any]) -> dict[str, Any]:
    """The Patient resource, as JSON, with the knowledge-base version in its meta."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": details.id,
        "meta": meta,
        "extension": _patient_extensions(details),
        "name": [{"use": "official", "family": details.family_name, "given": [details.given_name]}],
        "gender": details.sex,
        "birthDate": to_fhir_date(details.birth_date),
        "address": [{"country": details.country}],
    }
    telecom = [
        {"system": system, "value": value}
        for system, value in (("email", details.email), ("phone", details.phone))
        if value is not None
    ]
    if telecom:
        resource["telecom"] = telecom
    return resource


def to_fhir_ms_condition(details: PatientDetails) -> dict[str, Any]:
    """The Condition that records the patient's MS type; its id is derived from the patient's."""
    codings = [coding(MS_TYPE_SYSTEM, details.ms_type, MS_TYPE_DISPLAY[details.ms_type])]
    if details.ms_type in SNOMED_BY_MS_TYPE:
        codings.insert(0, coding(SNOMED, *SNOMED_BY_MS_TYPE[details.ms_type]))
    return {
        "resourceType": "Condition",
        "id": ms_condition_id(details.id),
        "clinicalStatus": concept(coding(CONDITION_CLINICAL, "active")),
        "verificationStatus": concept(coding(CONDITION_VERIFICATION, "confirmed")),
        "category": [concept(coding(CONDITION_CATEGORY, "problem-list-item"))],
        "code": concept(*codings, text=MS_TYPE_DISPLAY[details.ms_type]),
        "subject": reference_to(details.id),
    }


def ms_condition_id(patient_id: str) -> str:
    """The MS Condition's id: the same for the same patient, so a round trip keeps it."""
    return str(uuid5(UUID(patient_id), MS_CONDITION_NAME))


def from_fhir_patient(patient: Patient, *, ms_type: MsType, where: str) -> PatientDetails:
    """PatientDetails from a Patient (and the MS type read from its Condition)."""
    extensions = patient.extension
    name = required(patient.name[0] if patient.name else None, where=where, field="name[0]")
    address = required(
        patient.address[0] if patient.address else None, where=where, field="address[0]"
    )
    given = [part for part in name.given or [] if part]
    flags = {
        field: ext.get_extension_value(extensions, url, "Boolean", where=where)
        for field, url in ext.FLAG_EXTENSIONS.items()
    }
    return PatientDetails(
        id=required(patient.id, where=where, field="id"),
        given_name=" ".join(required(given or None, where=where, field="name[0].given")),
        family_name=required(name.family, where=where, field="name[0].family"),
        birth_date=read_date(patient.birthDate, where=where, field="birthDate"),
        sex=cast(Sex, required(patient.gender, where=where, field="gender")),
        country=required(address.country, where=where, field="address[0].country"),
        timezone=ext.get_extension_value(extensions, ext.TIMEZONE, "Code", where=where),
        reminder_time=ext.get_extension_value(extensions, ext.REMINDER_TIME, "Time", where=where),
        email=_first_telecom(patient, "email"),
        phone=_first_telecom(patient, "phone"),
        ms_type=ms_type,
        immunosuppressants=tuple(
            ext.find_extension_values(extensions, ext.IMMUNOSUPPRESSANT, "String")
        ),
        planned_start_on=read_optional_date(
            ext.find_optional_extension_value(extensions, ext.PLANNED_START, "Date", where=where),
            where=where,
            field=f"extension {ext.PLANNED_START}",
        ),
        **flags,
    )


def read_ms_type(conditions: Iterable[Condition], *, where: str) -> MsType:
    """The MS type of the first Condition coded with an ofacare ms-type or a SNOMED MS code."""
    for condition in conditions:
        own = find_code(condition.code, MS_TYPE_SYSTEM)
        if own is not None and own in MS_TYPES:
            return cast(MsType, own)
        snomed = find_code(condition.code, SNOMED)
        if snomed in MS_TYPE_BY_SNOMED:
            return MS_TYPE_BY_SNOMED[snomed]
    raise unreadable(where, "Condition", "with a multiple sclerosis type is missing")


def _patient_extensions(details: PatientDetails) -> list[dict[str, Any]]:
    found = [
        ext.extension(ext.TIMEZONE, "Code", details.timezone),
        ext.extension(ext.REMINDER_TIME, "Time", details.reminder_time.isoformat()),
    ]
    found += [
        ext.extension(url, "Boolean", getattr(details, field))
        for field, url in ext.FLAG_EXTENSIONS.items()
    ]
    found += [ext.extension(ext.IMMUNOSUPPRESSANT, "String", n) for n in details.immunosuppressants]
    if details.planned_start_on is not None:
        found.append(
            ext.extension(ext.PLANNED_START, "Date", to_fhir_date(details.planned_start_on))
        )
    return found


def _first_telecom(patient: Patient, system: str) -> str | None:
    values = [t.value for t in patient.telecom or [] if t.system == system and t.value]
    return values[0] if values else None
