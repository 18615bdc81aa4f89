"""The exact engine against scipy's ODE solver (rtol 1e-10) on random regimens and parameters,
including absorption lags and dose-dependent bioavailability (F per dose event)."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from lutea.pk.engine import simulate_hours, unit_response
from lutea.pk.models import RouteModel

ABSORPTIONS = ("bolus", "first-order", "dual", "transit")


def _model(name: str, absorption: str, compartments: int, typical: dict[str, float],
           dose_exponent: float = 0.0, dose_ref_mg: float = 100.0) -> RouteModel:
    return RouteModel(
        id=name, route="iv" if absorption == "bolus" else "oral", formulation=name,
        absorption=absorption, compartments=compartments, typical=MappingProxyType(typical),
        dose_dependent=dose_exponent > 0, dose_exponent=dose_exponent, dose_ref_mg=dose_ref_mg,
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
        exponent = draw(st.sampled_from([0.0, 0.0, draw(st.floats(0.01, 0.95))]))
        dose_ref = draw(st.floats(25, 400))
        model = _model(f"m{g}", absorption, compartments, typical, exponent, dose_ref)
        groups.append((model, np.array(times), np.array(doses), p))
    if draw(st.booleans()):
        # evenly spaced outputs: with integer dose times on an hourly grid the engine takes its
        # shared-jump path for per-subject lags
        out_t = np.arange(0.0, 96.0 + 1e-9, draw(st.sampled_from([1.0, 6.0])))
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
            # dose-dependent bioavailability of each event, written out independently of the engine
            f_event = p["f_bio"][s] * (d / model.dose_ref_mg) ** (-model.dose_exponent)
            doses.append((float(t + p["lag_h"][s]), float(d * f_event), model, p, idx))
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
    propagated = simulate_hours(groups, out_t, n_subjects=n, method="propagate")
    superposed = simulate_hours(groups, out_t, n_subjects=n, method="superpose")
    assert propagated.shape == superposed.shape == (n, out_t.size)
    for s in range(n):
        reference = _ode_reference_segments(groups, out_t, s)
        # absolute floor near zero: 1e-10 of the bolus-equivalent level of all doses given
        # (sums of exponentials whose coefficients cancel at t = 0 lose digits right after a dose)
        scale = sum(float(np.sum(m.effective_dose_mg(d))) * p["f_bio"][s] * 1000.0 / p["v_l"][s] for m, _, d, p in groups)
        for engine in (propagated, superposed):
            np.testing.assert_allclose(engine[s], reference, rtol=1e-8, atol=1e-10 * scale)


def test_dose_dependent_bioavailability_is_applied_per_dose_event():
    # two 50 mg events are not one 100 mg event when F depends on the dose (F ~ dose^-0.5)
    typical = {"f_bio": 0.1, "cl_l_per_h": 62.0, "v_l": 20.0, "ka_per_h": 0.1, "lag_h": 2.0}
    model = _model("vag", "first-order", 1, typical, dose_exponent=0.5, dose_ref_mg=100.0)
    linear = _model("lin", "first-order", 1, typical)
    t = np.array([0.0, 1.9, 2.0, 6.0, 24.0])
    one = simulate_hours([(model, np.array([0.0]), np.array([100.0]), None)], t)[0]
    two = simulate_hours([(model, np.array([0.0, 0.0]), np.array([50.0, 50.0]), None)], t)[0]
    ref = simulate_hours([(linear, np.array([0.0]), np.array([100.0]), None)], t)[0]
    np.testing.assert_allclose(one, ref, rtol=1e-12)  # at the reference dose F = f_bio
    np.testing.assert_allclose(two, one * np.sqrt(2.0), rtol=1e-12)  # 2 x 50 (50/100)^-0.5 = 141 mg
    assert one[0] == one[1] == 0.0 and one[2] == 0.0 < one[3]  # nothing before the 2 h lag


def test_per_subject_lags_on_a_uniform_grid_match_direct_superposition():
    # the shared-jump path (doses on an evenly spaced grid, a different lag per subject) against
    # the direct sum over doses, which has no such path
    rng = np.random.default_rng(3)
    n = 50
    typical = {"f_bio": 0.08, "cl_l_per_h": 62.0, "v_l": 20.0, "ka_per_h": 0.05, "ka_slow_per_h": 0.1,
               "frac_fast": 0.35, "lag_h": 1.5}
    model = _model("cap", "dual", 1, typical, dose_exponent=0.8, dose_ref_mg=100.0)
    p = {k: np.full(n, v) for k, v in typical.items()}
    p["lag_h"] = 1.5 * np.exp(0.4 * rng.standard_normal(n))
    p["lag_h"][:3] = [0.0, 1.0, 2.0]  # exactly on grid points
    dose_t = np.arange(0.0, 14 * 24, 12.0)
    dose_mg = np.full(dose_t.size, 400.0)
    times = np.arange(0.0, 14 * 24 + 1.0)
    groups = [(model, dose_t, dose_mg, p)]
    propagated = simulate_hours(groups, times, n_subjects=n, method="propagate")
    superposed = simulate_hours(groups, times, n_subjects=n, method="superpose")
    np.testing.assert_allclose(propagated, superposed, rtol=1e-10, atol=1e-12)
    assert np.all(propagated[:, 0] == 0.0) and propagated[0, 1] > 0.0  # lag 0: given at t = 0


def test_a_dose_just_after_a_grid_point_is_not_given_early():
    # found by the property test: a dose at 1e-30 h with per-subject lags must not be counted at
    # the output time 0 (right-continuous only at or after dose + lag)
    model = _model("b", "bolus", 1, {"f_bio": 1.0, "cl_l_per_h": 50.0, "v_l": 20.0, "lag_h": 0.0})
    p = {"f_bio": np.ones(2), "cl_l_per_h": np.full(2, 50.0), "v_l": np.full(2, 20.0), "lag_h": np.array([0.0, 1.0])}
    groups = [(model, np.array([1e-30]), np.array([1.0]), p)]
    times = np.arange(0.0, 5.0)
    propagated = simulate_hours(groups, times, n_subjects=2, method="propagate")
    superposed = simulate_hours(groups, times, n_subjects=2, method="superpose")
    np.testing.assert_allclose(propagated, superposed, rtol=1e-12)
    assert propagated[0, 0] == 0.0 and propagated[0, 1] > 0.0


def test_lag_groups_applied_dense_or_by_index_across_blocks_match_direct_superposition(monkeypatch):
    # per-subject lags over several blocks of subjects: large lag groups jump as dense rows, a
    # group of 1% of the subjects by index; on the shared-jump path (doses on the grid) and on
    # the dose-by-dose path (one dose off the grid, uneven output times)
    from lutea.pk import engine

    monkeypatch.setattr(engine, "_BLOCK_BYTES", 1)  # blocks of 1024 subjects
    rng = np.random.default_rng(11)
    n = 2500
    typical = {"f_bio": 0.08, "cl_l_per_h": 62.0, "v_l": 20.0, "ka_per_h": 0.05, "ka_slow_per_h": 0.1,
               "frac_fast": 0.35, "lag_h": 1.5}
    model = _model("cap", "dual", 1, typical, dose_exponent=0.8, dose_ref_mg=100.0)
    p = {k: np.full(n, v) for k, v in typical.items()}
    p["cl_l_per_h"] = 62.0 * np.exp(0.3 * rng.standard_normal(n))
    p["lag_h"] = rng.uniform(0.5, 3.0, n)
    sparse = rng.choice(n, 25, replace=False)
    p["lag_h"][sparse] = 5.5
    grid_doses = np.arange(0.0, 72.0, 12.0)
    for dose_t, times in (
        (grid_doses, np.arange(0.0, 97.0)),
        (np.append(grid_doses, 80.3), np.sort(np.append(np.arange(0.0, 97.0, 2.0), [0.7, 61.25]))),
    ):
        groups = [(model, dose_t, np.full(dose_t.size, 200.0), p)]
        propagated = simulate_hours(groups, times, n_subjects=n, method="propagate")
        superposed = simulate_hours(groups, times, n_subjects=n, method="superpose")
        np.testing.assert_allclose(propagated, superposed, rtol=1e-10, atol=1e-12)
        before, after = np.searchsorted(times, [4.0, 6.0])
        assert propagated[sparse, before].max() == 0.0 < propagated[sparse, after].min()  # lag 5.5 h: from 6 h


def test_a_lag_beyond_the_last_output_time_gives_nothing_on_the_shared_jump_path():
    # per-subject lags on a uniform grid where one subject's lag outlasts the grid
    model = _model("b", "first-order", 1, {"f_bio": 1.0, "cl_l_per_h": 50.0, "v_l": 20.0, "ka_per_h": 0.5, "lag_h": 0.0})
    p = {"lag_h": np.array([1.5, 20.0])}
    groups = [(model, np.array([0.0, 8.0]), np.array([100.0, 100.0]), p)]
    times = np.arange(0.0, 11.0)
    propagated = simulate_hours(groups, times, n_subjects=2, method="propagate")
    superposed = simulate_hours(groups, times, n_subjects=2, method="superpose")
    np.testing.assert_allclose(propagated, superposed, rtol=1e-12)
    assert np.all(propagated[1] == 0.0) and propagated[0, 2] > 0.0


def test_administrations_at_the_same_time_are_one_dose_event():
    # Two 400 mg capsules inserted together are one 800 mg dose for the dose-dependent
    # bioavailability of the vaginal models (dose_groups merges them); a second capsule an hour
    # later is a dose event of its own.
    from datetime import UTC, datetime, timedelta

    from lutea.pk import DoseEvent, dose_groups, route_model, simulate_events

    t0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
    times = [t0 + timedelta(hours=h) for h in (2.0, 6.0, 12.0, 24.0)]
    capsule = route_model("vaginal", "capsule")
    assert capsule.dose_dependent

    def levels(*doses: tuple[float, float]) -> np.ndarray:
        events = [DoseEvent(t0 + timedelta(hours=h), mg, "vaginal", "capsule") for h, mg in doses]
        return simulate_events(events, times, t0=t0)[0]

    np.testing.assert_allclose(levels((0, 400), (0, 400)), levels((0, 800)), rtol=1e-12)
    assert levels((0, 800))[-1] < 1.1 * levels((0, 400))[-1]  # F falls with the size of the dose
    assert levels((0, 400), (1, 400))[-1] > 1.8 * levels((0, 400))[-1]  # separate events: nearly additive
    groups = dose_groups([DoseEvent(t0, 400, "vaginal", "capsule"), DoseEvent(t0, 400, "vaginal", "capsule"),
                          DoseEvent(t0, 25, "sc", "aqueous injection")], t0)
    model, t_h, mg = groups[capsule.id]
    assert list(t_h) == [0.0] and list(mg) == [800.0]
    assert list(groups[route_model("sc").id][2]) == [25.0]
