"""The in-process throttle of failed logins (the tokens the sign-in issues: lutea.tokens)."""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginThrottle:
    """Failed logins, counted two ways, in process.

    - per (email, client address): after `max_failures` within `window_s` seconds, that address
      waits until the oldest failure leaves the window;
    - per email, from any address: after `account_max_failures` failures in a row (a success, or a
      day without failures, forgets them), each further attempt waits 1 s, 2 s, 4 s ... after the
      last failure, at most `backoff_max_s`, so rotating addresses buys no more guesses.

    Each server process keeps its own counts, and a restart clears them.
    """

    FORGET_S = 24 * 3600.0
    PRUNE_AT = 10_000

    def __init__(self, max_failures: int, window_s: float, account_max_failures: int = 10,
                 backoff_max_s: float = 900.0):
        self.max_failures = max_failures
        self.window_s = window_s
        self.account_max_failures = account_max_failures
        self.backoff_max_s = backoff_max_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._account: dict[str, tuple[int, float]] = {}  # email -> (failures in a row, time of the last)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] >= self.window_s:
            failures.popleft()
        return failures

    def _account_failures(self, email: str, now: float) -> tuple[int, float]:
        count, last = self._account.get(email, (0, now))
        if count and now - last >= self.FORGET_S:
            self._account.pop(email, None)
            return 0, now
        return count, last

    def _prune(self, now: float) -> None:
        """Forget what no longer counts, so that guessed emails cannot fill the memory."""
        if len(self._failures) > self.PRUNE_AT:
            for key in [k for k, v in self._failures.items() if not v or now - v[-1] >= self.window_s]:
                del self._failures[key]
        if len(self._account) > self.PRUNE_AT:
            for email in [e for e, (_, last) in self._account.items() if now - last >= self.FORGET_S]:
                del self._account[email]

    def retry_after_s(self, email: str, client: str, now: float | None = None) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            wait = 0.0
            failures = self._recent((email, client), now)
            if len(failures) >= self.max_failures:
                wait = failures[0] + self.window_s - now
            count, last = self._account_failures(email, now)
            if count >= self.account_max_failures:
                backoff = min(self.backoff_max_s, 2.0 ** (count - self.account_max_failures))
                wait = max(wait, last + backoff - now)
            return max(1, int(wait + 0.999)) if wait > 0 else 0

    def fail(self, email: str, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent((email, client), now).append(now)
            count, _ = self._account_failures(email, now)
            self._account[email] = (count + 1, now)
            self._prune(now)

    def succeed(self, email: str, client: str) -> None:
        with self._lock:
            self._failures.pop((email, client), None)
            self._account.pop(email, None)
