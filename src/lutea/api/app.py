"""The REST API's FastAPI application: routers under /api/v1, domain errors as 422, migrations at
start. `lutea.server` mounts the web pages on it; this module knows nothing of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from lutea.api import routes
from lutea.api.auth import LoginThrottle
from lutea.api.errors import input_error_body, validation_error_body
from lutea.api.headers import add_security_headers
from lutea.api.overload import BUSY, OverloadGuard, busy_response_headers
from lutea.config import Settings
from lutea.errors import InputError
from lutea.records import AccessDenied, RecordNotFound, Unauthenticated
from lutea.records.access import Overloaded
from lutea.regions import for_region, names_a_contact
from lutea.store import make_engine, make_sessionmaker, upgrade_to_head

API_PREFIX = "/api/v1"


def regional_json(region_id: str) -> type[JSONResponse]:
    """The API's JSON response for one clinic region: every text's contact placeholders
    ({emergency_number} ...) filled for it (lutea.regions), whatever the route."""

    class RegionalJSONResponse(JSONResponse):
        def render(self, content: object) -> bytes:
            rendered = super().render(content)
            return super().render(for_region(content, region_id)) if names_a_contact(rendered) else rendered

    return RegionalJSONResponse
WORKER_THREADS = 40  # anyio's default thread limiter, on which FastAPI runs sync routes and dependencies
COMMON_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "the request body could not be read"},
    401: {"description": "no valid bearer token"},
    403: {"description": "the caller may not reach this record"},
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """An application bound to one database (settings.database_url), migrated to head at start."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            upgrade_to_head(settings.database_url)
        yield
        engine.dispose()

    app = FastAPI(
        title="lutea",
        summary="Progesterone records, interpretation, simulation and plans, with sources.",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
        default_response_class=regional_json(settings.region),
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.login_throttle = LoginThrottle(settings.login_max_failures, settings.login_window_s,
                                             settings.login_account_max_failures, settings.login_backoff_max_s)
    settings.signing_key()

    @app.exception_handler(InputError)
    async def _input_error(_request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(input_error_body(exc), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_error_body(exc.errors()), status_code=422)  # short, JSON-safe excerpts

    @app.exception_handler(AccessDenied)
    async def _access_denied(_request: Request, exc: AccessDenied) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(_request: Request, exc: Unauthenticated) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(RecordNotFound)
    async def _not_found(_request: Request, exc: RecordNotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    async def _busy(_request: Request, exc: Exception) -> JSONResponse:
        """The store stayed busy past its timeout, no connection came free, or the request passed
        its deadline: rolled back, so the client may simply retry."""
        if isinstance(exc, OperationalError) and "locked" not in str(exc) and "busy" not in str(exc):
            raise exc
        return JSONResponse({"detail": BUSY}, status_code=503, headers=busy_response_headers())

    for busy in (Overloaded, OperationalError, PoolTimeout):
        app.add_exception_handler(busy, _busy)
    app.add_middleware(OverloadGuard, workers=min(settings.workers, WORKER_THREADS), max_waiting=settings.max_in_flight,
                       deadline_s=settings.request_deadline_s)

    for router in routes.ROUTERS:
        app.include_router(router, prefix=API_PREFIX, responses=COMMON_RESPONSES)
    add_security_headers(app, API_PREFIX, f"{API_PREFIX}/docs")
    return app
