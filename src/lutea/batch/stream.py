"""`lutea batch interpret` end to end: stream a CSV or Parquet file in chunks of rows, interpret
each chunk (the single-result path on an engine's workers), write OUT.parquet (one row per input
row) and OUT.errors.csv.

Memory holds one chunk at a time, never the whole file.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lutea.batch.engine import Engine
from lutea.batch.fingerprint import fingerprint, same_lutea
from lutea.batch.interpret import (
    OUTPUT_SCHEMA,
    ChunkResult,
    evaluate_rows,
    interpret_chunk,
)
from lutea.batch.rows import COLUMNS
from lutea.errors import InputError, KnowledgeError
from lutea.knowledge import load_knowledge

DEFAULT_CHUNK_ROWS = 100_000
FORMATS: tuple[str, ...] = (".csv", ".parquet")


@dataclass
class BatchSummary:
    """What a batch run did: rows read, rows ok, rows in error, findings by code (occurrences), and
    how often the single-result path ran (distinct input combinations not already cached)."""

    rows: int = 0
    ok: int = 0
    errors: int = 0
    chunks: int = 0
    core_calls: int = 0
    findings: Counter[str] = field(default_factory=Counter)
    ignored_columns: list[str] = field(default_factory=list)
    knowledge_version: str = ""
    output: str = ""
    error_file: str = ""

    def add(self, result: ChunkResult) -> None:
        self.rows += result.n_rows
        self.ok += result.n_ok
        self.errors += len(result.errors)
        self.chunks += 1
        self.core_calls += result.core_calls
        self.findings.update(result.codes)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "ok": self.ok, "errors": self.errors, "chunks": self.chunks,
                "single_result_calls": self.core_calls,
                "findings": dict(sorted(self.findings.items())), "ignored_columns": self.ignored_columns,
                "knowledge_version": self.knowledge_version, "output": self.output, "error_file": self.error_file}


def error_path(output: Path) -> Path:
    """OUT.parquet -> OUT.errors.csv."""
    return output.with_name(output.stem + ".errors.csv")


def input_columns(path: Path) -> list[str]:
    """The column names of a CSV or Parquet input."""
    if path.suffix.lower() == ".parquet":
        return list(pq.ParquetFile(path).schema_arrow.names)
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


def _batches(path: Path, chunk_rows: int) -> Iterator[pa.RecordBatch]:
    if path.suffix.lower() == ".parquet":
        yield from pq.ParquetFile(path).iter_batches(batch_size=chunk_rows)
        return
    names = input_columns(path)
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False),
    )
    yield from reader


def read_chunks(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[tuple[pa.Table, int]]:
    """(table of at most chunk_rows rows, number of its first row counted from 1), streaming."""
    if chunk_rows < 1:
        raise InputError("chunk_rows", f"{chunk_rows} rows", "an integer >= 1")
    held: list[pa.RecordBatch] = []
    count, first = 0, 1
    for batch in _batches(path, chunk_rows):
        while batch.num_rows:
            take = min(chunk_rows - count, batch.num_rows)
            held.append(batch.slice(0, take))
            batch = batch.slice(take)
            count += take
            if count == chunk_rows:
                yield pa.Table.from_batches(held), first
                first += count
                held, count = [], 0
    if count:
        yield pa.Table.from_batches(held), first


def _check_input(path: Path) -> list[str]:
    if path.suffix.lower() not in FORMATS:
        raise InputError("input", f"{path.name!r} is neither CSV nor Parquet", "a .csv or .parquet file")
    try:
        names = input_columns(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError("input", f"cannot read {str(path)!r} ({exc})", "a readable CSV or Parquet file") from None
    if "value" not in names:
        raise InputError("input", f"no 'value' column in {path.name!r}", f"columns {', '.join(COLUMNS)}")
    return [n for n in names if n not in COLUMNS]


def _evaluate_on(engine: Engine) -> Callable[[list[dict[str, Any]]], list[Any]] | None:
    """For a distributed engine: run the single-result path on the rows, split across its workers."""
    if engine.name == "local":
        return None
    version = load_knowledge().version
    fingerprint()  # this process's lutea, as it started the run

    def evaluate(rows: list[dict[str, Any]]) -> list[Any]:
        parts = max(1, min(4 * engine.workers, math.ceil(len(rows) / 16)))
        size = math.ceil(len(rows) / parts)
        outcomes: list[Any] = []
        for part, made_by in engine.map_ordered(evaluate_rows, [(rows[i:i + size],) for i in range(0, len(rows), size)]):
            worker_kb, _, worker_code = made_by.partition("/")
            if worker_kb != version or not same_lutea(worker_code):
                raise KnowledgeError(f"a worker runs lutea {made_by}, this machine {version}/{fingerprint()}: "
                                     "install the same lutea on every worker")
            outcomes += part
        return outcomes

    return evaluate


def run_interpret(
    input_path: Path,
    output: Path,
    engine: Engine,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    on_chunk: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Interpret every row of input_path; write output (Parquet) and its error CSV.

    This process streams, groups and writes; on a distributed engine the single-result path runs
    on the workers, once per distinct combination of inputs not seen before.
    """
    ignored = _check_input(input_path)
    kb = load_knowledge()
    summary = BatchSummary(ignored_columns=ignored, knowledge_version=kb.version, output=str(output),
                           error_file=str(error_path(output)))
    evaluate = _evaluate_on(engine)
    output.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(output, OUTPUT_SCHEMA) as writer, error_path(output).open("w", newline="", encoding="utf-8") as handle:
        errors = csv.writer(handle)
        errors.writerow(["row", "field", "error"])
        for table, first_row in read_chunks(input_path, chunk_rows):
            result = interpret_chunk(table, first_row, kb, evaluate)
            writer.write_table(result.table)
            errors.writerows(result.errors)
            summary.add(result)
            if on_chunk is not None:
                on_chunk(result.n_rows)
    return summary
