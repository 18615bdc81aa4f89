"""Every login and every refusal leaves an audit row (with the peer's address, whatever the
headers say); a missing and a forbidden patient get the same answer; /api answers carry security
headers."""

from __future__ import annotations

import pytest
from api_examples import PASSWORD
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from lutea.store import audit_chain, models

API = "/api/v1"


def _rows(app: FastAPI) -> list[models.AuditEvent]:
    with app.state.sessionmaker() as session:
        return list(session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.id)))


def _token(client: TestClient, email: str, password: str = PASSWORD, **kwargs):
    return client.post(f"{API}/auth/token", data={"username": email, "password": password}, **kwargs)


def test_api_logins_succeeded_failed_and_locked_are_audited_with_the_peer_address(app: FastAPI, world) -> None:
    client = TestClient(app, client=("203.0.113.5", 5000))
    forged = {"X-Forwarded-For": "192.0.2.66"}
    assert _token(client, "alice@example.org", headers=forged).status_code == 200
    for _ in range(5):
        assert _token(client, "alice@example.org", "wrong", headers=forged).status_code == 401
    assert _token(client, "nobody@example.org", "wrong", headers=forged).status_code == 401
    assert _token(client, "alice@example.org", headers=forged).status_code == 429
    rows = [(r.action, r.user_email, r.user_id is not None, r.client_addr) for r in _rows(app)]
    assert rows == [("login", "alice@example.org", True, "203.0.113.5")] + \
        [("login-failed", "alice@example.org", True, "203.0.113.5")] * 5 + [
        ("login-failed", "nobody@example.org", False, "203.0.113.5"),
        ("login-locked", "alice@example.org", True, "203.0.113.5")]


def test_401_on_any_route_is_audited_naming_a_stale_tokens_account(app: FastAPI, client: TestClient, world) -> None:
    assert client.get(f"{API}/patients/{world.patient_id}").status_code == 401
    assert client.post(f"{API}/auth/logout", headers=world.headers("doctor")).status_code == 204
    stale = client.get(f"{API}/patients/{world.patient_id}/measurements", headers=world.headers("doctor"))
    assert stale.status_code == 401 and stale.headers["WWW-Authenticate"] == "Bearer"
    rows = [(r.action, r.user_email, r.path) for r in _rows(app)]
    assert rows == [
        ("unauthenticated", None, f"{API}/patients/{world.patient_id}"),
        ("logout", "doctor@example.org", f"{API}/auth/logout"),
        ("unauthenticated", "doctor@example.org", f"{API}/patients/{world.patient_id}/measurements"),
    ]


@pytest.mark.parametrize("who", ["doctor", "patient"])
def test_vertical_refusals_on_admin_routes_are_audited(app: FastAPI, client: TestClient, world, who: str) -> None:
    """The probe: a 403 on an admin route left no audit row."""
    assert client.get(f"{API}/admin/users", headers=world.headers(who)).status_code == 403
    assert client.get(f"{API}/audit", headers=world.headers(who)).status_code == 403
    assert [(r.action, r.path) for r in _rows(app)] == [("deny", f"{API}/admin/users"), ("deny", f"{API}/audit")]


def test_cds_and_fhir_import_refusals_are_audited(app: FastAPI, client: TestClient, world) -> None:
    hook = {"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "context": {"patientId": str(world.patient_id)}}
    assert client.post(f"{API}/cds-services/lutea-patient-view", json=hook,
                       headers=world.headers("other_doctor")).status_code == 403
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    assert client.post(f"{API}/fhir", params={"patient": world.patient_id}, json=bundle,
                       headers=world.headers("other_patient")).status_code == 403
    rows = [(r.action, r.user_email, r.patient_id, r.path) for r in _rows(app)]
    assert rows == [
        ("deny", "other.doctor@example.org", world.patient_id, f"{API}/cds-services/lutea-patient-view"),
        ("deny", "beatrice@example.org", world.patient_id, f"{API}/fhir"),
    ]


def test_exports_are_audited(app: FastAPI, client: TestClient, world) -> None:
    assert client.get(f"{API}/fhir/Patient/{world.patient_id}/$everything",
                      headers=world.headers("patient")).status_code == 200
    assert [(r.action, r.record_type, r.patient_id) for r in _rows(app)] == [("export", "fhir", world.patient_id)]


def test_a_missing_and_a_forbidden_patient_get_the_same_answer(client: TestClient, world) -> None:
    """The probe: CDS patient-view said 404 for a missing patient and 403 for another's, so ids
    could be probed. Both are 403, everywhere, with the same words."""
    missing_id, forbidden_id = 99_999, world.other_patient_id
    for path in ("/patients/{}", "/patients/{}/measurements", "/patients/{}/timeline", "/fhir/Patient/{}/$everything"):
        missing = client.get(API + path.format(missing_id), headers=world.headers("doctor"))
        forbidden = client.get(API + path.format(forbidden_id), headers=world.headers("doctor"))
        assert missing.status_code == forbidden.status_code == 403, path
        assert missing.json()["detail"].replace(str(missing_id), "N") == forbidden.json()["detail"].replace(
            str(forbidden_id), "N")
    answers = []
    for pid in (missing_id, forbidden_id, 9_999_999_999, "p-99999", "unknown-ehr-id"):
        hook = {"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                "context": {"patientId": str(pid)}}
        response = client.post(f"{API}/cds-services/lutea-patient-view", json=hook, headers=world.headers("doctor"))
        answers.append((response.status_code, response.json()["detail"].replace(str(pid), "N")))
    assert answers[0] == answers[1] and {status for status, _ in answers} == {403}
    imports = [client.post(f"{API}/fhir", params={"patient": pid}, headers=world.headers("doctor"),
                           json={"resourceType": "Bundle", "type": "collection", "entry": []})
               for pid in (missing_id, forbidden_id)]
    assert [r.status_code for r in imports] == [403, 403]


def test_order_sign_reads_no_record_it_may_not_and_says_so_alike(client: TestClient, world) -> None:
    draft = {"resourceType": "Bundle", "entry": []}
    answers = []
    for pid in (99_999, world.other_patient_id):
        hook = {"hook": "order-sign", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                "context": {"patientId": str(pid), "draftOrders": draft}}
        response = client.post(f"{API}/cds-services/lutea-order-sign", json=hook, headers=world.headers("doctor"))
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1] == (200, {"cards": []})


@pytest.mark.parametrize("path", ["/patients", "/patients/1", "/cds-services", "/auth/token", "/no-such-route"])
def test_api_answers_carry_security_headers(client: TestClient, world, path: str) -> None:
    """The probe: /api/* answers carried no Cache-Control nor X-Content-Type-Options."""
    method = client.post if path == "/auth/token" else client.get
    response = method(API + path, headers=world.headers("patient"))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_chain_holds_after_a_run_of_requests(app: FastAPI, client: TestClient, world) -> None:
    _token(client, "alice@example.org")
    _token(client, "alice@example.org", "wrong")
    client.get(f"{API}/patients/{world.patient_id}", headers=world.headers("patient"))
    client.get(f"{API}/patients/{world.patient_id}", headers=world.headers("other_doctor"))
    client.get(f"{API}/admin/users", headers=world.headers("patient"))
    with app.state.sessionmaker() as session:
        report = audit_chain.verify(session)
    assert report.intact and report.rows == 5


def test_each_answer_carries_its_own_doors_headers_once(client: TestClient) -> None:
    """API answers get the JSON policy, the docs page the API headers without it, pages and static
    files the web policy; a header the answer sets itself (Plotly's cache time) is kept, none twice."""
    api = client.get(f"{API}/cds-services")
    docs = client.get(f"{API}/docs")
    page = client.get("/login")
    script = client.get("/static/plotly.min.js")
    assert api.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert docs.headers["Cache-Control"] == "no-store" and "default-src 'none'" not in docs.headers.get(
        "Content-Security-Policy", "")
    for answer in (page, script):
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["Referrer-Policy"] == "same-origin" and "X-Frame-Options" not in answer.headers
    assert script.headers["Cache-Control"] == "max-age=86400"
    for answer in (api, docs, page, script):
        names = [name.lower() for name, _ in answer.headers.multi_items()]
        assert len(names) == len(set(names)), names


def test_rows_of_one_transaction_chain_to_each_other_and_a_rolled_back_savepoint_leaves_no_link(
        app: FastAPI, world) -> None:
    """The chain's head is read once per transaction; a savepoint rolled back takes its rows and
    its head with it, so the next row chains to the last row that stays."""
    from lutea.store import crud

    with app.state.sessionmaker.begin() as session:
        crud.record_audit(session, user=None, action="first", user_email="a@example.org")
        crud.record_audit(session, user=None, action="second", user_email="a@example.org")
        savepoint = session.begin_nested()
        crud.record_audit(session, user=None, action="undone", user_email="a@example.org")
        savepoint.rollback()
        crud.record_audit(session, user=None, action="third", user_email="a@example.org")
    rows = _rows(app)
    assert [r.action for r in rows[-3:]] == ["first", "second", "third"]
    assert rows[-1].prev_hash == rows[-2].hash and rows[-2].prev_hash == rows[-3].hash
    with app.state.sessionmaker() as session:
        assert audit_chain.verify(session).intact
