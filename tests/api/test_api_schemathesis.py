"""Property tests of the whole API against its own OpenAPI document (schemathesis).

Authenticated as the assigned clinician, with the path's patient_id pinned to that clinician's
patient so the generated bodies reach the real handlers. SQLite only, and a bounded number of
examples per operation, to finish well within a minute.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from api_examples import PASSWORD, SECRET
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lutea.api import create_app
from lutea.api.auth import issue_token
from lutea.config import Settings
from lutea.store import crud, models, passwords

_DIR = Path(tempfile.mkdtemp(prefix="lutea-schemathesis-"))
APP = create_app(Settings(database_url=f"sqlite:///{_DIR / 'lutea.db'}", secret_key=SECRET, secret_file=_DIR / "secret"))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@pytest.fixture(scope="module")
def doctor() -> Iterator[tuple[int, dict[str, str]]]:
    """(patient id, headers) of a clinician assigned to one patient with a record of each kind."""
    passwords_hasher = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        with TestClient(APP):  # runs the migrations
            with APP.state.sessionmaker.begin() as session:
                patient = crud.add(session, models.Patient(display_name="Alice Example"))
                user = crud.create_user(session, "doctor@example.org", PASSWORD, "clinician")
                crud.assign(session, user, patient.id)
                token = issue_token(user.id, user.role, SECRET, 30)
            yield patient.id, {"Authorization": f"Bearer {token}"}
    finally:
        passwords._hasher = passwords_hasher


def _spare_patient() -> int:
    """A patient of the same clinician that DELETE /patients/{id} may remove."""
    with APP.state.sessionmaker.begin() as session:
        user = crud.get_user_by_email(session, "doctor@example.org")
        patient = crud.add(session, models.Patient(display_name="Spare Example"))
        crud.assign(session, user, patient.id)
        return patient.id


@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi_document(case, doctor) -> None:
    patient_id, headers = doctor
    if case.path_parameters and "patient_id" in case.path_parameters:
        case.path_parameters["patient_id"] = patient_id
        if case.method == "DELETE" and case.path == "/api/v1/patients/{patient_id}":
            case.path_parameters["patient_id"] = _spare_patient()
    case.call_and_validate(
        headers=headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
