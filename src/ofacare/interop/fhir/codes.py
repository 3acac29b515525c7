"""The code systems and small code tables ofacare reads FHIR R4 data with.

These are identifiers, not clinical facts: which code names multiple sclerosis, which vaccine code
is a live vaccine, which medicine code is ofatumumab. Status tags follow
../shared/reference/codes.md: [V2] seen in public code lists, [UNVERIFIED] from memory only.
"""

from __future__ import annotations

import re

from ofacare.safety.profile import MsType

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
CVX = "http://hl7.org/fhir/sid/cvx"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NDC = "http://hl7.org/fhir/sid/ndc"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
UCUM = "http://unitsofmeasure.org"

PREGNANCY_STATUS_LOINC = "82810-3"  # Pregnancy status [V2]
PREGNANT_SNOMED = "77386006"  # Pregnant (finding) [V2]

# Multiple sclerosis by type (codes.md section 2). A plain SPMS code says nothing about activity;
# it is read as active SPMS, the indicated form the prescriber is treating (docs/cds-hooks.md).
MS_TYPE_BY_SNOMED: dict[str, MsType] = {
    "426373005": "RRMS",
    "425500002": "active-SPMS",
    "428700003": "PPMS",
    "24700007": "RRMS",  # multiple sclerosis, type not recorded
}
MS_TYPE_BY_ICD10CM: dict[str, MsType] = {
    "G35A": "RRMS",
    "G35B0": "PPMS",
    "G35B1": "PPMS",
    "G35B2": "PPMS",
    "G35C0": "active-SPMS",
    "G35C1": "active-SPMS",
    "G35C2": "non-active-SPMS",
    "G35D": "RRMS",  # unspecified
    "G35": "RRMS",  # before the FY2026 split
}
SPECIFIC_MS_CODES = frozenset(MS_TYPE_BY_SNOMED) - {"24700007"} | (
    frozenset(MS_TYPE_BY_ICD10CM) - {"G35D", "G35"}
)

# Ofatumumab (codes.md section 1). RxNorm 712566 is [UNVERIFIED]; NDC product 0078-1007 [V];
# SNOMED/dm+d 444609007 [V2]. Arzerra is ofatumumab for leukaemia, another product and dose.
OFATUMUMAB_RXNORM = frozenset({"712566"})
OFATUMUMAB_SNOMED = frozenset({"444609007"})
OFATUMUMAB_NDC_PRODUCT = (78, 1007)  # labeler, product
OFATUMUMAB_NAMES = ("ofatumumab", "kesimpta")
NOT_KESIMPTA_NAMES = ("arzerra",)

# Medicines that suppress the immune system, by generic name and brand (matched in the medicine's
# name or text). Interferon beta and glatiramer modulate rather than suppress and are left out.
IMMUNOSUPPRESSANTS = {
    "fingolimod": ("gilenya",),
    "siponimod": ("mayzent",),
    "ozanimod": ("zeposia",),
    "ponesimod": ("ponvory",),
    "natalizumab": ("tysabri", "tyruko"),
    "ocrelizumab": ("ocrevus",),
    "ublituximab": ("briumvi",),
    "rituximab": ("rituxan", "mabthera", "truxima", "ruxience"),
    "alemtuzumab": ("lemtrada",),
    "cladribine": ("mavenclad",),
    "mitoxantrone": (),
    "teriflunomide": ("aubagio",),
    "dimethyl fumarate": ("tecfidera",),
    "diroximel fumarate": ("vumerity",),
    "monomethyl fumarate": ("bafiertam",),
    "azathioprine": ("imuran",),
    "methotrexate": (),
    "mycophenolate": ("cellcept", "myfortic"),
    "cyclophosphamide": (),
    "ciclosporin": ("cyclosporine", "neoral", "sandimmune"),
    "tacrolimus": ("prograf",),
}

# Live vaccines. CVX [V2]: the CDSi live-virus table plus typhoid oral (25), OPV (02), cholera
# live (174), rotavirus (74, 116, 119, 122) and adenovirus oral (54, 55, 143).
LIVE_CVX = frozenset(
    {"02", "03", "04", "05", "06", "07", "19", "21", "25", "37", "38", "54", "55", "56", "74",
     "75", "94", "105", "111", "116", "119", "121", "122", "125", "143", "149", "151", "169",
     "174", "183", "184", "204", "317"}
)  # fmt: skip
# SNOMED CT vaccine products [V2] (Swiss VACD value set): measles-, mumps-, rubella-, yellow
# fever-, rotavirus- and dengue-containing, BCG, live varicella/zoster, live or nasal influenza,
# live vaccinia, and the general "live attenuated virus antigen" concept.
LIVE_SNOMED = frozenset(
    {"836382004", "871765008", "871766009", "836388000", "871732000", "836498007", "871737006",
     "871738001", "871831003", "871817003", "1252703004", "871908002", "836385002", "871717007",
     "836387005", "871761004", "836402002", "871768005", "1010313002", "1010310004",
     "1010322001", "840563003", "871720004", "1254676002", "1269346004"}
)  # fmt: skip
LIVE_VACCINE_WORDS = (
    "mmr", "m-m-r", "measles", "mumps", "rubella", "varicella", "chickenpox", "varivax",
    "priorix", "proquad", "zostavax", "zoster live", "zoster vaccine live", "zoster, live",
    "yellow fever", "stamaril", "yf-vax", "bcg", "calmette", "typhoid oral", "oral typhoid",
    "ty21a", "vivotif", "laiv", "flumist", "fluenz", "intranasal influenza", "nasal influenza",
    "rotavirus", "rotateq", "rotarix", "dengue", "dengvaxia", "qdenga", "vaxchora",
    "cholera live", "oral polio", "opv", "acam2000", "ervebo", "ixchiq",
)  # fmt: skip
_LIVE_NAME = re.compile(r"\b(?:" + "|".join(map(re.escape, LIVE_VACCINE_WORDS)) + r")\b")
_LIVE_WORD = re.compile(r"(?<!non-)(?<!non )(?<!not )\blive\b")

# Countries in Patient.address.country: ISO alpha-2 pass through; these names and alpha-3 codes
# are the ones seen most; anything else keeps the profile's default (US).
COUNTRY_NAMES = {
    "USA": "US", "UNITED STATES": "US", "UNITED STATES OF AMERICA": "US", "GBR": "GB",
    "UNITED KINGDOM": "GB", "ENGLAND": "GB", "SCOTLAND": "GB", "WALES": "GB",
    "NORTHERN IRELAND": "GB", "DEU": "DE", "GERMANY": "DE", "FRA": "FR", "FRANCE": "FR",
    "ITA": "IT", "ITALY": "IT", "ESP": "ES", "SPAIN": "ES", "NLD": "NL", "NETHERLANDS": "NL",
    "BEL": "BE", "BELGIUM": "BE", "AUT": "AT", "AUSTRIA": "AT", "IRL": "IE", "IRELAND": "IE",
    "SWE": "SE", "SWEDEN": "SE", "DNK": "DK", "DENMARK": "DK", "FIN": "FI", "FINLAND": "FI",
    "POL": "PL", "POLAND": "PL", "PRT": "PT", "PORTUGAL": "PT", "NOR": "NO", "NORWAY": "NO",
    "CHE": "CH", "SWITZERLAND": "CH", "CAN": "CA", "CANADA": "CA", "AUS": "AU",
    "AUSTRALIA": "AU", "IND": "IN", "INDIA": "IN",
}  # fmt: skip


def is_live_vaccine(codes: list[tuple[str | None, str | None]], names: list[str]) -> bool:
    """Whether a vaccine is live, from its (system, code) pairs or, failing that, its names.

    >>> is_live_vaccine([(CVX, "03")], []), is_live_vaccine([], ["Shingrix (zoster, recombinant)"])
    (True, False)
    >>> is_live_vaccine([], ["Zoster vaccine live"]), is_live_vaccine([], ["non-live flu jab"])
    (True, False)
    >>> is_live_vaccine([(CVX, "150")], ["Influenza, injectable, quadrivalent"])
    False
    """
    for system, code in codes:
        if (system == CVX and code in LIVE_CVX) or (system == SNOMED and code in LIVE_SNOMED):
            return True
    text = " ".join(names).lower()
    return bool(_LIVE_NAME.search(text) or _LIVE_WORD.search(text))


def to_country_code(text: str | None) -> str | None:
    """An ISO alpha-2 country code from an address country, or None when unknown.

    >>> to_country_code("de"), to_country_code("United Kingdom"), to_country_code("Atlantis")
    ('DE', 'GB', None)
    """
    if not text:
        return None
    value = text.strip().upper()
    if len(value) == 2 and value.isalpha():
        return value
    return COUNTRY_NAMES.get(value)


def is_ndc_ofatumumab(code: str) -> bool:
    """Whether an NDC (10 or 11 digits, with or without hyphens) is the Kesimpta product.

    >>> is_ndc_ofatumumab("0078-1007-68"), is_ndc_ofatumumab("00078100768")
    (True, True)
    >>> is_ndc_ofatumumab("0078-0999-01")
    False
    """
    parts = code.strip().split("-")
    if len(parts) >= 2 and all(p.isdigit() for p in parts):
        labeler, product = int(parts[0]), int(parts[1])
    elif code.isdigit() and len(code) == 11:
        labeler, product = int(code[:5]), int(code[5:9])
    elif code.isdigit() and len(code) == 10:
        labeler, product = int(code[:4]), int(code[4:8])
    else:
        return False
    return (labeler, product) == OFATUMUMAB_NDC_PRODUCT


def find_immunosuppressant(text: str) -> str | None:
    """The generic name of an immunosuppressant named in a text, or None.

    >>> find_immunosuppressant("Aubagio 14 mg tablet"), find_immunosuppressant("Vitamin D")
    ('teriflunomide', None)
    """
    lowered = text.lower()
    for generic, brands in IMMUNOSUPPRESSANTS.items():
        if any(name in lowered for name in (generic, *brands)):
            return generic
    return None


# --- Codes the patient-chart export writes (bundle_export.py, docs/fhir.md) ---------------------
# Statuses as above; every code marked [UNVERIFIED] is also listed in UNVERIFIED_CODES, the one
# place docs/fhir.md and the tests read them from.

ATC = "http://www.whocc.no/atc"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

OFATUMUMAB_RXNORM_CODE = "712566"  # [UNVERIFIED] ingredient
OFATUMUMAB_NDC_PRODUCT_CODE = "0078-1007"  # [V] product (pen and syringe packages share it)
OFATUMUMAB_SNOMED_CODE = "444609007"  # [V2] dm+d
OFATUMUMAB_ATC_CODE = "L04AG12"  # [V] the MS product; Arzerra (L01FA02) is another product
SUBCUTANEOUS_ROUTE_SNOMED = "34206005"  # Subcutaneous route [V2]

# SNOMED CT for each MS type the chart records. CIS has no code found (codes.md section 2) and SPMS
# has one code whatever its activity, so the ofacare ms-type coding beside it carries the type.
# 426373005 is RRMS: conflict.snomed-rrms-code in the knowledge base records one list that
# mislabels it as PPMS, and why two independent lists win.
SNOMED_BY_MS_TYPE: dict[MsType, tuple[str, str]] = {
    "RRMS": ("426373005", "Relapsing remitting multiple sclerosis"),
    "active-SPMS": ("425500002", "Secondary progressive multiple sclerosis"),
    "non-active-SPMS": ("425500002", "Secondary progressive multiple sclerosis"),
    "PPMS": ("428700003", "Primary progressive multiple sclerosis"),
}
MS_TYPE_DISPLAY: dict[MsType, str] = {
    "CIS": "Clinically isolated syndrome",
    "RRMS": "Relapsing-remitting multiple sclerosis",
    "active-SPMS": "Active secondary progressive multiple sclerosis",
    "non-active-SPMS": "Non-active secondary progressive multiple sclerosis",
    "PPMS": "Primary progressive multiple sclerosis",
}

# Injection sites (SNOMED CT body structures). Arms and thighs [V2]: several public FHIR
# examples and immunisation code tables agree. The abdomen codes are lower quadrants, the nearest
# concepts found for "left/right of the navel", and one public example gives the left lower
# quadrant another code (699600004), so they stay [UNVERIFIED].
SNOMED_BY_INJECTION_SITE: dict[str, tuple[str, str]] = {
    "abdomen-left": ("68505006", "Structure of left lower quadrant of abdomen"),
    "abdomen-right": ("48544008", "Structure of right lower quadrant of abdomen"),
    "thigh-left": ("61396006", "Structure of left thigh"),
    "thigh-right": ("11207009", "Structure of right thigh"),
    "upper-arm-left": ("368208006", "Left upper arm structure"),
    "upper-arm-right": ("368209003", "Right upper arm structure"),
}

# Result words as v3 ObservationInterpretation codes, for a lab value that also has a word.
INTERPRETATION_BY_RESULT = {
    "positive": "POS", "negative": "NEG", "detected": "DET", "not detected": "ND",
    "normal": "N", "abnormal": "A",
}  # fmt: skip

# Units written with a UCUM code beside the unit text; any other unit is written as text only.
UCUM_UNITS = frozenset(
    {"g/L", "g/dL", "mg/dL", "mg/L", "mg", "U/L", "umol/L", "%", "/uL", "{cells}/uL"}
)

# ofacare's own code systems: the chart's words that no standard code carries exactly.
MS_TYPE_SYSTEM = "urn:ofacare:ms-type"
INJECTION_SITE_SYSTEM = "urn:ofacare:injection-site"
LAB_TEST_SYSTEM = "urn:ofacare:lab-test"
DIARY_SYSTEM = "urn:ofacare:symptom-diary"  # the entry's code and its component codes
URGENCY_SYSTEM = "urn:ofacare:triage-urgency"
FINDING_SYSTEM = "urn:ofacare:finding"  # the same system CDS Hooks cards name findings with
KNOWLEDGE_VERSION_SYSTEM = "urn:ofacare:knowledge-version"

# ofacare's finding severities on DetectedIssue's three levels: anything that stops or refers
# is high, anything that asks to wait or take care is moderate.
DETECTED_ISSUE_SEVERITY = {
    "do_not_start": "high", "refer": "high", "wait": "moderate", "caution": "moderate",
    "info": "low",
}  # fmt: skip

UNVERIFIED_CODES: frozenset[tuple[str, str]] = frozenset(
    {
        (RXNORM, OFATUMUMAB_RXNORM_CODE),
        (SNOMED, SNOMED_BY_INJECTION_SITE["abdomen-left"][0]),
        (SNOMED, SNOMED_BY_INJECTION_SITE["abdomen-right"][0]),
    }
)
