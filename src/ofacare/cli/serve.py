"""`ofacare serve` and `ofacare db upgrade`: run the service, prepare its database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from ofacare.errors import InvalidInput

if TYPE_CHECKING:
    from ofacare.services.setup import DemoAccount

db_app = typer.Typer(help="The service's database.", no_args_is_help=True)


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
) -> None:
    """Serve the web pages, the API, the CDS Hooks service and calendar feeds.

    The schema of OFACARE_DATABASE_URL is brought up to date first; with OFACARE_SEED_DEMO=1 an
    empty database gets the demo accounts (passwords printed once) and a few months of history.
    """
    if not 0 < port < 65536:
        raise InvalidInput("cli.bad-port", f"--port: {port} is not a TCP port.", "Use 1-65535.")
    if not 1 <= workers <= 64:
        raise InvalidInput("cli.bad-workers", f"--workers: {workers} must be 1 to 64.", "")
    # Imported here so that every other command starts without loading the web stack.
    import uvicorn  # noqa: PLC0415

    from ofacare.services.demo_history import add_demo_history  # noqa: PLC0415
    from ofacare.services.runtime import build_runtime  # noqa: PLC0415
    from ofacare.services.scheduler import start_daily_sweep  # noqa: PLC0415
    from ofacare.services.setup import prepare_database, seed_demo  # noqa: PLC0415

    runtime = build_runtime()
    prepare_database(runtime)
    if runtime.settings.seed_demo:
        accounts = seed_demo(runtime)
        if accounts:
            add_demo_history(runtime)
        _print_demo_accounts(accounts)
    start_daily_sweep(runtime)
    print(f"ofacare on http://{host}:{port} (sign in there; API docs at /docs; Ctrl-C stops it)")
    uvicorn.run(
        "ofacare.api.main:build_app", factory=True, host=host, port=port, workers=workers,
        log_level="warning", proxy_headers=True,
    )  # fmt: skip


def _print_demo_accounts(accounts: Sequence[DemoAccount]) -> None:
    if not accounts:
        return
    print("Demo accounts (shown once; the database keeps only password hashes):")
    for account in accounts:
        print(f"  {account.role:<10} {account.email:<32} {account.password}")


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Create or upgrade the schema of OFACARE_DATABASE_URL (the same migrations for both)."""
    from ofacare.services.runtime import build_runtime  # noqa: PLC0415
    from ofacare.services.setup import prepare_database  # noqa: PLC0415

    runtime = build_runtime()
    prepare_database(runtime)
    print(f"Database at {runtime.database.engine.url.render_as_string()} is up to date.")
