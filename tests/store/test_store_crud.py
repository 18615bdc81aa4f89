"""Repositories: accounts, access, and transactions that leave nothing half-written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from lutea.errors import InputError
from lutea.store import crud, make_engine, make_sessionmaker, models, passwords

PASSWORD = "correct horse battery"


@pytest.fixture
def sessions(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_accounts_are_hashed_with_argon2_and_authenticate(sessions) -> None:
    with sessions.begin() as session:
        user = crud.create_user(session, " Doctor@Example.org ", PASSWORD, "clinician")
        assert user.email == "doctor@example.org"
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with sessions() as session:
        assert crud.authenticate(session, "DOCTOR@example.org", PASSWORD) is not None
        assert crud.authenticate(session, "doctor@example.org", "wrong password!") is None
        assert crud.authenticate(session, "nobody@example.org", PASSWORD) is None


@pytest.mark.parametrize(
    ("email", "password", "role", "patient", "field"),
    [
        ("not-an-email", PASSWORD, "clinician", False, "email"),
        ("a@example.org", "short", "clinician", False, "password"),
        ("a@example.org", PASSWORD, "nurse", False, "role"),
        ("a@example.org", PASSWORD, "patient", False, "patient_id"),
        ("a@example.org", PASSWORD, "clinician", True, "patient_id"),
    ],
)
def test_bad_accounts_are_refused_with_the_field(sessions, email, password, role, patient, field) -> None:
    with sessions.begin() as session:
        patient_id = crud.add(session, models.Patient(display_name="Alice")).id if patient else None
    with pytest.raises(InputError) as caught, sessions.begin() as session:
        crud.create_user(session, email, password, role, patient_id)
    assert caught.value.field == field


def test_access_follows_role_and_assignment(sessions) -> None:
    with sessions.begin() as session:
        mine = crud.add(session, models.Patient(display_name="Alice"))
        other = crud.add(session, models.Patient(display_name="Bea"))
        doctor = crud.create_user(session, "doctor@example.org", PASSWORD, "clinician")
        admin = crud.create_user(session, "admin@example.org", PASSWORD, "admin")
        alice = crud.create_user(session, "alice@example.org", PASSWORD, "patient", mine.id)
        crud.assign(session, doctor, mine.id)
        crud.assign(session, doctor, mine.id)  # idempotent
        assert crud.can_access(session, doctor, mine.id) and not crud.can_access(session, doctor, other.id)
        assert crud.can_access(session, alice, mine.id) and not crud.can_access(session, alice, other.id)
        assert not crud.can_access(session, admin, mine.id)
        assert [p.id for p in crud.accessible_patients(session, doctor)] == [mine.id]
        assert crud.accessible_patients(session, admin) == []
        assert len(crud.list_assignments(session)) == 1
        with pytest.raises(InputError):
            crud.assign(session, admin, mine.id)


def test_a_failed_transaction_leaves_nothing(sessions) -> None:
    with pytest.raises(RuntimeError), sessions.begin() as session:
        patient = crud.add(session, models.Patient(display_name="Alice"))
        crud.record_audit(session, user=None, action="create", patient_id=patient.id)
        raise RuntimeError("the request failed half-way")
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(models.Patient)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(models.AuditEvent)) == 0


def test_records_of_another_patient_are_not_found(sessions) -> None:
    with sessions.begin() as session:
        alice = crud.add(session, models.Patient(display_name="Alice"))
        bea = crud.add(session, models.Patient(display_name="Bea"))
        note = crud.add(session, models.Note(patient_id=alice.id, text="hello"))
        assert crud.get_record(session, models.Note, alice.id, note.id) is note
        assert crud.get_record(session, models.Note, bea.id, note.id) is None
