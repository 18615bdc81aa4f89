"""The default store under concurrent clients (issue 19): a short run of bench/api_load.py's
clinic load against `lutea.api` on SQLite in its own server process. It fails on any 5xx, any
client timeout, and any acknowledged write the database does not hold; speed is the benchmark's
business (bench/api.py), not this test's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import api_load  # noqa: E402


def test_forty_clients_posting_and_reading_back_get_no_server_error_and_lose_no_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/load.db"
    patient_id = api_load.seed(url)
    with api_load.server("lutea.server:create_app", api_load.lutea_env(url), factory=True) as base:
        result = api_load.drive_lutea(base, patient_id, clients=40, seconds=5)
    assert result.requests > 40, result  # the run did something
    assert result.errors == 0 and result.timeouts == 0, (result.statuses, result.failures)
    stored = api_load.stored_ids(url, "measurements", result.acknowledged)
    assert set(result.acknowledged) == stored
    assert set(result.statuses) <= {200, 201}, result.statuses


def test_a_full_server_answers_503_with_retry_after_at_once_and_stores_nothing(tmp_path: Path) -> None:
    """Beyond the queue (LUTEA_MAX_IN_FLIGHT waiting) the answer is 503 with Retry-After; what it
    refused is not stored."""
    url = f"sqlite:///{tmp_path}/full.db"
    patient_id = api_load.seed(url)
    env = {**api_load.lutea_env(url), "LUTEA_WORKERS": "1", "LUTEA_MAX_IN_FLIGHT": "1"}
    with api_load.server("lutea.server:create_app", env, factory=True) as base:
        result = api_load.drive_lutea(base, patient_id, clients=30, seconds=3)
    assert result.statuses.get(503, 0) > 0, result.statuses
    assert result.statuses.get(500, 0) == 0 and result.timeouts == 0
    assert max(result.latencies_s) < 9.0  # refused at once or served, never held until the client gives up
    stored = api_load.stored_ids(url, "measurements", range(1, 100_000))
    assert stored == set(result.acknowledged)  # a refused write is not stored
