"""`ofacare calendar`: write the upcoming doses to an iCalendar (.ics) file with reminders."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ofacare.cli.arguments import local_timezone_name, parse_time, parse_timezone
from ofacare.cli.plan_options import AsOf, Count, Interval, Start, Taken, plan_from_options
from ofacare.errors import InvalidInput
from ofacare.interop.calendar import EventRevision, build_calendar, load_revisions


def calendar_command(
    start: Start,
    output: Annotated[str, typer.Option("--output", "-o", help="File to write, or - for stdout.")],
    taken: Taken = None,
    as_of: AsOf = None,
    count: Count = "12",
    interval: Interval = "monthly",
    at: Annotated[str, typer.Option("--time", help="Local time of each dose (HH:MM).")] = "09:00",
    tz: Annotated[
        str | None, typer.Option("--tz", help="IANA timezone (default: this machine's).")
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="An earlier export to update (default: the output file if it exists).",
        ),
    ] = None,
) -> None:
    """Write upcoming doses as calendar events with reminders the evening before and at the time."""
    zone = parse_timezone("tz", tz if tz is not None else local_timezone_name())
    dose_time = parse_time("time", at)
    revisions = _earlier_export(previous, output)
    plan = plan_from_options(start, taken, as_of, count, interval)
    calendar = build_calendar(
        plan, at=dose_time, tz=zone, stamp=datetime.now(UTC), previous=revisions
    )
    data = calendar.to_ical()
    if output == "-":
        sys.stdout.buffer.write(data)
        return
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise InvalidInput(
            "calendar.cannot-write",
            f"output: cannot write '{output}' ({exc.strerror}).",
            "Choose a folder you can write to.",
        ) from exc
    events = sum(1 for _ in calendar.walk("VEVENT"))
    print(f"Wrote {events} dose events to {output} (timezone {zone.key}, at {dose_time:%H:%M}).")


def _earlier_export(previous: Path | None, output: str) -> dict[str, EventRevision]:
    path = previous if previous is not None else (Path(output) if output != "-" else None)
    if path is None or not path.is_file():
        if previous is not None:
            raise InvalidInput(
                "calendar.no-previous",
                f"previous: '{previous}' does not exist.",
                "Give the path of an earlier export, or leave the option out.",
            )
        return {}
    return load_revisions(path.read_bytes(), field="previous" if previous else "output")
