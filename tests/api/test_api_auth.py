"""Login (OAuth2 password flow), token expiry, and the rate limit on failed logins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api_examples import PASSWORD, SECRET
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lutea.api.auth import LoginThrottle
from lutea.tokens import issue_token, read_token

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


def test_a_token_checked_before_still_expires_and_opens_only_with_its_own_key(monkeypatch) -> None:
    """A token's signature is checked once per process (lutea.tokens.read_token); its expiry,
    and the key it was signed with, still count at every use."""
    from lutea import tokens

    token = issue_token(4, "patient", SECRET, 30, session_version=2)
    assert read_token(token, SECRET) == read_token(token, SECRET) == (4, 2)
    assert read_token(token, "another key entirely, also long enough") is None
    time_after = datetime.now(UTC) + timedelta(minutes=31)
    monkeypatch.setattr(tokens, "time", type("Clock", (), {"time": staticmethod(lambda: time_after.timestamp())}))
    assert read_token(token, SECRET) is None


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


def test_forwarding_headers_from_an_untrusted_peer_buy_no_guesses(app: FastAPI, world) -> None:
    """The probe: rotating X-Forwarded-For (or Forwarded) gave unlimited password guesses."""
    attacker = TestClient(app, client=("203.0.113.5", 5000))
    for i in range(5):
        forged = {"X-Forwarded-For": f"192.0.2.{i + 1}", "Forwarded": f"for=192.0.2.{100 + i}"}
        response = attacker.post(f"{API}/auth/token", data={"username": "alice@example.org", "password": "guess"},
                                 headers=forged)
        assert response.status_code == 401
    again = attacker.post(f"{API}/auth/token", data={"username": "alice@example.org", "password": PASSWORD},
                          headers={"X-Forwarded-For": "192.0.2.77"})
    assert again.status_code == 429


def test_a_trusted_proxy_names_the_client(settings, world) -> None:
    from lutea.server import create_app

    app = create_app(settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"}))
    with TestClient(app):  # migrated
        pass
    proxy = TestClient(app, client=("10.0.0.2", 5000))
    spoof = {"X-Forwarded-For": "192.0.2.9, 198.51.100.7, 10.0.0.3"}  # the client wrote the first entry
    for _ in range(5):
        proxy.post(f"{API}/auth/token", data={"username": "alice@example.org", "password": "guess"}, headers=spoof)
    assert _login_via(proxy, {"X-Forwarded-For": "192.0.2.10, 198.51.100.7"}).status_code == 429  # same client
    assert _login_via(proxy, {"X-Forwarded-For": "198.51.100.8"}).status_code == 200  # another client behind the proxy


def _login_via(client: TestClient, headers: dict[str, str]):
    return client.post(f"{API}/auth/token", data={"username": "alice@example.org", "password": PASSWORD},
                       headers=headers)


def test_failures_of_one_account_from_many_addresses_back_off(app: FastAPI, world) -> None:
    """Ten failures from ten addresses: the eleventh attempt, from yet another address and with the
    right password, waits; another account does not."""
    for i in range(10):
        guesser = TestClient(app, client=(f"198.18.0.{i + 1}", 5000))
        assert _login(guesser, "alice@example.org", f"guess {i}").status_code == 401
    fresh = TestClient(app, client=("198.18.1.1", 5000))
    waited = _login(fresh, "alice@example.org", PASSWORD)
    assert waited.status_code == 429 and int(waited.headers["Retry-After"]) >= 1
    assert _login(fresh, "doctor@example.org", PASSWORD).status_code == 200


def test_account_backoff_doubles_and_is_capped() -> None:
    throttle = LoginThrottle(max_failures=5, window_s=300, account_max_failures=3, backoff_max_s=60)
    for i in range(3):
        throttle.fail("a@example.org", f"10.0.0.{i}", now=1000.0)
    assert throttle.retry_after_s("a@example.org", "10.9.9.9", now=1000.0) == 1
    waits = []
    t = 1000.0
    for i in range(9):
        t += throttle.retry_after_s("a@example.org", f"10.1.0.{i}", now=t)
        throttle.fail("a@example.org", f"10.1.0.{i}", now=t)
        waits.append(throttle.retry_after_s("a@example.org", "10.9.9.9", now=t))
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60, 60]
    throttle.succeed("a@example.org", "10.9.9.9")
    assert throttle.retry_after_s("a@example.org", "10.9.9.9", now=t) == 0


def test_the_api_and_the_web_read_the_client_address_the_same_way() -> None:
    from lutea import http_access
    from lutea.proxies import client_address
    from lutea.web import access

    assert http_access.client_addr is access.client_addr is client_address


def test_a_new_password_ends_every_earlier_token(client: TestClient, world) -> None:
    """The probe: a token issued before a password change kept working until it expired."""
    before = _login(client, "alice@example.org", PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {before}"}
    assert client.get(f"{API}/patients/{world.patient_id}", headers=headers).status_code == 200
    users = {u["email"]: u["id"] for u in client.get(f"{API}/admin/users", headers=world.headers("admin")).json()}
    changed = client.patch(f"{API}/admin/users/{users['alice@example.org']}", json={"password": "a new password 2"},
                           headers=world.headers("admin"))
    assert changed.status_code == 200
    assert client.get(f"{API}/patients/{world.patient_id}", headers=headers).status_code == 401
    assert client.get(f"{API}/patients/{world.patient_id}", headers=world.headers("patient")).status_code == 401
    after = _login(client, "alice@example.org", "a new password 2").json()["access_token"]
    assert client.get(f"{API}/patients/{world.patient_id}",
                      headers={"Authorization": f"Bearer {after}"}).status_code == 200


def test_signing_out_ends_every_token_of_the_account(client: TestClient, world) -> None:
    first = {"Authorization": f"Bearer {_login(client, 'doctor@example.org', PASSWORD).json()['access_token']}"}
    second = {"Authorization": f"Bearer {_login(client, 'doctor@example.org', PASSWORD).json()['access_token']}"}
    assert client.post(f"{API}/auth/logout", headers=first).status_code == 204
    for headers in (first, second, world.headers("doctor")):
        assert client.get(f"{API}/patients", headers=headers).status_code == 401
    assert client.get(f"{API}/patients", headers=world.headers("other_doctor")).status_code == 200  # not another account


def test_a_reactivated_account_does_not_revive_its_old_tokens(client: TestClient, world) -> None:
    users = {u["email"]: u["id"] for u in client.get(f"{API}/admin/users", headers=world.headers("admin")).json()}
    url = f"{API}/admin/users/{users['doctor@example.org']}"
    client.patch(url, json={"active": False}, headers=world.headers("admin"))
    client.patch(url, json={"active": True}, headers=world.headers("admin"))
    assert client.get(f"{API}/patients", headers=world.headers("doctor")).status_code == 401
    assert _login(client, "doctor@example.org", PASSWORD).status_code == 200


def test_a_token_without_a_session_version_is_refused(client: TestClient, world) -> None:
    import jwt

    legacy = jwt.encode({"sub": "4", "role": "patient", "exp": datetime.now(UTC) + timedelta(minutes=5)}, SECRET,
                        algorithm="HS256")
    assert read_token(legacy, SECRET) is None
    assert client.get(f"{API}/patients", headers={"Authorization": f"Bearer {legacy}"}).status_code == 401
