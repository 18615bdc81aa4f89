"""Route models: one linear PK model per route and formulation, loaded from pk_models.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from lutea.errors import InputError
from lutea.knowledge.loader import load_knowledge
from lutea.knowledge.schema import PK_FRACTION_PARAMETERS, PKArm

ROUTES = ("oral", "vaginal", "im", "sc", "transdermal", "rectal", "iv")


@dataclass(frozen=True)
class RouteModel:
    """A route/formulation model: structure, typical values, BSV, weight exponents, residual error.

    Parameters (units in names): f_bio (fraction), cl_l_per_h, v_l, ka_per_h, ka_slow_per_h,
    frac_fast (dual absorption), ktr_per_h (transit depot before absorption), q_l_per_h and
    v2_l (two compartments), lag_h.
    """

    id: str
    route: str
    formulation: str
    absorption: str  # "bolus", "first-order", "dual" or "transit"
    compartments: int
    typical: Mapping[str, float]
    omega: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    weight_exponent: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    proportional_sd: float = 0.0
    additive_sd_ng_ml: float = 0.0
    formulations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    provisional: bool = True
    default_for_route: bool = False
    note: str | None = None
    dose_dependent: bool = False  # True: dose_exponent is a model parameter (fitted)
    dose_exponent: float = 0.0  # F per dose event = f_bio * (dose / dose_ref_mg) ** -dose_exponent
    dose_ref_mg: float = 100.0
    dose_saturation_mg: float = 0.0  # > 0: saturable uptake, dose * (dose_ref + K) / (dose + K) (replaces the power law)
    caveat: str | None = None  # a limit of the evidence, shown with plans that use the model
    food_factor: float | None = None  # food effect on F, applied to a dose taken with food (None: not known)
    diurnal: bool = False  # True: the contribution varies with the time of day (fitted)
    diurnal_amplitude: float = 0.0
    diurnal_peak_clock_h: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        """(route, formulation): the key of this model in a params mapping."""
        return (self.route, self.formulation)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self.typical)

    def effective_dose_mg(self, dose_mg: "np.ndarray | float") -> np.ndarray:
        """Dose scaled by the dose-dependent bioavailability of each event (mg; linear: unchanged).

        Applied per dose event, so superposition of events stays exact."""
        d = np.asarray(dose_mg, dtype=float)
        if self.dose_saturation_mg > 0.0:
            k = self.dose_saturation_mg
            return d * (self.dose_ref_mg + k) / (d + k)
        if self.dose_exponent == 0.0:
            return d
        return d * (np.maximum(d, 1e-12) / self.dose_ref_mg) ** (-self.dose_exponent)

    def diurnal_factor(self, clock_h: "np.ndarray | float") -> np.ndarray:
        """Time-of-day factor of this model's contribution at clock hours (mean 1 over a day)."""
        h = np.asarray(clock_h, dtype=float)
        a = self.diurnal_amplitude
        if a == 0.0:
            return np.ones_like(h)
        return np.exp(a * np.cos(2.0 * np.pi * (h - self.diurnal_peak_clock_h) / 24.0)) / np.i0(a)

    def with_diurnal(self, amplitude: float, peak_clock_h: float) -> "RouteModel":
        """A copy with another time-of-day variation (for calibration and tests)."""
        return _replace(self, diurnal_amplitude=float(amplitude), diurnal_peak_clock_h=float(peak_clock_h) % 24.0)

    def fasting_equivalent_mg(self, dose_mg: float, with_food: bool) -> float:
        """The dose this model (whose typical values are a fasting dose's) is given for `dose_mg`
        taken as stated: with food, the dose times the food effect (absorption is linear in the
        dose on routes with a food effect); otherwise the dose. Food on a model without a known
        food effect is refused."""
        if not with_food:
            return dose_mg
        if self.food_factor is None:
            raise InputError("with_food", f"no food effect is known for the {self.id} model",
                             "'with food' on oral progesterone capsules")
        return dose_mg * self.food_factor

    def with_omega(self, **omega: float) -> "RouteModel":
        """A copy with some BSV SDs replaced (for calibration)."""
        return _replace(self, omega=MappingProxyType(dict(self.omega) | {k: float(v) for k, v in omega.items()}))

    def with_dose_exponent(self, exponent: float) -> "RouteModel":
        """A copy with another dose exponent (for calibration and tests)."""
        return _replace(self, dose_exponent=float(exponent))

    def with_dose_saturation(self, half_saturation_mg: float) -> "RouteModel":
        """A copy with another half-saturation dose of saturable uptake (for calibration and tests)."""
        return _replace(self, dose_saturation_mg=float(half_saturation_mg), dose_exponent=0.0)

    def transform(self, name: str) -> str:
        """Scale of the BSV of a parameter: "logit" for fractions, "log" otherwise."""
        return "logit" if name in PK_FRACTION_PARAMETERS else "log"

    def with_typical(self, **values: float) -> "RouteModel":
        """A copy with some typical values replaced (for calibration and tests)."""
        unknown = set(values) - set(self.typical)
        if unknown:
            raise InputError("parameters", f"unknown for {self.id}: {sorted(unknown)}", self.parameter_names)
        merged = dict(self.typical) | {k: float(v) for k, v in values.items()}
        return _replace(self, typical=MappingProxyType(merged))


def _replace(model: RouteModel, **changes: object) -> RouteModel:
    from dataclasses import replace

    return replace(model, **changes)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def route_models() -> tuple[RouteModel, ...]:
    """Every route model in the knowledge base, in file order."""
    models = []
    for entry in load_knowledge().entries("pk_models"):
        params = entry.parameters
        models.append(
            RouteModel(
                id=entry.id,
                route=entry.route,
                formulation=entry.formulation,
                absorption=entry.absorption,
                compartments=entry.compartments,
                typical=MappingProxyType({k: float(p.value) for k, p in params.items()}),
                omega=MappingProxyType({k: float(p.omega) for k, p in params.items() if p.omega > 0}),
                weight_exponent=MappingProxyType(
                    {k: float(p.weight_exponent) for k, p in params.items() if p.weight_exponent}
                ),
                proportional_sd=entry.residual.proportional_sd,
                additive_sd_ng_ml=entry.residual.additive_sd_ng_ml,
                formulations=tuple(dict.fromkeys([entry.formulation, *entry.formulations])),
                sources=tuple(entry.sources),
                provisional=entry.provisional,
                default_for_route=entry.default_for_route,
                note=entry.note,
                dose_dependent=entry.dose_proportionality is not None,
                dose_exponent=entry.dose_proportionality.exponent if entry.dose_proportionality else 0.0,
                dose_ref_mg=entry.dose_proportionality.reference_dose_mg if entry.dose_proportionality else 100.0,
                dose_saturation_mg=(entry.dose_proportionality.half_saturation_mg or 0.0) if entry.dose_proportionality else 0.0,
                caveat=entry.caveat,
                food_factor=entry.food_effect.factor if entry.food_effect else None,
                diurnal=entry.diurnal is not None,
                diurnal_amplitude=entry.diurnal.amplitude if entry.diurnal else 0.0,
                diurnal_peak_clock_h=entry.diurnal.peak_clock_h if entry.diurnal else 0.0,
            )
        )
    return tuple(models)


def route_model(route: str, formulation: str | None = None) -> RouteModel:
    """The model of a route and formulation (None: the route's default formulation)."""
    route = route.strip().lower()
    candidates = [m for m in route_models() if m.route == route]
    if not candidates:
        raise InputError("route", f"no PK model for route {route!r}", sorted({m.route for m in route_models()}))
    if formulation is None:
        for m in candidates:
            if m.default_for_route:
                return m
        return candidates[0]
    wanted = formulation.strip().lower()
    for m in candidates:
        if wanted in m.formulations or wanted == m.id:
            return m
    accepted = [f for m in candidates for f in m.formulations]
    raise InputError("formulation", f"no {route} PK model for formulation {formulation!r}", accepted)


def fitted_arms(model: RouteModel) -> list[PKArm]:
    """The study arms (pk_arms.yaml) a model's `fitted_from` names, in that order."""
    kb = load_knowledge()
    entry = next((e for e in kb.entries("pk_models") if e.id == model.id), None)
    arms = {a.id: a for a in kb.entries("pk_arms")}
    return [arms[i] for i in (entry.fitted_from if entry else []) if i in arms]


def fitted_dose_range_mg(model: RouteModel) -> tuple[float, float] | None:
    """Smallest and largest single dose (mg) of the arms a model was fitted to; None if none."""
    doses = [arm.dose_mg for arm in fitted_arms(model)]
    return (min(doses), max(doses)) if doses else None


def studied_dose_clock_hours(model: RouteModel) -> tuple[float, ...]:
    """Clock hours (0-24) at which the fitted arms that state their clock gave doses; () if none."""
    hours: set[float] = set()
    for arm in fitted_arms(model):
        if arm.first_dose_clock_h is not None:
            hours |= {(arm.first_dose_clock_h + k * (arm.interval_h or 0.0)) % 24.0 for k in range(arm.n_doses)}
    return tuple(sorted(hours))


def resolve_model_key(key: tuple[str, str | None] | str | RouteModel) -> RouteModel:
    """The model named by a params key: (route, formulation), a model id, or the model itself."""
    if isinstance(key, RouteModel):
        return key
    if isinstance(key, str):
        for m in route_models():
            if m.id == key:
                return m
        raise InputError("model", f"unknown PK model id {key!r}", [m.id for m in route_models()])
    route, formulation = key
    return route_model(route, formulation)
