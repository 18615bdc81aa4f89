"""The patient list and the patient record itself: who the caller may see, with each patient's
open red flags, and the writes of the record's header (clinicians only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from lutea.errors import InputError
from lutea.records.access import AccessDenied, RecordAccess, RecordNotFound
from lutea.records.inputs import EARLIEST_DATE
from lutea.records.red_flags import RedFlagView, open_flags
from lutea.store import crud, models


@dataclass(frozen=True)
class PatientRow:
    """A patient as the list shows them, with their open red flags (most recent first)."""

    patient: models.Patient
    urgent: list[RedFlagView]


def patient_list(session: Session, user: models.User, *, client_addr: str | None = None,
                 path: str | None = None) -> list[PatientRow]:
    """The patients the caller may see (own record, or assigned), those with open red flags first,
    most recent flag first, then by name; each listing is audited."""
    patients = crud.accessible_patients(session, user)
    flags = open_flags(session, [p.id for p in patients], user.role)
    for p in patients:
        crud.record_audit(session, user=user, action="list", patient_id=p.id, record_type="patients",
                          record_id=p.id, client_addr=client_addr, path=path)
    rows = [PatientRow(p, flags[p.id]) for p in patients]
    with_flags = sorted((r for r in rows if r.urgent), key=lambda r: r.urgent[0].raised_at, reverse=True)
    without = sorted((r for r in rows if not r.urgent), key=lambda r: (r.patient.display_name.lower(), r.patient.id))
    return with_flags + without


def create_patient(session: Session, user: models.User, fields: dict[str, Any], *, client_addr: str | None = None,
                   path: str | None = None) -> models.Patient:
    """A new patient record, assigned to the clinician who creates it."""
    if user.role != "clinician":
        raise AccessDenied("only clinicians create patient records", user=user, client_addr=client_addr, path=path)
    patient = _add_patient(session, user, fields, client_addr, path)
    crud.assign(session, user, patient.id)
    return patient


def create_patient_as_operator(session: Session, fields: dict[str, Any], *, client_addr: str = "cli") -> models.Patient:
    """A new patient record made by the machine's operator (the CLI's import, which opens the
    database directly): audited with no user named, assigned to nobody."""
    return _add_patient(session, None, fields, client_addr, None)


def _add_patient(session: Session, user: models.User | None, fields: dict[str, Any], client_addr: str | None,
                 path: str | None) -> models.Patient:
    check_birth_date(fields.get("birth_date"))
    patient = crud.add(session, models.Patient(**fields))
    crud.record_audit(session, user=user, action="create", patient_id=patient.id, record_type="patients",
                      record_id=patient.id, client_addr=client_addr, path=path)
    return patient


def check_birth_date(birth_date: date | None) -> None:
    """A birth date lies between 1900-01-01 and today (also for a Patient read from a FHIR import)."""
    if birth_date is not None and not EARLIEST_DATE <= birth_date <= date.today():
        raise InputError("birth_date", f"{birth_date.isoformat()} is not between {EARLIEST_DATE.isoformat()} and today",
                         "a date from 1900-01-01 to today")


def earliest_record_day(session: Session, patient_id: int) -> date | None:
    """The day of the patient's earliest dated record (result, symptom, treatment, dose, episode)."""
    days: list[date] = []
    for model, name in ((models.Measurement, "sampled_at"), (models.Symptom, "noted_at"), (models.Treatment, "start"),
                        (models.DoseEvent, "taken_at"), (models.Episode, "start_date")):
        for row in crud.list_records(session, model, patient_id):
            value = getattr(row, name)
            days.append(value.astimezone(UTC).date() if isinstance(value, datetime) else value)
    return min(days, default=None)


def read_patient(access: RecordAccess) -> models.Patient:
    patient = access.session.get(models.Patient, access.patient_id)
    if patient is None:  # the record was deleted after this request was let in
        raise RecordNotFound(f"no patient {access.patient_id}")
    access.audit("read", "patients", patient.id)
    return patient


def update_patient(access: RecordAccess, changes: dict[str, Any]) -> models.Patient:
    access.require_clinician()
    for field in ("display_name", "sex"):
        if field in changes and changes[field] is None:
            raise InputError(field, "cannot be emptied", "a value, or leave the field out")
    patient = access.session.get(models.Patient, access.patient_id)
    if changes.get("birth_date") is not None:
        check_birth_date(changes["birth_date"])
        first = earliest_record_day(access.session, access.patient_id)
        if first is not None and changes["birth_date"] > first:
            raise InputError("birth_date", f"{changes['birth_date'].isoformat()} is after her record dated {first.isoformat()}",
                             "a birth date on or before her earliest record")
    crud.update(access.session, patient, changes)
    access.audit("update", "patients", access.patient_id)
    return patient  # type: ignore[return-value]


def delete_patient(access: RecordAccess) -> None:
    """Delete a patient's record and everything in it (the audit trail stays)."""
    access.require_clinician()
    access.audit("delete", "patients", access.patient_id)
    crud.delete(access.session, access.session.get(models.Patient, access.patient_id))  # type: ignore[arg-type]
