"""The audit trail: a row for every read and write of patient data, readable by admins, never editable."""

from __future__ import annotations

import pytest
from api_examples import MEASUREMENT
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lutea.store import crud, models

API = "/api/v1"


def test_reads_and_writes_are_audited_with_who_what_when_where(client: TestClient, world) -> None:
    created = client.post(f"{API}/patients/{world.patient_id}/measurements", json=MEASUREMENT, headers=world.headers("doctor"))
    record_id = created.json()["id"]
    client.get(f"{API}/patients/{world.patient_id}/measurements/{record_id}", headers=world.headers("patient"))
    client.get(f"{API}/patients/{world.patient_id}/measurements", headers=world.headers("patient"))
    trail = client.get(f"{API}/audit", params={"patient_id": world.patient_id}, headers=world.headers("admin")).json()
    rows = [(r["user_email"], r["action"], r["record_type"], r["record_id"]) for r in reversed(trail)]
    assert rows == [
        ("doctor@example.org", "create", "measurements", record_id),
        ("doctor@example.org", "create", "interpretations", created.json()["interpretation"]["id"]),
        ("alice@example.org", "read", "measurements", record_id),
        ("alice@example.org", "list", "measurements", None),
    ]
    assert all(r["client_addr"] == "testclient" and r["at"].endswith("Z") for r in trail)


def test_no_route_edits_or_deletes_audit_rows(app: FastAPI, client: TestClient, world) -> None:
    client.get(f"{API}/patients/{world.patient_id}", headers=world.headers("patient"))
    audit_ops = [(m, p) for p, ops in app.openapi()["paths"].items() for m in ops if "audit" in p]
    assert audit_ops == [("get", "/api/v1/audit")]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for path in ("/api/v1/audit", "/api/v1/audit/1"):
            response = client.request(method, path, json={"action": "nothing"}, headers=world.headers("admin"))
            assert response.status_code in (404, 405), f"{method} {path}"
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(models.AuditEvent)) == 1


def test_a_failing_request_leaves_nothing_half_written(app: FastAPI, client: TestClient, world, monkeypatch) -> None:
    """The measurement is flushed, then the audit write fails: neither may remain."""
    real = crud.record_audit

    def failing(session, **kwargs):
        if kwargs.get("action") == "create":
            raise RuntimeError("disk full")
        return real(session, **kwargs)

    monkeypatch.setattr(crud, "record_audit", failing)
    response = client.post(f"{API}/patients/{world.patient_id}/measurements", json=MEASUREMENT, headers=world.headers("doctor"))
    assert response.status_code == 500
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(models.Measurement)) == 0
        assert session.scalar(select(func.count()).select_from(models.AuditEvent)) == 0


@pytest.mark.parametrize("who", ["doctor", "patient"])
def test_only_admins_read_the_trail(client: TestClient, world, who: str) -> None:
    assert client.get(f"{API}/audit", headers=world.headers(who)).status_code == 403
