"""Graceful overload: a full server answers 503 with Retry-After at once instead of holding
requests until their clients give up.

`OverloadGuard` (ASGI middleware) lets at most `workers` requests run at once (the worker threads
of the server: FastAPI runs a request's session setup, route and commit on that pool one after the
other, so more requests running than threads could leave a writer's commit waiting for a thread
held by requests waiting for that writer). Up to `max_waiting` more wait for a turn; beyond that
the answer is 503 at once. Each request gets a deadline (`request_deadline_s` from its arrival)
that `lutea.records.access.transaction` checks before committing, so a request whose client has
given up is rolled back rather than stored unseen. The app's 503 answers (a store busy past its
timeout, no connection free, the deadline passed) carry the same Retry-After.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

RETRY_AFTER_S = 1
BUSY = "the server is busy: nothing was stored; retry after 1 s"
BODY = json.dumps({"detail": BUSY}).encode()


def busy_response_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_S)}


class OverloadGuard:
    """Run at most `workers` requests at once, queue up to `max_waiting`, refuse the rest (503)."""

    def __init__(self, app: Any, workers: int, max_waiting: int, deadline_s: float):
        self.app = app
        self.workers = workers
        self.max_waiting = max_waiting
        self.deadline_s = deadline_s
        self.admitted = 0  # running or waiting for a turn; counted before any await
        self._turns: asyncio.Semaphore | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.admitted >= self.workers + self.max_waiting:
            await _busy(send)
            return
        self.admitted += 1
        try:
            if self._turns is None:
                self._turns = asyncio.Semaphore(self.workers)
            scope.setdefault("state", {})["deadline"] = time.monotonic() + self.deadline_s
            try:
                await asyncio.wait_for(self._turns.acquire(), timeout=self.deadline_s)
            except TimeoutError:
                await _busy(send)
                return
            try:
                await self.app(scope, receive, send)
            finally:
                self._turns.release()
        finally:
            self.admitted -= 1


async def _busy(send: Any) -> None:
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", str(RETRY_AFTER_S).encode()),
                            (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})
