"""Between FHIR bundles and lutea.records, for the API and the CLI: import (idempotent, atomic)
and export.

An import writes through lutea.records, as a form or the API does: the same plausibility checks,
interpretation on write, red flags and audit rows. `import_bundle` writes in the caller's
transaction: a failing import raises before the caller commits, so nothing is written. Records
keep their source (lutea.records.identifiers), so importing the same bundle again writes nothing,
and a global identifier belongs to one patient record only. An export maps the record as
lutea.records.export reads it (one audited read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from lutea.config import Settings
from lutea.errors import InputError
from lutea.fhir import mapping_out
from lutea.fhir.bundle import validate_bundle
from lutea.fhir.mapping_in import (
    BundleRecords,
    MeasurementIn,
    MedicationIn,
    read_bundle,
)
from lutea.records import AccessDenied, RecordAccess, identifiers, patients, service
from lutea.records.access import operator_access
from lutea.records.export import RecordExport, export_record
from lutea.records.inputs import (
    EpisodeCreate,
    MeasurementCreate,
    SymptomCreate,
    TreatmentCreate,
)
from lutea.store import models

TRACKER = "tracker"  # the source type of tracker rows (tracker_store): lutea's export carries their keys


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


def _reworded(exc: AccessDenied, message: str) -> AccessDenied:
    """The same refusal (same audit row) with a message that names no record."""
    denial = AccessDenied(message, client_addr=exc.client_addr, path=exc.path, patient_id=exc.patient_id)
    denial.user_id, denial.user_email = exc.user_id, exc.user_email
    return denial


def open_target(access_for: Any, session: Session, records: BundleRecords, patient_id: int | None,
                new_patient: Any) -> tuple[RecordAccess, bool]:
    """The record a bundle goes into, opened for the caller, and whether it was made for it.

    Named (`patient_id`): the caller's access is checked first (a missing and a forbidden record
    are the same refusal); a caller who may link is refused if another record owns the bundle's
    Patient. Not named: the record that owns the Patient's global identifier by a proven link,
    else a new record (`new_patient`, which decides who may make one). No message names another
    record."""
    if patient_id is not None:
        access: RecordAccess = access_for(patient_id)
        if records.patient is not None:
            identifiers.check_unowned(access, "Patient", records.patient.source_key, records.patient.label)
        return access, False
    if records.patient is None:
        raise InputError("patient", "the bundle has no Patient resource", "a bundle with a Patient, or a patient id")
    owner = identifiers.owner(session, "Patient", records.patient.source_key)
    if owner is not None:
        try:
            return access_for(owner), False
        except AccessDenied as exc:
            raise _reworded(exc, "the bundle's Patient belongs to a patient record you may not reach") from None
    p = records.patient
    created = new_patient({"display_name": p.display_name[:200], "birth_date": p.birth_date, "sex": p.sex})
    return access_for(created.id), True


def _validated(model: type[BaseModel], fields: dict[str, Any], label: str) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in first["loc"]) or model.__name__
        raise InputError(f"{label} {where}", str(first["msg"]).removeprefix("Value error, ")) from None


def _labelled(label: str, exc: InputError) -> InputError:
    return InputError(f"{label} {exc.field}", exc.problem, exc.accepted)


def _add_treatment(access: RecordAccess, m: MedicationIn, report: ImportReport) -> models.Treatment:
    fields = {"product": m.product, "route": m.route, "dose_mg": m.dose_mg, "schedule": m.schedule, "start": m.start,
              "stop": m.stop, "acknowledge_off_label": m.acknowledge_off_label,
              "episode_id": service.episode_at(access, m.start)}
    try:
        return service.add_treatment(access, _validated(TreatmentCreate, fields, m.label))
    except InputError as exc:
        if "labelled maximum" not in exc.problem:
            raise _labelled(m.label, exc) from None
        report.warnings.append(f"{m.label}: {exc.problem}; stored as an acknowledged off-label dose (it is in the source record)")
        return service.add_treatment(access, _validated(TreatmentCreate, {**fields, "acknowledge_off_label": True}, m.label))


def add_measurement(access: RecordAccess, m: MeasurementIn) -> service.StoredResult:
    """Store an imported result through lutea.records (plausibility, interpretation, red flags)."""
    body = _validated(MeasurementCreate, {
        "specimen": m.specimen, "value": m.value, "unit": m.unit, "sampled_at": m.sampled_at, "assay": m.assay,
        "laboratory": m.laboratory[:200] if m.laboratory else None,
        "episode_id": service.episode_at(access, m.sampled_at)}, m.label)
    try:
        return service.add_measurement(access, body)
    except InputError as exc:
        raise _labelled(m.label, exc) from None


def import_records(access_for: Any, records: BundleRecords, patient_id: int | None, session: Session,
                   new_patient: Any) -> ImportReport:
    """Write a bundle's records for one patient; records whose source is linked already are left alone.

    `access_for(patient_id)` opens the target record for the caller; `new_patient(fields)` makes a
    new record when the bundle's Patient is not owned by any (the shell decides who may). The
    identifiers are linked to the record as proof allows (lutea.records.identifiers.claim)."""
    access, created = open_target(access_for, session, records, patient_id, new_patient)
    pid = access.patient_id
    report = ImportReport(pid, created, unused=[u.to_json() for u in records.unused], warnings=list(records.warnings))
    if records.patient is not None:
        identifiers.claim(access, "Patient", records.patient.source_key, "patients", pid, records.patient.label)
    # pregnancies, then treatments, then results: a result is interpreted in the context the rest gives
    for p in records.pregnancies:
        if identifiers.seen(session, pid, "pregnancy", p.source_keys):
            report.unchanged.append(p.label)
            continue
        episode = service.add_episode(access, _validated(EpisodeCreate, {
            "kind": "pregnancy", "start_date": p.start_date, "end_date": p.end_date, "lmp_date": p.lmp_date,
            "note": p.note}, p.label))
        for key in p.source_keys:
            identifiers.claim(access, "pregnancy", key, "episodes", episode.id, p.label)
        report.count("episodes", episode.id)
    for e in records.episodes:
        if identifiers.seen(session, pid, "episode", [e.source_key]):
            report.unchanged.append(e.label)
            continue
        episode = service.add_episode(access, _validated(EpisodeCreate, e.fields, e.label))
        identifiers.claim(access, "episode", e.source_key, "episodes", episode.id, e.label)
        report.count("episodes", episode.id)
    for y in records.symptoms:
        if any(identifiers.seen(session, pid, kind, [y.source_key]) for kind in ("symptom", TRACKER)):
            report.unchanged.append(y.label)
            continue
        try:
            symptom = service.add_symptom(access, _validated(SymptomCreate, {
                "symptom": y.symptom[:100], "severity": y.severity, "noted_at": y.noted_at, "note": y.note,
                "episode_id": service.episode_at(access, y.noted_at)}, y.label))
        except InputError as exc:
            raise _labelled(y.label, exc) from None
        identifiers.claim(access, "symptom", y.source_key, "symptoms", symptom.id, y.label)
        report.count("symptoms", symptom.id)
    for m in records.medications:
        if identifiers.seen(session, pid, "medication", [m.source_key]):
            report.unchanged.append(m.label)
            continue
        treatment = _add_treatment(access, m, report)
        identifiers.claim(access, "medication", m.source_key, "treatments", treatment.id, m.label)
        report.count("treatments", treatment.id)
    for m in sorted(records.measurements, key=lambda x: x.sampled_at):
        if any(identifiers.seen(session, pid, kind, [m.source_key]) for kind in ("Observation", TRACKER)):
            report.unchanged.append(m.label)
            continue
        stored = add_measurement(access, m)
        identifiers.claim(access, "Observation", m.source_key, "measurements", stored.measurement.id, m.label)
        report.count("measurements", stored.measurement.id)
        report.count("interpretations", stored.interpretation.id)
    return report


def import_bundle(session: Session, bundle: dict[str, Any], patient_id: int | None = None,
                  settings: Settings | None = None) -> ImportReport:
    """Read and write one FHIR R4 bundle (collection or transaction) in the caller's transaction, as
    the machine's operator (the CLI): a bundle whose Patient is new makes a new record."""
    settings = settings or Settings()

    return import_records(lambda pid: operator_access(session, pid, settings), read_bundle(bundle), patient_id,
                          session, lambda fields: patients.create_patient_as_operator(session, fields))


# --- export ------------------------------------------------------------------------------------

def patient_record(export: RecordExport) -> mapping_out.Record:
    """A record as lutea.records reads it for an export, in the shape mapping_out exports."""
    keys, patient = export.sources, export.patient
    record = mapping_out.Record(mapping_out.PatientOut(patient.id, patient.display_name, patient.birth_date, patient.sex,
                                                       keys.get(("patients", patient.id), ())))
    for m, stored in export.results:
        record.measurements.append(mapping_out.MeasurementOut(
            m.id, m.specimen, m.value, m.unit, m.assay, m.sampled_at, m.laboratory,
            stored.result if stored else None, stored.created_at if stored else None, keys.get(("measurements", m.id), ())))
    for screened in export.treatments:
        t = screened.treatment
        record.treatments.append(mapping_out.TreatmentOut(
            t.id, t.product, t.route, t.dose_mg, t.schedule, t.start, t.stop, t.acknowledge_off_label,
            screened.schedule.interval_h, screened.findings, keys.get(("treatments", t.id), ()),
            screened.schedule.at_bedtime, screened.schedule.with_food))
    for e in export.episodes:
        if e.kind == "pregnancy":
            record.pregnancies.append(mapping_out.PregnancyOut(e.id, e.start_date, e.end_date, e.lmp_date, e.note,
                                                               keys.get(("episodes", e.id), ())))
        else:
            details = {name: getattr(e, name) for name in ("cycle_length_days", "lmp_date", "lh_peak_date", "protocol",
                                                           "et_date", "embryo_age_days", "note")}
            record.episodes.append(mapping_out.EpisodeOut(e.id, e.kind, e.start_date, e.end_date, details,
                                                          keys.get(("episodes", e.id), ())))
    for y in export.symptoms:
        record.symptoms.append(mapping_out.SymptomOut(y.id, y.symptom, y.severity, y.noted_at, y.note,
                                                      keys.get(("symptoms", y.id), ())))
    return record


def export_patient(access: RecordAccess, now: datetime | None = None) -> dict[str, Any]:
    """The caller's patient's record as a FHIR R4 collection Bundle, validated with fhir.resources
    (R4B models); the read is audited as an export (lutea.records.export)."""
    bundle = mapping_out.record_bundle(patient_record(export_record(access, "fhir")), now or datetime.now(UTC))
    validate_bundle(bundle)
    return bundle
