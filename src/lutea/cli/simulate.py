"""`lutea simulate --regimen "..." --days 14 [...]`: the serum level a regimen gives, and when."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from lutea.cli._common import console
from lutea.errors import InputError
from lutea.pk.baseline import CONTEXTS, BaselineContext
from lutea.pk.simulate import assay_label
from lutea.pk.simulate import simulate as simulate_core
from lutea.terminal import domain_errors, print_json
from lutea.timeline import parse_datetime


def _parse_time(text: str | None, field: str) -> datetime | None:
    return None if text is None else parse_datetime(text, field)


@domain_errors
def simulate(
    regimen: Annotated[str, typer.Option("--regimen", help='Regimen text, e.g. "400 mg vaginal q12h x 14d".')],
    days: Annotated[float, typer.Option("--days", help="Days to simulate.")] = 14.0,
    context: Annotated[str, typer.Option("--context", help=f"Endogenous baseline: {', '.join(CONTEXTS)}.")] = "none",
    cycle_length: Annotated[float, typer.Option("--cycle-length", help="Natural cycle length, days.")] = 28.0,
    cycle_start: Annotated[str | None, typer.Option("--cycle-start", help="First day of menses (ISO date-time with offset).")] = None,
    gestational_weeks: Annotated[float | None, typer.Option("--gestational-weeks", help="Pregnancy: weeks at the start.")] = None,
    postmenopausal: Annotated[bool, typer.Option("--postmenopausal", help="Same as --context postmenopausal.")] = False,
    weight_kg: Annotated[float | None, typer.Option("--weight-kg", help="Body weight (kg).")] = None,
    assay: Annotated[str, typer.Option("--assay", help="Assay the levels are read with: lcms or immunoassay.")] = "lcms",
    population: Annotated[int | None, typer.Option("--population", help="Virtual subjects (median and 5th-95th band).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the population.")] = 1,
    threshold: Annotated[float | None, typer.Option("--threshold", help="Level (ng/mL) for the fraction below.")] = None,
    threshold_at_h: Annotated[float | None, typer.Option("--threshold-at-h", help="Hour the threshold is checked (default: end).")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start of the simulation (ISO date-time with offset).")] = None,
    step_h: Annotated[float, typer.Option("--step-h", help="Output step (h).")] = 0.5,
    window_h: Annotated[tuple[float, float] | None, typer.Option(
        "--window-h", help="Exposure statistics (mean, median, geometric mean, CV, 5th-95th of each subject's Cmax, "
        "Tmax, AUC, Cavg, trough) between these hours after the first dose, e.g. --window-h 96 120.")] = None,
    exposure_baseline: Annotated[str, typer.Option(
        "--exposure-baseline", help="total: the body's own progesterone included (as measured); subtracted: the treatment's part only.")] = "total",
    off_label: Annotated[bool, typer.Option("--off-label", help="Simulate a daily dose above the product's labelled maximum.")] = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a PNG or SVG plot here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Simulate serum progesterone for a regimen on top of the body's own level, for one typical
    person or a virtual population, and state the assay the numbers predict."""
    kind = "postmenopausal" if postmenopausal else context.strip().lower()
    if kind not in CONTEXTS:
        raise InputError("context", f"unknown context {context!r}", CONTEXTS)
    ctx = BaselineContext(
        kind,  # type: ignore[arg-type]
        cycle_length_days=cycle_length,
        cycle_start=_parse_time(cycle_start, "cycle_start"),
        gestational_weeks=gestational_weeks,
    )
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise InputError("plot", f"{plot.name!r} is neither .png nor .svg", ".png or .svg")
    result = simulate_core(
        regimen,
        days=days,
        context=ctx,
        weight_kg=weight_kg,
        assay=assay,
        population=population,
        seed=seed,
        threshold=threshold,
        threshold_at_h=threshold_at_h,
        start=_parse_time(start, "start"),
        default_start=datetime.now(UTC).replace(minute=0, second=0, microsecond=0),
        step_h=step_h,
        acknowledge_off_label=off_label,
        window_h=window_h,
        exposure_baseline=exposure_baseline,
    )
    if plot is not None:
        from lutea.cli._plot import plot_simulation

        plot_simulation(result, plot, threshold=threshold)
    if as_json:
        print_json(result.as_dict())
        return
    s = result.summary
    console.print(f"Serum progesterone, {assay_label(result.assay)} (knowledge base {result.knowledge_version})")
    console.print(f"start {result.t0.isoformat()}, {len(result.events)} doses, context {result.context}")
    console.print(f"Cmax {s.cmax:.2f} ng/mL at {s.tmax_h:g} h; AUC {s.auc_ng_h_ml:.0f} ng·h/mL")
    if s.cmin_ss is not None:
        console.print(f"last dosing interval: trough {s.cmin_ss:.2f} ng/mL, average {s.cavg_ss:.2f} ng/mL")
    if s.fraction_below_threshold is not None:
        console.print(f"{s.fraction_below_threshold:.1%} of {population} virtual subjects below {threshold:g} ng/mL at {s.threshold_at_h:g} h")
    if result.exposure is not None:
        _print_exposure(result.exposure.as_dict())
    if plot is not None:
        console.print(f"plot written to {plot}")
    console.print("sources: " + ", ".join(result.sources))
    for text in result.caveats:
        console.print(f"caveat: {text}", markup=False, highlight=False)


def _print_exposure(exposure: dict) -> None:
    a, b = exposure["window_h"]
    console.print(f"exposure {a:g}-{b:g} h after the first dose, {exposure['subjects']} subject(s), "
                  f"endogenous level {'included' if exposure['baseline'] == 'total' else 'subtracted'}:")
    for metric, unit in exposure["units"].items():
        s = exposure[metric]
        console.print(f"  {metric} ({unit}): mean {s['mean']:.3g}, median {s['median']:.3g}, geometric mean "
                      f"{s['geomean']:.3g}, CV {s['cv']:.0%}, 5th-95th {s['p5']:.3g}-{s['p95']:.3g}",
                      markup=False, highlight=False)
