"""Fixtures of the FHIR tests: realistic bundles (data/*.json), a migrated SQLite database, and an
API app with a clinician assigned to one patient, that patient's own account, and a stranger."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_examples import PASSWORD, SECRET, World
from sqlalchemy.orm import Session, sessionmaker

from lutea.config import Settings
from lutea.server import create_app
from lutea.store import crud, make_engine, make_sessionmaker, models, passwords
from lutea.tokens import issue_token


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_templates: dict[str, str]) -> str:
    target = tmp_path / "lutea.db"
    shutil.copyfile(migrated_templates["sqlite"], target)
    return f"sqlite:///{target}"


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> FastAPI:
    return create_app(Settings(database_url=sqlite_url, secret_key=SECRET, secret_file=tmp_path / "secret"))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def world(app: FastAPI, client: TestClient) -> World:
    """Patient 1 (own account `patient`, clinician `doctor`); patient 2 with clinician `stranger`."""
    with app.state.sessionmaker.begin() as session:
        mine = crud.add(session, models.Patient(display_name="Clara Example"))
        theirs = crud.add(session, models.Patient(display_name="Beatrice Example"))
        users = {
            "doctor": crud.create_user(session, "doctor@example.org", PASSWORD, "clinician"),
            "stranger": crud.create_user(session, "stranger@example.org", PASSWORD, "clinician"),
            "patient": crud.create_user(session, "clara@example.org", PASSWORD, "patient", mine.id),
        }
        crud.assign(session, users["doctor"], mine.id)
        crud.assign(session, users["stranger"], theirs.id)
        tokens = {name: issue_token(u.id, u.role, SECRET, 30) for name, u in users.items()}
        return World(mine.id, theirs.id, tokens)
