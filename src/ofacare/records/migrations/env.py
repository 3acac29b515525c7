"""Alembic environment: runs on the connection ofacare hands over (online mode only)."""

from __future__ import annotations

from alembic import context

from ofacare.records.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through ofacare (`ofacare db upgrade`), not bare alembic")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
