"""Virtual populations: log-normal BSV, weight covariate, quantiles and threshold fractions."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import numpy as np
import pytest
from scipy.special import expit, logit
from scipy.stats import norm

from lutea.pk import (
    DoseEvent,
    fraction_above,
    fraction_below,
    individual_parameters,
    quantiles,
    residual_sd,
    route_model,
    sample_parameters,
    simulate_events,
    add_residual_error,
)
from lutea.pk.models import RouteModel

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def test_sampled_parameters_are_log_normal_around_the_typical_value():
    model = route_model("im")
    params = sample_parameters(model, 200_000, np.random.default_rng(7))[model.key]
    for name, omega in model.omega.items():
        if model.transform(name) != "log":
            continue
        logs = np.log(params[name] / model.typical[name])
        assert np.median(logs) == pytest.approx(0.0, abs=0.01)
        assert np.std(logs) == pytest.approx(omega, rel=0.02)


def test_same_seed_same_population_and_shared_effects_are_shared():
    models = [route_model("vaginal"), route_model("sc")]
    a = sample_parameters(models, 1000, 3, shared=("cl_l_per_h",))
    b = sample_parameters(models, 1000, 3, shared=("cl_l_per_h",))
    assert np.array_equal(a[models[0].key]["ka_per_h"], b[models[0].key]["ka_per_h"])
    ratio = a[models[0].key]["cl_l_per_h"] / a[models[1].key]["cl_l_per_h"]
    assert np.allclose(ratio, models[0].typical["cl_l_per_h"] / models[1].typical["cl_l_per_h"])


def test_weight_covariate_scales_clearance_allometrically():
    model = route_model("im")
    light = individual_parameters(model, None, 50.0)
    heavy = individual_parameters(model, None, 100.0)
    assert heavy["cl_l_per_h"] / light["cl_l_per_h"] == pytest.approx(2.0 ** model.weight_exponent["cl_l_per_h"])
    assert heavy["v_l"] / light["v_l"] == pytest.approx(2.0 ** model.weight_exponent["v_l"])
    assert heavy["ka_per_h"] == light["ka_per_h"]
    vaginal = route_model("vaginal")  # weight not used for vaginal routes
    light, heavy = individual_parameters(vaginal, None, 50.0), individual_parameters(vaginal, None, 100.0)
    assert {k: float(v) for k, v in light.items()} == {k: float(v) for k, v in heavy.items()}


def test_population_quantiles_and_threshold_fractions_match_the_analytic_distribution():
    # Only f_bio varies (logit-normal): C is proportional to F, so quantiles of C are exact
    # transforms of normal quantiles.
    f0, omega = 0.2, 0.6
    model = RouteModel(
        id="f-only", route="vaginal", formulation="capsule", absorption="first-order", compartments=1,
        typical=MappingProxyType({"f_bio": f0, "cl_l_per_h": 62.0, "v_l": 20.0, "ka_per_h": 0.1}),
        omega=MappingProxyType({"f_bio": omega}),
    )
    n = 100_000
    params = sample_parameters(model, n, np.random.default_rng(11))
    times = np.array([2.0, 6.0, 12.0])
    events = [DoseEvent(T0, 400, "vaginal", "capsule")]
    conc = simulate_events(events, times, t0=T0, params=params, n_subjects=n, models=[model])
    typical = simulate_events(events, times, t0=T0, models=[model])[0]
    q = np.array([0.05, 0.5, 0.95])
    analytic = typical[None, :] * (expit(logit(f0) + omega * norm.ppf(q)) / f0)[:, None]
    assert np.allclose(quantiles(conc, q), analytic, rtol=0.02)
    threshold = float(typical[1])  # the typical level at 6 h: half of subjects below it
    assert fraction_below(conc, threshold)[1] == pytest.approx(0.5, abs=0.01)
    assert fraction_above(conc, threshold)[1] == pytest.approx(0.5, abs=0.01)


def test_residual_error_model():
    model = route_model("vaginal")
    sd = residual_sd(np.array([0.0, 10.0]), model)
    assert sd[0] == pytest.approx(model.additive_sd_ng_ml)
    assert sd[1] == pytest.approx(np.hypot(model.proportional_sd * 10, model.additive_sd_ng_ml))
    noisy = add_residual_error(np.full(200_000, 10.0), model, 5)
    assert noisy.std() == pytest.approx(sd[1], rel=0.02)
    assert noisy.min() >= 0


def test_bad_population_inputs():
    from lutea.errors import InputError

    with pytest.raises(InputError):
        sample_parameters(route_model("im"), 0, 1)
    with pytest.raises(InputError):
        sample_parameters(route_model("im"), 10, 1, weight_kg=-3)
