"""Who is looking: the signed-in user of a page, and their access to one patient's record.

A thin adapter over lutea.records: the same access rule and audit rows as every other shell
(`lutea.records.open_record`, refusals audited in their own transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, status
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lutea.proxies import client_address
from lutea.records import AccessDenied, RecordAccess, open_record
from lutea.records.access import record_denial, record_denial_in, transaction
from lutea.store import models
from lutea.web.session import (
    LoginRequired,
    PageError,
    WebSession,
    check_csrf,
    read_session,
    session_user,
)


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per page request: committed when the page returns, rolled back if it
    raises; a refused access, or a cookie of an ended session, is audited after the rollback."""
    try:
        with transaction(request.app.state.sessionmaker, getattr(request.state, "deadline", None)) as session:
            yield session
    except (PageError, LoginRequired) as exc:
        if isinstance(exc.denial, AccessDenied):
            record_denial(request.app.state.sessionmaker, exc.denial)
        raise


SessionDep = Annotated[Session, Depends(db_session, scope="function")]


client_addr = client_address  # the one reading of the client's address (lutea.proxies), shared with the other shell


@dataclass
class Viewer:
    """The signed-in user of a page request, with the request's transaction and their session."""

    db: Session
    request: Request
    user: models.User
    session: WebSession

    @property
    def is_clinician(self) -> bool:
        return self.user.role == "clinician"


def viewer(request: Request, db: SessionDep) -> Viewer:
    """The signed-in user (LoginRequired, hence a redirect to /login, without a session)."""
    user, session = session_user(request, db)
    return Viewer(db, request, user, session)


ViewerDep = Annotated[Viewer, Depends(viewer)]


async def posted_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token against the session's (403 otherwise)."""
    form = await request.form()
    check_csrf(request, form)
    return form


FormDep = Annotated[FormData, Depends(posted_form)]


def audit_refusal(request: Request, message: str) -> None:
    """The audit row of a page refused outside a record's access rule (a clinicians-only page, a
    form without its CSRF token), naming the signed-in user if the cookie names one."""
    session = read_session(request)
    with request.app.state.sessionmaker.begin() as db:
        user = db.get(models.User, session.user_id) if session is not None and session.user_id is not None else None
        record_denial_in(db, AccessDenied(message, user=user, client_addr=client_addr(request), path=request.url.path))


def open_patient(view: Viewer, patient_id: int) -> tuple[RecordAccess, models.Patient]:
    """The viewer's access to one patient (lutea.records.open_record), or a 403 page after an audited refusal."""
    try:
        access = open_record(view.db, view.user, patient_id, view.request.app.state.settings,
                             client_addr=client_addr(view.request), path=view.request.url.path)
    except AccessDenied as exc:
        raise PageError(status.HTTP_403_FORBIDDEN, f"You have no access to patient {patient_id}.", exc) from None
    patient = view.db.get(models.Patient, patient_id)
    if patient is None:
        raise PageError(status.HTTP_404_NOT_FOUND, f"There is no patient {patient_id}.")
    return access, patient


def require_clinician(view: Viewer) -> None:
    """Dose options, regimen simulation and record structure are for clinicians only."""
    if not view.is_clinician:
        raise PageError(status.HTTP_403_FORBIDDEN, "This page is for clinicians.")
