"""What a write to a patient's record accepts: the fields of each kind of record, checked for
form (types, ranges, timezone-aware times). The records services check the rest (plausibility,
ownership) before anything is stored. Every shell validates with these models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

EpisodeKind = Literal["menstrual-cycle", "pregnancy", "ivf-cycle", "hormone-therapy"]
Protocol = Literal["hrt-fet", "natural-fet", "fresh"]
PregnancyLocation = Literal["intrauterine", "unknown", "ectopic"]  # where the latest scan placed it
SpecimenName = Literal["serum", "plasma", "saliva", "urine"]
AssayName = Literal["any", "immunoassay", "lcms"]
RouteName = Literal["oral", "vaginal", "im", "sc", "transdermal", "rectal", "iv"]
MAX_ID = 2_147_483_647  # INTEGER columns on PostgreSQL (and what SQLite accepts)
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class RecordInput(BaseModel):
    """Strict input: unknown fields and NUL characters are refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL character")
        return value


class EpisodeCreate(RecordInput):
    """An IVF cycle names its protocol (hrt-fet, natural-fet, fresh); other kinds name none."""

    kind: EpisodeKind
    start_date: date
    end_date: date | None = None
    cycle_length_days: Annotated[int, Field(ge=15, le=90)] | None = None
    lmp_date: date | None = None
    lh_peak_date: date | None = None
    protocol: Protocol | None = None
    et_date: date | None = None
    embryo_age_days: Annotated[int, Field(ge=2, le=7)] | None = None
    pregnancy_location: PregnancyLocation | None = None
    note: Annotated[str, Field(max_length=5000)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EpisodeCreate:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        if self.kind == "ivf-cycle" and self.protocol is None:
            raise ValueError("protocol: an ivf-cycle needs one of hrt-fet, natural-fet, fresh")
        if self.kind != "ivf-cycle" and (self.protocol or self.et_date or self.embryo_age_days):
            raise ValueError("protocol, et_date and embryo_age_days belong to an ivf-cycle only")
        if self.kind != "pregnancy" and self.pregnancy_location is not None:
            raise ValueError("pregnancy_location belongs to a pregnancy only")
        return self


class EpisodeUpdate(RecordInput):
    end_date: date | None = None
    cycle_length_days: Annotated[int, Field(ge=15, le=90)] | None = None
    lmp_date: date | None = None
    lh_peak_date: date | None = None
    et_date: date | None = None
    embryo_age_days: Annotated[int, Field(ge=2, le=7)] | None = None
    pregnancy_location: PregnancyLocation | None = None
    note: Annotated[str, Field(max_length=5000)] | None = None


class MeasurementCreate(RecordInput):
    """A result as the laboratory reported it; the unit must suit the specimen."""

    specimen: SpecimenName
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    unit: Annotated[str, Field(min_length=1, max_length=32)]
    sampled_at: AwareDatetime
    assay: AssayName = "any"
    laboratory: Annotated[str, Field(max_length=200)] | None = None
    episode_id: RowId | None = None


class SymptomCreate(RecordInput):
    symptom: Annotated[str, Field(min_length=1, max_length=100)]
    severity: Annotated[int, Field(ge=0, le=3)] = 1
    noted_at: AwareDatetime
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
    start: AwareDatetime
    stop: AwareDatetime | None = None
    episode_id: RowId | None = None
    acknowledge_off_label: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> TreatmentCreate:
        if self.stop is not None and self.stop < self.start:
            raise ValueError("stop is before start")
        return self


class TreatmentUpdate(RecordInput):
    stop: AwareDatetime | None = None
    acknowledge_off_label: bool | None = None


class DoseCreate(RecordInput):
    taken_at: AwareDatetime
    dose_mg: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class NoteCreate(RecordInput):
    text: Annotated[str, Field(min_length=1, max_length=10000)]
