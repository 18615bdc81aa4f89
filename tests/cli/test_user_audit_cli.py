"""`lutea user create|assign` and `lutea audit` against a SQLite file named by LUTEA_DATABASE_URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from lutea.command import app
from lutea.store import crud, make_engine, make_sessionmaker, models, passwords

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'lutea.db'}"
    monkeypatch.setenv("LUTEA_DATABASE_URL", url)
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    return url


def test_create_a_clinician_assign_a_patient_and_read_the_audit(database: str) -> None:
    created = runner.invoke(
        app, ["user", "create", "--role", "clinician", "--email", "Doc@Example.org", "--password", "a long password", "--json"]
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["email"] == "doc@example.org"
    engine = make_engine(database)
    with make_sessionmaker(engine).begin() as session:
        patient_id = crud.add(session, models.Patient(display_name="Alice")).id
    assigned = runner.invoke(app, ["user", "assign", "--clinician", "doc@example.org", "--patient", str(patient_id)])
    assert assigned.exit_code == 0, assigned.output
    with make_sessionmaker(engine)() as session:
        doctor = crud.get_user_by_email(session, "doc@example.org")
        assert crud.can_access(session, doctor, patient_id)
        assert crud.authenticate(session, "doc@example.org", "a long password") is not None
    engine.dispose()
    trail = runner.invoke(app, ["audit", "--patient", str(patient_id), "--json"])
    assert trail.exit_code == 0, trail.output
    assert [r["action"] for r in json.loads(trail.stdout)["audit"]] == ["assign"]


def test_password_is_prompted_when_not_given(database: str) -> None:
    result = runner.invoke(app, ["user", "create", "--role", "admin", "--email", "a@example.org"], input="a long password\na long password\n")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["user", "create", "--role", "nurse", "--email", "n@example.org", "--password", "a long password"],
        ["user", "create", "--role", "patient", "--email", "p@example.org", "--password", "a long password"],
        ["user", "assign", "--clinician", "nobody@example.org", "--patient", "1"],
    ],
)
def test_bad_input_exits_2_with_one_line(database: str, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
