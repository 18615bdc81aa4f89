"""Exposure statistics as studies report them: each virtual subject's Cmax, Tmax, AUC, Cavg and
trough within a window, then the mean, median, geometric mean, CV and 5th/95th percentiles of
those individual values (not the Cmax of the median curve, which is a different number).

Pure array functions shared by `lutea simulate`, the API's simulate route, `lutea trial` and
the validation report (lutea.pk.calibration).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from lutea.errors import InputError

EXPOSURE_METRICS = ("cmax", "tmax", "auc", "cavg", "ctrough")
STATISTICS = ("mean", "median", "geomean", "cv", "p5", "p95")
UNITS = {"cmax": "ng/mL", "tmax": "h after the window start", "auc": "ng*h/mL", "cavg": "ng/mL", "ctrough": "ng/mL"}
BASELINES = ("total", "subtracted")
ExposureBaseline = Literal["total", "subtracted"]
GRID_STEP_H = 0.05  # exposure is read on its own grid: Cmax within 0.05 h of the true peak time
MAX_GRID_POINTS = 4001  # longer windows use a coarser grid (window / 4000)
_EDGE_H = 1e-9


def check_window(start_h: float, end_h: float, horizon_h: float, field: str = "window_h") -> tuple[float, float]:
    """The window (hours after the first dose) as floats, or InputError naming `field`:
    finite, start >= 0, end > start, end within the simulated horizon (h)."""
    try:
        a, b = float(start_h), float(end_h)
    except (TypeError, ValueError):
        raise InputError(field, f"{start_h!r} {end_h!r} are not numbers", "two hours, start and end, e.g. 96 120") from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise InputError(field, f"{a:g} {b:g} is not a finite window", "two finite hours, e.g. 96 120")
    if a < 0:
        raise InputError(field, f"start {a:g} h is before the first dose", "a start of 0 h or later")
    if b <= a:
        raise InputError(field, f"end {b:g} h is not after start {a:g} h", "an end later than the start")
    if b > horizon_h + _EDGE_H:
        raise InputError(field, f"end {b:g} h is beyond the {horizon_h:g} h simulated",
                         f"an end within the simulated days (<= {horizon_h:g} h; raise --days)")
    return a, b


def check_baseline(baseline: str, field: str = "exposure_baseline") -> ExposureBaseline:
    """'total' (endogenous progesterone included, as a laboratory measures) or 'subtracted'."""
    text = str(baseline).strip().lower()
    if text not in BASELINES:
        raise InputError(field, f"unknown baseline {baseline!r}", BASELINES)
    return text  # type: ignore[return-value]


def window_grid(start_h: float, end_h: float) -> np.ndarray:
    """Time points (h) on which a window's exposure is read: GRID_STEP_H apart, at most
    MAX_GRID_POINTS, both edges included."""
    n = min(MAX_GRID_POINTS - 1, max(1, math.ceil((end_h - start_h) / GRID_STEP_H - 1e-9)))
    return np.linspace(start_h, end_h, n + 1)


def individual_exposure(times_h: np.ndarray, conc_ng_ml: np.ndarray, start_h: float, end_h: float) -> dict[str, np.ndarray]:
    """Each subject's exposure within [start_h, end_h] from levels (n_subjects x n_times, ng/mL)
    on times_h (h): Cmax, Tmax (h after start_h, first time of the peak), AUC by the linear
    trapezoid (ng*h/mL), Cavg = AUC / window length, ctrough = lowest level in the window.
    Window edges between grid points are interpolated linearly."""
    t = np.asarray(times_h, dtype=float)
    c = np.atleast_2d(np.asarray(conc_ng_ml, dtype=float))
    if t.ndim != 1 or c.shape[1] != t.size or t.size < 2:
        raise InputError("times_h", f"{t.size} times for levels of shape {c.shape}", "one time per column, at least two")
    if start_h < t[0] - _EDGE_H or end_h > t[-1] + _EDGE_H or end_h <= start_h:
        raise InputError("window_h", f"{start_h:g}-{end_h:g} h is outside the levels' {t[0]:g}-{t[-1]:g} h",
                         "a window inside the simulated times")
    inside = (t > start_h + _EDGE_H) & (t < end_h - _EDGE_H)
    grid = np.concatenate(([start_h], t[inside], [end_h]))
    edges = np.stack([_interp_rows(t, c, start_h), _interp_rows(t, c, end_h)], axis=1)
    levels = np.concatenate([edges[:, :1], c[:, inside], edges[:, 1:]], axis=1)
    k = np.argmax(levels, axis=1)
    auc = np.trapezoid(levels, grid, axis=1)
    return {
        "cmax": levels[np.arange(levels.shape[0]), k],
        "tmax": grid[k] - start_h,
        "auc": auc,
        "cavg": auc / (end_h - start_h),
        "ctrough": np.min(levels, axis=1),
    }


def _interp_rows(t: np.ndarray, c: np.ndarray, at_h: float) -> np.ndarray:
    j = int(np.clip(np.searchsorted(t, at_h), 1, t.size - 1))
    w = (at_h - t[j - 1]) / (t[j] - t[j - 1])
    return c[:, j - 1] + w * (c[:, j] - c[:, j - 1])


def statistics(values: np.ndarray) -> dict[str, float]:
    """Mean, median, geometric mean (0 if any value is 0), CV (SD / mean, population SD; 0 for
    one subject) and 5th/95th percentiles of individual values."""
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise InputError("values", "no finite individual values", "at least one finite value")
    mean = float(np.mean(x))
    geomean = 0.0 if np.any(x <= 0) else float(np.exp(np.mean(np.log(x))))
    p5, median, p95 = (float(v) for v in np.quantile(x, (0.05, 0.5, 0.95)))
    return {
        "mean": mean,
        "median": median,
        "geomean": min(geomean, mean),  # AM-GM; min() only absorbs rounding in the last bit
        "cv": float(np.std(x) / mean) if mean > 0 else 0.0,
        "p5": p5,
        "p95": p95,
    }


@dataclass(frozen=True)
class Exposure:
    """Exposure statistics of a simulated population within a window (hours after the first dose)."""

    start_h: float
    end_h: float
    subjects: int
    baseline: ExposureBaseline
    statistics: Mapping[str, Mapping[str, float]]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape shared by `lutea simulate`, the API and `lutea trial`."""
        return {
            "window_h": [self.start_h, self.end_h],
            "subjects": self.subjects,
            "baseline": self.baseline,
            "units": dict(UNITS),
            **{m: {k: round(v, 4) for k, v in self.statistics[m].items()} for m in EXPOSURE_METRICS},
        }


def summarise_exposure(
    individual: Mapping[str, np.ndarray], start_h: float, end_h: float, baseline: ExposureBaseline
) -> Exposure:
    """Exposure statistics from each subject's values (individual_exposure, possibly joined
    across shards)."""
    stats = {m: statistics(individual[m]) for m in EXPOSURE_METRICS}
    return Exposure(start_h, end_h, int(np.asarray(individual["cmax"]).size), baseline, stats)
