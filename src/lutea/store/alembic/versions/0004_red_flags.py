"""red flags: urgent findings of results and symptoms, open until acknowledged; the scan's
pregnancy location on a pregnancy episode

Revision ID: 0004_red_flags
Revises: 0003_audit_append_only
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_red_flags"
down_revision: str | None = "0003_audit_append_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pregnancy_location", sa.String(length=16), nullable=True))
    op.create_table(
        "red_flags",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("patient_message", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measurement_id", sa.Integer(), nullable=True),
        sa.Column("symptom_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_by_email", sa.String(length=320), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["users.id"], name=op.f("fk_red_flags_acknowledged_by_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["measurement_id"], ["measurements.id"],
                                name=op.f("fk_red_flags_measurement_id_measurements"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_red_flags_patient_id_patients"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["symptom_id"], ["symptoms.id"], name=op.f("fk_red_flags_symptom_id_symptoms"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_flags")),
    )
    with op.batch_alter_table("red_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_red_flags_measurement_id"), ["measurement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_red_flags_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_red_flags_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_red_flags_symptom_id"), ["symptom_id"], unique=False)


def downgrade() -> None:
    op.drop_table("red_flags")
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_column("pregnancy_location")
