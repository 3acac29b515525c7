"""`ofacare sweep [--as-of DATE]`: the daily reminders and care-team alerts."""

from __future__ import annotations

from typing import Annotated

import typer

from ofacare.cli.arguments import parse_date


def sweep_command(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Sweep as if it were this day (YYYY-MM-DD); default today."),
    ] = None,
) -> None:
    """Send the day's dose reminders and raise care-team alerts, once per event.

    Runs over every patient in OFACARE_DATABASE_URL. A second run on the same day sends nothing new.
    """
    from ofacare.services.runtime import build_runtime  # noqa: PLC0415
    from ofacare.services.setup import prepare_database  # noqa: PLC0415
    from ofacare.services.sweep import run_sweep  # noqa: PLC0415

    runtime = build_runtime()
    prepare_database(runtime)
    day = parse_date("--as-of", as_of) if as_of else runtime.now().date()
    summary = run_sweep(runtime, as_of=day)
    print(f"Sweep {summary}.")
