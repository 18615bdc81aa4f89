"""The exact linear PK engine: sums of exponentials propagated from event to event.

Every route model's response to a unit dose is C(t) = sum_j coef_j exp(-rate_j (t - lag)) for
t >= lag (ng/mL per mg): the solution of its compartment ODEs (absorption depots -> central
<-> peripheral) for one dose. Each exponential is a state that decays by exp(-rate dt) between
output times; a dose landing at t_d (after its lag) adds dose * coef * exp(-rate (t_k - t_d)) at
the first output time t_k >= t_d, so doses need not fall on the output grid and lags may differ
between subjects. The concentration is the sum of the states (right-continuous: a bolus given
at an output time is included). This is exact (no ODE solver, no time-step error); the only
approximation is a 1e-6 relative nudge of an absorption rate that equals a disposition rate.
Dose-dependent bioavailability (vaginal routes: F = f_bio (dose / dose_ref)^-beta) scales
each dose event's amount before it enters, so the response stays a superposition of events.
Two evaluation orders: propagation (cost ~ subjects x times, for populations) and direct
superposition (cost ~ subjects x times x doses, for one person and a few levels).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np

from lutea.errors import InputError
from lutea.pk.models import RouteModel, resolve_model_key, route_model
from lutea.pk.regimen import DoseEvent
from lutea.timeline import clock_hour, elapsed_hours

ParamsByModel = Mapping[tuple[str, str] | str | RouteModel, Mapping[str, "np.ndarray | float"]]

_DEGENERATE_REL = 1e-6  # ka within this relative distance of a disposition rate is nudged
_DECAY_CACHE_MAX = 64
_FLUSH_EVERY = 64
_SUPERPOSE_MAX = 20_000  # subjects x times x doses below which direct superposition is faster
_BLOCK_BYTES = 1 << 20  # states + decay factors of one block of subjects stay in cache
_DENSE_SHARE = 0.04  # indexed jumps over this share of a block are applied as dense rows


def unit_response(
    model: RouteModel, params: Mapping[str, np.ndarray | float] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum-of-exponentials of a 1 mg dose: (coef ng/mL per mg, rate_per_h, lag_h).

    coef and rate have shape (n_exponentials, *shape of the params); missing params take the
    model's typical values. A ka equal to a disposition rate is nudged by 1e-6 (relative).
    """
    p = {**model.typical, **(params or {})}
    arr = {k: np.asarray(v, dtype=float) for k, v in p.items()}
    shape = np.broadcast_shapes(*(a.shape for a in arr.values()))
    f = np.broadcast_to(arr["f_bio"], shape)
    cl, v = arr["cl_l_per_h"], arr["v_l"]
    if model.compartments == 1:
        lambdas = [np.broadcast_to(cl / v, shape)]
        amps = [np.broadcast_to(1000.0 / v, shape)]
    else:
        k10, k12, k21 = cl / v, arr["q_l_per_h"] / v, arr["q_l_per_h"] / arr["v2_l"]
        s = k10 + k12 + k21
        disc = np.sqrt(np.maximum(s * s - 4.0 * k10 * k21, 0.0))
        l1, l2 = (s + disc) / 2.0, (s - disc) / 2.0
        amps = [
            np.broadcast_to(1000.0 / v * (k21 - l1) / (l2 - l1), shape),
            np.broadcast_to(1000.0 / v * (k21 - l2) / (l1 - l2), shape),
        ]
        lambdas = [np.broadcast_to(l1, shape), np.broadcast_to(l2, shape)]
    if model.absorption == "bolus":
        coefs = [f * a for a in amps]
        rates = list(lambdas)
    else:
        if model.absorption == "first-order":
            inputs = [(np.ones(shape), arr["ka_per_h"])]
        elif model.absorption == "transit":
            # depot -(ktr)-> transit -(ka)-> central: input = two first-order parts with
            # fractions ktr/(ktr-ka) on ka and -ka/(ktr-ka) on ktr
            ka = np.broadcast_to(arr["ka_per_h"], shape).astype(float)
            ktr = np.broadcast_to(arr["ktr_per_h"], shape).astype(float)
            ktr = np.where(np.abs(ktr - ka) < _DEGENERATE_REL * ka, ka * (1.0 + 2 * _DEGENERATE_REL), ktr)
            inputs = [(ktr / (ktr - ka), ka), (-ka / (ktr - ka), ktr)]
        else:
            frac = arr["frac_fast"]
            inputs = [(frac, arr["ka_per_h"]), (1.0 - frac, arr["ka_slow_per_h"])]
        coefs = [np.zeros(shape) for _ in lambdas]
        rates = list(lambdas)
        for frac, ka in inputs:
            ka = np.broadcast_to(ka, shape).astype(float)
            for lam in lambdas:
                close = np.abs(ka - lam) < _DEGENERATE_REL * lam
                ka = np.where(close, lam * (1.0 + _DEGENERATE_REL), ka)
            total = np.zeros(shape)
            for i, (lam, amp) in enumerate(zip(lambdas, amps)):
                term = f * frac * ka * amp / (ka - lam)
                coefs[i] = coefs[i] + term
                total = total + term
            coefs.append(-total)
            rates.append(ka)
    lag = np.broadcast_to(arr.get("lag_h", np.zeros(())), shape).astype(float)
    return np.stack([np.broadcast_to(c, shape) for c in coefs]), np.stack(rates), lag


def _elapsed_h(t: datetime, t0: datetime) -> float:
    # via UTC: subtracting two datetimes that share a ZoneInfo gives wall-clock time, not elapsed
    return elapsed_hours(t, t0)


def hours_since(times: Sequence[datetime] | np.ndarray, t0: datetime) -> np.ndarray:
    """Times as float hours since t0 (datetimes must be timezone-aware)."""
    if isinstance(times, np.ndarray) and times.dtype.kind in "fiu":
        return times.astype(float, copy=False)
    out = np.empty(len(times))
    for i, t in enumerate(times):
        if isinstance(t, datetime):
            if t.tzinfo is None:
                raise InputError("times", f"time {t.isoformat()} has no timezone", "timezone-aware datetimes")
            out[i] = _elapsed_h(t, t0)
        else:
            out[i] = float(t)
    return out


def simulate_events(
    events: Sequence[DoseEvent],
    times: Sequence[datetime] | np.ndarray,
    *,
    t0: datetime,
    params: ParamsByModel | None = None,
    n_subjects: int = 1,
    models: Iterable[RouteModel] | None = None,
    threads: int = 1,
) -> np.ndarray:
    """Exogenous serum progesterone (ng/mL, LC-MS/MS scale), shape (n_subjects, n_times).

    times: datetimes or float hours since t0. params: per model key ((route, formulation), model
    id or RouteModel) a mapping of parameter -> scalar or (n_subjects,) array; missing entries
    take typical values. models: RouteModels overriding the knowledge base for their keys.
    threads: see simulate_hours.
    The result may be a Fortran-ordered view; exact to floating-point rounding.
    """
    if t0.tzinfo is None:
        raise InputError("t0", "t0 has no timezone", "a timezone-aware datetime")
    override = {m.key: m for m in (models or ())}
    resolved: dict[str, Mapping[str, np.ndarray | float]] = {}
    for key, values in (params or {}).items():
        m = resolve_model_key(key)
        resolved[override.get(m.key, m).id] = values
    groups = [(model, t_h, d_mg, resolved.get(model.id)) for model, t_h, d_mg in dose_groups(events, t0, models).values()]
    return simulate_hours(groups, hours_since(times, t0), n_subjects=n_subjects, threads=threads, clock0_h=clock_hour(t0))


def dose_groups(
    events: Iterable[DoseEvent], t0: datetime, models: Iterable[RouteModel] | None = None
) -> dict[str, tuple[RouteModel, np.ndarray, np.ndarray]]:
    """Dose events as engine arrays per route model id: (model, hours since t0, mg), by time.

    Administrations of one route model at the same time are one dose event: two 400 mg capsules
    inserted together are an 800 mg dose, which matters where bioavailability depends on the
    size of the dose (vaginal routes). A dose taken with food enters as its fasting equivalent
    (RouteModel.fasting_equivalent_mg). models: RouteModels overriding the knowledge base."""
    override = {m.key: m for m in (models or ())}
    by_model: dict[str, tuple[RouteModel, dict[float, float]]] = {}
    for ev in events:
        model = route_model(ev.route, ev.formulation)
        model = override.get(model.key, model)
        doses = by_model.setdefault(model.id, (model, {}))[1]
        t = _elapsed_h(ev.time, t0)
        doses[t] = doses.get(t, 0.0) + model.fasting_equivalent_mg(float(ev.dose_mg), ev.with_food)
    out = {}
    for model_id, (model, doses) in by_model.items():
        t_h = np.array(sorted(doses), dtype=float)
        out[model_id] = (model, t_h, np.array([doses[t] for t in t_h], dtype=float))
    return out


def simulate_hours(
    groups: Sequence[tuple[RouteModel, np.ndarray, np.ndarray, Mapping[str, np.ndarray | float] | None]],
    times_h: np.ndarray,
    *,
    n_subjects: int = 1,
    method: str = "auto",
    threads: int = 1,
    clock0_h: float | None = None,
) -> np.ndarray:
    """The engine on plain arrays: groups of (model, dose times h, doses mg, params or None).

    Returns concentrations (ng/mL), shape (n_subjects, n_times); times_h in any order.
    clock0_h: clock hour at time 0; models with a diurnal variation then multiply their
    contribution by it at each time of day (RouteModel.diurnal_factor). None: no time of day is
    known, and each model contributes its daily mean.
    method: "propagate" (states carried from output time to output time: cost ~ subjects x
    times), "superpose" (every dose's exponentials summed at every time: cost ~ subjects x
    times x doses, fastest for one person and a few levels) or "auto" (picks by size).
    Both are exact; they differ only in floating-point summation order. threads > 1 runs
    blocks of subjects in parallel (worth it for large populations on an idle multi-core host).
    """
    times_h = np.asarray(times_h, dtype=float)
    if clock0_h is None or not any(g[0].diurnal_amplitude for g in groups):
        return _engine(groups, times_h, n_subjects, method, threads)
    # each model with a time-of-day factor on its own: the factor scales its output rows
    flat = [g for g in groups if not g[0].diurnal_amplitude]
    out = _engine(flat, times_h, n_subjects, method, threads) if flat else None
    for g in groups:
        if g[0].diurnal_amplitude:
            conc = _engine([g], times_h, n_subjects, method, threads, lambda t, m=g[0]: m.diurnal_factor(clock0_h + t))
            out = conc if out is None else out + conc  # subject counts may differ (broadcast)
    return out


def _engine(groups, times_h: np.ndarray, n_subjects: int, method: str, threads: int,
            row_scale: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """simulate_hours without the time of day; row_scale(times) multiplies each output time's
    concentrations (applied while the row is in cache)."""
    n = int(n_subjects)
    # dose-dependent bioavailability, per dose event: the engine stays linear in these amounts
    groups = [(m, t, m.effective_dose_mg(d), p) for m, t, d, p in groups]
    for _, _, _, p in groups:
        for value in (p or {}).values():
            size = np.size(value)
            if np.ndim(value) > 0 and size != 1:
                if n not in (1, size):
                    raise InputError("params", f"arrays of {size} values for {n} subjects", "scalars or (n_subjects,) arrays")
                n = size
    if method not in ("auto", "propagate", "superpose"):
        raise InputError("method", f"unknown engine method {method!r}", "auto, propagate, superpose")
    if method == "auto":
        work = n * times_h.size * sum(np.size(g[1]) for g in groups)
        method = "superpose" if work <= _SUPERPOSE_MAX else "propagate"
    if method == "superpose":
        out = _superpose(groups, times_h, n)
        if row_scale is not None:
            out *= row_scale(times_h)
        return out
    order = None
    if times_h.size > 1 and np.any(np.diff(times_h) < 0):
        order = np.argsort(times_h, kind="stable")
        times_h = times_h[order]
    n_times = times_h.size
    coef_rows, rate_rows, injections = [], [], {}
    row = 0
    for model, dose_t, dose_mg, p in groups:
        p_full = {k: np.reshape(np.asarray(v, dtype=float), -1) if np.ndim(v) else float(v) for k, v in (p or {}).items()}
        coef, rate, lag = unit_response(model, p_full)
        coef = np.broadcast_to(coef.reshape(coef.shape[0], -1), (coef.shape[0], n))
        rate = np.broadcast_to(rate.reshape(rate.shape[0], -1), (rate.shape[0], n))
        lag = np.broadcast_to(np.reshape(lag, -1), (n,))
        m = coef.shape[0]
        rows = slice(row, row + m)
        coef_rows.append(coef)
        rate_rows.append(rate)
        row += m
        _schedule(injections, rows, coef, rate, lag, np.asarray(dose_t, float), np.asarray(dose_mg, float), times_h)
    out_t = np.empty((n_times, n))
    if row == 0 or not injections:
        out_t.fill(0.0)
        return _ordered(out_t, order)
    rates = np.ascontiguousarray(np.concatenate(rate_rows, axis=0))
    first = min(injections)
    out_t[:first] = 0.0
    scale = None if row_scale is None else np.asarray(row_scale(times_h), dtype=float)
    _propagate(out_t, rates, injections, times_h, first, max(1, int(threads)), scale)
    return _ordered(out_t, order)


def _propagate(
    out_t: np.ndarray,
    rates: np.ndarray,
    injections: dict[int, list],
    times_h: np.ndarray,
    first: int,
    threads: int = 1,
    scale: np.ndarray | None = None,
) -> None:
    """Fill out_t[first:] by decaying and jumping the states, one block of subjects at a time.

    scale: a factor per output time, multiplied into each row as it is written (the states are
    not scaled).

    Blocks keep the states and decay factors in cache; the decay factors of each distinct time
    step are computed once (hourly grids have one). Between jumps each exponential's decay is
    fused with the sum written to the output row. Jumps of a large share of a block's subjects
    are applied as dense rows (zero elsewhere, pre-scaled by the dose) instead of by index.
    Blocks are independent, so `threads` > 1 runs them concurrently (numpy releases the GIL).
    """
    m, n = rates.shape
    n_times = times_h.size
    dts = [float(x) for x in np.diff(times_h)]
    steps = np.diff(times_h[first:])
    distinct = np.unique(steps[steps > 0])
    decays = {float(dt): np.exp(-rates * dt) for dt in distinct} if distinct.size <= _DECAY_CACHE_MAX else None
    block = max(1024, _BLOCK_BYTES // (16 * m))
    ordered_ks = sorted(injections)

    def run_block(a: int) -> None:
        b = min(n, a + block)
        state = np.zeros((m, b - a))
        pending = _block_jumps(injections, ordered_ks, a, b)
        next_k, next_ops = next(pending, (n_times, []))
        views = {dt: d[:, a:b] for dt, d in decays.items()} if decays is not None else None
        rows_out = out_t[:, a:b]
        parts = [state[j] for j in range(m)]
        for k in range(first, n_times):
            o = rows_out[k]
            dt = dts[k - 1] if k > first else 0.0
            if dt != 0.0 and views is not None and k % _FLUSH_EVERY != 0:
                # one exponential at a time while it is hot: decay, jump, add into the output row
                d = views[dt]
                ops = next_ops if k == next_k else ()
                for j in range(m):
                    pj = parts[j]
                    np.multiply(pj, d[j], out=pj)
                    for rows, idx, scaled in ops:
                        r = j - rows.start
                        if 0 <= r < rows.stop - rows.start:
                            if idx is None:
                                np.add(pj, scaled[r], out=pj)
                            else:
                                pj[idx] += scaled[r]
                    if j == 1:
                        np.add(parts[0], pj, out=o)
                    elif j > 1:
                        np.add(o, pj, out=o)
                if m == 1:
                    o[...] = parts[0]
                if scale is not None:
                    np.multiply(o, scale[k], out=o)
                if ops:
                    next_k, next_ops = next(pending, (n_times, []))
                continue
            if dt != 0.0:
                if views is not None:
                    np.multiply(state, views[dt], out=state)
                else:
                    state *= np.exp(-rates[:, a:b] * dt)
            if k == next_k:
                for rows, idx, scaled in next_ops:
                    if idx is None:
                        np.add(state[rows], scaled, out=state[rows])
                    else:
                        for r, row in enumerate(range(*rows.indices(m))):
                            parts[row][idx] += scaled[r]  # one row at a time: 2x faster than 2-D
                next_k, next_ops = next(pending, (n_times, []))
            if k % _FLUSH_EVERY == 0:
                _flush_subnormal(state)
            if m == 1:
                o[...] = parts[0]
            else:
                np.add(parts[0], parts[1], out=o)
                for j in range(2, m):
                    np.add(o, parts[j], out=o)
            if scale is not None:
                np.multiply(o, scale[k], out=o)

    run = run_block
    starts = range(0, n, block)
    if threads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(run, starts))
    else:
        for a in starts:
            run(a)


def _block_jumps(injections: dict[int, list], ordered_ks: list[int], a: int, b: int) -> Iterator[tuple[int, list]]:
    """The jumps of subjects a..b-1, lazily per output index: (k, [(rows, block indices or None,
    dose x jump)]). Indexed jumps covering over _DENSE_SHARE of the block become dense rows
    (zero for the other subjects: adding 0.0 changes nothing); a jump matrix shared by several
    doses (one per lag group on a uniform grid) is cut and scaled once per distinct dose."""
    width = b - a
    uses = Counter((id(jump), dose) for k in ordered_ks for _, _, jump, dose in injections[k])
    cuts: dict[int, tuple[int, int]] = {}
    scaled: dict[tuple[int, float], tuple] = {}
    for k in ordered_ks:
        ops = []
        for rows, idx, jump, dose in injections[k]:
            key = (id(jump), dose)
            hit = scaled.get(key)
            if hit is None:
                if idx is None:
                    hit = (None, dose * jump[:, a:b])
                else:
                    cut = cuts.get(id(idx))
                    if cut is None:
                        cut = cuts[id(idx)] = tuple(int(x) for x in np.searchsorted(idx, (a, b)))
                    lo, hi = cut
                    if hi <= lo:
                        hit = (False, None)
                    elif hi - lo > _DENSE_SHARE * width:
                        dense = np.zeros((jump.shape[0], width))
                        dense[:, idx[lo:hi] - a] = dose * jump[:, lo:hi]
                        hit = (None, dense)
                    else:
                        hit = (idx[lo:hi] - a, dose * jump[:, lo:hi])
                if uses[key] > 1:  # injections holds jump and idx alive: their ids stay unique
                    scaled[key] = hit
            if hit[0] is not False:
                ops.append((rows, hit[0], hit[1]))
        if ops:
            yield k, ops


def _flush_subnormal(state: np.ndarray) -> None:
    """Set states below 1e-280 to zero: long decays would otherwise crawl through subnormal
    floats (50x slower arithmetic); the change is far below any concentration of interest."""
    state[np.abs(state) < 1e-280] = 0.0


def _superpose(groups, times_h: np.ndarray, n: int) -> np.ndarray:
    """Direct sum over doses and exponentials at every time (subjects x times x doses)."""
    out = np.zeros((n, times_h.size))
    for model, dose_t, dose_mg, p in groups:
        dose_t = np.asarray(dose_t, dtype=float)
        if dose_t.size == 0:
            continue
        p_full = {k: np.reshape(np.asarray(v, dtype=float), -1) if np.ndim(v) else float(v) for k, v in (p or {}).items()}
        coef, rate, lag = unit_response(model, p_full)
        coef = np.broadcast_to(coef.reshape(coef.shape[0], -1), (coef.shape[0], n))
        rate = np.broadcast_to(rate.reshape(rate.shape[0], -1), (rate.shape[0], n))
        lag = np.broadcast_to(np.reshape(lag, -1), (n,))
        # delta[s, k, i]: time since dose i (after its lag) at output k for subject s
        delta = times_h[None, :, None] - (dose_t[None, None, :] + lag[:, None, None])
        given = delta >= 0
        delta = np.where(given, delta, 0.0)
        weight = np.where(given, np.asarray(dose_mg, dtype=float)[None, None, :], 0.0)
        for j in range(coef.shape[0]):
            terms = np.exp(-rate[j][:, None, None] * delta) * weight
            out += coef[j][:, None] * terms.sum(axis=2)
    return out


def _ordered(out_t: np.ndarray, order: np.ndarray | None) -> np.ndarray:
    if order is None:
        return out_t.T
    result = np.empty_like(out_t)
    result[order] = out_t
    return result.T


def _schedule(
    injections: dict[int, list],
    rows: slice,
    coef: np.ndarray,
    rate: np.ndarray,
    lag: np.ndarray,
    dose_t: np.ndarray,
    dose_mg: np.ndarray,
    times_h: np.ndarray,
) -> None:
    """Add each dose's jump of the states at the first output time at or after dose + lag.

    An item is (rows, subject indices or None for all, jump per mg, mg): doses landing at the
    same output time with the same offset share one jump matrix and add their mg.
    """
    n_times = times_h.size
    merged: dict[tuple[int, float], list] = {}
    if bool(np.all(lag == lag[0])):
        effective = dose_t + lag[0]
        ks = np.searchsorted(times_h, effective, side="left")
        keep = ks < n_times
        deltas = times_h[ks[keep]] - effective[keep]
        shifted: dict[float, np.ndarray] = {0.0: coef}
        for k, delta, dose in zip(ks[keep].tolist(), deltas.tolist(), dose_mg[keep].tolist()):
            if delta not in shifted:
                shifted[delta] = coef * np.exp(-rate * delta)
            item = merged.get((k, delta))
            if item is None:
                merged[(k, delta)] = [rows, None, shifted[delta], dose]
            else:
                item[3] += dose
    elif (shared := _shared_lag_items(rows, coef, rate, lag, dose_t, dose_mg, times_h)) is not None:
        for k, item in shared:
            injections.setdefault(k, []).append(item)
    else:
        for t_dose, dose in zip(dose_t, dose_mg):
            effective = t_dose + lag
            ks = np.searchsorted(times_h, effective, side="left")
            for k in np.unique(ks):
                if k >= n_times:
                    continue
                idx = np.nonzero(ks == k)[0]
                delta = times_h[k] - effective[idx]
                jump = coef[:, idx] * np.exp(-rate[:, idx] * delta)
                injections.setdefault(int(k), []).append((rows, idx, jump, float(dose)))
    for (k, _), item in merged.items():
        injections.setdefault(k, []).append(tuple(item))


def _shared_lag_items(
    rows: slice,
    coef: np.ndarray,
    rate: np.ndarray,
    lag: np.ndarray,
    dose_t: np.ndarray,
    dose_mg: np.ndarray,
    times_h: np.ndarray,
) -> list | None:
    """Injection items for per-subject lags when the doses sit exactly on an evenly spaced
    output grid: subject s then lands j_s steps after every dose with the same offset, so each
    group's jump is computed once. None when that does not hold exactly (the caller then
    schedules dose by dose); the landing step of every group is checked against the
    dose-by-dose rule (first output time >= dose + lag) at the group's extreme lags."""
    kd = _on_uniform_grid(times_h, dose_t)
    if kd is None:
        return None
    n_times = times_h.size
    rel = times_h - times_h[0]
    js = np.searchsorted(rel, lag, side="left")
    # every subject's jump per mg at its landing step (the same after every dose)
    jumps = coef * np.exp(-rate * (rel[np.minimum(js, n_times - 1)] - lag))
    doses = dose_mg.tolist()
    out = []
    for j in np.flatnonzero(np.bincount(js)).tolist():
        idx = np.flatnonzero(js == j)
        lo, hi = float(np.min(lag[idx])), float(np.max(lag[idx]))
        k = kd + j
        inside = k < n_times
        if np.any(times_h[-1] >= dose_t[~inside] + lo):
            return None
        k_in, t_in = k[inside], dose_t[inside]
        if np.any(times_h[k_in] < t_in + hi) or np.any((k_in > 0) & (times_h[np.maximum(k_in - 1, 0)] >= t_in + lo)):
            return None
        if k_in.size == 0:
            continue
        jump = jumps[:, idx]
        for kk, i in zip(k_in.tolist(), np.nonzero(inside)[0].tolist()):
            out.append((kk, (rows, idx, jump, doses[i])))
    return out


def _on_uniform_grid(times_h: np.ndarray, dose_t: np.ndarray) -> np.ndarray | None:
    """Output-grid indices of the doses when the output times are evenly spaced and every dose
    time equals a grid time exactly, else None."""
    if times_h.size < 2 or dose_t.size == 0:
        return None
    dt = (times_h[-1] - times_h[0]) / (times_h.size - 1)
    if dt <= 0 or np.max(np.abs(np.diff(times_h) - dt)) > 1e-9 * dt:
        return None
    kd = np.round((dose_t - times_h[0]) / dt).astype(np.int64)
    if np.any(kd < 0) or np.any(kd >= times_h.size) or np.any(times_h[np.clip(kd, 0, times_h.size - 1)] != dose_t):
        return None
    return kd


def steady_state_factor(rate_per_h: np.ndarray | float, interval_h: float) -> np.ndarray:
    """Accumulation of one exponential under repeated dosing: 1 / (1 - exp(-rate * interval))."""
    return 1.0 / (1.0 - np.exp(-np.asarray(rate_per_h, dtype=float) * interval_h))


def auc_per_mg(model: RouteModel, params: Mapping[str, np.ndarray | float] | None = None) -> np.ndarray:
    """AUC from 0 to infinity per mg (ng*h/mL): f_bio * 1000 / cl_l_per_h. Dose-dependent
    (vaginal) models: multiply by model.effective_dose_mg(dose), not by the dose."""
    coef, rate, _ = unit_response(model, params)
    return np.sum(coef / rate, axis=0)
