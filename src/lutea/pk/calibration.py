"""Calibration of the route models on published study arms, and the validation table.

Each arm (pk_arms.yaml) is simulated exactly as studied: its doses, its reported window, the
endogenous baseline of its population unless the study subtracted it, and its assay (the oral
immunoassay factor for immunoassay arms). Per route model, the typical values of the
absorption parameters and f_bio are fitted by least squares on log Cmax, log AUC, log Cavg,
log Cmin, log reported levels and (half weight) Tmax of the arms marked `fit`. The systemic
disposition (cl_l_per_h, v_l) stays as the engine set it (from the IM arms), as does f_bio of
IM oil (the reference route). Between-subject SD of f_bio is set from the arms' reported CVs.
The fit is deterministic: no random numbers, and it always starts from the same generic point
(FIT_START), never from the values it wrote before, so a rerun reproduces the written numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from lutea.knowledge.loader import load_knowledge
from lutea.knowledge.schema import PK_FRACTION_PARAMETERS, PKArm
from lutea.pk.assay import assay_factor
from lutea.pk.baseline import baseline_curve
from lutea.pk.engine import auc_per_mg, simulate_hours
from lutea.pk.models import RouteModel, route_model, route_models

FIXED_PARAMETERS = ("cl_l_per_h", "v_l", "q_l_per_h", "v2_l")
FREE_ORDER = ("f_bio", "ka_slow_per_h", "ka_per_h", "ktr_per_h", "lag_h")  # frac_fast stays as the engine set it
# Fixed, generic starting point of every fit (numerical settings, not clinical facts): the fit
# never starts from the values it wrote last time, so reruns give the same numbers.
FIT_START = {"f_bio": 0.1, "ka_per_h": 0.5, "ka_slow_per_h": 0.05, "ktr_per_h": 0.5, "frac_fast": 0.5, "lag_h": 1.0}
RATE_BOUNDS_PER_H = (1e-3, 20.0)
RATE_BOUNDS_LAG_H = (1e-2, 24.0)
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

    @property
    def goals_met(self) -> bool:
        return self.within_cmax >= GOAL_FRACTION and self.within_auc >= GOAL_FRACTION and self.max_fold <= GOAL_MAX_FOLD


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


def predict_arm(arm: PKArm, model: RouteModel | None = None, *, smooth_tmax: bool = False) -> ArmPrediction:
    """Simulate one arm with a model (default: its knowledge-base model) and read its metrics.

    smooth_tmax: Tmax as a soft argmax (differentiable, for the fit) instead of the grid argmax."""
    model = model or arm_model(arm)
    n = arm.n_doses
    dose_t = np.arange(n, dtype=float) * (arm.interval_h or 0.0)
    doses = np.full(n, float(arm.dose_mg))
    span = max(arm.window_h, arm.auc_window_h or 0.0, arm.cavg_window_h or 0.0)
    rel = np.arange(0.0, span + GRID_STEP_H / 2, GRID_STEP_H)
    exo = simulate_hours([(model, dose_t, doses, None)], arm.window_start_h + rel)[0]
    exo = exo * assay_factor(arm.route, arm.assay)
    if arm.baseline_subtracted:
        endo = np.zeros_like(rel)
    else:
        endo = baseline_curve(_POPULATION_CONTEXT[arm.population], rel)
    conc = exo + endo
    obs = observed(arm)
    pred: dict[str, float] = {}
    inside = rel <= arm.window_h + 1e-9
    k = int(np.argmax(np.where(inside, conc, -np.inf)))
    pred["cmax"], pred["tmax"] = float(conc[k]), float(rel[k])
    if smooth_tmax:
        w = np.where(inside, np.exp(SOFT_TMAX_SHARPNESS * (conc / max(conc[k], 1e-12) - 1.0)), 0.0)
        pred["tmax"] = float(np.sum(w * rel) / np.sum(w))
    pred["cmin"] = float(np.min(conc[inside]))
    if arm.auc_window_h is not None:
        sel = rel <= arm.auc_window_h + 1e-9
        pred["auc"] = float(np.trapezoid(conc[sel], rel[sel]))
    elif n == 1:
        pred["auc"] = float(auc_per_mg(model) * arm.dose_mg * assay_factor(arm.route, arm.assay))
    cavg_window = arm.cavg_window_h or arm.window_h
    sel = rel <= cavg_window + 1e-9
    pred["cavg"] = float(np.trapezoid(conc[sel], rel[sel]) / rel[sel][-1])
    for name in obs:
        if name.startswith("level@"):
            h = float(name[len("level@") : -1])
            pred[name] = float(np.interp(h, rel, conc))
    return ArmPrediction(arm, model.id, obs, {k: v for k, v in pred.items() if k in obs or k in ("cmax", "tmax", "auc")})


def residuals(prediction: ArmPrediction) -> list[float]:
    """Weighted residuals of one arm (log ratios; Tmax on log(1 + h))."""
    out = []
    for name, obs in prediction.observed.items():
        pred = prediction.predicted[name]
        if name == "tmax":
            out.append(TMAX_WEIGHT * (math.log1p(pred) - math.log1p(obs)))
        else:
            out.append(math.log(max(pred, 1e-9) / obs))
    return out


def free_parameters(model: RouteModel, n_observations: int) -> tuple[str, ...]:
    """Parameters fitted for a model: f_bio and absorption, at most (observations - 2) of them."""
    names = [p for p in FREE_ORDER if p in model.typical and p not in FIXED_PARAMETERS and model.typical[p] > 0]
    if model.id in REFERENCE_MODELS and "f_bio" in names:
        names.remove("f_bio")
    return tuple(names[: max(1, min(len(names), n_observations - 2))])


def _to_x(model: RouteModel, names: Sequence[str]) -> np.ndarray:
    x = []
    for name in names:
        v = FIT_START.get(name, model.typical[name])
        if name in PK_FRACTION_PARAMETERS:
            v = min(max(v, 1e-6), 1 - 1e-6)
            x.append(math.log(v / (1 - v)))
        else:
            x.append(math.log(v))
    return np.array(x)


def _bounds(names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Search box in transformed space: rates 0.001-20 /h, lag 0.01-24 h, fractions free."""
    low, high = [], []
    for name in names:
        if name in PK_FRACTION_PARAMETERS:
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
        out[name] = float(1 / (1 + math.exp(-xi))) if name in PK_FRACTION_PARAMETERS else float(math.exp(xi))
    return out


def fit_model(model: RouteModel, model_arms: Sequence[PKArm]) -> ModelFit:
    """Least-squares fit of one route model's free parameters to its `fit` arms."""
    fit_arms = [a for a in model_arms if a.use == "fit"]
    n_obs = sum(len(observed(a)) for a in fit_arms)
    names = free_parameters(model, n_obs)

    def fun(x: np.ndarray) -> np.ndarray:
        m = model.with_typical(**_from_x(names, x))
        res: list[float] = []
        for a in fit_arms:
            res += residuals(predict_arm(a, m, smooth_tmax=True))
        return np.array(res)

    x0 = _to_x(model, names)
    low, high = _bounds(names)
    sol = least_squares(fun, np.clip(x0, low + 1e-9, high - 1e-9), bounds=(low, high), method="trf", xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=4000)
    values = _from_x(names, sol.x)
    return ModelFit(
        model_id=model.id,
        free=names,
        values=values,
        omega=_omega_from_arms(fit_arms, model),
        arm_ids=tuple(a.id for a in fit_arms),
        cost=float(sol.cost),
        n_observations=n_obs,
    )


def _omega_from_arms(fit_arms: Sequence[PKArm], model: RouteModel) -> dict[str, float]:
    """BSV of f_bio from reported CVs of AUC and Cmax: omega^2 = mean log(1 + CV^2)."""
    if "f_bio" not in model.typical or model.id in REFERENCE_MODELS or model.typical["f_bio"] > 0.5:
        return {}
    terms = []
    for a in fit_arms:
        if a.statistic != "mean":
            continue
        for value, sd in ((a.auc_ng_h_ml, a.auc_sd_ng_h_ml), (a.cmax_ng_ml, a.cmax_sd_ng_ml)):
            if value and sd:
                terms.append(math.log1p((sd / value) ** 2))
    if not terms:
        return {}
    return {"f_bio": round(math.sqrt(sum(terms) / len(terms)), 3)}


def calibrate(kb_arms: Iterable[PKArm] | None = None) -> list[ModelFit]:
    """Fit every route model that has `fit` arms, in the order of pk_models.yaml."""
    all_arms = arms(kb_arms)
    by_model: dict[str, list[PKArm]] = {}
    for a in all_arms:
        by_model.setdefault(arm_model(a).id, []).append(a)
    fits = []
    for model in route_models():
        model_arms = by_model.get(model.id, [])
        if any(a.use == "fit" for a in model_arms):
            fits.append(fit_model(model, model_arms))
    return fits


def fitted_models(fits: Sequence[ModelFit]) -> dict[str, RouteModel]:
    """Route models with fitted typical values (for predictions before anything is written)."""
    out = {}
    for f in fits:
        base = next(m for m in route_models() if m.id == f.model_id)
        out[f.model_id] = base.with_typical(**f.values)
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


def _within(ratios: Sequence[float]) -> float:
    if not ratios:
        return 0.0
    return sum(GOAL_LOW <= r <= GOAL_HIGH for r in ratios) / len(ratios)


# --- writing fitted values into pk_models.yaml (text edit: comments and layout survive) -------

_VALUE = re.compile(r"(\{\s*value:\s*)([-+0-9.eE]+)")
_OMEGA = re.compile(r"(omega:\s*)([-+0-9.eE]+)")


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
    return "".join(lines)


def _entry_span(lines: list[str], model_id: str) -> tuple[int, int]:
    start = next((i for i, line in enumerate(lines) if re.match(rf"\s*- id:\s*{re.escape(model_id)}\s*$", line)), None)
    if start is None:
        raise KeyError(f"pk_models.yaml has no entry {model_id!r}")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*- id:\s*", lines[i])), len(lines))
    return start, end
