"""Who writes or reads a patient's record, and the audit of what they do with it.

Every records service takes a `RecordAccess`: the caller's transaction, the signed-in user, the
patient, and where the request came from. `open_record` is the one access rule of every shell:
the patient reaches their own record, a clinician the records assigned to them.

A refusal (`AccessDenied`) carries who was refused what; `transaction` rolls the caller's work
back and then records the refusal in a transaction of its own, so the audit row survives and no
write of the refused request does (and SQLite's single writer is never waited on by itself).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from lutea.config import Settings
from lutea.errors import InputError, LuteaError
from lutea.store import crud, models


class AccessDenied(LuteaError):
    """The caller may not reach this record, or may not do this to it (shells: 403)."""

    action = "deny"  # the audit row's action

    def __init__(self, message: str, *, user: models.User | None = None, patient_id: int | None = None,
                 client_addr: str | None = None, path: str | None = None):
        super().__init__(message)
        self.user_id = user.id if user is not None else None
        self.user_email = user.email if user is not None else None
        self.patient_id = patient_id
        self.client_addr = client_addr
        self.path = path


class Unauthenticated(AccessDenied):
    """No valid credentials: no token or session, or one that is forged, expired or ended (shells:
    401 or the sign-in page); audited like any refusal, naming the account a stale token named."""

    action = "unauthenticated"


class RecordNotFound(LuteaError):
    """The patient has no such record (shells: 404)."""


class Overloaded(LuteaError):
    """The request waited past its deadline: it is rolled back, not committed (shells: 503)."""


@dataclass
class RecordAccess:
    """The caller's access to one patient's record, inside the caller's transaction."""

    session: Session
    user: models.User | None  # None: a local operator (the CLI), audited as such
    patient_id: int
    settings: Settings
    client_addr: str | None = None
    path: str | None = None

    @cached_property
    def patient(self) -> models.Patient | None:
        """The patient's row, loaded once (held here, so later reads of it in this transaction,
        the interpretation's context among them, find it in the session without a query)."""
        return self.session.get(models.Patient, self.patient_id)

    @property
    def is_clinician(self) -> bool:
        return self.user is not None and self.user.role == "clinician"

    @property
    def role(self) -> str:
        """The reader's role for wording: a patient reads plain language, everyone else the clinician's."""
        return self.user.role if self.user is not None else "clinician"

    def audit(self, action: str, record_type: str, record_id: int | None = None) -> None:
        """One audit row in the caller's transaction (it commits or rolls back with the write)."""
        crud.record_audit(
            self.session, user=self.user, action=action, patient_id=self.patient_id, record_type=record_type,
            record_id=record_id, client_addr=self.client_addr, path=self.path,
        )

    def require_clinician(self) -> None:
        """Writes only a clinician may make (record structure, deletions, acknowledgements)."""
        if not self.is_clinician:
            raise AccessDenied(f"only a clinician may do this to patient {self.patient_id}'s record", user=self.user,
                               patient_id=self.patient_id, client_addr=self.client_addr, path=self.path)


def record_denial_in(session: Session, exc: AccessDenied) -> None:
    """The audit row of a refusal, in the caller's transaction (one that will commit)."""
    crud.record_audit(session, user=None, user_id=exc.user_id, user_email=exc.user_email, action=exc.action,
                      patient_id=exc.patient_id, client_addr=exc.client_addr, path=exc.path)


def record_denial(sessionmaker: Any, exc: AccessDenied) -> None:
    """The audit row of a refusal, in a transaction of its own."""
    with sessionmaker.begin() as session:
        record_denial_in(session, exc)


@contextmanager
def transaction(sessionmaker: Any, deadline: float | None = None) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back if it raises; a refusal is
    audited after the rollback. Past `deadline` (time.monotonic()) it is rolled back and
    Overloaded raised: its client has given up, so nothing it asked for is stored unseen."""
    try:
        with sessionmaker() as session, session.begin():
            yield session
            crud.write_audit(session)  # the last write (on SQLite it may wait for the writer's turn)
            if deadline is not None and time.monotonic() > deadline:
                raise Overloaded("the request waited too long; nothing was stored")
    except AccessDenied as exc:
        record_denial(sessionmaker, exc)
        raise


def open_record(session: Session, user: models.User, patient_id: int, settings: Settings, *,
                client_addr: str | None = None, path: str | None = None) -> RecordAccess:
    """The caller's access to a patient's record, or AccessDenied (audited by `transaction`)."""
    if not crud.can_access(session, user, patient_id):
        raise AccessDenied(f"no access to patient {patient_id}", user=user, patient_id=patient_id,
                           client_addr=client_addr, path=path)
    return RecordAccess(session, user, patient_id, settings, client_addr, path)


def operator_access(session: Session, patient_id: int, settings: Settings, *, client_addr: str = "cli") -> RecordAccess:
    """Access of the machine's operator (the CLI, which opens the database directly): the same
    checks and audit rows as a signed-in user's, with no user named."""
    if session.get(models.Patient, patient_id) is None:
        raise InputError("patient", f"no patient {patient_id}", "the id of an existing patient record")
    return RecordAccess(session, None, patient_id, settings, client_addr, None)
