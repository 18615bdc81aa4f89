"""source links of imported records (FHIR resources, tracker rows)

Revision ID: 0002_fhir_links
Revises: 0001
Create Date: 2026-11-28 13:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002_fhir_links'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('source_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('source_key', sa.String(length=300), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_source_links_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_links')),
    sa.UniqueConstraint('patient_id', 'source_type', 'source_key', name='patient_source')
    )
    with op.batch_alter_table('source_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_links_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_source_links_source_key'), ['source_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('source_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_links_source_key'))
        batch_op.drop_index(batch_op.f('ix_source_links_patient_id'))
    op.drop_table('source_links')
