"""An app on each database, with a small world of accounts: two patients, their clinicians, an admin."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from api_examples import PASSWORD, SECRET
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lutea.config import Settings
from lutea.server import create_app
from lutea.store import crud, models, passwords
from lutea.tokens import issue_token


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its lowest cost: the tests hash many passwords; production keeps the defaults."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:
    return Settings(database_url=database_url, secret_key=SECRET, secret_file=tmp_path / "secret")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class World:
    patient_id: int
    other_patient_id: int
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who in self.tokens else {}


@pytest.fixture
def world(app: FastAPI, client: TestClient) -> World:
    """Patients 1 and 2 with their own accounts; clinician `doctor` has patient 1, `other_doctor`
    patient 2; `admin` has no assignment."""
    with app.state.sessionmaker.begin() as session:
        mine = crud.add(session, models.Patient(display_name="Alice Example"))
        theirs = crud.add(session, models.Patient(display_name="Beatrice Example"))
        users = {
            "admin": crud.create_user(session, "admin@example.org", PASSWORD, "admin"),
            "doctor": crud.create_user(session, "doctor@example.org", PASSWORD, "clinician"),
            "other_doctor": crud.create_user(session, "other.doctor@example.org", PASSWORD, "clinician"),
            "patient": crud.create_user(session, "alice@example.org", PASSWORD, "patient", mine.id),
            "other_patient": crud.create_user(session, "beatrice@example.org", PASSWORD, "patient", theirs.id),
        }
        crud.assign(session, users["doctor"], mine.id)
        crud.assign(session, users["other_doctor"], theirs.id)
        tokens = {name: issue_token(u.id, u.role, SECRET, 30) for name, u in users.items()}
        return World(mine.id, theirs.id, tokens)
