"""POST /api/v1/auth/token: the OAuth2 password flow (form fields username = email, password);
POST /api/v1/auth/logout: end every token and web session of the caller's account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from lutea.api.schemas import Token
from lutea.http_access import SessionDep, UserDep, client_addr
from lutea.store import crud
from lutea.tokens import issue_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=Token,
    responses={401: {"description": "wrong email or password"}, 429: {"description": "too many failed logins"}},
)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, request: Request) -> Any:
    """Exchange an email and password for a bearer token; failed logins are rate-limited. Every
    attempt is audited: login, login-failed, login-locked (the email as typed when no account has it)."""
    settings = request.app.state.settings
    throttle = request.app.state.login_throttle
    email = crud.normalise_email(form.username)
    client = client_addr(request)
    where = {"client_addr": client, "path": request.url.path}
    wait_s = throttle.retry_after_s(email, client)
    if wait_s:
        crud.record_audit(session, user=crud.get_user_by_email(session, email) if "\x00" not in email else None,
                          user_email=email, action="login-locked", **where)
        return JSONResponse({"detail": f"too many failed logins; try again in {wait_s} s"},
                            status_code=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(wait_s)})
    readable = "\x00" not in email + form.password  # PostgreSQL text holds no NUL
    user = crud.authenticate(session, email, form.password) if readable else None
    if user is None:
        throttle.fail(email, client)
        known = crud.get_user_by_email(session, email) if readable else None
        crud.record_audit(session, user=known, user_email=email, action="login-failed", **where)
        # answered, not raised: the request's transaction commits the audit row
        return JSONResponse({"detail": "wrong email or password"}, status_code=status.HTTP_401_UNAUTHORIZED,
                            headers={"WWW-Authenticate": "Bearer"})
    throttle.succeed(email, client)
    crud.record_audit(session, user=user, action="login", **where)
    token = issue_token(user.id, user.role, settings.signing_key(), settings.token_lifetime_min,
                        session_version=user.session_version)
    return Token(access_token=token, expires_in=settings.token_lifetime_min * 60)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: SessionDep, user: UserDep, request: Request) -> None:
    """Sign out everywhere: this token and every other token and web session of the account end."""
    crud.end_sessions(session, user)
    crud.record_audit(session, user=user, action="logout", client_addr=client_addr(request), path=request.url.path)
