"""`lutea batch interpret INPUT -o OUT.parquet`: millions of results read in context, in chunks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lutea.cli._common import console
from lutea.errors import InputError
from lutea.terminal import domain_errors, print_json

app = typer.Typer(help="Batch paths over files of results (CSV or Parquet).", no_args_is_help=True)
Opt = typer.Option
ENGINES = ("local", "dask")  # lutea.batch.engine.ENGINES; the batch package loads only when a command runs


def _total_rows(path: Path) -> int | None:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return None


@app.command("interpret")
@domain_errors
def interpret(
    input_path: Annotated[Path, typer.Argument(help="CSV or Parquet with value, unit, specimen and context columns.")],
    output: Annotated[Path, Opt("-o", "--output", help="Output Parquet (errors go to OUT.errors.csv beside it).")],
    chunk_rows: Annotated[int, Opt("--chunk-rows", help="Rows per chunk (memory bound).")] = 100_000,
    engine: Annotated[str, Opt("--engine", help=f"Where chunks run: {', '.join(ENGINES)}.")] = "local",
    scheduler: Annotated[str | None, Opt("--scheduler", help="Dask scheduler tcp://HOST:8786 (default: a LocalCluster).")] = None,
    workers: Annotated[int, Opt("--workers", help="Worker processes of the LocalCluster.")] = 2,
    as_json: Annotated[bool, Opt("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Interpret every row of a file exactly as `lutea interpret` would; one output row per input row."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from lutea.batch.engine import open_engine
    from lutea.batch.stream import run_interpret

    if output.suffix.lower() != ".parquet":
        raise InputError("output", f"{output.name!r} is not .parquet", "OUT.parquet")
    if not input_path.is_file():
        raise InputError("input", f"no file {str(input_path)!r}", "a CSV or Parquet file")
    err = Console(stderr=True)
    with open_engine(engine, scheduler=scheduler, workers=workers) as runner, Progress(
        TextColumn("interpreting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("rows", total=_total_rows(input_path))
        summary = run_interpret(input_path, output, runner, chunk_rows=chunk_rows,
                                on_chunk=lambda n: progress.advance(task, n))
    payload = summary.as_dict() | {"engine": engine}
    if as_json:
        print_json(payload)
        return
    console.print(f"[bold]{summary.rows}[/] rows: {summary.ok} ok, {summary.errors} errors "
                  f"(knowledge base {summary.knowledge_version})")
    for code, count in sorted(summary.findings.items(), key=lambda kv: -kv[1]):
        console.print(f"  {code:32} {count}")
    console.print(f"output {summary.output}; errors {summary.error_file}")
    if summary.ignored_columns:
        console.print(f"[dim]ignored columns: {', '.join(summary.ignored_columns)}[/]")
