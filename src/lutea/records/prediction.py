"""What a patient's record says about her doses and levels, for prediction: the doses of each
treatment (recorded, else scheduled, then continued), her serum levels under it, the endogenous
baseline of her episode, the curve of her latest treatment (individualised from her levels, else
the population's), and the typical curve of her treatments (lutea.pk.simulate).

Each treatment contributes the doses recorded under it, or, when none are recorded, the doses
its schedule gives from its start to its stop (or to tomorrow when it has no stop). The typical
person's curve is exogenous progesterone only, read by LC-MS/MS; her own (endogenous) level of
the episode is given beside it (`endogenous`), so a reader sees both parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from lutea.context import derive, make_context
from lutea.errors import InputError
from lutea.individualise import IndividualFit, Individualiser, Level
from lutea.individualise.model import BASELINE
from lutea.knowledge import load_knowledge
from lutea.knowledge.schema import PROGESTERONE
from lutea.pk.baseline import BaselineContext, baseline_curve, baseline_sources
from lutea.pk.regimen import DoseEvent, parse_regimen, with_product
from lutea.pk.simulate import MAX_DAYS, simulate
from lutea.store import models
from lutea.timeline import EARLIEST, start_of_day

MAX_POINTS = 1000  # time points of the timeline's curve
FIT_DRAWS = 300  # posterior draws of an individual fit from the record
SERUM_SPECIMENS = ("serum", "plasma")
POPULATION = 300  # virtual subjects of a simulated band
CURVE_STEP_H = 1.0


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
        future = [replace(template, time=e.time, dose_mg=e.dose_mg) for e in future]
    return taken + future


def treatment_episode(treatment: models.Treatment, episodes: Sequence[models.Episode]) -> models.Episode | None:
    """The episode a treatment belongs to: the one it names, else the latest of her episodes that
    runs on its start day (a treatment entered without its episode still has her cycle or pregnancy)."""
    if treatment.episode_id is not None:
        return next((e for e in episodes if e.id == treatment.episode_id), None)
    return models.Episode.latest_on(episodes, treatment.start.date())


def gestational_weeks(episode: models.Episode, moment: datetime) -> float | None:
    """Gestational age (weeks) of a pregnancy episode at a moment, from its last menstrual period
    as the core dates it (lutea.context.derive); None when the record does not date it; InputError
    for a moment before that period."""
    if episode.lmp_date is None:
        return None
    derived = derive(make_context(pregnant=True, lmp=episode.lmp_date, sampled_at=moment.date()))
    if derived.gestational_age_days is None:
        return None
    return (derived.gestational_age_days + (moment - start_of_day(moment.date())).total_seconds() / 86400.0) / 7.0


def baseline_context(episode: models.Episode | None, t0: datetime) -> BaselineContext | None:
    """The endogenous-baseline context of a treatment's episode at t0 (None: no endogenous part
    known: no episode, an undated pregnancy, or one earlier than the baseline's first weeks)."""
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
        if episode.kind == "pregnancy":
            weeks = gestational_weeks(episode, t0)
            return None if weeks is None else BaselineContext("pregnancy", gestational_weeks=weeks)
    except InputError:
        return None
    return None


def endogenous_curve(context: BaselineContext | None, times: Sequence[datetime], t0: datetime,
                     scale: float = 1.0) -> dict[str, Any] | None:
    """Her own progesterone (ng/mL) at `times`: the median endogenous level of her context
    (lutea.pk.baseline) times her fitted scale (1: the population's), with its sources."""
    if context is None or context.kind == "none":
        return None
    hours = np.array([(t - t0).total_seconds() / 3600.0 for t in times])
    level = baseline_curve(context, hours, t0, quantile=0.5) * scale
    return {"context": context.kind, "gestational_weeks": context.gestational_weeks,
            "median_ng_ml": [round(float(v), 3) for v in level], "scale": round(float(scale), 3),
            "sources": baseline_sources(context)}


def fitted_scale(fit: IndividualFit) -> float:
    """Her fitted endogenous scale (exp of the baseline's eta; 1 when the fit has none)."""
    for i, p in enumerate(fit.model.parameters):
        if p.name == BASELINE:
            return float(np.exp(fit.eta_[i]))
    return 1.0


def treatment_curve(treatment: models.Treatment, episode: models.Episode | None,
                    measurements: Sequence[models.Measurement], now: datetime) -> dict[str, Any] | None:
    """Her level on a treatment (ng/mL, hourly): individualised from the serum levels measured under
    it when there are any, else the population median with its 5th-95th percentile band; with her
    own (endogenous) level of the episode, which the curve includes, as `endogenous`. None for a
    progestogen, which a progesterone assay does not see."""
    if treatment.start < EARLIEST:  # a row stored before the records' date limits (year 1): no curve
        return None
    if load_knowledge().substance_of(treatment.product) != PROGESTERONE:  # a progestogen adds nothing to serum progesterone
        return None
    horizon = max(now, max((m.sampled_at for m in measurements), default=now)) + timedelta(days=1)
    events = continued_events(treatment, now, horizon)
    if not events:
        return None
    t0 = events[0].time - timedelta(hours=12)
    end = max(events[-1].time + timedelta(days=1), t0 + timedelta(days=2))
    days = min((end - t0).total_seconds() / 86400.0, MAX_DAYS)
    context = baseline_context(episode, t0)
    levels, assay = serum_levels(measurements, events[0].time, end)
    times = [t0 + timedelta(hours=CURVE_STEP_H * i) for i in range(int(days * 24 / CURVE_STEP_H) + 1)]
    if levels:
        try:  # the fit's clock starts at the first dose: her context is taken there
            first = events[0].time
            fit_context = baseline_context(episode, first)
            fit = Individualiser(context=fit_context, assay=assay, n_draws=FIT_DRAWS).fit(events, levels)
            prediction = fit.predict(times, events)
            return _treatment_curve("individualised", times, prediction.median_ng_ml, prediction.low_ng_ml,
                                    prediction.high_ng_ml, assay, [], len(levels),
                                    endogenous_curve(fit_context, times, first, fitted_scale(fit)))
        except (InputError, ValueError, np.linalg.LinAlgError):
            pass  # the population curve below still shows what the regimen gives
    try:
        result = simulate(events, days=days, start=t0, context=context, population=POPULATION, assay=assay,
                          step_h=CURVE_STEP_H, acknowledge_off_label=True)  # her record's doses, checked when stored
    except InputError:
        return None
    times = [result.t0 + timedelta(hours=float(h)) for h in result.times_h]
    return _treatment_curve("simulated", times, result.concentration_ng_ml, result.p5, result.p95, assay,
                            list(result.sources), 0, endogenous_curve(context, times, t0))


def _treatment_curve(kind: str, times: Sequence[datetime], median: Any, low: Any, high: Any, assay: str,
                     sources: list[str], levels_used: int, endogenous: dict[str, Any] | None) -> dict[str, Any]:
    def r(values: Any) -> list[float]:
        return [round(float(v), 3) for v in np.asarray(values)]

    return {"kind": kind, "assay": assay, "t": [t.astimezone(UTC).isoformat() for t in times],
            "median": r(median), "low": r(low), "high": r(high), "sources": sources, "levels_used": levels_used,
            "endogenous": endogenous}


def serum_levels(measurements: Sequence[models.Measurement], after: datetime, until: datetime) -> tuple[list[Level], str]:
    serum = [m for m in measurements if m.specimen in SERUM_SPECIMENS and after <= m.sampled_at <= until]
    assays = [m.assay for m in serum if m.assay in ("lcms", "immunoassay")]
    assay = max(set(assays), key=assays.count) if assays else "lcms"
    return [Level(m.sampled_at, m.value_canonical, assay) for m in serum], assay


def predicted_curve(treatments: Sequence[models.Treatment], now: datetime | None = None,
                    episodes: Sequence[models.Episode] = ()) -> dict[str, Any] | None:
    """The typical curve of the treatments on record as `lutea simulate --json` gives it, with its
    start time, and her own (endogenous) level of the latest treatment's episode on the same clock
    (`endogenous`, None when no episode gives one); None without treatments; {"error": ...} when
    the record cannot be simulated."""
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
    context = baseline_context(treatment_episode(treatments[-1], episodes), start)
    endogenous = endogenous_curve(context, [start + timedelta(hours=float(h)) for h in result.times_h], start)
    return {"start": start.isoformat(), "context": result.context, **result.as_dict(),
            "sources": list(result.sources), "endogenous": endogenous}
