"""`ofacare cds serve`: run the CDS Hooks service (docs/cds-hooks.md) with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from ofacare.errors import InvalidInput

cds_app = typer.Typer(help="The CDS Hooks service for EHRs.", no_args_is_help=True)


@cds_app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on.")] = 8090,
) -> None:
    """Serve GET /cds-services, the order-sign and patient-view services, and feedback."""
    if not 0 < port < 65536:
        raise InvalidInput("cli.bad-port", f"--port: {port} is not a TCP port.", "Use 1-65535.")
    # Imported here so that every other command starts without loading the web stack.
    import uvicorn  # noqa: PLC0415

    from ofacare.interop.cds_hooks import create_cds_app  # noqa: PLC0415

    app = create_cds_app()
    print(f"ofacare CDS Hooks service on http://{host}:{port}/cds-services (Ctrl-C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
