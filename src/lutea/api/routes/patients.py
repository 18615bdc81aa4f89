"""Patients: clinicians create records (and are assigned to them); patients see their own."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from lutea.api.deps import AccessDep, ClinicianAccessDep, SessionDep, UserDep, client_addr
from lutea.api.schemas import PatientCreate, PatientOut, PatientUpdate
from lutea.errors import InputError
from lutea.store import crud, models

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("")
def list_patients(session: SessionDep, user: UserDep, request: Request) -> list[PatientOut]:
    """The patients the caller may see: their own record, or the ones assigned to them."""
    patients = crud.accessible_patients(session, user)
    for patient in patients:
        crud.record_audit(
            session, user=user, action="list", patient_id=patient.id, record_type="patients", record_id=patient.id,
            client_addr=client_addr(request), path=request.url.path,
        )
    return [PatientOut.model_validate(p) for p in patients]


@router.post("", status_code=status.HTTP_201_CREATED, responses={403: {"description": "clinicians only"}})
def create_patient(body: PatientCreate, session: SessionDep, user: UserDep, request: Request) -> PatientOut:
    """A new patient record, assigned to the clinician who creates it."""
    if user.role != "clinician":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only clinicians create patient records")
    patient = crud.add(session, models.Patient(**body.model_dump()))
    crud.assign(session, user, patient.id)
    crud.record_audit(
        session, user=user, action="create", patient_id=patient.id, record_type="patients", record_id=patient.id,
        client_addr=client_addr(request), path=request.url.path,
    )
    return PatientOut.model_validate(patient)


def _patient(access: AccessDep) -> models.Patient:
    patient = access.session.get(models.Patient, access.patient_id)
    if patient is None:  # unreachable while access implies the record exists; kept for safety
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no patient {access.patient_id}")
    return patient


@router.get("/{patient_id}")
def read_patient(access: AccessDep) -> PatientOut:
    patient = _patient(access)
    access.audit("read", "patients", patient.id)
    return PatientOut.model_validate(patient)


@router.patch("/{patient_id}")
def update_patient(access: ClinicianAccessDep, body: PatientUpdate) -> PatientOut:
    patient = _patient(access)
    changes = body.model_dump(exclude_unset=True)
    for field in ("display_name", "sex"):
        if field in changes and changes[field] is None:
            raise InputError(field, "cannot be emptied", "a value, or leave the field out")
    crud.update(access.session, patient, changes)
    access.audit("update", "patients", patient.id)
    return PatientOut.model_validate(patient)


@router.delete("/{patient_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_patient(access: ClinicianAccessDep) -> None:
    """Delete a patient's record and everything in it (the audit trail stays)."""
    patient = _patient(access)
    access.audit("delete", "patients", patient.id)
    crud.delete(access.session, patient)
