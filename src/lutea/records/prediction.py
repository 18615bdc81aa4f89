"""The predicted serum progesterone of a patient's treatments on record (lutea.pk.simulate).

Each treatment contributes the doses recorded under it, or, when none are recorded, the doses
its schedule gives from its start to its stop (or to tomorrow when it has no stop). The typical
person's curve is returned, exogenous progesterone only (no endogenous baseline), read by LC-MS/MS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from lutea.errors import InputError
from lutea.pk.regimen import DoseEvent, parse_regimen, with_product
from lutea.pk.simulate import MAX_DAYS, simulate
from lutea.store import models

MAX_POINTS = 1000  # time points of the timeline's curve


def scheduled_events(treatment: models.Treatment, start: datetime | None, until: datetime) -> list[DoseEvent]:
    """The doses a treatment's schedule gives, as doses of its product (whose formulation picks
    the PK model: Cyclogest 400 mg vaginal is a pessary, not the route's default capsule)."""
    planned = parse_regimen(treatment.schedule, default_start=treatment.start).dose_events(start, until)
    return with_product(planned, treatment.product)


def treatment_events(treatment: models.Treatment, until: datetime) -> list[DoseEvent]:
    """The doses of one treatment: those recorded, else those its schedule gives up to `until`."""
    end = min(treatment.stop or until, until) + timedelta(seconds=1)
    planned = scheduled_events(treatment, treatment.start, end)
    if not treatment.doses or not planned:
        return planned
    template = planned[0]
    return [replace(template, time=d.taken_at, dose_mg=d.dose_mg) for d in treatment.doses if d.taken_at < end]


def predicted_curve(treatments: Sequence[models.Treatment], now: datetime | None = None) -> dict[str, Any] | None:
    """The typical curve of the treatments on record as `lutea simulate --json` gives it, with its
    start time; None without treatments; {"error": ...} when the record cannot be simulated."""
    if not treatments:
        return None
    until = (now or datetime.now(UTC)) + timedelta(days=1)
    try:
        events = sorted((e for t in treatments for e in treatment_events(t, until)), key=lambda e: e.time)
        if not events:
            return None
        start = events[0].time
        span_h = min((max(until, events[-1].time + timedelta(days=1)) - start).total_seconds() / 3600, MAX_DAYS * 24)
        step_h = max(0.5, round(span_h / MAX_POINTS, 2))
        result = simulate(events, days=span_h / 24, start=start, step_h=step_h)
    except InputError as exc:
        return {"error": str(exc)}
    return {"start": start.isoformat(), "context": result.context, **result.as_dict(),
            "sources": list(result.sources)}
