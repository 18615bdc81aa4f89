"""The body's own serum progesterone, added to the exogenous part of a simulation (ng/mL).

Contexts: natural-cycle (the Stricker 2006 daily curve by day from the LH peak, mapped onto a
cycle of any length), hrt-fet (programmed frozen-transfer cycle: no corpus luteum, follicular
level), postmenopausal, male, pregnancy (first trimester, by gestational week) and none.

Cycle mapping (see `days_from_lh_peak`): the LH peak falls where `lutea.cycle` puts it (the
cycle-timing facts of the knowledge base: ovulation a day after the peak, a luteal phase of
about 14 days, so cycle day 14 of 28 and day 21 of 35), so cycle length changes only the
follicular phase: its last 7 days keep their distance to the LH peak, earlier days are
stretched or compressed linearly onto LH-15..LH-7.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from statistics import NormalDist
from typing import Literal

import numpy as np

from lutea.cycle import cycle_model
from lutea.errors import InputError
from lutea.knowledge.loader import DATA_PACKAGE, load_knowledge
from lutea.units import NMOL_L_PER_NG_ML

ContextKind = Literal["natural-cycle", "hrt-fet", "postmenopausal", "male", "pregnancy", "none"]
CONTEXTS: tuple[str, ...] = ("natural-cycle", "hrt-fet", "postmenopausal", "male", "pregnancy", "none")
CYCLE_TABLE = "menstrual_cycle_e2_p4_stricker2006.csv"
CYCLE_TABLE_SOURCE = "stricker2006"
_STRETCH_KEEP_DAYS = 7.0  # follicular days before the LH peak kept at their true distance
_Z95 = NormalDist().inv_cdf(0.95)


@dataclass(frozen=True)
class BaselineContext:
    """Where the endogenous level comes from.

    natural-cycle: cycle_length_days and one anchor, cycle_start (first day of menses, 00:00
    local) or lh_peak; with neither, t0 is the start of cycle day 1. pregnancy:
    gestational_weeks at t0 (from the last menstrual period).
    """

    kind: ContextKind = "none"
    cycle_length_days: float = 28.0
    cycle_start: datetime | None = None
    lh_peak: datetime | None = None
    gestational_weeks: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in CONTEXTS:
            raise InputError("context", f"unknown context {self.kind!r}", CONTEXTS)
        if not 18.0 <= self.cycle_length_days <= 60.0:
            raise InputError("cycle_length", f"{self.cycle_length_days:g} days is outside 18-60", "18 to 60 days")
        for name in ("cycle_start", "lh_peak"):
            t = getattr(self, name)
            if t is not None and t.tzinfo is None:
                raise InputError(name, "time has no timezone", "a timezone-aware datetime")
        if self.kind == "pregnancy" and self.gestational_weeks is None:
            raise InputError("gestational_weeks", "pregnancy needs the gestational age at the start", "weeks, e.g. 6.5")
        if self.gestational_weeks is not None and not 3.0 <= self.gestational_weeks <= 42.0:
            raise InputError("gestational_weeks", f"{self.gestational_weeks:g} is outside 3-42", "3 to 42 weeks")


def as_context(context: BaselineContext | str | None) -> BaselineContext:
    """A BaselineContext from itself, a context name, or None (no endogenous level)."""
    if context is None:
        return BaselineContext("none")
    if isinstance(context, BaselineContext):
        return context
    name = str(context).strip().lower()
    if name == "pregnancy":
        raise InputError("context", "pregnancy needs gestational_weeks", "BaselineContext('pregnancy', gestational_weeks=...)")
    return BaselineContext(name)  # type: ignore[arg-type]


def days_from_lh_peak(cycle_day: np.ndarray | float, cycle_length_days: float = 28.0) -> np.ndarray:
    """Day from the LH peak (Stricker 2006 axis, -15..+13) of a fractional cycle day (1 = menses).

    LH peak on cycle day L + 1 - (LH-to-next-menses days), as lutea.cycle places it (L - 14);
    luteal days keep their distance; follicular days earlier than 7 days before the peak are
    mapped linearly onto LH-15..LH-7 (stretched in long cycles).
    """
    c = np.asarray(cycle_day, dtype=float)
    peak = lh_peak_day(cycle_length_days)
    d = c - peak
    early_end = peak - _STRETCH_KEEP_DAYS  # last cycle day of the stretched part
    if early_end > 1.0:
        early = c < early_end
        scaled = -15.0 + (c - 1.0) * (15.0 - _STRETCH_KEEP_DAYS) / (early_end - 1.0)
        d = np.where(early, scaled, d)
    return np.clip(d, -15.0, 13.0)


def lh_peak_day(cycle_length_days: float) -> float:
    """Cycle day of the LH peak (unrounded form of lutea.cycle.lh_peak_cycle_day)."""
    return cycle_length_days + 1.0 - cycle_model().lh_peak_to_next_menses_days


@dataclass(frozen=True)
class _CycleTable:
    day: np.ndarray
    log_median: np.ndarray
    log_p5: np.ndarray
    log_p95: np.ndarray


@lru_cache(maxsize=1)
def cycle_table() -> _CycleTable:
    """Stricker 2006 progesterone by day from the LH peak, in ng/mL (log scale, for interpolation)."""
    path = resources.files(DATA_PACKAGE) / CYCLE_TABLE
    with path.open("r", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    day = np.array([float(r["days_from_lh_peak"]) for r in rows])
    order = np.argsort(day)

    def col(name: str) -> np.ndarray:
        return np.log(np.array([float(r[name]) for r in rows])[order] / NMOL_L_PER_NG_ML)

    return _CycleTable(day[order], col("p4_median_nmol_l"), col("p4_p5_nmol_l"), col("p4_p95_nmol_l"))


def _quantile_scale(quantile: float) -> float:
    if not 0.0 < quantile < 1.0:
        raise InputError("quantile", f"{quantile} is not inside (0, 1)", "0.05, 0.5, 0.95 or any value in between")
    return NormalDist().inv_cdf(quantile) / _Z95


def _between(log_median: np.ndarray, log_p5: np.ndarray, log_p95: np.ndarray, quantile: float) -> np.ndarray:
    """Quantile of a log-normal-like band given median, 5th and 95th percentiles (log scale)."""
    s = _quantile_scale(quantile)
    edge = log_p95 if s >= 0 else log_p5
    return np.exp(log_median + abs(s) * (edge - log_median))


def _hours(times_h: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.asarray(times_h, dtype=float)


def _natural_cycle(ctx: BaselineContext, times_h: np.ndarray, t0: datetime | None, quantile: float) -> np.ndarray:
    length = ctx.cycle_length_days
    if ctx.lh_peak is not None:
        if t0 is None:
            raise InputError("t0", "an LH-peak anchor needs the simulation start t0", "a timezone-aware datetime")
        offset_days = (t0 - ctx.lh_peak).total_seconds() / 86400.0 + (lh_peak_day(length) - 1.0)
    elif ctx.cycle_start is not None:
        if t0 is None:
            raise InputError("t0", "a cycle-start anchor needs the simulation start t0", "a timezone-aware datetime")
        offset_days = (t0 - ctx.cycle_start).total_seconds() / 86400.0
    else:
        offset_days = 0.0
    elapsed = np.mod(offset_days + times_h / 24.0, length)
    d = days_from_lh_peak(1.0 + elapsed, length)
    table = cycle_table()
    med = np.interp(d, table.day, table.log_median)
    p5 = np.interp(d, table.day, table.log_p5)
    p95 = np.interp(d, table.day, table.log_p95)
    return _between(med, p5, p95, quantile)


@lru_cache(maxsize=8)
def _default_level(kind: str) -> tuple[float, float, float]:
    for e in load_knowledge().entries("baseline_levels"):
        if e.context == kind and e.default:
            return (e.median_ng_ml, e.p5_ng_ml, e.p95_ng_ml)
    raise InputError("context", f"no baseline level for {kind!r} in the knowledge base", CONTEXTS)


@lru_cache(maxsize=1)
def _pregnancy_levels() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = sorted(
        (e for e in load_knowledge().entries("baseline_levels") if e.context == "pregnancy" and e.default),
        key=lambda e: e.gestational_week,
    )
    weeks = np.array([e.gestational_week for e in rows])
    return (
        weeks,
        np.log([e.median_ng_ml for e in rows]),
        np.log([e.p5_ng_ml for e in rows]),
        np.log([e.p95_ng_ml for e in rows]),
    )


def baseline_curve(
    context: BaselineContext | str | None,
    times_h: Sequence[float] | np.ndarray,
    t0: datetime | None = None,
    quantile: float = 0.5,
) -> np.ndarray:
    """Endogenous serum progesterone (ng/mL) at hours since t0, at a population quantile.

    The cycle and pregnancy curves come from immunoassay studies; luteal and placental
    progesterone carries no oral-metabolite bias, so they serve both assays.
    """
    ctx = as_context(context)
    h = _hours(times_h)
    if ctx.kind == "none":
        _quantile_scale(quantile)
        return np.zeros_like(h)
    if ctx.kind == "natural-cycle":
        return _natural_cycle(ctx, h, t0, quantile)
    if ctx.kind == "pregnancy":
        weeks, med, p5, p95 = _pregnancy_levels()
        ga = float(ctx.gestational_weeks or 0.0) + h / 168.0
        return _between(np.interp(ga, weeks, med), np.interp(ga, weeks, p5), np.interp(ga, weeks, p95), quantile)
    median, p5, p95 = _default_level(ctx.kind)
    value = _between(np.log(median), np.log(p5), np.log(p95), quantile)
    return np.full_like(h, float(value))


def baseline_for_subjects(
    context: BaselineContext | str | None,
    times_h: Sequence[float] | np.ndarray,
    t0: datetime | None,
    z: np.ndarray,
) -> np.ndarray:
    """Endogenous levels of subjects (n_subjects, n_times), subject i at normal score z[i].

    A subject keeps her percentile over time (z = 0: median, z = 1.645: 95th percentile).
    """
    low, mid, high = (np.log(np.maximum(c, 1e-12)) for c in baseline_band(context, times_h, t0))
    s = np.asarray(z, dtype=float)[:, None] / _Z95
    return np.exp(mid[None, :] + np.where(s >= 0, s * (high - mid)[None, :], -s * (low - mid)[None, :]))


def baseline_band(
    context: BaselineContext | str | None, times_h: Sequence[float] | np.ndarray, t0: datetime | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(5th percentile, median, 95th percentile) of the endogenous level: the reference band."""
    return tuple(baseline_curve(context, times_h, t0, q) for q in (0.05, 0.5, 0.95))  # type: ignore[return-value]


def baseline_sources(context: BaselineContext | str | None) -> list[str]:
    """Source ids behind the baseline of a context (for the statement of a simulation)."""
    ctx = as_context(context)
    if ctx.kind == "none":
        return []
    if ctx.kind == "natural-cycle":
        return [CYCLE_TABLE_SOURCE, *(s for s in cycle_model().sources if s != CYCLE_TABLE_SOURCE)]
    ids: list[str] = []
    for e in load_knowledge().entries("baseline_levels"):
        if e.context == ctx.kind and e.default:
            ids += [s for s in e.sources if s not in ids]
    return ids

