"""audit log append-only: the database refuses UPDATE and DELETE on audit_log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

The app only ever inserts audit entries; these triggers make the database refuse anything else,
so neither a bug nor someone with the app's database login can rewrite who looked at a record.
PostgreSQL also refuses TRUNCATE. Dropping the table is not refused (a downgrade, a restore);
the trigger function outlives a dropped table, hence CREATE OR REPLACE (a restore of an older
backup drops the tables and then migrates forward).

On SQLite a batch migration that rebuilds audit_log (copy, drop, rename) loses the triggers with
the old table: such a migration must create them again (tests/security/test_audit_log.py checks
that a migrated database refuses changes).
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "audit_log_no_update": "UPDATE",
    "audit_log_no_delete": "DELETE",
}
PG_FUNCTION = "audit_log_refuse_change"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, event in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON audit_log BEGIN "
                f"SELECT RAISE(ABORT, 'audit_log is append-only: {event} is refused'); END"
            )
        return
    op.execute(
        f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP "
        "USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
    op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
