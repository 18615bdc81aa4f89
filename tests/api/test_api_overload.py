"""OverloadGuard: a full server answers 503 with Retry-After at once (issue 19)."""

from __future__ import annotations

import asyncio

from lutea.api.overload import OverloadGuard


def test_requests_beyond_the_queue_get_503_with_retry_after_and_the_queue_is_first_come_first_served() -> None:
    order: list[int] = []
    release = asyncio.Event()

    async def app(scope, receive, send) -> None:
        order.append(scope["n"])
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def call(guard: OverloadGuard, n: int) -> tuple[int, dict[bytes, bytes], float]:
        sent: list[dict] = []

        async def send(message: dict) -> None:
            sent.append(message)

        await guard({"type": "http", "n": n}, None, send)
        start = sent[0]
        return start["status"], dict(start["headers"]), 0.0

    async def scenario() -> list[tuple[int, dict[bytes, bytes], float]]:
        guard = OverloadGuard(app, workers=1, max_waiting=2, deadline_s=5)
        tasks = [asyncio.create_task(call(guard, n)) for n in range(5)]
        await asyncio.sleep(0.05)
        refused = [t for t in tasks if t.done()]
        assert len(refused) == 2  # one running, two waiting, two refused at once
        release.set()
        return [await t for t in tasks]

    answers = asyncio.run(scenario())
    statuses = sorted(a[0] for a in answers)
    assert statuses == [200, 200, 200, 503, 503]
    busy = next(a for a in answers if a[0] == 503)
    assert busy[1][b"retry-after"] == b"1"
    assert order == [0, 1, 2]  # served in order of arrival


def test_a_request_that_waits_past_its_deadline_is_refused_not_held() -> None:
    async def slow(scope, receive, send) -> None:
        await asyncio.sleep(1)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def scenario() -> list[int]:
        guard = OverloadGuard(slow, workers=1, max_waiting=10, deadline_s=0.2)
        statuses: list[int] = []

        async def call() -> None:
            async def send(message: dict) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(message["status"])
            await guard({"type": "http"}, None, send)

        await asyncio.gather(call(), call())
        return statuses

    assert sorted(asyncio.run(scenario())) == [200, 503]
