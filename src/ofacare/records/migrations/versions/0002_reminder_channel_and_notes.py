"""reminder channel, the care team's clinical notes, the day-after reaction check

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(
            sa.Column(
                "reminder_channel", sa.String(length=20), server_default="email", nullable=False
            )
        )
    with op.batch_alter_table("injections") as batch:
        batch.add_column(
            sa.Column("reactions_checked_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "clinical_notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_clinical_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_clinical_notes_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinical_notes")),
    )
    with op.batch_alter_table("clinical_notes") as batch:
        batch.create_index(batch.f("ix_clinical_notes_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("clinical_notes") as batch:
        batch.drop_index(batch.f("ix_clinical_notes_patient_id"))
    op.drop_table("clinical_notes")
    with op.batch_alter_table("injections") as batch:
        batch.drop_column("reactions_checked_at")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("reminder_channel")
