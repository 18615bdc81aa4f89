"""`lutea batch interpret`: chunked streaming, the error file, the summary, the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import lutea.batch.interpret as batch_interpret
from lutea.batch.engine import LocalEngine
from lutea.batch.stream import error_path, read_chunks, run_interpret
from lutea.command import app
from lutea.errors import KnowledgeError

HEADER = "value,unit,specimen,cycle_day,cycle_length,pregnant,gestational_weeks,lab_id\n"
PATTERN = [
    "40,nmol/L,serum,21,28,,,a",
    "12,nmol/L,serum,21,28,,,b",
    "4,ng/mL,serum,,,true,6+0,c",
    "abc,ng/mL,serum,,,,,d",  # not a number
    "25,nmol/L,serum,21,28,,,e",
    "12,furlongs,serum,,,,,f",  # not a concentration unit
    "-3,ng/mL,serum,,,,,g",  # negative
]


def write_csv(path: Path, n_rows: int) -> Path:
    lines = [PATTERN[i % len(PATTERN)] for i in range(n_rows)]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_chunks_are_bounded_and_numbered(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", 2500)
    chunks = list(read_chunks(src, chunk_rows=1000))
    assert [t.num_rows for t, _ in chunks] == [1000, 1000, 500]
    assert [first for _, first in chunks] == [1, 1001, 2001]


def test_file_larger_than_a_chunk_equals_one_chunk(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", 2500)
    small = run_interpret(src, tmp_path / "small.parquet", LocalEngine(), chunk_rows=700)
    whole = run_interpret(src, tmp_path / "whole.parquet", LocalEngine(), chunk_rows=10_000)
    assert small.chunks == 4 and whole.chunks == 1
    a, b = pq.read_table(tmp_path / "small.parquet"), pq.read_table(tmp_path / "whole.parquet")
    assert a.num_rows == 2500 and a.equals(b)
    assert a.column("row").to_pylist() == list(range(1, 2501))
    ignore = {"chunks": 0, "output": "", "error_file": "", "single_result_calls": 0}
    assert small.as_dict() | ignore == whole.as_dict() | ignore
    assert error_path(tmp_path / "small.parquet").read_text() == error_path(tmp_path / "whole.parquet").read_text()


def test_errors_listed_with_row_numbers_none_dropped(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", 14)
    summary = run_interpret(src, tmp_path / "out.parquet", LocalEngine(), chunk_rows=5)
    with error_path(tmp_path / "out.parquet").open(newline="") as handle:
        errors = list(csv.DictReader(handle))
    assert [int(e["row"]) for e in errors] == [4, 6, 7, 11, 13, 14]
    assert [e["field"] for e in errors[:3]] == ["value", "unit", "value"]
    assert "'abc' is not a number" in errors[0]["error"] and "negative" in errors[2]["error"]
    assert summary.rows == 14 and summary.ok == 8 and summary.errors == 6
    out = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [o["row"] for o in out if o["status"] == "error"] == [4, 6, 7, 11, 13, 14]
    assert summary.ignored_columns == ["lab_id"]
    assert summary.findings["pregnancy.nonviable_risk"] == 2  # rows 3 and 10
    assert sum(len(o["findings"]) for o in out if o["status"] == "ok") == sum(summary.findings.values())


def test_parquet_input_with_typed_columns(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"value": [40.0, 3.0, None], "unit": ["nmol/L", "ng/mL", "ng/mL"],
                             "cycle_day": [21, None, None], "cycle_length": [28, None, None],
                             "pregnant": [False, True, False], "gestational_weeks": [None, 6.5, None]}), src)
    summary = run_interpret(src, tmp_path / "out.parquet", LocalEngine(), chunk_rows=2)
    out = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert summary.rows == 3 and summary.errors == 1 and out[2]["error"].startswith("value: missing")
    assert out[0]["findings"] == ["ovulation.confirmed", "reference.within"]
    assert out[0]["value_nmol_l"] == 40.0 and out[0]["value_ng_ml"] == 12.5784  # 40 nmol/L x 314.46 g/mol


def test_command_line(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", 7)
    runner = CliRunner()
    result = runner.invoke(app, ["batch", "interpret", str(src), "-o", str(tmp_path / "out.parquet"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["rows"] == 7 and payload["ok"] == 4 and payload["errors"] == 3 and payload["engine"] == "local"
    bad = runner.invoke(app, ["batch", "interpret", str(src), "-o", str(tmp_path / "out.csv")])
    assert bad.exit_code == 2 and "OUT.parquet" in bad.stderr
    missing = runner.invoke(app, ["batch", "interpret", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.parquet")])
    assert missing.exit_code == 2 and "no file" in missing.stderr
    (tmp_path / "novalue.csv").write_text("unit\nng/mL\n")
    no_value = runner.invoke(app, ["batch", "interpret", str(tmp_path / "novalue.csv"), "-o", str(tmp_path / "o.parquet")])
    assert no_value.exit_code == 2 and "no 'value' column" in no_value.stderr


def test_results_from_another_lutea_are_refused(tmp_path: Path) -> None:
    class OtherLutea(LocalEngine):
        name = "dask"  # a distributed engine whose workers run another lutea

        def map_ordered(self, func, items):  # type: ignore[no-untyped-def]
            for outcomes, _ in super().map_ordered(func, items):
                yield outcomes, "2026.11.1/0000000000000000"

    src = write_csv(tmp_path / "in.csv", 10)
    with pytest.raises(KnowledgeError, match="same lutea"):
        run_interpret(src, tmp_path / "out.parquet", OtherLutea())


def test_a_full_cache_is_emptied_without_changing_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = write_csv(tmp_path / "in.csv", 700)
    roomy = run_interpret(src, tmp_path / "a.parquet", LocalEngine(), chunk_rows=100)
    monkeypatch.setattr(batch_interpret, "_CACHE_MAX", 3)
    batch_interpret._CACHE.clear()
    tight = run_interpret(src, tmp_path / "b.parquet", LocalEngine(), chunk_rows=100)
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))
    assert tight.errors == roomy.errors and len(batch_interpret._CACHE) <= 3
