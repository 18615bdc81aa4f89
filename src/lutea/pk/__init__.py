"""Pharmacokinetics of progesterone: regimens, route models, the exact engine, populations.

Public API (shared by simulate, calibration and individualisation):
- DoseEvent, Regimen, RegimenPart, parse_regimen, RegimenError: the regimen language
  (docs/regimen-language.md); errors name the token and its position.
- RouteModel, route_model, route_models: one linear model per route/formulation (pk_models.yaml):
  bolus, first-order, dual (fast + slow fraction) or transit (depot -> depot) absorption, lag,
  one or two compartments; vaginal models scale each dose event's bioavailability by
  (dose / dose_ref_mg)^-dose_exponent or, with saturable uptake, give an absorbed dose
  dose (dose_ref_mg + K) / (dose + K) (RouteModel.effective_dose_mg), superposition stays exact;
  a model with a `diurnal` entry (vaginal capsules) multiplies its contribution by a
  time-of-day factor of mean 1 (RouteModel.diurnal_factor).
- Times: lutea.timeline.elapsed_hours(t, t0) / after_hours(t0, h) count elapsed (UTC) hours;
  never subtract two datetimes sharing a ZoneInfo (that gives wall-clock time across DST).
- unit_response(model, params) -> (coef ng/mL per mg, rate_per_h, lag_h): sum of exponentials.
- simulate_events(events, times, *, t0, params=None, n_subjects=1, models=None, threads=None)
  -> (n_subjects, n_times) ng/mL exogenous serum progesterone (LC-MS/MS scale), exact; the
  array form simulate_hours(groups, times_h, n_subjects=, method=, threads=, clock0_h=) skips
  datetimes (clock0_h: the clock hour at time 0, for the time-of-day factor; None: daily mean).
- sample_parameters(models, n_subjects, rng, weight_kg=None, shared=()) ->
  {(route, formulation): {name: (n_subjects,) array}}; individual_parameters(model, eta, weight_kg).
- quantiles, fraction_below, fraction_above, residual_sd, add_residual_error, auc_per_mg,
  steady_state_factor.
- lutea.pk.exposure: each subject's Cmax, Tmax, AUC, Cavg and trough in a window
  (individual_exposure) and their mean, median, geometric mean, CV, 5th/95th (summarise_exposure),
  as `lutea simulate --window-h`, the API, `lutea trial` and the validation report read them.
"""

from lutea.pk.engine import (
    auc_per_mg,
    dose_groups,
    hours_since,
    simulate_events,
    simulate_hours,
    steady_state_factor,
    unit_response,
)
from lutea.pk.models import (
    ROUTES,
    RouteModel,
    resolve_model_key,
    route_model,
    route_models,
)
from lutea.pk.population import (
    add_residual_error,
    fraction_above,
    fraction_below,
    individual_parameters,
    quantiles,
    residual_sd,
    sample_parameters,
)
from lutea.pk.regimen import (
    DoseEvent,
    Regimen,
    RegimenError,
    RegimenPart,
    parse_regimen,
    with_product,
)

__all__ = [
    "ROUTES",
    "DoseEvent",
    "Regimen",
    "RegimenError",
    "RegimenPart",
    "RouteModel",
    "add_residual_error",
    "auc_per_mg",
    "dose_groups",
    "fraction_above",
    "fraction_below",
    "hours_since",
    "individual_parameters",
    "parse_regimen",
    "quantiles",
    "residual_sd",
    "resolve_model_key",
    "route_model",
    "route_models",
    "sample_parameters",
    "simulate_events",
    "simulate_hours",
    "steady_state_factor",
    "unit_response",
    "with_product",
]
