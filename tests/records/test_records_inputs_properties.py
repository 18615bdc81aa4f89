"""Property tests of the record inputs (lutea.records.inputs) with hostile values: a field gets a
non-finite number, a year-1 or year-9999 time, a number where a time belongs, a surrogate or a
control character, a megabyte string or another person's id. Each model either refuses the body
with a ValidationError naming that field, or accepts a value within the limits of form."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hostile_values import HOSTILE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from lutea.records.inputs import (
    EARLIEST_DATE,
    EARLIEST_TIME,
    PLANNING_HORIZON,
    DoseCreate,
    EpisodeCreate,
    EpisodeUpdate,
    MeasurementCreate,
    NoteCreate,
    SymptomCreate,
    SymptomUpdate,
    TreatmentCreate,
    TreatmentUpdate,
)

NOW = datetime.now(UTC).replace(microsecond=0)
VALID: dict[type[BaseModel], dict[str, Any]] = {
    EpisodeCreate: {"kind": "ivf-cycle", "protocol": "hrt-fet", "start_date": "2026-01-05"},
    EpisodeUpdate: {"note": "ok"},
    MeasurementCreate: {"specimen": "serum", "value": 10.0, "unit": "ng/mL", "sampled_at": "2026-01-05T08:00:00Z"},
    SymptomCreate: {"symptom": "spotting", "noted_at": "2026-01-05T08:00:00+01:00"},
    SymptomUpdate: {"severity": 2},
    TreatmentCreate: {"product": "Cyclogest", "route": "vaginal", "dose_mg": 400, "schedule": "400 mg vaginal q12h",
                      "start": "2026-01-05T08:00:00Z"},
    TreatmentUpdate: {"stop": "2026-01-06T08:00:00Z"},
    DoseCreate: {"taken_at": "2026-01-05T08:00:00Z", "dose_mg": 400},
    NoteCreate: {"text": "a note"},
}
FIELDS = [(model, name) for model in VALID for name in model.model_fields]


def _within_form(value: Any, multiline: bool) -> None:
    """What every accepted value satisfies, whatever came in."""
    if isinstance(value, float):
        assert math.isfinite(value)
    elif isinstance(value, str):
        assert not any("\ud800" <= c <= "\udfff" for c in value)
        assert not any(ord(c) < 32 and (not multiline or c not in "\t\n\r") for c in value)
    elif isinstance(value, datetime):
        assert value.tzinfo is not None
        assert EARLIEST_TIME <= value.astimezone(UTC) <= datetime.now(UTC) + PLANNING_HORIZON
    elif isinstance(value, date):
        assert EARLIEST_DATE <= value <= date.today() + PLANNING_HORIZON


@pytest.mark.parametrize(("model", "field"), FIELDS, ids=[f"{m.__name__}.{f}" for m, f in FIELDS])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(value=HOSTILE)
def test_a_hostile_value_is_refused_by_name_or_accepted_within_the_limits(model, field, value) -> None:
    body = {**VALID[model], field: value}
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        assert {e["loc"][0] for e in exc.errors() if e["loc"]} <= {field} or not exc.errors()[0]["loc"], exc.errors()
        return
    _within_form(getattr(parsed, field), field in ("note", "text"))


@settings(max_examples=60, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                           timezones=st.timezones()))
def test_any_aware_time_is_accepted_only_within_1900_and_a_year_ahead(moment) -> None:
    body = {**VALID[MeasurementCreate], "sampled_at": moment.isoformat()}
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    inside = utc is not None and EARLIEST_TIME <= utc <= datetime.now(UTC) + PLANNING_HORIZON - timedelta(seconds=5)
    outside = utc is None or utc < EARLIEST_TIME or utc > datetime.now(UTC) + PLANNING_HORIZON + timedelta(seconds=5)
    try:
        MeasurementCreate.model_validate(body)
        assert not outside
    except ValidationError as exc:
        assert not inside and exc.errors()[0]["loc"] == ("sampled_at",)
