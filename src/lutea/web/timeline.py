"""One patient's record as the timeline page and the PDF report show it: results with their stored
interpretations, findings ordered urgent first (lutea.findings.ordered), the record's open red
flags (lutea.records.red_flags), and the chart data (lutea.web.chart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from lutea.findings import Finding, ordered
from lutea.records import RecordNotFound
from lutea.records.interpretation import SYMPTOM_WINDOW, latest_interpretations
from lutea.records.prediction import treatment_episode
from lutea.records.red_flags import RedFlagView, acknowledged_flags, open_flags
from lutea.store import crud, models
from lutea.web.chart import (
    ChartRow,
    chart_data,
    chart_table,
    context_thresholds,
    episode_window,
    predicted_curve,
)
from lutea.web.results import (
    PROTOCOL_WORDS,
    ResultRow,
    finding,
    product_names,
    result_rows,
)


@dataclass
class Card:
    """One finding as a card: severity, the message for this role, its sources and its result."""

    severity: str
    code: str
    message: str
    sources: list[str]
    about: str
    at: datetime | None


@dataclass
class TimelineView:
    patient: models.Patient
    episodes: list[models.Episode]
    measurements: list[models.Measurement]
    symptoms: list[models.Symptom]
    treatments: list[models.Treatment]
    cards: list[Card]
    rows: list[ResultRow]
    red_flags: list[RedFlagView]
    acknowledged: list[RedFlagView]
    chart: dict[str, Any]
    events: list[tuple[str, str]]  # symptoms and episodes in date order: (when, what)
    product_names: dict[str, str]
    chart_rows: list[ChartRow]  # the chart as a table (screen readers)
    zoom: list[tuple[int, str]]  # episodes the chart can zoom to: (id, what)
    zoomed: int | None  # the episode the chart shows, None: the whole record


def episode_words(e: models.Episode, role: str) -> str:
    """An episode in words: kind, protocol (in the reader's words), transfer day, cycle length."""
    what = {"ivf-cycle": "IVF cycle"}.get(e.kind, e.kind.replace("-", " "))
    if e.protocol:
        what += ", " + PROTOCOL_WORDS.get(e.protocol, (e.protocol, e.protocol))[1 if role == "patient" else 0]
    if e.et_date:
        what += f", transfer {e.et_date}"
    if e.cycle_length_days:
        what += f", {e.cycle_length_days}-day cycle"
    return what


def record_events(symptoms: list[models.Symptom], episodes: list[models.Episode], role: str) -> list[tuple[str, str]]:
    """Symptoms and episodes as one list in date order (an episode sorts at the start of its day)."""
    rows: list[tuple[str, str, str]] = []
    for s in symptoms:
        rows.append((s.noted_at.strftime("%Y-%m-%d %H:%M"), s.noted_at.strftime("%Y-%m-%d %H:%M"),
                     f"{s.symptom.replace('-', ' ')} (severity {s.severity})"))
    for e in episodes:
        what = episode_words(e, role)
        if e.note:
            what += f" ({e.note})"
        rows.append((f"{e.start_date} 00:00", f"{e.start_date}", "started: " + what))
    return [(when, what) for _key, when, what in sorted(rows)]


def _card(f: Finding, role: str, about: str, at: datetime | None) -> Card:
    message = f.patient_message if role == "patient" else f.message
    return Card(f.severity.value, f.code, message or f.message, list(f.sources), about, at)


def build_timeline(db: Session, patient: models.Patient, role: str, now: datetime | None = None,
                   zoom_to: int | None = None) -> TimelineView:
    """Everything the timeline page and the report show, for a clinician or a patient (plain language);
    zoom_to: the id of an episode the chart opens on (RecordNotFound when she has none of that id)."""
    now = now or datetime.now(UTC)
    episodes = list(crud.list_records(db, models.Episode, patient.id))
    measurements = list(crud.list_records(db, models.Measurement, patient.id))
    symptoms = list(crud.list_records(db, models.Symptom, patient.id))
    treatments = list(crud.list_records(db, models.Treatment, patient.id))
    results = {mid: row.result for mid, row in latest_interpretations(db, patient.id).items()}

    found: list[tuple[Finding, str, datetime]] = []
    for m in sorted(measurements, key=lambda m: m.sampled_at, reverse=True):
        about = f"{m.value:g} {m.unit} {m.specimen} on {m.sampled_at:%Y-%m-%d %H:%M} UTC"
        for body in results.get(m.id, {}).get("findings", []):
            found.append((finding(body), about, m.sampled_at))
    by_finding = {id(f): (about, at) for f, about, at in found}
    cards = [_card(f, role, *by_finding[id(f)]) for f in ordered(f for f, _, _ in found)]

    flags = open_flags(db, [patient.id], role)[patient.id]
    if role == "patient":  # "get help now" is about now; the clinician's list keeps every open flag
        flags = [f for f in flags if f.raised_at >= now - SYMPTOM_WINDOW]
    acknowledged = [] if role == "patient" else acknowledged_flags(db, patient.id, role)
    curve = None
    episode = None
    latest_treatment = treatments[-1] if treatments else None
    names = product_names()
    if latest_treatment is not None:  # its episode, else the one running when it started (her own level)
        episode = treatment_episode(latest_treatment, episodes)
        curve = predicted_curve(latest_treatment, episode, measurements, now, names.get(latest_treatment.product))
    if episode is None and episodes:
        episode = episodes[-1]
    zoomed = next((e for e in episodes if e.id == zoom_to), None) if zoom_to is not None else None
    if zoom_to is not None and zoomed is None:
        raise RecordNotFound(f"patient {patient.id} has no episode {zoom_to}")
    chart = chart_data(measurements, results, treatments, curve, now, show_doses_mg=role != "patient",
                       thresholds=context_thresholds(episode, latest_treatment, role == "patient"), product_names=names,
                       window=episode_window(zoomed, measurements, now) if zoomed else None)
    rows = result_rows(measurements, results, role)
    symptoms.sort(key=lambda s: s.noted_at)
    zoom = [(e.id, f"{episode_words(e, role)} from {e.start_date}")
            for e in sorted(episodes, key=lambda e: (e.start_date, e.id), reverse=True)]
    return TimelineView(patient, episodes, measurements, symptoms, treatments, cards, rows, flags, acknowledged, chart,
                        record_events(symptoms, episodes, role), names, chart_table(chart), zoom, zoom_to)
