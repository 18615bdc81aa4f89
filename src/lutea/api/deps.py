"""What routes depend on: a transactional session, the current user, and access to one patient."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from lutea.api.auth import read_token
from lutea.api.schemas import MAX_ID
from lutea.proxies import client_address
from lutea.records.access import (
    AccessDenied,
    RecordAccess,
    Unauthenticated,
    open_record,
    transaction,
)
from lutea.store import models

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises
    (a refusal is audited after the rollback: lutea.records.access.transaction)."""
    with transaction(request.app.state.sessionmaker, getattr(request.state, "deadline", None)) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


client_addr = client_address  # the one reading of the client's address (lutea.proxies), shared with the other shell


def current_user(session: SessionDep, request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> models.User:
    """The user named by the bearer token; 401 without a valid, unexpired token of the account's
    current session version (an active account). A 401 is audited (Unauthenticated), naming the
    account a stale token named."""
    claims = read_token(token, request.app.state.settings.signing_key()) if token else None
    user = session.get(models.User, claims.user_id) if claims is not None else None
    if user is None or claims is None or not user.active or claims.session_version != user.session_version:
        raise Unauthenticated("not authenticated: send a valid bearer token", user=user,
                              client_addr=client_addr(request), path=request.url.path)
    return user


UserDep = Annotated[models.User, Depends(current_user)]


def require_admin(user: UserDep, request: Request) -> models.User:
    """Admin routes: anyone else is refused (403, audited)."""
    if user.role != "admin":
        raise AccessDenied("admins only", user=user, client_addr=client_addr(request), path=request.url.path)
    return user


AdminDep = Annotated[models.User, Depends(require_admin)]


def patient_access(
    session: SessionDep, request: Request, user: UserDep, patient_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> RecordAccess:
    """403 (AccessDenied, audited) unless the caller may reach this patient (own record, or
    assigned clinician)."""
    return open_record(session, user, patient_id, request.app.state.settings,
                       client_addr=client_addr(request), path=request.url.path)


AccessDep = Annotated[RecordAccess, Depends(patient_access)]


def require_clinician(access: AccessDep) -> RecordAccess:
    """Writes only a clinician may make (the patient record itself, deletions)."""
    access.require_clinician()
    return access


ClinicianAccessDep = Annotated[RecordAccess, Depends(require_clinician)]
