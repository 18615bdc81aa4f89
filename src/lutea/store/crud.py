"""Repositories: reads and writes of lutea's records. Callers own the transaction (commit once)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from lutea.errors import InputError
from lutea.store import audit_chain, models
from lutea.store.passwords import hash_password, verify_password

R = TypeVar("R", bound=models.Base)

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(session: Session, email: str) -> models.User | None:
    return session.scalar(select(models.User).where(models.User.email == normalise_email(email)))


def create_user(
    session: Session, email: str, password: str, role: str, patient_id: int | None = None
) -> models.User:
    """A new account; a patient account must name its patient record, other roles must not."""
    email = normalise_email(email)
    if "@" not in email:
        raise InputError("email", f"{email!r} is not an email address", "name@example.org")
    if role not in models.ROLES:
        raise InputError("role", f"unknown role {role!r}", models.ROLES)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError("password", f"shorter than {MIN_PASSWORD_LENGTH} characters", "a longer password")
    if (role == "patient") != (patient_id is not None):
        raise InputError("patient_id", "a patient account links one patient record; other roles link none")
    if patient_id is not None and session.get(models.Patient, patient_id) is None:
        raise InputError("patient_id", f"no patient {patient_id}")
    if get_user_by_email(session, email) is not None:
        raise InputError("email", f"an account for {email} exists already")
    user = models.User(email=email, password_hash=hash_password(password), role=role, patient_id=patient_id)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> models.User | None:
    """The active user with this email and password, or None (constant work either way)."""
    user = get_user_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return user


def end_sessions(session: Session, user: models.User) -> None:
    """End every token and web session issued to this account so far (they carry the old version)."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()


def set_password(session: Session, user: models.User, password: str) -> None:
    """A new password; every earlier token and session of the account ends with the old one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError("password", f"shorter than {MIN_PASSWORD_LENGTH} characters", "a longer password")
    user.password_hash = hash_password(password)
    end_sessions(session, user)


def set_active(session: Session, user: models.User, active: bool) -> None:
    """Deactivate (ending every token and session) or reactivate an account."""
    if user.active and not active:
        end_sessions(session, user)
    user.active = active
    session.flush()


def list_users(session: Session) -> Sequence[models.User]:
    return session.scalars(select(models.User).order_by(models.User.id)).all()


def assign(session: Session, clinician: models.User, patient_id: int) -> models.Assignment:
    """Give a clinician access to a patient's record (idempotent)."""
    if clinician.role != "clinician":
        raise InputError("clinician", f"{clinician.email} is a {clinician.role}, not a clinician")
    if session.get(models.Patient, patient_id) is None:
        raise InputError("patient_id", f"no patient {patient_id}")
    existing = session.scalar(
        select(models.Assignment).where(
            models.Assignment.clinician_id == clinician.id, models.Assignment.patient_id == patient_id
        )
    )
    if existing is not None:
        return existing
    assignment = models.Assignment(clinician_id=clinician.id, patient_id=patient_id)
    session.add(assignment)
    session.flush()
    return assignment


def list_assignments(session: Session) -> Sequence[models.Assignment]:
    return session.scalars(select(models.Assignment).order_by(models.Assignment.id)).all()


def can_access(session: Session, user: models.User, patient_id: int) -> bool:
    """A patient reaches their own record, a clinician the records assigned to them; admins none."""
    if user.role == "patient":
        return user.patient_id == patient_id
    if user.role == "clinician":
        return session.execute(_ASSIGNED, {"clinician_id": user.id, "patient_id": patient_id}).first() is not None
    return False


_assignments = models.Assignment.__table__.c
# a plain statement (no ORM entity to load): every request to a record asks it
_ASSIGNED = select(_assignments.id).where(_assignments.clinician_id == bindparam("clinician_id"),
                                          _assignments.patient_id == bindparam("patient_id")).limit(1)


def accessible_patients(session: Session, user: models.User) -> Sequence[models.Patient]:
    if user.role == "patient":
        if user.patient_id is None:
            return []
        patient = session.get(models.Patient, user.patient_id)
        return [patient] if patient else []
    if user.role == "clinician":
        return session.scalars(
            select(models.Patient)
            .join(models.Assignment, models.Assignment.patient_id == models.Patient.id)
            .where(models.Assignment.clinician_id == user.id)
            .order_by(models.Patient.id)
        ).all()
    return []


def add(session: Session, record: R) -> R:
    session.add(record)
    session.flush()
    return record


def get_record(session: Session, model: type[R], patient_id: int, record_id: int) -> R | None:
    """One record of a patient; None when absent or when it belongs to someone else."""
    record = session.get(model, record_id)
    if record is None or getattr(record, "patient_id", None) != patient_id:
        return None
    return record


def list_records(session: Session, model: type[R], patient_id: int) -> Sequence[R]:
    order = getattr(model, _ORDER.get(model.__tablename__, "id"))
    return session.scalars(
        select(model).where(model.patient_id == patient_id).order_by(order, model.id)  # type: ignore[attr-defined]
    ).all()


_ORDER = {
    "episodes": "start_date",
    "measurements": "sampled_at",
    "symptoms": "noted_at",
    "treatments": "start",
    "dose_events": "taken_at",
    "interpretations": "created_at",
    "notes": "created_at",
}


def update(session: Session, record: R, fields: dict[str, Any]) -> R:
    for name, value in fields.items():
        setattr(record, name, value)
    session.flush()
    return record


def delete(session: Session, record: models.Base) -> None:
    session.delete(record)
    session.flush()


def _audit_text(value: str | None, limit: int) -> str | None:
    """Text as both databases store it: no NUL, no lone surrogate, at most `limit` characters."""
    if value is None:
        return None
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:limit]


def record_audit(
    session: Session,
    *,
    user: models.User | None,
    action: str,
    patient_id: int | None = None,
    record_type: str | None = None,
    record_id: int | None = None,
    client_addr: str | None = None,
    path: str | None = None,
    user_id: int | None = None,
    user_email: str | None = None,
) -> None:
    """Add one audit row to the caller's transaction (it commits or rolls back with the write).

    The one writer of the trail: the row is queued and, when the transaction commits, chained to
    the one before it under the chain's lock and dated no earlier than it (lutea.store.audit_chain).
    `user_id`/`user_email` name the caller when there is no account object (a refusal after the
    rollback, a failed login)."""
    audit_chain.append(session, {
        "user_id": user.id if user else user_id,
        "user_email": _audit_text(user.email if user else user_email, 320),
        "action": _audit_text(action, 32),
        "patient_id": patient_id,
        "record_type": _audit_text(record_type, 32),
        "record_id": record_id,
        "client_addr": _audit_text(client_addr, 64),
        "path": _audit_text(path, 300),
    })


def write_audit(session: Session) -> None:
    """Write the audit rows queued in this transaction now (else they are written at its commit)."""
    audit_chain.write_pending(session)


def list_audit(session: Session, patient_id: int | None = None, limit: int = 1000) -> Sequence[models.AuditEvent]:
    write_audit(session)  # the caller's own rows, too
    query = select(models.AuditEvent).order_by(models.AuditEvent.id.desc()).limit(limit)
    if patient_id is not None:
        query = query.where(models.AuditEvent.patient_id == patient_id)
    return session.scalars(query).all()
