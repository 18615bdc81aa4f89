"""Balancing: rank candidate regimens by the probability that the person meets a target.

Candidates come from the knowledge base (balancing_scenarios.yaml): labelled regimens of
products whose indication fits the scenario, and recognised additions to the current regimen
(e.g. 25 mg SC progesterone daily as rescue). Ranking: probability of meeting the target in
bands of 5 percentage points, then fewer administrations a day, lower total daily dose, and the
current route first. Dose options are for the clinician role only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from lutea.errors import InputError
from lutea.individualise.individualiser import IndividualFit, events_until
from lutea.individualise.model import models_of
from lutea.individualise.target import Target
from lutea.knowledge import load_knowledge
from lutea.pk import DoseEvent, route_model
from lutea.pk.assay import assay_sources
from lutea.pk.baseline import BaselineContext, as_context
from lutea.pk.simulate import evidence_caveats
from lutea.timeline import after_hours, elapsed_hours

ROLES = ("clinician", "patient")
P_BAND = 0.05  # candidates whose probabilities differ by less than one band rank by burden
PATIENT_MESSAGE = (
    "Your result has been compared with the expected level for your treatment. Please discuss "
    "it with your clinician before changing anything: only they can decide whether your dose "
    "should change."
)


@dataclass(frozen=True)
class Candidate:
    """One regimen the clinician might choose from the change time on, with its sources."""

    id: str
    label: str
    regimen: str
    kind: str  # "continue", "labelled" or "addition"
    events: tuple[DoseEvent, ...]
    routes: tuple[str, ...]
    administrations_per_day: float
    dose_mg_per_day: float
    sources: tuple[str, ...]
    caveats: tuple[str, ...] = ()
    """Limits of the PK evidence behind the prediction (provisional or extrapolated models)."""
    start: datetime | None = None
    """The first dose at or after the change time (the next dose the clinician would give)."""


@dataclass(frozen=True)
class RankedCandidate:
    """A candidate with the person's predicted level at the target and P(target met)."""

    candidate: Candidate
    predicted_ng_ml: float
    ci90_ng_ml: tuple[float, float]
    p_target: float
    same_route: bool

    def to_json(self) -> dict[str, Any]:
        c = self.candidate
        return {
            "id": c.id,
            "regimen": c.regimen,
            "label": c.label,
            "kind": c.kind,
            "predicted": round(self.predicted_ng_ml, 2),
            "ci90": [round(self.ci90_ng_ml[0], 2), round(self.ci90_ng_ml[1], 2)],
            "p_target": round(self.p_target, 3),
            "administrations_per_day": round(c.administrations_per_day, 2),
            "dose_mg_per_day": round(c.dose_mg_per_day, 1),
            "same_route": self.same_route,
            "sources": list(c.sources),
            "caveats": list(c.caveats),
            "start": c.start.isoformat() if c.start else None,
            "products": list(dict.fromkeys(ev.product for ev in c.events
                                           if ev.product and (c.start is None or ev.time >= c.start))),
        }


def _schedule(dose_mg: float, interval_h: float, route: str, formulation: str, product: str | None,
              start: datetime, end: datetime) -> list[DoseEvent]:
    count = int(math.floor(elapsed_hours(end, start) / interval_h)) + 1
    return [DoseEvent(after_hours(start, interval_h * i), dose_mg, route, formulation, product) for i in range(count)
            if interval_h * i <= elapsed_hours(end, start)]


def _formulation(route: str, formulation: str | None) -> str:
    """The formulation a route model knows (the route's default when it has none for this one)."""
    try:
        return route_model(route, formulation).formulation if formulation else route_model(route).formulation
    except InputError:
        return route_model(route).formulation


def _current_burden(current: Sequence[DoseEvent], change_at: datetime) -> tuple[float, float]:
    """Administrations and mg in the 24 h before the change: the current regimen's daily burden."""
    window = [ev for ev in current if -24.0 <= elapsed_hours(ev.time, change_at) < 0.0]
    return float(len(window)), float(sum(ev.dose_mg for ev in window))


def _next_dose(current: Sequence[DoseEvent], change_at: datetime) -> datetime:
    """The first current dose at or after the change (a switch keeps the dosing clock), else the change."""
    later = [ev.time for ev in current if ev.time >= change_at]
    return min(later) if later else change_at


def _same_doses(a: Sequence[DoseEvent], b: Sequence[DoseEvent]) -> bool:
    """Whether two dose lists give the same doses at the same times by the same route model."""
    def key(ev: DoseEvent) -> tuple[datetime, float, str]:
        return ev.time, ev.dose_mg, route_model(ev.route, ev.formulation).id

    return sorted(map(key, a)) == sorted(map(key, b))


def _text(dose_mg: float, interval_h: float, route: str, formulation: str, start: datetime) -> str:
    return f"{dose_mg:g} mg {route} {formulation} q{interval_h:g}h from {start.isoformat()}"


def scenarios_for(context: BaselineContext | str | None) -> list[Any]:
    """The balancing scenarios of a context (knowledge base)."""
    if context is None:
        return []
    kind = as_context(context).kind
    return [s for s in load_knowledge().entries("balancing_scenarios") if kind in s.contexts]


def candidates(fit: IndividualFit, change_at: datetime, end: datetime, current_text: str,
               current_sources: Sequence[str] = ()) -> list[Candidate]:
    """Continue the current regimen, switch to a labelled regimen, or add a recognised addition.

    A switch starts at the next current dose at or after `change_at` (the dosing clock is kept);
    an addition starts at `change_at`.
    """
    kb = load_knowledge()
    current = events_until(fit.history, end + timedelta(seconds=1))
    after = [ev for ev in current if ev.time >= change_at]
    switch_at = _next_dose(current, change_at)
    now_per_day, now_mg_day = _current_burden(current, change_at)
    out: list[Candidate] = []

    def make(cid: str, label: str, text: str, kind: str, events: list[DoseEvent], per_day: float, mg_day: float,
             sources: Sequence[str]) -> None:
        routes = tuple(dict.fromkeys(ev.route for ev in events if ev.time >= change_at))
        ahead = [ev for ev in events if ev.time >= change_at]
        out.append(Candidate(cid, label, text, kind, tuple(sorted(events, key=lambda e: e.time)), routes,
                             per_day, mg_day, tuple(dict.fromkeys(sources)), evidence_caveats(ahead),
                             min((ev.time for ev in ahead), default=None)))

    make("continue", "continue the current regimen", current_text, "continue", current, now_per_day, now_mg_day,
         current_sources)
    seen: set[tuple[float, float, str, str]] = set()
    for scenario in scenarios_for(fit.model.context):
        for product in kb.entries("products"):
            if product.substance != "progesterone":
                continue  # balancing ranks serum progesterone, which a progestogen does not give
            for reg in product.labelled_regimens:
                if not any(ind.lower() in reg.indication.lower() for ind in scenario.indications):
                    continue
                formulation = _formulation(reg.route, product.formulation)
                key = (reg.dose_mg, reg.interval_h, reg.route, formulation)
                if key in seen:
                    continue
                seen.add(key)
                new = _schedule(reg.dose_mg, reg.interval_h, reg.route, formulation, product.id, switch_at, end)
                if _same_doses(new, [ev for ev in current if ev.time >= switch_at]):
                    continue  # the labelled regimen is what the person already takes
                make(f"{product.id}-{reg.route}-{reg.dose_mg:g}mg-q{reg.interval_h:g}h",
                     f"{product.names[0]}: {reg.indication}",
                     _text(reg.dose_mg, reg.interval_h, reg.route, formulation, switch_at), "labelled",
                     [ev for ev in current if ev.time < switch_at] + new,
                     24.0 / reg.interval_h, reg.dose_mg * 24.0 / reg.interval_h, reg.sources)
        for add in scenario.additions:
            if add.kind == "double-current":
                if not after:
                    continue
                extra = list(after)
                text = f"{current_text} + the same again from {change_at.isoformat()} (dose doubled)"
                per_day, mg_day = 2 * now_per_day, 2 * now_mg_day
            else:
                formulation = _formulation(add.route, add.formulation)
                extra = _schedule(add.dose_mg, add.interval_h, add.route, formulation, add.product, change_at, end)
                text = f"{current_text} + {_text(add.dose_mg, add.interval_h, add.route, formulation, change_at)}"
                per_day = now_per_day + 24.0 / add.interval_h
                mg_day = now_mg_day + add.dose_mg * 24.0 / add.interval_h
            make(add.id, add.label, text, "addition", current + extra, per_day, mg_day,
                 [*add.sources, *scenario.sources])
    return out


def rank(fit: IndividualFit, target: Target, options: Sequence[Candidate]) -> list[RankedCandidate]:
    """P(target met) and the predicted level of each candidate, best first (see module doc)."""
    current_routes = {ev.route for ev in fit.history_events()}
    ranked = []
    for c in options:
        conc = fit.target_draws(target, c.events)  # [draws, times]
        p = float(np.mean(target.met(conc)))
        stat = _statistic(target, conc)
        if target.is_point:
            residual = fit.model.extended(models_of(c.events)).residual
            measured = residual.draw(stat, np.random.default_rng(fit.seed + 2))
            lo, hi = np.quantile(measured, [0.05, 0.95])
        else:
            lo, hi = np.quantile(stat, [0.05, 0.95])
        same = set(c.routes) <= current_routes if c.routes else True
        ranked.append(RankedCandidate(c, float(np.median(stat)), (float(lo), float(hi)), p, same))
    ranked.sort(key=lambda r: (-math.floor(r.p_target / P_BAND + 1e-9), r.candidate.administrations_per_day,
                               r.candidate.dose_mg_per_day, not r.same_route))
    return ranked


def _statistic(target: Target, conc: np.ndarray) -> np.ndarray:
    """Per draw: the level at a point target; over a period the level that matters for the bound.

    A lower bound is judged by the lowest level, an upper bound by the highest; for a window with
    both, the highest level where it breaks the upper bound, else the lowest.
    """
    if target.is_point:
        return conc[:, 0]
    lowest, highest = conc.min(axis=1), conc.max(axis=1)
    if target.high_ng_ml is None:
        return lowest
    if target.low_ng_ml is None:
        return highest
    return np.where(highest > target.high_ng_ml, highest, lowest)


def change_time(fit: IndividualFit, change_at: datetime | None) -> datetime:
    """When a new regimen could start: given, else the hour after the last measured level."""
    if change_at is not None:
        return change_at
    last = max(lv.time for lv in fit.levels)
    return last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def balance_report(fit: IndividualFit, target: Target, *, role: str = "clinician", change_at: datetime | None = None,
                   current_text: str = "current regimen", current_sources: Sequence[str] = ()) -> dict[str, Any]:
    """The individualisation result every shell prints: parameters, prediction, candidates.

    For role "patient" no regimen or dose appears, only the prediction and a message to discuss
    the result with the clinician.
    """
    if role not in ROLES:
        raise InputError("role", f"unknown role {role!r}", ROLES)
    change = change_time(fit, change_at)
    end = target.end
    if end <= change:
        change = min(change, target.start)
    options = candidates(fit, change, end, current_text, current_sources)
    ranked = rank(fit, target, options)
    current = next(r for r in ranked if r.candidate.kind == "continue")
    prediction = {
        "at_target": round(current.predicted_ng_ml, 2),
        "ci90": [round(current.ci90_ng_ml[0], 2), round(current.ci90_ng_ml[1], 2)],
        "p_target": round(current.p_target, 3),
        "target": target.describe(),
        "assay": fit.model.assay,
        "assay_sources": assay_sources(sorted({m.route for m in fit.model.models}), fit.model.assay),
    }
    out: dict[str, Any] = {"role": role, "knowledge_version": load_knowledge().version, "prediction": prediction}
    if role == "patient":
        out["message"] = PATIENT_MESSAGE
        return out
    out["parameters"] = fit.parameters_
    out["levels_used"] = len(fit.levels)
    out["method"] = fit.method
    out["change_at"] = change.isoformat()
    out["candidates"] = [r.to_json() for r in ranked]
    out["target_sources"] = list(target.sources)
    return out
