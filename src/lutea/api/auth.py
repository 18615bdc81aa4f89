"""Bearer tokens (JWT, HS256, with an expiry) and the in-process throttle of failed logins."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"


def issue_token(user_id: int, role: str, key: str, lifetime_min: int, now: datetime | None = None) -> str:
    """A signed token naming the user, valid for `lifetime_min` minutes."""
    issued = now or datetime.now(UTC)
    claims = {"sub": str(user_id), "role": role, "iat": issued, "exp": issued + timedelta(minutes=lifetime_min)}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read_token(token: str, key: str) -> int | None:
    """The user id in a valid, unexpired token; None for anything else."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None


class LoginThrottle:
    """Counts failed logins per (email, client address); after `max_failures` within `window_s`
    seconds further attempts are refused until the oldest failure leaves the window.

    In-process: each server process keeps its own counts, and a restart clears them.
    """

    def __init__(self, max_failures: int, window_s: float):
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] >= self.window_s:
            failures.popleft()
        return failures

    def retry_after_s(self, email: str, client: str, now: float | None = None) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent((email, client), now)
            if len(failures) < self.max_failures:
                return 0
            return max(1, int(failures[0] + self.window_s - now + 0.999))

    def fail(self, email: str, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent((email, client), now).append(now)

    def succeed(self, email: str, client: str) -> None:
        with self._lock:
            self._failures.pop((email, client), None)
