"""accounts: a session version that ends every earlier token and web session when it changes

Revision ID: 0005_session_version
Revises: 0004_red_flags
Create Date: 2026-12-07 12:00:00

A bearer token and a web session carry the account's session version when they are issued; a
request is refused unless it still matches. Changing the password, deactivating the account or
signing out raises the version, so every token and session issued before is over at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_session_version"
down_revision: str | None = "0004_red_flags"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
