"""GET /patients/{id}/timeline: every event of a record in time order, with its interpretations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from lutea.api.schemas import (
    DoseOut,
    EpisodeOut,
    InterpretationOut,
    MeasurementOut,
    NoteOut,
    PatientOut,
    SymptomOut,
    Timeline,
    TimelineEvent,
    TreatmentOut,
)
from lutea.http_access import AccessDep
from lutea.knowledge import load_knowledge
from lutea.records import prediction
from lutea.store import crud, models
from lutea.timeline import start_of_day

router = APIRouter(prefix="/patients/{patient_id}", tags=["records"])

_EVENTS: list[tuple[str, type[models.Base], type[BaseModel], str]] = [
    ("episode", models.Episode, EpisodeOut, "start_date"),
    ("measurement", models.Measurement, MeasurementOut, "sampled_at"),
    ("symptom", models.Symptom, SymptomOut, "noted_at"),
    ("treatment", models.Treatment, TreatmentOut, "start"),
    ("dose", models.DoseEvent, DoseOut, "taken_at"),
    ("note", models.Note, NoteOut, "created_at"),
]


def _moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return start_of_day(value)


@router.get("/timeline")
def timeline(access: AccessDep) -> Timeline:
    """Episodes, results, symptoms, treatments, doses and notes in time order; stored
    interpretations; and the predicted progesterone curve of the treatments on record."""
    session = access.session
    patient = session.get(models.Patient, access.patient_id)
    events: list[tuple[datetime, int, TimelineEvent]] = []
    treatments: list[models.Treatment] = []
    episodes: list[models.Episode] = []
    for order, (kind, model, out, moment_field) in enumerate(_EVENTS):
        for record in crud.list_records(session, model, access.patient_id):
            if isinstance(record, models.Treatment):
                treatments.append(record)
            elif isinstance(record, models.Episode):
                episodes.append(record)
            at = _moment(getattr(record, moment_field))
            body: dict[str, Any] = out.model_validate(record).model_dump(mode="json")
            events.append((at, order, TimelineEvent(at=at.isoformat(), kind=kind, id=record.id, record=body)))  # type: ignore[attr-defined]
    events.sort(key=lambda e: (e[0], e[1], e[2].id))
    interpretations = [
        InterpretationOut.model_validate(r) for r in crud.list_records(session, models.Interpretation, access.patient_id)
    ]
    access.audit("read", "timeline")
    return Timeline(
        patient=PatientOut.model_validate(patient),
        knowledge_version=load_knowledge().version,
        events=[e[2] for e in events],
        interpretations=interpretations,
        predicted=prediction.predicted_curve(treatments, episodes=episodes),
    )
