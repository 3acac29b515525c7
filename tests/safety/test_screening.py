"""Pre-treatment screening (clinical-rules.md PRE, CI, VAX-1/2; issue 4 section 2).

One test per rule and threshold, with the rule's source at the end of the name and a case on each
side of every threshold. Profiles are a valid base profile with a few fields changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

import ofacare
from ofacare.errors import InvalidInput
from ofacare.knowledge import default_knowledge
from ofacare.safety.finding import Finding, Severity
from ofacare.safety.monitoring import monitor
from ofacare.safety.pregnancy import check_pregnancy_plan
from ofacare.safety.profile import ScreeningProfile, parse_profile, parse_status
from ofacare.safety.screening import Readiness, ScreeningResult, screen
from ofacare.safety.vaccines import check_vaccine

D = date
KB = default_knowledge()
START = D(2026, 12, 1)
LAB_DAY = "2026-11-02"
FINDINGS_YAML = Path(ofacare.__file__).parent / "knowledge" / "data" / "findings.yaml"

BASE_LABS: list[dict[str, Any]] = [
    {"test": "HBsAg", "result": "negative", "on": LAB_DAY},
    {"test": "anti-HBc", "result": "negative", "on": LAB_DAY},
    {"test": "IgG", "value": 10.1, "unit": "g/L", "on": LAB_DAY},
    {"test": "IgM", "value": 1.1, "unit": "g/L", "on": LAB_DAY},
    {"test": "liver-panel", "result": "normal", "on": LAB_DAY},
]
BASE: dict[str, Any] = {
    "birth_date": "1990-04-02",
    "sex": "male",
    "can_become_pregnant": False,
    "pregnant": False,
    "breastfeeding": False,
    "country": "US",
    "ms_type": "RRMS",
    "planned_start_on": START.isoformat(),
    "labs": BASE_LABS,
    "vaccinations": [],
    "active_infection": False,
    "severely_immunocompromised": False,
    "active_malignancy": False,
    "hypersensitivity_to_ofatumumab": False,
    "immunosuppressants": [],
}
# The example profile of issue 4, as documented in docs/screening.md.
ISSUE_EXAMPLE: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "docs" / "examples" / "screening-profile.json").read_text("utf-8")
)


def labs(*, drop: Iterable[str] = (), add: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The base labs without the named tests, plus extra results."""
    dropped = set(drop)
    return [lab for lab in BASE_LABS if lab["test"] not in dropped] + list(add)


def profile(**changes: Any) -> ScreeningProfile:
    """The valid base profile with some fields changed."""
    return parse_profile({**BASE, **changes})


def run(**changes: Any) -> ScreeningResult:
    return screen(profile(**changes))


def codes(result: ScreeningResult | list[Finding]) -> list[str]:
    findings = result.findings if isinstance(result, ScreeningResult) else result
    return [f.code for f in findings]


def only(result: ScreeningResult, code: str) -> Finding:
    (found,) = [f for f in result.findings if f.code == code]
    return found


def days_before_start(days: int) -> str:
    return (START - timedelta(days=days)).isoformat()


# --- The base profile and the issue's example -----------------------------------------------------


def test_a_complete_normal_profile_is_ready_on_the_planned_start() -> None:
    result = run()
    assert result.readiness is Readiness.READY
    assert result.earliest_start_on == START
    assert result.missing == ()
    assert codes(result) == ["finding.hbv-clear", "finding.ig-normal"]
    assert result.knowledge_version == KB.version


def test_the_issue_example_waits_for_the_live_vaccine_and_a_fresh_pregnancy_test_vax_1_pre_6() -> (
    None
):
    result = screen(parse_profile(ISSUE_EXAMPLE))
    assert result.readiness is Readiness.WAIT
    # MMR on 2026-11-10 + 28 days.
    assert result.earliest_start_on == D(2026, 12, 8)
    assert codes(result) == [
        "finding.live-vaccine-too-recent",
        "finding.pregnancy-test-needed",
        "finding.hbv-clear",
        "finding.ig-normal",
    ]
    assert only(result, "finding.live-vaccine-too-recent").until == D(2026, 12, 8)
    # The test of 2026-11-20 is 18 days before 2026-12-08: repeat it near the later start.
    assert result.missing == ("pregnancy",)


# --- Hepatitis B (PRE-1, CI-1) ----------------------------------------------------------------------


def test_hbsag_positive_stops_the_start_pre_1_ci_1() -> None:
    result = run(
        labs=labs(drop=["HBsAg"], add=[{"test": "HBsAg", "result": "positive", "on": LAB_DAY}])
    )
    finding = only(result, "finding.hbv-active")
    assert finding.severity is Severity.DO_NOT_START
    assert result.readiness is Readiness.DO_NOT_START
    assert result.earliest_start_on is None
    assert [(a.kind, a.target) for a in finding.actions] == [("refer", "hepatology")]
    assert LAB_DAY in finding.clinician_message


def test_hbsag_positive_stops_the_start_even_without_anti_hbc_pre_1_ci_1() -> None:
    result = run(
        labs=labs(
            drop=["HBsAg", "anti-HBc"], add=[{"test": "HBsAg", "result": "reactive", "on": LAB_DAY}]
        )
    )
    assert result.readiness is Readiness.DO_NOT_START
    assert "finding.hbv-missing" not in codes(result)


def test_hbsag_and_anti_hbc_negative_clear_hepatitis_b_pre_1() -> None:
    finding = only(run(), "finding.hbv-clear")
    assert finding.severity is Severity.INFO


def test_anti_hbc_positive_with_hbsag_negative_refers_to_hepatology_pre_1() -> None:
    result = run(
        labs=labs(
            drop=["anti-HBc"], add=[{"test": "anti-HBc", "result": "positive", "on": LAB_DAY}]
        )
    )
    finding = only(result, "finding.hbv-resolved")
    assert finding.severity is Severity.REFER
    assert result.readiness is Readiness.REFER
    assert result.earliest_start_on is None
    assert ("refer", "hepatology") in [(a.kind, a.target) for a in finding.actions]


@pytest.mark.parametrize(
    ("dropped", "missing"),
    [
        (["HBsAg"], ("HBsAg",)),
        (["anti-HBc"], ("anti-HBc",)),
        (["HBsAg", "anti-HBc"], ("HBsAg", "anti-HBc")),
    ],
)
def test_a_missing_hepatitis_b_test_waits_and_is_listed_as_missing_pre_1(
    dropped: list[str], missing: tuple[str, ...]
) -> None:
    result = run(labs=labs(drop=dropped))
    finding = only(result, "finding.hbv-missing")
    assert finding.severity is Severity.WAIT
    assert result.readiness is Readiness.WAIT
    assert result.missing == missing
    assert result.earliest_start_on is None
    for name in missing:
        assert name in finding.title


@pytest.mark.parametrize("test", ["HBsAg", "anti-HBc"])
def test_a_pending_hepatitis_b_result_is_not_read_as_negative_pre_1(test: str) -> None:
    result = run(labs=labs(drop=[test], add=[{"test": test, "result": "pending", "on": LAB_DAY}]))
    assert "finding.hbv-clear" not in codes(result)
    assert result.readiness is not Readiness.READY


# --- Immunoglobulins (PRE-2) ------------------------------------------------------------------------


def test_the_trial_lower_limits_are_igg_5_65_and_igm_0_40_g_per_l_pre_2() -> None:
    assert KB.number("screening.igg-lower-limit-trials", "g/L") == 5.65
    assert KB.number("screening.igm-lower-limit-trials", "g/L") == 0.40


def ig(test: str, value: float, unit: str = "g/L", **extra: Any) -> list[dict[str, Any]]:
    return labs(
        drop=[test], add=[{"test": test, "value": value, "unit": unit, "on": LAB_DAY, **extra}]
    )


@pytest.mark.parametrize(("test", "value"), [("IgG", 5.64), ("IgM", 0.39)])
def test_igg_or_igm_just_below_the_trial_limit_refers_to_an_immunologist_pre_2(
    test: str, value: float
) -> None:
    result = run(labs=ig(test, value))
    finding = only(result, "finding.ig-low")
    assert finding.severity is Severity.REFER
    assert result.readiness is Readiness.REFER
    assert ("refer", "immunology") in [(a.kind, a.target) for a in finding.actions]
    assert test in finding.title
    assert f"{value:g}" in finding.clinician_message
    assert "limit used in the trials" in finding.clinician_message


@pytest.mark.parametrize(("test", "value"), [("IgG", 5.65), ("IgM", 0.40)])
def test_igg_or_igm_at_the_trial_limit_is_normal_pre_2(test: str, value: float) -> None:
    result = run(labs=ig(test, value))
    assert codes(result) == ["finding.hbv-clear", "finding.ig-normal"]
    assert result.readiness is Readiness.READY


def test_both_immunoglobulins_low_give_one_referral_each_pre_2() -> None:
    both = labs(
        drop=["IgG", "IgM"],
        add=[
            {"test": "IgG", "value": 4.0, "unit": "g/L", "on": LAB_DAY},
            {"test": "IgM", "value": 0.2, "unit": "g/L", "on": LAB_DAY},
        ],
    )
    lows = [f for f in run(labs=both).findings if f.code == "finding.ig-low"]
    assert sorted(f.title.split()[0] for f in lows) == ["IgG", "IgM"]


def test_the_laboratory_reference_range_is_used_over_the_trial_limit_below_it_refers_pre_2() -> (
    None
):
    # 6.5 g/L is above the trials' 5.65 but below this laboratory's 7.0.
    finding = only(run(labs=ig("IgG", 6.5, reference_low=7.0)), "finding.ig-low")
    assert "7 g/L" in finding.clinician_message
    assert "laboratory" in finding.clinician_message


def test_the_laboratory_reference_range_is_used_over_the_trial_limit_at_it_is_normal_pre_2() -> (
    None
):
    # 5.0 g/L is below the trials' 5.65 but at this laboratory's own lower limit.
    result = run(labs=ig("IgG", 5.0, reference_low=5.0))
    assert "finding.ig-low" not in codes(result)
    assert result.readiness is Readiness.READY


@pytest.mark.parametrize(("value", "low"), [(564, True), (565, False)])
def test_igg_in_mg_per_dl_is_converted_before_the_trial_limit_pre_2(
    value: float, low: bool
) -> None:
    result = run(labs=ig("IgG", value, unit="mg/dL"))
    assert ("finding.ig-low" in codes(result)) is low
    if low:
        assert "5.64 g/L" in only(result, "finding.ig-low").clinician_message


def test_a_laboratory_range_in_mg_per_dl_is_converted_too_pre_2() -> None:
    result = run(labs=ig("IgM", 45, unit="mg/dL", reference_low=50))
    assert "0.5 g/L" in only(result, "finding.ig-low").clinician_message


def test_an_immunoglobulin_unit_ofacare_cannot_convert_is_invalid_input_naming_it_pre_2() -> None:
    with pytest.raises(InvalidInput) as raised:
        run(labs=ig("IgG", 10, unit="mmol/L"))
    assert "IgG" in raised.value.message
    assert "'mmol/L'" in raised.value.message


@pytest.mark.parametrize(
    ("dropped", "missing"),
    [(["IgG"], ("IgG",)), (["IgM"], ("IgM",)), (["IgG", "IgM"], ("IgG", "IgM"))],
)
def test_missing_immunoglobulins_wait_and_are_listed_as_missing_pre_2(
    dropped: list[str], missing: tuple[str, ...]
) -> None:
    result = run(labs=labs(drop=dropped))
    assert only(result, "finding.ig-missing").severity is Severity.WAIT
    assert result.missing == missing
    assert result.earliest_start_on is None


def test_a_pending_immunoglobulin_result_is_not_read_as_normal_pre_2() -> None:
    result = run(labs=labs(drop=["IgG"], add=[{"test": "IgG", "result": "pending", "on": LAB_DAY}]))
    assert "finding.ig-normal" not in codes(result)
    assert result.readiness is not Readiness.READY


# --- Liver tests (PRE-3, CONF-13) ---------------------------------------------------------------


def test_liver_tests_missing_wait_for_a_us_patient_under_the_us_label_pre_3() -> None:
    result = run(labs=labs(drop=["liver-panel"]))
    finding = only(result, "finding.liver-missing")
    assert finding.severity is Severity.WAIT
    assert finding.label == "US"
    assert result.missing == ("liver-panel",)
    assert result.readiness is Readiness.WAIT


@pytest.mark.parametrize("country", ["DE", "GB"])
def test_liver_tests_missing_do_not_hold_an_eu_or_uk_patient_pre_3_conf_13(country: str) -> None:
    result = run(country=country, labs=labs(drop=["liver-panel"]))
    assert "finding.liver-missing" not in codes(result)
    assert result.readiness is Readiness.READY


def test_the_four_liver_tests_by_loinc_code_count_as_the_baseline_pre_3() -> None:
    parts = [
        {"test": code, "value": 20, "unit": "U/L", "on": LAB_DAY}
        for code in ("1742-6", "1920-8", "6768-6", "1975-2")
    ]
    result = run(labs=labs(drop=["liver-panel"], add=parts))
    assert "finding.liver-missing" not in codes(result)


def test_abnormal_baseline_liver_tests_are_a_caution_and_leave_readiness_ready_pre_3_warn_6() -> (
    None
):
    result = run(
        labs=labs(drop=["liver-panel"], add=[{"test": "ALT", "result": "abnormal", "on": LAB_DAY}])
    )
    assert only(result, "finding.liver-abnormal").severity is Severity.CAUTION
    assert result.readiness is Readiness.READY


# --- Pregnancy and breastfeeding (PRE-6 practice, CI-6, REPRO-3) ----------------------------------


def test_the_pregnancy_test_window_is_14_days_ofacare_practice_pre_6() -> None:
    assert KB.whole_number("screening.pregnancy-test-window", "day") == 14


def pregnancy_test(days_before: int, result: str = "negative") -> list[dict[str, Any]]:
    return labs(add=[{"test": "pregnancy", "result": result, "on": days_before_start(days_before)}])


@pytest.mark.parametrize("days_before", [0, 14])
def test_a_negative_pregnancy_test_within_14_days_of_the_start_is_enough_pre_6(
    days_before: int,
) -> None:
    result = run(sex="female", can_become_pregnant=True, labs=pregnancy_test(days_before))
    assert "finding.pregnancy-test-needed" not in codes(result)
    assert result.readiness is Readiness.READY


def test_a_negative_pregnancy_test_15_days_before_the_start_waits_marked_as_practice_pre_6() -> (
    None
):
    result = run(sex="female", can_become_pregnant=True, labs=pregnancy_test(15))
    finding = only(result, "finding.pregnancy-test-needed")
    assert finding.severity is Severity.WAIT
    assert "practice" in finding.title
    assert "not a label requirement" in finding.clinician_message
    assert result.missing == ("pregnancy",)
    assert result.earliest_start_on is None


def test_no_pregnancy_test_waits_for_someone_who_can_become_pregnant_pre_6() -> None:
    result = run(sex="female", can_become_pregnant=True)
    assert only(result, "finding.pregnancy-test-needed").severity is Severity.WAIT


def test_no_pregnancy_test_is_asked_of_someone_who_cannot_become_pregnant_pre_6() -> None:
    assert "finding.pregnancy-test-needed" not in codes(run(sex="female"))


def test_a_pregnancy_test_dated_after_the_planned_start_does_not_count_pre_6() -> None:
    late = labs(add=[{"test": "pregnancy", "result": "negative", "on": "2026-12-02"}])
    result = run(sex="female", can_become_pregnant=True, labs=late)
    assert "finding.pregnancy-test-needed" in codes(result)


def test_a_positive_pregnancy_test_in_the_window_refers_ci_6() -> None:
    result = run(sex="female", can_become_pregnant=True, labs=pregnancy_test(3, "positive"))
    assert codes(result)[0] == "finding.pregnant"
    assert result.readiness is Readiness.REFER


def test_pregnant_refers_to_the_neurologist_ci_6() -> None:
    result = run(sex="female", can_become_pregnant=True, pregnant=True)
    finding = only(result, "finding.pregnant")
    assert finding.severity is Severity.REFER
    assert result.readiness is Readiness.REFER
    assert result.earliest_start_on is None
    assert "neurologist" in finding.patient_message


def test_breastfeeding_refers_to_discuss_with_the_neurologist_repro_3() -> None:
    result = run(sex="female", breastfeeding=True)
    finding = only(result, "finding.breastfeeding")
    assert finding.severity is Severity.REFER
    assert result.readiness is Readiness.REFER


def test_not_breastfeeding_raises_no_breastfeeding_finding_repro_3() -> None:
    assert "finding.breastfeeding" not in codes(run(sex="female", breastfeeding=False))


# --- Conditions (CI-2..5, PRE-7) ------------------------------------------------------------------


def test_active_infection_waits_until_it_has_resolved_with_no_date_ci_3_pre_7() -> None:
    result = run(active_infection=True)
    finding = only(result, "finding.active-infection")
    assert finding.severity is Severity.WAIT
    assert finding.until is None
    assert result.readiness is Readiness.WAIT
    assert result.earliest_start_on is None


def test_no_active_infection_raises_no_infection_finding_ci_3() -> None:
    assert "finding.active-infection" not in codes(run(active_infection=False))


@pytest.mark.parametrize(
    ("flag", "code"),
    [
        ("severely_immunocompromised", "finding.severe-immunocompromise"),
        ("active_malignancy", "finding.active-malignancy"),
    ],
)
@pytest.mark.parametrize(
    ("country", "severity", "label"),
    [
        ("DE", Severity.DO_NOT_START, "EU"),
        ("GB", Severity.DO_NOT_START, "UK"),
        ("US", Severity.REFER, "US"),
    ],
)
def test_severe_immunocompromise_or_active_malignancy_follows_the_patients_label_ci_4_ci_5_conf_13(
    flag: str, code: str, country: str, severity: Severity, label: str
) -> None:
    result = run(country=country, **{flag: True})
    finding = only(result, code)
    assert finding.severity is severity
    assert finding.label == label
    assert f"{label} label followed" in finding.clinician_message
    assert result.readiness.value == severity.value


def test_hypersensitivity_to_ofatumumab_stops_the_start_ci_2() -> None:
    result = run(hypersensitivity_to_ofatumumab=True)
    assert only(result, "finding.hypersensitivity").severity is Severity.DO_NOT_START
    assert result.readiness is Readiness.DO_NOT_START


# --- Age and indication (CI-7, DOSE-11) -------------------------------------------------------------


def test_the_adult_age_is_18_years_ci_7() -> None:
    assert KB.whole_number("safety.adults-only", "year") == 18


def test_17_years_and_364_days_on_the_planned_start_stops_the_start_ci_7() -> None:
    result = run(birth_date="2008-12-02")  # turns 18 the day after the start
    finding = only(result, "finding.under-18")
    assert finding.severity is Severity.DO_NOT_START
    assert "Age 17" in finding.clinician_message
    assert result.readiness is Readiness.DO_NOT_START


def test_turning_18_on_the_planned_start_is_old_enough_ci_7() -> None:
    assert "finding.under-18" not in codes(run(birth_date="2008-12-01"))


@pytest.mark.parametrize("ms_type", ["PPMS", "non-active-SPMS"])
def test_progressive_ms_without_activity_is_not_indicated_dose_11(ms_type: str) -> None:
    result = run(ms_type=ms_type)
    finding = only(result, "finding.not-indicated")
    assert finding.severity is Severity.DO_NOT_START
    assert ms_type in finding.title
    assert result.readiness is Readiness.DO_NOT_START


@pytest.mark.parametrize("ms_type", ["CIS", "RRMS", "active-SPMS"])
def test_relapsing_forms_of_ms_are_indicated_dose_11(ms_type: str) -> None:
    result = run(ms_type=ms_type)
    assert "finding.not-indicated" not in codes(result)
    assert result.readiness is Readiness.READY


# --- Vaccines before the start (VAX-1, VAX-2) -------------------------------------------------------


def test_the_vaccine_lead_times_are_4_weeks_live_and_2_weeks_non_live_vax_1_vax_2() -> None:
    assert KB.whole_number("vaccine.live-before-start", "week") == 4
    assert KB.whole_number("vaccine.non-live-before-start", "week") == 2


def vaccinated(days_before: int, *, live: bool) -> list[dict[str, Any]]:
    return [{"name": "MMR" if live else "flu", "live": live, "on": days_before_start(days_before)}]


def test_a_live_vaccine_27_days_before_the_start_waits_until_28_days_after_it_vax_1() -> None:
    result = run(vaccinations=vaccinated(27, live=True))
    finding = only(result, "finding.live-vaccine-too-recent")
    given = START - timedelta(days=27)
    assert finding.severity is Severity.WAIT
    assert finding.until == given + timedelta(days=28)
    assert result.readiness is Readiness.WAIT
    assert result.earliest_start_on == given + timedelta(days=28)
    assert result.missing == ()


def test_a_live_vaccine_28_days_before_the_start_is_in_time_vax_1() -> None:
    result = run(vaccinations=vaccinated(28, live=True))
    assert "finding.live-vaccine-too-recent" not in codes(result)
    assert result.earliest_start_on == START


def test_a_non_live_vaccine_13_days_before_the_start_waits_until_14_days_after_it_vax_2() -> None:
    result = run(vaccinations=vaccinated(13, live=False))
    finding = only(result, "finding.non-live-vaccine-too-recent")
    assert finding.until == START - timedelta(days=13) + timedelta(days=14)
    assert result.earliest_start_on == START + timedelta(days=1)


def test_a_non_live_vaccine_14_days_before_the_start_is_in_time_vax_2() -> None:
    result = run(vaccinations=vaccinated(14, live=False))
    assert "finding.non-live-vaccine-too-recent" not in codes(result)
    assert result.readiness is Readiness.READY


def test_a_vaccine_on_the_planned_start_day_waits_vax_1() -> None:
    result = run(vaccinations=vaccinated(0, live=True))
    assert result.earliest_start_on == START + timedelta(days=28)


def test_the_longest_vaccine_wait_sets_the_earliest_start_vax_1_vax_2() -> None:
    both = [*vaccinated(20, live=True), *vaccinated(10, live=False)]
    result = run(vaccinations=both)
    # live: START - 20 + 28 = START + 8; non-live: START - 10 + 14 = START + 4.
    assert result.earliest_start_on == START + timedelta(days=8)


def test_earliest_start_is_never_before_the_end_of_any_wait_vax_1_vax_2() -> None:
    vaccines = [
        {"name": "MMR", "live": True, "on": "2026-11-10"},  # pushes the start to 2026-12-08
        {"name": "flu", "live": False, "on": "2026-12-05"},  # at 2026-12-08: wait to 2026-12-19
    ]
    result = run(vaccinations=vaccines)
    waits = [f.until for f in result.findings if f.severity is Severity.WAIT]
    assert result.earliest_start_on is not None
    assert all(until is not None and result.earliest_start_on >= until for until in waits)


# --- Other immunosuppressants (CI-8, DOSE-12) -----------------------------------------------------


def test_other_immunosuppressants_are_a_caution_with_switching_notes_ci_8_dose_12() -> None:
    result = run(immunosuppressants=["fingolimod"])
    finding = only(result, "finding.other-immunosuppressants")
    assert finding.severity is Severity.CAUTION
    assert "fingolimod" in finding.patient_message
    assert KB.statement("switching.from-fingolimod-natalizumab") in finding.clinician_message
    assert "1 month" in finding.clinician_message
    assert result.readiness is Readiness.READY


def test_switching_notes_appear_once_per_fact_ci_8_dose_12() -> None:
    result = run(immunosuppressants=["Fingolimod", "natalizumab", "ocrelizumab"])
    message = only(result, "finding.other-immunosuppressants").clinician_message
    assert message.count(KB.statement("switching.from-fingolimod-natalizumab")) == 1
    assert KB.statement("switching.from-ocrelizumab") in message


def test_an_unknown_immunosuppressant_still_gets_the_caution_without_a_note_ci_8() -> None:
    finding = only(run(immunosuppressants=["methotrexate"]), "finding.other-immunosuppressants")
    assert "methotrexate" in finding.clinician_message


def test_no_immunosuppressants_raise_no_caution_ci_8() -> None:
    assert "finding.other-immunosuppressants" not in codes(run(immunosuppressants=[]))


# --- Readiness and earliest start ------------------------------------------------------------------


def test_readiness_is_the_most_serious_finding_and_findings_come_most_serious_first() -> None:
    result = run(
        hypersensitivity_to_ofatumumab=True,
        breastfeeding=True,
        active_infection=True,
        immunosuppressants=["fingolimod"],
    )
    assert result.readiness is Readiness.DO_NOT_START
    ranks = [f.severity.rank for f in result.findings]
    assert ranks == sorted(ranks)
    assert result.earliest_start_on is None


def test_refer_outranks_wait() -> None:
    result = run(breastfeeding=True, vaccinations=vaccinated(1, live=True))
    assert result.readiness is Readiness.REFER
    assert result.earliest_start_on is None


def test_caution_and_info_leave_readiness_ready() -> None:
    result = run(
        immunosuppressants=["interferon beta-1a"],
        labs=labs(
            drop=["liver-panel"], add=[{"test": "liver-panel", "result": "abnormal", "on": LAB_DAY}]
        ),
    )
    assert {f.severity for f in result.findings} == {Severity.CAUTION, Severity.INFO}
    assert result.readiness is Readiness.READY
    assert result.earliest_start_on == START


def test_earliest_start_is_null_when_a_test_is_missing_even_with_a_dated_wait() -> None:
    result = run(labs=labs(drop=["IgM"]), vaccinations=vaccinated(27, live=True))
    assert result.readiness is Readiness.WAIT
    assert result.earliest_start_on is None
    assert result.missing == ("IgM",)


def test_a_pregnancy_test_that_ages_out_when_a_vaccine_pushes_the_start_is_asked_again_pre_6_vax_1() -> (
    None
):
    # Negative test 10 days before the planned start: fine then, but a live vaccine 20 days before
    # pushes the start by 8 days, and at the new start the test is 18 days old.
    result = run(
        sex="female",
        can_become_pregnant=True,
        labs=pregnancy_test(10),
        vaccinations=vaccinated(20, live=True),
    )
    pushed = START + timedelta(days=8)
    assert result.earliest_start_on == pushed
    finding = only(result, "finding.pregnancy-test-needed")
    assert pushed.isoformat() in finding.clinician_message
    assert result.missing == ("pregnancy",)


def test_a_pregnancy_test_still_inside_the_window_at_the_pushed_start_is_not_asked_again_pre_6() -> (
    None
):
    result = run(
        sex="female",
        can_become_pregnant=True,
        labs=pregnancy_test(6),  # 14 days before START + 8
        vaccinations=vaccinated(20, live=True),
    )
    assert result.earliest_start_on == START + timedelta(days=8)
    assert "finding.pregnancy-test-needed" not in codes(result)


# --- LOINC codes ---------------------------------------------------------------------------------


def test_tests_are_accepted_under_their_loinc_codes() -> None:
    by_loinc = [
        {"test": "5196-1", "result": "negative", "on": LAB_DAY},
        {"test": "16933-4", "result": "negative", "on": LAB_DAY},
        {"test": "2465-3", "value": 10.1, "unit": "g/L", "on": LAB_DAY},
        {"test": "2472-9", "value": 1.1, "unit": "g/L", "on": LAB_DAY},
        {"test": "liver-panel", "result": "normal", "on": LAB_DAY},
    ]
    result = run(labs=by_loinc)
    assert codes(result) == ["finding.hbv-clear", "finding.ig-normal"]
    assert result.readiness is Readiness.READY


def test_a_positive_hbsag_under_its_loinc_code_stops_the_start_pre_1() -> None:
    result = run(
        labs=labs(drop=["HBsAg"], add=[{"test": "5196-1", "result": "positive", "on": LAB_DAY}])
    )
    assert result.readiness is Readiness.DO_NOT_START


def test_a_low_igm_under_its_loinc_code_refers_pre_2() -> None:
    result = run(
        labs=labs(
            drop=["IgM"], add=[{"test": "2472-9", "value": 0.3, "unit": "g/L", "on": LAB_DAY}]
        )
    )
    assert result.readiness is Readiness.REFER


def test_the_newest_result_of_a_test_wins() -> None:
    newer = {"test": "anti-HBc", "result": "positive", "on": "2026-11-20"}
    assert run(labs=labs(add=[newer])).readiness is Readiness.REFER
    older = {"test": "anti-HBc", "result": "positive", "on": "2026-10-01"}
    assert run(labs=labs(add=[older])).readiness is Readiness.READY


# --- Every finding's words and citations ----------------------------------------------------------

PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")


def _screened(**changes: Any) -> list[Finding]:
    return list(run(**changes).findings)


def _status(**fields: Any) -> list[Finding]:
    return monitor(parse_status({"as_of": "2027-03-01", **fields}))


TRIGGERS: dict[str, Callable[[], list[Finding]]] = {
    "finding.hbv-active": lambda: _screened(
        labs=labs(drop=["HBsAg"], add=[{"test": "HBsAg", "result": "positive", "on": LAB_DAY}])
    ),
    "finding.hbv-resolved": lambda: _screened(
        labs=labs(
            drop=["anti-HBc"], add=[{"test": "anti-HBc", "result": "positive", "on": LAB_DAY}]
        )
    ),
    "finding.hbv-missing": lambda: _screened(labs=labs(drop=["HBsAg"])),
    "finding.hbv-clear": _screened,
    "finding.ig-missing": lambda: _screened(labs=labs(drop=["IgG"])),
    "finding.ig-low": lambda: _screened(labs=ig("IgG", 4.0)),
    "finding.ig-normal": _screened,
    "finding.liver-missing": lambda: _screened(labs=labs(drop=["liver-panel"])),
    "finding.liver-abnormal": lambda: _screened(
        labs=labs(add=[{"test": "AST", "result": "abnormal", "on": LAB_DAY}])
    ),
    "finding.pregnancy-test-needed": lambda: _screened(can_become_pregnant=True),
    "finding.pregnant": lambda: _screened(pregnant=True),
    "finding.breastfeeding": lambda: _screened(breastfeeding=True),
    "finding.active-infection": lambda: _screened(active_infection=True),
    "finding.severe-immunocompromise": lambda: _screened(severely_immunocompromised=True),
    "finding.active-malignancy": lambda: _screened(country="IN", active_malignancy=True),
    "finding.hypersensitivity": lambda: _screened(hypersensitivity_to_ofatumumab=True),
    "finding.under-18": lambda: _screened(birth_date="2010-01-01"),
    "finding.not-indicated": lambda: _screened(ms_type="PPMS"),
    "finding.other-immunosuppressants": lambda: _screened(immunosuppressants=["fingolimod"]),
    "finding.live-vaccine-too-recent": lambda: _screened(vaccinations=vaccinated(1, live=True)),
    "finding.non-live-vaccine-too-recent": lambda: _screened(
        vaccinations=vaccinated(1, live=False)
    ),
    "finding.live-vaccine-on-treatment": lambda: check_vaccine(
        "MMR", live=True, given_on=D(2027, 3, 1), last_dose_on=D(2027, 2, 1)
    ),
    "finding.live-vaccine-after-recovery": lambda: check_vaccine(
        "MMR", live=True, given_on=D(2028, 3, 1), last_dose_on=D(2027, 2, 1)
    ),
    "finding.non-live-vaccine-on-treatment": lambda: check_vaccine(
        "flu", live=False, given_on=D(2027, 3, 1), last_dose_on=D(2027, 2, 1)
    ),
    "finding.vaccine-in-time": lambda: check_vaccine(
        "flu", live=False, given_on=D(2026, 11, 1), start_on=START
    ),
    "finding.contraception-until": lambda: check_pregnancy_plan(D(2027, 2, 1), as_of=D(2027, 3, 1)),
    "finding.pregnant-on-treatment": lambda: check_pregnancy_plan(
        D(2027, 2, 1), pregnant=True, as_of=D(2027, 3, 1)
    ),
    "finding.infant-live-vaccines": lambda: check_pregnancy_plan(
        D(2027, 2, 1), pregnant=True, as_of=D(2027, 3, 1)
    ),
    "finding.hold-dose-infection": lambda: _status(
        active_infection=True, next_dose_on="2027-03-02"
    ),
    "finding.ig-low-on-treatment": lambda: _status(
        labs=[{"test": "IgM", "value": 0.3, "unit": "g/L", "on": "2027-02-20"}]
    ),
    "finding.liver-injury-signal": lambda: _status(
        labs=[
            {"test": "ALT", "value": 200, "unit": "U/L", "reference_high": 40, "on": "2027-02-20"},
            {
                "test": "bilirubin",
                "value": 60,
                "unit": "umol/L",
                "reference_high": 20,
                "on": "2027-02-20",
            },
        ]
    ),
    "finding.hbv-reactivation-signs": lambda: _status(signs=["jaundice"]),
    "finding.pml-signs": lambda: _status(signs=["new-weakness"]),
}


def _advice_ids() -> list[str]:
    data = yaml.safe_load(FINDINGS_YAML.read_text("utf-8"))
    return [advice["id"] for advice in data["advice"]]


def test_every_advice_in_findings_yaml_has_a_trigger_in_these_tests() -> None:
    assert sorted(set(_advice_ids()) - set(TRIGGERS)) == []


@pytest.mark.parametrize("advice_id", _advice_ids())
def test_every_finding_carries_citations_both_messages_and_no_unfilled_placeholder(
    advice_id: str,
) -> None:
    if advice_id not in TRIGGERS:
        pytest.fail(f"no trigger for {advice_id}: add one to TRIGGERS")
    (finding,) = [f for f in TRIGGERS[advice_id]() if f.code == advice_id]
    assert finding.citations
    assert all(c.source and c.title and c.section for c in finding.citations)
    assert finding.patient_message.strip()
    assert finding.clinician_message.strip()
    assert finding.rule
    for text in (finding.title, finding.patient_message, finding.clinician_message):
        assert not PLACEHOLDER.search(text), text
        assert "None" not in text, text
