"""Patients: clinicians create records (and are assigned to them); patients see their own. The
list carries each patient's open red flags (lutea.records.patients)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from lutea.api.schemas import (
    PatientCreate,
    PatientListed,
    PatientOut,
    PatientUpdate,
    RedFlagOut,
)
from lutea.http_access import (
    AccessDep,
    ClinicianAccessDep,
    SessionDep,
    UserDep,
    client_addr,
)
from lutea.records import patients

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("")
def list_patients(session: SessionDep, user: UserDep, request: Request) -> list[PatientListed]:
    """The patients the caller may see, those with open urgent findings first (most recent first)."""
    rows = patients.patient_list(session, user, client_addr=client_addr(request), path=request.url.path)
    return [PatientListed.model_validate({**PatientOut.model_validate(r.patient).model_dump(),
                                          "urgent": [RedFlagOut.model_validate(v.to_json()) for v in r.urgent]})
            for r in rows]


@router.post("", status_code=status.HTTP_201_CREATED, responses={403: {"description": "clinicians only"}})
def create_patient(body: PatientCreate, session: SessionDep, user: UserDep, request: Request) -> PatientOut:
    """A new patient record, assigned to the clinician who creates it."""
    patient = patients.create_patient(session, user, body.model_dump(), client_addr=client_addr(request),
                                      path=request.url.path)
    return PatientOut.model_validate(patient)


@router.get("/{patient_id}")
def read_patient(access: AccessDep) -> PatientOut:
    return PatientOut.model_validate(patients.read_patient(access))


@router.patch("/{patient_id}")
def update_patient(access: ClinicianAccessDep, body: PatientUpdate) -> PatientOut:
    return PatientOut.model_validate(patients.update_patient(access, body.model_dump(exclude_unset=True)))


@router.delete("/{patient_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_patient(access: ClinicianAccessDep) -> None:
    """Delete a patient's record and everything in it (the audit trail stays)."""
    patients.delete_patient(access)
