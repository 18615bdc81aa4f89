"""Calibration of the route models on published study arms, and the validation table.

Each arm (pk_arms.yaml) is simulated exactly as studied: its doses (with the model's food effect
where they were taken with food: the typical values are those of doses taken fasting), its
reported window, the endogenous baseline of its population unless the study subtracted it, and its
assay (the oral immunoassay factor for immunoassay arms). Like is compared with like: a virtual
population of the arm (its n, replicated; the model's BSV; standard-normal draws seeded by the arm id) is
simulated and the statistic the study reported (arithmetic mean, median or geometric mean of
individual Cmax, AUC, ...) is taken over it. Per route model, the typical values of the
absorption parameters, f_bio, (vaginal models) the dose exponent of F and (models with a
`diurnal` entry, on arms that state their clock time) the time-of-day variation are fitted by least
squares on log Cmax, log AUC, log Cavg, log Cmin, log reported levels and (half weight) Tmax of
the arms marked `fit` (a Cavg over the AUC's own window is that AUC reported again: the two
count once); `compare` arms are only compared. The systemic disposition
(cl_l_per_h, v_l) stays as the engine set it (from the IM arms), as does f_bio of IM oil (the
reference route). A between-subject SD is fitted too, where fit arms of at least 20 subjects
in all report a spread (mean +/- SD; otherwise the written BSV is kept): of clearance on the
reference route (F is 1 there; the value is then shared by every model, since clearance belongs
to the body), of f_bio on the others: the virtual population's CV of each reported statistic (with the route's
residual error on single samples: Cmax, Cmin, single levels) is matched to the reported CV,
with the other BSVs as the model states them. The fit alternates: typical values at a fixed
starting omega, then omega, then the typical values again.
The fit is deterministic: no random numbers, and it always starts from the same generic point
(FIT_START), never from the values it wrote before, so a rerun reproduces the written numbers.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares, minimize_scalar

from lutea.knowledge.loader import load_knowledge
from lutea.knowledge.schema import PK_FRACTION_PARAMETERS, PKArm
from lutea.pk.assay import assay_factor
from lutea.pk.baseline import baseline_curve
from lutea.pk.engine import auc_per_mg, simulate_hours
from lutea.pk.exposure import individual_exposure
from lutea.pk.models import RouteModel, route_model, route_models
from lutea.pk.population import individual_parameters, residual_sd

FIXED_PARAMETERS = ("cl_l_per_h", "v_l", "q_l_per_h", "v2_l")
FREE_ORDER = ("f_bio", "ka_slow_per_h", "ka_per_h", "ktr_per_h", "lag_h")  # frac_fast stays as the engine set it
# Fixed, generic starting point of every fit (numerical settings, not clinical facts): the fit
# never starts from the values it wrote last time, so reruns give the same numbers.
FIT_START = {"dose_exponent": 0.3, "dose_saturation_mg": 100.0, "f_bio": 0.1, "ka_per_h": 0.5, "ka_slow_per_h": 0.05, "ktr_per_h": 0.5, "frac_fast": 0.5, "lag_h": 1.0}
RATE_BOUNDS_PER_H = (1e-3, 20.0)
RATE_BOUNDS_LAG_H = (1e-2, 24.0)
DOSE_EXPONENT = "dose_exponent"  # beta of F = f_bio (dose / dose_ref)^-beta (dose-dependent models)
DOSE_EXPONENT_BOUNDS = (0.0, 0.95)
DOSE_SATURATION = "dose_saturation_mg"  # K of saturable uptake, dose * (dose_ref + K) / (dose + K)
DOSE_SATURATION_BOUNDS_MG = (1.0, 10_000.0)
# Time-of-day variation (models with `diurnal`), fitted as the cosine and sine coefficients of
# log factor = c cos(2 pi h / 24) + s sin(2 pi h / 24): smooth where an amplitude-and-phase pair
# is not (the phase is undefined at amplitude 0, where the fit starts).
DIURNAL = ("diurnal_cos", "diurnal_sin")
DIURNAL_BOUNDS = (-1.0, 1.0)
VIRTUAL_SUBJECTS = 240  # virtual subjects per arm: replicate trials of the arm's n
DEFAULT_ARM_N = 10  # subjects per trial when an arm does not report n
OMEGA_FLOOR = 0.1
OMEGA_CEILING = 1.5
OMEGA_START = 0.4  # generic starting BSV of f_bio for the first pass of a spread fit
# A CV from n subjects has a log standard error of about 1/sqrt(2(n - 1)): below 20 subjects in
# all, the reported spreads are too weak to fit the BSV, and the written one is kept.
MIN_SPREAD_SUBJECTS = 20
SOFT_TMAX_SHARPNESS = 40.0  # soft-argmax weight exp(s * (C/Cmax - 1)) keeps Tmax smooth in the fit
REFERENCE_MODELS = ("im-oil",)  # f_bio taken as 1: the disposition was derived from these arms
METRICS = ("cmax", "tmax", "auc", "cavg", "cmin")
TMAX_WEIGHT = 0.5
GRID_STEP_H = 0.05
GOAL_LOW, GOAL_HIGH, GOAL_FRACTION, GOAL_MAX_FOLD = 0.80, 1.25, 0.80, 2.0
_POPULATION_CONTEXT = {
    "postmenopausal": "postmenopausal",
    "premenopausal": "hrt-fet",
    "healthy": "hrt-fet",
    "art": "hrt-fet",
    "male": "male",
    "pregnant": "none",
}


@dataclass(frozen=True)
class ArmPrediction:
    """Observed and predicted exposure of one arm, as the study would have reported it."""

    arm: PKArm
    model_id: str
    observed: dict[str, float]
    predicted: dict[str, float]
    observed_cv: dict[str, float] = field(default_factory=dict)
    predicted_cv: dict[str, float] = field(default_factory=dict)
    """Between-subject CV (SD / mean) of the statistics the arm reports as mean +/- SD."""

    def ratio(self, metric: str) -> float | None:
        """Predicted / observed (Tmax: also a ratio), None when not reported."""
        if metric not in self.observed or metric not in self.predicted:
            return None
        obs = self.observed[metric]
        return self.predicted[metric] / obs if obs > 0 else None


@dataclass(frozen=True)
class ModelFit:
    """Result of fitting one route model: new typical values, omega, the arms used."""

    model_id: str
    free: tuple[str, ...]
    values: dict[str, float]
    omega: dict[str, float]
    arm_ids: tuple[str, ...]
    cost: float
    n_observations: int


@dataclass(frozen=True)
class ValidationSummary:
    """The goal figures over the arms not excluded."""

    n_cmax: int
    n_auc: int
    within_cmax: float
    within_auc: float
    max_fold: float
    max_fold_arm: str
    over_2x: tuple[str, ...] = field(default_factory=tuple)


def arms(kb_arms: Iterable[PKArm] | None = None) -> list[PKArm]:
    """The study arms of the knowledge base (or the given ones), in file order."""
    return list(kb_arms) if kb_arms is not None else list(load_knowledge().entries("pk_arms"))


def arm_model(arm: PKArm) -> RouteModel:
    """The route model an arm is simulated with."""
    return route_model(arm.route, arm.formulation)


def observed(arm: PKArm) -> dict[str, float]:
    """Observed metrics of an arm: cmax, tmax, auc, cavg, cmin, level@<h>."""
    out = {
        "cmax": arm.cmax_ng_ml,
        "tmax": arm.tmax_h,
        "auc": arm.auc_ng_h_ml,
        "cavg": arm.cavg_ng_ml,
        "cmin": arm.cmin_ng_ml,
    }
    result = {k: float(v) for k, v in out.items() if v is not None}
    for h, level in arm.levels_ng_ml.items():
        result[f"level@{float(h):g}h"] = float(level)
    return result


def observed_cv(arm: PKArm) -> dict[str, float]:
    """Reported between-subject CVs (SD / mean) of an arm that reports mean +/- SD."""
    if arm.statistic != "mean":
        return {}
    pairs = {
        "cmax": (arm.cmax_ng_ml, arm.cmax_sd_ng_ml),
        "auc": (arm.auc_ng_h_ml, arm.auc_sd_ng_h_ml),
        "cavg": (arm.cavg_ng_ml, arm.cavg_sd_ng_ml),
    }
    for h, sd in arm.levels_sd_ng_ml.items():
        pairs[f"level@{float(h):g}h"] = (arm.levels_ng_ml[h], sd)
    return {k: float(sd) / float(v) for k, (v, sd) in pairs.items() if v and sd}


def _single_sample(arm: PKArm, metric: str) -> bool:
    """Whether a reported statistic is one measured sample per subject (carries residual error)
    rather than an area or average over many samples."""
    return metric in ("cmax", "cmin") or metric.startswith("level@") or (metric == "cavg" and arm.cavg_one_sample)


def virtual_trial_size(arm: PKArm) -> tuple[int, int]:
    """(subjects per virtual trial, number of replicate trials) of an arm: the study's n
    (DEFAULT_ARM_N when not reported), replicated up to VIRTUAL_SUBJECTS in all."""
    n = arm.n_subjects or DEFAULT_ARM_N
    return n, max(1, math.ceil(VIRTUAL_SUBJECTS / n))


def _standard_normals(arm: PKArm, model: RouteModel, total: int) -> dict[str, np.ndarray]:
    """Fixed standard-normal draws per parameter (seeded by the arm id): common random numbers,
    so the predicted statistic is a smooth function of the typical values during the fit."""
    rng = np.random.default_rng(zlib.crc32(arm.id.encode("utf-8")))
    return {name: rng.standard_normal(total) for name in sorted(model.typical)}


def _statistic(values: np.ndarray, statistic: str, n: int, reps: int) -> float:
    """The arm's statistic of individual values, as expected for a study of n subjects: the
    arithmetic mean over all virtual subjects, or the median / geometric mean of each replicate
    trial of n averaged over the replicates."""
    if statistic == "mean":
        return float(np.mean(values))
    per_trial = values[: n * reps].reshape(reps, n)
    if statistic == "median":
        return float(np.mean(np.median(per_trial, axis=1)))
    return float(np.mean(np.exp(np.mean(np.log(np.maximum(per_trial, 1e-12)), axis=1))))


def predict_arm(
    arm: PKArm, model: RouteModel | None = None, *, smooth_tmax: bool = False, typical_only: bool = False
) -> ArmPrediction:
    """Simulate one arm and read the statistic the study reported.

    A virtual population of the arm (its n, replicated; the model's BSV; a fixed seed) is dosed
    as studied; each virtual subject's Cmax, Tmax, AUC, Cavg, Cmin and levels are read as the
    study read its subjects', and the arm's statistic (mean, median or geometric mean) is taken
    over them. typical_only: the typical individual's curve instead (for diagnostics).
    smooth_tmax: Tmax as a soft argmax (differentiable, for the fit) instead of the grid argmax."""
    model = model or arm_model(arm)
    n_dose = arm.n_doses
    dose_t = np.arange(n_dose, dtype=float) * (arm.interval_h or 0.0)
    dose_mg = model.fasting_equivalent_mg(float(arm.dose_mg), arm.with_food)
    doses = np.full(n_dose, dose_mg)
    span = max(arm.window_h, arm.auc_window_h or 0.0, arm.cavg_window_h or 0.0)
    rel = np.arange(0.0, span + GRID_STEP_H / 2, GRID_STEP_H)
    if typical_only:
        n, reps, params = 1, 1, None
    else:
        n, reps = virtual_trial_size(arm)
        z = _standard_normals(arm, model, n * reps)
        eta = {name: model.omega[name] * z[name] for name in model.omega}
        params = individual_parameters(model, eta)
    total = n * reps
    factor = assay_factor(arm.route, arm.assay)
    exo = simulate_hours([(model, dose_t, doses, params)], arm.window_start_h + rel, n_subjects=total,
                         clock0_h=arm.first_dose_clock_h)
    exo = exo * factor
    if arm.baseline_subtracted:
        endo = np.zeros_like(rel)
    else:
        endo = baseline_curve(_POPULATION_CONTEXT[arm.population], rel)
    conc = exo + endo[None, :]
    obs = observed(arm)
    window = individual_exposure(rel, conc, 0.0, arm.window_h)  # the one reading of exposure (lutea.pk.exposure)
    cmax, tmax = window["cmax"], window["tmax"]
    if smooth_tmax:
        inside = rel <= arm.window_h + 1e-9
        w = np.where(inside[None, :], np.exp(SOFT_TMAX_SHARPNESS * (conc / np.maximum(cmax[:, None], 1e-12) - 1.0)), 0.0)
        tmax = np.sum(w * rel[None, :], axis=1) / np.sum(w, axis=1)
    individual: dict[str, np.ndarray] = {"cmax": cmax, "tmax": tmax, "cmin": window["ctrough"]}
    if arm.auc_window_h is not None:
        individual["auc"] = individual_exposure(rel, conc, 0.0, arm.auc_window_h)["auc"]
    elif n_dose == 1:
        per_mg = np.broadcast_to(auc_per_mg(model, params), (total,))
        individual["auc"] = per_mg * float(model.effective_dose_mg(dose_mg)) * factor
    individual["cavg"] = individual_exposure(rel, conc, 0.0, arm.cavg_window_h or arm.window_h)["cavg"]
    for name in obs:
        if name.startswith("level@"):
            h = float(name[len("level@") : -1])
            individual[name] = np.array([np.interp(h, rel, c) for c in conc])
    wanted = [m for m in individual if m in obs or m in ("cmax", "tmax", "auc")]
    pred = {m: _statistic(individual[m], arm.statistic, n, reps) for m in wanted}
    cv_obs = {} if typical_only else observed_cv(arm)
    cv_pred = {}
    if cv_obs:
        noise_rng = np.random.default_rng(zlib.crc32(f"{arm.id}:residual".encode()))
        noise = {name: noise_rng.standard_normal(total) for name in sorted(cv_obs)}
        for name in cv_obs:
            values = individual[name]
            if _single_sample(arm, name):
                values = values + residual_sd(values, model) * noise[name]
            cv_pred[name] = float(np.std(values) / np.mean(values))
    return ArmPrediction(arm, model.id, obs, pred, cv_obs, cv_pred)


def cavg_repeats_auc(arm: PKArm) -> bool:
    """Whether the arm's Cavg is its AUC over the same window divided by the window: the same
    samples reported twice, one observation rather than two."""
    return (arm.cavg_ng_ml is not None and arm.auc_ng_h_ml is not None and arm.auc_window_h is not None
            and (arm.cavg_window_h or arm.window_h) == arm.auc_window_h)


def residuals(prediction: ArmPrediction) -> list[float]:
    """Weighted residuals of one arm (log ratios; Tmax on log(1 + h)). An AUC and a Cavg over the
    same window count once, as the mean of their two log ratios (cavg_repeats_auc)."""
    logs: dict[str, float] = {}
    out = []
    for name, obs in prediction.observed.items():
        pred = prediction.predicted[name]
        if name == "tmax":
            out.append(TMAX_WEIGHT * (math.log1p(pred) - math.log1p(obs)))
        else:
            logs[name] = math.log(max(pred, 1e-9) / obs)
    if cavg_repeats_auc(prediction.arm):
        logs["auc"] = (logs["auc"] + logs.pop("cavg")) / 2
    return out + list(logs.values())


def free_parameters(model: RouteModel, n_observations: int, clocked: bool = False) -> tuple[str, ...]:
    """Parameters fitted for a model: f_bio, the time-of-day variation of diurnal models (when
    clocked: a fit arm states the clock time of its doses), the dose exponent of dose-dependent
    models, and the absorption parameters, at most (observations - 2) of them."""
    names = [p for p in FREE_ORDER if p in model.typical and p not in FIXED_PARAMETERS and model.typical[p] > 0]
    if model.id in REFERENCE_MODELS and "f_bio" in names:
        names.remove("f_bio")
    if model.dose_dependent:
        names.insert(1 if "f_bio" in names else 0, DOSE_SATURATION if model.dose_saturation_mg > 0 else DOSE_EXPONENT)
    if model.diurnal and clocked:
        names[1 if "f_bio" in names else 0:0] = DIURNAL
    return tuple(names[: max(1, min(len(names), n_observations - 2))])


def _to_x(model: RouteModel, names: Sequence[str]) -> np.ndarray:
    x = []
    for name in names:
        v = FIT_START.get(name, model.typical.get(name, 0.0))
        if name in DIURNAL:
            x.append(0.0)
        elif name == DOSE_EXPONENT:
            x.append(v)
        elif name in PK_FRACTION_PARAMETERS:
            v = min(max(v, 1e-6), 1 - 1e-6)
            x.append(math.log(v / (1 - v)))
        else:
            x.append(math.log(v))
    return np.array(x)


def _bounds(names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Search box in transformed space: rates 0.001-20 /h, lag 0.01-24 h, dose exponent 0-0.95,
    diurnal coefficients -1 to 1, fractions free."""
    low, high = [], []
    for name in names:
        if name in DIURNAL:
            low.append(DIURNAL_BOUNDS[0])
            high.append(DIURNAL_BOUNDS[1])
        elif name == DOSE_EXPONENT:
            low.append(DOSE_EXPONENT_BOUNDS[0])
            high.append(DOSE_EXPONENT_BOUNDS[1])
        elif name == DOSE_SATURATION:
            low.append(math.log(DOSE_SATURATION_BOUNDS_MG[0]))
            high.append(math.log(DOSE_SATURATION_BOUNDS_MG[1]))
        elif name in PK_FRACTION_PARAMETERS:
            low.append(-np.inf)
            high.append(np.inf)
        elif name == "lag_h":
            low.append(math.log(RATE_BOUNDS_LAG_H[0]))
            high.append(math.log(RATE_BOUNDS_LAG_H[1]))
        else:
            low.append(math.log(RATE_BOUNDS_PER_H[0]))
            high.append(math.log(RATE_BOUNDS_PER_H[1]))
    return np.array(low), np.array(high)


def _from_x(names: Sequence[str], x: np.ndarray) -> dict[str, float]:
    out = {}
    for name, xi in zip(names, x):
        if name == DOSE_EXPONENT or name in DIURNAL:
            out[name] = float(xi)
        else:
            out[name] = float(1 / (1 + math.exp(-xi))) if name in PK_FRACTION_PARAMETERS else float(math.exp(xi))
    return out


def with_values(model: RouteModel, values: Mapping[str, float], omega: Mapping[str, float] | None = None) -> RouteModel:
    """A model with fitted typical values (and the dose exponent, the diurnal variation, and
    omegas) replaced."""
    typical = {k: v for k, v in values.items() if k not in (DOSE_EXPONENT, DOSE_SATURATION) and k not in DIURNAL}
    out = model.with_typical(**typical)
    if DOSE_EXPONENT in values:
        out = out.with_dose_exponent(values[DOSE_EXPONENT])
    if DOSE_SATURATION in values:
        out = out.with_dose_saturation(values[DOSE_SATURATION])
    if DIURNAL[0] in values:
        out = out.with_diurnal(*diurnal_amplitude_peak(values[DIURNAL[0]], values[DIURNAL[1]]))
    if omega:
        out = out.with_omega(**omega)
    return out


def diurnal_amplitude_peak(cos_coef: float, sin_coef: float) -> tuple[float, float]:
    """(amplitude, peak clock hour) of the fitted cosine and sine coefficients."""
    return math.hypot(cos_coef, sin_coef), (math.atan2(sin_coef, cos_coef) * 24.0 / (2.0 * math.pi)) % 24.0


def fit_model(model: RouteModel, model_arms: Sequence[PKArm]) -> ModelFit:
    """Least-squares fit of one route model's free parameters to its `fit` arms.

    The typical values are fitted so that each arm's simulated statistic (mean, median or
    geometric mean of its virtual population) matches the reported one. Where fit arms of at
    least MIN_SPREAD_SUBJECTS subjects in all report a spread, the BSV of spread_parameter
    (clearance on the reference route, f_bio elsewhere) is fitted to it (fit_omega) between two
    passes of that fit; otherwise the written BSV is kept."""
    fit_arms = [a for a in model_arms if a.use == "fit"]
    n_obs = sum(len(observed(a)) - cavg_repeats_auc(a) for a in fit_arms)
    names = free_parameters(model, n_obs, clocked=any(a.first_dose_clock_h is not None for a in fit_arms))
    spread_n = sum(a.n_subjects or DEFAULT_ARM_N for a in fit_arms if observed_cv(a))
    spread = spread_parameter(model) if spread_n >= MIN_SPREAD_SUBJECTS else None
    omega = {spread: OMEGA_START} if spread else {}
    low, high = _bounds(names)
    x = np.clip(_to_x(model, names), low + 1e-9, high - 1e-9)
    sol = _fit_typical(with_values(model, {}, omega), fit_arms, names, x)
    if spread:
        omega = fit_omega(with_values(model, _from_x(names, sol.x), omega), fit_arms, spread)
        sol = _fit_typical(with_values(model, {}, omega), fit_arms, names, sol.x)
    return ModelFit(
        model_id=model.id,
        free=names,
        values=_from_x(names, sol.x),
        omega=omega,
        arm_ids=tuple(a.id for a in fit_arms),
        cost=float(sol.cost),
        n_observations=n_obs,
    )


def _fit_typical(base: RouteModel, fit_arms: Sequence[PKArm], names: Sequence[str], x0: np.ndarray):
    def fun(x: np.ndarray) -> np.ndarray:
        m = with_values(base, _from_x(names, x))
        res: list[float] = []
        for a in fit_arms:
            res += residuals(predict_arm(a, m, smooth_tmax=True))
        return np.array(res)

    low, high = _bounds(names)
    return least_squares(fun, x0, bounds=(low, high), method="trf", xtol=1e-8, ftol=1e-8, gtol=1e-8, max_nfev=300)


def spread_parameter(model: RouteModel) -> str | None:
    """The BSV a model's reported spreads are fitted to: clearance for the reference route (F is
    1 by definition, so the spread of exposure is the body's), f_bio for routes with F well below
    1, none for the rest (F near 1 leaves no room for a BSV of F)."""
    if model.id in REFERENCE_MODELS:
        return "cl_l_per_h" if "cl_l_per_h" in model.omega else None
    return "f_bio" if "f_bio" in model.typical and model.typical["f_bio"] <= 0.5 else None


def fit_omega(model: RouteModel, fit_arms: Sequence[PKArm], parameter: str = "f_bio") -> dict[str, float]:
    """BSV of one parameter that best reproduces the reported between-subject CVs of the arms.

    Each reported CV is compared with the virtual population's (predict_arm: the other BSVs as
    written, residual error on single samples) on the log scale, weighted by sqrt(2 (n - 1)),
    the inverse of the approximate standard error of a log CV from n subjects. Bounded to
    OMEGA_FLOOR-OMEGA_CEILING: where the other BSVs and the residual error alone already exceed
    a reported spread, the floor is the answer."""
    spread_arms = [a for a in fit_arms if observed_cv(a)]

    def cost(log_omega: float) -> float:
        m = model.with_omega(**{parameter: math.exp(log_omega)})
        total = 0.0
        for a in spread_arms:
            p = predict_arm(a, m)
            weight = 2.0 * max((a.n_subjects or DEFAULT_ARM_N) - 1, 1)
            total += sum(weight * math.log(p.predicted_cv[k] / cv) ** 2 for k, cv in p.observed_cv.items())
        return total

    sol = minimize_scalar(cost, bounds=(math.log(OMEGA_FLOOR), math.log(OMEGA_CEILING)), method="bounded",
                          options={"xatol": 1e-3})
    return {parameter: round(math.exp(float(sol.x)), 3)}


def calibrate(kb_arms: Iterable[PKArm] | None = None) -> list[ModelFit]:
    """Fit every route model that has `fit` arms, in the order of pk_models.yaml.

    The reference route is fitted first: the clearance BSV its spreads give belongs to the body,
    so every other model is fitted with it (shared_omega)."""
    all_arms = arms(kb_arms)
    by_model: dict[str, list[PKArm]] = {}
    for a in all_arms:
        by_model.setdefault(arm_model(a).id, []).append(a)
    models = [m for m in route_models() if any(a.use == "fit" for a in by_model.get(m.id, []))]
    fits: dict[str, ModelFit] = {}
    shared: dict[str, float] = {}
    for model in sorted(models, key=lambda m: m.id not in REFERENCE_MODELS):
        fit = fit_model(model.with_omega(**shared) if shared else model, by_model[model.id])
        fits[model.id] = fit
        if model.id in REFERENCE_MODELS:
            shared = shared_omega(fits.values())
    return [fits[m.id] for m in models]


def shared_omega(fits: Iterable[ModelFit]) -> dict[str, float]:
    """The disposition BSV fitted on the reference route (empty if it was not fitted)."""
    for f in fits:
        if f.model_id in REFERENCE_MODELS and "cl_l_per_h" in f.omega:
            return {"cl_l_per_h": f.omega["cl_l_per_h"]}
    return {}


def fitted_models(fits: Sequence[ModelFit]) -> dict[str, RouteModel]:
    """Route models with fitted typical values (for predictions before anything is written)."""
    shared = shared_omega(fits)
    out = {m.id: m.with_omega(**shared) for m in route_models() if shared and "cl_l_per_h" in m.omega}
    for f in fits:
        base = out.get(f.model_id) or next(m for m in route_models() if m.id == f.model_id)
        out[f.model_id] = with_values(base, f.values, f.omega)
    return out


def predictions(kb_arms: Iterable[PKArm] | None = None, models: Mapping[str, RouteModel] | None = None) -> list[ArmPrediction]:
    """Predicted against observed exposure of every arm."""
    out = []
    for a in arms(kb_arms):
        base = arm_model(a)
        out.append(predict_arm(a, (models or {}).get(base.id, base)))
    return out


def summarise(preds: Sequence[ArmPrediction]) -> ValidationSummary:
    """Fraction of non-excluded arms within 0.80-1.25 on Cmax and on AUC; the largest fold error."""
    used = [p for p in preds if p.arm.use != "exclude"]
    cmax = [p.ratio("cmax") for p in used if p.ratio("cmax") is not None]
    auc = [p.ratio("auc") for p in used if p.ratio("auc") is not None]
    folds = []
    for p in used:
        for metric in ("cmax", "auc", "cavg", "cmin"):
            r = p.ratio(metric)
            if r is not None:
                folds.append((max(r, 1 / r), p.arm.id))
    worst = max(folds) if folds else (1.0, "")
    over = tuple(dict.fromkeys(arm_id for fold, arm_id in folds if fold > GOAL_MAX_FOLD))
    return ValidationSummary(
        n_cmax=len(cmax),
        n_auc=len(auc),
        within_cmax=_within(cmax),
        within_auc=_within(auc),
        max_fold=float(worst[0]),
        max_fold_arm=worst[1],
        over_2x=over,
    )


def goals_met(preds: Sequence[ArmPrediction]) -> bool:
    """The goal of docs/validation.md: at least GOAL_FRACTION of the scored arms (fitted and
    compared) within GOAL_LOW-GOAL_HIGH on Cmax and on AUC, and no fitted arm off by more than
    GOAL_MAX_FOLD on any metric (compared arms are shown and explained, not bounded)."""
    overall = summarise(preds)
    fitted = summarise([p for p in preds if p.arm.use == "fit"])
    return (overall.within_cmax >= GOAL_FRACTION and overall.within_auc >= GOAL_FRACTION
            and fitted.max_fold <= GOAL_MAX_FOLD)


def _within(ratios: Sequence[float]) -> float:
    if not ratios:
        return 0.0
    return sum(GOAL_LOW <= r <= GOAL_HIGH for r in ratios) / len(ratios)


# --- writing fitted values into pk_models.yaml (text edit: comments and layout survive) -------

_VALUE = re.compile(r"(\{\s*value:\s*)([-+0-9.eE]+)")
_OMEGA = re.compile(r"(omega:\s*)([-+0-9.eE]+)")
_EXPONENT = re.compile(r"(\bexponent:\s*)([-+0-9.eE]+)")
_SATURATION = re.compile(r"(\bhalf_saturation_mg:\s*)([-+0-9.eE]+)")


def _fmt(value: float) -> str:
    text = f"{value:.4g}"
    mantissa, _, exponent = text.partition("e")
    if exponent and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"  # YAML 1.1 reads 1e-05 as a string, 1.0e-05 as a float
    return text


def apply_fits(yaml_text: str, fits: Sequence[ModelFit]) -> str:
    """pk_models.yaml text with fitted values, omegas, `provisional: false` and `fitted_from`."""
    lines = yaml_text.splitlines(keepends=True)
    for f in fits:
        start, end = _entry_span(lines, f.model_id)
        for i in range(start, end):
            stripped = lines[i].lstrip()
            name = stripped.split(":", 1)[0]
            if name in f.values and "value:" in stripped:
                lines[i] = _VALUE.sub(lambda m: m.group(1) + _fmt(f.values[name]), lines[i], count=1)
            if name in f.omega and "omega:" in stripped:
                lines[i] = _OMEGA.sub(lambda m: m.group(1) + _fmt(f.omega[name]), lines[i], count=1)
            if name == "dose_proportionality" and DOSE_EXPONENT in f.values:
                lines[i] = _EXPONENT.sub(lambda m: m.group(1) + _fmt(f.values[DOSE_EXPONENT]), lines[i], count=1)
            if name == "dose_proportionality" and DOSE_SATURATION in f.values:
                lines[i] = _SATURATION.sub(lambda m: m.group(1) + _fmt(f.values[DOSE_SATURATION]), lines[i], count=1)
            if name in ("amplitude", "peak_clock_h") and DIURNAL[0] in f.values:
                amplitude, peak = diurnal_amplitude_peak(f.values[DIURNAL[0]], f.values[DIURNAL[1]])
                value = amplitude if name == "amplitude" else peak
                lines[i] = re.sub(rf"({name}:\s*)([-+0-9.eE]+)", lambda m: m.group(1) + _fmt(value), lines[i], count=1)
        indent = " " * (len(lines[start]) - len(lines[start].lstrip()) + 2)
        fitted_line = f"{indent}fitted_from: [{', '.join(f.arm_ids)}]\n"
        replaced = False
        for i in range(start, end):
            if lines[i].lstrip().startswith("provisional:"):
                lines[i] = f"{indent}provisional: false\n"
            if lines[i].lstrip().startswith("fitted_from:"):
                lines[i] = fitted_line
                replaced = True
        if not replaced:
            at = next((i + 1 for i in range(start, end) if lines[i].lstrip().startswith("provisional:")), end)
            lines.insert(at, fitted_line)
    shared = shared_omega(fits)
    for i, line in enumerate(lines):  # the body's clearance BSV, in every model that has one
        name = line.lstrip().split(":", 1)[0]
        if name in shared and "omega:" in line:
            lines[i] = _OMEGA.sub(lambda m: m.group(1) + _fmt(shared[name]), line, count=1)
    return "".join(lines)


def _entry_span(lines: list[str], model_id: str) -> tuple[int, int]:
    start = next((i for i, line in enumerate(lines) if re.match(rf"\s*- id:\s*{re.escape(model_id)}\s*$", line)), None)
    if start is None:
        raise KeyError(f"pk_models.yaml has no entry {model_id!r}")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*- id:\s*", lines[i])), len(lines))
    return start, end
