"""What an HTTP route of lutea depends on: a transactional session per request, the user a bearer
token names, and access to one patient.

Shared by the two HTTP shells that take bearer tokens, the REST API (lutea.api) and the FHIR and
CDS Hooks services (lutea.fhir.http), so that neither imports the other (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from lutea.proxies import client_address
from lutea.records.access import (
    AccessDenied,
    RecordAccess,
    Unauthenticated,
    open_record,
    transaction,
)
from lutea.records.inputs import MAX_ID
from lutea.store import models
from lutea.tokens import read_token

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises
    (a refusal is audited after the rollback: lutea.records.access.transaction). Opening it does no
    I/O (the connection is taken at the first statement), so it opens on the event loop; the end,
    which may wait for the writer's turn, runs on a worker thread of its own (as FastAPI ends a
    synchronous dependency: it never waits for a thread held by requests waiting for it), shielded,
    so that a cancelled request still rolls back and returns its connection."""
    unit = transaction(request.app.state.sessionmaker, getattr(request.state, "deadline", None))
    session = unit.__enter__()
    ending = anyio.CapacityLimiter(1)
    try:
        yield session
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            ended = await anyio.to_thread.run_sync(unit.__exit__, type(exc), exc, exc.__traceback__, limiter=ending)
        if not ended:
            raise
    else:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(unit.__exit__, None, None, None, limiter=ending)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


client_addr = client_address  # the one reading of the client's address (lutea.proxies), shared with the web shell


TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def signed_in(session: Session, request: Request, token: str | None) -> models.User:
    """The user named by the bearer token; Unauthenticated (401, audited, naming the account a
    stale token named) without a valid, unexpired token of the account's current session version
    (an active account)."""
    claims = read_token(token, request.app.state.settings.signing_key()) if token else None
    user = session.get(models.User, claims.user_id) if claims is not None else None
    if user is None or claims is None or not user.active or claims.session_version != user.session_version:
        raise Unauthenticated("not authenticated: send a valid bearer token", user=user,
                              client_addr=client_addr(request), path=request.url.path)
    return user


def current_user(session: SessionDep, request: Request, token: TokenDep) -> models.User:
    """The signed-in user (401 without a valid bearer token: `signed_in`)."""
    return signed_in(session, request, token)


UserDep = Annotated[models.User, Depends(current_user)]


def require_admin(user: UserDep, request: Request) -> models.User:
    """Admin routes: anyone else is refused (403, audited)."""
    if user.role != "admin":
        raise AccessDenied("admins only", user=user, client_addr=client_addr(request), path=request.url.path)
    return user


AdminDep = Annotated[models.User, Depends(require_admin)]


def patient_access(
    session: SessionDep, request: Request, token: TokenDep, patient_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> RecordAccess:
    """The signed-in user's access to this patient (401 as `current_user`), or 403 (AccessDenied,
    audited) unless the caller may reach this patient (own record, or assigned clinician). One
    step, not two dependencies: each synchronous dependency is a trip to a worker thread."""
    return open_record(session, signed_in(session, request, token), patient_id, request.app.state.settings,
                       client_addr=client_addr(request), path=request.url.path)


AccessDep = Annotated[RecordAccess, Depends(patient_access)]


async def require_clinician(access: AccessDep) -> RecordAccess:
    """Writes only a clinician may make (the patient record itself, deletions); no I/O, so on the
    event loop."""
    access.require_clinician()
    return access


ClinicianAccessDep = Annotated[RecordAccess, Depends(require_clinician)]
