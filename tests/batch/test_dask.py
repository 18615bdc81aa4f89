"""Dask distributed on a real LocalCluster (two worker processes): results equal the local engine's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from distributed import get_task_stream
from test_stream import write_csv
from typer.testing import CliRunner

import lutea.batch.interpret as batch_interpret
from lutea.batch.dask_engine import DaskEngine
from lutea.batch.engine import LocalEngine
from lutea.batch.stream import error_path, run_interpret
from lutea.batch.trial import run_trial, trial_spec
from lutea.command import app

START = datetime(2026, 3, 1, 8, tzinfo=UTC)


def test_batch_interpret_on_dask_equals_local(tmp_path: Path, dask_scheduler: str) -> None:
    src = write_csv(tmp_path / "in.csv", 3000)
    batch_interpret._CACHE.clear()
    local = run_interpret(src, tmp_path / "local.parquet", LocalEngine(), chunk_rows=400)
    batch_interpret._CACHE.clear()
    with DaskEngine(scheduler=dask_scheduler) as engine, get_task_stream(engine.client) as tasks:
        assert engine.workers == 2
        dask = run_interpret(src, tmp_path / "dask.parquet", engine, chunk_rows=400)
    assert dask.core_calls == local.core_calls > 0
    assert any(t["key"].startswith("evaluate_rows") for t in tasks.data)  # the workers ran the single-result path
    assert pq.read_table(tmp_path / "dask.parquet").equals(pq.read_table(tmp_path / "local.parquet"))
    assert error_path(tmp_path / "dask.parquet").read_text() == error_path(tmp_path / "local.parquet").read_text()
    assert dask.as_dict() | {"output": "", "error_file": ""} == local.as_dict() | {"output": "", "error_file": ""}
    assert dask.chunks == 8 and dask.rows == 3000


def test_trial_on_dask_equals_local(dask_scheduler: str) -> None:
    spec = trial_spec("200 mg oral at bedtime x 5d; 50 mg im q24h x 3d", days=5, context="natural-cycle",
                      assay="immunoassay", start=START)
    local = run_trial(spec, population=30_000, threshold_ng_ml=8, seed=11, shards=6, engine=LocalEngine())
    with DaskEngine(scheduler=dask_scheduler) as engine:
        dask = run_trial(spec, population=30_000, threshold_ng_ml=8, seed=11, shards=6, engine=engine)
    assert dask.as_dict() == local.as_dict()


def test_command_line_starts_its_own_local_cluster(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["trial", "--regimen", "400 mg vaginal q12h x 3d", "--population", "20000", "--threshold", "10",
            "--days", "3", "--start", "2026-03-01T08:00+00:00", "--seed", "2", "--shards", "4", "--json"]
    local = json.loads(runner.invoke(app, args).stdout)
    result = runner.invoke(app, [*args, "--engine", "dask", "--workers", "2"])
    assert result.exit_code == 0, result.output
    dask = json.loads(result.stdout)
    assert dask.pop("engine") == "dask" and local.pop("engine") == "local"
    assert dask == local


def test_command_line_batch_on_a_running_scheduler(tmp_path: Path, dask_scheduler: str) -> None:
    src = write_csv(tmp_path / "in.csv", 500)
    runner = CliRunner()
    base = ["batch", "interpret", str(src), "--chunk-rows", "100", "--json"]
    local = runner.invoke(app, [*base, "-o", str(tmp_path / "a.parquet")])
    dask = runner.invoke(app, [*base, "-o", str(tmp_path / "b.parquet"), "--engine", "dask", "--scheduler", dask_scheduler])
    assert local.exit_code == 0 and dask.exit_code == 0, dask.output
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))
    unreachable = runner.invoke(app, [*base, "-o", str(tmp_path / "c.parquet"), "--engine", "dask",
                                      "--scheduler", "tcp://127.0.0.1:1"])
    assert unreachable.exit_code == 2 and "scheduler" in unreachable.stderr
