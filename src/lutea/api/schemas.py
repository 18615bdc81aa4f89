"""Request and response bodies of the REST API. Times must carry a timezone (they are stored in UTC)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lutea.records.inputs import (  # noqa: F401  (the record inputs are part of the API's schema)
    MAX_ID,
    BirthDate,
    DoseCreate,
    EpisodeCreate,
    EpisodeUpdate,
    MeasurementCreate,
    NoteCreate,
    RecordInput,
    RowId,
    SymptomCreate,
    SymptomUpdate,
    TreatmentCreate,
    TreatmentUpdate,
)

Role = Literal["patient", "clinician", "admin"]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]


_In = RecordInput


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
    birth_date: BirthDate | None = None
    sex: Literal["female", "male"] = "female"


class PatientUpdate(_In):
    display_name: Text200 | None = None
    birth_date: BirthDate | None = None
    sex: Literal["female", "male"] | None = None


class PatientOut(_Out):
    id: int
    display_name: str
    birth_date: date | None
    sex: str
    created_at: datetime


class RedFlagSource(BaseModel):
    type: Literal["measurements", "symptoms"]
    id: int | None


class Acknowledgement(BaseModel):
    at: datetime
    by: str | None


class RedFlagOut(BaseModel):
    """An urgent finding of a result or a symptom: plain-language title and text for the reader's
    role, what to do, its sources, the record it came from, and its acknowledgement (null: open)."""

    id: int
    code: str
    title: str
    text: str
    action: str | None
    sources: list[str]
    source: RedFlagSource
    raised_at: datetime
    acknowledged: Acknowledgement | None


class PatientListed(PatientOut):
    """A patient in the list, with the open urgent findings of the record, most recent first."""

    urgent: list[RedFlagOut]


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
    pregnancy_location: str | None
    note: str | None
    created_at: datetime


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


class SymptomOut(_Out):
    id: int
    patient_id: int
    episode_id: int | None
    symptom: str
    severity: int
    noted_at: datetime
    note: str | None
    created_at: datetime


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


class DoseOut(_Out):
    id: int
    patient_id: int
    treatment_id: int
    taken_at: datetime
    dose_mg: float
    created_at: datetime


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

