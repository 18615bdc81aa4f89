"""`lutea trial --regimen "..." --population N --threshold T`: a sharded virtual trial."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from lutea.cli._common import console
from lutea.errors import InputError
from lutea.pk.baseline import CONTEXTS
from lutea.terminal import domain_errors, print_json

Opt = typer.Option
ENGINES = ("local", "dask")  # lutea.batch.engine.ENGINES; the batch package loads only when a command runs


def _time(text: str | None, field: str) -> datetime | None:
    if text is None:
        return None
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(field, f"{text!r} is not an ISO date-time", "e.g. 2026-03-01T08:00+00:00") from None
    if t.tzinfo is None:
        raise InputError(field, f"{text!r} has no timezone", "an offset such as +00:00 or Z")
    return t


@domain_errors
def trial(
    regimen: Annotated[str, Opt("--regimen", help='Regimen text, e.g. "400 mg vaginal q12h x 14d".')],
    population: Annotated[int, Opt("--population", help="Virtual subjects.")] = 10_000,
    threshold: Annotated[float, Opt("--threshold", help="Target level (ng/mL): met when level >= threshold.")] = 10.0,
    days: Annotated[float, Opt("--days", help="Days simulated.")] = 14.0,
    at_hours: Annotated[float | None, Opt("--at-hours", help="Hour after the start the level is read (default: the end).")] = None,
    at: Annotated[str | None, Opt("--at", help="Time the level is read (ISO date-time with offset).")] = None,
    context: Annotated[str, Opt("--context", help=f"Endogenous baseline: {', '.join(c for c in CONTEXTS if c != 'pregnancy')}.")] = "none",
    assay: Annotated[str, Opt("--assay", help="lcms or immunoassay.")] = "lcms",
    weight_kg: Annotated[float | None, Opt("--weight-kg", help="Body weight of every subject (kg).")] = None,
    start: Annotated[str | None, Opt("--start", help="Start of the trial (ISO date-time with offset).")] = None,
    seed: Annotated[int, Opt("--seed", help="Trial seed; shard seeds derive from it.")] = 1,
    shards: Annotated[int | None, Opt("--shards", help="Shards (default: one per 100000 subjects).")] = None,
    engine: Annotated[str, Opt("--engine", help=f"Where shards run: {', '.join(ENGINES)}.")] = "local",
    scheduler: Annotated[str | None, Opt("--scheduler", help="Dask scheduler tcp://HOST:8786 (default: a LocalCluster).")] = None,
    workers: Annotated[int, Opt("--workers", help="Worker processes of the LocalCluster.")] = 2,
    window_h: Annotated[tuple[float, float] | None, Opt(
        "--window-h", help="Exposure statistics of each subject's Cmax, Tmax, AUC, Cavg, trough between these hours "
        "after the first dose (as lutea simulate).")] = None,
    exposure_baseline: Annotated[str, Opt("--exposure-baseline", help="total (endogenous included) or subtracted.")] = "total",
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Give a regimen to a virtual population; report the level distribution and the fraction
    meeting the target with its 95% confidence interval."""
    from lutea.batch.engine import open_engine
    from lutea.batch.trial import run_trial, trial_spec

    spec = trial_spec(regimen, days=days, at_h=at_hours, at=_time(at, "at"), context=context.strip().lower(),
                      assay=assay, weight_kg=weight_kg, start=_time(start, "start"),
                      default_start=datetime.now(UTC).replace(minute=0, second=0, microsecond=0),
                      window_h=window_h, exposure_baseline=exposure_baseline)
    with open_engine(engine, scheduler=scheduler, workers=workers) as runner:
        result = run_trial(spec, population=population, threshold_ng_ml=threshold, seed=seed, shards=shards, engine=runner)
    payload = result.as_dict() | {"engine": engine}
    if as_json:
        print_json(payload)
        return
    q = result.quantiles_ng_ml
    console.print(f"{result.population} virtual subjects in {result.shards} shards (seed {result.seed}), "
                  f"level at {result.at_h:g} h, {result.spec.assay}, context {result.spec.context.kind}")
    console.print(f"median {q['p50']:.2f} ng/mL (5th-95th {q['p5']:.2f}-{q['p95']:.2f}); mean {result.mean_ng_ml:.2f}")
    lo, hi = result.ci95
    console.print(f"[bold]{result.fraction_meeting_target:.1%}[/] at or above {threshold:g} ng/mL "
                  f"(95% CI {lo:.1%}-{hi:.1%}); knowledge base {result.knowledge_version}")
    if result.exposure is not None:
        e = result.exposure
        console.print(f"exposure {e.start_h:g}-{e.end_h:g} h after the first dose (endogenous level "
                      f"{'included' if e.baseline == 'total' else 'subtracted'}):")
        for metric, s in e.statistics.items():
            console.print(f"  {metric}: mean {s['mean']:.3g}, median {s['median']:.3g}, geometric mean {s['geomean']:.3g}, "
                          f"CV {s['cv']:.0%}, 5th-95th {s['p5']:.3g}-{s['p95']:.3g}", markup=False, highlight=False)
