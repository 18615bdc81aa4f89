"""Schema of lutea's knowledge base: every entry is data with its sources."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceKind(StrEnum):
    GUIDELINE = "guideline"
    META_ANALYSIS = "meta-analysis"
    TRIAL = "trial"
    OBSERVATIONAL = "observational"
    LABEL = "label"
    LAB_REFERENCE = "lab reference"
    REVIEW = "review"
    DATASET = "dataset"


class Source(_Strict):
    """A published source that knowledge entries cite."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str
    authors: str
    year: int = Field(ge=1900, le=2100)
    url: str = Field(pattern=r"^https?://")
    kind: SourceKind
    pmid: str | None = None
    doi: str | None = None
    note: str | None = None


class Cited(_Strict):
    """An entry that rests on one or more sources (ids from sources.yaml)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class Choosable(Cited):
    """An entry that may compete with another for the same use; one is the default."""

    default: bool = True
    default_reason: str | None = None


Assay = Literal["any", "immunoassay", "lcms"]


class ReferenceInterval(Choosable):
    """Population reference interval of a concentration for a phase or gestational window."""

    analyte: Literal["progesterone", "pdg"]
    specimen: Literal["serum", "plasma", "saliva", "urine"]
    population: Literal["female", "male", "pregnant", "postmenopausal"]
    phase: Literal[
        "follicular", "peri-ovulatory", "luteal", "mid-luteal", "pregnancy", "postmenopausal", "male"
    ]
    gestational_weeks: tuple[float, float] | None = None
    low: float = Field(ge=0)
    high: float = Field(gt=0)
    unit: str
    assay: Assay = "any"
    label: str

    @model_validator(mode="after")
    def _ordered(self) -> "ReferenceInterval":
        if self.low >= self.high:
            raise ValueError(f"reference interval {self.id}: low {self.low} >= high {self.high}")
        if (self.phase == "pregnancy") != (self.gestational_weeks is not None):
            raise ValueError(f"reference interval {self.id}: gestational_weeks belongs to pregnancy only")
        return self


class Threshold(Choosable):
    """A decision threshold on a level: what crossing it means and where it applies.

    `applies_to` narrows the context (for example protocol: hrt-fet, route: vaginal).
    """

    kind: Literal[
        "ovulation_confirmed",
        "ovulation_equivocal",
        "early_pregnancy_risk",
        "et_day_low",
        "et_day_high",
        "pdg_ovulation",
        "implausible_high",
    ]
    analyte: Literal["progesterone", "pdg"]
    specimen: Literal["serum", "plasma", "saliva", "urine"]
    comparison: Literal["lt", "le", "ge", "gt"]
    value: float = Field(gt=0)
    unit: str
    applies_to: dict[str, str | list[str]] = Field(default_factory=dict)
    consecutive_days: int | None = Field(default=None, ge=1)
    description: str


class RedFlag(Cited):
    """A symptom pattern that needs care now; overrides every other output."""

    name: str
    any_symptoms: list[str] = Field(min_length=1)
    all_symptoms: list[str] = Field(default_factory=list)
    when: list[Literal["pregnancy", "hormone_treatment", "any"]] = Field(min_length=1)
    clinician_message: str
    patient_message: str
    action: str


EvidenceGrade = Literal["high", "moderate", "low", "very low", "none"]


class Symptom(Cited):
    """A diary symptom and the graded evidence for its link to progesterone."""

    label: str
    aliases: list[str] = Field(default_factory=list)
    claim: str | None = None
    evidence_grade: EvidenceGrade
    assessment: str
    patient_message: str
    red_flags: list[str] = Field(default_factory=list)


Route = Literal["oral", "vaginal", "im", "sc", "transdermal", "rectal", "iv"]


class LabelledRegimen(_Strict):
    indication: str
    dose_mg: float = Field(gt=0)
    interval_h: float = Field(gt=0)
    route: Route
    sources: list[str] = Field(min_length=1)


class Product(Cited):
    """A progesterone product: what it is, its route and formulation, and its label facts."""

    names: list[str] = Field(min_length=1)
    route: Route
    routes: list[Route] = Field(default_factory=list)  # further licensed routes (oral capsule used vaginally)
    formulation: str
    strengths_mg: list[float] = Field(min_length=1)
    labelled_regimens: list[LabelledRegimen] = Field(default_factory=list)
    max_daily_dose_mg: float | None = Field(default=None, gt=0)
    excipients: list[str] = Field(default_factory=list)
