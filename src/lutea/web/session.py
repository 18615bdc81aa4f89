"""Browser sessions: a signed, HttpOnly, SameSite=Lax cookie naming the user and the account's
session version, and a per-session CSRF token that every form posts back in a hidden field.

A session counts only while the account's session version is the one it was issued with: signing
out, a new password or deactivation raises the version, so a copied or replayed cookie of an
earlier session opens nothing.

The cookie is signed with the API's signing key (a different salt from its bearer tokens) and
expires after SESSION_MAX_AGE_S. It is Secure except on localhost, where the demo runs on http.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response, status
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from lutea.proxies import client_address
from lutea.records.access import Unauthenticated
from lutea.store import models

COOKIE = "lutea_session"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE_S = 8 * 3600
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class LoginRequired(Exception):
    """No valid session: the page redirects to /login. A cookie of an ended session (signed out,
    new password, deactivated) carries its refusal, audited once the request is rolled back."""

    def __init__(self, denial: Exception | None = None):
        super().__init__("sign in")
        self.denial = denial


class PageError(Exception):
    """A refusal shown as an HTML page (403 no access, 404 no such record)."""

    def __init__(self, status_code: int, message: str, denial: Exception | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.denial = denial  # lutea.records.AccessDenied: audited once the request's work is rolled back


@dataclass(frozen=True)
class WebSession:
    """What the cookie holds: the user id (None before login), the account's session version when
    the session began, and the session's CSRF token."""

    user_id: int | None
    csrf: str
    version: int | None = None


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.signing_key(), salt="lutea.web.session")


def read_session(request: Request) -> WebSession | None:
    """The session in the request's cookie; None when absent, forged or expired."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        body: Any = _serializer(request).loads(raw, max_age=SESSION_MAX_AGE_S)
    except BadSignature:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("c"), str):
        return None
    uid, version = body.get("u"), body.get("v")
    if not isinstance(uid, int) or not isinstance(version, int):
        return WebSession(None, body["c"])
    return WebSession(uid, body["c"], version)


def new_session(user: models.User | None) -> WebSession:
    """A fresh session (and CSRF token): before sign-in, or for a user at their current session version."""
    if user is None:
        return WebSession(None, secrets.token_urlsafe(32))
    return WebSession(user.id, secrets.token_urlsafe(32), user.session_version)


def write_session(request: Request, response: Response, session: WebSession) -> None:
    """Set the cookie: HttpOnly, SameSite=Lax, Secure unless the host is localhost."""
    value = _serializer(request).dumps({"u": session.user_id, "v": session.version, "c": session.csrf})
    response.set_cookie(
        COOKIE, value, max_age=SESSION_MAX_AGE_S, httponly=True, samesite="lax",
        secure=request.url.hostname not in LOCAL_HOSTS, path="/",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def check_csrf(request: Request, form: Any) -> WebSession:
    """The session, if the form's hidden token matches it; 403 otherwise."""
    session = read_session(request)
    sent = form.get(CSRF_FIELD) if form is not None else None
    if session is None or not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
        raise PageError(status.HTTP_403_FORBIDDEN, "the form's CSRF token is missing or wrong: reload the page and send it again")
    return session


def session_user(request: Request, db: Session) -> tuple[models.User, WebSession]:
    """The signed-in, active user and their session; LoginRequired otherwise (also when the session
    began before the account's last sign-out, new password or deactivation)."""
    session = read_session(request)
    if session is None or session.user_id is None:
        raise LoginRequired()
    user = db.get(models.User, session.user_id)
    if user is None or not user.active or session.version != user.session_version:
        raise LoginRequired(Unauthenticated("the web session has ended", user=user, client_addr=client_address(request),
                                            path=request.url.path))
    return user, session
