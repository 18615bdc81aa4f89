"""audit trail append-only in the database

Revision ID: 0003_audit_append_only
Revises: 0002_fhir_links
Create Date: 2026-11-28 15:40:00

The API never updates or deletes an audit row. These triggers make the database refuse it too,
so that a bug, a script or a hand-typed statement cannot rewrite the trail. TRUNCATE and DROP
stay possible for the database owner: the triggers guard against mistakes, not against the
person who owns the server.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_audit_append_only"
down_revision: str | None = "0002_fhir_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_events is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION lutea_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}: % is refused', TG_OP;
            END;
            $$""")
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION lutea_audit_append_only()""")
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER audit_events_no_{operation.lower()} BEFORE {operation} ON audit_events
            BEGIN
                SELECT RAISE(ABORT, '{MESSAGE}: {operation} is refused');
            END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS lutea_audit_append_only()")
        return
    for operation in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{operation}")
