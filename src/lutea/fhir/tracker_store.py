"""Store a tracker series in a patient's record through lutea.records: PdG as urine measurements
(checked and interpreted as any result), symptoms as diary entries (with their red flags), each
linked to its tracker row so a second import writes nothing. LH, E3G and BBT have no table in
lutea's record; they are read (LH peak) but not stored."""

from __future__ import annotations

from datetime import UTC, datetime, time

from lutea.fhir.importer import TRACKER, _validated, add_measurement
from lutea.fhir.mapping_in import MeasurementIn
from lutea.fhir.tracker import TrackerSeries
from lutea.records import RecordAccess, identifiers, service
from lutea.records.inputs import SymptomCreate


def store_series(access: RecordAccess, series: TrackerSeries) -> dict[str, int]:
    """Write the series' PdG readings and symptoms (dated at 00:00 UTC of their day); counts of what was new."""
    session, patient_id = access.session, access.patient_id
    counts = {"measurements": 0, "symptoms": 0, "unchanged": 0}
    for day in series.days:
        moment = datetime.combine(day.on, time(0), UTC)
        if day.pdg_ug_ml is not None:
            key = f"{series.format}:{day.on.isoformat()}:pdg"
            if identifiers.seen(session, patient_id, TRACKER, [key]):
                counts["unchanged"] += 1
            else:
                stored = add_measurement(access, MeasurementIn(
                    key, f"line {day.line}", "urine", day.pdg_ug_ml, "ug/mL", "any", moment, None))
                identifiers.claim(access, TRACKER, key, "measurements", stored.measurement.id)
                counts["measurements"] += 1
        for name in day.symptoms:
            key = f"{series.format}:{day.on.isoformat()}:symptom:{name.lower()}"
            if identifiers.seen(session, patient_id, TRACKER, [key]):
                counts["unchanged"] += 1
                continue
            body = _validated(SymptomCreate, {"symptom": name[:100], "severity": 1, "noted_at": moment}, f"line {day.line}")
            symptom = service.add_symptom(access, body)  # a refused field is an InputError naming the line
            identifiers.claim(access, TRACKER, key, "symptoms", symptom.id)
            counts["symptoms"] += 1
    return counts
