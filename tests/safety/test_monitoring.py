"""Checks during treatment (clinical-rules.md WARN-2/3/5/6, CI-3, TRIAGE-4)."""

from __future__ import annotations

from typing import Any

import pytest

from ofacare.knowledge import default_knowledge
from ofacare.safety.finding import Finding, Severity
from ofacare.safety.monitoring import monitor
from ofacare.safety.profile import parse_status

KB = default_knowledge()
AS_OF = "2027-03-01"
LAB_DAY = "2027-02-20"
ALT_ULN = 40.0
BILI_ULN = 20.0


def check(**fields: Any) -> list[Finding]:
    return monitor(parse_status({"as_of": AS_OF, "last_dose_on": "2027-02-01", **fields}))


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def liver(alt: float, bilirubin: float, *, transaminase: str = "ALT") -> list[dict[str, Any]]:
    """ALT (or AST) and bilirubin as multiples of their upper limits of normal."""
    return [
        {"test": transaminase, "value": alt * ALT_ULN, "unit": "U/L", "reference_high": ALT_ULN, "on": LAB_DAY},
        {"test": "bilirubin", "value": bilirubin * BILI_ULN, "unit": "umol/L", "reference_high": BILI_ULN, "on": LAB_DAY},
    ]  # fmt: skip


def test_nothing_to_report_gives_no_findings() -> None:
    assert check() == []


# --- Immunoglobulins (WARN-5) -----------------------------------------------------------------------


@pytest.mark.parametrize(("test", "value"), [("IgG", 5.64), ("IgM", 0.39)])
def test_an_immunoglobulin_below_the_lower_limit_on_treatment_refers_warn_5(
    test: str, value: float
) -> None:
    (finding,) = check(labs=[{"test": test, "value": value, "unit": "g/L", "on": LAB_DAY}])
    assert finding.code == "finding.ig-low-on-treatment"
    assert finding.severity is Severity.REFER
    assert test in finding.title
    assert f"{value:g} g/L" in finding.patient_message


@pytest.mark.parametrize(("test", "value"), [("IgG", 5.65), ("IgM", 0.40)])
def test_an_immunoglobulin_at_the_lower_limit_on_treatment_is_fine_warn_5(
    test: str, value: float
) -> None:
    assert check(labs=[{"test": test, "value": value, "unit": "g/L", "on": LAB_DAY}]) == []


def test_the_laboratory_lower_limit_wins_on_treatment_warn_5() -> None:
    lab = {"test": "IgG", "value": 6.5, "unit": "g/L", "reference_low": 7.0, "on": LAB_DAY}
    assert codes(check(labs=[lab])) == ["finding.ig-low-on-treatment"]


def test_a_result_dated_after_the_as_of_date_is_not_read_warn_5() -> None:
    lab = {"test": "IgG", "value": 3.0, "unit": "g/L", "on": "2027-03-02"}
    assert check(labs=[lab]) == []


# --- Dose due during an infection (CI-3, TRIAGE-4) ----------------------------------------------


def test_a_dose_due_during_an_active_infection_is_held_ci_3_triage_4() -> None:
    (finding,) = check(active_infection=True, next_dose_on="2027-03-03")
    assert finding.code == "finding.hold-dose-infection"
    assert finding.severity is Severity.WAIT
    assert [(a.kind, a.target) for a in finding.actions] == [("hold-dose", "2027-03-03")]
    assert "2027-03-03" in finding.patient_message
    assert "call" in finding.patient_message


def test_a_dose_due_without_an_infection_is_not_held_ci_3_triage_4() -> None:
    assert check(active_infection=False, next_dose_on="2027-03-03") == []


def test_an_infection_with_no_dose_due_holds_nothing_ci_3_triage_4() -> None:
    assert check(active_infection=True) == []


# --- Liver injury signal (WARN-6) -------------------------------------------------------------------


def test_the_liver_injury_thresholds_are_3x_and_2x_the_upper_limit_warn_6() -> None:
    assert KB.number("warning.liver-injury-aminotransferase", "ratio") == 3
    assert KB.number("warning.liver-injury-bilirubin", "ratio") == 2


@pytest.mark.parametrize("transaminase", ["ALT", "AST", "1742-6", "1920-8"])
def test_aminotransferase_above_3x_with_bilirubin_above_2x_refers_warn_6(transaminase: str) -> None:
    (finding,) = check(labs=liver(3.1, 2.1, transaminase=transaminase))
    assert finding.code == "finding.liver-injury-signal"
    assert finding.severity is Severity.REFER
    assert finding.label == "US"
    assert "3.1x" in finding.clinician_message
    assert "2.1x" in finding.clinician_message
    assert "today" in finding.patient_message


def test_aminotransferase_at_3x_and_bilirubin_at_2x_exactly_raise_nothing_warn_6() -> None:
    assert check(labs=liver(3.0, 2.0)) == []


@pytest.mark.parametrize(("alt", "bilirubin"), [(3.1, 2.0), (3.0, 2.1), (10.0, 1.0), (1.0, 5.0)])
def test_only_one_of_aminotransferase_and_bilirubin_raised_gives_nothing_warn_6(
    alt: float, bilirubin: float
) -> None:
    assert check(labs=liver(alt, bilirubin)) == []


def test_the_higher_of_alt_and_ast_counts_warn_6() -> None:
    labs = [*liver(1.0, 2.5), *liver(4.0, 2.5, transaminase="AST")[:1]]
    (finding,) = check(labs=labs)
    assert "4x" in finding.clinician_message


def test_liver_values_without_an_upper_limit_cannot_signal_warn_6() -> None:
    labs = [
        {"test": "ALT", "value": 400, "unit": "U/L", "on": LAB_DAY},
        {"test": "bilirubin", "value": 100, "unit": "umol/L", "on": LAB_DAY},
    ]
    assert check(labs=labs) == []


# --- Signs (WARN-2, WARN-3, WARN-6) -----------------------------------------------------------------


@pytest.mark.parametrize("sign", ["jaundice", "dark-urine", "worsening-tiredness"])
def test_liver_signs_refer_for_hepatitis_b_reactivation_or_liver_injury_warn_2_warn_6(
    sign: str,
) -> None:
    (finding,) = check(signs=[sign])
    assert finding.code == "finding.hbv-reactivation-signs"
    assert finding.severity is Severity.REFER
    assert sign in finding.clinician_message


@pytest.mark.parametrize(
    "sign",
    ["new-weakness", "clumsiness", "vision-change", "confusion", "memory-change",
     "personality-change", "speech-change"],
)  # fmt: skip
def test_neurological_signs_withhold_the_dose_and_evaluate_for_pml_warn_3(sign: str) -> None:
    (finding,) = check(signs=[sign])
    assert finding.code == "finding.pml-signs"
    assert finding.severity is Severity.REFER
    assert sign in finding.clinician_message
    assert [a.kind for a in finding.actions] == ["hold-dose"]


def test_liver_and_neurological_signs_give_both_findings_warn_2_warn_3() -> None:
    findings = check(signs=["jaundice", "new-weakness", "confusion"])
    assert codes(findings) == ["finding.hbv-reactivation-signs", "finding.pml-signs"]
    assert "confusion, new-weakness" in findings[1].clinician_message


def test_findings_come_most_serious_first() -> None:
    findings = check(
        active_infection=True,
        next_dose_on="2027-03-03",
        signs=["jaundice"],
        labs=[{"test": "IgM", "value": 0.2, "unit": "g/L", "on": LAB_DAY}],
    )
    ranks = [f.severity.rank for f in findings]
    assert ranks == sorted(ranks)
    assert codes(findings)[-1] == "finding.hold-dose-infection"
