"""`ofacare simulate`: concentration and B cells for a person's dose dates or a virtual population.

Educational and planning software, not a dosing tool: every output says so. The pharmacology
stack (numpy, numba, scipy, matplotlib) is imported inside the commands so that the other commands
start without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ofacare.cli.arguments import parse_date
from ofacare.errors import InvalidInput
from ofacare.knowledge import KnowledgeBase, default_knowledge

if TYPE_CHECKING:
    from ofacare.pharmacology.doses import DatedDoses
    from ofacare.pharmacology.parameters import Covariates

simulate_app = typer.Typer(
    help="Simulate ofatumumab concentration and B cells (educational; not a dosing tool).",
    no_args_is_help=True,
)

Start = Annotated[str, typer.Option("--start", help="Date of dose 1 (YYYY-MM-DD).")]
Taken = Annotated[
    list[str] | None, typer.Option("--taken", help="Date a dose was given; repeat, dose 1 first.")
]
Regimen = Annotated[
    str, typer.Option("--regimen", help="Planned spacing: label (monthly) or trial (28 days).")
]
UntilWeek = Annotated[int, typer.Option("--until-week", help="Show the course up to this week.")]
StopAfter = Annotated[
    int | None, typer.Option("--stop-after-dose", help="End the course after this dose number.")
]
Weight = Annotated[float | None, typer.Option("--weight", help="Body weight in kg.")]
Age = Annotated[float | None, typer.Option("--age", help="Age in years.")]
Baseline = Annotated[
    float | None, typer.Option("--baseline-bcells", help="B cells before treatment (cells/uL).")
]
SetName = Annotated[
    str | None, typer.Option("--parameters", help="Parameter set (default: the best-validated).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
MAX_WEEKS = 520  # ten years: beyond that the model has no data at all


def _until_day(week: int) -> int:
    if not 1 <= week <= MAX_WEEKS:
        raise InvalidInput(
            "input.until-week",
            f"until-week: {week} is outside what ofacare simulates.",
            f"Give a week from 1 to {MAX_WEEKS}.",
        )
    return week * 7


def _doses(
    start: str | None, taken: list[str] | None, regimen: str, until_day: int, stop: int | None
) -> DatedDoses:
    """Doses from the options; without a start date, the fixed anchor day (only spacing matters)."""
    from ofacare.pharmacology.doses import ANCHOR, dose_history, parse_regimen  # noqa: PLC0415

    taken_on = [parse_date("taken", text) for text in taken or []]
    return dose_history(
        parse_date("start", start) if start is not None else ANCHOR,
        taken_on,
        until_day=until_day,
        interval=parse_regimen(regimen),
        stop_after_dose=stop,
    )


def _set_name(kb: KnowledgeBase, name: str | None) -> str:
    return kb.model.parameter_set(name).name if name else kb.model.default_set


@simulate_app.command("individual")
def individual_command(
    start: Start,
    taken: Taken = None,
    regimen: Regimen = "label",
    until_week: UntilWeek = 52,
    stop_after_dose: StopAfter = None,
    weight: Weight = None,
    age: Age = None,
    baseline_bcells: Baseline = None,
    parameters: SetName = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a chart (.png or .svg).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Concentration and B cells for a typical patient on these dose dates."""
    from ofacare.pharmacology.document import individual_document  # noqa: PLC0415
    from ofacare.pharmacology.individual import simulate_individual  # noqa: PLC0415
    from ofacare.pharmacology.metrics import LLN_FACT  # noqa: PLC0415
    from ofacare.pharmacology.parameters import Covariates, model_spec  # noqa: PLC0415

    kb = default_knowledge()
    until_day = _until_day(until_week)
    covariates = Covariates(weight_kg=weight, age_years=age, baseline_bcells=baseline_bcells)
    doses = _doses(start, taken, regimen, until_day, stop_after_dose)
    spec = model_spec(kb, _set_name(kb, parameters))
    result = simulate_individual(
        kb,
        spec,
        doses,
        until_day=until_day,
        covariates=covariates,
        stopped=stop_after_dose is not None,
    )
    from ofacare.cli.simulate_charts import individual_chart  # noqa: PLC0415

    document = individual_document(kb, result)
    _emit(
        document,
        as_json=as_json,
        plot=plot,
        draw=lambda path: individual_chart(kb, result, path),
        render=lambda console: _render_individual(
            document, covariates, console, kb.number(LLN_FACT, "cells/uL")
        ),
    )


def _emit(
    document: dict[str, Any],
    *,
    as_json: bool,
    plot: Path | None,
    draw: Callable[[Path], Path],
    render: Callable[[Console], None],
) -> None:
    """Draw the chart if asked, then print JSON or the tables (and where the chart went)."""
    if plot is not None:
        draw(plot)
    if as_json:
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return
    console = Console()
    render(console)
    if plot is not None:
        console.print(f"Chart written to {plot}")


def _render_individual(
    document: dict[str, Any], covariates: Covariates, console: Console, lln: float
) -> None:
    console.print(f"[bold]Simulated course from {document['start']}[/bold] ({_who(covariates)})")
    weekly = Table(title="Week by week", title_justify="left")
    for column in ("Week", "Date", "Total mg/L", "Free mg/L", "B cells/uL"):
        weekly.add_column(column, justify="right")
    start = date.fromisoformat(document["start"])
    for day in document["days"][::7]:
        weekly.add_row(
            f"{day // 7}",
            date.fromordinal(start.toordinal() + day).isoformat(),
            f"{document['conc_total_mg_per_l'][day]:.3g}",
            f"{document['conc_free_mg_per_l'][day]:.3g}",
            f"{document['b_cells'][day]:.3g}",
        )
    console.print(weekly)
    intervals = Table(title="Each dosing interval", title_justify="left")
    for column in ("Dose", "Days", "AUC mg*day/L", "Cmax mg/L", "Trough mg/L"):
        intervals.add_column(column, justify="right")
    for number, interval in enumerate(document["intervals"], start=1):
        intervals.add_row(
            str(number),
            f"{interval['start_day']}-{interval['end_day']}",
            f"{interval['auc_mg_day_per_l']:.3g}",
            f"{interval['cmax_mg_per_l']:.3g}",
            f"{interval['ctrough_mg_per_l']:.3g}",
        )
    console.print(intervals)
    for threshold, day in document["days_below"].items():
        when = f"day {day}" if day is not None else "not within the simulation"
        console.print(f"B cells first below {threshold} cells/uL: {when}")
    if document["repletion_weeks"] is not None:
        console.print(
            f"After the last dose, B cells are back at {lln:g} cells/uL after "
            f"{document['repletion_weeks']:.1f} weeks."
        )
    _footer(document, console)


def _who(covariates: Covariates) -> str:
    parts = [
        f"{covariates.weight_kg:g} kg" if covariates.weight_kg else "typical weight",
        f"age {covariates.age_years:g}" if covariates.age_years else "typical age",
    ]
    if covariates.baseline_bcells:
        parts.append(f"baseline {covariates.baseline_bcells:g} B cells/uL")
    return "typical patient, " + ", ".join(parts)


def _footer(document: dict[str, Any], console: Console) -> None:
    console.print(f"\n[bold]{document['disclaimer']}[/bold]")
    console.print(document["care_team"])
    console.print(f"Parameters: {document['parameter_set']['title']}.")
    console.print("Sources: " + "; ".join(document["sources"]), style="dim")


@simulate_app.command("population")
def population_command(
    n: Annotated[int, typer.Option("--n", help="Number of virtual patients.")] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed (same seed, same people).")
    ] = 1,
    until_week: UntilWeek = 104,
    stop_after_dose: StopAfter = None,
    regimen: Regimen = "trial",
    parameters: SetName = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a chart (.png or .svg).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """B-cell and concentration percentiles for a virtual trial population, day by day."""
    from rich.progress import Progress  # noqa: PLC0415

    from ofacare.pharmacology.cohort import simulate_population  # noqa: PLC0415
    from ofacare.pharmacology.document import population_document  # noqa: PLC0415
    from ofacare.pharmacology.metrics import LLN_FACT, LOW_FACT  # noqa: PLC0415
    from ofacare.pharmacology.parameters import model_spec  # noqa: PLC0415

    kb = default_knowledge()
    until_day = _until_day(until_week)
    doses = _doses(None, None, regimen, until_day, stop_after_dose)
    spec = model_spec(kb, _set_name(kb, parameters))
    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task("Simulating virtual patients", total=n)
        result = simulate_population(
            kb,
            spec,
            doses,
            n=n,
            seed=seed,
            until_day=until_day,
            stopped=stop_after_dose is not None,
            on_progress=lambda done, _total: progress.update(task, completed=done),
        )
    from ofacare.cli.simulate_charts import population_chart  # noqa: PLC0415

    document = population_document(kb, result)
    lines = (kb.number(LOW_FACT, "cells/uL"), kb.number(LLN_FACT, "cells/uL"))
    _emit(
        document,
        as_json=as_json,
        plot=plot,
        draw=lambda path: population_chart(kb, result, path),
        render=lambda console: _render_population(document, console, *lines),
    )


def _render_population(document: dict[str, Any], console: Console, low: float, lln: float) -> None:
    console.print(f"[bold]{document['n']} virtual patients[/bold] (seed {document['seed']})")
    table = Table(title="Every four weeks", title_justify="left")
    for column in (
        "Week",
        "B p5",
        "B p50",
        "B p95",
        f"% < {low:g}",
        f"% < {lln:g}",
        "Conc p50 mg/L",
    ):
        table.add_column(column, justify="right")
    for day in document["days"][::28]:
        table.add_row(
            str(day // 7),
            f"{document['b_cells']['p5'][day]:.3g}",
            f"{document['b_cells']['p50'][day]:.3g}",
            f"{document['b_cells']['p95'][day]:.3g}",
            f"{document['pct_below_10'][day]:.1f}",
            f"{document['pct_below_40'][day]:.1f}",
            f"{document['conc_total_mg_per_l']['p50'][day]:.3g}",
        )
    console.print(table)
    repletion = document["repletion_weeks"]
    if repletion is not None:
        median = repletion["median"]
        console.print(
            f"Weeks from the last dose to {lln:g} cells/uL: median "
            + (f"{median:.1f}" if median is not None else "not reached")
            + (
                f" (IQR {repletion['p25']:.1f}-{repletion['p75']:.1f})"
                if repletion["p25"] is not None and repletion["p75"] is not None
                else ""
            )
            + f"; {repletion['recovered_percent']:.0f}% back within "
            f"{repletion['follow_up_weeks']:.0f} weeks."
        )
    _footer(document, console)


@simulate_app.command("validate")
def validate_command(
    n: Annotated[int, typer.Option("--n", help="Virtual patients per study.")] = 2000,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, help="Random seed (default: the fixed validation seed)."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Predicted against published values, for every parameter set, with tolerances."""
    from ofacare.pharmacology.document import validation_document  # noqa: PLC0415
    from ofacare.pharmacology.validation import DEFAULT_SEED, evaluate, score  # noqa: PLC0415

    kb = default_knowledge()
    chosen_seed = DEFAULT_SEED if seed is None else seed
    results = {name: evaluate(kb, name, n=n, seed=chosen_seed) for name in kb.model.parameter_sets}
    document = validation_document(kb, results, kb.model.default_set)
    if as_json:
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return
    console = Console()
    notes = [check.note for check in kb.model.checks]
    for name, checks in results.items():
        passed, error = score(checks)
        default = " (default)" if name == document["default_set"] else ""
        table = Table(
            title=f"{kb.model.parameter_set(name).title}{default}: {passed}/{len(checks)} "
            f"within tolerance, mean miss {error:.2f} tolerances",
            title_justify="left",
        )
        for column in ("Check", "Published", "Predicted", "Accepted", "Result", "Note"):
            table.add_column(column, overflow="fold")
        for entry in document["sets"][name]:
            published = entry["published"]
            shown = (
                f"{published[0]:g}-{published[1]:g}"
                if isinstance(published, list)
                else f"{published:.4g}"
            )
            table.add_row(
                entry["metric"],
                f"{shown} {entry['unit']}",
                f"{entry['predicted']:.4g}",
                f"{entry['accepted'][0]:.4g}-{entry['accepted'][1]:.4g}",
                "[green]pass[/green]" if entry["passed"] else "[red]miss[/red]",
                f"[{notes.index(entry['note']) + 1}]",
            )
        console.print(table)
    console.print("Notes:")
    for number, note in enumerate(notes, start=1):
        console.print(f"  [{number}] {note}", highlight=False, markup=False)
    _footer(document, console)


@simulate_app.command("export-sbml")
def export_sbml_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the SBML file.")],
    start: Annotated[
        str | None,
        typer.Option("--start", help="Date of dose 1 (default: a fixed Monday; spacing matters)."),
    ] = None,
    taken: Taken = None,
    regimen: Regimen = "trial",
    until_week: UntilWeek = 104,
    stop_after_dose: StopAfter = None,
    weight: Weight = None,
    age: Age = None,
    baseline_bcells: Baseline = None,
    parameters: SetName = None,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Simulate it in libroadrunner and compare.")
    ] = True,
) -> None:
    """Write the model with its dose events as SBML (Level 3), checked in libroadrunner."""
    import numpy as np  # noqa: PLC0415

    from ofacare.interop.sbml import build_sbml, compare_with_solver  # noqa: PLC0415
    from ofacare.pharmacology.parameters import Covariates, model_spec, typical_row  # noqa: PLC0415

    kb = default_knowledge()
    until_day = _until_day(until_week)
    covariates = Covariates(weight_kg=weight, age_years=age, baseline_bcells=baseline_bcells)
    doses = _doses(start, taken, regimen, until_day, stop_after_dose)
    row = typical_row(model_spec(kb, _set_name(kb, parameters)), covariates)
    if not output.parent.is_dir():
        raise InvalidInput(
            "input.output-folder",
            f"output: the folder {output.parent} does not exist.",
            "Create it first or choose another path.",
        )
    output.write_text(build_sbml(row, doses.history), encoding="utf-8")
    print(f"SBML written to {output} ({doses.history.days.size} dose events).")
    if check:
        worst = compare_with_solver(row, doses.history, np.arange(0.0, until_day + 1.0))
        print(f"libroadrunner vs ofacare's solver: worst relative difference {worst:.1e}.")
    print(kb.statement("pharmacology.simulation-disclaimer"))
