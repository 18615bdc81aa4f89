"""Plots of simulations (matplotlib, Agg backend): a shell concern, never imported by the core."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lutea.pk.simulate import SimulationResult, assay_label  # noqa: E402


def plot_simulation(result: SimulationResult, path: Path, *, threshold: float | None = None) -> None:
    """Concentration over time (days) with the population band, the context's reference band
    and the threshold line; PNG or SVG by the file suffix."""
    days = result.times_h / 24.0
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    if result.context != "none":
        ax.fill_between(
            days, result.reference_p5, result.reference_p95, color="0.85", label=f"{result.context} without treatment (5th-95th)"
        )
    if result.p5 is not None and result.p95 is not None:
        ax.fill_between(days, result.p5, result.p95, color="tab:blue", alpha=0.25, label=f"population 5th-95th (n={result.population})")
    label = "median" if result.population else "typical"
    ax.plot(days, result.concentration_ng_ml, color="tab:blue", lw=1.6, label=label)
    if threshold is not None:
        ax.axhline(threshold, color="tab:red", ls="--", lw=1.0, label=f"threshold {threshold:g} ng/mL")
    ax.set_xlabel(f"days from {result.t0:%Y-%m-%d %H:%M %Z}")
    ax.set_ylabel(f"serum progesterone, ng/mL ({assay_label(result.assay)})")
    ax.set_ylim(bottom=0)
    ax.set_xlim(days[0], days[-1])
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"lutea simulate (knowledge base {result.knowledge_version})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format=path.suffix.lower().lstrip("."))
    plt.close(fig)
