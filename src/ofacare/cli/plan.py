"""`ofacare plan`: when each pen is due, and what to do about a late one."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ofacare.cli.plan_options import AsOf, Count, Interval, Start, Taken, plan_from_options
from ofacare.regimen import DoseStatus, Plan, ScheduledDose
from ofacare.regimen.document import CARE_TEAM_NOTE, build_plan_document, guidance_for
from ofacare.regimen.flag import FlagLevel

STATUS_STYLE = {
    DoseStatus.TAKEN: "green",
    DoseStatus.OVERDUE: "bold red",
    DoseStatus.DUE: "bold yellow",
    DoseStatus.PLANNED: "",
}
LEVEL_STYLE = {FlagLevel.INFO: "cyan", FlagLevel.CAUTION: "yellow", FlagLevel.REFER: "bold red"}


def plan_command(
    start: Start,
    taken: Taken = None,
    as_of: AsOf = None,
    count: Count = "12",
    interval: Interval = "monthly",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show when each 20 mg pen is due, from the start date and the dates already taken."""
    plan = plan_from_options(start, taken, as_of, count, interval)
    if as_json:
        print(json.dumps(build_plan_document(plan), indent=2, ensure_ascii=False))
        return
    render_plan(plan, Console())


def render_plan(plan: Plan, console: Console) -> None:
    """Print the plan as a table, then guidance, flags, the care-team line and sources."""
    document = build_plan_document(plan)
    table = Table(
        title=f"Kesimpta {plan.dose_mg:g} mg plan from {plan.start_on:%a %d %b %Y} "
        f"({plan.interval.value}), as of {plan.as_of:%a %d %b %Y}",
        title_justify="left",
    )
    table.add_column("#", justify="right")
    for column in ("Phase", "Due", "Status", "When", "Taken"):
        table.add_column(column)
    for dose in plan.doses:
        table.add_row(
            str(dose.number),
            dose.phase.value,
            f"{dose.due_on:%a %Y-%m-%d}",
            Text(dose.status.value, style=STATUS_STYLE[dose.status]),
            _when(dose, plan),
            f"{dose.taken_on:%a %Y-%m-%d}" if dose.taken_on else "",
        )
    console.print(table)
    guidance = guidance_for(plan)
    if guidance:
        console.print(Text(f"What to do now: {guidance}", style="bold"))
        following = (
            plan.doses[plan.next_dose.number] if len(plan.doses) > plan.next_dose.number else None
        )
        if following is not None:
            console.print(
                f"If you inject it today ({plan.as_of:%a %d %b}), dose {following.number} "
                f"moves to {following.due_on:%a %d %b %Y}, as listed above."
            )
    for flag in plan.flags:
        if not (guidance and flag.message == guidance):
            console.print(
                Text(f"[{flag.level.value}] {flag.message}", style=LEVEL_STYLE[flag.level])
            )
    for note in document["notes"]:
        console.print(note)
    console.print(CARE_TEAM_NOTE)
    sources = "; ".join(document["sources"])
    version = document["knowledge_version"]
    console.print(Text(f"Sources: {sources}. Knowledge base {version}.", style="dim"))


def _when(dose: ScheduledDose, plan: Plan) -> str:
    if dose.taken_on is not None:
        late = (dose.taken_on - dose.due_on).days
        return "on the day" if late == 0 else f"{abs(late)} d {'late' if late > 0 else 'early'}"
    days = dose.days_from(plan.as_of)
    if days == 0:
        return "today"
    if days < 0:
        return f"{-days} d overdue"
    return f"in {days} d"
