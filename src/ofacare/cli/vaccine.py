"""`ofacare vaccine` and `ofacare pregnancy`: planning vaccines and pregnancy around treatment."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from ofacare.cli.arguments import local_timezone_name, parse_date, today_in
from ofacare.cli.findings import print_findings
from ofacare.errors import InvalidInput
from ofacare.safety.pregnancy import check_pregnancy_plan
from ofacare.safety.vaccines import check_vaccine


def vaccine_command(
    name: Annotated[str, typer.Option("--name", help="The vaccine, e.g. MMR or flu.")],
    on: Annotated[str, typer.Option("--on", help="Date of the vaccine, YYYY-MM-DD.")],
    live: Annotated[
        bool | None,
        typer.Option("--live/--non-live", help="Whether it is a live vaccine (ask if unsure)."),
    ] = None,
    last_dose: Annotated[
        str | None, typer.Option("--last-dose", help="Your latest dose, YYYY-MM-DD.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Planned first dose, YYYY-MM-DD.")
    ] = None,
    audience: Annotated[str, typer.Option("--audience", help="patient or clinician.")] = "patient",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check a vaccine date: lead times before the start, live vaccines on treatment."""
    if live is None:
        raise InvalidInput(
            "input.vaccine-live-unknown",
            "--live/--non-live: neither was given.",
            "Say --live or --non-live; your nurse or pharmacist can tell you which it is.",
        )
    findings = check_vaccine(
        name,
        live=live,
        given_on=parse_date("--on", on),
        last_dose_on=parse_date("--last-dose", last_dose) if last_dose else None,
        start_on=parse_date("--start", start) if start else None,
    )
    print_findings(findings, as_json=as_json, audience=audience)


def pregnancy_command(
    last_dose: Annotated[str, typer.Option("--last-dose", help="Your latest dose, YYYY-MM-DD.")],
    pregnant: Annotated[
        bool, typer.Option("--pregnant", help="You are or may be pregnant.")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge on this date (default: today).")
    ] = None,
    audience: Annotated[str, typer.Option("--audience", help="patient or clinician.")] = "patient",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Until when contraception is needed, and what to do about a pregnancy."""
    judged_on = parse_date("--as-of", as_of) if as_of else today_in(ZoneInfo(local_timezone_name()))
    last_dose_on = parse_date("--last-dose", last_dose)
    if last_dose_on > judged_on:
        raise InvalidInput(
            "input.date-in-future",
            f"--last-dose: {last_dose_on.isoformat()} is after {judged_on.isoformat()}, the day "
            "the plan is judged on.",
            "Give the latest dose already taken, or a later --as-of.",
        )
    findings = check_pregnancy_plan(last_dose_on, pregnant=pregnant, as_of=judged_on)
    print_findings(findings, as_json=as_json, audience=audience)
