"""What routes depend on: a transactional session, the current user, and access to one patient."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from lutea.api.auth import read_token
from lutea.api.schemas import MAX_ID
from lutea.store import crud, models

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises."""
    with request.app.state.sessionmaker() as session:
        with session.begin():
            yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def client_addr(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_user(session: SessionDep, request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> models.User:
    """The user named by the bearer token; 401 without a valid, unexpired token."""
    unauthorised = HTTPException(
        status.HTTP_401_UNAUTHORIZED, "not authenticated: send a valid bearer token", {"WWW-Authenticate": "Bearer"}
    )
    if not token:
        raise unauthorised
    user_id = read_token(token, request.app.state.settings.signing_key())
    user = session.get(models.User, user_id) if user_id is not None else None
    if user is None or not user.active:
        raise unauthorised
    return user


UserDep = Annotated[models.User, Depends(current_user)]


def require_admin(user: UserDep) -> models.User:
    if user.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only")
    return user


AdminDep = Annotated[models.User, Depends(require_admin)]


def _deny(request: Request, user: models.User, patient_id: int) -> HTTPException:
    """Record the refused attempt in its own transaction (the request's rolls back), then refuse."""
    with request.app.state.sessionmaker.begin() as session:
        crud.record_audit(
            session, user=user, action="deny", patient_id=patient_id,
            client_addr=client_addr(request), path=request.url.path,
        )
    return HTTPException(status.HTTP_403_FORBIDDEN, f"no access to patient {patient_id}")


class Access:
    """The caller's access to one patient's record, and the audit of what they do with it."""

    def __init__(self, session: Session, request: Request, user: models.User, patient_id: int):
        self.session = session
        self.request = request
        self.user = user
        self.patient_id = patient_id

    def audit(self, action: str, record_type: str, record_id: int | None = None) -> None:
        """One audit row in the request's transaction."""
        crud.record_audit(
            self.session, user=self.user, action=action, patient_id=self.patient_id, record_type=record_type,
            record_id=record_id, client_addr=client_addr(self.request), path=self.request.url.path,
        )


def patient_access(
    session: SessionDep, request: Request, user: UserDep, patient_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Access:
    """403 unless the caller may reach this patient (own record, or assigned clinician)."""
    if not crud.can_access(session, user, patient_id):
        raise _deny(request, user, patient_id)
    return Access(session, request, user, patient_id)


AccessDep = Annotated[Access, Depends(patient_access)]


def require_clinician(access: AccessDep) -> Access:
    """Writes only a clinician may make (the patient record itself, deletions)."""
    if access.user.role != "clinician":
        raise _deny(access.request, access.user, access.patient_id)
    return access


ClinicianAccessDep = Annotated[Access, Depends(require_clinician)]
