"""The laboratory tests the safety rules read, their LOINC codes, and how results are read.

Codes from ../shared/reference/codes.md section 3; the liver panel codes (ALT 1742-6, AST 1920-8,
alkaline phosphatase 6768-6, total bilirubin 1975-2) are the standard serum LOINC codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ofacare.errors import InvalidInput, quote_value


@dataclass(frozen=True, slots=True)
class LabTest:
    """One test: its name in ofacare, the names people type, and its LOINC codes."""

    name: str
    aliases: tuple[str, ...]
    loinc: tuple[str, ...]
    display: str


LAB_TESTS = (
    LabTest("HBsAg", ("hbsag", "hepatitis b surface antigen"), ("5195-3", "5196-1"),
            "Hepatitis B surface antigen"),
    LabTest("anti-HBc", ("anti-hbc", "hbcab", "anti-hbc total", "hepatitis b core antibody"),
            ("16933-4", "13952-7"), "Hepatitis B core antibody (total)"),
    LabTest("IgG", ("igg", "immunoglobulin g"), ("2465-3",), "Immunoglobulin G"),
    LabTest("IgM", ("igm", "immunoglobulin m"), ("2472-9",), "Immunoglobulin M"),
    LabTest("liver-panel", ("liver-panel", "liver panel", "lft", "lfts", "liver tests"), (),
            "Liver tests (ALT, AST, alkaline phosphatase, bilirubin)"),
    LabTest("ALT", ("alt", "alanine aminotransferase"), ("1742-6",), "ALT"),
    LabTest("AST", ("ast", "aspartate aminotransferase"), ("1920-8",), "AST"),
    LabTest("ALP", ("alp", "alkaline phosphatase"), ("6768-6",), "Alkaline phosphatase"),
    LabTest("bilirubin", ("bilirubin", "total bilirubin"), ("1975-2",), "Total bilirubin"),
    LabTest("pregnancy", ("pregnancy", "hcg", "beta-hcg", "pregnancy test"),
            ("2118-8", "2110-5", "2106-3", "21198-7"), "Pregnancy test (hCG)"),
    LabTest("CD19", ("cd19", "b cells", "b-cell count"), ("8116-6",), "CD19+ B cells"),
)  # fmt: skip
LIVER_PARTS = ("ALT", "AST", "ALP", "bilirubin")
POSITIVE = frozenset({"positive", "reactive", "detected", "abnormal", "present"})
NEGATIVE = frozenset(
    {"negative", "non-reactive", "nonreactive", "not detected", "normal", "absent"}
)
GRAMS_PER_LITRE = {"g/l": 1.0, "mg/dl": 0.01, "mg/l": 0.001}

_BY_KEY = {
    key: test for test in LAB_TESTS for key in (test.name.lower(), *test.aliases, *test.loinc)
}


def find_lab_test(name_or_code: str) -> LabTest | None:
    """The test for a name, an alias or a LOINC code; None when unknown.

    >>> find_lab_test("5196-1").name, find_lab_test("HbcAb").name, find_lab_test("xyz")
    ('HBsAg', 'anti-HBc', None)
    """
    return _BY_KEY.get(name_or_code.strip().lower())


def get_lab_test(name_or_code: str, *, field: str) -> LabTest:
    """The test for a name or LOINC code; InvalidInput naming the field when unknown."""
    test = find_lab_test(name_or_code)
    if test is None:
        known = ", ".join(t.name for t in LAB_TESTS)
        raise InvalidInput(
            "input.unknown-test",
            f"{field}: {quote_value(name_or_code)} is not a test ofacare knows.",
            f"Use one of {known}, or its LOINC code.",
        )
    return test


def is_positive(result: str) -> bool | None:
    """True for a positive result word, False for a negative one, None when neither.

    >>> is_positive("Reactive"), is_positive("not detected"), is_positive("pending")
    (True, False, None)
    """
    word = result.strip().lower()
    if word in POSITIVE:
        return True
    if word in NEGATIVE:
        return False
    return None


def to_grams_per_litre(value: float, unit: str, *, field: str) -> float:
    """An immunoglobulin concentration in g/L.

    >>> to_grams_per_litre(565, "mg/dL", field="x")
    5.65
    """
    factor = GRAMS_PER_LITRE.get(unit.strip().lower())
    if factor is None:
        raise InvalidInput(
            "input.unknown-unit",
            f"{field}: unit {quote_value(unit)} is not one ofacare converts.",
            "Give immunoglobulins in g/L, mg/dL or mg/L.",
        )
    return round(value * factor, 6)
