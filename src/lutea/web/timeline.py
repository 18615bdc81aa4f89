"""One patient's record as the timeline page and the PDF report show it: results with their stored
interpretations, findings ordered urgent first (lutea.findings.ordered), the record's open red
flags (lutea.records.red_flags), and the chart data (lutea.web.chart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from lutea.records.interpretation import SYMPTOM_WINDOW
from lutea.findings import Finding, Severity, ordered
from lutea.store import crud, models
from lutea.records.red_flags import RedFlagView, acknowledged_flags, open_flags
from lutea.web.chart import chart_data, predicted_curve


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
    red_flags: list[RedFlagView]
    acknowledged: list[RedFlagView]
    chart: dict[str, Any]


def _finding(body: dict[str, Any]) -> Finding:
    return Finding(code=body.get("code", ""), severity=Severity(body.get("severity", "info")),
                   message=body.get("message", ""), patient_message=body.get("patient_message", ""),
                   sources=tuple(body.get("sources", ())))


def _card(f: Finding, role: str, about: str, at: datetime | None) -> Card:
    message = f.patient_message if role == "patient" else f.message
    return Card(f.severity.value, f.code, message or f.message, list(f.sources), about, at)


def latest_interpretations(db: Session, patient_id: int) -> dict[int, dict[str, Any]]:
    """The newest stored interpretation of each measurement (measurement id -> result JSON)."""
    out: dict[int, dict[str, Any]] = {}
    for row in crud.list_records(db, models.Interpretation, patient_id):
        if row.measurement_id is not None:
            out[row.measurement_id] = row.result
    return out


def build_timeline(db: Session, patient: models.Patient, role: str, now: datetime | None = None) -> TimelineView:
    """Everything the timeline page and the report show, for a clinician or a patient (plain language)."""
    now = now or datetime.now(UTC)
    episodes = list(crud.list_records(db, models.Episode, patient.id))
    measurements = list(crud.list_records(db, models.Measurement, patient.id))
    symptoms = list(crud.list_records(db, models.Symptom, patient.id))
    treatments = list(crud.list_records(db, models.Treatment, patient.id))
    results = latest_interpretations(db, patient.id)

    found: list[tuple[Finding, str, datetime]] = []
    for m in sorted(measurements, key=lambda m: m.sampled_at, reverse=True):
        about = f"{m.value:g} {m.unit} {m.specimen} on {m.sampled_at:%Y-%m-%d %H:%M} UTC"
        for body in results.get(m.id, {}).get("findings", []):
            found.append((_finding(body), about, m.sampled_at))
    by_finding = {id(f): (about, at) for f, about, at in found}
    cards = [_card(f, role, *by_finding[id(f)]) for f in ordered(f for f, _, _ in found)]

    flags = open_flags(db, [patient.id], role)[patient.id]
    if role == "patient":  # "get help now" is about now; the clinician's list keeps every open flag
        flags = [f for f in flags if f.raised_at >= now - SYMPTOM_WINDOW]
    acknowledged = [] if role == "patient" else acknowledged_flags(db, patient.id, role)
    curve = None
    if treatments:
        latest_treatment = treatments[-1]
        episode = db.get(models.Episode, latest_treatment.episode_id) if latest_treatment.episode_id else None
        curve = predicted_curve(latest_treatment, episode, measurements, now)
    chart = chart_data(measurements, results, treatments, curve, now, show_doses_mg=role != "patient")
    return TimelineView(patient, episodes, measurements, symptoms, treatments, cards, flags, acknowledged, chart)
