"""Bearer tokens: JWT (HS256) naming an account, with an expiry and the account's session version.

Issued by the API's sign-in; read by every HTTP shell that takes a bearer token (the API, the FHIR
and CDS Hooks services) through lutea.http_access."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import jwt

ALGORITHM = "HS256"


class TokenClaims(NamedTuple):
    """Whom a valid token names, and the session version of the account when it was issued."""

    user_id: int
    session_version: int


def issue_token(user_id: int, role: str, key: str, lifetime_min: int, now: datetime | None = None,
                session_version: int = 0) -> str:
    """A signed token naming the user, valid for `lifetime_min` minutes while the account's session
    version stays `session_version` (a new password, deactivation or signing out raises it)."""
    issued = now or datetime.now(UTC)
    claims = {"sub": str(user_id), "role": role, "sv": session_version, "iat": issued,
              "exp": issued + timedelta(minutes=lifetime_min)}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


VERIFIED_MAX = 4096  # tokens whose signature this process checked already (then it starts over)
_verified: dict[tuple[str, str], tuple[TokenClaims, float]] = {}


def read_token(token: str, key: str) -> TokenClaims | None:
    """The claims of a valid, unexpired token; None for anything else (a token without a session
    version, from before versions existed, included). A token's signature is checked once per
    process; its expiry at every use (whether its session is still current is the caller's check
    against the account, at every use)."""
    known = _verified.get((token, key))
    if known is not None:
        return known[0] if time.time() < known[1] else None
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "sv"]})
        version = claims["sv"]
        if not isinstance(version, int) or isinstance(version, bool):
            return None
        read = TokenClaims(int(claims["sub"]), version)
        expires = float(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    if len(_verified) >= VERIFIED_MAX:
        _verified.clear()
    _verified[(token, key)] = (read, expires)
    return read
