"""Benchmark of `lutea individualize`: time per patient of the MAP fit and of the full candidate
ranking, each as a ratio to one simulation of that patient's regimen (lutea.pk.simulate).

Run: .venv/bin/python bench/individualize.py  (last line is machine-readable)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from lutea.individualise import Individualiser, balance_report, parse_target
from lutea.individualise.validation import simulation_study
from lutea.pk.simulate import simulate

REGIMEN = "400 mg vaginal q12h from 2026-03-01T08:00"
LEVELS = ["2026-03-05T09:00=7.1 ng/mL", "2026-03-05T20:00=5.2 ng/mL"]
TARGET = parse_target("ge 10 ng/mL at 2026-03-06T10:00")
REPEATS = 15


def median_ms(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of func in milliseconds (after one warm-up call)."""
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def main() -> None:
    individualiser = Individualiser(context="hrt-fet", weight_kg=72)
    fit = individualiser.fit(REGIMEN, LEVELS)
    sim_ms = median_ms(lambda: simulate(REGIMEN, days=6, context="hrt-fet", weight_kg=72))
    fit_ms = median_ms(lambda: individualiser.fit(REGIMEN, LEVELS))
    rank_ms = median_ms(lambda: balance_report(fit, TARGET, current_text=REGIMEN))
    n_candidates = len(balance_report(fit, TARGET, current_text=REGIMEN)["candidates"])
    mcmc_ms = median_ms(lambda: Individualiser(context="hrt-fet", weight_kg=72, method="mcmc").fit(REGIMEN, LEVELS), 3)
    start = time.perf_counter()
    study = simulation_study(500, seed=0)
    batch_ms = (time.perf_counter() - start) * 1000.0 / study.n_people
    print(f"one simulation of the regimen (6 days, typical person): {sim_ms:.2f} ms")
    print(f"MAP fit with Laplace + importance-resampled posterior (1000 draws): {fit_ms:.2f} ms per patient")
    print(f"candidate ranking ({n_candidates} candidates x 1000 posterior draws): {rank_ms:.2f} ms per patient")
    print(f"MCMC fit (8 chains x 1500 steps): {mcmc_ms:.1f} ms per patient")
    print(f"batched MAP + prediction in the 500-person study: {batch_ms:.3f} ms per patient")
    print(f"interactive MAP + ranking: {fit_ms + rank_ms:.1f} ms (goal well under 1000 ms)")
    print(
        f"individualize map_fit_ms={fit_ms:.2f} ranking_ms={rank_ms:.2f} "
        f"map_ratio_to_sim={fit_ms / sim_ms:.2f} ranking_ratio_to_sim={rank_ms / sim_ms:.2f}"
    )


if __name__ == "__main__":
    main()
