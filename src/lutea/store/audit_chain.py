"""The audit trail as a hash chain: each row carries the hash of the row before it and its own.

A row's hash is SHA-256 over a fixed, versioned serialisation of its columns and the previous
row's hash, so changing, removing or inserting a row anywhere but at the end breaks the chain
from that row on, and `verify` (the command `lutea audit verify`) names the first broken link.
The database refuses such writes too (migrations 0003 and 0006); the chain is what still tells
when someone went around the database's triggers.

Rows are chained in id order, and one writer at a time extends the chain (`lock_chain`: on
PostgreSQL a transaction-scoped advisory lock, on SQLite the database's write lock), so that the
row read as the head is still the head when the new row is inserted, and ids follow the chain.

A transaction's audit rows are queued (`append`) and written together when it commits
(`write_pending`, from the session's `before_commit`): the chain is locked and its head read once
per transaction, the rows hashed in order and inserted in one statement, so the lock is held from
then to the commit only. A savepoint rolled back takes its queued rows, and what it wrote of the
chain, with it (the queue and the head known to the transaction go back to where they stood when
the savepoint began); a transaction rolled back or closed without a commit writes none.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, event, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from lutea.store.db import holds_write_lock
from lutea.store.models import AuditEvent, UTCDateTime, utc_now

GENESIS = "0" * 64
FORMAT = "lutea-audit-v1"
LOCK_KEY = 0x6C75746561  # "lutea": the advisory lock of the audit chain on PostgreSQL
FIELDS = ("at", "user_id", "user_email", "action", "patient_id", "record_type", "record_id", "client_addr", "path")


def canonical_time(at: datetime) -> str:
    """A UTC time as the chain hashes it (microseconds, as both databases keep them)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(prev_hash: str, values: dict[str, Any]) -> str:
    """The hash of one audit row: its columns (FIELDS) and the hash of the row before it."""
    body = [FORMAT, prev_hash] + [canonical_time(values["at"]) if name == "at" else values.get(name)
                                  for name in FIELDS[1:]]
    return hashlib.sha256(json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")).hexdigest()


HEAD_ROW = text("SELECT at, hash FROM audit_events ORDER BY id DESC LIMIT 1").columns(at=UTCDateTime(), hash=String())


def lock_chain(session: Session) -> None:
    """Be the only writer of the chain until the caller's transaction ends."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    elif not holds_write_lock(connection):
        # a write that changes nothing still takes SQLite's write lock (or fails if another
        # writer got there first), so the head read next is the latest committed one
        connection.execute(text("UPDATE audit_events SET id = id WHERE 0"))


def head(session: Session) -> tuple[datetime, str] | None:
    """The time and hash of the last row of the chain (None: no row yet)."""
    row = session.connection().execute(HEAD_ROW).first()
    return (row[0], row[1] or "") if row is not None else None


PENDING = "lutea_audit_pending"  # session.info: the rows of this transaction not yet written
HEAD = "lutea_audit_head"  # session.info: the chain's head, once this transaction holds the chain's lock
SAVEPOINTS = "lutea_audit_savepoints"  # session.info: the queue and head as each savepoint began
_UNLOCKED = object()  # a savepoint began before the transaction held the chain's lock


def append(session: Session, values: dict[str, Any]) -> None:
    """Queue one audit row (FIELDS but `at`) in the session's transaction: it is chained and
    written with the transaction's other rows when the transaction commits."""
    if not session.in_transaction():
        session.begin()  # as adding a row to the session would: the queue lives and dies with this transaction
    session.info.setdefault(PENDING, []).append(values)


def write_pending(session: Session) -> None:
    """Chain and insert the rows queued in this transaction: the lock and the head read once per
    transaction, one insert for the rows; each row dated now, never before the row before it."""
    pending = session.info.get(PENDING)
    if not pending:
        return
    if HEAD not in session.info:
        lock_chain(session)
        session.info[HEAD] = head(session)
    last = session.info[HEAD]
    prev_at, prev_hash = last if last is not None else (None, GENESIS)
    now = utc_now()
    rows = []
    for values in pending:
        at = now if prev_at is None or prev_at <= now else prev_at  # another server's clock ran ahead
        row = {**values, "at": at}
        row["prev_hash"], row["hash"] = prev_hash, row_hash(prev_hash, row)
        rows.append(row)
        prev_at, prev_hash = at, row["hash"]
    session.connection().execute(insert(AuditEvent.__table__), rows)
    session.info[HEAD] = (prev_at, prev_hash)
    pending.clear()


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    write_pending(session)  # at a savepoint's release too: its rows are then the enclosing transaction's


@event.listens_for(Session, "after_transaction_create")
def _savepoint_begins(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(SAVEPOINTS, {})[transaction] = (list(session.info.get(PENDING, ())),
                                                                session.info.get(HEAD, _UNLOCKED))


@event.listens_for(Session, "after_soft_rollback")
def _savepoint_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    """The queue and the head go back to where they stood when the savepoint began (what it
    queued is dropped; what it wrote was rolled back with it, and so, on PostgreSQL, the lock)."""
    began = session.info.get(SAVEPOINTS, {}).pop(transaction, None) if transaction.nested else None
    if began is not None:
        session.info[PENDING] = began[0]
        if began[1] is _UNLOCKED:
            session.info.pop(HEAD, None)
        else:
            session.info[HEAD] = began[1]


@event.listens_for(Session, "after_transaction_end")
def _transaction_ends(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (rows written), rolled back or closed (rows dropped)
        for key in (PENDING, HEAD, SAVEPOINTS):
            session.info.pop(key, None)


@dataclass(frozen=True)
class BrokenLink:
    """The first row at which the chain does not hold, and why."""

    row_id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def check(rows: Iterable[Any]) -> ChainReport:
    """Walk rows (in id order, each with FIELDS, prev_hash and hash) and report the first broken link."""
    expected_prev, last_at, count = GENESIS, None, 0
    for row in rows:
        count += 1
        values = {name: getattr(row, name) for name in FIELDS}
        if row.prev_hash != expected_prev:
            return ChainReport(count, BrokenLink(row.id, "its prev_hash is not the hash of the row before it "
                                                          "(a row was removed, inserted or changed before it)"))
        if row.hash != row_hash(row.prev_hash, values):
            return ChainReport(count, BrokenLink(row.id, "its hash does not match its contents (the row was changed or forged)"))
        if last_at is not None and row.at < last_at:
            return ChainReport(count, BrokenLink(row.id, "it is dated before the row before it"))
        expected_prev, last_at = row.hash, row.at
    return ChainReport(count, None)


def verify(session: Session) -> ChainReport:
    """Check the whole audit trail of the database (this transaction's queued rows included)."""
    write_pending(session)
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)).scalars()
    return check(rows)
