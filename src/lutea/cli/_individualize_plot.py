"""Plot of an individual fit for `lutea individualize --plot`: curve, 90% band, levels, target."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np

from lutea.individualise import IndividualFit, Target


def plot_fit(fit: IndividualFit, target: Target, report: dict[str, Any], path: str) -> None:
    """Write the person's predicted level on the current regimen (and the top candidate) to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = fit.model.t0
    end = target.end + timedelta(hours=12)
    span_h = (end - start).total_seconds() / 3600.0
    times = [start + timedelta(hours=float(h)) for h in np.linspace(0.0, span_h, 400)]
    pred = fit.predict(times)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.fill_between(times, pred.low_ng_ml, pred.high_ng_ml, alpha=0.25, label="90% interval (measured level)")
    ax.plot(times, pred.median_ng_ml, label="current regimen (individual)")
    ax.scatter([lv.time for lv in fit.levels], [lv.conc_ng_ml for lv in fit.levels], color="black", zorder=3,
               label="measured levels")
    if target.low_ng_ml is not None:
        ax.axhline(target.low_ng_ml, color="tab:red", linestyle="--", linewidth=1, label="target")
    if target.high_ng_ml is not None:
        ax.axhline(target.high_ng_ml, color="tab:red", linestyle="--", linewidth=1)
    ax.axvspan(target.start, target.end if not target.is_point else target.start + timedelta(hours=1),
               color="tab:red", alpha=0.1)
    ax.set_ylabel(f"serum progesterone, ng/mL ({fit.model.assay})")
    ax.set_title("lutea individualize: the person's predicted level")
    ax.legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
