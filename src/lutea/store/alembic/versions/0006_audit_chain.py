"""audit trail: a hash chain, and rows only at its end

Revision ID: 0006_audit_chain
Revises: 0005_session_version
Create Date: 2026-12-07 12:10:00

Each audit row carries the hash of the row before it and its own (lutea.store.audit_chain);
existing rows are chained here, in id order. An insert must go at the end of the chain: a
higher id than every row, a time no earlier than the last row's (and not in the future), and
the last row's hash as its prev_hash. On SQLite this is what refuses `REPLACE INTO` and
`INSERT OR REPLACE` (their implicit delete fires no DELETE trigger) and back-dated rows; on
PostgreSQL `INSERT ... ON CONFLICT DO UPDATE` is refused by the UPDATE trigger of 0003.
Whether a hash is right needs SHA-256, which SQLite lacks: `lutea audit verify` checks that.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lutea.store.audit_chain import FIELDS, GENESIS, row_hash
from lutea.store.models import UTCDateTime

revision: str = "0006_audit_chain"
down_revision: str | None = "0005_session_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_events is append-only"
FUTURE_TOLERANCE_MIN = 5
AUDIT = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("at", UTCDateTime),
                 *(sa.column(name) for name in FIELDS[1:]), sa.column("prev_hash"), sa.column("hash"))


def _chain_existing_rows() -> None:
    bind = op.get_bind()
    prev = GENESIS
    rows = bind.execute(sa.select(AUDIT).order_by(AUDIT.c.id)).mappings().all()
    for row in rows:
        digest = row_hash(prev, dict(row))
        bind.execute(AUDIT.update().where(AUDIT.c.id == row["id"]).values(prev_hash=prev, hash=digest))
        prev = digest


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("hash", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        _chain_existing_rows()
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        op.execute(f"""
            CREATE FUNCTION lutea_audit_append_at_end() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                last_id integer;
                last_at timestamptz;
                last_hash varchar;
            BEGIN
                SELECT id, at, hash INTO last_id, last_at, last_hash FROM audit_events ORDER BY id DESC LIMIT 1;
                IF NEW.hash IS NULL OR NEW.prev_hash IS NULL THEN
                    RAISE EXCEPTION '{MESSAGE}: a row carries its hash and the previous row''s';
                END IF;
                IF NEW.at > clock_timestamp() + interval '{FUTURE_TOLERANCE_MIN} minutes' THEN
                    RAISE EXCEPTION '{MESSAGE}: a row dated in the future is refused';
                END IF;
                IF last_id IS NULL THEN
                    IF NEW.prev_hash <> '{GENESIS}' THEN
                        RAISE EXCEPTION '{MESSAGE}: the first row starts the chain';
                    END IF;
                ELSIF NEW.id <= last_id OR NEW.at < last_at OR NEW.prev_hash <> last_hash THEN
                    RAISE EXCEPTION '{MESSAGE}: a row goes at the end of the chain (id, time and prev_hash)';
                END IF;
                RETURN NEW;
            END;
            $$""")
        op.execute("""
            CREATE TRIGGER audit_events_append_at_end BEFORE INSERT ON audit_events
            FOR EACH ROW EXECUTE FUNCTION lutea_audit_append_at_end()""")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    _chain_existing_rows()
    op.execute(f"""
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN
            SELECT RAISE(ABORT, '{MESSAGE}: UPDATE is refused');
        END""")
    last = "(SELECT {0} FROM audit_events ORDER BY id DESC LIMIT 1)"
    # NEW.id is -1 in a BEFORE INSERT trigger when SQLite picks the id; the AFTER trigger sees the real one
    op.execute(f"""
        CREATE TRIGGER audit_events_append_at_end BEFORE INSERT ON audit_events
        WHEN NEW.hash IS NULL OR NEW.prev_hash IS NULL
          OR (NEW.id <> -1 AND NEW.id <= (SELECT coalesce(max(id), 0) FROM audit_events))
          OR julianday(NEW.at) IS NULL
          OR julianday(NEW.at) < julianday({last.format('at')})
          OR julianday(NEW.at) > julianday('now') + {FUTURE_TOLERANCE_MIN}.0 / 1440
          OR NEW.prev_hash <> coalesce({last.format('hash')}, '{GENESIS}')
        BEGIN
            SELECT RAISE(ABORT, '{MESSAGE}: a row goes at the end of the chain (id, time and prev_hash)');
        END""")
    op.execute(f"""
        CREATE TRIGGER audit_events_last_id AFTER INSERT ON audit_events
        WHEN NEW.id < (SELECT max(id) FROM audit_events)
        BEGIN
            SELECT RAISE(ABORT, '{MESSAGE}: a row goes at the end of the chain (id)');
        END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_at_end ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS lutea_audit_append_at_end()")
        op.drop_column("audit_events", "hash")
        op.drop_column("audit_events", "prev_hash")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_append_at_end")
    op.execute("DROP TRIGGER IF EXISTS audit_events_last_id")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    # SQLite's batch mode rebuilt the table without its triggers: put back those of 0003
    for operation in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER IF NOT EXISTS audit_events_no_{operation.lower()} BEFORE {operation} ON audit_events
            BEGIN
                SELECT RAISE(ABORT, '{MESSAGE}: {operation} is refused');
            END""")
