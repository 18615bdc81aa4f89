"""A clinic's load on a running lutea: concurrent clients each posting a result and reading it back.

Used by `bench/api.py` (the benchmark) and `tests/api/test_api_load.py` (a short run in the suite).
The server runs in its own process (uvicorn on 127.0.0.1, a free port), so the load generator does
not share its interpreter; every request goes to 127.0.0.1 only and the run stops by itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-test-password-1"
CLINICIAN = "load.clinician@example.org"
CLIENT_TIMEOUT_S = 10.0  # what a client waits before it gives up


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(database_url: str) -> int:
    """A migrated database with one clinician and one assigned patient; the patient's id."""
    from lutea.store import (
        crud,
        make_engine,
        make_sessionmaker,
        models,
        upgrade_to_head,
    )

    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    with make_sessionmaker(engine).begin() as session:
        clinician = crud.get_user_by_email(session, CLINICIAN) or crud.create_user(session, CLINICIAN, PASSWORD, "clinician")
        patient = crud.add(session, models.Patient(display_name="Load Patient"))
        crud.assign(session, clinician, patient.id)
        patient_id = patient.id
    engine.dispose()
    return patient_id


@contextmanager
def server(app: str, env: dict[str, str], *, factory: bool = False, app_dir: Path | None = None) -> Iterator[str]:
    """`uvicorn APP` in a subprocess on a free 127.0.0.1 port; yields its base URL, stops it after."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if factory:
        command.append("--factory")
    if app_dir is not None:
        command += ["--app-dir", str(app_dir)]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/docs" if app_dir else f"{base}/api/v1/cds-services", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{app} did not start (exit {process.poll()})")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def lutea_env(database_url: str, secret: str = "load-test-secret-" + "k" * 32) -> dict[str, str]:
    return {"LUTEA_DATABASE_URL": database_url, "LUTEA_SECRET_KEY": secret, "LUTEA_LOGIN_MAX_FAILURES": "1000"}


def token(base: str) -> str:
    response = httpx.post(f"{base}/api/v1/auth/token", data={"username": CLINICIAN, "password": PASSWORD}, timeout=30)
    response.raise_for_status()
    return str(response.json()["access_token"])


@dataclass
class LoadResult:
    """What a run saw: requests answered, server errors (5xx), client timeouts, latencies, and the
    ids of the writes the server acknowledged."""

    seconds: float  # the window the clients sent in
    requests: int = 0
    answered_in_window: int = 0  # answers that came before the window closed (requests per second)
    errors: int = 0
    timeouts: int = 0
    latencies_s: list[float] = field(default_factory=list)
    acknowledged: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)  # transport errors by kind

    @property
    def rps(self) -> float:
        """Answers per second within the window: the answers still coming after it (a tail as long
        as the slowest request) count for errors, latencies and lost writes, not for throughput."""
        return self.answered_in_window / self.seconds if self.seconds else 0.0

    def add(self, other: LoadResult) -> None:
        """Count another run of the same load in this one (the rounds of bench/api.py)."""
        self.seconds += other.seconds
        self.requests += other.requests
        self.answered_in_window += other.answered_in_window
        self.errors += other.errors
        self.timeouts += other.timeouts
        self.latencies_s += other.latencies_s
        self.acknowledged += other.acknowledged
        for mine, theirs in ((self.statuses, other.statuses), (self.failures, other.failures)):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count  # type: ignore[index]

    def p(self, q: float) -> float:
        values = sorted(self.latencies_s)
        return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


class _Connection:
    """One client's keep-alive HTTP/1.1 connection to 127.0.0.1, as lean as a load generator on the
    server's own machine must be: httpx's shared pool scans every connection for every request
    (and retries a failing import each time), so with 100 clients the generator itself ran out of
    CPU for seconds at a time, and those stalls were counted as the server's latency."""

    def __init__(self, base: str, headers: dict[str, str]):
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.head = "".join(f"{name}: {value}\r\n" for name, value in {"Host": f"{host}:{port}", **headers}.items())
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: dict | None) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        payload = json.dumps(body).encode() if body is not None else b""
        extra = f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n" if body is not None else ""
        writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + payload)
        await writer.drain()
        status_line, *header_lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
        lengths = [value for name, value in headers.items() if name.lower() == "content-length"]
        if not lengths and status_line.split(" ", 2)[1] not in ("204", "304"):
            raise ValueError("an answer without Content-Length (this generator reads no chunked body)")
        answer = await reader.readexactly(int(lengths[0])) if lengths else b""
        if any(name.lower() == "connection" and value.lower() == "close" for name, value in headers.items()):
            self.close()
        return int(status_line.split(" ", 2)[1]), answer

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _client(connection: _Connection, write: str, read: str, body: dict, stop_at: float,
                  result: LoadResult) -> None:
    """Post, then read back what was posted, until the stop time."""
    try:
        while time.monotonic() < stop_at:
            record_id = await _request(connection, "POST", write, {**body, "value": round(random.uniform(1, 30), 2)},
                                       result, stop_at)
            if record_id is not None:
                await _request(connection, "GET", read.format(id=record_id), None, result, stop_at)
    finally:
        connection.close()


async def _request(connection: _Connection, method: str, url: str, body: dict | None, result: LoadResult,
                   stop_at: float) -> int | None:
    started = time.monotonic()
    try:
        status, answer = await asyncio.wait_for(connection.request(method, url, body), CLIENT_TIMEOUT_S)
    except TimeoutError:
        connection.close()  # its answer may still come: a new request needs a new connection
        result.timeouts += 1
        return None
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        connection.close()
        result.errors += 1
        result.failures[type(exc).__name__] = result.failures.get(type(exc).__name__, 0) + 1
        return None
    answered = time.monotonic()
    result.latencies_s.append(answered - started)
    result.requests += 1
    result.answered_in_window += answered <= stop_at
    result.statuses[status] = result.statuses.get(status, 0) + 1
    if status >= 500:
        result.errors += 1
    if method == "POST" and status == 201:
        record_id = int(json.loads(answer)["id"])
        result.acknowledged.append(record_id)
        return record_id
    return None


async def _drive(base: str, headers: dict[str, str], write: str, read: str, body: dict, clients: int,
                 seconds: float) -> LoadResult:
    result = LoadResult(seconds)
    stop_at = time.monotonic() + seconds
    await asyncio.gather(*(_client(_Connection(base, headers), write, read, body, stop_at, result)
                           for _ in range(clients)))
    return result


def drive_lutea(base: str, patient_id: int, clients: int, seconds: float) -> LoadResult:
    """Each client posts a serum result and reads the patient's newest result back, in a loop."""
    body = {"specimen": "serum", "unit": "ng/mL", "assay": "lcms",
            "sampled_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
    write = f"/api/v1/patients/{patient_id}/measurements"
    read = f"/api/v1/patients/{patient_id}/measurements/{{id}}"
    return asyncio.run(_drive(base, {"Authorization": f"Bearer {token(base)}"}, write, read, body, clients, seconds))


def drive_floor(base: str, clients: int, seconds: float) -> LoadResult:
    """The same loop against the floor app: one insert, then one read by id."""
    return asyncio.run(_drive(base, {}, "/rows", "/rows/{id}", {"value": 1.0}, clients, seconds))


def stored_ids(database_url: str, table: str, ids: Sequence[int]) -> set[int]:
    """Which of these ids the table holds (after the run, straight from the database)."""
    from sqlalchemy import text

    from lutea.store import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        found = {int(r[0]) for r in connection.execute(text(f"SELECT id FROM {table}"))}  # noqa: S608 (a fixed name)
    engine.dispose()
    return found & set(ids)
