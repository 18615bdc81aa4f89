"""Virtual populations: log-normal between-subject variability, a weight covariate, and
summaries of a simulated population (quantiles, fraction below or above a threshold)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from lutea.errors import InputError
from lutea.pk.models import RouteModel

REFERENCE_WEIGHT_KG = 70.0


def individual_parameters(
    model: RouteModel,
    eta: Mapping[str, np.ndarray | float] | None = None,
    weight_kg: np.ndarray | float | None = None,
) -> dict[str, np.ndarray]:
    """Parameters of individuals from random effects eta (log or logit scale) and body weight.

    theta_i = typical * (weight/70)^exponent * exp(eta) (log scale); fractions use logit(theta)+eta.
    """
    out: dict[str, np.ndarray] = {}
    for name, typical in model.typical.items():
        e = np.asarray((eta or {}).get(name, 0.0), dtype=float)
        if model.transform(name) == "logit":
            p = min(max(typical, 1e-12), 1 - 1e-12)
            value = 1.0 / (1.0 + np.exp(-(np.log(p / (1 - p)) + e)))
        else:
            value = typical * np.exp(e)
        exponent = model.weight_exponent.get(name)
        if exponent and weight_kg is not None:
            value = value * (np.asarray(weight_kg, dtype=float) / REFERENCE_WEIGHT_KG) ** exponent
        out[name] = np.asarray(value, dtype=float)
    return out


def sample_parameters(
    models: RouteModel | Iterable[RouteModel],
    n_subjects: int,
    rng: np.random.Generator | int | None = None,
    weight_kg: np.ndarray | float | None = None,
    *,
    shared: Sequence[str] = (),
) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """Per model key, parameter arrays of n_subjects drawn with log-normal (logit-normal for
    fractions) BSV omega and the weight covariate. `shared` names parameters (e.g. cl_l_per_h)
    whose random effect is the same for a subject across models (one body, several routes)."""
    if n_subjects < 1:
        raise InputError("n_subjects", f"{n_subjects} subjects", "an integer >= 1")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    model_list = [models] if isinstance(models, RouteModel) else list(models)
    if weight_kg is not None and np.any(np.asarray(weight_kg) <= 0):
        raise InputError("weight_kg", "weight must be positive", "kg > 0")
    common: dict[str, np.ndarray] = {}
    out: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for model in model_list:
        eta = {}
        for name in model.typical:
            omega = model.omega.get(name, 0.0)
            if omega <= 0:
                continue
            if name in shared:
                if name not in common:
                    common[name] = gen.standard_normal(n_subjects)
                eta[name] = omega * common[name]
            else:
                eta[name] = omega * gen.standard_normal(n_subjects)
        params = individual_parameters(model, eta, weight_kg)
        out[model.key] = {k: np.broadcast_to(v, (n_subjects,)).copy() for k, v in params.items()}
    return out


def quantiles(conc_ng_ml: np.ndarray, q: Sequence[float] | float = (0.05, 0.5, 0.95)) -> np.ndarray:
    """Quantiles across subjects (axis 0) at each time: shape (len(q), n_times) or (n_times,)."""
    return np.quantile(np.asarray(conc_ng_ml), q, axis=0)


def fraction_below(conc_ng_ml: np.ndarray, threshold_ng_ml: float) -> np.ndarray:
    """Fraction of subjects strictly below a threshold at each time (n_times,)."""
    return np.mean(np.asarray(conc_ng_ml) < threshold_ng_ml, axis=0)


def fraction_above(conc_ng_ml: np.ndarray, threshold_ng_ml: float) -> np.ndarray:
    """Fraction of subjects strictly above a threshold at each time (n_times,)."""
    return np.mean(np.asarray(conc_ng_ml) > threshold_ng_ml, axis=0)


def add_residual_error(
    conc_ng_ml: np.ndarray, model: RouteModel, rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """Simulated measurements: conc * (1 + prop*e1) + add*e2, floored at 0 (ng/mL)."""
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    c = np.asarray(conc_ng_ml, dtype=float)
    noisy = c * (1 + model.proportional_sd * gen.standard_normal(c.shape))
    noisy += model.additive_sd_ng_ml * gen.standard_normal(c.shape)
    return np.maximum(noisy, 0.0)


def residual_sd(conc_ng_ml: np.ndarray | float, model: RouteModel) -> np.ndarray:
    """SD of a measurement around a predicted level (ng/mL): sqrt((prop*C)^2 + add^2)."""
    c = np.asarray(conc_ng_ml, dtype=float)
    return np.sqrt((model.proportional_sd * c) ** 2 + model.additive_sd_ng_ml**2)
