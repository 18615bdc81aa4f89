"""The patient list and the patient record itself: who the caller may see, with each patient's
open red flags, and the writes of the record's header (clinicians only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lutea.errors import InputError
from lutea.records.access import AccessDenied, RecordAccess, RecordNotFound
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
    patient = crud.add(session, models.Patient(**fields))
    crud.assign(session, user, patient.id)
    crud.record_audit(session, user=user, action="create", patient_id=patient.id, record_type="patients",
                      record_id=patient.id, client_addr=client_addr, path=path)
    return patient


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
    crud.update(access.session, patient, changes)
    access.audit("update", "patients", access.patient_id)
    return patient  # type: ignore[return-value]


def delete_patient(access: RecordAccess) -> None:
    """Delete a patient's record and everything in it (the audit trail stays)."""
    access.require_clinician()
    access.audit("delete", "patients", access.patient_id)
    crud.delete(access.session, access.session.get(models.Patient, access.patient_id))  # type: ignore[arg-type]
