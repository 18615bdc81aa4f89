"""Store a tracker series in a patient's record: PdG as urine measurements, symptoms as diary
entries, each linked to its tracker row so a second import writes nothing. LH, E3G and BBT
have no table in lutea's record; they are read (LH peak) but not stored."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy.orm import Session

from lutea.fhir.importer import _add_measurement
from lutea.fhir.links import add_link, find_link
from lutea.fhir.mapping_in import MeasurementIn
from lutea.fhir.tracker import TrackerSeries
from lutea.store import crud, models


def store_series(session: Session, patient_id: int, series: TrackerSeries) -> dict[str, int]:
    """Write the series' PdG readings and symptoms (dated at 00:00 UTC of their day); counts of what was new."""
    counts = {"measurements": 0, "symptoms": 0, "unchanged": 0}
    for day in series.days:
        moment = datetime.combine(day.on, time(0), UTC)
        if day.pdg_ug_ml is not None:
            key = f"{series.format}:{day.on.isoformat()}:pdg"
            if find_link(session, "tracker", key, patient_id):
                counts["unchanged"] += 1
            else:
                record, _ = _add_measurement(session, patient_id, MeasurementIn(
                    key, f"line {day.line}", "urine", day.pdg_ug_ml, "ug/mL", "any", moment, None))
                add_link(session, patient_id, "tracker", key, "measurements", record.id)
                counts["measurements"] += 1
        for name in day.symptoms:
            key = f"{series.format}:{day.on.isoformat()}:symptom:{name.lower()}"
            if find_link(session, "tracker", key, patient_id):
                counts["unchanged"] += 1
                continue
            symptom = crud.add(session, models.Symptom(patient_id=patient_id, symptom=name[:100], severity=1, noted_at=moment))
            add_link(session, patient_id, "tracker", key, "symptoms", symptom.id)
            counts["symptoms"] += 1
    return counts
