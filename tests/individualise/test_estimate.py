from datetime import timedelta

import numpy as np
import pytest

from lutea.errors import InputError
from lutea.individualise import (
    Individualiser,
    Level,
    ResidualError,
    map_estimate,
    metropolis,
)
from lutea.individualise.model import PersonModel, models_of
from lutea.pk import parse_regimen

IM = "50 mg im q24h from 2026-03-01T08:00"
VAGINAL = "400 mg vaginal q12h from 2026-03-01T08:00"
LEVEL_HOURS = np.array([74.0, 80.0, 86.0, 92.0, 98.0, 104.0, 110.0, 116.0])


def _person(text: str, context: str | None = None) -> tuple:
    regimen = parse_regimen(text)
    t0 = regimen.parts[0].start
    events = regimen.dose_events(until=t0 + timedelta(days=7))
    model = PersonModel.build(models_of(events), weight_kg=70.0, context=context, assay="lcms", t0=t0)
    return regimen, t0, events, model


def _levels(t0, hours, conc) -> list[Level]:
    return [Level(t0 + timedelta(hours=float(h)), float(c)) for h, c in zip(hours, conc)]


def test_map_recovers_known_parameters_from_several_levels():
    regimen, t0, events, model = _person(IM)
    # a person up to 1.2 prior SDs from typical in each parameter
    eta_true = np.resize([1.2, -0.67, 0.83, 0.25], len(model.names)) * model.omega
    conc = model.predict(events, LEVEL_HOURS, eta_true)
    fit = Individualiser(context=None, weight_kg=70.0).fit(regimen, _levels(t0, LEVEL_HOURS, conc))
    truth = model.values(eta_true)
    params = fit.parameters_
    # clearance sets the exposure: eight exact levels pin it down
    assert params["cl_l_per_h"]["estimate"] == pytest.approx(float(truth["cl_l_per_h"]), rel=0.05)
    for name, p in params.items():
        assert p["ci90"][0] <= float(truth[name]) <= p["ci90"][1], name
    # the MAP curve goes through the levels (the prior and a 20% residual SD allow a few percent)
    assert np.allclose(fit.model.predict(events, LEVEL_HOURS, fit.eta_), conc, rtol=0.06)


def test_batched_map_recovers_exposure_across_people():
    _, _, events, model = _person(IM)
    rng = np.random.default_rng(3)
    eta_true = rng.standard_normal((200, len(model.names))) * model.omega
    forward = model.forward(events, LEVEL_HOURS)
    y = model.predict(events, LEVEL_HOURS, eta_true)
    result = map_estimate(forward, y, np.ones_like(y, dtype=bool), model.omega, model.residual)
    assert result.converged.all()
    cl = model.names.index("cl_l_per_h")
    assert np.corrcoef(result.eta[:, cl], eta_true[:, cl])[0, 1] > 0.95


def test_a_single_level_narrows_the_prior_without_collapsing_it():
    regimen, t0, events, model = _person(VAGINAL, "hrt-fet")
    typical = float(model.predict(events, np.array([97.0]), np.zeros(len(model.names)))[0])
    level = f"2026-03-05T09:00={0.5 * typical:.3f} ng/mL"  # half the typical person's level
    fit = Individualiser(context="hrt-fet").fit(regimen, [level])
    # Laplace: the level informs exposure, i.e. the apparent clearance CL/F (log CL/F = eta_cl -
    # eta_f): its SD shrinks, but one level cannot pin it down
    f, cl = fit.model.names.index("vaginal:f_bio"), fit.model.names.index("cl_l_per_h")
    contrast = np.zeros(len(fit.model.names))
    contrast[cl], contrast[f] = 1.0, -1.0
    prior_sd = np.hypot(model.omega[cl], model.omega[f])
    laplace_sd = np.sqrt(contrast @ fit.cov_ @ contrast)
    assert 0.3 * prior_sd < laplace_sd < 0.9 * prior_sd
    # half the typical level: a higher apparent clearance, in the MAP and in the exact posterior
    # (importance-resampled) alike
    assert contrast @ fit.eta_ > 0.5 * prior_sd and np.median(fit.draws_ @ contrast) > 0.5 * prior_sd
    # the 90% interval of a measured level at the level's own time is narrower than the population's
    when = [t0 + timedelta(hours=97)]
    individual = fit.predict(when)
    rng = np.random.default_rng(0)
    prior = model.predict(events, np.array([97.0]), rng.standard_normal((4000, len(model.names))) * model.omega)
    lo, hi = np.quantile(model.residual.draw(prior, rng), [0.05, 0.95])
    assert individual.high_ng_ml[0] - individual.low_ng_ml[0] < 0.8 * (hi - lo)
    again = Individualiser(context="hrt-fet").fit(regimen, [level])
    assert again.parameters_ == fit.parameters_  # seeded: the same answer twice


def test_laplace_and_mcmc_agree_on_a_simple_case():
    regimen, t0, events, model = _person(IM)
    hours = np.array([80.0, 92.0, 104.0])
    conc = model.predict(events, hours, np.zeros(len(model.names))) * np.array([1.2, 1.1, 1.25])
    levels = _levels(t0, hours, conc)
    laplace = Individualiser(context=None, method="laplace", n_draws=4000).fit(regimen, levels)
    mcmc = Individualiser(context=None, method="mcmc", n_draws=4000, seed=1).fit(regimen, levels)
    assert np.allclose(laplace.draws_.mean(axis=0), mcmc.draws_.mean(axis=0), atol=0.06)
    assert np.allclose(laplace.draws_.std(axis=0), mcmc.draws_.std(axis=0), rtol=0.25)


def test_metropolis_samples_a_known_gaussian_posterior():
    # linear forward: the posterior is exactly Gaussian with a known mean and SD
    omega = np.array([0.5])
    residual = ResidualError(0.0, 1.0)

    def forward(eta):
        return 10.0 + 4.0 * eta  # [m, n, 1]

    y, mask = np.array([12.0]), np.array([True])
    precision = 1 / 0.25 + 16.0
    mean = (4.0 * 2.0) / precision
    result = metropolis(forward, y, mask, omega, residual, np.array([mean]), np.array([[1 / precision]]),
                        np.random.default_rng(0), n_steps=3000)
    assert result.draws.mean() == pytest.approx(mean, abs=0.01)
    assert result.draws.std() == pytest.approx(precision**-0.5, rel=0.05)
    fit = map_estimate(forward, y[None], mask[None], omega, residual)
    assert fit.eta[0, 0] == pytest.approx(mean, abs=1e-4)
    assert fit.cov[0, 0, 0] == pytest.approx(1 / precision, rel=1e-3)


def test_immunoassay_levels_after_oral_dosing_are_read_through_the_assay_factor():
    regimen = "200 mg oral q24h from 2026-03-01T22:00"
    lcms = Individualiser(context="postmenopausal", assay="lcms").fit(regimen, ["2026-03-05T01:00=2 ng/mL"])
    immuno = Individualiser(context="postmenopausal", assay="immunoassay").fit(regimen, ["2026-03-05T01:00=2 ng/mL"])
    # the same number read by an immunoassay means far less progesterone
    assert immuno.parameters_["oral:f_bio"]["estimate"] < 0.5 * lcms.parameters_["oral:f_bio"]["estimate"]


def test_bad_input_names_the_field():
    with pytest.raises(InputError) as info:
        Individualiser(weight_kg=5)
    assert info.value.field == "weight_kg"
    with pytest.raises(InputError) as info:
        Individualiser().fit(VAGINAL, [])
    assert info.value.field == "level"
    with pytest.raises(InputError) as info:
        Individualiser(method="guess")
    assert info.value.field == "method"
