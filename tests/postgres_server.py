"""A throwaway PostgreSQL server for the test session, started from the system's binaries.

The server runs from a temporary directory on a free port of 127.0.0.1 with durability turned
off (fsync, synchronous commit, full-page writes): the data dies with the session anyway, and
this keeps schema set-up fast. PostgreSQL refuses to run as root, so as root every server
command runs as the `postgres` system user through runuser.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

DEBIAN_ROOT = Path("/usr/lib/postgresql")
SERVER_PROGRAMS = ("initdb", "postgres", "pg_ctl")
SUPERUSER = "ofacare"
SYSTEM_USER = "postgres"
READY_DEADLINE_SECONDS = 30.0
STOP_DEADLINE_SECONDS = 30
START_ATTEMPTS = 3  # another process may take the free port between our probe and the bind
INSTALL_HINT = (
    "CI installs PostgreSQL (see .ci/run); on Debian or Ubuntu run "
    "`apt-get install postgresql`, or point OFACARE_PG_BIN at a directory holding "
    "initdb, postgres and pg_ctl. To run the suite without these tests, set OFACARE_SKIP_POSTGRES=1."
)


class PostgresUnavailable(Exception):
    """The PostgreSQL server programs are missing or the server would not start."""


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """A running server that the tests reach over TCP as the trusted superuser `ofacare`."""

    host: str
    port: int

    def url(self, dbname: str) -> str:
        """Return the SQLAlchemy URL of one database on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str, *, template: str | None = None) -> None:
        """Create a database, optionally as a copy of a template database."""
        statement: sql.Composed = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self._execute(statement)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing any connections a test left open to it."""
        self._execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))

    def _execute(self, statement: sql.Composed) -> None:
        # CREATE and DROP DATABASE cannot run inside a transaction block.
        with psycopg.connect(self._maintenance_dsn(), autocommit=True) as connection:
            connection.execute(statement)

    def _maintenance_dsn(self) -> str:
        return f"host={self.host} port={self.port} user={SUPERUSER} dbname=postgres"


def find_bindir(environ: Mapping[str, str], *, debian_root: Path = DEBIAN_ROOT) -> Path:
    """Find the directory of initdb, postgres and pg_ctl, or raise PostgresUnavailable."""
    override = environ.get("OFACARE_PG_BIN")
    if override:
        if not _holds_server_programs(Path(override)):
            raise PostgresUnavailable(
                f"OFACARE_PG_BIN {override!r} does not hold {', '.join(SERVER_PROGRAMS)}. "
                + INSTALL_HINT
            )
        return Path(override)
    for candidate in _candidate_bindirs(environ, debian_root):
        if _holds_server_programs(candidate):
            return candidate
    raise PostgresUnavailable(
        f"No PostgreSQL server programs ({', '.join(SERVER_PROGRAMS)}) found in OFACARE_PG_BIN, "
        f"{debian_root}/*/bin, `pg_config --bindir` or PATH. " + INSTALL_HINT
    )


def _candidate_bindirs(environ: Mapping[str, str], debian_root: Path) -> Iterator[Path]:
    """Yield Debian's versioned directories newest first, then pg_config's, then PATH's."""
    versioned = [d for d in debian_root.glob("*/bin") if _version_key(d.parent.name)]
    yield from sorted(versioned, key=lambda d: _version_key(d.parent.name), reverse=True)
    search_path = environ.get("PATH", os.defpath)
    pg_config = shutil.which("pg_config", path=search_path)
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            yield Path(done.stdout.strip())
    initdb = shutil.which("initdb", path=search_path)
    if initdb:
        yield Path(initdb).parent


def _version_key(name: str) -> tuple[int, ...]:
    """Order "9.6" before "15" before "16"; anything that is not a version sorts as empty."""
    if not re.fullmatch(r"\d+(\.\d+)*", name):
        return ()
    return tuple(int(part) for part in name.split("."))


def _holds_server_programs(directory: Path) -> bool:
    return all(os.access(directory / program, os.X_OK) for program in SERVER_PROGRAMS)


@contextmanager
def running_postgres(bindir: Path) -> Iterator[PostgresServer]:
    """Initialise a fresh cluster in a temporary directory, run it, then stop it and delete it."""
    as_user = _run_as_prefix()
    workdir = Path(tempfile.mkdtemp(prefix="ofacare-pg-"))
    try:
        if as_user:
            shutil.chown(workdir, user=SYSTEM_USER, group=_group_of(SYSTEM_USER))
        datadir = workdir / "data"
        _initdb(bindir, datadir, as_user=as_user)
        process, port = _start(bindir, workdir, as_user=as_user)
        try:
            yield PostgresServer(host="127.0.0.1", port=port)
        finally:
            _stop(bindir, datadir, process, as_user=as_user)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run_as_prefix() -> list[str]:
    """Return the runuser prefix when running as root (PostgreSQL refuses root), else nothing."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"Running as root needs a {SYSTEM_USER!r} system user to run the server as "
            f"(PostgreSQL refuses root). " + INSTALL_HINT
        ) from None
    return ["runuser", "-u", SYSTEM_USER, "--"]


def _group_of(user: str) -> int:
    return pwd.getpwnam(user).pw_gid


def _initdb(bindir: Path, datadir: Path, *, as_user: Sequence[str]) -> None:
    # --no-locale keeps sorting and case rules identical on every machine.
    command = [
        *as_user, str(bindir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", SUPERUSER,
        "--no-sync", "-E", "UTF8", "--no-locale",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=datadir.parent)
    if done.returncode != 0:
        raise PostgresUnavailable(f"initdb failed ({done.returncode}):\n{done.stderr}")


def _start(
    bindir: Path, workdir: Path, *, as_user: Sequence[str]
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the server on a free port, trying again if the port was taken meanwhile."""
    log_path = workdir / "server.log"
    for _ in range(START_ATTEMPTS):
        port = _free_port()
        command = [
            *as_user, str(bindir / "postgres"), "-D", str(workdir / "data"), "-p", str(port),
            "-k", str(workdir), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        ]  # fmt: skip
        with log_path.open("ab") as log:
            # A session of its own: Ctrl-C reaches pytest (which stops the server in teardown),
            # and a stuck server is killed together with runuser (see _kill).
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True
            )
        if _wait_until_ready(process, port):
            return process, port
        if process.poll() is None:
            _kill(process)
        if "could not bind" not in log_path.read_text("utf-8", errors="replace"):
            break
    raise PostgresUnavailable(
        f"PostgreSQL did not start; its log says:\n{log_path.read_text('utf-8', errors='replace')}"
    )


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(process: subprocess.Popen[bytes], port: int) -> bool:
    """Connect until the server answers; False if it exits or the deadline passes first."""
    dsn = f"host=127.0.0.1 port={port} user={SUPERUSER} dbname=postgres connect_timeout=2"
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with psycopg.connect(dsn) as connection:
                connection.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            time.sleep(0.05)
    return False


def _stop(
    bindir: Path, datadir: Path, process: subprocess.Popen[bytes], *, as_user: Sequence[str]
) -> None:
    command = [*as_user, str(bindir / "pg_ctl"), "stop", "-D", str(datadir), "-m", "fast", "-w"]
    with suppress(subprocess.TimeoutExpired):
        subprocess.run(
            command, capture_output=True, check=False, cwd=datadir.parent,
            timeout=STOP_DEADLINE_SECONDS,
        )  # fmt: skip
    try:
        process.wait(timeout=STOP_DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        _kill(process)


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill runuser and the postmaster (one process group); its children exit when it dies."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
