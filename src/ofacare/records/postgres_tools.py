"""Finding PostgreSQL's client programs and telling them where the database is, password kept out
of sight: the password travels in PGPASSWORD, never on a command line or in a message."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from ofacare.errors import OfacareError

DEBIAN_ROOT = Path("/usr/lib/postgresql")
INSTALL_HINT = (
    "Install the PostgreSQL client programs (Debian/Ubuntu: apt-get install postgresql-client)"
)
PASSWORD_HINT = "with the password in PGPASSWORD or ~/.pgpass"


@dataclass(frozen=True, slots=True)
class PgTools:
    """Where pg_dump, pg_restore and psql are (None for each one that is missing)."""

    pg_dump: Path | None
    pg_restore: Path | None
    psql: Path | None

    @classmethod
    def find(
        cls, environ: Mapping[str, str] | None = None, *, debian_root: Path = DEBIAN_ROOT
    ) -> PgTools:
        """Look on PATH first (the operator's choice), then in Debian's versioned directories."""
        environ = os.environ if environ is None else environ
        pg_restore = find_program("pg_restore", environ, debian_root=debian_root)
        # psql pipes what pg_restore writes: take the one of the same version when there is one.
        psql = _beside(pg_restore, "psql") or find_program("psql", environ, debian_root=debian_root)
        return cls(
            pg_dump=find_program("pg_dump", environ, debian_root=debian_root),
            pg_restore=pg_restore,
            psql=psql,
        )


@dataclass(frozen=True, slots=True)
class PgTarget:
    """How the client programs reach the database: a libpq URI without the password, and the
    environment that carries the password."""

    uri: str
    environment: dict[str, str]
    shown: str


def target_for(url: str) -> PgTarget:
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    # URL.set() ignores None, so the password is dropped through the named tuple itself.
    bare = parsed._replace(drivername="postgresql", password=None)
    uri = bare.render_as_string(hide_password=False)
    return PgTarget(uri=uri, environment=environment, shown=parsed.render_as_string())


def find_program(name: str, environ: Mapping[str, str], *, debian_root: Path) -> Path | None:
    on_path = shutil.which(name, path=environ.get("PATH", os.defpath))
    if on_path:
        return Path(on_path)
    versioned = [
        d for d in debian_root.glob("*/bin") if re.fullmatch(r"\d+(\.\d+)*", d.parent.name)
    ]
    for bindir in sorted(versioned, key=lambda d: _version(d.parent.name), reverse=True):
        if os.access(bindir / name, os.X_OK):
            return bindir / name
    return None


def missing_dump_tool(url: str, output: Path) -> OfacareError:
    """The error for a missing pg_dump: how to install it, or the exact command to run instead."""
    command = shlex.join(
        ["pg_dump", "--format=custom", f"--file={output}", f"--dbname={target_for(url).uri}"]
    )
    return OfacareError(
        "backup.pg-tools-missing",
        f"pg_dump was not found on PATH or in {DEBIAN_ROOT}/*/bin, so no backup was taken.",
        f"{INSTALL_HINT}, or take the backup yourself ({PASSWORD_HINT}): {command}",
    )


def missing_restore_tools(url: str, backup: Path) -> OfacareError:
    """The error for a missing pg_restore or psql, with the commands to run instead."""
    command = shlex.join(
        [
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", f"--dbname={target_for(url).uri}", str(backup),
        ]
    )  # fmt: skip
    return OfacareError(
        "backup.pg-tools-missing",
        f"pg_restore and psql were not both found on PATH or in {DEBIAN_ROOT}/*/bin, so nothing "
        "was restored.",
        f"{INSTALL_HINT}, or restore it yourself ({PASSWORD_HINT}) after checking the SHA-256 in "
        f"its manifest (sha256sum {shlex.quote(str(backup))}): {command}; then run "
        "`ofacare db upgrade`.",
    )


def _beside(program: Path | None, name: str) -> Path | None:
    if program is None:
        return None
    candidate = program.parent / name
    return candidate if os.access(candidate, os.X_OK) else None


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split("."))
