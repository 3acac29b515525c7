"""The `ofacare` command: one Typer app; errors become one `Error:` line, never a traceback."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer.exceptions import TyperException

from ofacare.cli.ask import ask_command
from ofacare.cli.backup import backup_command, restore_command
from ofacare.cli.calendar import calendar_command
from ofacare.cli.cds import cds_app
from ofacare.cli.facts import facts_app
from ofacare.cli.guide import guide_command
from ofacare.cli.monitor import monitor_command
from ofacare.cli.plan import plan_command
from ofacare.cli.screen import screen_command
from ofacare.cli.serve import db_app, serve_command
from ofacare.cli.simulate import simulate_app
from ofacare.cli.sweep import sweep_command
from ofacare.cli.triage import triage_command
from ofacare.cli.vaccine import pregnancy_command, vaccine_command
from ofacare.errors import InvalidInput, NotFound, OfacareError

app = typer.Typer(
    name="ofacare",
    help="ofacare: the ofatumumab (Kesimpta) treatment companion. "
    "It supports your MS team and never replaces it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("plan")(plan_command)
app.command("calendar")(calendar_command)
app.command("ask")(ask_command)
app.add_typer(facts_app, name="facts")
app.command("guide")(guide_command)
app.command("screen")(screen_command)
app.command("vaccine")(vaccine_command)
app.command("pregnancy")(pregnancy_command)
app.command("monitor")(monitor_command)
app.command("triage")(triage_command)
app.add_typer(cds_app, name="cds")
app.add_typer(simulate_app, name="simulate")
app.command("serve")(serve_command)
app.command("sweep")(sweep_command)
app.add_typer(db_app, name="db")
app.command("backup")(backup_command)
app.command("restore")(restore_command)

_debug = {"on": False}


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _debug["on"] = debug


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and translate every error once: exit 2 for bad input, 1 otherwise."""
    args = sys.argv[1:] if argv is None else argv
    _debug["on"] = "--debug" in args
    try:
        result = typer.main.get_command(app).main(args, prog_name="ofacare", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        return _fail("Aborted.", 1)
    except TyperException as exc:  # Typer's own usage errors: unknown option, bad number...
        return _fail(_usage_message(exc), 2)
    except OfacareError as exc:
        if _debug["on"]:
            raise
        return _fail(str(exc), 2 if isinstance(exc, InvalidInput | NotFound) else 1)
    except Exception:
        if _debug["on"]:
            raise
        return _fail("ofacare hit an unexpected problem. Run again with --debug for details.", 1)
    return result if isinstance(result, int) else 0


def _usage_message(exc: TyperException) -> str:
    format_message = getattr(exc, "format_message", None)
    return str(format_message()) if callable(format_message) else str(exc)


def _fail(message: str, status: int) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return status


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
