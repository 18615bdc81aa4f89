"""Virtual trials: a regimen given to a large virtual population, split into shards.

Shard i draws its subjects from its own generator, seeded by SeedSequence(seed).spawn(shards)[i],
so the levels are identical whichever engine or worker runs the shards. Each shard does what
`lutea.pk.simulate` does for a population (parameters, then the endogenous percentile, then
the engine and the assay), at one time point only: the level at `at_h`. The driver joins the
shard levels in shard order and reports their quantiles and the fraction meeting the target
(level >= threshold) with a 95% Wilson interval. With a window, each shard also returns its
subjects' individual Cmax, Tmax, AUC, Cavg and trough there (lutea.pk.simulate.subject_exposure),
and the driver reports their statistics (lutea.pk.exposure) over the whole population.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from lutea.batch.engine import Engine
from lutea.batch.fingerprint import fingerprint, same_lutea
from lutea.errors import InputError, KnowledgeError
from lutea.knowledge import load_knowledge
from lutea.pk.assay import parse_assay
from lutea.pk.baseline import BaselineContext, as_context
from lutea.pk.exposure import (
    Exposure,
    ExposureBaseline,
    check_baseline,
    check_window,
    summarise_exposure,
)
from lutea.pk.progestogens import split_events
from lutea.pk.regimen import DoseEvent, Regimen, parse_regimen
from lutea.pk.simulate import MAX_DAYS, draw_subjects, subject_exposure, subject_levels
from lutea.timeline import elapsed_hours

MAX_TRIAL_POPULATION = 50_000_000
MAX_EXPOSURE_POPULATION = 5_000_000  # five individual values per subject are joined in memory
SUBJECTS_PER_SHARD = 100_000
QUANTILES: tuple[float, ...] = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class TrialSpec:
    """What every shard simulates: dose events from t0, the time read (h after t0), context, assay."""

    events: tuple[DoseEvent, ...]
    t0: datetime
    at_h: float
    context: BaselineContext
    assay: str
    weight_kg: float | None = None
    window_h: tuple[float, float] | None = None  # exposure window, hours after the first dose
    exposure_baseline: ExposureBaseline = "total"


@dataclass(frozen=True)
class TrialResult:
    """Level distribution at at_h over the population and the fraction at or above the threshold."""

    population: int
    shards: int
    seed: int
    at_h: float
    threshold_ng_ml: float
    quantiles_ng_ml: dict[str, float]
    mean_ng_ml: float
    meeting_target: int
    fraction_meeting_target: float
    ci95: tuple[float, float]
    spec: TrialSpec
    knowledge_version: str
    exposure: Exposure | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "population": self.population, "shards": self.shards, "seed": self.seed,
            "t0": self.spec.t0.isoformat(), "at_h": self.at_h, "doses": len(self.spec.events),
            "context": self.spec.context.kind, "assay": self.spec.assay, "threshold_ng_ml": self.threshold_ng_ml,
            "level_ng_ml": {**self.quantiles_ng_ml, "mean": self.mean_ng_ml},
            "meeting_target": self.meeting_target, "fraction_meeting_target": self.fraction_meeting_target,
            "ci95": list(self.ci95), "ci_method": "Wilson score, 95%", "knowledge_version": self.knowledge_version,
        } | ({"exposure": self.exposure.as_dict()} if self.exposure is not None else {})


def trial_spec(
    regimen: str | Regimen,
    *,
    days: float = 14.0,
    at_h: float | None = None,
    at: datetime | None = None,
    context: BaselineContext | str | None = None,
    assay: str = "lcms",
    weight_kg: float | None = None,
    start: datetime | None = None,
    default_start: datetime | None = None,
    window_h: tuple[float, float] | None = None,
    exposure_baseline: ExposureBaseline | str = "total",
) -> TrialSpec:
    """The shared part of a trial: dose events over `days` and the hour read (default: the end).

    The trial starts at `start`, else at the regimen's own 'from', else at `default_start`.
    window_h: hours after the first dose for exposure statistics (as `lutea simulate`).
    """
    if not 0 < days <= MAX_DAYS:
        raise InputError("days", f"{days:g} days", f"0 < days <= {MAX_DAYS:g}")
    if weight_kg is not None and not 30 <= weight_kg <= 250:
        raise InputError("weight_kg", f"{weight_kg:g} kg", "30 to 250 kg")
    parsed = parse_regimen(regimen) if isinstance(regimen, str) else regimen
    starts = [p.start for p in parsed.parts if p.start is not None] + [e.time for e in parsed.events]
    t0 = start or (min(starts) if starts else None) or default_start
    if t0 is None or t0.tzinfo is None:
        raise InputError("start", "no timezone-aware start time", "--start 2026-03-01T08:00+00:00 or 'from ...' in the regimen")
    end_h = days * 24.0
    events = tuple(e for e in parsed.dose_events(t0, t0 + timedelta(hours=end_h)) if e.time >= t0)
    if not events:
        raise InputError("regimen", "no dose falls inside the trial days", "a regimen that starts within --days")
    events, progestogen_events = split_events(events)
    if not events:  # the trial reads serum progesterone, which a progestogen does not raise
        raise InputError("regimen", "a trial of a progestogen (" + ", ".join(sorted({str(e.product) for e in progestogen_events}))
                         + "): a progesterone assay does not measure it",
                         "a progesterone regimen; `lutea simulate` shows a progestogen's own curve under `progestogens`")
    events = tuple(events)
    if at is not None:
        if at_h is not None:
            raise InputError("at", "both --at and --at-hours given", "one of them")
        if at.tzinfo is None:
            raise InputError("at", "time has no timezone", "an ISO date-time with offset")
        at_h = (at - t0).total_seconds() / 3600.0
    at_h = end_h if at_h is None else float(at_h)
    if not 0 <= at_h <= end_h:
        raise InputError("at", f"{at_h:g} h after the start", f"0 to {end_h:g} h (within --days)")
    baseline = check_baseline(exposure_baseline)
    window = None
    if window_h is not None:
        window = check_window(window_h[0], window_h[1], end_h - elapsed_hours(events[0].time, t0))
    return TrialSpec(events, t0, at_h, as_context(context), parse_assay(assay), weight_kg, window, baseline)


def shard_sizes(population: int, shards: int) -> list[int]:
    """Subjects per shard: as equal as possible, the first shards one larger."""
    base, extra = divmod(population, shards)
    return [base + (1 if i < extra else 0) for i in range(shards)]


def shard_seeds(seed: int, shards: int) -> list[np.random.SeedSequence]:
    """Independent seed sequences, one per shard, derived from the trial seed."""
    return np.random.SeedSequence(seed).spawn(shards)


def shard_levels(
    spec: TrialSpec, n_subjects: int, seed: np.random.SeedSequence
) -> tuple[np.ndarray, str, dict[str, np.ndarray] | None]:
    """Serum levels (ng/mL, as `spec.assay` reads them) at spec.at_h of one shard's subjects,
    the knowledge-base version / code fingerprint that made them, and (with a window) the same
    subjects' individual exposure values."""
    subjects = draw_subjects(spec.events, n_subjects, np.random.default_rng(seed), weight_kg=spec.weight_kg)
    levels = subject_levels(spec.events, np.array([spec.at_h]), spec.t0, spec.context, subjects, spec.assay)
    exposure = None
    if spec.window_h is not None:
        first_dose_h = elapsed_hours(spec.events[0].time, spec.t0)
        window = (spec.window_h[0] + first_dose_h, spec.window_h[1] + first_dose_h)
        exposure = subject_exposure(spec.events, spec.t0, spec.context, subjects, window, spec.assay,
                                    spec.exposure_baseline)
    return np.ascontiguousarray(levels[:, 0]), f"{load_knowledge().version}/{fingerprint()}", exposure


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% with the default z)."""
    if n <= 0:
        raise InputError("population", f"{n} subjects", "at least 1")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # the bounds are exactly 0 and 1 there
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def run_trial(
    spec: TrialSpec, *, population: int, threshold_ng_ml: float, seed: int = 1, shards: int | None = None,
    engine: Engine,
) -> TrialResult:
    """Simulate `population` subjects in shards on `engine`; same seed and shards, same result."""
    if not 1 <= population <= MAX_TRIAL_POPULATION:
        raise InputError("population", f"{population} subjects", f"1 to {MAX_TRIAL_POPULATION}")
    if not threshold_ng_ml > 0:
        raise InputError("threshold", f"{threshold_ng_ml:g} ng/mL", "a level in ng/mL > 0")
    shards = shards or max(1, math.ceil(population / SUBJECTS_PER_SHARD))
    if not 1 <= shards <= population:
        raise InputError("shards", f"{shards} shards for {population} subjects", f"1 to {population}")
    if spec.window_h is not None and population > MAX_EXPOSURE_POPULATION:
        raise InputError("population", f"{population} subjects with an exposure window",
                         f"at most {MAX_EXPOSURE_POPULATION} subjects with --window-h")
    version = load_knowledge().version
    fingerprint()  # this process's lutea, as it started the run
    items = ((spec, n, s) for n, s in zip(shard_sizes(population, shards), shard_seeds(seed, shards)))
    parts, exposures = [], []
    for levels, worker_version, exposure in engine.map_ordered(shard_levels, items):
        worker_kb, _, worker_code = worker_version.partition("/")
        if worker_kb != version or not same_lutea(worker_code):
            raise KnowledgeError(f"a worker runs lutea {worker_version}, this machine {version}/{fingerprint()}: "
                                 "install the same lutea on every worker")
        parts.append(levels)
        exposures.append(exposure)
    levels = np.concatenate(parts)
    summary = None
    if spec.window_h is not None:
        joined = {m: np.concatenate([e[m] for e in exposures]) for m in exposures[0]}
        summary = summarise_exposure(joined, *spec.window_h, spec.exposure_baseline)
    meeting = int(np.count_nonzero(levels >= threshold_ng_ml))
    q = np.quantile(levels, QUANTILES)
    return TrialResult(
        population=population, shards=shards, seed=seed, at_h=spec.at_h, threshold_ng_ml=threshold_ng_ml,
        quantiles_ng_ml={f"p{round(p * 100)}": float(v) for p, v in zip(QUANTILES, q)},
        mean_ng_ml=float(np.mean(levels)), meeting_target=meeting, fraction_meeting_target=meeting / population,
        ci95=wilson_interval(meeting, population), spec=spec, knowledge_version=version, exposure=summary,
    )
