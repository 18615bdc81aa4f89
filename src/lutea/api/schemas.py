"""Request and response bodies of the REST API. Times must carry a timezone (they are stored in UTC)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["patient", "clinician", "admin"]
EpisodeKind = Literal["menstrual-cycle", "pregnancy", "ivf-cycle", "hormone-therapy"]
Protocol = Literal["hrt-fet", "natural-fet", "fresh"]
SpecimenName = Literal["serum", "plasma", "saliva", "urine"]
AssayName = Literal["any", "immunoassay", "lcms"]
RouteName = Literal["oral", "vaginal", "im", "sc", "transdermal", "rectal", "iv"]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
MAX_ID = 2_147_483_647  # INTEGER columns on PostgreSQL (and what SQLite accepts)
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL character")
        return value


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class UserCreate(_In):
    email: Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
    password: Annotated[str, Field(min_length=10, max_length=200)]
    role: Role
    patient_id: RowId | None = None


class UserUpdate(_In):
    """Deactivating an account refuses its tokens at once; a new password replaces the old one."""

    active: bool | None = None
    password: Annotated[str, Field(min_length=10, max_length=200)] | None = None


class UserOut(_Out):
    id: int
    email: str
    role: str
    patient_id: int | None
    active: bool
    created_at: datetime


class AssignmentCreate(_In):
    clinician_email: Annotated[str, Field(min_length=3, max_length=320)]
    patient_id: RowId


class AssignmentOut(_Out):
    id: int
    clinician_id: int
    patient_id: int
    created_at: datetime


class AuditOut(_Out):
    id: int
    at: datetime
    user_id: int | None
    user_email: str | None
    action: str
    patient_id: int | None
    record_type: str | None
    record_id: int | None
    client_addr: str | None
    path: str | None


class PatientCreate(_In):
    display_name: Text200
    birth_date: date | None = None
    sex: Literal["female", "male"] = "female"


class PatientUpdate(_In):
    display_name: Text200 | None = None
    birth_date: date | None = None
    sex: Literal["female", "male"] | None = None


class PatientOut(_Out):
    id: int
    display_name: str
    birth_date: date | None
    sex: str
    created_at: datetime


class EpisodeCreate(_In):
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
    note: Annotated[str, Field(max_length=5000)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EpisodeCreate:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        if self.kind == "ivf-cycle" and self.protocol is None:
            raise ValueError("protocol: an ivf-cycle needs one of hrt-fet, natural-fet, fresh")
        if self.kind != "ivf-cycle" and (self.protocol or self.et_date or self.embryo_age_days):
            raise ValueError("protocol, et_date and embryo_age_days belong to an ivf-cycle only")
        return self


class EpisodeUpdate(_In):
    end_date: date | None = None
    cycle_length_days: Annotated[int, Field(ge=15, le=90)] | None = None
    lmp_date: date | None = None
    lh_peak_date: date | None = None
    et_date: date | None = None
    embryo_age_days: Annotated[int, Field(ge=2, le=7)] | None = None
    note: Annotated[str, Field(max_length=5000)] | None = None


class EpisodeOut(_Out):
    id: int
    patient_id: int
    kind: str
    start_date: date
    end_date: date | None
    cycle_length_days: int | None
    lmp_date: date | None
    lh_peak_date: date | None
    protocol: str | None
    et_date: date | None
    embryo_age_days: int | None
    note: str | None
    created_at: datetime


class MeasurementCreate(_In):
    """A result as the laboratory reported it; the unit must suit the specimen."""

    specimen: SpecimenName
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    unit: Annotated[str, Field(min_length=1, max_length=32)]
    sampled_at: AwareDatetime
    assay: AssayName = "any"
    laboratory: Annotated[str, Field(max_length=200)] | None = None
    episode_id: RowId | None = None


class MeasurementOut(_Out):
    id: int
    patient_id: int
    episode_id: int | None
    specimen: str
    analyte: str
    value: float
    unit: str
    value_canonical: float
    unit_canonical: str
    assay: str
    sampled_at: datetime
    laboratory: str | None
    created_at: datetime


class InterpretationOut(_Out):
    id: int
    patient_id: int
    measurement_id: int | None
    knowledge_version: str
    result: dict[str, Any]
    created_at: datetime


class MeasurementStored(MeasurementOut):
    interpretation: InterpretationOut | None = None


class SymptomCreate(_In):
    symptom: Annotated[str, Field(min_length=1, max_length=100)]
    severity: Annotated[int, Field(ge=0, le=3)] = 1
    noted_at: AwareDatetime
    note: Annotated[str, Field(max_length=5000)] | None = None
    episode_id: RowId | None = None


class SymptomUpdate(_In):
    severity: Annotated[int, Field(ge=0, le=3)] | None = None
    note: Annotated[str, Field(max_length=5000)] | None = None


class SymptomOut(_Out):
    id: int
    patient_id: int
    episode_id: int | None
    symptom: str
    severity: int
    noted_at: datetime
    note: str | None
    created_at: datetime


class TreatmentCreate(_In):
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


class TreatmentUpdate(_In):
    stop: AwareDatetime | None = None
    acknowledge_off_label: bool | None = None


class TreatmentOut(_Out):
    id: int
    patient_id: int
    episode_id: int | None
    product: str
    route: str
    dose_mg: float
    schedule: str
    start: datetime
    stop: datetime | None
    acknowledge_off_label: bool
    created_at: datetime


class DoseCreate(_In):
    taken_at: AwareDatetime
    dose_mg: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class DoseOut(_Out):
    id: int
    patient_id: int
    treatment_id: int
    taken_at: datetime
    dose_mg: float
    created_at: datetime


class NoteCreate(_In):
    text: Annotated[str, Field(min_length=1, max_length=10000)]


class NoteOut(_Out):
    id: int
    patient_id: int
    author_id: int | None
    text: str
    created_at: datetime


class TimelineEvent(BaseModel):
    at: str
    kind: str
    id: int
    record: dict[str, Any]


class Timeline(BaseModel):
    patient: PatientOut
    knowledge_version: str
    events: list[TimelineEvent]
    interpretations: list[InterpretationOut]
    predicted: dict[str, Any] | None = None


class ErrorDetail(BaseModel):
    detail: Any

