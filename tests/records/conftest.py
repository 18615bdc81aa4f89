"""A migrated SQLite database, a clinician and a patient, and their access to her record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from records_helpers import open_as
from sqlalchemy.orm import Session, sessionmaker

from lutea.config import Settings
from lutea.records import RecordAccess
from lutea.store import (
    crud,
    make_engine,
    make_sessionmaker,
    models,
    passwords,
    upgrade_to_head,
)

PASSWORD = "records-test-password"


@pytest.fixture
def sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    url = f"sqlite:///{tmp_path}/records.db"
    upgrade_to_head(url)
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(secret_key="records-" + "k" * 40, secret_file=tmp_path / "secret")


@pytest.fixture
def people(sessions: sessionmaker[Session]) -> dict[str, int]:
    """A patient (with her account) and a second patient, both assigned to one clinician (committed)."""
    with sessions.begin() as s:
        patient = crud.add(s, models.Patient(display_name="Dana Record"))
        other = crud.add(s, models.Patient(display_name="Erin Record"))
        doctor = crud.create_user(s, "doctor@records.test", PASSWORD, "clinician")
        crud.assign(s, doctor, patient.id)
        crud.assign(s, doctor, other.id)
        user = crud.create_user(s, "dana@records.test", PASSWORD, "patient", patient.id)
        return {"doctor": doctor.id, "patient": user.id, "patient_id": patient.id, "other_id": other.id}


@pytest.fixture
def session(sessions: sessionmaker[Session], people: dict[str, int]) -> Iterator[Session]:
    """The test's transaction (a request's, in the shells)."""
    with sessions.begin() as s:
        yield s


@pytest.fixture
def access(session: Session, sessions: sessionmaker[Session], settings: Settings, people) -> RecordAccess:
    return open_as(session, sessions, settings, people["doctor"], people["patient_id"])


@pytest.fixture
def as_patient(session: Session, sessions: sessionmaker[Session], settings: Settings, people) -> RecordAccess:
    return open_as(session, sessions, settings, people["patient"], people["patient_id"])
