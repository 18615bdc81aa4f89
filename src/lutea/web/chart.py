"""The data behind a patient's timeline chart: measured levels in both units, the reference band of
each interpreted result, dose markers, and the predicted curve (individualised when the record has
serum levels under the treatment, else the population simulation) with its 90% band.

Everything clinical comes from the core: lutea.units for conversions, the stored interpretations
for reference intervals, lutea.pk.simulate and lutea.individualise for the curves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from lutea.knowledge.schema import PROGESTERONE
from lutea.pk.progestogens import substance_of
from lutea.records.prediction import (
    FIT_DRAWS,
    SERUM_SPECIMENS,
    baseline_context,
    continued_events,
    serum_levels,
)
from lutea.records.prediction import readable_events as treatment_events
from lutea.errors import InputError
from lutea.cutoffs import transfer_day_cutoff
from lutea.individualise import Individualiser
from lutea.pk.simulate import MAX_DAYS, simulate
from lutea.store import models
from lutea.timeline import EARLIEST
from lutea.units import Specimen, from_canonical, to_canonical

NMOL_PER_NG = from_canonical(1.0, "nmol/L", Specimen.SERUM)  # nmol/L per ng/mL (lutea.units)
BAND_HALF_WIDTH = timedelta(hours=12)  # a result's reference band is drawn over its sampling day
POPULATION = 300  # virtual subjects of the simulated band
CURVE_STEP_H = 1.0
CHART_WINDOW = timedelta(days=365)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def predicted_curve(
    treatment: models.Treatment, episode: models.Episode | None, measurements: Sequence[models.Measurement],
    now: datetime, product_name: str | None = None,
) -> dict[str, Any] | None:
    """The curve of a treatment, individualised from serum levels measured under it when there are
    any, else the population median with its 5th-95th percentile band (ng/mL)."""
    if treatment.start < EARLIEST:  # a row stored before the records' date limits (year 1): no curve
        return None
    if substance_of(treatment.product) != PROGESTERONE:  # a progestogen adds nothing to serum progesterone
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
    if levels:
        try:
            fit = Individualiser(context=context, assay=assay, n_draws=FIT_DRAWS).fit(events, levels)
            n = int(days * 24 / CURVE_STEP_H) + 1
            times = [t0 + timedelta(hours=CURVE_STEP_H * i) for i in range(n)]
            prediction = fit.predict(times, events)
            return _curve("individualised", times, prediction.median_ng_ml, prediction.low_ng_ml,
                          prediction.high_ng_ml, f"{product_name or treatment.product}: individualised from {len(levels)} level(s)",
                          assay)
        except (InputError, ValueError, np.linalg.LinAlgError):
            pass  # the population curve below still shows what the regimen gives
    try:
        result = simulate(events, days=days, start=t0, context=context, population=POPULATION, assay=assay,
                          step_h=CURVE_STEP_H, acknowledge_off_label=True)  # her record's doses, checked when stored
    except InputError:
        return None
    times = [result.t0 + timedelta(hours=float(h)) for h in result.times_h]
    return _curve("simulated", times, result.concentration_ng_ml, result.p5, result.p95,
                  f"{product_name or treatment.product}: population median", assay, list(result.sources))


def _curve(kind: str, times: Sequence[datetime], median: Any, low: Any, high: Any, label: str, assay: str,
           sources: list[str] | None = None) -> dict[str, Any]:
    def r(values: Any) -> list[float]:
        return [round(float(v), 3) for v in np.asarray(values)]

    return {"kind": kind, "label": label, "assay": assay, "t": [_iso(t) for t in times],
            "median": r(median), "low": r(low), "high": r(high), "sources": sources or []}


def reference_band(measurement: models.Measurement, interval: dict[str, Any] | None) -> dict[str, Any] | None:
    """The reference interval a stored interpretation used, in ng/mL, over the sampling day."""
    if not interval or measurement.specimen not in SERUM_SPECIMENS:
        return None
    specimen = Specimen(interval.get("specimen") or measurement.specimen)
    unit = interval.get("unit") or "ng/mL"
    low = to_canonical(interval["low"], unit, specimen) if interval.get("low") is not None else 0.0
    high = to_canonical(interval["high"], unit, specimen) if interval.get("high") is not None else None
    return {"t0": _iso(measurement.sampled_at - BAND_HALF_WIDTH), "t1": _iso(measurement.sampled_at + BAND_HALF_WIDTH),
            "low": round(low, 3), "high": round(high, 3) if high is not None else None,
            "label": interval.get("label") or interval.get("id", "reference interval")}


def context_thresholds(episode: models.Episode | None, treatment: models.Treatment | None,
                       patient: bool) -> list[dict[str, Any]]:
    """The threshold lines of her context, in ng/mL: the transfer-day cut-off of her protocol and
    route (lutea.cutoffs), labelled with its value and sources."""
    if episode is None or not episode.protocol:
        return []
    cutoff = transfer_day_cutoff(episode.protocol, treatment.route if treatment else None)
    if cutoff is None:
        return []
    ng_ml = to_canonical(cutoff.value, cutoff.unit, Specimen(cutoff.specimen))
    if patient:
        label = f"transfer-day level ({cutoff.value:g} {cutoff.unit})"
    else:
        label = f"transfer-day cut-off {cutoff.value:g} {cutoff.unit} ({', '.join(cutoff.sources)})"
    return [{"ng_ml": round(ng_ml, 3), "label": label, "id": cutoff.id}]


def chart_window(measurements: Sequence[models.Measurement], now: datetime) -> datetime:
    """The earliest time the chart shows: a year before the newest result (or now), so a result
    dated years earlier (a typing slip such as 1900) stays in the table without stretching the axis."""
    newest = max((m.sampled_at for m in measurements), default=now)
    return min(newest, now) - CHART_WINDOW


def chart_data(
    measurements: Sequence[models.Measurement],
    interpretations: dict[int, dict[str, Any]],
    treatments: Sequence[models.Treatment],
    curve: dict[str, Any] | None,
    now: datetime,
    *,
    show_doses_mg: bool,
    thresholds: Sequence[dict[str, Any]] = (),
    product_names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the timeline chart draws, in ng/mL, with the factor to nmol/L for the toggle.
    Patients (show_doses_mg False) get plain words for every label and no dose amounts."""
    names = product_names or {}
    patient = not show_doses_mg
    since = chart_window(measurements, now)
    points, bands, left_out = [], [], 0
    for m in measurements:
        if m.specimen not in SERUM_SPECIMENS or m.sampled_at < EARLIEST:  # before 1900: a row from before the limits
            continue
        if m.sampled_at < since:
            left_out += 1
            continue
        result = interpretations.get(m.id, {})
        severities = [f.get("severity") for f in result.get("findings", [])]
        worst = next((s for s in ("urgent", "advise", "info") if s in severities), "none")
        points.append({"t": _iso(m.sampled_at), "ng_ml": round(m.value_canonical, 3), "severity": worst,
                       "label": f"{m.value:g} {m.unit} ({m.specimen}{'' if patient else ', ' + m.assay})"})
        band = reference_band(m, result.get("reference_interval"))
        if band:
            bands.append(band)
    doses = []
    for t in treatments:
        if t.start < EARLIEST:  # stored before the records' date limits: listed, not drawn
            continue
        name = names.get(t.product, t.product)
        for d in treatment_events(t, now):
            if d.time < since:
                continue
            text = f"{name} {t.route} {d.dose_mg:g} mg" if show_doses_mg else f"{name} ({t.route})"
            doses.append({"t": _iso(d.time), "label": text})
    if curve is not None:
        curve = dict(curve)
        if patient:
            curve["label"] = "the level expected from your treatment"
            curve["band_label"] = "where 9 in 10 levels are expected"
        else:
            curve["band_label"] = f"{curve['kind']} prediction, 90% band"
    words = {"measured": "your result" if patient else "result", "band": "usual range for that day" if patient
             else "reference interval of the result", "doses": "doses" if not patient else "your treatment",
             "now": "now"}
    return {"measurements": points, "bands": bands, "doses": doses, "curve": curve, "nmol_per_ng": NMOL_PER_NG,
            "now": _iso(now), "thresholds": list(thresholds), "left_out": left_out, "words": words}
