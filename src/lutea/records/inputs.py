"""What a write to a patient's record accepts: the fields of each kind of record, checked for
form (types, ranges, timezone-aware times). The records services check the rest (plausibility,
ownership) before anything is stored. Every shell validates with these models.

The limits of form (docs/api.md, "Limits of each input"): numbers are finite; times are ISO 8601
strings with a timezone, from 1900-01-01 to one year ahead (PLANNING_HORIZON); dates are ISO 8601
strings in the same window, a birth date not after today; text has no lone surrogates and no
control characters (line breaks only in notes).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lutea.timeline import EARLIEST

EpisodeKind = Literal["menstrual-cycle", "pregnancy", "ivf-cycle", "hormone-therapy"]
Protocol = Literal["hrt-fet", "natural-fet", "fresh"]
PregnancyLocation = Literal["intrauterine", "unknown", "ectopic"]  # where the latest scan placed it
SpecimenName = Literal["serum", "plasma", "saliva", "urine"]
AssayName = Literal["any", "immunoassay", "lcms"]
RouteName = Literal["oral", "vaginal", "im", "sc", "transdermal", "rectal", "iv", "intrauterine"]
MAX_ID = 2_147_483_647  # INTEGER columns on PostgreSQL (and what SQLite accepts)
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
_ROW_ID_TEXT = re.compile(r"[0-9]{1,10}")  # ASCII digits only: str.isdigit() also takes '²'


def row_id(text: str) -> int | None:
    """A record id written as text ('42'), or None when the text is not one (ASCII digits, 1..MAX_ID)."""
    if not _ROW_ID_TEXT.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None

EARLIEST_TIME = EARLIEST  # lutea.timeline: the earliest moment lutea reads (1900-01-01T00:00Z)
EARLIEST_DATE = EARLIEST.date()
"""No record (result, symptom, dose, treatment, episode, birth) is dated before this."""
PLANNING_HORIZON = timedelta(days=366)
"""How far ahead a planned date may lie (a treatment's start or stop, an episode's transfer day);
observations (samples, symptoms, doses) may not lie in the future at all (records.plausibility)."""
MULTILINE_FIELDS = frozenset({"note", "text"})  # free text: line breaks and tabs allowed
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _check_value(value: Any, where: str, multiline: bool) -> None:
    """Refuse, anywhere inside a field's raw value, a non-finite number, a lone surrogate or a
    control character (line breaks too, unless the field is free text)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}is not a finite number ({value}); use a finite number")
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise ValueError(f"{where}contains a lone surrogate (not a Unicode character)")
        if _CONTROL.search(value) or (not multiline and _LINE_BREAK.search(value)):
            raise ValueError(f"{where}contains a control character" + ("" if multiline else " or a line break"))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(key, f"{where}key {str(key)[:40]!r} ", multiline)
            _check_value(item, f"{where}{str(key)[:40]} ", multiline)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{where}item {index} ", multiline)


class StrictInput(BaseModel):
    """Strict input of every shell: unknown fields, non-finite numbers, lone surrogates and
    control characters (line breaks outside notes) are refused, naming the field."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any, info: ValidationInfo) -> Any:
        _check_value(value, "", info.field_name in MULTILINE_FIELDS)
        return value


RecordInput = StrictInput  # the name the record models and the API's account bodies use


def iso_only(value: Any) -> Any:
    """A time or date is an ISO 8601 string (or a date/datetime from Python), never a number."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or _NUMBER_TEXT.fullmatch(value):
        shown = repr(value)[:40]
        raise ValueError(f"{shown} is not an ISO 8601 date or time; numbers (Unix times) are not read as times")
    return value


def _time_window(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the years 1900 to one year from now") from None
    if utc < EARLIEST_TIME:
        raise ValueError(f"{value.isoformat()} is before 1900-01-01")
    if utc > datetime.now(UTC) + PLANNING_HORIZON:
        raise ValueError(f"{value.isoformat()} is more than a year ahead")
    return value


def _date_window(value: date) -> date:
    if value < EARLIEST_DATE:
        raise ValueError(f"{value.isoformat()} is before 1900-01-01")
    if value > date.today() + PLANNING_HORIZON:
        raise ValueError(f"{value.isoformat()} is more than a year ahead")
    return value


def _not_after_today(value: date) -> date:
    if value < EARLIEST_DATE or value > date.today():
        raise ValueError(f"{value.isoformat()} is not between 1900-01-01 and today")
    return value


Time = Annotated[AwareDatetime, BeforeValidator(iso_only), AfterValidator(_time_window)]
"""An ISO 8601 time with a timezone, from 1900-01-01 to one year ahead."""
Day = Annotated[date, BeforeValidator(iso_only), AfterValidator(_date_window)]
"""An ISO 8601 date (YYYY-MM-DD) from 1900-01-01 to one year ahead."""
BirthDate = Annotated[date, BeforeValidator(iso_only), AfterValidator(_not_after_today)]
"""An ISO 8601 date from 1900-01-01 to today."""


def _not_before(value: Any, info: ValidationInfo, earlier: str) -> Any:
    """A date-order check on the later field, naming both fields and both dates (422 at the later field)."""
    first = info.data.get(earlier)
    if value is not None and first is not None and value < first:
        raise ValueError(f"{info.field_name} {value.isoformat()} is before {earlier} {first.isoformat()}; "
                         f"{info.field_name} must be on or after {earlier}")
    return value


class EpisodeCreate(RecordInput):
    """An IVF cycle names its protocol (hrt-fet, natural-fet, fresh); other kinds name none."""

    kind: EpisodeKind
    start_date: Day
    end_date: Day | None = None
    cycle_length_days: Annotated[int, Field(ge=15, le=90)] | None = None
    lmp_date: Day | None = None
    lh_peak_date: Day | None = None
    protocol: Protocol | None = None
    et_date: Day | None = None
    embryo_age_days: Annotated[int, Field(ge=2, le=7)] | None = None
    pregnancy_location: PregnancyLocation | None = None
    note: Annotated[str, Field(max_length=5000)] | None = None

    _end_after_start = field_validator("end_date")(lambda cls, v, info: _not_before(v, info, "start_date"))
    _peak_after_period = field_validator("lh_peak_date")(lambda cls, v, info: _not_before(v, info, "lmp_date"))
    _transfer_in_cycle = field_validator("et_date")(lambda cls, v, info: _not_before(v, info, "start_date"))

    @model_validator(mode="after")
    def _consistent(self) -> EpisodeCreate:
        if self.kind == "ivf-cycle" and self.protocol is None:
            raise ValueError("protocol: an ivf-cycle needs one of hrt-fet, natural-fet, fresh")
        if self.kind != "ivf-cycle" and (self.protocol or self.et_date or self.embryo_age_days):
            raise ValueError("protocol, et_date and embryo_age_days belong to an ivf-cycle only")
        if self.kind != "pregnancy" and self.pregnancy_location is not None:
            raise ValueError("pregnancy_location belongs to a pregnancy only")
        return self


class EpisodeUpdate(RecordInput):
    end_date: Day | None = None
    cycle_length_days: Annotated[int, Field(ge=15, le=90)] | None = None
    lmp_date: Day | None = None
    lh_peak_date: Day | None = None
    et_date: Day | None = None
    embryo_age_days: Annotated[int, Field(ge=2, le=7)] | None = None
    pregnancy_location: PregnancyLocation | None = None
    note: Annotated[str, Field(max_length=5000)] | None = None


class MeasurementCreate(RecordInput):
    """A result as the laboratory reported it; the unit must suit the specimen."""

    specimen: SpecimenName
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    unit: Annotated[str, Field(min_length=1, max_length=32)]
    sampled_at: Time
    assay: AssayName = "any"
    laboratory: Annotated[str, Field(max_length=200)] | None = None
    episode_id: RowId | None = None


class SymptomCreate(RecordInput):
    symptom: Annotated[str, Field(min_length=1, max_length=100)]
    severity: Annotated[int, Field(ge=0, le=3)] = 1
    noted_at: Time
    note: Annotated[str, Field(max_length=5000)] | None = None
    episode_id: RowId | None = None


class SymptomUpdate(RecordInput):
    severity: Annotated[int, Field(ge=0, le=3)] | None = None
    note: Annotated[str, Field(max_length=5000)] | None = None


class TreatmentCreate(RecordInput):
    """product: an id or name from the knowledge base's products; schedule in the regimen language."""

    product: Annotated[str, Field(min_length=1, max_length=100)]
    route: RouteName
    dose_mg: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    schedule: Annotated[str, Field(min_length=1, max_length=500)]
    start: Time
    stop: Time | None = None
    episode_id: RowId | None = None
    acknowledge_off_label: bool = False

    _stop_after_start = field_validator("stop")(lambda cls, v, info: _not_before(v, info, "start"))


class TreatmentUpdate(RecordInput):
    stop: Time | None = None
    acknowledge_off_label: bool | None = None


class DoseCreate(RecordInput):
    taken_at: Time
    dose_mg: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class NoteCreate(RecordInput):
    text: Annotated[str, Field(min_length=1, max_length=10000)]
