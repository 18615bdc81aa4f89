"""What serum level will a regimen give, and when: regimen -> dose events -> engine, plus the
endogenous baseline of the context and the assay the level is read with.

`simulate` is the one function the CLI, the API and the web page call. Without a population it
returns the typical curve; with one (n virtual subjects, a seed) the median and the 5th-95th
percentile band, and the fraction of subjects below a threshold. With a window (hours after the
first dose) it adds exposure statistics over the same subjects' individual values
(lutea.pk.exposure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from lutea.errors import InputError
from lutea.knowledge.loader import load_knowledge
from lutea.pk.assay import ASSAY_LABELS, apply_assay, assay_sources, parse_assay
from lutea.pk.baseline import (
    BaselineContext,
    as_context,
    baseline_band,
    baseline_for_subjects,
    baseline_sources,
)
from lutea.pk.engine import dose_groups, simulate_events
from lutea.pk.exposure import (
    Exposure,
    ExposureBaseline,
    check_baseline,
    check_window,
    individual_exposure,
    summarise_exposure,
    window_grid,
)
from lutea.pk.models import (
    RouteModel,
    fitted_dose_range_mg,
    route_model,
    studied_dose_clock_hours,
)
from lutea.pk.population import individual_parameters, sample_parameters
from lutea.pk.progestogens import (
    ProgestogenSeries,
    assay_caveat,
    simulate_progestogens,
    split_events,
)
from lutea.pk.regimen import DoseEvent, Regimen, parse_regimen
from lutea.safety import check_labelled_daily_dose
from lutea.timeline import after_hours, clock_hour, elapsed_hours

MAX_DAYS = 120.0
MAX_POPULATION = 200_000
_BASELINE_Z_CLIP = 3.0


@dataclass(frozen=True)
class Summary:
    """Exposure of the reported curve: Cmax (ng/mL) at Tmax (h), AUC over the whole span
    (ng*h/mL), trough and average over the last complete dosing interval, and the fraction of
    the population below the threshold at `threshold_at_h`."""

    cmax: float
    tmax_h: float
    auc_ng_h_ml: float
    cmin_ss: float | None
    cavg_ss: float | None
    fraction_below_threshold: float | None
    threshold_ng_ml: float | None = None
    threshold_at_h: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "cmax": _r(self.cmax),
            "tmax_h": _r(self.tmax_h),
            "auc_ng_h_ml": _r(self.auc_ng_h_ml),
            "cmin_ss": _r(self.cmin_ss),
            "cavg_ss": _r(self.cavg_ss),
            "fraction_below_threshold": _r(self.fraction_below_threshold),
        }


@dataclass(frozen=True)
class SimulationResult:
    """A simulated serum progesterone curve (ng/mL) with the assay and context it belongs to.

    concentration_ng_ml is the typical curve, or the population median; p5/p95 exist only for a
    population. reference_* is the endogenous band of the context (no treatment).
    """

    t0: datetime
    times_h: np.ndarray
    concentration_ng_ml: np.ndarray
    p5: np.ndarray | None
    p95: np.ndarray | None
    summary: Summary
    assay: str
    context: str
    events: tuple[DoseEvent, ...]
    reference_p5: np.ndarray
    reference_median: np.ndarray
    reference_p95: np.ndarray
    population: int | None
    seed: int | None
    knowledge_version: str
    sources: tuple[str, ...] = ()
    fraction_below: np.ndarray | None = field(default=None, repr=False)
    caveats: tuple[str, ...] = ()
    """Limits of the PK evidence behind the curve (evidence_caveats)."""
    progestogens: tuple[ProgestogenSeries, ...] = ()
    """Synthetic progestogens and metabolites of the regimen: not in concentration_ng_ml, which is
    the serum progesterone a laboratory reports (its assay does not measure them)."""
    exposure: Exposure | None = None
    """Statistics of the subjects' individual Cmax, Tmax, AUC, Cavg and trough in a window."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the CLI and the API (population fields only with one)."""
        out: dict[str, Any] = {
            "times_h": [_r(t) for t in self.times_h],
            "concentration_ng_ml": [_r(c) for c in self.concentration_ng_ml],
        }
        if self.population:
            out["p5"] = [_r(c) for c in self.p5]  # type: ignore[union-attr]
            out["p95"] = [_r(c) for c in self.p95]  # type: ignore[union-attr]
        out["summary"] = self.summary.as_dict()
        out["assay"] = self.assay
        out["caveats"] = list(self.caveats)
        out["progestogens"] = {p.name: p.as_dict() for p in self.progestogens}
        out["knowledge_version"] = self.knowledge_version
        if self.exposure is not None:
            out["exposure"] = self.exposure.as_dict()
        return out


def evidence_caveats(events: Sequence[DoseEvent]) -> tuple[str, ...]:
    """What the PK evidence does not cover for these dose events, in words: provisional or
    extrapolated route models, doses outside the range a dose-dependent model was fitted to, and
    doses at times of day a model's time-of-day variation was not measured for."""
    if not events:
        return ()
    out = []
    clock0 = clock_hour(events[0].time)
    for m, t, doses in dose_groups(events, events[0].time).values():
        if m.provisional:
            out.append(f"PK model {m.id} is provisional: literature starting values, not fitted to published arms")
        if m.caveat:
            out.append(f"PK model {m.id}: {m.caveat}")
        fitted = fitted_dose_range_mg(m)
        outside = sorted({float(d) for d in doses if fitted and not fitted[0] <= d <= fitted[1]})
        if outside and fitted:
            how = ("bioavailability at that dose is extrapolated" if m.dose_dependent
                   else "the levels are scaled in proportion to the dose, an extrapolation")
            out.append(f"PK model {m.id}: {', '.join(f'{d:g}' for d in outside)} mg at once is outside the doses it was "
                       f"fitted to ({fitted[0]:g}-{fitted[1]:g} mg); {how}")
        if m.diurnal_amplitude:
            studied = studied_dose_clock_hours(m)
            unstudied = sorted({_hhmm(h) for h in (clock0 + t) % 24.0 if not _near_clock(h, studied)})
            if unstudied:
                out.append(f"PK model {m.id}: its time-of-day variation was measured on doses at "
                           f"{', '.join(_hhmm(h) for h in studied) or 'no stated time'} only; doses at "
                           f"{', '.join(unstudied)} make the levels through the day an extrapolation")
    return tuple(out)


STUDIED_CLOCK_TOLERANCE_H = 2.0  # a dose this close to a studied time of day counts as studied


def _near_clock(hour: float, studied: Sequence[float]) -> bool:
    return any(min(abs(hour - s), 24.0 - abs(hour - s)) <= STUDIED_CLOCK_TOLERANCE_H for s in studied)


def _hhmm(hour: float) -> str:
    minutes = int(round(hour * 60.0)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _r(x: float | None, digits: int = 4) -> float | None:
    if x is None:
        return None
    return float(round(float(x), digits))


def simulate(
    regimen: str | Regimen | Sequence[DoseEvent],
    *,
    days: float = 14.0,
    context: BaselineContext | str | None = None,
    weight_kg: float | None = None,
    assay: str = "lcms",
    population: int | None = None,
    seed: int | None = 1,
    threshold: float | None = None,
    threshold_at_h: float | None = None,
    start: datetime | None = None,
    default_start: datetime | None = None,
    step_h: float = 0.5,
    acknowledge_off_label: bool = False,
    window_h: tuple[float, float] | None = None,
    exposure_baseline: ExposureBaseline | str = "total",
) -> SimulationResult:
    """Serum progesterone (ng/mL) over `days` from `start` for a regimen, read by `assay`.

    context: natural-cycle, hrt-fet, postmenopausal, male, pregnancy (BaselineContext) or None.
    population: number of virtual subjects (log-normal BSV, seeded); threshold in ng/mL, checked
    at threshold_at_h (default: the last time point). The simulation starts at `start`, else at
    the regimen's own 'from', else at `default_start`, else at the current hour (UTC).
    window_h: (start, end) hours after the first dose for exposure statistics over the subjects
    (the typical person without a population); exposure_baseline 'total' includes the endogenous
    level (what a laboratory measures), 'subtracted' leaves the treatment's part only.
    """
    if not 0 < days <= MAX_DAYS:
        raise InputError("days", f"{days:g} days", f"0 < days <= {MAX_DAYS:g}")
    if not 0.05 <= step_h <= 24:
        raise InputError("step_h", f"{step_h:g} h", "0.05 to 24 hours")
    if population is not None and not 1 <= population <= MAX_POPULATION:
        raise InputError("population", f"{population} subjects", f"1 to {MAX_POPULATION}")
    if weight_kg is not None and not 30 <= weight_kg <= 250:
        raise InputError("weight_kg", f"{weight_kg:g} kg", "30 to 250 kg")
    if threshold is not None and not threshold > 0:
        raise InputError("threshold", f"{threshold:g} ng/mL", "a level in ng/mL > 0")
    kind = parse_assay(assay)
    ctx = as_context(context)
    baseline_kind = check_baseline(exposure_baseline)
    t0, all_events = _events(regimen, start, default_start, days)
    check_labelled_daily_dose(all_events, acknowledged=acknowledge_off_label)
    # the serum progesterone curve: progesterone doses on the body's own level; a progestogen
    # is invisible to the assay and is simulated apart (lutea.pk.progestogens)
    events, progestogen_events = split_events(all_events)
    n_steps = int(round(days * 24.0 / step_h))
    times_h = np.linspace(0.0, n_steps * step_h, n_steps + 1)
    if threshold_at_h is None:
        threshold_at_h = float(times_h[-1])
    elif not 0 <= threshold_at_h <= times_h[-1]:
        raise InputError("threshold_at_h", f"{threshold_at_h:g} h", f"0 to {times_h[-1]:g} h")
    at_index = int(np.argmin(np.abs(times_h - threshold_at_h)))
    window = None
    if window_h is not None:
        if not events:
            raise InputError("window_h", "a window on a regimen without progesterone",
                             "exposure statistics of serum progesterone need a progesterone dose; "
                             "a progestogen's own curve is under `progestogens`")
        first_dose_h = elapsed_hours(events[0].time, t0)
        window = check_window(window_h[0], window_h[1], float(times_h[-1]) - first_dose_h)
        window = (window[0] + first_dose_h, window[1] + first_dose_h)

    models = route_models_of(events)
    routes = sorted({m.route for m in models})
    if population:
        subjects = draw_subjects(events, population, np.random.default_rng(seed), weight_kg=weight_kg)
    else:
        params = {m.key: individual_parameters(m, None, weight_kg) for m in models} if weight_kg else None
        subjects = VirtualSubjects(models, params, None, 1)
    levels = subject_levels(events, times_h, t0, ctx, subjects, kind)
    exposure = None
    if window is not None:
        individual = subject_exposure(events, t0, ctx, subjects, window, kind, baseline_kind)
        exposure = summarise_exposure(individual, window_h[0] * 1.0, window_h[1] * 1.0, baseline_kind)

    if population:
        p5, median, p95 = np.quantile(levels, (0.05, 0.5, 0.95), axis=0)
        central = median
        below = np.mean(levels < threshold, axis=0) if threshold is not None else None
    else:
        p5 = p95 = None
        central = levels[0]
        below = None
    summary = _summarise(times_h, central, events or all_events, t0, threshold, threshold_at_h, below, at_index)
    ref_p5, ref_median, ref_p95 = baseline_band(ctx, times_h, t0)
    sources = _sources(models, ctx, kind, routes)
    progestogens = simulate_progestogens(progestogen_events, times_h, t0)
    return SimulationResult(
        t0=t0,
        times_h=times_h,
        concentration_ng_ml=central,
        p5=p5,
        p95=p95,
        summary=summary,
        assay=kind,
        context=ctx.kind,
        events=tuple(all_events),
        reference_p5=ref_p5,
        reference_median=ref_median,
        reference_p95=ref_p95,
        population=population,
        seed=seed if population else None,
        knowledge_version=load_knowledge().version,
        sources=tuple(sources),
        fraction_below=below,
        caveats=evidence_caveats(events) + tuple(c for c in [assay_caveat(progestogens)] if c),
        progestogens=tuple(progestogens),
        exposure=exposure,
    )


def assay_label(assay: str) -> str:
    """Human name of the assay a result states."""
    return ASSAY_LABELS[parse_assay(assay)]


def _events(
    regimen: str | Regimen | Sequence[DoseEvent], start: datetime | None, default_start: datetime | None, days: float
) -> tuple[datetime, list[DoseEvent]]:
    for name, t in (("start", start), ("default_start", default_start)):
        if t is not None and t.tzinfo is None:
            raise InputError(name, f"{name} has no timezone", "a timezone-aware datetime")
    if isinstance(regimen, str):
        parsed = parse_regimen(regimen)
    elif isinstance(regimen, Regimen):
        parsed = regimen
    else:
        parsed = parse_regimen(list(regimen))
    begin = start or _first_start(parsed) or default_start
    if begin is None:  # the one clock read: shells should pass default_start to keep the core pure
        begin = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    until = after_hours(begin, days * 24.0)
    events = [e for e in parsed.dose_events(begin, until) if e.time >= begin]
    if not events:
        raise InputError("regimen", "no dose falls inside the simulated days", "a regimen that starts within --days")
    return begin, events


def _first_start(regimen: Regimen) -> datetime | None:
    starts = [p.start for p in regimen.parts if p.start is not None] + [e.time for e in regimen.events]
    return min(starts) if starts else None


def route_models_of(events: Sequence[DoseEvent]) -> list[RouteModel]:
    """The route models the dose events use, each once, in order of first use."""
    seen: dict[str, RouteModel] = {}
    for e in events:
        m = route_model(e.route, e.formulation)
        seen.setdefault(m.id, m)
    return list(seen.values())


@dataclass(frozen=True)
class VirtualSubjects:
    """The people of a simulation: PK parameters per model key (None: typical values) and each
    one's normal score of the endogenous baseline (None: the median)."""

    models: Sequence[RouteModel]
    params: Any
    baseline_z: np.ndarray | None
    n: int

    def subset(self, rows: slice) -> "VirtualSubjects":
        """The subjects of rows (a slice), for simulating a large population in chunks."""
        if self.params is None or self.baseline_z is None:
            return self
        params = {key: {k: v[rows] for k, v in p.items()} for key, p in self.params.items()}
        z = self.baseline_z[rows]
        return VirtualSubjects(self.models, params, z, int(z.size))


def draw_subjects(
    events: Sequence[DoseEvent], n_subjects: int, rng: np.random.Generator, *, weight_kg: float | None = None
) -> VirtualSubjects:
    """Virtual subjects: each draws its PK parameters, then its own percentile of the endogenous
    baseline, in that order, so every caller with the same generator state gets the same people."""
    models = route_models_of(events)
    params = sample_parameters(models, n_subjects, rng, weight_kg)
    z = np.clip(rng.standard_normal(n_subjects), -_BASELINE_Z_CLIP, _BASELINE_Z_CLIP)
    return VirtualSubjects(models, params, z, n_subjects)


def subject_levels(
    events: Sequence[DoseEvent],
    times_h: np.ndarray,
    t0: datetime,
    context: BaselineContext,
    subjects: VirtualSubjects,
    assay: str = "lcms",
    *,
    endogenous: bool = True,
) -> np.ndarray:
    """Serum levels (subjects x times, ng/mL as `assay` reads them); endogenous=False leaves
    the treatment's part only."""
    if not endogenous:
        base = np.zeros((1, times_h.size))
    elif subjects.baseline_z is None:
        base = baseline_band(context, times_h, t0)[1][None, :]
    else:
        base = baseline_for_subjects(context, times_h, t0, subjects.baseline_z)
    return _levels(events, subjects.models, times_h, t0, subjects.params, subjects.n, base, assay)


EXPOSURE_CHUNK_POINTS = 2_000_000  # subjects x grid points simulated at once for exposure


def subject_exposure(
    events: Sequence[DoseEvent],
    t0: datetime,
    context: BaselineContext,
    subjects: VirtualSubjects,
    window_h: tuple[float, float],
    assay: str = "lcms",
    baseline: ExposureBaseline = "total",
) -> dict[str, np.ndarray]:
    """Each subject's Cmax, Tmax, AUC, Cavg and trough in window_h (hours after t0), read on
    the window's own fine grid (lutea.pk.exposure.window_grid), in chunks of subjects."""
    grid = window_grid(*window_h)
    chunk = max(1, EXPOSURE_CHUNK_POINTS // grid.size)
    parts = []
    for first in range(0, subjects.n, chunk):
        part = subjects.subset(slice(first, first + chunk))
        levels = subject_levels(events, grid, t0, context, part, assay, endogenous=baseline == "total")
        parts.append(individual_exposure(grid, levels, *window_h))
    return {m: np.concatenate([p[m] for p in parts]) for m in parts[0]}


def population_levels(
    events: Sequence[DoseEvent],
    times_h: np.ndarray,
    t0: datetime,
    context: BaselineContext,
    n_subjects: int,
    rng: np.random.Generator,
    *,
    weight_kg: float | None = None,
    assay: str = "lcms",
) -> np.ndarray:
    """Serum levels (n_subjects x times, ng/mL as `assay` reads them) of virtual subjects
    (draw_subjects, then subject_levels)."""
    subjects = draw_subjects(events, n_subjects, rng, weight_kg=weight_kg)
    return subject_levels(events, times_h, t0, context, subjects, assay)


def _levels(
    events: Sequence[DoseEvent],
    models: Sequence[RouteModel],
    times_h: np.ndarray,
    t0: datetime,
    params: Any,
    n_subjects: int,
    endogenous: np.ndarray,
    assay: str,
) -> np.ndarray:
    by_route = {
        route: simulate_events([e for e in events if e.route == route], times_h, t0=t0, params=params,
                               n_subjects=n_subjects)
        for route in sorted({m.route for m in models})
    }
    exogenous = sum(by_route.values()) if by_route else np.zeros((n_subjects, times_h.size))
    return apply_assay(exogenous + endogenous, by_route, assay)


def _summarise(
    times_h: np.ndarray,
    conc: np.ndarray,
    events: Sequence[DoseEvent],
    t0: datetime,
    threshold: float | None,
    threshold_at_h: float,
    below: np.ndarray | None,
    at_index: int,
) -> Summary:
    k = int(np.argmax(conc))
    auc = float(np.trapezoid(conc, times_h))
    cmin = cavg = None
    dose_h = np.array(sorted(elapsed_hours(e.time, t0) for e in events))
    if dose_h.size >= 2:
        tau = float(dose_h[-1] - dose_h[-2])
        complete = dose_h[dose_h + tau <= times_h[-1] + 1e-9]
        if tau > 0 and complete.size:
            a = float(complete[-1])
            inside = (times_h >= a - 1e-9) & (times_h <= a + tau + 1e-9)
            if np.count_nonzero(inside) >= 2:
                cmin = float(np.min(conc[inside]))
                cavg = float(np.trapezoid(conc[inside], times_h[inside]) / (times_h[inside][-1] - times_h[inside][0]))
    fraction = float(below[at_index]) if below is not None else None
    return Summary(
        cmax=float(conc[k]),
        tmax_h=float(times_h[k]),
        auc_ng_h_ml=auc,
        cmin_ss=cmin,
        cavg_ss=cavg,
        fraction_below_threshold=fraction,
        threshold_ng_ml=threshold,
        threshold_at_h=threshold_at_h if threshold is not None else None,
    )


def _sources(models: Sequence[RouteModel], ctx: BaselineContext, assay: str, routes: list[str]) -> list[str]:
    ids: list[str] = []
    for group in ([s for m in models for s in m.sources], baseline_sources(ctx), assay_sources(routes, assay)):
        ids += [s for s in group if s not in ids]
    return ids
