"""Property tests of the whole API against its own OpenAPI document (schemathesis).

Authenticated as the assigned clinician, with the path's patient_id pinned to that clinician's
patient so the generated bodies reach the real handlers. SQLite only, and a bounded number of
examples per operation, to finish well within a minute.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from api_examples import (
    DOSE,
    EPISODE,
    MEASUREMENT,
    NOTE,
    PASSWORD,
    SECRET,
    SYMPTOM,
    TREATMENT,
    iso,
)
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from hostile_values import HOSTILE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from lutea.config import Settings
from lutea.server import create_app
from lutea.store import crud, models, passwords
from lutea.tokens import issue_token

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


def _throwaway_headers() -> dict[str, str]:
    """A fresh account's token, for the operation that ends every session of its caller (logout):
    the shared doctor's token must outlive it."""
    with APP.state.sessionmaker.begin() as session:
        count = session.scalar(select(func.count()).select_from(models.User))
        user = crud.create_user(session, f"leaving.{count}@example.org", PASSWORD, "clinician")
        return {"Authorization": f"Bearer {issue_token(user.id, user.role, SECRET, 30)}"}


@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi_document(case, doctor) -> None:
    patient_id, headers = doctor
    if case.path == "/api/v1/auth/logout":
        headers = _throwaway_headers()
    if case.path_parameters and "patient_id" in case.path_parameters:
        case.path_parameters["patient_id"] = patient_id
        if case.method == "DELETE" and case.path == "/api/v1/patients/{patient_id}":
            case.path_parameters["patient_id"] = _spare_patient()
    case.call_and_validate(
        headers=headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )


# --- hostile values over the same document (issue 15) ----------------------------------------
# Schemathesis draws bodies that fit the schema; a hostile client sends what does not. For every
# operation with a JSON body, one property of a valid body gets a hostile value (tests/
# hostile_values.py: non-finite numbers, year 1 and 9999, numbers where times belong, surrogates
# and control characters, megabyte strings, other people's ids): never a 5xx; a 422 names a body
# field, is short and is JSON; nothing is stored after a 4xx.

RECORD_TABLES = (models.Patient, models.Episode, models.Measurement, models.Symptom, models.Treatment,
                 models.DoseEvent, models.Note, models.User, models.Assignment)
DOMAIN_BODIES = {
    "/api/v1/interpret": {"measurement": {"value": 10.0, "unit": "ng/mL", "sampled_at": iso(1)}},
    "/api/v1/simulate": {"regimen": "400 mg vaginal q12h", "days": 2},
    "/api/v1/individualize": {"regimen": f"400 mg vaginal q12h from {iso(3)}", "target": f">= 10 ng/mL at {iso(0)}",
                              "levels": [{"time": iso(1), "value": 8.0}]},
    "/api/v1/plan": {"scenario": "ivf-luteal-support", "answers": {}},
    "/api/v1/cds-services/lutea-patient-view": {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "1"}},
    "/api/v1/patients": {"display_name": "Hostile Example"},
    "/api/v1/admin/assignments": {"clinician_email": "doctor@example.org", "patient_id": 1},
}
RECORD_BODIES = {"episodes": EPISODE, "measurements": MEASUREMENT, "symptoms": SYMPTOM, "treatments": TREATMENT,
                 "doses": DOSE, "notes": NOTE}
BODY_OPERATIONS = sorted(
    (method.upper(), path)
    for path, operations in APP.openapi()["paths"].items()
    for method, operation in operations.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
)


def _counts() -> tuple[int, ...]:
    with APP.state.sessionmaker() as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in RECORD_TABLES)


def _valid_body(method: str, path: str) -> dict:
    if path in DOMAIN_BODIES:
        return dict(DOMAIN_BODIES[path])
    last = [p for p in path.split("/") if p and not p.startswith("{")][-1]
    if method == "PATCH":
        return {"episodes": {"note": "n"}, "symptoms": {"severity": 1}, "treatments": {"stop": iso(0.5)},
                "patients": {"display_name": "Renamed Example"}}.get(last, {})
    return dict(RECORD_BODIES.get(last, {}))


def _property_names(method: str, path: str) -> list[str]:
    operation = APP.openapi()["paths"][path][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = APP.openapi()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return sorted(schema.get("properties", {})) or ["resourceType"]


def _created(response) -> int:
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture(scope="module")
def record_ids(doctor) -> dict[str, int]:
    """One record of each kind for the PATCH and dose routes."""
    patient_id, headers = doctor
    with TestClient(APP) as client:
        return {kind: _created(client.post(f"/api/v1/patients/{patient_id}/{kind}", json=RECORD_BODIES[kind], headers=headers))
                for kind in ("episodes", "symptoms", "treatments")}


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS, ids=[f"{m} {p}" for m, p in BODY_OPERATIONS])
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_hostile_values_in_any_body_are_a_4xx_naming_the_field_and_store_nothing(method, path, data, doctor, record_ids) -> None:
    patient_id, headers = doctor
    body = _valid_body(method, path)
    field = data.draw(st.sampled_from(_property_names(method, path)), label="field")
    body[field] = data.draw(HOSTILE, label="value")
    url = path.replace("{patient_id}", str(patient_id)).replace("{user_id}", "1")
    url = url.replace("{record_id}", str(record_ids.get(next((k for k in record_ids if f"/{k}/" in path), ""), 1)))
    text = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
    before = _counts()
    with TestClient(APP, raise_server_exceptions=False) as client:
        response = client.request(method, url, content=text, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code < 500, f"{method} {url} {field}={str(body[field])[:80]!r}: {response.text[:300]}"
    if response.status_code >= 400:
        assert _counts() == before, "a refused request stored something"
        detail = response.json()["detail"]  # always JSON
        assert len(response.content) < 5000
        if response.status_code == 422 and isinstance(detail, list):
            assert all(d["loc"] and d["loc"][0] in ("body", "query", "path") for d in detail), detail
            assert any(len(d["loc"]) > 1 or field in d["msg"] for d in detail), detail
