"""The audit trail as a hash chain: each row carries the hash of the row before it and its own.

A row's hash is SHA-256 over a fixed, versioned serialisation of its columns and the previous
row's hash, so changing, removing or inserting a row anywhere but at the end breaks the chain
from that row on, and `verify` (the command `lutea audit verify`) names the first broken link.
The database refuses such writes too (migrations 0003 and 0006); the chain is what still tells
when someone went around the database's triggers.

Rows are chained in id order, and one writer at a time extends the chain (`lock_chain`: on
PostgreSQL a transaction-scoped advisory lock, on SQLite the database's write lock), so that the
row read as the head is still the head when the new row is inserted, and ids follow the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lutea.store.models import AuditEvent

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


def lock_chain(session: Session) -> None:
    """Be the only writer of the chain until the caller's transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    else:
        # a write that changes nothing still takes SQLite's write lock (or fails if another
        # writer got there first), so the head read next is the latest committed one
        session.execute(text("UPDATE audit_events SET id = id WHERE 0"))


_HEAD = "lutea_audit_head"  # session.info: (transaction, head) of the rows this transaction added


def locked_head(session: Session) -> tuple[datetime, str] | None:
    """The chain's head, with the chain locked for the caller's transaction. The lock and the read
    are taken once per transaction (or savepoint): after its first row, the head is the row it
    added last (`extended`), since no one else can extend the chain until it ends."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    known = session.info.get(_HEAD)
    if known is not None and known[0] is transaction and transaction is not None and transaction.is_active:
        return known[1]  # type: ignore[no-any-return]
    lock_chain(session)
    return head(session)


def extended(session: Session, at: datetime, row_hash_: str) -> None:
    """The caller's transaction added a row: it is the head until the transaction ends."""
    session.info[_HEAD] = (session.get_nested_transaction() or session.get_transaction(), (at, row_hash_))


def head(session: Session) -> tuple[datetime, str] | None:
    """The time and hash of the last row of the chain (None: no row yet)."""
    row = session.execute(select(AuditEvent.at, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return (row[0], row[1] or "") if row is not None else None


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
    """Check the whole audit trail of the database."""
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)).scalars()
    return check(rows)
