"""The plan page: a form made from a pathway's questions, and the plan (lutea.pathways.plan) with
its contraindications and sources; patients see it without doses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lutea.errors import InputError
from lutea.knowledge import load_knowledge
from lutea.pathways import list_scenarios, parse_answer, plan
from lutea.regions import regional_order
from lutea.web.access import FormDep, Viewer, ViewerDep
from lutea.web.session import PageError
from lutea.web.templating import page_region, render

router = APIRouter()
SCREEN_FIELDS = ("allergies", "conditions", "medications")


def plan_role(view: Viewer) -> str:
    """Dose options for clinicians only (as the API's /plan): patients and admins get the patient plan."""
    return "clinician" if view.is_clinician else "patient"


def _scenario(scenario_id: str) -> dict[str, Any]:
    for scenario in list_scenarios():
        if scenario["id"] == scenario_id:
            return scenario
    raise PageError(404, f"There is no pathway {scenario_id!r}.")


@router.get("/plan", response_class=HTMLResponse)
def scenarios(view: ViewerDep) -> Response:
    scenarios = [regional_order(s, page_region(view.request)) for s in list_scenarios()]
    return render(view.request, "plan_list.html", user=view.user, session=view.session, scenarios=scenarios)


@router.get("/plan/{scenario_id}", response_class=HTMLResponse)
def plan_form(view: ViewerDep, scenario_id: str) -> Response:
    return render(view.request, "plan.html", user=view.user, session=view.session, scenario=_scenario(scenario_id),
                  values={}, errors={}, result=None, symptoms=_symptom_choices())


def _symptom_choices() -> list[str]:
    kb = load_knowledge()
    return sorted({s.id for s in kb.entries("symptoms")} | {s.id for s in kb.entries("triage_symptoms")})


def _answers(scenario_id: str, form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    questions = {q.id: q for q in load_knowledge().get("pathways", scenario_id).questions}
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for qid, question in questions.items():
        raw = ", ".join(v for v in form.getlist(qid) if str(v).strip()) if question.type == "list" else form.get(qid)
        if raw is None or not str(raw).strip():
            if question.type == "list":
                answers[qid] = ()
            elif question.required and getattr(question, "default", None) is None:
                errors[qid] = "Answer this question: the plan needs it."
            continue
        try:
            answers[qid] = parse_answer(question, str(raw))
        except InputError as exc:
            errors[qid] = exc.problem
    return answers, errors


@router.post("/plan/{scenario_id}", response_class=HTMLResponse)
def make_plan(view: ViewerDep, form: FormDep, scenario_id: str) -> Response:
    """The plan for the answers; messages beside the questions the core refused."""
    scenario = _scenario(scenario_id)
    answers, errors = _answers(scenario_id, form)
    screen = {name: [p.strip() for p in str(form.get(name) or "").split(",") if p.strip()] for name in SCREEN_FIELDS}
    result = None
    if not errors:
        try:
            result = regional_order(plan(scenario_id, answers, role=plan_role(view), **screen).to_json(),
                                  page_region(view.request))
        except InputError as exc:
            errors[exc.field if exc.field in answers or exc.field in SCREEN_FIELDS else "_form"] = (
                exc.problem + (f" (accepted: {', '.join(map(str, exc.accepted))})" if isinstance(exc.accepted, (list, tuple)) else "")
            )
    values = {k: form.getlist(k) if len(form.getlist(k)) > 1 else form.get(k) for k in form.keys() if k != "csrf_token"}
    return render(view.request, "plan.html", user=view.user, session=view.session, scenario=scenario, values=values,
                  errors=errors, result=result, symptoms=_symptom_choices(), status_code=422 if errors else 200)
