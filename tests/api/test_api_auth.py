"""Login (OAuth2 password flow), token expiry, and the rate limit on failed logins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api_examples import PASSWORD, SECRET
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lutea.api.auth import LoginThrottle, issue_token, read_token

API = "/api/v1"


def _login(client: TestClient, email: str, password: str):
    return client.post(f"{API}/auth/token", data={"username": email, "password": password})


def test_login_gives_a_bearer_token_that_opens_the_record(client: TestClient, world) -> None:
    response = _login(client, "Alice@Example.org", PASSWORD)
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get(f"{API}/patients/{world.patient_id}", headers=headers).status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient, world) -> None:
    wrong = _login(client, "alice@example.org", "not the password")
    unknown = _login(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_expired_and_forged_tokens_are_refused(client: TestClient, world) -> None:
    old = issue_token(4, "patient", SECRET, 30, now=datetime.now(UTC) - timedelta(hours=1))
    forged = issue_token(4, "patient", "another key entirely, also long enough", 30)
    for token in (old, forged, "not-a-jwt"):
        response = client.get(f"{API}/patients", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    assert read_token(old, SECRET) is None


def test_failed_logins_are_limited_per_email_and_address(app: FastAPI, world) -> None:
    with TestClient(app, client=("203.0.113.5", 5000)) as attacker, TestClient(app, client=("198.51.100.7", 5000)) as owner:
        for _ in range(5):
            assert _login(attacker, "alice@example.org", "guess").status_code == 401
        limited = _login(attacker, "alice@example.org", PASSWORD)  # even the right password waits
        assert limited.status_code == 429
        assert 0 < int(limited.headers["Retry-After"]) <= 300
        assert _login(owner, "alice@example.org", PASSWORD).status_code == 200  # another address is not blocked
        assert _login(attacker, "doctor@example.org", PASSWORD).status_code == 200  # nor another account


def test_throttle_window_slides() -> None:
    throttle = LoginThrottle(max_failures=5, window_s=300)
    for second in range(5):
        throttle.fail("a@example.org", "1.2.3.4", now=1000.0 + second)
    assert throttle.retry_after_s("a@example.org", "1.2.3.4", now=1010.0) == 290
    assert throttle.retry_after_s("a@example.org", "1.2.3.4", now=1300.0) == 0  # the first failure left the window
    throttle.succeed("a@example.org", "1.2.3.4")
    assert throttle.retry_after_s("a@example.org", "1.2.3.4", now=1001.0) == 0


def test_a_deactivated_account_loses_its_tokens(client: TestClient, world) -> None:
    users = {u["email"]: u["id"] for u in client.get(f"{API}/admin/users", headers=world.headers("admin")).json()}
    assert client.get(f"{API}/patients", headers=world.headers("doctor")).status_code == 200
    off = client.patch(f"{API}/admin/users/{users['doctor@example.org']}", json={"active": False}, headers=world.headers("admin"))
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get(f"{API}/patients", headers=world.headers("doctor")).status_code == 401
    assert _login(client, "doctor@example.org", PASSWORD).status_code == 401
    assert client.patch(f"{API}/admin/users/1", json={"active": False}, headers=world.headers("doctor")).status_code == 401
