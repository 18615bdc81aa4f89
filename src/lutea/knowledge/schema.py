"""Schema of lutea's knowledge base: every entry is data with its sources."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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


ThresholdKind = Literal[
    "ovulation_confirmed",
    "ovulation_equivocal",
    "early_pregnancy_risk",
    "et_day_low",
    "et_day_high",
    "pdg_ovulation",
    "implausible_high",
]


class Threshold(Choosable):
    """A decision threshold on a level: what crossing it means and where it applies.

    `applies_to` narrows the context (for example protocol: hrt-fet, route: vaginal).
    """

    kind: ThresholdKind
    analyte: Literal["progesterone", "pdg"]
    specimen: Literal["serum", "plasma", "saliva", "urine"]
    comparison: Literal["lt", "le", "ge", "gt"]
    value: float = Field(gt=0)
    unit: str
    applies_to: dict[str, str | list[str]] = Field(default_factory=dict)
    consecutive_days: int | None = Field(default=None, ge=1)
    gestational_weeks: tuple[float, float] | None = None  # [low, high) window the rule covers
    days_after_lh: tuple[float, float] | None = None  # inclusive window after the LH peak
    description: str


# Situations a red flag applies in: any, pregnancy, hormone treatment, and two narrower ones a
# pathway or context names (after IVF/ART; a pregnancy at risk of preterm birth).
Situation = Literal["pregnancy", "hormone_treatment", "any", "assisted_reproduction", "preterm_birth_risk"]
NarrowSituation = Literal["assisted_reproduction", "preterm_birth_risk"]


class RedFlag(Cited):
    """A symptom pattern that needs care now; overrides every other output."""

    name: str
    any_symptoms: list[str] = Field(min_length=1)
    all_symptoms: list[str] = Field(default_factory=list)
    when: list[Situation] = Field(min_length=1)
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


Route = Literal["oral", "vaginal", "im", "sc", "transdermal", "rectal", "iv", "intrauterine"]

# The active substance of a product: progesterone itself, or a synthetic progestogen. Other entries
# (risk profiles, pathways) key on these ids.
Substance = Literal[
    "progesterone", "dydrogesterone", "medroxyprogesterone-acetate", "norethisterone", "dienogest",
    "levonorgestrel",
]
PROGESTERONE: Substance = "progesterone"


class LabelledRegimen(_Strict):
    indication: str
    dose_mg: float = Field(gt=0)
    interval_h: float = Field(gt=0)
    route: Route
    sources: list[str] = Field(min_length=1)


class ProductWarning(_Strict):
    """A warning the product label puts in front of prescribers (a US boxed warning), shown with
    the product wherever it is screened."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    kind: Literal["boxed"]
    title: str
    message: str
    patient_message: str
    sources: list[str] = Field(min_length=1)


class Product(Cited):
    """A progesterone or progestogen product: its substance, route and formulation, and its label
    facts. A serum progesterone assay measures only products whose substance is progesterone."""

    names: list[str] = Field(min_length=1)
    substance: Substance
    route: Route
    routes: list[Route] = Field(default_factory=list)  # further licensed routes (oral capsule used vaginally)
    formulation: str
    strengths_mg: list[float] = Field(min_length=1)
    labelled_regimens: list[LabelledRegimen] = Field(default_factory=list)
    max_daily_dose_mg: float | None = Field(default=None, gt=0)
    excipients: list[str] = Field(default_factory=list)
    warnings: list[ProductWarning] = Field(default_factory=list)


# --- PK route models (owned by the PK engine; values replaced by calibration) ---------------

PK_BASE_PARAMETERS = ("f_bio", "cl_l_per_h", "v_l")
PK_ABSORPTION_PARAMETERS = {
    "bolus": (),
    "first-order": ("ka_per_h",),
    "dual": ("ka_per_h", "ka_slow_per_h", "frac_fast"),
    "transit": ("ka_per_h", "ktr_per_h"),  # depot -> transit depot (ktr) -> circulation (ka)
}
PK_TWO_COMPARTMENT_PARAMETERS = ("q_l_per_h", "v2_l")
PK_OPTIONAL_PARAMETERS = ("lag_h",)
PK_FRACTION_PARAMETERS = ("f_bio", "frac_fast")


class PkParameter(_Strict):
    """Typical value of one PK parameter (unit in its name), its log- (or logit-) scale BSV
    SD `omega`, and an allometric weight exponent (None: weight not used)."""

    value: float = Field(ge=0)
    omega: float = Field(default=0.0, ge=0)
    weight_exponent: float | None = None
    sources: list[str] = Field(default_factory=list)
    note: str | None = None


class PkResidualError(_Strict):
    """Residual error of a measured level: proportional SD (fraction) and additive SD in ng/mL."""

    proportional_sd: float = Field(ge=0)
    additive_sd_ng_ml: float = Field(ge=0)
    sources: list[str] = Field(default_factory=list)
    note: str | None = None


class PkDoseProportionality(_Strict):
    """Less-than-proportional absorption: each dose event reaches the circulation with
    F = f_bio * (dose_mg / reference_dose_mg) ** (-exponent) (exponent 0: linear), or, with
    half_saturation_mg (saturable uptake), an absorbed amount dose * (ref + K) / (dose + K): in
    proportion to the dose well below K, approaching a ceiling well above it."""

    reference_dose_mg: float = Field(gt=0)
    exponent: float = Field(default=0.0, ge=0, lt=1)
    half_saturation_mg: float | None = Field(default=None, gt=0)
    sources: list[str] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "PkDoseProportionality":
        if self.half_saturation_mg is not None and self.exponent:
            raise ValueError("give either exponent (power law) or half_saturation_mg (saturable uptake), not both")
        return self


class PkDiurnal(_Strict):
    """Time-of-day variation of a route's contribution to the serum level: at clock hour h the
    contribution is multiplied by exp(amplitude cos(2 pi (h - peak_clock_h) / 24)) / I0(amplitude),
    whose mean over a day is 1 (so f_bio stays the daily-average bioavailability)."""

    amplitude: float = Field(ge=0, le=1)
    peak_clock_h: float = Field(ge=0, lt=24)
    sources: list[str] = Field(default_factory=list)
    note: str | None = None


class PkFoodEffect(_Strict):
    """Food taken with the dose raises F by `factor`: a dose taken with food enters the engine as
    `factor` times the dose (exact because such a model must be linear in the dose). The model's
    typical values are those of doses taken fasting (the reference state)."""

    factor: float = Field(gt=0)
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class PkRouteModel(Cited):
    """A linear PK model of one route and formulation: compartments, absorption, parameters.

    `provisional: true` marks literature starting values that calibration replaces;
    `fitted_from` lists the study arms a fit used.
    """

    route: Route
    formulation: str
    formulations: list[str] = Field(default_factory=list)  # aliases (capsule/pessary ...)
    default_for_route: bool = False
    compartments: Literal[1, 2] = 1
    absorption: Literal["bolus", "first-order", "dual", "transit"]
    parameters: dict[str, PkParameter]
    residual: PkResidualError
    weight_note: str
    provisional: bool = True
    fitted_from: list[str] = Field(default_factory=list)
    dose_proportionality: PkDoseProportionality | None = None
    diurnal: PkDiurnal | None = None
    food_effect: PkFoodEffect | None = None
    caveat: str | None = None  # shown with every plan or candidate that uses the model

    @model_validator(mode="after")
    def _complete(self) -> "PkRouteModel":
        need = set(PK_BASE_PARAMETERS) | set(PK_ABSORPTION_PARAMETERS[self.absorption])
        if self.compartments == 2:
            need |= set(PK_TWO_COMPARTMENT_PARAMETERS)
        have = set(self.parameters)
        missing = need - have
        extra = have - need - set(PK_OPTIONAL_PARAMETERS)
        if missing or extra:
            raise ValueError(
                f"pk model {self.id}: missing parameters {sorted(missing)}, unexpected {sorted(extra)}"
            )
        for name in PK_FRACTION_PARAMETERS:
            if name in self.parameters and not 0 < self.parameters[name].value <= 1:
                raise ValueError(f"pk model {self.id}: {name} must lie in (0, 1]")
        if self.food_effect is not None and self.dose_proportionality is not None:
            raise ValueError(f"pk model {self.id}: a food effect scales the dose, "
                             "which needs absorption linear in the dose")
        return self


# --- PK of synthetic progestogens and their metabolites (owned by lutea.pk.progestogens) ------

ProgestogenMetric = Literal["cmax", "tmax", "t_half", "auc_inf", "auc_tau", "cmin", "cavg", "auc_ratio", "cmax_ratio",
                            "steady_state_days"]


class ProgestogenObservation(_Strict):
    """One published exposure figure of a progestogen or metabolite: single dose (interval_h None)
    or steady state on `interval_h` dosing. ng/mL, ng*h/mL, hours or days as the metric says;
    auc_ratio and cmax_ratio are this analyte's over its parent's after the same dose.
    use: fit (the parameters were fitted to it) or compare (held out, shown in the report)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    metric: ProgestogenMetric
    value: float = Field(gt=0)
    dose_mg: float = Field(gt=0)
    interval_h: float | None = Field(default=None, gt=0)
    use: Literal["fit", "compare"]
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class ProgestogenModel(Cited):
    """A PK model of one analyte (a progestogen or its metabolite) after a product's route: a
    linear compartment model whose parameters are apparent (per mg of the progestogen dosed), so
    f_bio is 1 unless the label gives it. `parent` names the analyte a metabolite comes from.
    A progesterone assay measures none of them (`measured_by_progesterone_assay` stays false)."""

    substance: Literal["dydrogesterone", "medroxyprogesterone-acetate", "norethisterone", "dienogest", "levonorgestrel"]
    analyte: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    label: str
    parent: str | None = None
    route: Route
    formulation: str
    compartments: Literal[1, 2] = 1
    absorption: Literal["first-order"] = "first-order"
    parameters: dict[str, PkParameter]
    validated: bool
    measured_by_progesterone_assay: Literal[False] = False
    observations: list[ProgestogenObservation] = Field(default_factory=list)
    caveat: str

    @model_validator(mode="after")
    def _complete(self) -> "ProgestogenModel":
        need = set(PK_BASE_PARAMETERS) | set(PK_ABSORPTION_PARAMETERS[self.absorption])
        if self.compartments == 2:
            need |= set(PK_TWO_COMPARTMENT_PARAMETERS)
        if set(self.parameters) != need:
            raise ValueError(f"progestogen model {self.id}: parameters {sorted(self.parameters)}, need {sorted(need)}")
        if not 0 < self.parameters["f_bio"].value <= 1:
            raise ValueError(f"progestogen model {self.id}: f_bio must lie in (0, 1]")
        if self.validated and not any(o.use == "compare" for o in self.observations):
            raise ValueError(f"progestogen model {self.id}: validated needs a held-out (compare) observation")
        return self


# --- PK calibration data: published study arms, assay factors, endogenous baselines ---------

PkArmPopulation = Literal["postmenopausal", "premenopausal", "healthy", "art", "pregnant", "male"]


class PKArm(Cited):
    """One published PK study arm: the regimen, who and how it was measured, what was observed.

    Times are hours; the reported window starts `window_start_h` after the first dose and lasts
    `window_h` (Cmax, Tmax, Cmin are read inside it); AUC runs from the window start over
    `auc_window_h` hours (None: to infinity). Concentrations in ng/mL, AUC in ng*h/mL.
    """

    study: str
    route: Route
    formulation: str
    product: str | None = None
    dose_mg: float = Field(gt=0)
    interval_h: float | None = Field(default=None, gt=0)
    n_doses: int = Field(default=1, ge=1)
    window_start_h: float = Field(default=0.0, ge=0)
    window_h: float = Field(gt=0)
    first_dose_clock_h: float | None = Field(default=None, ge=0, lt=24)  # clock hour of the first dose, where stated
    population: PkArmPopulation
    n_subjects: int | None = Field(default=None, ge=1)
    assay: Literal["immunoassay", "lcms"]
    assay_method: str
    baseline_subtracted: bool | None = None
    with_food: bool = False  # doses taken with food (simulated with the model's food_effect)
    cmax_ng_ml: float | None = Field(default=None, gt=0)
    cmax_sd_ng_ml: float | None = Field(default=None, ge=0)
    tmax_h: float | None = Field(default=None, ge=0)
    auc_ng_h_ml: float | None = Field(default=None, gt=0)
    auc_sd_ng_h_ml: float | None = Field(default=None, ge=0)
    auc_window_h: float | None = Field(default=None, gt=0)
    cavg_ng_ml: float | None = Field(default=None, gt=0)
    cavg_window_h: float | None = Field(default=None, gt=0)
    cavg_sd_ng_ml: float | None = Field(default=None, ge=0)
    cavg_one_sample: bool = False  # the reported "average" is one sample at an unstated time
    cmin_ng_ml: float | None = Field(default=None, gt=0)
    levels_ng_ml: dict[float, float] = Field(default_factory=dict)  # hours after window start -> level
    levels_sd_ng_ml: dict[float, float] = Field(default_factory=dict)  # between-subject SD of those levels
    statistic: Literal["mean", "median", "geometric mean"] = "mean"
    use: Literal["fit", "compare", "exclude"] = "fit"
    use_reason: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "PKArm":
        if self.n_doses > 1 and self.interval_h is None:
            raise ValueError(f"pk arm {self.id}: n_doses > 1 needs interval_h")
        if self.auc_ng_h_ml is not None and self.auc_window_h is None and self.n_doses > 1:
            raise ValueError(f"pk arm {self.id}: AUC to infinity is defined for a single dose only")
        observed = (self.cmax_ng_ml, self.auc_ng_h_ml, self.cavg_ng_ml, self.cmin_ng_ml)
        if all(v is None for v in observed) and not self.levels_ng_ml:
            raise ValueError(f"pk arm {self.id}: no observed exposure")
        if self.use != "fit" and not self.use_reason:
            raise ValueError(f"pk arm {self.id}: use {self.use!r} needs use_reason")
        if not set(self.levels_sd_ng_ml) <= set(self.levels_ng_ml):
            raise ValueError(f"pk arm {self.id}: levels_sd_ng_ml has times without a level in levels_ng_ml")
        if self.cavg_sd_ng_ml is not None and self.cavg_ng_ml is None:
            raise ValueError(f"pk arm {self.id}: cavg_sd_ng_ml needs cavg_ng_ml")
        return self


class AssayEvidence(_Strict):
    """One study's immunoassay/mass-spectrometry ratio after a route."""

    ratio: float = Field(gt=0)
    basis: str
    sources: list[str] = Field(min_length=1)


class AssayFactor(Cited):
    """How much higher an immunoassay reads than LC-MS/MS for progesterone given by a route.

    `factor` is the geometric mean of the evidence ratios (1 where no study found a bias).
    """

    route: Route
    assay: Literal["immunoassay"]
    factor: float = Field(gt=0)
    evidence: list[AssayEvidence] = Field(default_factory=list)


class BaselineLevel(Choosable):
    """Endogenous serum progesterone of a context without a corpus luteum cycle (ng/mL)."""

    context: Literal["postmenopausal", "male", "hrt-fet", "pregnancy"]
    gestational_week: float | None = Field(default=None, ge=3, le=42)
    median_ng_ml: float = Field(gt=0)
    p5_ng_ml: float = Field(gt=0)
    p95_ng_ml: float = Field(gt=0)
    assay: Assay = "any"

    @model_validator(mode="after")
    def _ordered(self) -> "BaselineLevel":
        if not self.p5_ng_ml <= self.median_ng_ml <= self.p95_ng_ml:
            raise ValueError(f"baseline level {self.id}: need p5 <= median <= p95")
        if (self.context == "pregnancy") != (self.gestational_week is not None):
            raise ValueError(f"baseline level {self.id}: gestational_week belongs to pregnancy only")
        return self


# --- Balancing: which regimens lutea may offer a clinician (owned by individualise) -----------


class RegimenAddition(_Strict):
    """A recognised addition to the current regimen (for example 25 mg SC daily as rescue).

    kind "fixed" adds dose_mg every interval_h by route/formulation; "double-current" repeats the
    current regimen once more (the dose doubled).
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    label: str
    kind: Literal["fixed", "double-current"] = "fixed"
    dose_mg: float | None = Field(default=None, gt=0)
    interval_h: float | None = Field(default=None, gt=0)
    route: Route | None = None
    formulation: str | None = None
    product: str | None = None
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> "RegimenAddition":
        fixed = (self.dose_mg, self.interval_h, self.route)
        if self.kind == "fixed" and any(v is None for v in fixed):
            raise ValueError(f"addition {self.id}: a fixed addition needs dose_mg, interval_h and route")
        if self.kind == "double-current" and any(v is not None for v in fixed):
            raise ValueError(f"addition {self.id}: double-current takes no dose_mg, interval_h or route")
        return self


class BalancingScenario(Cited):
    """The candidate regimens of one clinical scenario: labelled regimens whose indication
    matches `indications` (case-insensitive substring) and recognised `additions`."""

    label: str
    contexts: list[str] = Field(min_length=1)
    indications: list[str] = Field(default_factory=list)
    additions: list[RegimenAddition] = Field(default_factory=list)


# --- Clinical pathways and safety screening (owned by pathways.py / safety.py) -------------

AnswerType = Literal["bool", "number", "enum", "list"]
ConditionOp = Literal[
    "eq", "ne", "lt", "le", "gt", "ge", "in", "contains", "any_of", "is_true", "is_false",
    "below_threshold", "below_any_threshold",
]
THRESHOLD_OPS = ("below_threshold", "below_any_threshold")
THRESHOLD_CONTEXT = ("protocol", "route", "gestational_weeks")
CUTOFF_PLACEHOLDERS = ("{cutoff}", "{alternatives}")
# a caveat's texts may name the synthetic progestogens in use (filled when the caveat is read)
SUBSTANCE_PLACEHOLDERS = ("{progestogen}", "{patient_progestogen}")


class PathwayQuestion(_Strict):
    """One eligibility question of a pathway; `options` lists accepted values of enum and list.

    `default` is the answer an unanswered question means (a pregnancy not yet seen on a scan is of
    unknown location). `aliases` are former ids still accepted for the question, and
    `option_aliases` other spellings of an enum option (for example a former yes/no answer).
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str
    type: AnswerType
    required: bool = True
    options: list[str] = Field(default_factory=list)
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: str | None = None
    aliases: list[str] = Field(default_factory=list)
    option_aliases: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options(self) -> "PathwayQuestion":
        if self.type == "enum" and not self.options:
            raise ValueError(f"question {self.id}: an enum needs options")
        if self.default is not None and (self.type != "enum" or self.default not in self.options):
            raise ValueError(f"question {self.id}: default {self.default!r} is not one of its enum options")
        if self.default is not None and self.required:
            raise ValueError(f"question {self.id}: a question with a default is not required")
        unknown = set(self.option_aliases) - set(self.options)
        if unknown:
            raise ValueError(f"question {self.id}: option_aliases name unknown options {sorted(unknown)}")
        return self

    def option_for(self, raw: str) -> str | None:
        """The enum option a spelling means (the option itself or one of its aliases), else None."""
        text = raw.strip().lower()
        if text in self.options:
            return text
        return next((o for o, spellings in self.option_aliases.items() if text in spellings), None)


class Condition(_Strict):
    """A tiny expression over answers: all_of / any_of / none_of of conditions, or one test
    `answer op value` (is_true and is_false take no value; any_of: list answer meets a list).

    `below_threshold` compares a serum level answer (ng/mL) with the knowledge base's default
    threshold of `threshold_kind` for the context read from other answers (`context` maps
    protocol, route, gestational_weeks to answer ids); `below_any_threshold` with any threshold
    of that kind that applies. Neither takes a value: the number lives in thresholds.yaml.
    """

    all_of: list["Condition"] | None = None
    any_of: list["Condition"] | None = None
    none_of: list["Condition"] | None = None
    answer: str | None = None
    op: ConditionOp | None = None
    value: bool | float | str | list[str] | None = None
    threshold_kind: ThresholdKind | None = None
    context: dict[str, str] = Field(default_factory=lambda: {"protocol": "protocol", "route": "route"})

    @model_validator(mode="after")
    def _one_form(self) -> "Condition":
        forms = [f for f in ("all_of", "any_of", "none_of", "answer") if getattr(self, f) is not None]
        if len(forms) != 1:
            raise ValueError(f"a condition needs exactly one of all_of, any_of, none_of, answer; got {forms}")
        if self.answer is not None:
            if self.op is None:
                raise ValueError(f"condition on {self.answer}: op is required")
            valueless = ("is_true", "is_false", *THRESHOLD_OPS)
            if self.op in valueless and self.value is not None:
                raise ValueError(f"condition on {self.answer}: {self.op} takes no value")
            if self.op not in valueless and self.value is None:
                raise ValueError(f"condition on {self.answer}: {self.op} needs a value")
            if (self.op in THRESHOLD_OPS) != (self.threshold_kind is not None):
                raise ValueError(f"condition on {self.answer}: threshold_kind goes with {' and '.join(THRESHOLD_OPS)} only")
            unknown = set(self.context) - set(THRESHOLD_CONTEXT)
            if unknown:
                raise ValueError(f"condition on {self.answer}: context keys {sorted(unknown)} not in {THRESHOLD_CONTEXT}")
        return self

    def answers(self) -> set[str]:
        """Every answer id the condition reads (a threshold test also reads its context answers)."""
        if self.answer is not None:
            return {self.answer, *(self.context.values() if self.op in THRESHOLD_OPS else ())}
        found: set[str] = set()
        for group in (self.all_of, self.any_of, self.none_of):
            for item in group or []:
                found |= item.answers()
        return found

    def threshold_tests(self) -> list["Condition"]:
        """The threshold comparisons inside this condition, depth first."""
        if self.answer is not None:
            return [self] if self.op in THRESHOLD_OPS else []
        return [t for group in (self.all_of, self.any_of, self.none_of) for item in group or []
                for t in item.threshold_tests()]


class PathwayCriterion(_Strict):
    """An eligibility criterion: met when `when` holds; `met` and `unmet` are the reasons given."""

    id: str
    when: Condition
    met: str
    unmet: str
    patient_unmet: str
    sources: list[str] = Field(min_length=1)


class PathwayRegimen(_Strict):
    """A recommended regimen; `when` selects it among variants (for example rescue, or by
    oestrogen dose). `meaning` says what it is for without a dose (patient output)."""

    id: str
    product: str
    route: Route
    dose_mg: float = Field(gt=0)
    interval_h: float = Field(gt=0)
    start: str
    stop: str
    meaning: str
    when: Condition | None = None
    off_label: bool = False
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class PathwayNote(_Strict):
    """Advice that becomes a finding when `when` holds (always, when omitted). A note naming
    `red_flags` (ids from red_flags.yaml) is a safety net: it lists what to watch for and what to
    do, and leads the plan's findings right after any red flag that fired."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_.-]*$")
    severity: Literal["info", "advise", "urgent"]
    message: str
    patient_message: str
    when: Condition | None = None
    red_flags: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)


class Pathway(Cited):
    """A clinical pathway: questions, eligibility criteria as data, regimens, monitoring and
    what not to do. `pregnant`, `on_hormone_treatment` and `situations` set the red-flag context."""

    title: str
    summary: str
    patient_summary: str
    pregnant: bool
    on_hormone_treatment: bool
    situations: list[NarrowSituation] = Field(default_factory=list)  # further red-flag situations
    questions: list[PathwayQuestion] = Field(min_length=1)
    criteria: list[PathwayCriterion] = Field(min_length=1)
    regimens: list[PathwayRegimen] = Field(default_factory=list)
    monitoring: list[PathwayNote] = Field(default_factory=list)
    do_not: list[PathwayNote] = Field(default_factory=list)
    notes: list[PathwayNote] = Field(default_factory=list)
    luteal_test_days_before_period: int | None = Field(default=None, ge=1, le=14)
    # substances (risk_profiles.yaml ids) whose risk profiles the plan sets side by side even when
    # no regimen names them (the progestogen choice of menopausal therapy)
    risk_comparison: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _answers_known(self) -> "Pathway":
        known = {q.id for q in self.questions}
        taken = [a for q in self.questions for a in q.aliases]
        clash = sorted((set(taken) & known) | {a for a in taken if taken.count(a) > 1})
        if clash:
            raise ValueError(f"pathway {self.id}: question aliases clash with other questions {clash}")
        conditions = [c.when for c in self.criteria]
        conditions += [r.when for r in self.regimens if r.when is not None]
        conditions += [n.when for n in (*self.monitoring, *self.do_not, *self.notes) if n.when is not None]
        for condition in conditions:
            unknown = condition.answers() - known
            if unknown:
                raise ValueError(f"pathway {self.id}: conditions read unknown answers {sorted(unknown)}")
            for test in condition.threshold_tests():
                level = next(q for q in self.questions if q.id == test.answer)
                if level.type != "number" or (level.unit or "").lower() != "ng/ml":
                    raise ValueError(f"pathway {self.id}: {test.op} compares a serum level in ng/mL; {level.id} is not one")
        for when, texts in self.rendered_texts():
            if any(p in text for text in texts for p in CUTOFF_PLACEHOLDERS) and (
                    when is None or not when.threshold_tests()):
                raise ValueError(f"pathway {self.id}: a text with {CUTOFF_PLACEHOLDERS} needs a `when` with a threshold test")
        return self

    def rendered_texts(self) -> list[tuple[Condition | None, list[str]]]:
        """Each item's condition with the texts a plan renders from it (the only texts that may
        carry the {cutoff} and {alternatives} placeholders)."""
        out: list[tuple[Condition | None, list[str]]] = [
            (c.when, [c.met, c.unmet, c.patient_unmet]) for c in self.criteria]
        out += [(r.when, [r.start, r.stop, r.meaning, r.note or ""]) for r in self.regimens]
        out += [(n.when, [n.message, n.patient_message]) for n in (*self.monitoring, *self.do_not, *self.notes)]
        return out


# --- Risk profiles of progestogens with oestrogen (owned by lutea.risk_profiles) -----------

RiskOutcome = Literal["breast-cancer", "venous-thromboembolism"]
RISK_OUTCOMES: tuple[str, ...] = ("breast-cancer", "venous-thromboembolism")


class RiskEstimate(_Strict):
    """One published estimate of an outcome with a progestogen given with oestrogen: the measure
    (relative risk, odds or hazard ratio) with its 95% CI where the source gives them, what was
    compared, and whether it is specific to the substance or pooled over all progestogens."""

    outcome: RiskOutcome
    measure: Literal["RR", "OR", "HR"] | None = None
    value: float | None = Field(default=None, gt=0)
    ci95: tuple[float, float] | None = None
    scope: Literal["substance", "pooled"] = "substance"
    exposure: str
    finding: str
    patient_message: str
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _interval(self) -> "RiskEstimate":
        if self.value is not None and self.measure is None:
            raise ValueError(f"{self.outcome} estimate: a value needs its measure (RR, OR or HR)")
        if self.ci95 is not None:
            low, high = self.ci95
            if self.value is None or not 0 < low <= self.value <= high:
                raise ValueError(f"{self.outcome} estimate: 95% CI {self.ci95} must surround the value {self.value}")
        return self


class RiskProfile(Cited):
    """What lutea's sources say about breast cancer and venous thromboembolism with one
    progestogen given with oestrogen (id: the substance, as products name it)."""

    name: str
    summary: str
    patient_summary: str
    estimates: list[RiskEstimate] = Field(default_factory=list)


class Contraindication(Cited):
    """A label contraindication or caution, matched on allergies or conditions; it applies to the
    `products` named (empty: every product) whose substance is one of `substances` (empty: any)."""

    name: str
    kind: Literal["absolute", "relative"]
    allergies: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    substances: list[Substance] = Field(default_factory=list)
    message: str
    patient_message: str

    @model_validator(mode="after")
    def _matches_something(self) -> "Contraindication":
        if not self.allergies and not self.conditions:
            raise ValueError(f"contraindication {self.id}: give allergies or conditions to match")
        return self


class Interaction(Cited):
    """A drug that changes the exposure of a product's substance (or whose exposure it changes);
    `substances` empty means any substance."""

    drug: str
    aliases: list[str] = Field(default_factory=list)
    substances: list[Substance] = Field(default_factory=list)
    mechanism: Literal[
        "strong CYP3A4 inducer", "moderate CYP3A4 inducer", "strong CYP3A4 inhibitor",
        "moderate CYP3A4 inhibitor", "progesterone raises its level", "progesterone opposes its effect",
        "enzyme inducer (CYP3A4)",
    ]
    effect: str
    advice: str
    patient_message: str


SideEffectFrequency = Literal["very common", "common", "uncommon", "rare", "not known"]


class SideEffect(Cited):
    """An expected side effect from product information, by product and route; `percent` and
    `comparator_percent` where the label's trial table gives them."""

    product: str
    route: Route
    effect: str
    frequency: SideEffectFrequency
    percent: float | None = Field(default=None, ge=0, le=100)
    comparator_percent: float | None = Field(default=None, ge=0, le=100)
    context: str


# --- Interpretation core: cycle timing, caveats, triage vocabulary ---------------------------


class CycleTiming(Cited):
    """One timing fact that places a sample in the cycle, pregnancy or a transfer, in days.

    `days` holds one number; `window_days` an inclusive window (low, high).
    """

    description: str
    days: float | None = None
    window_days: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "CycleTiming":
        if (self.days is None) == (self.window_days is None):
            raise ValueError(f"cycle timing {self.id}: give exactly one of days and window_days")
        if self.window_days is not None and self.window_days[0] > self.window_days[1]:
            raise ValueError(f"cycle timing {self.id}: window low > high")
        return self


class Caveat(Cited):
    """A statement attached to a result whenever its conditions hold; an empty list means any."""

    code: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    severity: Literal["info", "advise", "urgent"]
    specimens: list[Literal["serum", "plasma", "saliva", "urine"]] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    assays: list[Literal["any", "immunoassay", "lcms", "unknown"]] = Field(default_factory=list)
    pregnancy_locations: list[Literal["intrauterine", "unknown", "ectopic"]] = Field(default_factory=list)
    # the substances in use it applies to (empty: any, or none). Its texts may name them with
    # SUBSTANCE_PLACEHOLDERS.
    substances: list[Substance] = Field(default_factory=list)
    message: str
    patient_message: str


class ExpectedLevelRule(Cited):
    """How a measured level is read against the population its treatment is predicted to give:
    below `percentile` (a fraction, e.g. 0.05) of the predicted levels gives `code`."""

    code: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    percentile: float = Field(gt=0, lt=0.5)
    description: str


class TriageSymptom(Cited):
    """A symptom name the red flags use, with the spellings people type for it."""

    label: str
    aliases: list[str] = Field(default_factory=list)


# --- Regions: where the clinic is (owned by lutea.regions) -----------------------------------

CONTACT_KEY = r"^[a-z][a-z_]*$"


class Region(Cited):
    """A clinic's region: the wording of each contact patient texts name through a placeholder
    ({emergency_number} ...), and its order of preference of guideline bodies (matched against a
    source's `authors`)."""

    name: str
    contacts: dict[str, str] = Field(min_length=1)
    guideline_publishers: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys(self) -> "Region":
        bad = sorted(k for k in self.contacts if not re.match(CONTACT_KEY, k))
        if bad:
            raise ValueError(f"region {self.id}: contact keys {bad} are not lower_case_words")
        return self


# --- Default balance target of an episode (owned by lutea.records.balance) -----------------

class BalanceTarget(Cited):
    """The default level target of balancing for a kind of episode: bounds from threshold kinds
    (thresholds.yaml, read through lutea.cutoffs for her protocol and route), or a reference
    interval, or none at all when no level target is evidence-based (`rationale` says why)."""

    episode: Literal["menstrual-cycle", "pregnancy", "ivf-cycle", "hormone-therapy"]
    protocol: str | None = None
    low_threshold: str | None = None
    """A threshold kind whose default entry's crossing is failure (e.g. et_day_low: target >= it)."""
    high_threshold: str | None = None
    reference: str | None = None
    """A serum reference interval (id or phase) to stay within."""
    start: Literal["transfer_day", "now"] = "now"
    rationale: str


# --- Claims people meet, graded (claims.yaml; read through lutea.claims) -----------------

Verdict = Literal["supported", "uncertain", "unsupported", "contradicted"]
VERDICTS: tuple[str, ...] = ("supported", "uncertain", "unsupported", "contradicted")


class ClaimLinks(_Strict):
    """Where lutea links to a claim: finding codes, pathway ids and diary symptom ids."""

    findings: list[str] = Field(default_factory=list)
    pathways: list[str] = Field(default_factory=list)
    symptoms: list[str] = Field(default_factory=list)


class Claim(Cited):
    """A claim people meet about progesterone, its verdict against the sources, a plain-language
    summary for patients and what the sources say for clinicians."""

    claim: str = Field(min_length=1)
    verdict: Verdict
    summary: str = Field(min_length=1)
    evidence: str = Field(min_length=1)
    related: ClaimLinks = Field(default_factory=ClaimLinks)
