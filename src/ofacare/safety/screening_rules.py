"""The pre-treatment screening rules (clinical-rules.md PRE, CI, VAX-1/2), one function each.

Every number is read from the knowledge base by id; every text comes from findings.yaml.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from ofacare.knowledge.base import KnowledgeBase
from ofacare.safety.finding import Action, Finding, Severity, build_finding
from ofacare.safety.lab_tests import is_positive, to_grams_per_litre
from ofacare.safety.profile import LabResult, ScreeningProfile
from ofacare.safety.rule import Rule, follows_eu_label, label_for

INDICATED = frozenset({"CIS", "RRMS", "active-SPMS"})
IG_LIMIT_FACTS = {
    "IgG": "screening.igg-lower-limit-trials",
    "IgM": "screening.igm-lower-limit-trials",
}


def check_hepatitis_b(profile: ScreeningProfile, kb: KnowledgeBase) -> list[Finding]:
    """PRE-1, CI-1: HBsAg positive stops; anti-HBc positive refers; a missing test waits."""
    hbsag, anti_hbc = profile.latest("HBsAg"), profile.latest("anti-HBc")
    if hbsag is not None and _positive(hbsag):
        return [
            build_finding(
                kb,
                "finding.hbv-active",
                Severity.DO_NOT_START,
                rule="screening:hbv",
                values={"date": hbsag.on},
                actions=[Action("refer", "hepatology", "Refer to hepatology")],
            )
        ]
    # A pending or unclear result is no result: never read it as negative.
    pairs = (("HBsAg", hbsag), ("anti-HBc", anti_hbc))
    missing = [name for name, lab in pairs if lab is None or not _readable(lab)]
    if missing:
        return [missing_tests(kb, "finding.hbv-missing", missing, rule="screening:hbv")]
    assert hbsag is not None and anti_hbc is not None
    if _positive(anti_hbc):
        return [
            build_finding(
                kb,
                "finding.hbv-resolved",
                Severity.REFER,
                rule="screening:hbv",
                values={"date": anti_hbc.on},
                actions=[Action("refer", "hepatology", "Refer to hepatology")],
            )
        ]
    newest = max(hbsag.on, anti_hbc.on)
    return [
        build_finding(
            kb, "finding.hbv-clear", Severity.INFO, rule="screening:hbv", values={"date": newest}
        )
    ]


def check_immunoglobulins(profile: ScreeningProfile, kb: KnowledgeBase) -> list[Finding]:
    """PRE-2: immunoglobulins measured before the first dose; below the lower limit refers."""
    results = {name: profile.latest(name) for name in ("IgG", "IgM")}
    missing = [name for name, lab in results.items() if lab is None or not _readable(lab)]
    if missing:
        return [missing_tests(kb, "finding.ig-missing", missing, rule="screening:ig")]
    findings = [
        low
        for name, lab in results.items()
        if lab is not None and (low := low_immunoglobulin(name, lab, kb, "finding.ig-low"))
    ]
    if findings:
        return findings
    newest = max(lab.on for lab in results.values() if lab is not None)
    return [
        build_finding(
            kb, "finding.ig-normal", Severity.INFO, rule="screening:ig", values={"date": newest}
        )
    ]


def missing_tests(kb: KnowledgeBase, advice_id: str, tests: list[str], *, rule: str) -> Finding:
    """A wait finding that lists the tests to order, with an order action for each."""
    actions = [Action("order-test", name, f"Order {name}") for name in tests]
    values = {"tests": " and ".join(tests)}
    return build_finding(kb, advice_id, Severity.WAIT, rule=rule, values=values, actions=actions)


def low_immunoglobulin(
    name: str, lab: LabResult, kb: KnowledgeBase, advice_id: str
) -> Finding | None:
    """A refer finding when the level is below the laboratory's (or the trials') lower limit."""
    if lab.value is None:
        if lab.result is not None and is_positive(lab.result) is True:  # "abnormal"
            return build_finding(
                kb,
                advice_id,
                Severity.REFER,
                rule="screening:ig",
                values={
                    "tests": name,
                    "value": lab.result,
                    "date": lab.on,
                    "limit": "normal",
                    "limit_source": "laboratory",
                },
            )
        return None
    field = f"labs ({name}).unit"
    unit = lab.unit or "g/L"
    value = to_grams_per_litre(lab.value, unit, field=field)
    if lab.reference_low is not None:
        limit, source = to_grams_per_litre(lab.reference_low, unit, field=field), "laboratory"
    else:
        limit, source = kb.number(IG_LIMIT_FACTS[name], "g/L"), "limit used in the trials"
    if value >= limit:
        return None
    return build_finding(
        kb,
        advice_id,
        Severity.REFER,
        rule="screening:ig",
        values={
            "tests": name,
            "value": value,
            "date": lab.on,
            "limit": limit,
            "limit_source": source,
        },
        actions=[Action("refer", "immunology", "Consult an immunologist")],
    )


def check_liver_tests(profile: ScreeningProfile, kb: KnowledgeBase) -> list[Finding]:
    """PRE-3: the US label (08/2025) asks for baseline liver tests; abnormal ones are reviewed."""
    panel = [
        lab
        for name in ("liver-panel", "ALT", "AST", "ALP", "bilirubin")
        if (lab := profile.latest(name)) is not None
    ]
    abnormal = [lab for lab in panel if lab.result is not None and is_positive(lab.result)]
    if abnormal:
        return [
            build_finding(
                kb,
                "finding.liver-abnormal",
                Severity.CAUTION,
                rule="screening:liver",
                values={"date": max(lab.on for lab in abnormal)},
                label="US",
            )
        ]
    if panel or label_for(profile.country) != "US":
        return []
    return [
        build_finding(
            kb,
            "finding.liver-missing",
            Severity.WAIT,
            rule="screening:liver",
            label="US",
            actions=[
                Action(
                    "order-test", "liver-panel", "Order ALT, AST, alkaline phosphatase, bilirubin"
                )
            ],
        )
    ]


def check_pregnancy(profile: ScreeningProfile, kb: KnowledgeBase) -> list[Finding]:
    """PRE-6 (practice), CI-6, REPRO-3: pregnancy test near the start; pregnant or breastfeeding."""
    if profile.pregnant:
        return [build_finding(kb, "finding.pregnant", Severity.REFER, rule="screening:pregnancy")]
    findings = []
    if profile.breastfeeding:
        findings.append(
            build_finding(kb, "finding.breastfeeding", Severity.REFER, rule="screening:pregnancy")
        )
    if profile.can_become_pregnant:
        window = kb.whole_number("screening.pregnancy-test-window", "day")
        earliest = profile.planned_start_on - timedelta(days=window)
        test = profile.latest("pregnancy", on_or_before=profile.planned_start_on)
        recent_negative = test is not None and test.on >= earliest and _negative(test)
        if test is not None and test.on >= earliest and _positive(test):
            return [
                build_finding(kb, "finding.pregnant", Severity.REFER, rule="screening:pregnancy")
            ]
        if not recent_negative:
            findings.append(
                build_finding(
                    kb,
                    "finding.pregnancy-test-needed",
                    Severity.WAIT,
                    rule="screening:pregnancy",
                    values={"days": window, "date": profile.planned_start_on},
                    actions=[Action("order-test", "pregnancy", "Pregnancy test near the start")],
                )
            )
    return findings


def check_conditions(profile: ScreeningProfile, kb: KnowledgeBase) -> list[Finding]:
    """CI-2..5: hypersensitivity, active infection, severe immunocompromise, active cancer."""
    findings = []
    label = label_for(profile.country)
    if profile.hypersensitivity_to_ofatumumab:
        findings.append(
            build_finding(
                kb, "finding.hypersensitivity", Severity.DO_NOT_START, rule="screening:conditions"
            )
        )
    if profile.active_infection:
        findings.append(
            build_finding(
                kb,
                "finding.active-infection",
                Severity.WAIT,
                rule="screening:conditions",
                values={"label": label or "US and EU"},
                label=label,
            )
        )
    eu = follows_eu_label(profile.country)
    severity = Severity.DO_NOT_START if eu else Severity.REFER
    verdict = "do not start (EU/UK contraindication)" if eu else "refer to the neurologist"
    shown = label or "no EU/UK"
    for flag, advice_id in (
        (profile.severely_immunocompromised, "finding.severe-immunocompromise"),
        (profile.active_malignancy, "finding.active-malignancy"),
    ):
        if flag:
            findings.append(
                build_finding(
                    kb,
                    advice_id,
                    severity,
                    rule="screening:conditions",
                    values={"verdict": verdict, "label": shown},
                    label=label,
                )
            )
    return findings


def check_age_and_indication(profile: ScreeningProfile, kb: KnowledgeBase) -> list[Finding]:
    """CI-7 and the indication: adults only; relapsing forms of MS only."""
    findings = []
    age = relativedelta(profile.planned_start_on, profile.birth_date).years
    if age < kb.whole_number("safety.adults-only", "year"):
        findings.append(
            build_finding(
                kb,
                "finding.under-18",
                Severity.DO_NOT_START,
                rule="screening:age",
                values={"age": age},
            )
        )
    if profile.ms_type not in INDICATED:
        findings.append(
            build_finding(
                kb,
                "finding.not-indicated",
                Severity.DO_NOT_START,
                rule="screening:indication",
                values={"ms_type": profile.ms_type},
            )
        )
    return findings


def check_recent_vaccines(profile: ScreeningProfile, kb: KnowledgeBase) -> list[Finding]:
    """VAX-1/2: live vaccines 4 weeks and non-live 2 weeks before the first dose."""
    findings = []
    for vaccine in profile.vaccinations:
        until = vaccine_ready_on(vaccine.on, live=vaccine.live, kb=kb)
        weeks = vaccine_lead_weeks(live=vaccine.live, kb=kb)
        if vaccine.on <= profile.planned_start_on < until:
            advice_id = (
                "finding.live-vaccine-too-recent"
                if vaccine.live
                else "finding.non-live-vaccine-too-recent"
            )
            findings.append(
                build_finding(
                    kb,
                    advice_id,
                    Severity.WAIT,
                    rule="screening:vaccines",
                    values={
                        "vaccine": vaccine.name,
                        "date": vaccine.on,
                        "until": until,
                        "weeks": weeks,
                    },
                    until=until,
                )
            )
    return findings


def check_immunosuppressants(profile: ScreeningProfile, kb: KnowledgeBase) -> list[Finding]:
    """CI-8: other immunosuppressants add up; switching notes where the knowledge base has them."""
    if not profile.immunosuppressants:
        return []
    notes = switching_notes(profile.immunosuppressants, kb)
    return [
        build_finding(
            kb,
            "finding.other-immunosuppressants",
            Severity.CAUTION,
            rule="screening:immunosuppressants",
            values={
                "medicines": ", ".join(profile.immunosuppressants),
                "switching": " ".join(notes),
            },
        )
    ]


SWITCHING_FACTS = {
    "fingolimod": "switching.from-fingolimod-natalizumab",
    "natalizumab": "switching.from-fingolimod-natalizumab",
    "ocrelizumab": "switching.from-ocrelizumab",
    "mitoxantrone": "switching.from-mitoxantrone",
    "alemtuzumab": "switching.after-induction-therapy",
    "cladribine": "switching.after-induction-therapy",
    "teriflunomide": "switching.teriflunomide-elimination",
    "dimethyl fumarate": "switching.from-first-line",
    "interferon": "switching.from-interferon-glatiramer",
    "glatiramer": "switching.from-interferon-glatiramer",
}


def switching_notes(medicines: tuple[str, ...], kb: KnowledgeBase) -> list[str]:
    """The knowledge base's switching statement for each medicine it knows, once each."""
    ids = []
    for medicine in medicines:
        for name, fact_id in SWITCHING_FACTS.items():
            if name in medicine.lower() and fact_id not in ids:
                ids.append(fact_id)
    return [kb.statement(fact_id) for fact_id in ids]


def vaccine_ready_on(given_on: date, *, live: bool, kb: KnowledgeBase) -> date:
    """The earliest first-dose date after a vaccine (live: 4 weeks; non-live: 2 weeks)."""
    return given_on + timedelta(weeks=vaccine_lead_weeks(live=live, kb=kb))


def vaccine_lead_weeks(*, live: bool, kb: KnowledgeBase) -> int:
    """The weeks a vaccine must come before the first dose, from the knowledge base."""
    fact = "vaccine.live-before-start" if live else "vaccine.non-live-before-start"
    return kb.whole_number(fact, "week")


def _readable(lab: LabResult) -> bool:
    """A result with a value, or a word that is clearly positive or negative (not "pending")."""
    return lab.value is not None or (lab.result is not None and is_positive(lab.result) is not None)


def _positive(lab: LabResult) -> bool:
    return lab.result is not None and is_positive(lab.result) is True


def _negative(lab: LabResult) -> bool:
    return lab.result is not None and is_positive(lab.result) is False


SCREENING_RULES: tuple[Rule[ScreeningProfile], ...] = (
    Rule("screening:age", ("CI-7", "DOSE-11"), check_age_and_indication),
    Rule("screening:hbv", ("PRE-1", "CI-1"), check_hepatitis_b),
    Rule("screening:ig", ("PRE-2",), check_immunoglobulins),
    Rule("screening:liver", ("PRE-3", "WARN-6"), check_liver_tests),
    Rule("screening:pregnancy", ("PRE-6", "CI-6", "REPRO-3"), check_pregnancy),
    Rule("screening:conditions", ("CI-2", "CI-3", "CI-4", "CI-5", "PRE-7"), check_conditions),
    Rule("screening:vaccines", ("VAX-1", "VAX-2", "PRE-5"), check_recent_vaccines),
    Rule("screening:immunosuppressants", ("CI-8",), check_immunosuppressants),
)
