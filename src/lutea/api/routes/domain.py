"""The domain core over HTTP: interpret, simulate, individualize and plan; the same JSON as the CLI.

These routes read and write no record: everything they use is in the request. They need a valid
token; patients (and admins) get the patient view where the core has one (no doses or regimens).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from lutea.context import Context, resolve_progestogens, resolve_treatment
from lutea.errors import InputError
from lutea.http_access import UserDep
from lutea.individualise import Individualiser, Level, balance_report, parse_target
from lutea.interpret import interpret as interpret_result
from lutea.knowledge import load_knowledge
from lutea.measurement import Measurement
from lutea.pathways import list_scenarios
from lutea.pathways import plan as build_plan
from lutea.pk.assay import parse_assay
from lutea.pk.baseline import BaselineContext, ContextKind
from lutea.pk.simulate import simulate as simulate_core
from lutea.records.inputs import Day, StrictInput, Time
from lutea.regions import regional_order
from lutea.units import Specimen, to_canonical

router = APIRouter(tags=["domain"])
MAX_POINTS = 2_000_000  # population x time points of one simulation request (memory bound)


_In = StrictInput  # unknown fields, non-finite numbers, surrogates and control characters refused


def _core_role(user: Any) -> str:
    return "clinician" if user.role == "clinician" else "patient"


class MeasurementIn(_In):
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    unit: Annotated[str, Field(min_length=1, max_length=32)] = "ng/mL"
    specimen: Literal["serum", "plasma", "saliva", "urine"] = "serum"
    assay: Annotated[str, Field(max_length=32)] | None = None
    sampled_at: Annotated[Time | Day, Field(union_mode="left_to_right")] | None = None


class InterpretRequest(_In):
    """One result and its context (lutea.context.Context; treatment by product name or route)."""

    measurement: MeasurementIn
    context: Context = Field(default_factory=Context)


@router.post("/interpret")
def interpret(body: InterpretRequest, user: UserDep) -> dict[str, Any]:
    """Interpret one progesterone result in its context (as `lutea interpret --json`)."""
    m = body.measurement
    measurement = Measurement(value=m.value, unit=m.unit, specimen=m.specimen, assay=m.assay, sampled_at=m.sampled_at)  # type: ignore[arg-type]
    context = body.context
    if context.treatment is not None:
        t = context.treatment
        context = context.model_copy(
            update={"treatment": resolve_treatment(t.product, t.route, t.dose_mg, t.interval_h, t.last_dose_at)}
        )
    if context.progestogens:  # names or ids, as for the treatment's product
        context = context.model_copy(update={"progestogens": resolve_progestogens(context.progestogens)})
    return interpret_result(measurement, context).to_json()


class SimulateRequest(_In):
    """A regimen in the regimen language and the options of `lutea simulate`."""

    regimen: Annotated[str, Field(min_length=1, max_length=2000)]
    days: Annotated[float, Field(gt=0, le=120)] = 14.0
    context: ContextKind = "none"
    cycle_length: Annotated[float, Field(ge=18, le=60)] = 28.0
    cycle_start: Time | None = None
    lh_peak: Time | None = None
    gestational_weeks: Annotated[float, Field(ge=3, le=42)] | None = None
    weight_kg: Annotated[float, Field(ge=30, le=250)] | None = None
    assay: Literal["lcms", "immunoassay"] = "lcms"
    population: Annotated[int, Field(ge=1, le=5000)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 1
    threshold: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    threshold_at_h: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    start: Time | None = None
    step_h: Annotated[float, Field(ge=0.05, le=24)] = 0.5
    acknowledge_off_label: bool = False  # simulate a daily dose above the product's labelled maximum
    # exposure statistics of the subjects' individual values between these hours after the first dose
    window_h: Annotated[list[Annotated[float, Field(allow_inf_nan=False)]], Field(min_length=2, max_length=2)] | None = None
    exposure_baseline: Literal["total", "subtracted"] = "total"


@router.post("/simulate")
def simulate(body: SimulateRequest, user: UserDep) -> dict[str, Any]:
    """Serum progesterone over time for a regimen (as `lutea simulate --json`)."""
    points = (body.population or 1) * (body.days * 24 / body.step_h + 1)
    if points > MAX_POINTS:
        raise InputError("population", f"{points:.0f} simulated points are too many for one request",
                         f"population x (days x 24 / step_h) up to {MAX_POINTS}")
    context = BaselineContext(body.context, cycle_length_days=body.cycle_length, cycle_start=body.cycle_start,
                              lh_peak=body.lh_peak, gestational_weeks=body.gestational_weeks)
    result = simulate_core(
        body.regimen, days=body.days, context=context, weight_kg=body.weight_kg, assay=body.assay,
        population=body.population, seed=body.seed, threshold=body.threshold, threshold_at_h=body.threshold_at_h,
        start=body.start, step_h=body.step_h, acknowledge_off_label=body.acknowledge_off_label,
        window_h=(body.window_h[0], body.window_h[1]) if body.window_h else None, exposure_baseline=body.exposure_baseline,
    )
    return result.as_dict()


class LevelIn(_In):
    time: Time
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    unit: Annotated[str, Field(min_length=1, max_length=32)] = "ng/mL"


class IndividualizeRequest(_In):
    """Dose history, measured serum levels and a target (the options of `lutea individualize`)."""

    regimen: Annotated[str, Field(min_length=1, max_length=2000)]
    levels: Annotated[list[LevelIn], Field(min_length=1, max_length=50)]
    target: Annotated[str, Field(min_length=1, max_length=500)]
    weight_kg: Annotated[float, Field(ge=20, le=300)] | None = None
    assay: Literal["lcms", "immunoassay"] = "lcms"
    context: ContextKind = "hrt-fet"
    cycle_length_days: Annotated[float, Field(ge=18, le=60)] = 28.0
    lh_peak: Time | None = None
    cycle_start: Time | None = None
    change_at: Time | None = None
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


@router.post("/individualize")
def individualize(body: IndividualizeRequest, user: UserDep) -> dict[str, Any]:
    """A person's own PK from their levels, and regimens ranked for a target (as `lutea individualize
    --json`); patients and admins get the prediction without doses."""
    assay = parse_assay(body.assay)
    context = BaselineContext(body.context, cycle_length_days=body.cycle_length_days, lh_peak=body.lh_peak,
                              cycle_start=body.cycle_start)
    levels = [
        Level(lv.time, to_canonical(lv.value, lv.unit, Specimen.SERUM, field=f"levels.{i}.value",
                                    unit_field=f"levels.{i}.unit"), assay)
        for i, lv in enumerate(body.levels)
    ]
    goal = parse_target(body.target)
    individualiser = Individualiser(context=context if context.kind != "none" else None, assay=assay,
                                    weight_kg=body.weight_kg, seed=body.seed)
    fit = individualiser.fit(body.regimen, levels)
    report = balance_report(fit, goal, role=_core_role(user), change_at=body.change_at, current_text=body.regimen)
    report["context"] = context.kind
    return report


class PlanRequest(_In):
    """A pathway id and its answers (see GET /plan/scenarios), with the safety screening inputs."""

    scenario: Annotated[str, Field(min_length=1, max_length=100)]
    answers: dict[str, Any] = Field(default_factory=dict)
    allergies: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    conditions: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    medications: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)


@router.get("/plan/scenarios")
def scenarios(user: UserDep, request: Request) -> dict[str, Any]:
    """The pathways and their questions (as `lutea plan --list --json`); sources list the clinic
    region's guideline bodies first."""
    region_id = request.app.state.settings.region
    return {"knowledge_version": load_knowledge().version,
            "scenarios": [regional_order(s, region_id) for s in list_scenarios()]}


@router.post("/plan")
def plan(body: PlanRequest, user: UserDep, request: Request) -> dict[str, Any]:
    """A guideline plan with safety screening, red flags first (as `lutea plan --json`); patients
    and admins get the patient view. Sources list the clinic region's guideline bodies first."""
    ids = [p.id for p in load_knowledge().entries("pathways")]
    if body.scenario not in ids:
        raise InputError("scenario", f"unknown scenario {body.scenario!r}", ids)
    result = build_plan(body.scenario, body.answers, role=_core_role(user), allergies=body.allergies,
                        conditions=body.conditions, medications=body.medications)
    return regional_order(result.to_json(), request.app.state.settings.region)
