"""PostgreSQL backups with pg_dump (custom format) and restores with pg_restore piped into psql.

The backup counts its rows inside the very snapshot pg_dump copies (an exported snapshot), so the
manifest describes exactly what the dump holds. The restore runs as one transaction that psql
commits only after pg_restore has written the whole archive and every table holds the row count
the manifest recorded; anything short of that rolls back and leaves the database as it was.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Collection
from contextlib import suppress
from pathlib import Path
from typing import IO

from sqlalchemy import text

from ofacare.errors import InvalidInput, OfacareError
from ofacare.records.backup_manifest import Manifest, check_checksum, move_into_place, staging_path
from ofacare.records.backup_schema import (
    VERSION_TABLE,
    Contents,
    needs_migration,
    ofacare_tables,
    read_contents,
)
from ofacare.records.database import build_engine, migrate
from ofacare.records.postgres_tools import (
    PgTarget,
    PgTools,
    missing_dump_tool,
    missing_restore_tools,
    target_for,
)

LOCK_TIMEOUT = "30s"


def dump_postgres(url: str, output: Path, tools: PgTools) -> Contents:
    """Write a pg_dump archive of the database to `output` (atomically) and count its rows."""
    if tools.pg_dump is None:
        raise missing_dump_tool(url, output)
    target = target_for(url)
    engine = build_engine(url)
    staged = staging_path(output)
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                contents = read_contents(connection)
                command = [
                    str(tools.pg_dump), "--format=custom", f"--snapshot={snapshot}",
                    f"--file={staged}", f"--dbname={target.uri}",
                ]  # fmt: skip
                _run(command, target, failure="pg_dump could not back up the database")
        move_into_place(staged, output)
        return contents
    finally:
        staged.unlink(missing_ok=True)
        engine.dispose()


def read_postgres_contents(url: str) -> Contents:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return read_contents(connection)
    finally:
        engine.dispose()


def check_postgres_backup(backup: Path, manifest: Manifest, tools: PgTools, *, url: str) -> bool:
    """Verify the archive (checksum, readable by pg_restore, a schema this code knows).

    Returns whether it must be migrated forward after it is restored.
    """
    if tools.pg_restore is None or tools.psql is None:
        raise missing_restore_tools(url, backup)
    check_checksum(backup, manifest, shown_as=backup)
    target = target_for(url)
    listing = [str(tools.pg_restore), "--list", str(backup)]
    _run(listing, target, failure=f"pg_restore cannot read {backup}", error=InvalidInput)
    version_data = [
        str(tools.pg_restore),
        "--data-only",
        f"--table={VERSION_TABLE}",
        "--file=-",
        str(backup),
    ]
    script = _run(version_data, target, failure=f"pg_restore cannot read {backup}")
    return needs_migration(_revision_in(script), backup=backup)


def restore_postgres(
    url: str,
    backup: Path,
    manifest: Manifest,
    tools: PgTools,
    *,
    tables: Collection[str],
    migrate_after: bool,
) -> Contents:
    """Replace ofacare's `tables` with the archive's in one transaction, then migrate if asked.

    Tables in the database that are not ofacare's are left alone.
    """
    assert tools.pg_restore is not None and tools.psql is not None, "check_postgres_backup first"
    target = target_for(url)
    # A service still holding a table waits this long, then the restore fails with nothing changed.
    header = f"BEGIN;\nSET LOCAL lock_timeout = '{LOCK_TIMEOUT}';\n" + "".join(
        f'DROP TABLE IF EXISTS "{table}" CASCADE;\n'
        for table in sorted(set(tables) & ofacare_tables())
    )
    footer = "RESET search_path;\n" + _count_check(manifest) + "COMMIT;\n"
    _pipe_restore(tools, target, backup, header=header, footer=footer)
    if migrate_after:
        engine = build_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
    return read_postgres_contents(url)


def _pipe_restore(
    tools: PgTools, target: PgTarget, backup: Path, *, header: str, footer: str
) -> None:
    """Feed psql: our BEGIN, pg_restore's script, the count check and COMMIT only if it all came."""
    restore_command = [
        str(tools.pg_restore), "--clean", "--if-exists", "--no-owner", "--no-privileges",
        "--file=-", str(backup),
    ]  # fmt: skip
    psql_command = [
        str(tools.psql),
        "--no-psqlrc",
        "--quiet",
        "--set=ON_ERROR_STOP=1",
        f"--dbname={target.uri}",
    ]
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        psql = subprocess.Popen(
            psql_command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors,
            env=target.environment,
        )  # fmt: skip
        restore = subprocess.Popen(
            restore_command, stdout=subprocess.PIPE, stderr=restore_errors, env=target.environment
        )
        assert psql.stdin is not None and restore.stdout is not None
        complete = _relay(restore, psql.stdin, header=header, footer=footer)
        restore_status, psql_status = restore.wait(), psql.wait()
        if restore_status != 0:
            raise _tool_error("pg_restore could not read the backup", restore_errors, OfacareError)
        if psql_status != 0 or not complete:
            raise _tool_error("psql could not restore the backup", psql_errors, OfacareError)


def _relay(restore: subprocess.Popen[bytes], stdin: IO[bytes], *, header: str, footer: str) -> bool:
    """Copy pg_restore's output into psql; the footer (with COMMIT) only after a clean finish."""
    assert restore.stdout is not None
    try:
        stdin.write(header.encode())
        shutil.copyfileobj(restore.stdout, stdin)
        if restore.wait() != 0:
            return False  # no COMMIT: psql reaches the end of its input and the server rolls back
        stdin.write(footer.encode())
        stdin.close()
        return True
    except BrokenPipeError:  # psql stopped at an error; its own message says which
        restore.kill()
        return False
    finally:
        if not stdin.closed:
            with suppress(BrokenPipeError):
                stdin.close()


def _count_check(manifest: Manifest) -> str:
    """A DO block that aborts the transaction if a table's rows differ from the manifest.

    Table names were checked to be plain lowercase names when the manifest was read.
    """
    checks = "".join(
        f'  IF (SELECT count(*) FROM "{table}") <> {count} THEN\n'
        f"    RAISE EXCEPTION 'table {table}: row count differs from the manifest ({count})';\n"
        "  END IF;\n"
        for table, count in sorted(manifest.row_counts.items())
    )
    return f"DO $check$\nBEGIN\n{checks}  NULL;\nEND\n$check$;\n"


def _revision_in(script: str) -> str | None:
    """The revision in pg_restore's COPY block for alembic_version (None if there is none)."""
    lines = script.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and f"{VERSION_TABLE} " in line:
            rows = lines[index + 1 :]
            return rows[0] if rows and rows[0] != "\\." else None
    return None


def _run(
    command: list[str],
    target: PgTarget,
    *,
    failure: str,
    error: type[OfacareError] = OfacareError,
) -> str:
    done = subprocess.run(command, capture_output=True, env=target.environment, check=False)
    if done.returncode != 0:
        raise error("backup.pg-tool-failed", f"{failure}: {_first_error(done.stderr)}", "")
    return done.stdout.decode("utf-8", errors="replace")


def _tool_error(failure: str, stderr: IO[bytes], kind: type[OfacareError]) -> OfacareError:
    stderr.seek(0)
    return kind(
        "backup.pg-tool-failed",
        f"{failure}: {_first_error(stderr.read())} The database was left as it was.",
        "",
    )


def _first_error(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", errors="replace").splitlines()]
    errors = (
        [line for line in lines if "ERROR" in line or "error" in line] or lines or ["no output"]
    )
    return errors[0]
