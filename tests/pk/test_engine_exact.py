"""The exact engine against scipy's ODE solver (rtol 1e-10) on random regimens and parameters."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from lutea.pk.engine import simulate_hours, unit_response
from lutea.pk.models import RouteModel

ABSORPTIONS = ("bolus", "first-order", "dual", "transit")


def _model(name: str, absorption: str, compartments: int, typical: dict[str, float]) -> RouteModel:
    return RouteModel(
        id=name, route="iv" if absorption == "bolus" else "oral", formulation=name,
        absorption=absorption, compartments=compartments, typical=MappingProxyType(typical),
    )


def _rate(draw, lo: float, hi: float) -> float:
    return float(np.exp(draw(st.floats(np.log(lo), np.log(hi)))))


@st.composite
def scenarios(draw):
    """Two route models sharing one disposition, 2 subjects, random doses and times."""
    compartments = draw(st.sampled_from([1, 2]))
    n = 2
    disposition = {"cl_l_per_h": [_rate(draw, 5, 100) for _ in range(n)], "v_l": [_rate(draw, 5, 200) for _ in range(n)]}
    if compartments == 2:
        disposition["q_l_per_h"] = [_rate(draw, 2, 80) for _ in range(n)]
        disposition["v2_l"] = [_rate(draw, 10, 300) for _ in range(n)]
    groups = []
    for g in range(2):
        absorption = draw(st.sampled_from(ABSORPTIONS))
        p = {k: np.array(v) for k, v in disposition.items()}
        p["f_bio"] = np.array([draw(st.floats(0.05, 1.0)) for _ in range(n)])
        if absorption != "bolus":
            p["ka_per_h"] = np.array([_rate(draw, 0.01, 3.0) for _ in range(n)])
        if absorption == "dual":
            p["ka_slow_per_h"] = np.array([_rate(draw, 0.005, 0.5) for _ in range(n)])
            p["frac_fast"] = np.array([draw(st.floats(0.05, 0.95)) for _ in range(n)])
        if absorption == "transit":
            p["ktr_per_h"] = np.array([_rate(draw, 0.05, 5.0) for _ in range(n)])
        lag_same = draw(st.booleans())
        p["lag_h"] = np.full(n, draw(st.floats(0, 3))) if lag_same else np.array([draw(st.floats(0, 3)) for _ in range(n)])
        n_doses = draw(st.integers(1, 4))
        on_grid = draw(st.booleans())
        times = sorted(float(draw(st.integers(0, 60))) if on_grid else draw(st.floats(0, 60)) for _ in range(n_doses))
        doses = [draw(st.floats(1, 400)) for _ in range(n_doses)]
        typical = {k: float(v[0]) for k, v in p.items()}
        groups.append((_model(f"m{g}", absorption, compartments, typical), np.array(times), np.array(doses), p))
    if draw(st.booleans()):
        out_t = np.arange(0.0, 96.0 + 1e-9, 6.0)
    else:
        out_t = np.sort(np.array([draw(st.floats(0, 96)) for _ in range(draw(st.integers(1, 12)))]))
    return groups, out_t, n


def _rates_separated(groups, n) -> bool:
    for s in range(n):
        rates = []
        for model, _, _, p in groups:
            _, r, _ = unit_response(model, {k: v[s] for k, v in p.items()})
            rates.extend(np.ravel(r))
        r = np.sort(np.array(rates))
        # equal rates within one model are nudged by 1e-6; the ODE has no such nudge
        for model, _, _, p in groups:
            _, rm, _ = unit_response(model, {k: v[s] for k, v in p.items()})
            rm = np.sort(np.ravel(rm))
            if np.any(np.diff(rm) / rm[1:] < 0.02):
                return False
    return True


def _ode_reference_segments(groups, out_t: np.ndarray, s: int) -> np.ndarray:
    """ODE reference: for each segment between dose events integrate once to its end and
    evaluate the outputs inside it by integrating to each output time from the segment start."""
    p0 = groups[0][3]
    cl, v = p0["cl_l_per_h"][s], p0["v_l"][s]
    two = "q_l_per_h" in p0
    q, v2 = (p0["q_l_per_h"][s], p0["v2_l"][s]) if two else (0.0, 1.0)
    layout, n_state = [], 2
    for model, _, _, _ in groups:
        k = {"bolus": 0, "first-order": 1, "dual": 2, "transit": 2}[model.absorption]
        layout.append(list(range(n_state, n_state + k)))
        n_state += k

    def rhs(_t, y):
        dy = np.zeros_like(y)
        dy[0] = -(cl / v + q / v) * y[0] + (q / v2) * y[1]
        dy[1] = (q / v) * y[0] - (q / v2) * y[1]
        for (model, _, _, p), idx in zip(groups, layout):
            if model.absorption == "first-order":
                ka = p["ka_per_h"][s]
                dy[idx[0]] = -ka * y[idx[0]]
                dy[0] += ka * y[idx[0]]
            elif model.absorption == "dual":
                ka, ks = p["ka_per_h"][s], p["ka_slow_per_h"][s]
                dy[idx[0]] = -ka * y[idx[0]]
                dy[idx[1]] = -ks * y[idx[1]]
                dy[0] += ka * y[idx[0]] + ks * y[idx[1]]
            elif model.absorption == "transit":
                ka, ktr = p["ka_per_h"][s], p["ktr_per_h"][s]
                dy[idx[0]] = -ktr * y[idx[0]]
                dy[idx[1]] = ktr * y[idx[0]] - ka * y[idx[1]]
                dy[0] += ka * y[idx[1]]
        return dy

    doses = []
    for (model, times, amounts, p), idx in zip(groups, layout):
        for t, d in zip(times, amounts):
            doses.append((float(t + p["lag_h"][s]), float(d * p["f_bio"][s]), model, p, idx))
    doses.sort(key=lambda e: e[0])
    # step from point to point (dose times and output times), never through a dose, so the
    # reference carries the solver's step accuracy and no interpolation error
    points = sorted({d[0] for d in doses} | set(map(float, out_t)))
    y = np.zeros(n_state)
    t_now = points[0]
    at: dict[float, float] = {}
    i = 0
    for t in points:
        if t > t_now:
            sol = solve_ivp(rhs, (t_now, t), y, method="DOP853", rtol=1e-10, atol=1e-18)
            assert sol.success
            y = sol.y[:, -1]
            t_now = t
        while i < len(doses) and doses[i][0] == t:
            _, amount, model, p, idx = doses[i]
            if model.absorption == "bolus":
                y[0] += amount
            elif model.absorption == "dual":
                y[idx[0]] += amount * p["frac_fast"][s]
                y[idx[1]] += amount * (1 - p["frac_fast"][s])
            else:
                y[idx[0]] += amount
            i += 1
        at[t] = y[0] / v * 1000.0
    return np.array([at[float(t)] for t in out_t])


@settings(max_examples=25, deadline=None)
@given(scenarios())
def test_engine_matches_ode_solver(scenario):
    groups, out_t, n = scenario
    assume(_rates_separated(groups, n))
    engine = simulate_hours(groups, out_t, n_subjects=n)
    assert engine.shape == (n, out_t.size)
    for s in range(n):
        reference = _ode_reference_segments(groups, out_t, s)
        # absolute floor near zero: 1e-10 of the bolus-equivalent level of all doses given
        # (sums of exponentials whose coefficients cancel at t = 0 lose digits right after a dose)
        scale = sum(float(np.sum(d)) * p["f_bio"][s] * 1000.0 / p["v_l"][s] for _, _, d, p in groups)
        floor = 1e-10 * scale
        np.testing.assert_allclose(engine[s], reference, rtol=1e-8, atol=floor)
