"""The shell between FHIR bundles and the record store: import (idempotent, atomic) and export.

`import_bundle` writes in the caller's transaction: a failing import raises before the caller
commits, so nothing is written. Records keep their source (lutea.fhir.links), so importing the
same bundle again writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from lutea.api.interpretation import interpret_stored
from lutea.api.plausibility import check_treatment
from lutea.api.schemas import EpisodeCreate
from lutea.errors import InputError
from lutea.fhir import mapping_out
from lutea.fhir.bundle import validate_bundle
from lutea.fhir.links import add_link, find_link
from lutea.fhir.mapping_in import (
    BundleRecords,
    MeasurementIn,
    MedicationIn,
    PregnancyIn,
    read_bundle,
)
from lutea.pk.regimen import single_interval_h
from lutea.safety import screen
from lutea.store import crud, models
from lutea.units import SPECIMEN_UNITS, Specimen, to_canonical


@dataclass
class ImportReport:
    """What an import did: the patient, records created and unchanged, resources not used, warnings."""

    patient_id: int
    patient_created: bool = False
    created: dict[str, list[int]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    unused: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, record_type: str, record_id: int) -> None:
        self.created.setdefault(record_type, []).append(record_id)

    def to_json(self) -> dict[str, Any]:
        return {"patient_id": self.patient_id, "patient_created": self.patient_created, "created": self.created,
                "created_total": sum(len(v) for v in self.created.values()), "unchanged": self.unchanged,
                "unused": self.unused, "warnings": self.warnings}


def _target_patient(session: Session, records: BundleRecords, patient_id: int | None) -> tuple[models.Patient, bool]:
    if patient_id is not None:
        patient = session.get(models.Patient, patient_id)
        if patient is None:
            raise InputError("patient", f"no patient {patient_id}", "the id of an existing patient record")
        if records.patient is not None:
            link = find_link(session, "Patient", records.patient.source_key)
            if link is not None and link.patient_id != patient_id:
                raise InputError("patient", f"{records.patient.label} was imported as patient {link.patient_id}, "
                                 f"not {patient_id}", f"--patient {link.patient_id} or no --patient")
        return patient, False
    if records.patient is None:
        raise InputError("patient", "the bundle has no Patient resource", "a bundle with a Patient, or --patient ID")
    link = find_link(session, "Patient", records.patient.source_key)
    if link is not None:
        patient = session.get(models.Patient, link.patient_id)
        if patient is not None:
            return patient, False
    p = records.patient
    return crud.add(session, models.Patient(display_name=p.display_name, birth_date=p.birth_date, sex=p.sex)), True


def _seen(session: Session, patient_id: int, source_type: str, keys: list[str]) -> bool:
    return any(find_link(session, source_type, key, patient_id) is not None for key in keys)


def _add_pregnancy(session: Session, patient_id: int, p: PregnancyIn) -> models.Episode:
    return crud.add(session, models.Episode(patient_id=patient_id, kind="pregnancy", start_date=p.start_date,
                                            end_date=p.end_date, lmp_date=p.lmp_date, note=p.note))


def _episode_for(session: Session, patient_id: int, moment: datetime) -> int | None:
    day = moment.date()
    fits = [e for e in crud.list_records(session, models.Episode, patient_id)
            if e.start_date <= day and (e.end_date is None or day <= e.end_date)]
    return fits[-1].id if fits else None


def _add_treatment(session: Session, patient_id: int, m: MedicationIn, report: ImportReport) -> models.Treatment:
    fields = {"product": m.product, "route": m.route, "dose_mg": m.dose_mg, "schedule": m.schedule, "start": m.start,
              "stop": m.stop, "acknowledge_off_label": m.acknowledge_off_label}
    try:
        fields = check_treatment(fields)
    except InputError as exc:
        if "labelled maximum" not in exc.problem:
            raise InputError(f"{m.label} {exc.field}", exc.problem, exc.accepted) from None
        fields = check_treatment({**fields, "acknowledge_off_label": True})
        report.warnings.append(f"{m.label}: {exc.problem}; stored as an acknowledged off-label dose (it is in the source record)")
    fields["episode_id"] = _episode_for(session, patient_id, m.start)
    return crud.add(session, models.Treatment(patient_id=patient_id, **fields))


def _add_measurement(session: Session, patient_id: int, m: MeasurementIn) -> tuple[models.Measurement, models.Interpretation]:
    specimen = Specimen(m.specimen)
    rules = SPECIMEN_UNITS[specimen]
    record = crud.add(session, models.Measurement(
        patient_id=patient_id, episode_id=_episode_for(session, patient_id, m.sampled_at), specimen=m.specimen,
        analyte=rules.analyte.value, value=m.value, unit=m.unit, value_canonical=to_canonical(m.value, m.unit, specimen),
        unit_canonical=rules.canonical, assay=m.assay, sampled_at=m.sampled_at, laboratory=m.laboratory))
    return record, interpret_stored(session, record)


def import_records(session: Session, records: BundleRecords, patient_id: int | None = None) -> ImportReport:
    """Write a bundle's records for one patient; records whose source is linked already are left alone."""
    patient, created = _target_patient(session, records, patient_id)
    report = ImportReport(patient.id, created, unused=[u.to_json() for u in records.unused], warnings=list(records.warnings))
    pid = patient.id
    if records.patient is not None and not _seen(session, pid, "Patient", [records.patient.source_key]):
        add_link(session, pid, "Patient", records.patient.source_key, "patients", pid)
    # pregnancies, then treatments, then results: a result is interpreted in the context the rest gives
    for p in records.pregnancies:
        if _seen(session, pid, "pregnancy", p.source_keys):
            report.unchanged.append(p.label)
            continue
        episode = _add_pregnancy(session, pid, p)
        for key in p.source_keys:
            add_link(session, pid, "pregnancy", key, "episodes", episode.id)
        report.count("episodes", episode.id)
    for e in records.episodes:
        if _seen(session, pid, "episode", [e.source_key]):
            report.unchanged.append(e.label)
            continue
        try:
            fields = EpisodeCreate.model_validate(e.fields).model_dump()
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise InputError(f"{e.label} {'.'.join(str(x) for x in first['loc']) or 'episode'}", first["msg"]) from None
        episode = crud.add(session, models.Episode(patient_id=pid, **fields))
        add_link(session, pid, "episode", e.source_key, "episodes", episode.id)
        report.count("episodes", episode.id)
    for y in records.symptoms:
        if _seen(session, pid, "symptom", [y.source_key]):
            report.unchanged.append(y.label)
            continue
        symptom = crud.add(session, models.Symptom(
            patient_id=pid, episode_id=_episode_for(session, pid, y.noted_at), symptom=y.symptom, severity=y.severity,
            noted_at=y.noted_at, note=y.note))
        add_link(session, pid, "symptom", y.source_key, "symptoms", symptom.id)
        report.count("symptoms", symptom.id)
    for m in records.medications:
        if _seen(session, pid, "medication", [m.source_key]):
            report.unchanged.append(m.label)
            continue
        treatment = _add_treatment(session, pid, m, report)
        add_link(session, pid, "medication", m.source_key, "treatments", treatment.id)
        report.count("treatments", treatment.id)
    for m in sorted(records.measurements, key=lambda x: x.sampled_at):
        if _seen(session, pid, "Observation", [m.source_key]):
            report.unchanged.append(m.label)
            continue
        try:
            measurement, interpretation = _add_measurement(session, pid, m)
        except InputError as exc:
            raise InputError(f"{m.label} {exc.field}", exc.problem, exc.accepted) from None
        add_link(session, pid, "Observation", m.source_key, "measurements", measurement.id)
        report.count("measurements", measurement.id)
        report.count("interpretations", interpretation.id)
    return report


def import_bundle(session: Session, bundle: dict[str, Any], patient_id: int | None = None) -> ImportReport:
    """Read and write one FHIR R4 bundle (collection or transaction) in the caller's transaction."""
    return import_records(session, read_bundle(bundle), patient_id)


# --- export ------------------------------------------------------------------------------------

def patient_record(session: Session, patient_id: int) -> mapping_out.Record:
    """A stored patient's record in the shape mapping_out exports (latest interpretation per result)."""
    patient = session.get(models.Patient, patient_id)
    if patient is None:
        raise InputError("patient", f"no patient {patient_id}", "the id of an existing patient record")
    latest: dict[int, models.Interpretation] = {}
    for row in crud.list_records(session, models.Interpretation, patient_id):
        if row.measurement_id is not None:
            latest[row.measurement_id] = row
    record = mapping_out.Record(mapping_out.PatientOut(patient.id, patient.display_name, patient.birth_date, patient.sex))
    for m in crud.list_records(session, models.Measurement, patient_id):
        stored = latest.get(m.id)
        record.measurements.append(mapping_out.MeasurementOut(
            m.id, m.specimen, m.value, m.unit, m.assay, m.sampled_at, m.laboratory,
            stored.result if stored else None, stored.created_at if stored else None))
    episodes = crud.list_records(session, models.Episode, patient_id)
    pregnant = any(e.kind == "pregnancy" and e.end_date is None for e in episodes)
    for t in crud.list_records(session, models.Treatment, patient_id):
        interval_h = single_interval_h(t.schedule, default_start=t.start)
        report = screen(t.product, t.dose_mg if interval_h else None, interval_h, route=t.route, pregnant=pregnant)
        record.treatments.append(mapping_out.TreatmentOut(
            t.id, t.product, t.route, t.dose_mg, t.schedule, t.start, t.stop, t.acknowledge_off_label, interval_h,
            tuple(f.to_json() for f in report.findings)))
    for e in episodes:
        if e.kind == "pregnancy":
            record.pregnancies.append(mapping_out.PregnancyOut(e.id, e.start_date, e.end_date, e.lmp_date, e.note))
        else:
            details = {name: getattr(e, name) for name in ("cycle_length_days", "lmp_date", "lh_peak_date", "protocol",
                                                           "et_date", "embryo_age_days", "note")}
            record.episodes.append(mapping_out.EpisodeOut(e.id, e.kind, e.start_date, e.end_date, details))
    for y in crud.list_records(session, models.Symptom, patient_id):
        record.symptoms.append(mapping_out.SymptomOut(y.id, y.symptom, y.severity, y.noted_at, y.note))
    return record


def export_patient(session: Session, patient_id: int, now: datetime | None = None) -> dict[str, Any]:
    """A patient's record as a FHIR R4 collection Bundle, validated with fhir.resources (R4B models)."""
    bundle = mapping_out.record_bundle(patient_record(session, patient_id), now or datetime.now(UTC))
    validate_bundle(bundle)
    return bundle
