"""`lutea plan --scenario ID [answers] [--role patient|clinician] --json`: a guideline plan with
safety screening and red flags first; `lutea plan --list` names the scenarios and their questions."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from lutea.cli._common import RegionOption, clinic_region, console
from lutea.errors import InputError
from lutea.knowledge import load_knowledge
from lutea.pathways import list_scenarios, parse_answer, question_named
from lutea.pathways import plan as build_plan
from lutea.regions import for_region, regional_order
from lutea.terminal import domain_errors, print_json


def _split(values: list[str] | None) -> list[str]:
    """Repeatable options that also accept comma-separated values."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _answers(scenario: str, shorthand: dict[str, Any], pairs: list[str]) -> dict[str, Any]:
    kb = load_knowledge()
    ids = [p.id for p in kb.entries("pathways")]
    if scenario not in ids:
        raise InputError("scenario", f"unknown scenario {scenario!r}", ids)
    pathway = kb.get("pathways", scenario)
    answers = {k: v for k, v in shorthand.items() if v is not None}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise InputError("answer", f"{pair!r} is not KEY=VALUE", "KEY=VALUE, for example cervical_length_mm=20")
        question = question_named(pathway, key)
        if question is None:
            raise InputError("answer", f"{key!r} is not a question of {scenario!r}", sorted(q.id for q in pathway.questions))
        answers[key] = parse_answer(question, value)
    return answers


@domain_errors
def plan(
    scenario: Annotated[str | None, typer.Option("--scenario", help="Pathway id; see --list.")] = None,
    list_scenarios_: Annotated[bool, typer.Option("--list", help="List the scenarios and their questions.")] = False,
    gestational_weeks: Annotated[float | None, typer.Option("--gestational-weeks", help="Weeks of pregnancy.")] = None,
    symptoms: Annotated[list[str] | None, typer.Option("--symptoms", help="Symptoms (repeat or comma-separate).")] = None,
    previous_miscarriages: Annotated[int | None, typer.Option("--previous-miscarriages", help="Previous miscarriages.")] = None,
    pregnancy_location: Annotated[str | None, typer.Option(
        "--pregnancy-location", help="Where a scan shows the pregnancy: intrauterine, unknown (the default) or ectopic.")] = None,
    intrauterine_confirmed: Annotated[bool | None, typer.Option(
        "--intrauterine-confirmed/--intrauterine-not-confirmed",
        help="Former form of --pregnancy-location: intrauterine / unknown.")] = None,
    answer: Annotated[list[str] | None, typer.Option("--answer", help="KEY=VALUE for any question (repeatable).")] = None,
    allergies: Annotated[list[str] | None, typer.Option("--allergies", help="Allergies (repeat or comma-separate).")] = None,
    conditions: Annotated[list[str] | None, typer.Option("--conditions", help="Conditions, e.g. vte-history.")] = None,
    medications: Annotated[list[str] | None, typer.Option("--medications", help="Medicines, e.g. carbamazepine.")] = None,
    role: Annotated[str, typer.Option("--role", help="patient or clinician; patients see no doses.")] = "clinician",
    region: RegionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A plan for a clinical pathway: eligibility, regimens, safety screening; red flags first.
    Services and the order of guideline sources are those of the clinic's region (--region)."""
    region_id = clinic_region(region)
    if list_scenarios_:
        scenarios = [regional_order(s, region_id) for s in list_scenarios()]
        if as_json:
            print_json({"knowledge_version": load_knowledge().version, "scenarios": scenarios})
            return
        for s in scenarios:
            console.print(f"[bold]{s['id']}[/bold]: {s['title']}")
            for q in s["questions"]:
                need = "required" if q.get("required", True) else "optional"
                need += f", unanswered = {q['default']}" if q.get("default") else ""
                options = escape(f" [{', '.join(q['options'])}]") if q.get("options") else ""
                console.print(f"  {q['id']} ({q['type']}, {need}){options}: {escape(q['text'])}")
        return
    if scenario is None:
        raise InputError("scenario", "missing", "--scenario ID, or --list to see them")
    shorthand = {
        "gestational_weeks": gestational_weeks,
        "symptoms": tuple(_split(symptoms)) if symptoms else None,
        "previous_miscarriages": previous_miscarriages,
        "pregnancy_location": pregnancy_location,
        "intrauterine_confirmed": intrauterine_confirmed,
    }
    answers = _answers(scenario, shorthand, answer or [])
    result = build_plan(scenario, answers, role=role, allergies=_split(allergies),
                        conditions=_split(conditions), medications=_split(medications))
    payload = for_region(regional_order(result.to_json(), region_id), region_id)
    if as_json:
        print_json(payload)
        return
    _print(payload)


def _print(payload: dict[str, Any]) -> None:
    from rich.table import Table

    urgent = [f for f in payload["findings"] if f["severity"] == "urgent"]
    for f in urgent:
        console.print(f"[bold red]URGENT[/bold red] {escape(f['message'])}")
    verdict = "[green]eligible[/green]" if payload["eligible"] else "[yellow]not eligible[/yellow]"
    console.print(f"[bold]{payload['scenario']}[/bold]: {verdict} (knowledge {payload['knowledge_version']})")
    for reason in payload["reasons"]:
        console.print(f"  - {escape(reason)}")
    if payload["regimens"]:
        table = Table(title="regimens")
        columns = [c for c in ("product", "route", "dose_mg", "interval_h", "meaning", "start", "stop")
                   if c in payload["regimens"][0]]
        for column in columns:
            table.add_column(column)
        for r in payload["regimens"]:
            table.add_row(*(escape(str(r[c])) for c in columns))
        console.print(table)
    if payload.get("risk_profiles"):
        _print_risks(payload["risk_profiles"])
    for f in payload["findings"]:
        if f["severity"] != "urgent":
            console.print(f"[bold]{f['severity']}[/bold] {f['code']}: {escape(f['message'])}")
    console.print("sources: " + ", ".join(payload["sources"]))
    if payload.get("claims"):
        console.print("claims checked (lutea claims ID): " + ", ".join(payload["claims"]))


def _ratio(value: float) -> str:
    """A ratio as the sources print it: 1.00 rather than 1, otherwise as given (0.7, 1.18)."""
    return f"{value:.2f}" if float(value).is_integer() else f"{value:g}"


def _cell(cell: dict[str, Any]) -> str:
    """One outcome of one substance: its estimates (clinician) or messages (patient), or why none."""
    parts = []
    for e in cell["estimates"]:
        if "message" in e:
            parts.append(e["message"])
        elif e.get("value") is not None:
            ci = f" ({_ratio(e['ci95'][0])}-{_ratio(e['ci95'][1])})" if e.get("ci95") else ""
            parts.append(f"{e['measure']} {_ratio(e['value'])}{ci} [{', '.join(e['sources'])}]")
        else:
            parts.append(f"{e['finding']} [{', '.join(e['sources'])}]")
    return "; ".join(parts) or (cell.get("note") or "")


def _print_risks(risks: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="risk profiles with oestrogen, side by side")
    table.add_column("outcome")
    for s in risks["substances"]:
        table.add_column(s["name"])
    for row in risks["rows"]:
        table.add_row(row["name"], *(escape(_cell(row["cells"][s["substance"]])) for s in risks["substances"]))
    console.print(table)
    for pooled in risks["pooled"]:
        text = pooled.get("message") or (f"{pooled['measure']} {_ratio(pooled['value'])} ({_ratio(pooled['ci95'][0])}-"
                                         f"{_ratio(pooled['ci95'][1])}): {pooled['exposure']}")
        console.print(f"  pooled, {pooled['name']}: {escape(text)} [{', '.join(pooled['sources'])}]")
    console.print(f"  {escape(risks['context'])}")
