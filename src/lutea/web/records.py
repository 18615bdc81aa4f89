"""Forms that add a measurement, a symptom, a treatment or an episode through lutea.records (the
same inputs, plausibility checks, interpretation, red flags and audit as every shell), with the
problems turned into messages beside the fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ValidationError

from lutea.errors import InputError
from lutea.records import RecordAccess, RecordNotFound, service
from lutea.web.session import PageError

SCHEMAS: dict[str, type[BaseModel]] = {name: kind.create for name, kind in service.KINDS.items()}
CLINICIAN_ONLY = frozenset({"treatments", "episodes"})
DATETIME_FIELDS = frozenset({"sampled_at", "noted_at", "start", "stop"})
BOOL_FIELDS = frozenset({"acknowledge_off_label"})
GENERAL = "_form"  # key of a message about the whole form


class FormProblems(Exception):
    """The form's problems by field name (GENERAL for the form as a whole)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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


FIELD_LABELS = {"start_date": "start date", "end_date": "end date", "lmp_date": "last menstrual period",
                "lh_peak_date": "LH peak", "et_date": "embryo transfer date", "start": "start", "stop": "stop"}
_DATE_ORDER = re.compile(r"(\w+) (\S+) is before (\w+) (\S+); \w+ must be on or after \w+")


def shown_moment(moment: datetime) -> str:
    """A time as the pages show it: YYYY-MM-DD HH:MM UTC (a naive time is read as UTC, as the core's are)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _shown_time(text: str) -> str:
    """A date or an ISO time as the form shows it (YYYY-MM-DD or YYYY-MM-DD HH:MM UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if len(text) <= 10:
        return text
    return shown_moment(moment)


def _in_words(message: str) -> str:
    """A date-order problem of the records' inputs in the form's words, naming both fields."""
    match = _DATE_ORDER.fullmatch(message)
    if not match or match[1] not in FIELD_LABELS or match[3] not in FIELD_LABELS:
        return message
    later, earlier = FIELD_LABELS[match[1]], FIELD_LABELS[match[3]]
    return (f"The {later} ({_shown_time(match[2])}) is before the {earlier} ({_shown_time(match[4])}): "
            f"the {later} must be on or after the {earlier}.")


def _validation_messages(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in exc.errors(include_url=False):
        field = str(e["loc"][0]) if e["loc"] else GENERAL
        message = _in_words(str(e["msg"]).removeprefix("Value error, "))
        errors.setdefault(field, message)
    return errors


def add_record(access: RecordAccess, kind: str, form: Mapping[str, Any]) -> Any:
    """Validate the form with the record's input model and store it with lutea.records; FormProblems
    names what was wrong. Nothing is written when it fails (a savepoint is rolled back)."""
    try:
        body = SCHEMAS[kind].model_validate(form_fields(kind, form))
    except ValidationError as exc:
        raise FormProblems(_validation_messages(exc)) from None
    try:
        with access.session.begin_nested():
            return service.create(access, kind, body)
    except InputError as exc:
        message = exc.problem + (f" (accepted: {_accepted(exc.accepted)})" if exc.accepted else "")
        field = exc.field if exc.field in SCHEMAS[kind].model_fields else GENERAL
        raise FormProblems({field: message}) from None


def remove_record(access: RecordAccess, kind: str, record_id: int) -> None:
    """Delete one record with lutea.records (same access rule, same audit row); a missing record
    is a 404 page."""
    try:
        service.delete(access, kind, record_id)
    except RecordNotFound as exc:
        raise PageError(404, str(exc)) from None


def _accepted(accepted: Any) -> str:
    if isinstance(accepted, (list, tuple, set, frozenset)):
        return ", ".join(str(a) for a in accepted)
    return str(accepted)
