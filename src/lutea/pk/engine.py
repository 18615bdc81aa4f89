"""The exact linear PK engine: sums of exponentials propagated from event to event.

Every route model's response to a unit dose is C(t) = sum_j coef_j exp(-rate_j (t - lag)) for
t >= lag (ng/mL per mg). Each exponential is a state that decays by exp(-rate dt) between
output times and jumps by dose * coef at each dose; the sum of the states is the concentration.
This is exact (no ODE solver, no time step error) and vectorised over subjects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from lutea.errors import InputError
from lutea.pk.models import RouteModel, resolve_model_key, route_model
from lutea.pk.regimen import DoseEvent

ParamsByModel = Mapping[tuple[str, str] | str | RouteModel, Mapping[str, "np.ndarray | float"]]

_DEGENERATE_REL = 1e-6  # ka within this relative distance of a disposition rate is nudged
_DECAY_CACHE_MAX = 64
_FLUSH_EVERY = 64
_BLOCK_BYTES = 1 << 20  # states + decay factors of one block of subjects stay in cache


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
    return (t.astimezone(UTC) - t0.astimezone(UTC)).total_seconds() / 3600.0


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
) -> np.ndarray:
    """Exogenous serum progesterone (ng/mL, LC-MS/MS scale), shape (n_subjects, n_times).

    times: datetimes or float hours since t0. params: per model key ((route, formulation), model
    id or RouteModel) a mapping of parameter -> scalar or (n_subjects,) array; missing entries
    take typical values. models: RouteModels overriding the knowledge base for their keys.
    The result may be a Fortran-ordered view; exact to floating-point rounding.
    """
    if t0.tzinfo is None:
        raise InputError("t0", "t0 has no timezone", "a timezone-aware datetime")
    override = {m.key: m for m in (models or ())}
    by_model: dict[str, tuple[RouteModel, list[float], list[float]]] = {}
    for ev in events:
        model = route_model(ev.route, ev.formulation)
        model = override.get(model.key, model)
        entry = by_model.setdefault(model.id, (model, [], []))
        entry[1].append(_elapsed_h(ev.time, t0))
        entry[2].append(float(ev.dose_mg))
    resolved: dict[str, Mapping[str, np.ndarray | float]] = {}
    for key, values in (params or {}).items():
        m = resolve_model_key(key)
        resolved[override.get(m.key, m).id] = values
    groups = [
        (model, np.asarray(t_h), np.asarray(d_mg), resolved.get(model.id))
        for model, t_h, d_mg in by_model.values()
    ]
    return simulate_hours(groups, hours_since(times, t0), n_subjects=n_subjects)


def simulate_hours(
    groups: Sequence[tuple[RouteModel, np.ndarray, np.ndarray, Mapping[str, np.ndarray | float] | None]],
    times_h: np.ndarray,
    *,
    n_subjects: int = 1,
) -> np.ndarray:
    """The engine on plain arrays: groups of (model, dose times h, doses mg, params or None).

    Returns concentrations (ng/mL), shape (n_subjects, n_times); times_h in any order.
    """
    times_h = np.asarray(times_h, dtype=float)
    n = int(n_subjects)
    for _, _, _, p in groups:
        for value in (p or {}).values():
            size = np.size(value)
            if np.ndim(value) > 0 and size != 1:
                if n not in (1, size):
                    raise InputError("params", f"arrays of {size} values for {n} subjects", "scalars or (n_subjects,) arrays")
                n = size
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
    _propagate(out_t, rates, injections, times_h, first)
    return _ordered(out_t, order)


def _propagate(
    out_t: np.ndarray, rates: np.ndarray, injections: dict[int, list], times_h: np.ndarray, first: int
) -> None:
    """Fill out_t[first:] by decaying and jumping the states, one block of subjects at a time.

    Blocks keep the states and decay factors in cache; the decay factors of each distinct time
    step are computed once (hourly grids have one).
    """
    m, n = rates.shape
    n_times = times_h.size
    dts = [float(x) for x in np.diff(times_h)]
    steps = np.diff(times_h[first:])
    distinct = np.unique(steps[steps > 0])
    decays = {float(dt): np.exp(-rates * dt) for dt in distinct} if distinct.size <= _DECAY_CACHE_MAX else None
    block = max(1024, _BLOCK_BYTES // (16 * m))
    for a in range(0, n, block):
        b = min(n, a + block)
        state = np.zeros((m, b - a))
        local: list[tuple[int, list]] = []
        for k in sorted(injections):
            items = []
            for rows, idx, jump, dose in injections[k]:
                if idx is None:
                    items.append((rows, None, jump[:, a:b], dose))
                else:
                    lo, hi = np.searchsorted(idx, (a, b))
                    if hi > lo:
                        items.append((rows, idx[lo:hi] - a, jump[:, lo:hi], dose))
            if items:
                local.append((k, items))
        pending = iter(local)
        next_k, next_items = next(pending, (n_times, []))
        views = {dt: d[:, a:b] for dt, d in decays.items()} if decays is not None else None
        rows_out = out_t[:, a:b]
        parts = [state[j] for j in range(m)]
        for k in range(first, n_times):
            if k > first:
                dt = dts[k - 1]
                if dt != 0.0:
                    if views is not None:
                        np.multiply(state, views[dt], out=state)
                    else:
                        state *= np.exp(-rates[:, a:b] * dt)
            if k == next_k:
                for rows, idx, jump, dose in next_items:
                    if idx is None:
                        state[rows] += dose * jump
                    else:
                        state[rows, idx] += dose * jump
                next_k, next_items = next(pending, (n_times, []))
            if k % _FLUSH_EVERY == 0:
                _flush_subnormal(state)
            o = rows_out[k]
            if m == 1:
                o[...] = parts[0]
            else:
                np.add(parts[0], parts[1], out=o)
                for j in range(2, m):
                    np.add(o, parts[j], out=o)


def _flush_subnormal(state: np.ndarray) -> None:
    """Set states below 1e-280 to zero: long decays would otherwise crawl through subnormal
    floats (50x slower arithmetic); the change is far below any concentration of interest."""
    state[np.abs(state) < 1e-280] = 0.0


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
    same_lag = bool(np.all(lag == lag[0]))
    merged: dict[tuple[int, float], list] = {}
    shifted: dict[float, np.ndarray] = {0.0: coef}
    for t_dose, dose in zip(dose_t, dose_mg):
        if same_lag:
            effective = t_dose + lag[0]
            k = int(np.searchsorted(times_h, effective, side="left"))
            if k >= n_times:
                continue
            delta = float(times_h[k] - effective)
            if delta not in shifted:
                shifted[delta] = coef * np.exp(-rate * delta)
            item = merged.get((k, delta))
            if item is None:
                merged[(k, delta)] = [rows, None, shifted[delta], float(dose)]
            else:
                item[3] += float(dose)
        else:
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


def steady_state_factor(rate_per_h: np.ndarray | float, interval_h: float) -> np.ndarray:
    """Accumulation of one exponential under repeated dosing: 1 / (1 - exp(-rate * interval))."""
    return 1.0 / (1.0 - np.exp(-np.asarray(rate_per_h, dtype=float) * interval_h))


def auc_per_mg(model: RouteModel, params: Mapping[str, np.ndarray | float] | None = None) -> np.ndarray:
    """AUC from 0 to infinity of a 1 mg dose (ng*h/mL): f_bio * 1000 / cl_l_per_h."""
    coef, rate, _ = unit_response(model, params)
    return np.sum(coef / rate, axis=0)
