"""`ofacare monitor STATUS.json`: checks during treatment (antibodies, infection, liver, signs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ofacare.cli.arguments import read_json
from ofacare.cli.findings import print_findings
from ofacare.safety.monitoring import monitor
from ofacare.safety.profile import parse_status


def monitor_command(
    status_file: Annotated[Path, typer.Argument(help="The treatment status (JSON).")],
    audience: Annotated[
        str, typer.Option("--audience", help="patient or clinician.")
    ] = "clinician",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check someone on treatment: low antibodies, a dose due in an infection, liver, PML signs."""
    findings = monitor(parse_status(read_json(status_file, field="STATUS")))
    print_findings(findings, as_json=as_json, audience=audience)
