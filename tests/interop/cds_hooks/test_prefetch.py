"""From FHIR R4 prefetch to the safety engine's ScreeningProfile (ofacare.interop.fhir)."""

from __future__ import annotations

from datetime import date

import pytest

from ofacare.errors import InvalidInput
from ofacare.interop.fhir import (
    MissingFhirData,
    UnreadableFhirData,
    build_screening_profile,
    compute_start_on,
    find_ofatumumab_requests,
    read_bundle_resources,
    read_fhir_record,
)
from ofacare.interop.fhir.prefetch import read_ms_type
from tests.interop.cds_hooks.support import TODAY, load, screened_prefetch, searchset

START = date(2026, 12, 1)


def profile_of(prefetch):
    return build_screening_profile(read_fhir_record(prefetch), planned_start_on=START)


def lab(profile, name):
    return profile.latest(name)


def condition(*codings, clinical="active", verification="confirmed"):
    return {
        "resourceType": "Condition",
        "id": f"c-{codings[0][1]}",
        "subject": {"reference": "Patient/pat-1001"},
        "clinicalStatus": {"coding": [{"code": clinical}]},
        "verificationStatus": {"coding": [{"code": verification}]},
        "code": {"coding": [{"system": s, "code": c} for s, c in codings]},
    }


SCT, ICD = "http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm"


def test_the_screened_fixture_reads_as_the_profile_a_nurse_would_write():
    profile = profile_of(screened_prefetch())
    assert (profile.birth_date, profile.sex, profile.country, profile.ms_type) == (
        date(1990, 4, 2),
        "female",
        "US",
        "RRMS",
    )
    assert profile.can_become_pregnant and not profile.pregnant
    assert lab(profile, "HBsAg").result == "negative"
    assert lab(profile, "anti-HBc").on == date(2026, 11, 2)
    assert (lab(profile, "IgG").value, lab(profile, "IgG").reference_low) == (10.1, 7.0)
    # IgM came in mg/dL with its range: converted to g/L together.
    assert (lab(profile, "IgM").value, lab(profile, "IgM").reference_low) == (1.1, 0.4)
    assert lab(profile, "ALT").result == "normal"
    assert [(v.name, v.live) for v in profile.vaccinations] == [
        ("Influenza vaccine (inactivated)", False)
    ]
    assert profile.immunosuppressants == ()


@pytest.mark.parametrize(
    ("codings", "expected"),
    [
        ([(SCT, "426373005")], "RRMS"),
        ([(SCT, "425500002")], "active-SPMS"),
        ([(SCT, "428700003")], "PPMS"),
        ([(SCT, "24700007")], "RRMS"),
        ([(ICD, "G35.C2")], "non-active-SPMS"),
        ([(ICD, "G35B1")], "PPMS"),
    ],
)
def test_ms_type_comes_from_snomed_or_icd10cm(codings, expected):
    assert read_ms_type(read_fhir_record({"c": condition(*codings)}).conditions) == expected


def test_the_specific_ms_type_wins_over_plain_ms_and_refuted_or_resolved_ones_are_ignored():
    conditions = searchset(
        condition((SCT, "24700007")),
        condition((SCT, "428700003")),
        condition((SCT, "425500002"), verification="refuted"),
        condition((ICD, "G35C2"), clinical="resolved"),
    )
    assert read_ms_type(read_fhir_record({"conditions": conditions}).conditions) == "PPMS"


def test_no_ms_condition_reads_as_rrms():
    assert read_ms_type(()) == "RRMS"


def test_the_country_comes_from_the_home_address_by_name_or_code():
    prefetch = screened_prefetch()
    prefetch["patient"]["address"] = [
        {"use": "work", "country": "US"},
        {"use": "home", "country": "Deutschland"},
        {"use": "home", "country": "DEU", "period": {"start": "2020-01-01"}},
    ]
    assert profile_of(prefetch).country == "DE"


def test_a_year_only_birth_date_takes_the_last_day_so_age_errs_young():
    prefetch = screened_prefetch()
    prefetch["patient"]["birthDate"] = "2008"
    assert profile_of(prefetch).birth_date == date(2008, 12, 31)


def test_a_patient_without_a_birth_date_is_missing_data():
    prefetch = screened_prefetch()
    del prefetch["patient"]["birthDate"]
    with pytest.raises(MissingFhirData, match="birthDate"):
        profile_of(prefetch)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"valueString": "Non-reactive"}, "non-reactive"),
        ({"valueCodeableConcept": {"coding": [{"system": SCT, "code": "10828004"}]}}, "positive"),
        ({"valueCodeableConcept": {"text": "DETECTED"}}, "detected"),
        ({"interpretation": [{"coding": [{"code": "POS"}]}]}, "positive"),
    ],
    ids=["valueString", "snomed", "text", "interpretation"],
)
def test_a_presence_test_reads_its_result_word_from_value_or_interpretation(value, expected):
    prefetch = screened_prefetch()
    hbsag = prefetch["hbsag"]["entry"][0]["resource"]
    for key in ("valueCodeableConcept", "interpretation"):
        hbsag.pop(key)
    hbsag.update(value)
    assert lab(profile_of(prefetch), "HBsAg").result == expected


@pytest.mark.parametrize(
    "change",
    [
        {"valueCodeableConcept": {"text": "Indeterminate"}, "interpretation": []},
        {"status": "preliminary"},
        {"status": "entered-in-error"},
    ],
    ids=["indeterminate", "preliminary", "entered-in-error"],
)
def test_an_unreadable_or_unfinished_hbsag_is_left_out_never_read_as_negative(change):
    prefetch = screened_prefetch()
    prefetch["hbsag"]["entry"][0]["resource"].update(change)
    assert lab(profile_of(prefetch), "HBsAg") is None


def test_hbsag_under_the_other_loinc_code_counts_wherever_it_comes_from():
    prefetch = screened_prefetch()
    hbsag = prefetch["hbsag"]["entry"][0]["resource"]
    hbsag["code"]["coding"][0]["code"] = "5195-3"
    prefetch["conditions"]["entry"].append({"resource": hbsag})
    del prefetch["hbsag"]
    assert lab(profile_of(prefetch), "HBsAg").result == "negative"


@pytest.mark.parametrize(
    ("unit", "value", "expected"), [("g/dL", 0.9, 9.0), ("mg/L", 9000, 9.0), ("mg/dL", 900, 9.0)]
)
def test_immunoglobulins_are_converted_to_grams_per_litre(unit, value, expected):
    prefetch = screened_prefetch()
    igg = prefetch["igg"]["entry"][0]["resource"]
    igg["valueQuantity"].update(value=value, unit=unit, code=unit)
    igg.pop("referenceRange")
    assert lab(profile_of(prefetch), "IgG").value == pytest.approx(expected)


def test_an_immunoglobulin_in_an_unknown_unit_is_unreadable():
    prefetch = screened_prefetch()
    prefetch["igg"]["entry"][0]["resource"]["valueQuantity"].update(unit="IU/mL", code="IU/mL")
    with pytest.raises(UnreadableFhirData, match="Observation/obs-igg-1"):
        profile_of(prefetch)


def test_a_liver_value_above_its_range_or_flagged_high_reads_as_abnormal():
    prefetch = screened_prefetch()
    alt = prefetch["liver"]["entry"][0]["resource"]
    alt["valueQuantity"]["value"] = 80  # upper limit 35 U/L
    assert lab(profile_of(prefetch), "ALT").result == "abnormal"
    alt["valueQuantity"]["value"] = 30
    alt["interpretation"] = [{"coding": [{"code": "H"}]}]
    assert lab(profile_of(prefetch), "ALT").result == "abnormal"


def pregnancy_status(code, when):
    return {
        "resourceType": "Observation",
        "id": f"ps-{when}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
        "effectiveDateTime": when,
        "valueCodeableConcept": {"coding": [{"system": SCT, "code": code}]},
    }


def test_pregnancy_status_pregnant_makes_the_profile_pregnant_until_a_later_negative_test():
    prefetch = screened_prefetch()
    prefetch["pregnancy"] = searchset(pregnancy_status("77386006", "2026-11-10"))
    assert profile_of(prefetch).pregnant
    prefetch["pregnancy"]["entry"].append(
        {"resource": load("prefetch_screened")["pregnancy"]["entry"][0]["resource"]}
    )
    assert not profile_of(prefetch).pregnant  # negative hCG on 2026-11-20
    prefetch["pregnancy"]["entry"].append({"resource": pregnancy_status("60001007", "2026-11-21")})
    assert not profile_of(prefetch).pregnant


@pytest.mark.parametrize(
    ("coding", "text", "live"),
    [
        ({"system": "http://hl7.org/fhir/sid/cvx", "code": "21"}, None, True),
        ({"system": SCT, "code": "836402002"}, None, True),
        (None, "Stamaril (yellow fever)", True),
        (None, "Vivotif oral typhoid capsules", True),
        (None, "Shingrix (zoster vaccine recombinant, adjuvanted)", False),
        ({"system": "http://hl7.org/fhir/sid/cvx", "code": "187"}, "zoster recombinant", False),
        (None, "Typhim Vi (typhoid polysaccharide)", False),
    ],
)
def test_live_vaccines_are_recognised_by_cvx_snomed_or_name(coding, text, live):
    prefetch = screened_prefetch()
    immunization = prefetch["immunizations"]["entry"][0]["resource"]
    immunization["vaccineCode"] = {"coding": [coding] if coding else [], "text": text}
    if coding is None:
        immunization["vaccineCode"].pop("coding")
    if text is None:
        immunization["vaccineCode"].pop("text")
    assert [v.live for v in profile_of(prefetch).vaccinations] == [live]


def test_vaccines_not_given_are_ignored():
    prefetch = screened_prefetch()
    prefetch["immunizations"]["entry"][0]["resource"]["status"] = "not-done"
    assert profile_of(prefetch).vaccinations == ()


def draft(medication):
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": "d1",
                    "status": "draft",
                    "intent": "order",
                    "subject": {"reference": "Patient/pat-1001"},
                    **medication,
                }
            }
        ],
    }


@pytest.mark.parametrize(
    ("medication", "is_kesimpta"),
    [
        (
            {
                "medicationCodeableConcept": {
                    "coding": [
                        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "712566"}
                    ]
                }
            },
            True,
        ),
        (
            {
                "medicationCodeableConcept": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "00078100769"}]
                }
            },
            True,
        ),
        ({"medicationCodeableConcept": {"text": "KESIMPTA 20MG/0.4ML PEN"}}, True),
        (
            {
                "medicationReference": {"reference": "#m1"},
                "contained": [
                    {
                        "resourceType": "Medication",
                        "id": "m1",
                        "code": {"text": "ofatumumab 20 mg/0.4 mL"},
                    }
                ],
            },
            True,
        ),
        ({"medicationCodeableConcept": {"text": "Arzerra (ofatumumab) 100 mg/5 mL IV"}}, False),
        ({"medicationCodeableConcept": {"text": "Ocrevus 300 mg"}}, False),
    ],
    ids=["rxnorm", "ndc-11", "name", "contained-medication", "arzerra", "ocrevus"],
)
def test_ofatumumab_is_recognised_by_rxnorm_ndc_name_or_referenced_medication(
    medication, is_kesimpta
):
    requests = read_bundle_resources(draft(medication), where="context.draftOrders")
    assert bool(find_ofatumumab_requests(requests)) is is_kesimpta


def test_the_planned_start_is_the_dosage_timing_then_authored_on_then_today():
    [order] = read_bundle_resources(load("draft_orders_kesimpta"), where="draftOrders")
    assert compute_start_on(order, today=TODAY) == date(2026, 12, 1)
    order.dosageInstruction = None
    assert compute_start_on(order, today=TODAY) == TODAY  # authoredOn 2026-11-23
    order.authoredOn = None
    assert compute_start_on(order, today=date(2026, 11, 30)) == date(2026, 11, 30)
    assert compute_start_on(order, today=TODAY) == TODAY


def test_a_start_in_the_past_moves_to_today():
    [order] = read_bundle_resources(load("draft_orders_kesimpta"), where="draftOrders")
    assert compute_start_on(order, today=date(2026, 12, 5)) == date(2026, 12, 5)


def test_only_current_immunosuppressants_are_listed():
    prefetch = screened_prefetch()
    for status, text in [
        ("active", "Gilenya 0.5 mg"),
        ("stopped", "Tecfidera 240 mg"),
        ("on-hold", "methotrexate 15 mg weekly"),
    ]:
        prefetch["medications"]["entry"].append(
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": text[:4],
                    "status": status,
                    "intent": "order",
                    "subject": {"reference": "Patient/pat-1001"},
                    "medicationCodeableConcept": {"text": text},
                }
            }
        )
    assert profile_of(prefetch).immunosuppressants == ("fingolimod", "methotrexate")


def test_a_prefetch_value_that_is_not_fhir_is_invalid_input_naming_the_key():
    with pytest.raises(InvalidInput, match=r"prefetch\.igg"):
        read_fhir_record({"igg": ["not", "fhir"]})
