"""What a patient's record says about her doses and levels, for prediction: the doses of each
treatment (recorded, else scheduled, then continued), her serum levels under it, the endogenous
baseline of her episode, and the typical curve of her treatments (lutea.pk.simulate).

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
from lutea.individualise import Level
from lutea.pk.baseline import BaselineContext
from lutea.pk.regimen import DoseEvent, parse_regimen, with_product
from lutea.pk.simulate import MAX_DAYS, simulate
from lutea.store import models
from lutea.timeline import start_of_day

MAX_POINTS = 1000  # time points of the timeline's curve
FIT_DRAWS = 300  # posterior draws of an individual fit from the record
SERUM_SPECIMENS = ("serum", "plasma")


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


def readable_events(treatment: models.Treatment, until: datetime) -> list[DoseEvent]:
    """The doses of a treatment (recorded, else scheduled); none when its schedule cannot be read."""
    try:
        return treatment_events(treatment, until)
    except InputError:
        return []


def continued_events(treatment: models.Treatment, now: datetime, until: datetime) -> list[DoseEvent]:
    """The doses recorded up to `now`, then the treatment's schedule after the last of them up to
    `until` (or its stop): what the person has taken and will take if nothing changes."""
    taken = readable_events(treatment, now)
    end = min(until, treatment.stop) if treatment.stop else until
    try:
        planned = scheduled_events(treatment, None, end)
    except InputError:
        return taken
    last = max((e.time for e in taken), default=None)
    template = taken[-1] if taken else None
    future = [e for e in planned if last is None or e.time > last]
    if template is not None:  # keep the route and formulation the record's doses were read with
        future = [DoseEvent(e.time, e.dose_mg, template.route, template.formulation, template.product) for e in future]
    return taken + future


def baseline_context(episode: models.Episode | None, t0: datetime) -> BaselineContext | None:
    """The endogenous-baseline context of a treatment's episode (None: no endogenous part)."""
    if episode is None:
        return None
    try:
        if episode.kind == "ivf-cycle" and episode.protocol == "hrt-fet":
            return BaselineContext("hrt-fet")
        if episode.kind == "menstrual-cycle":
            start = episode.lmp_date or episode.start_date
            return BaselineContext(
                "natural-cycle", cycle_length_days=float(episode.cycle_length_days or 28),
                cycle_start=start_of_day(start),
                lh_peak=start_of_day(episode.lh_peak_date) if episode.lh_peak_date else None,
            )
        if episode.kind == "pregnancy" and episode.lmp_date:
            weeks = (t0 - start_of_day(episode.lmp_date)).total_seconds() / (7 * 86400)
            return BaselineContext("pregnancy", gestational_weeks=weeks)
    except InputError:
        return None
    return None



def serum_levels(measurements: Sequence[models.Measurement], after: datetime, until: datetime) -> tuple[list[Level], str]:
    serum = [m for m in measurements if m.specimen in SERUM_SPECIMENS and after <= m.sampled_at <= until]
    assays = [m.assay for m in serum if m.assay in ("lcms", "immunoassay")]
    assay = max(set(assays), key=assays.count) if assays else "lcms"
    return [Level(m.sampled_at, m.value_canonical, assay) for m in serum], assay


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
        result = simulate(events, days=span_h / 24, start=start, step_h=step_h,
                          acknowledge_off_label=True)  # her recorded doses: checked as they were stored
    except InputError as exc:
        return {"error": str(exc)}
    return {"start": start.isoformat(), "context": result.context, **result.as_dict(),
            "sources": list(result.sources)}
