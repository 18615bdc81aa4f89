"""The data behind a patient's timeline chart: measured levels in both units, the reference band of
each interpreted result, dose markers, and the predicted curve (individualised when the record has
serum levels under the treatment, else the population simulation) with its 90% band.

Everything clinical comes from the core: lutea.units for conversions, the stored interpretations
for reference intervals, lutea.pk.simulate and lutea.individualise for the curves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from lutea.cutoffs import transfer_day_cutoff
from lutea.records.prediction import SERUM_SPECIMENS, treatment_curve
from lutea.records.prediction import readable_events as treatment_events
from lutea.store import models
from lutea.timeline import EARLIEST
from lutea.units import Specimen, from_canonical, to_canonical

NMOL_PER_NG = from_canonical(1.0, "nmol/L", Specimen.SERUM)  # nmol/L per ng/mL (lutea.units)
BAND_HALF_WIDTH = timedelta(hours=12)  # a result's reference band is drawn over its sampling day
CHART_WINDOW = timedelta(days=365)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def predicted_curve(
    treatment: models.Treatment, episode: models.Episode | None, measurements: Sequence[models.Measurement],
    now: datetime, product_name: str | None = None,
) -> dict[str, Any] | None:
    """The curve of a treatment (lutea.records.prediction.treatment_curve: individualised from serum
    levels measured under it, else the population's, with her own level under it), labelled."""
    curve = treatment_curve(treatment, episode, measurements, now)
    if curve is None:
        return None
    name = product_name or treatment.product
    if curve["kind"] == "individualised":
        curve["label"] = f"{name}: individualised from {curve['levels_used']} level(s)"
    else:
        curve["label"] = f"{name}: population median"
    return curve


def endogenous_label(endogenous: dict[str, Any], kind: str, patient: bool) -> str:
    """The legend of her own (endogenous) level under the dose curve, in the reader's words."""
    if patient:
        return "your body's own progesterone"
    where = {"pregnancy": "pregnancy by gestational week", "natural-cycle": "natural cycle by cycle day",
             "hrt-fet": "programmed cycle, no corpus luteum"}.get(endogenous["context"], endogenous["context"])
    fitted = ", scaled to her results" if kind == "individualised" else ""
    return f"her own (endogenous) level: {where}{fitted}"


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
    window: tuple[datetime, datetime] | None = None,
) -> dict[str, Any]:
    """Everything the timeline chart draws, in ng/mL, with the factor to nmol/L for the toggle, and
    the time window it opens on (an episode zoomed to; None: all of it). Patients (show_doses_mg
    False) get plain words for every label and no dose amounts."""
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
        if curve.get("endogenous"):
            curve["endogenous"] = dict(curve["endogenous"], label=endogenous_label(curve["endogenous"], curve["kind"], patient))
    words = {"measured": "your result" if patient else "result", "band": "usual range for that day" if patient
             else "reference interval of the result", "doses": "doses" if not patient else "your treatment",
             "now": "now"}
    return {"measurements": points, "bands": bands, "doses": doses, "curve": curve, "nmol_per_ng": NMOL_PER_NG,
            "now": _iso(now), "thresholds": list(thresholds), "left_out": left_out, "words": words,
            "window": {"from": _iso(window[0]), "to": _iso(window[1])} if window else None}


def episode_window(episode: models.Episode, measurements: Sequence[models.Measurement], now: datetime) -> tuple[datetime, datetime]:
    """The time an episode spans on the chart: from its start day to the end of its last day, or,
    while it runs, to the later of now and its last result, plus a day."""
    start = datetime.combine(episode.start_date, time(0), tzinfo=UTC)
    if episode.end_date is not None:
        return start, datetime.combine(episode.end_date, time(0), tzinfo=UTC) + timedelta(days=1)
    last = max((m.sampled_at for m in measurements if m.episode_id == episode.id), default=now)
    return start, max(now, last, start) + timedelta(days=1)


@dataclass(frozen=True)
class ChartRow:
    """One line of the chart's table alternative: when, what, the level in both units, and for the
    predicted curve its 90% band and her own (endogenous) level (ng/mL)."""

    at: str
    what: str
    ng_ml: str
    nmol_l: str
    band_ng_ml: str = ""
    own_ng_ml: str = ""


TABLE_STEP = timedelta(hours=12)  # the predicted curve in the table: one line every 12 hours


def chart_table(chart: dict[str, Any]) -> list[ChartRow]:
    """The chart's data as rows in time order (its window only, when zoomed): results, the predicted
    level with its 90% band and her own level every 12 hours, threshold lines and doses; for a
    screen reader and for anyone who wants the numbers."""
    window = chart.get("window")
    since = datetime.fromisoformat(window["from"]) if window else None
    until = datetime.fromisoformat(window["to"]) if window else None

    def inside(t: str) -> bool:
        moment = datetime.fromisoformat(t)
        return (since is None or moment >= since) and (until is None or moment <= until)

    def both(ng_ml: float) -> tuple[str, str]:
        return f"{ng_ml:.3g}", f"{ng_ml * NMOL_PER_NG:.3g}"

    words = chart["words"]
    rows: list[tuple[str, int, ChartRow]] = []
    for p in chart["measurements"]:
        if inside(p["t"]):
            rows.append((p["t"], 0, ChartRow(p["t"], f"{words['measured']}: {p['label']}", *both(p["ng_ml"]))))
    curve = chart.get("curve")
    if curve:
        own = (curve.get("endogenous") or {}).get("median_ng_ml")
        last: datetime | None = None
        for i, t in enumerate(curve["t"]):
            moment = datetime.fromisoformat(t)
            if not inside(t) or (last is not None and moment - last < TABLE_STEP):
                continue
            last = moment
            ng, nmol = both(curve["median"][i])
            band = f"{curve['low'][i]:.3g} to {curve['high'][i]:.3g}"
            rows.append((t, 1, ChartRow(t, curve["label"], ng, nmol, band, f"{own[i]:.3g}" if own else "")))
    for d in chart["doses"]:
        if inside(d["t"]):
            rows.append((d["t"], 2, ChartRow(d["t"], f"{words['doses']}: {d['label']}", "", "")))
    out = [row for _t, _k, row in sorted(rows, key=lambda r: (r[0], r[1]))]
    for th in chart.get("thresholds", []):
        out.append(ChartRow("across the chart", th["label"], *both(th["ng_ml"])))
    return [ChartRow(_shown(r.at), r.what, r.ng_ml, r.nmol_l, r.band_ng_ml, r.own_ng_ml) for r in out]


def _shown(at: str) -> str:
    if at == "across the chart":
        return at
    return datetime.fromisoformat(at).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def balance_chart(report: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The Balance page's chart in the record chart's form (chart_data): the individualised curve of
    the current regimen with its 90% band and her own level, the levels it was fitted to, the target
    as threshold lines, and now; so chart_table reads it as it reads the record's."""
    curve = dict(report["curve"], label="individualised", band_label="individualised prediction, 90% band")
    if curve.get("endogenous"):
        curve["endogenous"] = dict(curve["endogenous"], label="her own (endogenous) level, scaled to her results")
    levels = [{"t": lv["t"], "ng_ml": round(float(lv["ng_ml"]), 3), "severity": "none",
               "label": f"{float(lv['ng_ml']):.3g} ng/mL"} for lv in curve.pop("levels")]
    target = report.get("target") or {}
    thresholds = [{"ng_ml": target[key], "label": f"target, {word} bound: {target[key]:g} ng/mL"}
                  for key, word in (("low_ng_ml", "lower"), ("high_ng_ml", "upper")) if target.get(key) is not None]
    return {"measurements": levels, "bands": [], "doses": [], "curve": curve, "nmol_per_ng": NMOL_PER_NG,
            "now": _iso(now), "thresholds": thresholds, "left_out": 0, "window": None,
            "words": {"measured": "measured level", "band": "", "doses": "doses", "now": "now"}}


def balance_table(report: dict[str, Any], chart: dict[str, Any]) -> list[ChartRow]:
    """The Balance chart as rows (chart_table: measured levels, the current regimen's curve every 12
    hours with its 90% band and her own level, the target's bounds), then the current regimen and each
    candidate with the prediction the core ranks them by (one figure per regimen, judged over the target)."""
    rows = chart_table(chart)
    if not report.get("target"):
        return rows
    ranked = [("current regimen", report["current"])] + [(f"candidate {i}", c) for i, c in enumerate(report["candidates"], 1)]
    for rank, c in ranked:
        ng_ml = float(c["predicted_ng_ml"])
        low, high = c["interval_90"]
        rows.append(ChartRow("for the target", f"{rank}: {c['regimen']}", f"{ng_ml:.3g}", f"{ng_ml * NMOL_PER_NG:.3g}",
                             f"{float(low):.3g} to {float(high):.3g}"))
    return rows
