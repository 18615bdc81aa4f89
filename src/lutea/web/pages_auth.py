"""Sign in and out. Passwords are checked by the API's store (crud.authenticate, argon2), and
failed attempts count in the API's login throttle."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lutea.store import crud, models
from lutea.web.access import FormDep, SessionDep, client_addr
from lutea.web.session import clear_session, new_session, read_session, write_session
from lutea.web.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a local path: never an absolute URL or a scheme-relative one."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/home"


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/home", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form. It signs nobody out: an existing session (signed in or not) keeps its
    cookie and lends the form its CSRF token; without one, a fresh pre-login session is made."""
    session = read_session(request)
    fresh = session is None
    if session is None:
        session = new_session(None)
    response = render(request, "login.html", session=session, next=_safe_next(next), error=None, email="")
    if fresh:
        write_session(request, response, session)
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: FormDep, db: SessionDep) -> Response:
    email = crud.normalise_email(str(form.get("email") or ""))
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or ""))
    throttle = request.app.state.login_throttle
    client = client_addr(request)
    session = read_session(request)
    wait_s = throttle.retry_after_s(email, client)
    user = None
    if not wait_s and "\x00" not in email + password:
        user = crud.authenticate(db, email, password)
        if user is None:
            throttle.fail(email, client)
    if user is None:
        known = crud.get_user_by_email(db, email) if "\x00" not in email else None
        crud.record_audit(db, user=known, user_email=email, action="login-locked" if wait_s else "login-failed",
                          client_addr=client, path=request.url.path)
        error = f"Too many failed sign-ins; try again in {wait_s} s." if wait_s else "Wrong email or password."
        return render(request, "login.html", session=session, next=target, error=error, email=email,
                      status_code=429 if wait_s else 401)
    throttle.succeed(email, client)
    crud.record_audit(db, user=user, action="login", client_addr=client, path=request.url.path)
    response = RedirectResponse(target, status_code=303)
    write_session(request, response, new_session(user))  # a new CSRF token after sign-in
    return response


@router.post("/logout")
def logout(request: Request, form: FormDep, db: SessionDep) -> RedirectResponse:
    """Sign out: every session and token of the account ends (not only this cookie), and is audited."""
    session = read_session(request)
    user = db.get(models.User, session.user_id) if session is not None and session.user_id is not None else None
    if user is not None and session is not None and session.version == user.session_version:
        crud.end_sessions(db, user)
        crud.record_audit(db, user=user, action="logout", client_addr=client_addr(request), path=request.url.path)
    response = RedirectResponse("/login", status_code=303)
    clear_session(response)
    return response
