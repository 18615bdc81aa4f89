"""A patient's whole record, read once for an exchange format (the FHIR export): each result with
its latest interpretation, each treatment with what its schedule says and its screening, and the
sources each row was imported with. The read is audited as one export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lutea.errors import InputError
from lutea.pk.regimen import ScheduleSummary, summarise_schedule
from lutea.records import identifiers
from lutea.records.access import RecordAccess
from lutea.records.interpretation import latest_interpretations
from lutea.safety import screen
from lutea.store import crud, models


@dataclass(frozen=True)
class ScreenedTreatment:
    """A treatment with what its schedule says (its one interval, bedtime, food) and what the
    screening says of it for this patient (findings as JSON)."""

    treatment: models.Treatment
    schedule: ScheduleSummary
    findings: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RecordExport:
    """The rows of one patient's record as stored, for a format to map."""

    patient: models.Patient
    results: Sequence[tuple[models.Measurement, models.Interpretation | None]]
    episodes: Sequence[models.Episode]
    treatments: Sequence[ScreenedTreatment]
    symptoms: Sequence[models.Symptom]
    sources: Mapping[tuple[str, int], tuple[str, ...]]


def export_record(access: RecordAccess, record_format: str) -> RecordExport:
    """The caller's patient's record, read whole and audited as an export in `record_format`."""
    patient = access.patient
    if patient is None:
        raise InputError("patient", f"no patient {access.patient_id}", "the id of an existing patient record")
    session, patient_id = access.session, access.patient_id
    latest = latest_interpretations(session, patient_id)
    episodes = crud.list_records(session, models.Episode, patient_id)
    pregnant = models.Episode.pregnant_now(episodes)
    treatments = []
    for t in crud.list_records(session, models.Treatment, patient_id):
        schedule = summarise_schedule(t.schedule, default_start=t.start)
        interval_h = schedule.interval_h
        report = screen(t.product, t.dose_mg if interval_h else None, interval_h, route=t.route, pregnant=pregnant)
        treatments.append(ScreenedTreatment(t, schedule, tuple(f.to_json() for f in report.findings)))
    access.audit("export", record_format)
    return RecordExport(
        patient=patient,
        results=[(m, latest.get(m.id)) for m in crud.list_records(session, models.Measurement, patient_id)],
        episodes=episodes,
        treatments=treatments,
        symptoms=crud.list_records(session, models.Symptom, patient_id),
        sources=identifiers.source_keys_of(session, patient_id),
    )
