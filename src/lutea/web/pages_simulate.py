"""The simulate page (clinicians): a regimen builder drawn live by lutea.pk.simulate with the
population band, a threshold and the fraction below it; and, for a patient with measured levels,
the individualised prediction and ranked candidate regimens from her record (lutea.records.balance)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from lutea.cutoffs import transfer_day_cutoff
from lutea.errors import InputError
from lutea.knowledge import load_knowledge
from lutea.pk import ROUTES
from lutea.pk.baseline import CONTEXTS, BaselineContext
from lutea.pk.regimen import parse_regimen
from lutea.pk.simulate import MAX_DAYS, simulate
from lutea.records.balance import patient_balance
from lutea.records.inputs import MAX_ID
from lutea.safety import check_labelled_daily_dose
from lutea.store import crud
from lutea.web.access import ViewerDep, open_patient, require_clinician
from lutea.web.chart import NMOL_PER_NG, balance_chart, balance_table
from lutea.web.templating import render

CONTEXT_WORDS = {"natural-cycle": "natural cycle", "hrt-fet": "programmed FET (no corpus luteum)",
                 "postmenopausal": "after menopause", "male": "male", "pregnancy": "pregnancy", "none": "none (doses only)"}
router = APIRouter()
POPULATION = 500
_CUTOFF = transfer_day_cutoff("hrt-fet", "vaginal")  # the builder's default: programmed FET, vaginal
DEFAULTS = {"product": "none", "route": "vaginal", "dose_mg": "400", "interval_h": "12", "days": "7",
            "context": "hrt-fet", "cycle_day": "15", "gestational_weeks": "6", "assay": "lcms",
            "threshold": f"{_CUTOFF.value:g}" if _CUTOFF else "", "weight_kg": ""}
FIELDS = tuple(DEFAULTS)


# The builder's number fields: their words, and the range the form accepts (the form's own min/max;
# the engine's limits, MAX_DAYS, still apply after these).
NUMBER_FIELDS: dict[str, tuple[str, float | None, float | None, bool]] = {  # words, min, max, required
    "dose_mg": ("The dose in mg", 0.0, None, True),
    "interval_h": ("The dosing interval in hours", 1.0, None, True),
    "days": ("The number of days", 1.0, float(MAX_DAYS), True),
    "cycle_day": ("The cycle day at the start", 1.0, 60.0, False),
    "gestational_weeks": ("The weeks of pregnancy at the start", 3.0, 42.0, False),
    "threshold": ("The threshold in ng/mL", 0.0, None, False),
    "weight_kg": ("The weight in kg", 30.0, 250.0, False),
}


def field_problems(params: dict[str, str]) -> dict[str, str]:
    """Every number field's problem at once, as a sentence (empty when all are readable)."""
    problems: dict[str, str] = {}
    for name, (words, low, high, required) in NUMBER_FIELDS.items():
        text = params.get(name, "").strip()
        if not text:
            if required:
                problems[name] = f"{words} is missing: enter a number."
            continue
        try:
            value = float(text)
        except ValueError:
            problems[name] = f"{words} must be a number; {text!r} is not one."
            continue
        if low is not None and (value < low or (name == "dose_mg" and value <= 0)):
            problems[name] = (f"{words} must be more than {low:g}; {text} is not." if name == "dose_mg"
                              else f"{words} must be at least {low:g}; {text} is too small.")
        elif high is not None and value > high:
            problems[name] = f"{words} can be at most {high:g}; {text} is too large."
    return problems


class BuilderProblems(InputError):
    """Several fields of the builder are wrong at once."""

    def __init__(self, problems: dict[str, str]):
        first = next(iter(problems))
        super().__init__(first, problems[first], "numbers in the ranges the form shows")
        self.problems = problems


def regimen_text(params: dict[str, str]) -> str:
    """The regimen language line the builder's fields make (docs/regimen-language.md)."""
    for name in ("dose_mg", "interval_h", "days"):
        try:
            float(params[name])
        except ValueError:
            raise InputError(name, f"{params[name][:40]!r} is not a number", "a number") from None
        if not math.isfinite(float(params[name])):
            raise InputError(name, f"{params[name][:40]!r} is not a finite number", "a number")
    product = params["product"] if params["product"] != "none" else ""
    return f"{product} {params['dose_mg']} mg {params['route']} q{params['interval_h']}h x {params['days']}d".strip()


def _number(params: dict[str, str], name: str) -> float | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise InputError(name, f"{text[:40]!r} is not a number", "a number") from None
    if not math.isfinite(number):
        raise InputError(name, f"{text[:40]!r} is not a finite number", "a number")
    return number


def _context(params: dict[str, str], start: datetime) -> BaselineContext:
    """The body's own level the builder adds: natural cycle from the cycle day at the start,
    pregnancy from the gestational weeks at the start, or another context by name."""
    kind = params["context"]
    if kind == "natural-cycle":
        cycle_day = _number(params, "cycle_day") or 1.0
        return BaselineContext("natural-cycle", cycle_start=start - timedelta(days=cycle_day - 1))
    if kind == "pregnancy":
        return BaselineContext("pregnancy", gestational_weeks=_number(params, "gestational_weeks"))
    return BaselineContext(kind)  # type: ignore[arg-type]


def simulation(params: dict[str, str]) -> dict[str, Any]:
    """The builder's curve: population median, 5th-95th band, threshold and the fraction below it.
    BuilderProblems names every unreadable field at once."""
    problems = field_problems(params)
    if problems:
        raise BuilderProblems(problems)
    text = regimen_text(params)
    days = _number(params, "days") or 7.0
    threshold = _number(params, "threshold")
    # the first dose at 08:00 UTC today: a morning-and-evening clock, the one the capsule data were
    # taken on (VUB 2024), so the curve does not depend on the hour the page is opened
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    if params["context"] not in CONTEXTS:
        raise InputError("context", f"unknown context {params['context']!r}", CONTEXTS)
    context = _context(params, start)
    # the labelled daily maximum (lutea.safety), shown beside the dose field; the API and CLI can
    # acknowledge an off-label dose, the builder cannot
    check_labelled_daily_dose(parse_regimen(text).dose_events(start, start + timedelta(days=days)), field="dose_mg")
    result = simulate(text, days=days, start=start, context=context, assay=params["assay"], population=POPULATION,
                      threshold=threshold, weight_kg=_number(params, "weight_kg"), step_h=1.0)
    s = result.summary
    return {
        "regimen": text, "t_h": [float(h) for h in result.times_h],
        "median": [round(float(c), 3) for c in result.concentration_ng_ml],
        "p5": [round(float(c), 3) for c in result.p5], "p95": [round(float(c), 3) for c in result.p95],  # type: ignore[union-attr]
        "threshold": threshold, "fraction_below": s.fraction_below_threshold, "threshold_at_h": s.threshold_at_h,
        "cmax": round(s.cmax, 2), "tmax_h": s.tmax_h, "cmin_ss": None if s.cmin_ss is None else round(s.cmin_ss, 2),
        "doses": len(result.events), "sources": list(result.sources), "caveats": list(result.caveats), "assay": result.assay,
        "nmol_per_ng": NMOL_PER_NG, "population": POPULATION,
    }


def _params(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, DEFAULTS[name]) for name in FIELDS}


def _choices() -> dict[str, Any]:
    return {"products": [(p.id, p.names[0]) for p in load_knowledge().entries("products")],
            "routes": sorted(ROUTES), "contexts": [(c, CONTEXT_WORDS.get(c, c)) for c in CONTEXTS], "assays": (("lcms", "LC-MS/MS"), ("immunoassay", "immunoassay"))}


@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(view: ViewerDep) -> Response:
    require_clinician(view)
    params = _params(view.request)
    result, errors = None, {}
    try:
        result = simulation(params)
    except InputError as exc:
        errors = builder_errors(exc)
    patients = crud.accessible_patients(view.db, view.user)
    return render(view.request, "simulate.html", user=view.user, session=view.session, params=params, result=result,
                  errors=errors, choices=_choices(), patients=patients, status_code=422 if errors else 200)


def builder_errors(exc: InputError) -> dict[str, str]:
    """The problems by field of the builder, each a sentence; one about no field under "_form"."""
    if isinstance(exc, BuilderProblems):
        return dict(exc.problems)
    accepted = f" Accepted: {exc.accepted}." if isinstance(exc.accepted, str) and exc.accepted else ""
    sentence = exc.problem[:1].upper() + exc.problem[1:] + ("" if exc.problem.endswith(".") else ".") + accepted
    return {exc.field if exc.field in FIELDS else "_form": sentence}


@router.get("/simulate/curve.json")
def simulate_json(view: ViewerDep) -> JSONResponse:
    """The builder's curve as JSON for the page's live redraw (422 with the field and problem)."""
    require_clinician(view)
    try:
        return JSONResponse(simulation(_params(view.request)))
    except InputError as exc:
        return JSONResponse({"field": exc.field, "problem": exc.problem, "accepted": str(exc.accepted or ""),
                             "errors": builder_errors(exc)}, status_code=422)


@router.get("/patients/{patient_id}/balance", response_class=HTMLResponse)
def balance_page(view: ViewerDep, patient_id: int = Path(ge=1, le=MAX_ID)) -> Response:
    """The individualised prediction and ranked candidate regimens (clinicians only)."""
    access, patient = open_patient(view, patient_id)
    require_clinician(view)
    target = view.request.query_params.get("target") or None
    report, error, chart, rows = None, None, None, []
    now = datetime.now(UTC)
    try:
        report = patient_balance(access, target, now=now)
    except InputError as exc:
        error = exc
    if report is not None:
        chart = balance_chart(report, now)
        rows = balance_table(report, chart)
    return render(view.request, "balance.html", user=view.user, session=view.session, patient=patient,
                  report=report, chart=chart, chart_rows=rows, error=error, target=target or "",
                  status_code=422 if error else 200)


