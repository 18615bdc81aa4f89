"""`lutea individualize`: a person's own PK from measured levels, and the regimens that meet a target."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lutea.cli._common import console
from lutea.errors import InputError
from lutea.terminal import domain_errors, print_json

if TYPE_CHECKING:
    from lutea.pk.baseline import BaselineContext


def _context(name: str, cycle_length_days: float, lh_peak: str | None, cycle_start: str | None) -> BaselineContext:
    from lutea.individualise import parse_time
    from lutea.pk.baseline import BaselineContext

    return BaselineContext(
        name.strip().lower(),  # type: ignore[arg-type]
        cycle_length_days=cycle_length_days,
        lh_peak=parse_time(lh_peak, "lh_peak") if lh_peak else None,
        cycle_start=parse_time(cycle_start, "cycle_start") if cycle_start else None,
    )


@domain_errors
def individualize(
    regimen: Annotated[str, typer.Option("--regimen", help="Dose history in the regimen language, e.g. '400 mg vaginal q12h from 2026-03-01T08:00'.")],
    level: Annotated[list[str], typer.Option("--level", help="A measured serum level TIME=VALUE UNIT (repeatable).")],
    target: Annotated[str, typer.Option("--target", help="e.g. 'ge 10 ng/mL at 2026-03-06T10:00' or 'between 10 and 30 ng/mL from A to B'.")],
    weight_kg: Annotated[float | None, typer.Option("--weight-kg", help="Body weight (kg).")] = None,
    assay: Annotated[str, typer.Option("--assay", help="Assay of the levels: lcms or immunoassay.")] = "lcms",
    context: Annotated[str, typer.Option("--context", help="hrt-fet, natural-cycle, postmenopausal, male or none.")] = "hrt-fet",
    cycle_length_days: Annotated[float, typer.Option("--cycle-length-days", help="natural-cycle: cycle length.")] = 28.0,
    lh_peak: Annotated[str | None, typer.Option("--lh-peak", help="natural-cycle: date-time of the LH peak.")] = None,
    cycle_start: Annotated[str | None, typer.Option("--cycle-start", help="natural-cycle: first day of menses.")] = None,
    change_at: Annotated[str | None, typer.Option("--change-at", help="When a new regimen could start (default: the hour after the last level).")] = None,
    role: Annotated[str, typer.Option("--role", help="clinician (dose options) or patient (no doses).")] = "clinician",
    mcmc: Annotated[bool, typer.Option("--mcmc", help="Sample the full posterior by MCMC instead of importance-corrected Laplace draws.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the posterior draws.")] = 0,
    plot: Annotated[str | None, typer.Option("--plot", help="Write the person's predicted curve to a PNG/SVG file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Estimate a person's progesterone PK from their levels and rank regimens that meet a target."""
    from lutea.individualise import (  # SciPy
        Individualiser,
        balance_report,
        parse_level,
        parse_target,
        parse_time,
    )
    from lutea.pk.assay import parse_assay

    if role not in ("clinician", "patient"):
        raise InputError("role", f"unknown role {role!r}", ["clinician", "patient"])
    assay = parse_assay(assay)
    ctx = _context(context, cycle_length_days, lh_peak, cycle_start)
    levels = [parse_level(text, assay=assay) for text in level]
    goal = parse_target(target)
    individualiser = Individualiser(context=ctx if ctx.kind != "none" else None, assay=assay, weight_kg=weight_kg,
                                    method="mcmc" if mcmc else "laplace-sir", seed=seed)
    fit = individualiser.fit(regimen, levels)
    report = balance_report(fit, goal, role=role, change_at=parse_time(change_at, "change_at") if change_at else None,
                            current_text=regimen)
    report["context"] = ctx.kind
    if plot:
        from lutea.cli._individualize_plot import plot_fit

        plot_fit(fit, goal, report, plot)
        report["plot"] = plot
    if as_json:
        print_json(report)
        return
    _print(report)


def _print(report: dict) -> None:
    from rich.table import Table

    p = report["prediction"]
    console.print(f"[bold]lutea individualize[/bold] (knowledge {report['knowledge_version']}, assay {p['assay']})")
    console.print(f"target: {p['target']}")
    console.print(f"current regimen: predicted {p['at_target']} ng/mL (90% {p['ci90'][0]} to {p['ci90'][1]}), "
                  f"P(target met) {p['p_target']:.0%}")
    if report["role"] == "patient":
        console.print(report["message"])
        return
    table = Table(title="parameters (MAP, 90% credible interval)")
    for column in ("parameter", "estimate", "90% interval", "population 90%"):
        table.add_column(column)
    for name, v in report["parameters"].items():
        table.add_row(name, f"{v['estimate']:.4g}", f"{v['ci90'][0]:.4g} to {v['ci90'][1]:.4g}",
                      f"{v['prior_ci90'][0]:.4g} to {v['prior_ci90'][1]:.4g}")
    console.print(table)
    table = Table(title=f"candidate regimens from {report['change_at']} (clinician)")
    for column in ("rank", "regimen", "predicted", "90%", "P(target)", "sources"):
        table.add_column(column)
    caveats: list[str] = []
    for i, c in enumerate(report["candidates"], 1):
        marks = []
        for text in c.get("caveats", []):
            if text not in caveats:
                caveats.append(text)
            marks.append(f"[{caveats.index(text) + 1}]")
        table.add_row(str(i), c["regimen"] + (" " + "".join(marks) if marks else ""), f"{c['predicted']:.3g}",
                      f"{c['ci90'][0]:.3g} to {c['ci90'][1]:.3g}", f"{c['p_target']:.0%}", ", ".join(c["sources"]) or "-")
    console.print(table)
    for n, text in enumerate(caveats, 1):
        console.print(f"[{n}] {text}", markup=False, highlight=False)
