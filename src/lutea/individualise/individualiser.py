"""Individualiser: fit a person's PK from dose history and measured levels; predict any regimen.

Verb set as in scikit-learn/lifelines: settings at construction, ``fit`` returns a new
``IndividualFit`` whose learned values end with ``_``; ``predict`` gives the person's curve
with 90% intervals; ``summary`` says it in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from lutea.errors import InputError
from lutea.individualise.estimate import (
    importance_resample,
    laplace_draws,
    map_estimate,
    metropolis,
)
from lutea.individualise.model import PersonModel, models_of
from lutea.individualise.target import Level, Target, parse_level
from lutea.pk import DoseEvent, Regimen, parse_regimen
from lutea.pk.assay import parse_assay
from lutea.pk.baseline import BaselineContext
from lutea.timeline import after_hours, elapsed_hours

History = str | Regimen | Sequence[DoseEvent]
METHODS = ("laplace-sir", "laplace", "mcmc")
_PERIOD_STEP_H = 1.0  # grid of a target period (h)


def _regimen(history: History) -> Regimen | tuple[DoseEvent, ...]:
    if isinstance(history, str):
        return parse_regimen(history)
    if hasattr(history, "dose_events"):
        return history  # type: ignore[return-value]
    return tuple(sorted(history, key=lambda ev: ev.time))


def events_until(history: Regimen | Sequence[DoseEvent], until: datetime) -> list[DoseEvent]:
    """Dose events of a regimen (or an event list) at or before `until`."""
    if hasattr(history, "dose_events"):
        events = history.dose_events(until=until)  # type: ignore[union-attr]
    else:
        events = history
    return sorted((ev for ev in events if ev.time <= until), key=lambda ev: ev.time)


def hours(times: Sequence[datetime], t0: datetime) -> np.ndarray:
    """Float hours since t0."""
    return np.array([elapsed_hours(t, t0) for t in times], dtype=float)


@dataclass(frozen=True)
class Prediction:
    """A person's predicted serum progesterone (ng/mL, in `assay`) at `times`.

    median_ng_ml: the person's level (posterior median); low/high_ng_ml: 90% interval of a
    measured level (parameter uncertainty and residual error); conc_draws: posterior draws of
    the level itself [draws, times].
    """

    times: tuple[datetime, ...]
    median_ng_ml: np.ndarray
    low_ng_ml: np.ndarray
    high_ng_ml: np.ndarray
    conc_draws: np.ndarray
    assay: str


@dataclass(frozen=True)
class IndividualFit:
    """A fitted person: MAP eta_, Laplace cov_, posterior draws_ (eta space), on PersonModel."""

    model: PersonModel
    history: Regimen | tuple[DoseEvent, ...]
    levels: tuple[Level, ...]
    eta_: np.ndarray
    cov_: np.ndarray
    draws_: np.ndarray
    converged_: bool
    method: str
    seed: int

    @property
    def parameters_(self) -> dict[str, dict[str, Any]]:
        """Per parameter: MAP estimate, 90% credible interval, typical value and prior 90% interval."""
        out: dict[str, dict[str, Any]] = {}
        z90 = 1.6448536269514722
        at_map = self.model.values(self.eta_)
        draws = self.model.values(self.draws_)
        typical = self.model.values(np.zeros_like(self.eta_))
        bounds = self.model.values(np.array([-z90, z90])[:, None] * self.model.omega[None, :])
        for p in self.model.parameters:
            lo, hi = sorted(float(b) for b in bounds[p.name])
            out[p.name] = {
                "estimate": float(at_map[p.name]),
                "ci90": [float(np.quantile(draws[p.name], 0.05)), float(np.quantile(draws[p.name], 0.95))],
                "typical": float(typical[p.name]),
                "prior_ci90": [lo, hi],
            }
        return out

    def history_events(self) -> list[DoseEvent]:
        """The dose events of the history before the last measured level."""
        return events_until(self.history, max(lv.time for lv in self.levels))

    def _draws_for(self, model: PersonModel, rng: np.random.Generator) -> np.ndarray:
        """Posterior draws extended by prior draws for parameters the levels did not inform."""
        k_fit = self.draws_.shape[1]
        extra = model.omega[k_fit:]
        if extra.size == 0:
            return self.draws_
        prior = rng.standard_normal((self.draws_.shape[0], extra.size)) * extra
        return np.concatenate([self.draws_, prior], axis=1)

    def predict(self, times: Sequence[datetime], regimen: History | None = None) -> Prediction:
        """The person's level at `times` on `regimen` (default: the fitted history), 90% intervals."""
        times = tuple(times)
        if not times:
            raise InputError("times", "no prediction times", "one or more date-times")
        plan = self.history if regimen is None else _regimen(regimen)
        events = events_until(plan, max(times))
        model = self.model.extended(models_of(events))
        rng = np.random.default_rng(self.seed + 1)
        draws = self._draws_for(model, rng)
        conc = model.predict(events, hours(times, self.model.t0), draws)
        z = rng.standard_normal((conc.shape[0], 1))  # one residual draw per curve: smooth bands, same marginals
        measured = np.maximum(conc + np.sqrt(model.residual.variance(conc)) * z, 0.0)
        lo, hi = np.quantile(measured, [0.05, 0.95], axis=0)
        return Prediction(times, np.median(conc, axis=0), lo, hi, conc, self.model.assay)

    def target_draws(self, target: Target, events: Sequence[DoseEvent]) -> np.ndarray:
        """Posterior draws of the person's level over a target's time(s) [draws, times] on events."""
        model = self.model.extended(models_of(events))
        rng = np.random.default_rng(self.seed + 1)
        draws = self._draws_for(model, rng)
        return model.predict(events, hours(target_times(target), self.model.t0), draws)

    def summary(self) -> str:
        """The fit in words: levels used, method, and each parameter against its population prior."""
        lines = [f"individual fit ({self.method}) from {len(self.levels)} level(s), assay {self.model.assay}"
                 + ("" if self.converged_ else " (MAP did not fully converge)")]
        for name, p in self.parameters_.items():
            lines.append(f"  {name}: {p['estimate']:.4g} (90% {p['ci90'][0]:.4g} to {p['ci90'][1]:.4g}); "
                         f"population {p['typical']:.4g} (90% {p['prior_ci90'][0]:.4g} to {p['prior_ci90'][1]:.4g})")
        return "\n".join(lines)


def target_times(target: Target) -> list[datetime]:
    """The time(s) a target is checked at: its time, or an hourly grid over its period."""
    if target.is_point:
        return [target.start]
    span_h = elapsed_hours(target.end, target.start)
    steps = np.append(np.arange(0.0, span_h, _PERIOD_STEP_H), span_h)
    return [after_hours(target.start, float(h)) for h in steps]


class Individualiser:
    """Bayesian individualisation of progesterone PK from measured levels (MAP + Laplace or MCMC).

    context: endogenous baseline context (e.g. "hrt-fet"); assay: "lcms" or "immunoassay" of the
    levels; weight_kg: body weight (covariate of the route models); method: "laplace-sir"
    (Laplace draws corrected to the exact posterior by importance resampling; default),
    "laplace" (the Gaussian approximation alone) or "mcmc" (random-walk Metropolis);
    n_draws: posterior draws.
    """

    def __init__(self, *, context: BaselineContext | str | None = "hrt-fet", assay: str = "lcms", weight_kg: float | None = None,
                 method: str = "laplace-sir", n_draws: int = 1000, seed: int = 0):
        assay = parse_assay(assay)
        if method not in METHODS:
            raise InputError("method", f"unknown method {method!r}", METHODS)
        if weight_kg is not None and not (20.0 <= float(weight_kg) <= 300.0):
            raise InputError("weight_kg", f"{weight_kg} kg is outside 20 to 300 kg", "a body weight in kg")
        self.context = context
        self.assay = assay
        self.weight_kg = weight_kg
        self.method = method
        self.n_draws = int(n_draws)
        self.seed = int(seed)

    def fit(self, history: History, levels: Sequence[Level | str]) -> IndividualFit:
        """Estimate the person's parameters from dose history and one or more measured levels."""
        parsed = tuple(lv if isinstance(lv, Level) else parse_level(lv, assay=self.assay) for lv in levels)
        if not parsed:
            raise InputError("level", "no measured level", "one or more TIME=VALUE UNIT")
        plan = _regimen(history)
        last = max(lv.time for lv in parsed)
        events = events_until(plan, last)
        first_times = [ev.time for ev in events] + [lv.time for lv in parsed]
        t0 = min(first_times)
        # route models of the whole history: doses after the levels add no information but
        # their routes give the residual error and stay at the population prior
        horizon = events_until(plan, last + timedelta(days=60))
        model = PersonModel.build(models_of(events + horizon), weight_kg=self.weight_kg, context=self.context,
                                  assay=self.assay, t0=t0)
        if not model.parameters:
            raise InputError("regimen", "nothing to estimate: no dose before the levels and no context", "a regimen or a context")
        times_h = hours([lv.time for lv in parsed], t0)
        y = np.array([[lv.conc_ng_ml for lv in parsed]])
        mask = np.ones_like(y, dtype=bool)
        forward = model.forward(events, times_h)
        result = map_estimate(forward, y, mask, model.omega, model.residual)
        eta, cov = result.eta[0], result.cov[0]
        rng = np.random.default_rng(self.seed)
        if self.method == "mcmc":
            chain = metropolis(forward, y[0], mask[0], model.omega, model.residual, eta, cov, rng)
            pick = rng.choice(chain.draws.shape[0], size=min(self.n_draws, chain.draws.shape[0]), replace=False)
            draws = chain.draws[pick]
        elif self.method == "laplace-sir":
            draws = importance_resample(forward, y, mask, model.omega, model.residual, eta[None], cov[None],
                                        self.n_draws, rng)[0][:, 0]
        else:
            draws = laplace_draws(eta[None], cov[None], self.n_draws, rng)[:, 0]
        return IndividualFit(model, plan, parsed, eta, cov, draws, bool(result.converged[0]), self.method, self.seed)
