"""Benchmark of the exact PK engine: a virtual trial of 100,000 subjects, 14 days, hourly.

Regimen: 400 mg vaginal q12h (micronised vaginal capsule model, dual absorption: three
exponentials per subject, log-normal between-subject variability on every parameter).
Measured in one run on the same machine:
- the engine (best of 5) on one thread (the default; the headline ratios use it) and, for
  information, with threads=2,
- the floor: allocating an output array of the same shape and filling it row by row in the
  engine's order (best of 5),
- scipy solve_ivp (LSODA, rtol 1e-6, atol 1e-9 mg, integrated dose to dose with t_eval) on a
  few hundred subjects, extrapolated per subject,
- libRoadRunner (the same model as hand-written SBML: rate rules, one event per dose; CVODE,
  rtol 1e-6) on a few hundred subjects, extrapolated per subject.
Both references' curves (times the model's time-of-day factor, which the engine applies to its
output) are compared with the engine's for every subject they simulate (the largest relative
difference is printed; it reflects their tolerances, the engine is exact).
Last line: `pk ratio_to_floor=X speedup_vs_solve_ivp=Y speedup_vs_roadrunner=Z`.
Run: `make bench` or `.venv/bin/python bench/pk.py [--subjects N]`.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import numpy as np
from scipy.integrate import solve_ivp

from lutea.pk import parse_regimen, route_model, sample_parameters, simulate_events
from lutea.timeline import clock_hour, elapsed_hours

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
REGIMEN = "400 mg vaginal q12h x 14d"


def best_of(fn, repeats: int = 5) -> tuple[float, object]:
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def floor(n_times: int, n: int) -> np.ndarray:
    out = np.empty((n_times, n))
    for k in range(n_times):
        out[k] = k
    return out.T


def ode_subject(p: dict[str, float], dose_t: np.ndarray, dose_mg: np.ndarray, times_h: np.ndarray) -> np.ndarray:
    """One subject with solve_ivp: fast depot, slow depot, central amount; dose to dose."""
    ka, ks, ke = p["ka_per_h"], p["ka_slow_per_h"], p["cl_l_per_h"] / p["v_l"]
    fr, f, v = p["frac_fast"], p["f_bio"], p["v_l"]

    def rhs(_t, y):
        return [-ka * y[0], -ks * y[1], ka * y[0] + ks * y[1] - ke * y[2]]

    y = np.zeros(3)
    out = np.zeros(times_h.size)
    ends = [*dose_t[1:], times_h[-1]]
    for t_dose, d, t_end in zip(dose_t, dose_mg, ends):
        y = y + [f * fr * d, f * (1 - fr) * d, 0.0]
        inside = (times_h >= t_dose) & (times_h < t_end)
        if t_end == times_h[-1]:
            inside |= times_h == t_end
        t_eval = np.unique(np.concatenate([times_h[inside], [t_end]]))
        sol = solve_ivp(rhs, (t_dose, t_end), y, method="LSODA", rtol=1e-6, atol=1e-9, t_eval=t_eval)
        out[inside] = sol.y[2][np.searchsorted(sol.t, times_h[inside])] / v * 1000.0
        y = sol.y[:, -1]
    return out


def sbml(dose_t: np.ndarray, dose_mg: np.ndarray) -> str:
    """The same model in SBML level 3: rate rules on amounts, one event per dose."""
    params = ["ka", "ks", "cl", "v", "fr", "f", "lag"]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1">',
             '<model id="vaginal_dual"><listOfParameters>']
    parts += [f'<parameter id="{p}" value="1" constant="true"/>' for p in params]
    parts += [f'<parameter id="{x}" value="0" constant="false"/>' for x in ("Af", "As", "Ac", "C")]
    parts.append("</listOfParameters><listOfRules>")

    def rate(var: str, mathml: str) -> str:
        return f'<rateRule variable="{var}"><math xmlns="http://www.w3.org/1998/Math/MathML">{mathml}</math></rateRule>'

    ci = lambda x: f"<ci>{x}</ci>"  # noqa: E731
    times = lambda *a: "<apply><times/>" + "".join(a) + "</apply>"  # noqa: E731
    parts.append(rate("Af", "<apply><minus/>" + times(ci("ka"), ci("Af")) + "</apply>"))
    parts.append(rate("As", "<apply><minus/>" + times(ci("ks"), ci("As")) + "</apply>"))
    parts.append(rate("Ac", "<apply><minus/><apply><plus/>" + times(ci("ka"), ci("Af")) + times(ci("ks"), ci("As"))
                      + "</apply>" + times("<apply><divide/>" + ci("cl") + ci("v") + "</apply>", ci("Ac")) + "</apply>"))
    parts.append('<assignmentRule variable="C"><math xmlns="http://www.w3.org/1998/Math/MathML">'
                 + times("<cn>1000</cn>", "<apply><divide/>" + ci("Ac") + ci("v") + "</apply>") + "</math></assignmentRule>")
    parts.append("</listOfRules><listOfEvents>")
    for i, (t, d) in enumerate(zip(dose_t, dose_mg)):
        trig = (f'<apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol>'
                f'<apply><plus/><cn>{t}</cn>{ci("lag")}</apply></apply>')
        add = lambda var, frac: (f'<eventAssignment variable="{var}"><math xmlns="http://www.w3.org/1998/Math/MathML">'  # noqa: E731
                                 f"<apply><plus/>{ci(var)}" + times(ci("f"), frac, f"<cn>{d}</cn>") + "</apply></math></eventAssignment>")
        parts.append(f'<event id="dose{i}" useValuesFromTriggerTime="true"><trigger initialValue="false" persistent="true">'
                     f'<math xmlns="http://www.w3.org/1998/Math/MathML">{trig}</math></trigger><listOfEventAssignments>'
                     + add("Af", ci("fr")) + add("As", "<apply><minus/><cn>1</cn>" + ci("fr") + "</apply>")
                     + "</listOfEventAssignments></event>")
    parts.append("</listOfEvents></model></sbml>")
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--ode-subjects", type=int, default=200)
    parser.add_argument("--rr-subjects", type=int, default=200)
    args = parser.parse_args()
    n = args.subjects
    model = route_model("vaginal")
    events = parse_regimen(REGIMEN, default_start=T0).dose_events()
    times_h = np.arange(0.0, 14 * 24 + 1.0)
    params = sample_parameters([model], n, np.random.default_rng(1))
    key = model.key
    points = n * times_h.size
    print(f"virtual trial: {n} subjects x {times_h.size} hourly times = {points:,} points; {REGIMEN}; model {model.id} "
          f"({model.absorption} absorption, {len(events)} doses)")

    t_engine, conc = best_of(lambda: simulate_events(events, times_h, t0=T0, params=params, n_subjects=n))
    t_two, _ = best_of(lambda: simulate_events(events, times_h, t0=T0, params=params, n_subjects=n, threads=2))
    t_floor, _ = best_of(lambda: floor(times_h.size, n))
    print(f"engine (one thread, the default): {t_engine:.3f} s = {points / t_engine / 1e6:.1f} M points/s; "
          f"with threads=2: {t_two:.3f} s = {points / t_two / 1e6:.1f} M points/s ({t_two / t_floor:.2f}x the floor)")
    print(f"floor (allocate + fill the same array, same order): {t_floor:.3f} s")

    dose_t = np.array([elapsed_hours(e.time, T0) for e in events])
    # the references get what the engine applies: each dose's bioavailability scaled by
    # (dose / dose_ref)^-exponent, and the subject's absorption lag
    dose_mg = model.effective_dose_mg(np.array([e.dose_mg for e in events]))
    # and the model's time-of-day factor on the contribution (1 for models without one)
    diurnal = model.diurnal_factor(clock_hour(T0) + times_h)
    subject = lambda s: {k: float(v[s]) for k, v in params[key].items()}  # noqa: E731

    m = min(args.ode_subjects, n)
    start = time.perf_counter()
    ode = [ode_subject(subject(s), dose_t + subject(s).get("lag_h", 0.0), dose_mg, times_h) * diurnal for s in range(m)]
    t_ode_per = (time.perf_counter() - start) / m
    err_ode = max(float(np.max(np.abs(ode[s] - conc[s]) / np.maximum(np.abs(conc[s]), 1e-3))) for s in range(m))
    print(f"solve_ivp: {t_ode_per * 1e3:.2f} ms per subject ({m} subjects) -> {t_ode_per * n:.1f} s for {n}; "
          f"max relative difference to the engine {err_ode:.1e}")

    speedup_rr = float("nan")
    try:
        import roadrunner
    except ImportError:
        print("libRoadRunner not installed (pip install -e '.[bench]'): speedup_vs_roadrunner=nan")
    else:
        roadrunner.Config.setValue(roadrunner.Config.LOADSBMLOPTIONS_CONSERVED_MOIETIES, False)
        # a dose at t = 0 would fire while the model initialises (before the subject's
        # parameters are set), so without a lag it is given as the initial depot amounts instead
        lagged = "lag_h" in model.typical and float(np.min(params[key]["lag_h"])) > 0.0
        first = np.zeros(dose_t.size, dtype=bool) if lagged else dose_t == 0.0
        rr = roadrunner.RoadRunner(sbml(dose_t[~first], dose_mg[~first]))
        d0 = float(dose_mg[first].sum())
        rr.integrator.relative_tolerance = 1e-6
        rr.integrator.absolute_tolerance = 1e-9
        names = {"ka": "ka_per_h", "ks": "ka_slow_per_h", "cl": "cl_l_per_h", "v": "v_l", "fr": "frac_fast", "f": "f_bio"}
        k = min(args.rr_subjects, n)

        def run(s: int) -> np.ndarray:
            rr.resetAll()
            p = subject(s)
            for sb, ours in names.items():
                rr.setValue(sb, p[ours])
            rr.setValue("lag", p.get("lag_h", 0.0))
            rr.setValue("Af", p["f_bio"] * p["frac_fast"] * d0)
            rr.setValue("As", p["f_bio"] * (1 - p["frac_fast"]) * d0)
            return rr.simulate(0.0, float(times_h[-1]), times_h.size, ["time", "C"])[:, 1] * diurnal

        run(0)  # compile once
        start = time.perf_counter()
        curves = [run(s) for s in range(k)]
        t_rr_per = (time.perf_counter() - start) / k
        err_rr = max(float(np.max(np.abs(curves[s] - conc[s]) / np.maximum(np.abs(conc[s]), 1e-3))) for s in range(k))
        speedup_rr = t_rr_per * n / t_engine
        print(f"libRoadRunner {roadrunner.__version__}: {t_rr_per * 1e3:.2f} ms per subject ({k} subjects) -> "
              f"{t_rr_per * n:.1f} s for {n}; max relative difference to the engine {err_rr:.1e}")

    ratio_floor = t_engine / t_floor
    speedup_ode = t_ode_per * n / t_engine
    print(f"pk ratio_to_floor={ratio_floor:.2f} speedup_vs_solve_ivp={speedup_ode:.0f} speedup_vs_roadrunner={speedup_rr:.0f}")


if __name__ == "__main__":
    main()
