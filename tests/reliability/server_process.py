"""Run `ofacare serve` as a separate process on a free loopback port, for tests that kill it.

The server is the same command an operator runs (the console script next to this Python), on the
database URL given, with the daily sweep off so nothing writes but the test. `start_server` waits
for /health; `kill` sends SIGKILL (a crash: no shutdown code runs), `stop` SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

READY_DEADLINE_SECONDS = 60.0  # a hang guard for a loaded CI machine, not a timing assertion
STOP_DEADLINE_SECONDS = 20.0
START_ATTEMPTS = 3  # another process may take the free port between our probe and the bind
OFACARE = Path(sys.executable).parent / "ofacare"


class ServerDidNotStart(Exception):
    """The server exited or did not answer /health in time; the message holds its output."""


@dataclass
class ServerProcess:
    """A running `ofacare serve` and where to reach it."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def kill(self) -> None:
        """Crash the server: SIGKILL to its process group, then reap it."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_DEADLINE_SECONDS)

    def stop(self) -> None:
        """Ask the server to shut down (SIGTERM); SIGKILL if it does not in time."""
        if self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(
    database_url: str, *, env: Mapping[str, str] | None = None, log_dir: Path | None = None
) -> ServerProcess:
    """Start `ofacare serve` on `database_url` and return once /health answers 200.

    Its output goes to a file in `log_dir` (the system's temporary folder if None).
    """
    failures = []
    for _ in range(START_ATTEMPTS):
        server = _spawn(database_url, free_port(), env or {}, log_dir)
        try:
            _wait_until_ready(server)
        except ServerDidNotStart as error:
            server.kill()
            failures.append(str(error))
            continue
        return server
    raise ServerDidNotStart("\n---\n".join(failures))


@contextmanager
def running_server(
    database_url: str, *, env: Mapping[str, str] | None = None, log_dir: Path | None = None
) -> Iterator[ServerProcess]:
    """A server for the block; stopped afterwards (killed if it will not stop)."""
    server = start_server(database_url, env=env, log_dir=log_dir)
    try:
        yield server
    finally:
        server.stop()


def _spawn(
    database_url: str, port: int, extra: Mapping[str, str], log_dir: Path | None
) -> ServerProcess:
    environment = {
        **os.environ,
        "OFACARE_DATABASE_URL": database_url,
        "OFACARE_SWEEP_HOUR": "",  # no background sweep: only the test writes
        "OFACARE_SEED_DEMO": "0",
        **extra,
    }
    handle, name = tempfile.mkstemp(prefix="ofacare-serve-", suffix=".log", dir=log_dir)
    with os.fdopen(handle, "wb") as log:
        process = subprocess.Popen(
            [str(OFACARE), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() reaches any child
        )
    return ServerProcess(url=f"http://127.0.0.1:{port}", process=process, log_path=Path(name))


def _wait_until_ready(server: ServerProcess) -> None:
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerDidNotStart(
                f"ofacare serve exited with {server.process.returncode}:\n{server.output()}"
            )
        with suppress(httpx.TransportError):
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise ServerDidNotStart(f"no answer from {server.url}/health:\n{server.output()}")
