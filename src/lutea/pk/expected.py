"""The level a treatment should give: percentiles of the serum progesterone a population PK model
predicts for one regimen at one sampling time, to read a measured level against (pure, cached).

A virtual population (fixed seed) takes `doses` doses of `dose_mg` every `interval_h` (None:
enough to be at steady state), with the route model's between-subject variability, the
endogenous baseline of the context, the assay's reading of the route and the model's residual
(within-person and measurement) error, since a measured level is compared with it. The level is taken
`hours_since_dose` after the last dose; when that is unknown, each woman's lowest level over the
dosing interval after it (the trough: the conservative reading). The time of day matters for
models with a diurnal variation: with the clock of the last dose it is applied as fitted;
without it the model's lowest time-of-day factor is applied throughout (conservative again).

Results are cached by (model, dose, interval, doses, hours-since-dose bucket, clock bucket,
baseline, assay, percentile), so a batch of results on a few regimens simulates each once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np

from lutea.errors import InputError
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.schema import ExpectedLevelRule
from lutea.pk.assay import apply_assay, assay_sources, parse_assay
from lutea.pk.baseline import ContextKind, baseline_for_subjects, baseline_sources
from lutea.pk.engine import simulate_hours
from lutea.pk.models import (
    RouteModel,
    resolve_model_key,
    route_model,
    studied_dose_clock_hours,
)
from lutea.pk.population import add_residual_error, sample_parameters
from lutea.pk.regimen import DoseEvent
from lutea.pk.simulate import evidence_caveats

N_SUBJECTS = 2000
"""Virtual women per prediction: the 5th percentile moves by about 2% between seeds."""
SEED = 14
STEADY_STATE_DAYS = 28.0
"""Days of dosing taken as steady state: the slowest absorption in pk_models.yaml (SC aqueous,
ka_slow 0.0098/h, half-life 71 h) is within 0.2% of its plateau after 28 days."""
HOURS_BUCKET_H = 0.25
"""Hours since the dose and dose clock times are rounded to this step (the cache key)."""
_TROUGH_STEP_H = 0.25
_BASELINE_Z_CLIP = 3.0
_RULE_SECTION = "expected_levels"


@dataclass(frozen=True)
class ExpectedLevel:
    """Predicted serum progesterone (ng/mL, as `assay` reads it) for one regimen and sampling time:
    the level at `percentile` (`low_ng_ml`) and the median, with the model and its limits."""

    model_id: str
    percentile: float
    low_ng_ml: float
    median_ng_ml: float
    dose_mg: float
    interval_h: float
    hours_since_dose: float | None  # None: lowest point of the dosing interval
    doses: int | None  # None: steady state
    dose_clock_h: float | None  # clock hour of the last dose; None: unknown
    baseline: str
    assay: str
    provisional: bool
    caveats: tuple[str, ...]
    sources: tuple[str, ...]
    n_subjects: int = N_SUBJECTS
    seed: int = SEED


def expected_level_rule(kb: KnowledgeBase | None = None) -> ExpectedLevelRule:
    """The one entry (expected_levels.yaml) that says below which predicted percentile a level is
    lower than its treatment should give."""
    kb = kb or load_knowledge()
    entries = kb.entries(_RULE_SECTION)
    if not entries:
        raise InputError("knowledge", "no expected-level rule in the knowledge base", "expected_levels.yaml")
    return entries[0]


def model_for(route: str, formulation: str | None) -> RouteModel | None:
    """The PK route model of a route and formulation (None: formulation not given, the route's
    default); None when lutea has no model for it."""
    try:
        return route_model(route, formulation)
    except InputError:
        return None


def steady_state_doses(interval_h: float) -> int:
    """Doses taken as steady state for an interval (STEADY_STATE_DAYS of dosing)."""
    return max(1, math.ceil(STEADY_STATE_DAYS * 24.0 / interval_h))


def expected_level(
    model: RouteModel,
    dose_mg: float,
    interval_h: float,
    *,
    percentile: float,
    hours_since_dose: float | None = None,
    doses: int | None = None,
    dose_clock_h: float | None = None,
    baseline: ContextKind = "none",
    assay: str | None = "lcms",
) -> ExpectedLevel:
    """Predicted percentile and median (ng/mL) of serum progesterone `hours_since_dose` after the
    last of `doses` doses (None: steady state; None hours: each woman's trough over the interval).

    dose_clock_h: clock hour of the last dose (models with a time-of-day variation); baseline:
    endogenous context ("none", "hrt-fet", "postmenopausal", "male"); assay: lcms or immunoassay.
    """
    if not dose_mg > 0 or not interval_h > 0:
        raise InputError("treatment", f"dose {dose_mg:g} mg every {interval_h:g} h", "a dose > 0 mg and an interval > 0 h")
    if not 0 < percentile < 1:
        raise InputError("percentile", f"{percentile:g}", "a fraction between 0 and 1")
    if hours_since_dose is not None and hours_since_dose < 0:
        raise InputError("hours_since_dose", f"{hours_since_dose:g} h", "0 h or more")
    ss = steady_state_doses(interval_h)
    n = None if doses is None or doses >= ss else int(doses)
    if n is not None and n < 1:
        raise InputError("doses", f"{doses} doses", "1 or more")
    hours = None if hours_since_dose is None else round(hours_since_dose / HOURS_BUCKET_H) * HOURS_BUCKET_H
    clock = None
    if dose_clock_h is not None and model.diurnal_amplitude:
        clock = (round(dose_clock_h / HOURS_BUCKET_H) * HOURS_BUCKET_H) % 24.0
    return _expected(model.id, float(dose_mg), float(interval_h), n, hours, clock, baseline,
                     parse_assay(assay), float(percentile))


@lru_cache(maxsize=4096)
def _expected(model_id: str, dose_mg: float, interval_h: float, n: int | None, hours: float | None,
              clock: float | None, baseline: ContextKind, assay: str, percentile: float) -> ExpectedLevel:
    model = resolve_model_key(model_id)
    count = n if n is not None else steady_state_doses(interval_h)
    dose_t = np.arange(count, dtype=float) * interval_h
    last = float(dose_t[-1])
    times = last + (np.array([hours]) if hours is not None
                    else np.arange(0.0, interval_h + 1e-9, _TROUGH_STEP_H))
    rng = np.random.default_rng(SEED)
    params = sample_parameters([model], N_SUBJECTS, rng)[model.key]
    z = np.clip(rng.standard_normal(N_SUBJECTS), -_BASELINE_Z_CLIP, _BASELINE_Z_CLIP)
    clock0 = None if clock is None else (clock - last) % 24.0
    exogenous = simulate_hours([(model, dose_t, np.full(count, dose_mg), params)], times,
                               n_subjects=N_SUBJECTS, clock0_h=clock0)
    if clock is None and model.diurnal_amplitude:
        exogenous = exogenous * float(model.diurnal_factor(model.diurnal_peak_clock_h + 12.0))
    endogenous = baseline_for_subjects(baseline, times, None, z)
    levels = apply_assay(exogenous + endogenous, {model.route: exogenous}, assay)
    # one measurement per woman: her level at the time (or her trough), then its residual error
    per_woman = add_residual_error(levels[:, 0] if hours is not None else levels.min(axis=1), model, rng)
    low, median = np.quantile(per_woman, (percentile, 0.5))
    return ExpectedLevel(
        model_id=model.id, percentile=percentile, low_ng_ml=float(low), median_ng_ml=float(median),
        dose_mg=dose_mg, interval_h=interval_h, hours_since_dose=hours, doses=n, dose_clock_h=clock,
        baseline=baseline, assay=assay, provisional=model.provisional,
        caveats=_caveats(model, dose_mg, interval_h, count, clock),
        sources=tuple(dict.fromkeys([*model.sources, *baseline_sources(baseline),
                                     *assay_sources([model.route], assay)])),
    )


def _caveats(model: RouteModel, dose_mg: float, interval_h: float, count: int, clock: float | None) -> tuple[str, ...]:
    """The evidence limits of the simulated doses (simulate.evidence_caveats), placed at the known
    clock time, else at a studied one (and the conservative time-of-day reading said)."""
    studied = studied_dose_clock_hours(model)
    last_clock = clock if clock is not None else (studied[0] if studied else 8.0)
    last = datetime(2026, 1, 31, tzinfo=UTC) + timedelta(hours=last_clock)
    events = [DoseEvent(last - timedelta(hours=interval_h * k), dose_mg, model.route, model.formulation)
              for k in reversed(range(count))]
    out = list(evidence_caveats(events))
    if clock is None and model.diurnal_amplitude:
        low = float(model.diurnal_factor(model.diurnal_peak_clock_h + 12.0))
        out.append(f"PK model {model.id}: the time of day of the doses is not known, so its lowest time-of-day "
                   f"factor ({low:.2f}) was applied throughout (the conservative reading)")
    return tuple(out)
