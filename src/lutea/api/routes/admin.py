"""Accounts and assignments (admins only). Admins manage access; they read no clinical records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status

from lutea.api.schemas import (
    MAX_ID,
    AssignmentCreate,
    AssignmentOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from lutea.http_access import AdminDep, SessionDep, client_addr
from lutea.store import crud, models

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


@router.patch("/users/{user_id}", responses={404: {"description": "no such account"}})
def update_user(
    user_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: UserUpdate, session: SessionDep, admin: AdminDep,
    request: Request,
) -> UserOut:
    """Deactivate or reactivate an account, or set a new password; deactivating or a new password
    ends every token and web session the account had."""
    user = session.get(models.User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {user_id}")
    if body.active is not None:
        crud.set_active(session, user, body.active)
    if body.password is not None:
        crud.set_password(session, user, body.password)
    crud.record_audit(
        session, user=admin, action="update", patient_id=user.patient_id, record_type="user", record_id=user.id,
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
