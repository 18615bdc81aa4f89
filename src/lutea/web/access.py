"""Who is looking: the signed-in user of a page, and their access to one patient's record.

A thin adapter over the API's rules: the same check (lutea.store.crud.can_access), the same audit
rows (crud.record_audit; refusals in their own transaction), and the API's Access object, so a
page can call the API's own record endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, status
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lutea.api.deps import Access, SessionDep, client_addr
from lutea.store import crud, models
from lutea.web.session import PageError, WebSession, check_csrf, session_user


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


def open_patient(view: Viewer, patient_id: int) -> tuple[Access, models.Patient]:
    """The viewer's access to one patient (crud.can_access), or a 403 page after an audited refusal."""
    if not crud.can_access(view.db, view.user, patient_id):
        with view.request.app.state.sessionmaker.begin() as audit_session:
            crud.record_audit(
                audit_session, user=view.user, action="deny", patient_id=patient_id,
                client_addr=client_addr(view.request), path=view.request.url.path,
            )
        raise PageError(status.HTTP_403_FORBIDDEN, f"You have no access to patient {patient_id}.")
    patient = view.db.get(models.Patient, patient_id)
    if patient is None:
        raise PageError(status.HTTP_404_NOT_FOUND, f"There is no patient {patient_id}.")
    return Access(view.db, view.request, view.user, patient_id), patient


def require_clinician(view: Viewer) -> None:
    """Dose options, regimen simulation and record structure are for clinicians only."""
    if not view.is_clinician:
        raise PageError(status.HTTP_403_FORBIDDEN, "This page is for clinicians.")
