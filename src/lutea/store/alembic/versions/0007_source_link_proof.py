"""source links: whether the importer proved the link (a patient's own import does not)

Revision ID: 0007_source_link_proof
Revises: 0006_audit_chain
Create Date: 2026-12-07 12:20:00

A global identifier routes later imports to the record that owns it, so only an importer who may
vouch for it (an assigned clinician, an admin, the operator) makes a link that owns it. Links
made before this migration cannot be told apart and stay proven; `docs/fhir.md` says how to
review the Patient links of imports made by patients (their audit rows: action import).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_source_link_proof"
down_revision: str | None = "0006_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proven", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("source_links", schema=None) as batch_op:
        batch_op.drop_column("proven")
