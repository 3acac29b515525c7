"""Vaccines around ofatumumab (clinical-rules.md VAX-1..4): before the start and on treatment."""

from __future__ import annotations

from datetime import date

from ofacare.errors import InvalidInput
from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.loader import default_knowledge
from ofacare.safety.finding import Finding, Severity, build_finding
from ofacare.safety.screening_rules import vaccine_lead_weeks, vaccine_ready_on


def check_vaccine(
    name: str,
    *,
    live: bool,
    given_on: date,
    last_dose_on: date | None = None,
    start_on: date | None = None,
    kb: KnowledgeBase | None = None,
) -> list[Finding]:
    """Say whether a vaccine on a date fits the treatment: before the start, or on treatment.

    Before the first dose (`start_on` after the vaccine, no dose yet) the lead times apply. On
    treatment (a `last_dose_on` on or before the vaccine), live vaccines are not recommended until
    B cells have recovered after the last dose; non-live ones are allowed.
    """
    kb = kb or default_knowledge()
    if not name.strip():
        raise InvalidInput("input.vaccine-no-name", "--name: '' is empty.", "Name the vaccine.")
    if last_dose_on is None and start_on is None:
        raise InvalidInput(
            "input.vaccine-no-context",
            "--last-dose and --start: neither was given.",
            "Give --start DATE before treatment begins, or --last-dose DATE once it has.",
        )
    if (
        last_dose_on is not None
        and last_dose_on > given_on
        and (start_on is None or start_on > given_on)
    ):
        raise InvalidInput(
            "input.vaccine-dose-after-vaccine",
            f"--last-dose: '{last_dose_on}' is after the vaccine date '{given_on}'.",
            "Give the last dose taken before the vaccine.",
        )
    if start_on is not None and given_on < start_on:
        return [_before_start(name, live=live, given_on=given_on, start_on=start_on, kb=kb)]
    # On treatment: with no dose recorded yet, the start is the latest dose ofacare knows of.
    latest_dose = last_dose_on or start_on
    assert latest_dose is not None
    return [_on_treatment(name, live=live, given_on=given_on, last_dose_on=latest_dose, kb=kb)]


def _before_start(
    name: str, *, live: bool, given_on: date, start_on: date, kb: KnowledgeBase
) -> Finding:
    until = vaccine_ready_on(given_on, live=live, kb=kb)
    values = {
        "vaccine": name,
        "date": given_on,
        "until": until,
        "start": start_on,
        "weeks": vaccine_lead_weeks(live=live, kb=kb),
    }
    if start_on >= until:
        return build_finding(
            kb, "finding.vaccine-in-time", Severity.INFO, rule="vaccine:lead-time", values=values
        )
    advice_id = "finding.live-vaccine-too-recent" if live else "finding.non-live-vaccine-too-recent"
    return build_finding(
        kb, advice_id, Severity.WAIT, rule="vaccine:lead-time", values=values, until=until
    )


def _on_treatment(
    name: str, *, live: bool, given_on: date, last_dose_on: date, kb: KnowledgeBase
) -> Finding:
    recovery_weeks = kb.number("efficacy.b-cell-repletion-median", "week")
    weeks_since = (given_on - last_dose_on).days / 7
    values = {
        "vaccine": name,
        "date": given_on,
        "last_dose": last_dose_on,
        "recovery_weeks": recovery_weeks,
        "weeks_since": round(weeks_since, 1),
    }
    if not live:
        return build_finding(
            kb,
            "finding.non-live-vaccine-on-treatment",
            Severity.INFO,
            rule="vaccine:on-treatment",
            values=values,
        )
    if weeks_since < recovery_weeks:
        return build_finding(
            kb,
            "finding.live-vaccine-on-treatment",
            Severity.REFER,
            rule="vaccine:on-treatment",
            values=values,
        )
    return build_finding(
        kb,
        "finding.live-vaccine-after-recovery",
        Severity.CAUTION,
        rule="vaccine:on-treatment",
        values=values,
    )
