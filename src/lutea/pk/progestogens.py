"""Synthetic progestogens and their metabolites in serum (ng/mL), apart from progesterone.

A serum progesterone assay does not measure dydrogesterone, medroxyprogesterone acetate,
norethisterone, dienogest or levonorgestrel, so a regimen's progestogen doses add nothing to the
progesterone curve a laboratory would report; lutea simulates them as their own analytes where a
label or study gives enough data (progestogen_models.yaml) and says so where it does not.
The models are linear compartment models run by the same engine as the progesterone routes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np

from lutea.knowledge.loader import load_knowledge
from lutea.knowledge.schema import (
    PROGESTERONE,
    ProgestogenModel,
    ProgestogenObservation,
)
from lutea.pk.engine import simulate_hours, unit_response
from lutea.pk.models import RouteModel
from lutea.pk.regimen import DoseEvent
from lutea.timeline import elapsed_hours

VALIDATED_WITHIN = (0.5, 2.0)  # a held-out figure within this fold of the model counts as reproduced



def split_events(events: Sequence[DoseEvent]) -> tuple[list[DoseEvent], list[DoseEvent]]:
    """(progesterone doses, progestogen doses): only the first reach a serum progesterone assay."""
    kb = load_knowledge()
    progesterone = [e for e in events if kb.substance_of(e.product) == PROGESTERONE]
    return progesterone, [e for e in events if kb.substance_of(e.product) != PROGESTERONE]


@dataclass(frozen=True)
class AnalyteModel:
    """One analyte's PK model (knowledge-base entry) as the engine runs it."""

    entry: ProgestogenModel
    engine_model: RouteModel

    @property
    def id(self) -> str:
        return self.entry.id

    def exponentials(self) -> tuple[np.ndarray, np.ndarray]:
        """(coef ng/mL per mg, rate per h) of one dose: C(t) = dose sum coef exp(-rate t)."""
        coef, rate, _lag = unit_response(self.engine_model)
        return np.asarray(coef, dtype=float), np.asarray(rate, dtype=float)


def engine_model(entry: ProgestogenModel, **values: float) -> RouteModel:
    """The engine's RouteModel of an analyte (typical values, optionally replaced)."""
    typical = {k: float(p.value) for k, p in entry.parameters.items()} | {k: float(v) for k, v in values.items()}
    return RouteModel(id=entry.id, route=entry.route, formulation=entry.formulation, absorption=entry.absorption,
                      compartments=entry.compartments, typical=MappingProxyType(typical), sources=tuple(entry.sources),
                      provisional=not entry.validated, note=entry.note, caveat=entry.caveat)


@lru_cache(maxsize=1)
def analyte_models() -> tuple[AnalyteModel, ...]:
    """Every progestogen and metabolite model of the knowledge base, in file order."""
    return tuple(AnalyteModel(e, engine_model(e)) for e in load_knowledge().entries("progestogen_models"))


def models_for(substance: str, route: str) -> list[AnalyteModel]:
    """The analyte models of a substance by a route (parent first); empty when lutea has none."""
    return [m for m in analyte_models() if m.entry.substance == substance and m.entry.route == route]


@dataclass(frozen=True)
class ProgestogenSeries:
    """One progestogen or metabolite over the simulated times, or why it is not simulated."""

    name: str
    label: str
    substance: str
    products: tuple[str, ...]
    concentration_ng_ml: np.ndarray | None
    model: str | None
    validated: bool
    message: str
    sources: tuple[str, ...]
    summary: dict[str, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of one entry of `progestogens` in the simulate output (CLI and API)."""
        conc = None if self.concentration_ng_ml is None else [_r(c) for c in self.concentration_ng_ml]
        return {"label": self.label, "substance": self.substance, "products": list(self.products),
                "concentration_ng_ml": conc, "summary": self.summary, "model": self.model,
                "validated": self.validated, "measured_by_progesterone_assay": False, "message": self.message,
                "sources": list(self.sources)}


def _r(x: float) -> float:
    return float(round(float(x), 4)) + 0.0  # + 0.0: no "-0.0" in the JSON


def assay_caveat(series: Sequence[ProgestogenSeries]) -> str | None:
    """The sentence that says the progesterone curve leaves the progestogens out (None without any)."""
    if not series:
        return None
    names = ", ".join(dict.fromkeys(s.substance.replace("-", " ") for s in series))
    apart = "; ".join(f"{s.label}: Cmax {s.summary['cmax']:.3g} ng/mL" if s.summary else f"{s.label}: not simulated"
                      for s in series)
    return (f"The progesterone curve is serum progesterone as a laboratory reports it: the assay does not measure {names}, "
            f"so those doses add nothing to it. Simulated apart (progestogens): {apart}")


def simulate_progestogens(events: Sequence[DoseEvent], times_h: np.ndarray, t0: datetime) -> list[ProgestogenSeries]:
    """Each progestogen (and metabolite) the dose events give, as typical curves in ng/mL at
    `times_h` hours after t0; a substance or route without a model is listed with why not."""
    by_key: dict[tuple[str, str], list[DoseEvent]] = {}
    kb = load_knowledge()
    for e in events:
        by_key.setdefault((kb.substance_of(e.product), e.route), []).append(e)
    out: list[ProgestogenSeries] = []
    for (substance, route), group in by_key.items():
        products = tuple(dict.fromkeys(e.product for e in group if e.product))
        models = models_for(substance, route)
        if not models:
            out.append(ProgestogenSeries(
                substance, substance.replace("-", " "), substance, products, None, None, False,
                f"{substance} ({route}) is not simulated: lutea has no pharmacokinetic data for it that it could "
                "validate. A serum progesterone assay does not measure it either.", ()))
            continue
        t_h = np.array([elapsed_hours(e.time, t0) for e in group], dtype=float)
        d_mg = np.array([e.dose_mg for e in group], dtype=float)
        for m in models:
            conc = np.asarray(simulate_hours([(m.engine_model, t_h, d_mg, None)], times_h)[0], dtype=float)
            k = int(np.argmax(conc))
            summary = {"cmax": _r(conc[k]), "tmax_h": _r(times_h[k]), "auc_ng_h_ml": _r(float(np.trapezoid(conc, times_h)))}
            out.append(ProgestogenSeries(
                m.entry.analyte, m.entry.label, substance, products, conc, m.id, m.entry.validated,
                f"Model {m.id}: {validation_words(m.id)} {m.entry.caveat}", tuple(m.entry.sources), summary))
    return out


def validation_words(model_id: str) -> str:
    """How far a model's held-out figures are from it, in one sentence (or that none exist)."""
    held_out = [r for r in validation_rows() if r.model == model_id and r.observation.use == "compare"]
    if not held_out:
        return "not validated: no published figure was held out to check it."
    ratios = [r.ratio for r in held_out]
    misses = [r.observation.id for r in held_out if not r.within]
    return (f"checked against {len(held_out)} held-out label figures, model/label {min(ratios):.2f} to {max(ratios):.2f}"
            + (f" (beyond {VALIDATED_WITHIN[1]:g}-fold: {', '.join(misses)})" if misses else "") + ".")


# --- exposure figures of a model, fitting and validation --------------------------------------------

def _single_dose(coef: np.ndarray, rate: np.ndarray, t: np.ndarray) -> np.ndarray:
    return (coef[:, None] * np.exp(-rate[:, None] * t[None, :])).sum(axis=0)


def _steady_state(coef: np.ndarray, rate: np.ndarray, t: np.ndarray, tau: float) -> np.ndarray:
    return (coef[:, None] * np.exp(-rate[:, None] * t[None, :]) / (1.0 - np.exp(-rate[:, None] * tau))).sum(axis=0)


def exposure(model: RouteModel, metric: str, dose_mg: float, interval_h: float | None,
             parent: RouteModel | None = None) -> float:
    """The model's value of one exposure metric (observation units) for dose_mg, once or every interval_h."""
    coef, rate, _ = (np.asarray(a, dtype=float) for a in unit_response(model))
    if metric == "t_half":
        return math.log(2.0) / float(np.min(rate))
    if metric in ("auc_ratio", "cmax_ratio"):
        if parent is None:
            raise ValueError(f"{metric} needs the parent model")
        base = metric.removesuffix("_ratio")
        return exposure(model, base if base == "cmax" else "auc_inf", dose_mg, None) / exposure(
            parent, base if base == "cmax" else "auc_inf", dose_mg, None)
    if metric == "auc_inf" or (metric in ("auc_tau", "cavg") and interval_h is not None):
        auc = dose_mg * float(np.sum(coef / rate))  # at steady state AUC over an interval = single-dose AUC to infinity
        return auc / interval_h if metric == "cavg" and interval_h else auc
    if metric == "steady_state_days":
        tau = interval_h or 24.0
        trough_ss = float(_steady_state(coef, rate, np.array([tau]), tau)[0])
        for k in range(1, 400):
            trough = float(_single_dose(coef * (1.0 - np.exp(-rate * tau * k)) / (1.0 - np.exp(-rate * tau)),
                                        rate, np.array([tau]))[0])
            if trough >= 0.9 * trough_ss:
                return k * tau / 24.0
        return float("inf")
    span = interval_h if interval_h is not None else 48.0
    t = np.linspace(0.0, span, int(span * 200) + 1)
    conc = dose_mg * (_steady_state(coef, rate, t, interval_h) if interval_h is not None else _single_dose(coef, rate, t))
    if metric == "cmax":
        return float(conc.max())
    if metric == "tmax":
        return float(t[int(np.argmax(conc))])
    if metric == "cmin":
        return float(conc.min())
    raise ValueError(f"unknown metric {metric!r}")


@dataclass(frozen=True)
class ValidationRow:
    """One published figure against the model's value (ratio = model / published)."""

    model: str
    observation: ProgestogenObservation
    predicted: float

    @property
    def ratio(self) -> float:
        return self.predicted / self.observation.value

    @property
    def within(self) -> bool:
        return VALIDATED_WITHIN[0] <= self.ratio <= VALIDATED_WITHIN[1]


def _parent_of(entry: ProgestogenModel) -> RouteModel | None:
    if entry.parent is None:
        return None
    return next(m.engine_model for m in analyte_models() if m.entry.analyte == entry.parent
                and m.entry.substance == entry.substance and m.entry.route == entry.route)


def validation_rows() -> list[ValidationRow]:
    """Every published figure of every progestogen model against the model (fitted and held out)."""
    rows = []
    for m in analyte_models():
        parent = _parent_of(m.entry)
        for o in m.entry.observations:
            rows.append(ValidationRow(m.id, o, exposure(m.engine_model, o.metric, o.dose_mg, o.interval_h, parent)))
    return rows


FREE_2CMT = ("ka_per_h", "cl_l_per_h", "v_l", "q_l_per_h", "v2_l")
_FIT_START = {"ka_per_h": 1.0, "cl_l_per_h": 100.0, "v_l": 200.0, "q_l_per_h": 50.0, "v2_l": 500.0}  # not the written values


def fit(entry: ProgestogenModel, *, parent: RouteModel | None = None, fixed: dict[str, float] | None = None,
        vss_prior_l: float | None = None, prior_weight: float = 0.05) -> dict[str, float]:
    """Least-squares fit (log scale) of a two-compartment analyte model to its `use: fit`
    observations; `fixed` holds parameters not fitted, `vss_prior_l` a weak pull of V + V2 towards
    a labelled volume (the tie-break where the figures leave a parameter free). Deterministic."""
    from scipy.optimize import least_squares  # SciPy only when fitting

    fixed = dict(fixed or {})
    free = [k for k in FREE_2CMT if k not in fixed]
    targets = [o for o in entry.observations if o.use == "fit"]

    def residuals(x: np.ndarray) -> list[float]:
        values = fixed | {k: float(v) for k, v in zip(free, np.exp(x))}
        model = engine_model(entry, **values)
        out = [math.log(exposure(model, o.metric, o.dose_mg, o.interval_h, parent) / o.value) for o in targets]
        if vss_prior_l is not None:
            out.append(prior_weight * math.log((values["v_l"] + values["v2_l"]) / vss_prior_l))
        return out

    lower, upper = np.full(len(free), math.log(1e-3)), np.full(len(free), math.log(1e5))
    best = None
    for scale in (1.0, 0.3, 3.0):  # fixed starts, independent of the written values: the fit is reproducible
        start = np.clip(np.log([_FIT_START[k] * scale for k in free]), lower + 1e-9, upper - 1e-9)
        found = least_squares(residuals, start, method="trf", bounds=(lower, upper), max_nfev=3000)
        if best is None or found.cost < best.cost:
            best = found
    assert best is not None
    return fixed | {k: float(v) for k, v in zip(free, np.exp(best.x))}
