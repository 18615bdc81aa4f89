"""Accounts and assignments (admins only). Admins manage access; they read no clinical records."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from lutea.api.deps import AdminDep, SessionDep, client_addr
from lutea.api.schemas import AssignmentCreate, AssignmentOut, UserCreate, UserOut
from lutea.store import crud

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/users")
def list_users(session: SessionDep, admin: AdminDep) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in crud.list_users(session)]


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, admin: AdminDep, request: Request) -> UserOut:
    """Create an account; a patient account names its patient record (patient_id)."""
    user = crud.create_user(session, body.email, body.password, body.role, body.patient_id)
    crud.record_audit(
        session, user=admin, action="create", patient_id=user.patient_id, record_type="user", record_id=user.id,
        client_addr=client_addr(request), path=request.url.path,
    )
    return UserOut.model_validate(user)


@router.get("/assignments")
def list_assignments(session: SessionDep, admin: AdminDep) -> list[AssignmentOut]:
    return [AssignmentOut.model_validate(a) for a in crud.list_assignments(session)]


@router.post("/assignments", status_code=status.HTTP_201_CREATED)
def create_assignment(body: AssignmentCreate, session: SessionDep, admin: AdminDep, request: Request) -> AssignmentOut:
    """Give a clinician access to a patient's record."""
    clinician = crud.get_user_by_email(session, body.clinician_email)
    if clinician is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {body.clinician_email}")
    assignment = crud.assign(session, clinician, body.patient_id)
    crud.record_audit(
        session, user=admin, action="assign", patient_id=body.patient_id, record_type="assignment",
        record_id=assignment.id, client_addr=client_addr(request), path=request.url.path,
    )
    return AssignmentOut.model_validate(assignment)
