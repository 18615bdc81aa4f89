"""Forms that add a measurement, a symptom, a treatment or an episode, through the API's own
endpoints (same schemas, same plausibility checks, same interpretation and audit), with the
problems turned into messages beside the fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, ValidationError

from lutea.api.deps import Access
from lutea.api.routes import records as api_records
from lutea.api.schemas import EpisodeCreate, MeasurementCreate, SymptomCreate, TreatmentCreate
from lutea.errors import InputError
from lutea.web.session import PageError

SCHEMAS: dict[str, type[BaseModel]] = {
    "measurements": MeasurementCreate,
    "symptoms": SymptomCreate,
    "treatments": TreatmentCreate,
    "episodes": EpisodeCreate,
}
CLINICIAN_ONLY = frozenset({"treatments", "episodes"})
DATETIME_FIELDS = frozenset({"sampled_at", "noted_at", "start", "stop"})
BOOL_FIELDS = frozenset({"acknowledge_off_label"})
GENERAL = "_form"  # key of a message about the whole form


class FormProblems(Exception):
    """The form's problems by field name (GENERAL for the form as a whole)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _endpoint(name: str, method: str = "POST") -> Callable[..., Any]:
    for route in api_records.router.routes:
        if getattr(route, "name", None) == name and method in getattr(route, "methods", ()):
            return route.endpoint  # type: ignore[attr-defined,no-any-return]
    raise LookupError(f"the API has no endpoint {method} {name}")


def _aware(text: str, offset_min: int) -> str:
    """A datetime-local value (the browser's wall clock) with the browser's UTC offset."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone(-timedelta(minutes=offset_min)))
    return moment.isoformat()


def form_fields(kind: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The form's fields that belong to the schema, blanks dropped, datetimes given an offset."""
    schema = SCHEMAS[kind]
    try:
        offset_min = int(form.get("tz_offset_min") or 0)
    except ValueError:
        offset_min = 0
    fields: dict[str, Any] = {}
    for name in schema.model_fields:
        if name in BOOL_FIELDS:
            fields[name] = form.get(name) in ("on", "true", "1")
            continue
        raw = form.get(name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        value = raw.strip()
        if name in DATETIME_FIELDS:
            try:
                value = _aware(value, offset_min)
            except ValueError:
                pass  # the schema names the problem
        fields[name] = value
    return fields


def _validation_messages(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in exc.errors(include_url=False):
        field = str(e["loc"][0]) if e["loc"] else GENERAL
        message = str(e["msg"]).removeprefix("Value error, ")
        errors.setdefault(field, message)
    return errors


def add_record(access: Access, kind: str, form: Mapping[str, Any]) -> Any:
    """Validate the form with the API's schema and store it with the API's endpoint; FormProblems
    names what was wrong. Nothing is written when it fails (a savepoint is rolled back)."""
    try:
        body = SCHEMAS[kind].model_validate(form_fields(kind, form))
    except ValidationError as exc:
        raise FormProblems(_validation_messages(exc)) from None
    try:
        with access.session.begin_nested():
            return _endpoint(f"create_{kind}")(access, body)
    except InputError as exc:
        message = exc.problem + (f" (accepted: {_accepted(exc.accepted)})" if exc.accepted else "")
        field = exc.field if exc.field in SCHEMAS[kind].model_fields else GENERAL
        raise FormProblems({field: message}) from None


def remove_record(access: Access, kind: str, record_id: int) -> None:
    """Delete one record with the API's endpoint (same access rule, same audit row); a missing
    record is a 404 page."""
    try:
        _endpoint(f"delete_{kind}", "DELETE")(access, record_id)
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from None


def _accepted(accepted: Any) -> str:
    if isinstance(accepted, (list, tuple, set, frozenset)):
        return ", ".join(str(a) for a in accepted)
    return str(accepted)
