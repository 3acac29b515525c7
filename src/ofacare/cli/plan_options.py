"""The options `ofacare plan` and `ofacare calendar` share, and the plan they describe."""

from __future__ import annotations

from typing import Annotated

import typer

from ofacare.cli.arguments import (
    local_timezone_name,
    parse_count,
    parse_date,
    parse_timezone,
    today_in,
)
from ofacare.regimen import IntervalMode, Plan, compute_plan

Start = Annotated[
    str, typer.Option("--start", help="Date of dose 1 (YYYY-MM-DD).", show_default=False)
]
Taken = Annotated[
    list[str] | None,
    typer.Option("--taken", help="Date a dose was given; repeat in order (dose 1 first)."),
]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Plan as of this date (default: today).")]
Count = Annotated[str, typer.Option("--count", help="How many doses to list.")]
Interval = Annotated[
    str, typer.Option("--interval", help="Maintenance spacing: monthly (label) or 4-weekly.")
]


def plan_from_options(
    start: str,
    taken: list[str] | None,
    as_of: str | None,
    count: str,
    interval: str,
) -> Plan:
    """Parse the shared options and compute the plan."""
    taken_on = [parse_date("taken", text) for text in taken or []]
    start_on = parse_date("start", start)
    mode = IntervalMode.parse(interval)
    as_of_on = (
        parse_date("as-of", as_of)
        if as_of is not None
        else today_in(parse_timezone("timezone", local_timezone_name()))
    )
    return compute_plan(
        start_on, taken_on, as_of_on, count=parse_count("count", count), interval=mode
    )
