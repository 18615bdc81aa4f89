"""`lutea calibrate [--write] [--report docs/validation.md]`: fit the route models to the
published study arms, write the fitted values into pk_models.yaml, render the validation report."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from lutea.cli._common import console
from lutea.knowledge.loader import DATA_PACKAGE, load_knowledge
from lutea.terminal import domain_errors, print_json


def _models_file() -> Path:
    return Path(str(resources.files(DATA_PACKAGE) / "pk_models.yaml"))


def _reload() -> None:
    from lutea.pk.models import route_models

    load_knowledge.cache_clear()
    route_models.cache_clear()


@domain_errors
def calibrate(
    write: Annotated[bool, typer.Option("--write", help="Write the fitted values into pk_models.yaml.")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Write the validation report (markdown) here.")] = None,
    models_file: Annotated[Path | None, typer.Option("--models-file", help="pk_models.yaml to update (default: the packaged one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fit each route model to its study arms (least squares, deterministic) and report the fit."""
    from rich.table import Table

    from lutea.pk import calibration  # SciPy: only when the command runs
    from lutea.pk.models import route_models
    from lutea.pk.validation import render_report

    fits = calibration.calibrate()
    if write:
        path = models_file or _models_file()
        path.write_text(calibration.apply_fits(path.read_text(encoding="utf-8"), fits), encoding="utf-8")
        _reload()
        preds = calibration.predictions()
    else:
        preds = calibration.predictions(models=calibration.fitted_models(fits))
    summary = calibration.summarise(preds)
    if report is not None:
        if not write:
            _reload()
        text = render_report(calibration.predictions(), route_models(), load_knowledge().version)
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(text, encoding="utf-8")
    payload = {
        "knowledge_version": load_knowledge().version,
        "written": write,
        "fits": [
            {"model": f.model_id, "free": list(f.free), "values": f.values, "omega": f.omega, "arms": list(f.arm_ids), "cost": f.cost}
            for f in fits
        ],
        "summary": {
            "within_cmax": summary.within_cmax,
            "within_auc": summary.within_auc,
            "n_cmax": summary.n_cmax,
            "n_auc": summary.n_auc,
            "max_fold": summary.max_fold,
            "max_fold_arm": summary.max_fold_arm,
            "over_2x": list(summary.over_2x),
            "goals_met": calibration.goals_met(preds),
        },
    }
    if as_json:
        print_json(payload)
        return
    table = Table(title="lutea calibrate: fitted route models" + (" (written)" if write else " (not written; --write)"))
    for column in ("model", "fitted values", "omega f_bio", "arms"):
        table.add_column(column)
    for f in fits:
        values = ", ".join(f"{k} {v:.4g}" for k, v in f.values.items())
        table.add_row(f.model_id, values, str(f.omega.get("f_bio", "-")), str(len(f.arm_ids)))
    console.print(table)
    console.print(
        f"Cmax within 0.80-1.25: {summary.within_cmax:.0%} of {summary.n_cmax} arms; AUC: {summary.within_auc:.0%} of "
        f"{summary.n_auc}; largest fold error {summary.max_fold:.2f}x ({summary.max_fold_arm}); goals met: {calibration.goals_met(preds)}"
    )
    if report is not None:
        console.print(f"report written to {report}")
