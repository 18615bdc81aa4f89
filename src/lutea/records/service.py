"""Every write to a patient's record, and the reads that audit it: one function per action, each
in the caller's transaction with its audit row, whatever the shell (API, web, FHIR, CLI).

A write checks the input's plausibility (lutea.records.plausibility) before anything is stored;
a result is interpreted in its record's context as it is stored; a result or a symptom raises its
red flags (lutea.records.red_flags). An InputError leaves nothing behind once the caller rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from lutea.errors import InputError
from lutea.records import red_flags
from lutea.records.access import RecordAccess, RecordNotFound
from lutea.records.inputs import (
    DoseCreate,
    EpisodeCreate,
    EpisodeUpdate,
    MeasurementCreate,
    NoteCreate,
    SymptomCreate,
    SymptomUpdate,
    TreatmentCreate,
    TreatmentUpdate,
)
from lutea.records.interpretation import interpret_in_record
from lutea.records.plausibility import (
    DAY,
    check_daily_dose,
    check_level,
    check_not_before_birth,
    check_not_future,
    check_treatment,
)
from lutea.store import crud, models
from lutea.units import SPECIMEN_UNITS, Specimen, to_canonical


@dataclass(frozen=True)
class Kind:
    """One kind of record: its table, what a create and an update accept, and who may create it."""

    name: str
    model: type[models.Base]
    create: type[BaseModel]
    update: type[BaseModel] | None


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("episodes", models.Episode, EpisodeCreate, EpisodeUpdate),
    Kind("measurements", models.Measurement, MeasurementCreate, None),
    Kind("symptoms", models.Symptom, SymptomCreate, SymptomUpdate),
    Kind("treatments", models.Treatment, TreatmentCreate, TreatmentUpdate),
)}


@dataclass(frozen=True)
class StoredResult:
    """A stored result, what lutea said about it, and the red flags it raised."""

    measurement: models.Measurement
    interpretation: models.Interpretation
    red_flags: list[models.RedFlag]


def _check_episode(access: RecordAccess, episode_id: int | None) -> None:
    if episode_id is not None and crud.get_record(access.session, models.Episode, access.patient_id, episode_id) is None:
        raise InputError("episode_id", f"patient {access.patient_id} has no episode {episode_id}",
                         "the id of one of this patient's episodes")


def episode_at(access: RecordAccess, moment: datetime) -> int | None:
    """The record's episode that runs on this moment's day (Episode.latest_on), for a row that
    arrives without one (an imported result, symptom or medication)."""
    episode = models.Episode.latest_on(crud.list_records(access.session, models.Episode, access.patient_id),
                                       moment.date())
    return episode.id if episode is not None else None


DATED_FIELDS: dict[str, tuple[str, ...]] = {
    "episodes": ("start_date", "end_date", "lmp_date", "lh_peak_date", "et_date"),
    "measurements": ("sampled_at",), "symptoms": ("noted_at",), "treatments": ("start", "stop"),
}


def _birth_date(access: RecordAccess) -> Any:
    return access.patient.birth_date if access.patient is not None else None


def _check_dates(access: RecordAccess, kind: str, fields: dict[str, Any]) -> None:
    """No date of the record before the patient's birth (the form allows nothing before 1900)."""
    birth = _birth_date(access)
    for name in DATED_FIELDS.get(kind, ()):
        if fields.get(name) is not None:
            check_not_before_birth(fields[name], name, birth)


def measurement_fields(access: RecordAccess, body: MeasurementCreate) -> dict[str, Any]:
    """A result's columns after the plausibility checks: the value in the specimen's canonical unit."""
    fields = body.model_dump()
    specimen = Specimen(fields["specimen"])
    rules = SPECIMEN_UNITS[specimen]
    canonical = to_canonical(fields["value"], fields["unit"], specimen)
    check_level(canonical, rules.canonical, specimen, access.settings)
    check_not_future(fields["sampled_at"], "sampled_at", access.settings)
    _check_dates(access, "measurements", fields)
    _check_episode(access, fields.get("episode_id"))
    return {**fields, "analyte": rules.analyte.value, "value_canonical": canonical, "unit_canonical": rules.canonical}


def _prepare(access: RecordAccess, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    if kind == "measurements":
        return measurement_fields(access, MeasurementCreate.model_validate(fields))
    _check_dates(access, kind, fields)
    if kind == "symptoms":
        check_not_future(fields["noted_at"], "noted_at", access.settings)
    if kind in ("symptoms", "treatments"):
        _check_episode(access, fields.get("episode_id"))
    if kind == "treatments":
        return check_treatment(fields)
    return fields


def interpret_and_flag(session: Session, record: models.Measurement,
                       interpretation: models.Interpretation | None = None) -> StoredResult:
    """Store what lutea says of a stored result in its record's context (computed now unless
    given) and raise its red flags (every path that stores a result ends here)."""
    interpretation = interpretation or interpret_in_record(session, record)
    interpretation.measurement_id = record.id
    crud.add(session, interpretation)
    return StoredResult(record, interpretation, red_flags.raise_for_result(session, record, interpretation.result))


def add_measurement(access: RecordAccess, body: MeasurementCreate) -> StoredResult:
    """Store a result (as entered and canonical), interpreted in its context, with its red flags.
    The checks and the interpretation only read, before the first write, so the write transaction
    (on SQLite, the one writer's turn) lasts only for the inserts."""
    record = models.Measurement(patient_id=access.patient_id, **measurement_fields(access, body))
    interpretation = interpret_in_record(access.session, record)
    crud.add(access.session, record)
    access.audit("create", "measurements", record.id)
    stored = interpret_and_flag(access.session, record, interpretation)
    access.audit("create", "interpretations", stored.interpretation.id)
    return stored


def add_symptom(access: RecordAccess, body: SymptomCreate) -> models.Symptom:
    """Store a diary entry and raise the red flags it and the symptoms just before it raise."""
    record = crud.add(access.session, models.Symptom(patient_id=access.patient_id, **_prepare(access, "symptoms", body.model_dump())))
    access.audit("create", "symptoms", record.id)
    red_flags.raise_for_symptom(access.session, record)
    return record


def add_treatment(access: RecordAccess, body: TreatmentCreate) -> models.Treatment:
    record = crud.add(access.session, models.Treatment(patient_id=access.patient_id, **_prepare(access, "treatments", body.model_dump())))
    access.audit("create", "treatments", record.id)
    return record


def add_episode(access: RecordAccess, body: EpisodeCreate) -> models.Episode:
    record = crud.add(access.session, models.Episode(patient_id=access.patient_id, **_prepare(access, "episodes", body.model_dump())))
    access.audit("create", "episodes", record.id)
    return record


def create(access: RecordAccess, kind: str, body: BaseModel) -> Any:
    """Create one record of a kind (episodes, measurements, symptoms, treatments)."""
    if kind == "measurements":
        return add_measurement(access, body)  # type: ignore[arg-type]
    return {"symptoms": add_symptom, "treatments": add_treatment, "episodes": add_episode}[kind](access, body)  # type: ignore[operator]


def find(access: RecordAccess, kind: str, record_id: int) -> Any:
    """One record of this patient, or RecordNotFound (another patient's id is not found either)."""
    record = crud.get_record(access.session, KINDS[kind].model, access.patient_id, record_id)
    if record is None:
        raise RecordNotFound(f"patient {access.patient_id} has no {kind} {record_id}")
    return record


def read(access: RecordAccess, kind: str, record_id: int) -> Any:
    record = find(access, kind, record_id)
    access.audit("read", KINDS[kind].model.__tablename__, record_id)
    return record


def list_kind(access: RecordAccess, kind: str) -> Sequence[Any]:
    """Every record of one kind (or interpretations, notes), in time order, audited as a list."""
    model = KINDS[kind].model if kind in KINDS else {"interpretations": models.Interpretation, "notes": models.Note}[kind]
    rows = crud.list_records(access.session, model, access.patient_id)
    access.audit("list", model.__tablename__)
    return rows


def update(access: RecordAccess, kind: str, record_id: int, changes: dict[str, Any]) -> Any:
    """Apply a partial update, checked as the whole record would be on create."""
    spec = KINDS[kind]
    record = find(access, kind, record_id)
    current = {name: getattr(record, name) for name in spec.create.model_fields}
    merged = spec.create.model_validate({**current, **changes})
    crud.update(access.session, record, _prepare(access, kind, merged.model_dump()))
    access.audit("update", spec.model.__tablename__, record_id)
    if kind == "symptoms":
        red_flags.reassess_symptom(access.session, record)
    return record


def delete(access: RecordAccess, kind: str, record_id: int) -> None:
    """Remove a mistaken record (clinicians only); its red flags and interpretations go with it."""
    access.require_clinician()
    record = find(access, kind, record_id)
    crud.delete(access.session, record)
    access.audit("delete", KINDS[kind].model.__tablename__, record_id)


def doses(access: RecordAccess, treatment_id: int) -> Sequence[models.DoseEvent]:
    treatment = find(access, "treatments", treatment_id)
    access.audit("list", "dose_events", treatment_id)
    return treatment.doses


def add_dose(access: RecordAccess, treatment_id: int, body: DoseCreate) -> models.DoseEvent:
    """Record one administration taken under a treatment, within the labelled daily maximum."""
    treatment = find(access, "treatments", treatment_id)
    check_not_future(body.taken_at, "taken_at", access.settings)
    check_not_before_birth(body.taken_at, "taken_at", _birth_date(access))
    taken = crud.list_records(access.session, models.DoseEvent, access.patient_id)  # not the cached relationship
    day_before = [d.dose_mg for d in taken
                  if d.treatment_id == treatment.id and body.taken_at - DAY < d.taken_at <= body.taken_at]
    check_daily_dose(treatment.product, treatment.route, sum(day_before) + body.dose_mg, "dose_mg",
                     treatment.acknowledge_off_label)
    dose = crud.add(access.session, models.DoseEvent(patient_id=access.patient_id, treatment_id=treatment.id,
                                                     taken_at=body.taken_at, dose_mg=body.dose_mg))
    access.audit("create", "dose_events", dose.id)
    access.session.expire(treatment, ["doses"])
    return dose


def add_note(access: RecordAccess, body: NoteCreate) -> models.Note:
    note = crud.add(access.session, models.Note(patient_id=access.patient_id,
                                                author_id=access.user.id if access.user else None, text=body.text))
    access.audit("create", "notes", note.id)
    return note
