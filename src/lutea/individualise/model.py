"""The structural model of one person (or of a batch of people sharing a regimen).

Parameters are the route models' typical values (scaled to body weight by their exponents)
times exp(eta) (logit scale for fractions), eta ~ N(0, omega^2) from pk_models.yaml, through
lutea.pk.individual_parameters; plus a scale of the context's endogenous baseline,
eta_b ~ N(0, omega_b^2), with omega_b read from the baseline's own percentile band. A measured
level is the exogenous concentration mapped through the assay plus the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from lutea.errors import InputError
from lutea.individualise.estimate import Forward, ResidualError
from lutea.pk import (
    DoseEvent,
    RouteModel,
    dose_groups,
    individual_parameters,
    route_model,
    simulate_hours,
)
from lutea.pk.assay import assay_factor
from lutea.pk.baseline import BaselineContext, baseline_curve
from lutea.timeline import clock_hour

BASELINE = "baseline_scale"


DISPOSITION = ("cl_l_per_h", "v_l")
"""Parameters of the body, not of the route: one random effect across all routes of a person."""


@dataclass(frozen=True)
class Parameter:
    """One estimated random effect and the route-model parameters it moves.

    name: 'cl_l_per_h' (disposition, shared by every route), 'ROUTE:param' (absorption, shared by
    the formulations of one route) or 'baseline_scale'. members: (model id, parameter, omega);
    eta is on the scale of the first member, the others move by omega_m / omega.
    """

    name: str
    members: tuple[tuple[str, str, float], ...]
    omega: float

    @property
    def model_id(self) -> str | None:
        return self.members[0][0] if self.members else None

    @property
    def param(self) -> str:
        return self.members[0][1] if self.members else self.name


def _key(model: RouteModel, name: str) -> str:
    return name if name in DISPOSITION else f"{model.route}:{name}"


def models_of(events: Sequence[DoseEvent]) -> list[RouteModel]:
    """The distinct route models of dose events, in order of first use."""
    seen: dict[str, RouteModel] = {}
    for ev in events:
        model = route_model(ev.route, ev.formulation)
        seen.setdefault(model.id, model)
    return list(seen.values())


@dataclass(frozen=True)
class PersonModel:
    """Route models, weight, context and assay of a person; maps eta to measured levels."""

    models: tuple[RouteModel, ...]
    weight_kg: float | np.ndarray | None
    context: "BaselineContext | str | None"
    assay: str
    t0: datetime
    parameters: tuple[Parameter, ...] = field(default=())

    @classmethod
    def build(cls, models: Sequence[RouteModel], *, weight_kg: float | np.ndarray | None, context: "BaselineContext | str | None",
              assay: str, t0: datetime) -> "PersonModel":
        """Collect the estimable parameters (omega > 0) of the models, then the baseline scale."""
        grouped: dict[str, list[tuple[str, str, float]]] = {}
        for model in models:
            for name, omega in model.omega.items():
                if omega > 0:
                    grouped.setdefault(_key(model, name), []).append((model.id, name, float(omega)))
        params = [Parameter(key, tuple(members), members[0][2]) for key, members in grouped.items()]
        omega_b = baseline_omega(context, t0) if context is not None else 0.0
        if omega_b > 0:
            params.append(Parameter(BASELINE, (), omega_b))
        return cls(tuple(models), weight_kg, context, assay, t0, tuple(params))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def omega(self) -> np.ndarray:
        return np.array([p.omega for p in self.parameters])

    @property
    def residual(self) -> ResidualError:
        """Residual error of a measured level: the largest of the route models' (conservative)."""
        models = self.models
        if not models:
            raise InputError("regimen", "no route model: the person has no dose", "a regimen with at least one dose")
        return ResidualError(max(m.proportional_sd for m in models), max(m.additive_sd_ng_ml for m in models))

    def extended(self, models: Sequence[RouteModel]) -> "PersonModel":
        """The same person with further route models (for candidate regimens).

        Parameters the new models share with fitted ones keep their place (the person's own
        estimate carries over); parameters new to the person go last.
        """
        extra = [m for m in models if m.id not in {x.id for x in self.models}]
        if not extra:
            return self
        grown = PersonModel.build([*self.models, *extra], weight_kg=self.weight_kg, context=self.context,
                                  assay=self.assay, t0=self.t0)
        by_name = {p.name: p for p in grown.parameters}
        old = [by_name[p.name] for p in self.parameters]
        new = [p for p in grown.parameters if p.name not in {q.name for q in self.parameters}]
        return PersonModel(grown.models, self.weight_kg, self.context, self.assay, self.t0, (*old, *new))

    def _weight(self, batch: tuple[int, ...]) -> np.ndarray | None:
        if self.weight_kg is None:
            return None
        return np.broadcast_to(np.asarray(self.weight_kg, dtype=float), batch).reshape(-1)

    def route_parameters(self, eta: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """Per route model id, individual parameter arrays (flattened batch) for eta[..., k]."""
        eta = np.asarray(eta, dtype=float)
        batch = eta.shape[:-1]
        size = int(np.prod(batch)) if batch else 1
        weight = self._weight(batch)
        out: dict[str, dict[str, np.ndarray]] = {}
        etas: dict[str, dict[str, np.ndarray]] = {m.id: {} for m in self.models}
        for i, p in enumerate(self.parameters):
            for model_id, name, omega in p.members:
                etas[model_id][name] = np.broadcast_to(eta[..., i] * (omega / p.omega), batch).reshape(-1)
        for model in self.models:
            values = individual_parameters(model, etas[model.id], weight)
            out[model.id] = {k: np.broadcast_to(v, (size,)) for k, v in values.items()}
        return out

    def values(self, eta: np.ndarray) -> dict[str, np.ndarray]:
        """Individual value of each estimated parameter (natural scale) for eta[..., k]."""
        eta = np.asarray(eta, dtype=float)
        batch = eta.shape[:-1]
        by_model = self.route_parameters(eta)
        out = {}
        for i, p in enumerate(self.parameters):
            if p.model_id is None:
                out[p.name] = np.exp(eta[..., i])
            else:
                out[p.name] = by_model[p.model_id][p.param].reshape(batch)
        return out

    def predict(self, events: Sequence[DoseEvent], times_h: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """Measured level (ng/mL, in this assay) at times_h for eta[..., k]; returns [..., t].

        A trailing people axis of eta's batch shape pairs with an array weight_kg.
        """
        eta = np.asarray(eta, dtype=float)
        batch = eta.shape[:-1]
        size = int(np.prod(batch)) if batch else 1
        times_h = np.asarray(times_h, dtype=float)
        by_model = dose_groups(events, self.t0, self.models)  # this person's models (a study may alter them)
        params = self.route_parameters(eta) if by_model else {}
        total = np.zeros((size, times_h.size))
        for model_id, (model, dose_t, dose_mg) in by_model.items():
            p = params.get(model_id)
            if p is None:  # a route outside this person's model: typical values at the weight
                weight = self._weight(batch)
                p = {k: np.broadcast_to(v, (size,)) for k, v in individual_parameters(model, None, weight).items()}
            conc = simulate_hours([(model, dose_t, dose_mg, p)], times_h, n_subjects=size, clock0_h=clock_hour(self.t0))
            total += assay_factor(model.route, self.assay) * conc
        total = total.reshape(*batch, times_h.size)
        if self.context is not None:
            base = np.asarray(baseline_curve(self.context, times_h, self.t0, quantile=0.5), dtype=float)
            scale = np.ones(batch)
            for i, p in enumerate(self.parameters):
                if p.model_id is None:
                    scale = np.exp(eta[..., i])
            total = total + scale[..., None] * base
        return total

    def forward(self, events: Sequence[DoseEvent], times_h: np.ndarray) -> Forward:
        """The estimation's forward function for people sharing events and sampling times."""

        def fwd(eta: np.ndarray) -> np.ndarray:
            return self.predict(events, times_h, eta)

        return fwd


def baseline_omega(context: "BaselineContext | str", t0: datetime) -> float:
    """Log-SD of the endogenous baseline scale, from the baseline's 50th and 95th percentiles."""
    grid = np.arange(0.0, 24.0 * 28.0, 12.0)
    mid = np.asarray(baseline_curve(context, grid, t0, quantile=0.5), dtype=float)
    high = np.asarray(baseline_curve(context, grid, t0, quantile=0.95), dtype=float)
    ok = (mid > 0) & (high > mid)
    return float(np.median(np.log(high[ok] / mid[ok])) / 1.6448536269514722) if ok.any() else 0.0
