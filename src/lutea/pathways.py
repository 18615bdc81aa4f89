"""Clinical pathway plans: answers to a pathway's questions -> eligibility, regimens, safety
screening and findings, red flags first. Pathways, criteria and regimens are data
(pathways.yaml); this module only evaluates them.

With role "patient" no dose appears anywhere: regimens say what the plan means, findings carry
the plain message, and every plan says to discuss it with a clinician and when to seek care.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lutea._interpret_rules import crosses, show_limit
from lutea.claims import link, plan_claims
from lutea.cutoffs import applicable_thresholds, choose
from lutea.errors import InputError
from lutea.findings import Finding, Severity, ordered
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.schema import (
    THRESHOLD_OPS,
    Condition,
    Pathway,
    PathwayNote,
    PathwayQuestion,
    Threshold,
)
from lutea.risk_profiles import compare as compare_risks
from lutea.safety import (
    ROLES,
    ContraindicationHit,
    InteractionHit,
    Role,
    contraindications_for,
    finding_json,
    interactions_for,
    screen,
    term_key,
)
from lutea.triage import normalise_symptoms, situations_of, triage

Answer = bool | float | str | tuple[str, ...]


@dataclass(frozen=True)
class PlannedRegimen:
    """A regimen the plan recommends, with what it means for the patient and its sources."""

    id: str
    product: str
    route: str
    dose_mg: float
    interval_h: float
    start: str
    stop: str
    meaning: str
    off_label: bool
    sources: tuple[str, ...]
    substance: str = "progesterone"

    def to_json(self, role: Role = "clinician") -> dict[str, Any]:
        if role == "patient":
            return {"product": self.product, "substance": self.substance, "route": self.route,
                    "meaning": self.meaning, "start": self.start, "stop": self.stop, "sources": list(self.sources)}
        return {"product": self.product, "substance": self.substance, "route": self.route, "dose_mg": self.dose_mg,
                "interval_h": self.interval_h, "start": self.start, "stop": self.stop,
                "sources": list(self.sources)}


@dataclass(frozen=True)
class Plan:
    """The plan for one scenario and one person; `findings` has red flags first."""

    scenario: str
    eligible: bool
    reasons: tuple[str, ...]
    patient_reasons: tuple[str, ...]
    regimens: tuple[PlannedRegimen, ...]
    contraindications: tuple[ContraindicationHit, ...]
    interactions: tuple[InteractionHit, ...]
    findings: tuple[Finding, ...]
    sources: tuple[str, ...]
    knowledge_version: str
    role: Role
    claims: tuple[str, ...] = ()  # graded claims the plan touches (claims.yaml)
    risk_profiles: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON in one shape for every shell; no dose for role patient. `risk_profiles`
        sets the progestogens of the regimens (and those the pathway compares) side by side."""
        return {
            "scenario": self.scenario,
            "eligible": self.eligible,
            "reasons": list(self.patient_reasons if self.role == "patient" else self.reasons),
            "regimens": [r.to_json(self.role) for r in self.regimens],
            "risk_profiles": self.risk_profiles,
            "contraindications": [c.to_json(self.role) for c in self.contraindications],
            "interactions": [i.to_json(self.role) for i in self.interactions],
            "findings": [finding_json(f, self.role) for f in self.findings],
            "sources": list(self.sources),
            "claims": list(self.claims),
            "knowledge_version": self.knowledge_version,
            "role": self.role,
        }


# --- scenarios and answers ------------------------------------------------------------------

def _pathway(scenario_id: str, kb: KnowledgeBase) -> Pathway:
    ids = [p.id for p in kb.entries("pathways")]
    if scenario_id not in ids:
        raise InputError("scenario", f"unknown scenario {scenario_id!r}", ids)
    return kb.get("pathways", scenario_id)


def list_scenarios(kb: KnowledgeBase | None = None) -> list[dict[str, Any]]:
    """Every scenario with its title and questions (id, text, type, required, options, unit, and
    when set: the default of an unanswered question, former ids and other spellings of options)."""
    kb = kb or load_knowledge()
    return [{
        "id": p.id,
        "title": p.title,
        "questions": [_question_json(q) for q in p.questions],
        "sources": list(p.sources),
    } for p in kb.entries("pathways")]


def _question_json(question: PathwayQuestion) -> dict[str, Any]:
    out = question.model_dump(exclude_none=True)
    for optional in ("aliases", "option_aliases"):
        if not out[optional]:
            out.pop(optional)
    return out


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def question_named(pathway: Pathway, name: str) -> PathwayQuestion | None:
    """The question a name asks: its id or one of its former ids (aliases); None if not asked."""
    return next((q for q in pathway.questions if name == q.id or name in q.aliases), None)


def parse_answer(question: PathwayQuestion, raw: str) -> Answer:
    """Turn the text of an answer (CLI, form) into the question's type; an enum's option aliases
    (for example yes/no for a former yes/no question) give their option."""
    text = str(raw).strip()
    if question.type == "enum":
        return _option(question, text, question.id)
    if question.type == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise InputError(question.id, f"{raw!r} is not yes or no", "true, false, yes, no")
    if question.type == "number":
        try:
            return float(text)
        except ValueError:
            raise InputError(question.id, f"{raw!r} is not a number", f"a number in {question.unit or 'units'}") from None
    if question.type == "list":
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return text


def _validate(pathway: Pathway, answers: Mapping[str, Any], kb: KnowledgeBase) -> dict[str, Answer]:
    """Typed answers by question id: former ids folded in, unanswered questions with a default
    given their default; an unknown, missing or contradictory answer is an InputError."""
    asked = sorted({q.id for q in pathway.questions})
    unknown = sorted(name for name in answers if question_named(pathway, name) is None)
    if unknown:
        raise InputError("answers", f"{', '.join(unknown)} not asked by scenario {pathway.id!r}", asked)
    clean: dict[str, Answer] = {}
    named_by: dict[str, str] = {}
    for name, value in answers.items():
        if value is None:
            continue
        question = question_named(pathway, name)
        assert question is not None
        typed = _typed(question, value, kb, name)
        if question.id in clean and clean[question.id] != typed:
            raise InputError(name, f"{value!r} contradicts {named_by[question.id]}={clean[question.id]!r}",
                             f"one answer to {question.id}, or answers that agree")
        clean[question.id], named_by[question.id] = typed, name
    missing = [q for q in pathway.questions if q.required and q.id not in clean]
    if missing:
        needed = [f"{q.id} ({q.type}: {q.text})" for q in missing]
        raise InputError("answers", f"scenario {pathway.id!r} needs {', '.join(q.id for q in missing)}", needed)
    for question in pathway.questions:
        if question.default is not None and question.id not in clean:
            clean[question.id] = question.default
    return clean


def _option(question: PathwayQuestion, value: Any, name: str) -> str:
    option = question.option_for(str(value).lower() if isinstance(value, bool) else str(value))
    if option is None:
        accepted = list(question.options)
        if name != question.id:  # a former id: its former answers first
            accepted = [s for o in question.options for s in question.option_aliases.get(o, [])] + accepted
        raise InputError(name, f"{value!r} is not an option", accepted)
    return option


def _typed(question: PathwayQuestion, value: Any, kb: KnowledgeBase, name: str) -> Answer:
    if question.type == "enum":
        return _option(question, value, name)
    if isinstance(value, str):
        value = parse_answer(question, value)
    if question.type == "bool":
        if not isinstance(value, bool):
            raise InputError(question.id, f"{value!r} is not yes or no", "true, false")
        return value
    if question.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(question.id, f"{value!r} is not a number", f"a number in {question.unit or 'units'}")
        number = float(value)
        low = question.minimum if question.minimum is not None else float("-inf")
        high = question.maximum if question.maximum is not None else float("inf")
        if not low <= number <= high:
            accepted = f"a number from {low:g} to {high:g} {question.unit or ''}".strip()
            raise InputError(question.id, f"{number:g} is out of range", accepted)
        return number
    items = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
    if question.id == "symptoms":
        normalise_symptoms(items, kb)  # InputError naming the accepted symptoms
    elif question.options:
        bad = [v for v in items if v not in question.options]
        if bad:
            raise InputError(question.id, f"{', '.join(bad)} not accepted", question.options)
    return items


def _symptom_names(raw: Iterable[str], kb: KnowledgeBase) -> frozenset[str]:
    """Canonical names of symptoms in both vocabularies (red-flag and diary)."""
    names = set(normalise_symptoms(list(raw), kb))
    for item in raw:
        key = term_key(item)
        for entry in kb.entries("symptoms"):
            if key in {term_key(entry.id), *(term_key(a) for a in entry.aliases)}:
                names.add(entry.id)
    return frozenset(names)


# --- the tiny expression language -----------------------------------------------------------

def holds(condition: Condition, answers: Mapping[str, Any], kb: KnowledgeBase | None = None) -> bool:
    """Whether a condition holds for these answers; a test on a missing answer is false.

    A threshold test (below_threshold, below_any_threshold) reads its cut-off from the knowledge
    base through lutea.cutoffs, for the protocol and route given in the other answers."""
    if condition.all_of is not None:
        return all(holds(c, answers, kb) for c in condition.all_of)
    if condition.any_of is not None:
        return any(holds(c, answers, kb) for c in condition.any_of)
    if condition.none_of is not None:
        return not any(holds(c, answers, kb) for c in condition.none_of)
    value = answers.get(condition.answer or "")
    if value is None:
        return False
    op, target = condition.op, condition.value
    if op in THRESHOLD_OPS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        entries = thresholds_for(condition, answers, kb or load_knowledge())
        tested = entries if op == "below_any_threshold" else [choose(entries)] if entries else []
        return any(t.comparison in ("lt", "le") and crosses(t, float(value)) for t in tested)
    if op == "is_true":
        return value is True
    if op == "is_false":
        return value is False
    if op == "in":
        return value in (target or [])
    if op in ("contains", "any_of"):
        items = set(value) if isinstance(value, (tuple, list, set, frozenset)) else {value}
        wanted = set(target) if isinstance(target, list) else {target}
        return bool(items & wanted)
    if op == "eq":
        return bool(value == target)
    if op == "ne":
        return bool(value != target)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not isinstance(target, (int, float)):
        return False
    return {"lt": value < target, "le": value <= target, "gt": value > target, "ge": value >= target}[op or ""]


def thresholds_for(test: Condition, answers: Mapping[str, Any], kb: KnowledgeBase) -> list[Threshold]:
    """The thresholds a threshold test compares with, for the context in these answers."""
    context = {key: answers.get(answer_id) for key, answer_id in test.context.items()}
    weeks = context.get("gestational_weeks")
    return applicable_thresholds(
        test.threshold_kind or "", protocol=context.get("protocol"), route=context.get("route"),
        gestational_weeks=float(weeks) if isinstance(weeks, (int, float)) else None, kb=kb)


@dataclass(frozen=True)
class _Cutoff:
    """The cut-off a text states: rendered into {cutoff} and {alternatives}, with its sources."""

    cutoff: str
    alternatives: str
    sources: tuple[str, ...]
    detail: dict[str, Any]

    def render(self, text: str) -> str:
        return text.replace("{cutoff}", self.cutoff).replace("{alternatives}", self.alternatives)


def _cutoff(when: Condition | None, answers: Mapping[str, Any], kb: KnowledgeBase) -> _Cutoff | None:
    """The default threshold (and its cited alternatives) of the first threshold test in `when`."""
    tests = when.threshold_tests() if when is not None else []
    if not tests:
        return None
    entries = thresholds_for(tests[0], answers, kb)
    chosen = choose(entries)
    level = answers.get(tests[0].answer or "")
    others = [t for t in entries if t is not chosen]
    alternatives = "; ".join(f"{show_limit(t)} [{', '.join(t.sources)}]" for t in others)
    return _Cutoff(
        cutoff=show_limit(chosen) if chosen else "the cut-off for her protocol and route (none in lutea's knowledge base)",
        alternatives=alternatives or "none in lutea's knowledge base",
        sources=tuple(dict.fromkeys(s for t in entries for s in t.sources)),
        detail={"threshold": chosen.id if chosen else None, "alternatives": [
            {"id": t.id, "threshold": show_limit(t), "sources": list(t.sources),
             "crossed": isinstance(level, (int, float)) and not isinstance(level, bool) and crosses(t, float(level))}
            for t in others]})


def _stated(texts: Sequence[str], cutoff: _Cutoff | None) -> tuple[str, ...]:
    """Sources of the cut-offs the texts state (none when they state none)."""
    if cutoff is None or not any(p in t for t in texts for p in ("{cutoff}", "{alternatives}")):
        return ()
    return cutoff.sources


# --- the plan -------------------------------------------------------------------------------

def plan(
    scenario_id: str,
    answers: Mapping[str, Any],
    *,
    role: str = "clinician",
    allergies: Iterable[str] = (),
    conditions: Iterable[str] = (),
    medications: Iterable[str] = (),
    kb: KnowledgeBase | None = None,
) -> Plan:
    """The plan of a pathway for these answers: eligibility with reasons, regimens screened for
    contraindications, interactions and labelled maxima, and findings with red flags first."""
    kb = kb or load_knowledge()
    if role not in ROLES:
        raise InputError("role", f"unknown role {role!r}", ROLES)
    pathway = _pathway(scenario_id, kb)
    given = _validate(pathway, answers, kb)
    raw_symptoms = list(given.get("symptoms", ()))  # type: ignore[arg-type]
    evaluated = dict(given)
    if "symptoms" in given:
        evaluated["symptoms"] = tuple(_symptom_names(raw_symptoms, kb))
    allergies, conditions, medications = list(allergies), list(conditions), list(medications)

    red_flags = triage(raw_symptoms, pregnant=pathway.pregnant, on_hormone_treatment=pathway.on_hormone_treatment,
                       situations=pathway.situations, kb=kb)
    reasons: list[str] = []
    patient_reasons: list[str] = []
    met_reasons: set[str] = set()
    stated: list[str] = []  # sources of the cut-offs the plan's texts state
    eligible = True
    for criterion in pathway.criteria:
        cut = _cutoff(criterion.when, evaluated, kb)
        text = cut.render if cut else str
        if holds(criterion.when, evaluated, kb):
            reasons.append(text(criterion.met))
            met_reasons.add(reasons[-1])
            stated += _stated([criterion.met], cut)
        else:
            eligible = False
            reasons.append(text(criterion.unmet))
            patient_reasons.append(text(criterion.patient_unmet))
            stated += _stated([criterion.unmet, criterion.patient_unmet], cut)
    if eligible:
        patient_reasons.insert(0, pathway.patient_summary)

    findings: list[Finding] = []
    candidates = [r for r in pathway.regimens if eligible and (r.when is None or holds(r.when, evaluated, kb))]
    regimens: list[PlannedRegimen] = []
    contra: dict[str, ContraindicationHit] = {}
    inter: dict[str, InteractionHit] = {}
    withheld: list[str] = []
    for regimen in candidates:
        report = screen(regimen.product, regimen.dose_mg, regimen.interval_h, route=regimen.route,
                        allergies=allergies, conditions=conditions, medications=medications,
                        pregnant=pathway.pregnant, on_hormone_treatment=pathway.on_hormone_treatment, kb=kb)
        for hit in report.contraindications:
            contra.setdefault(hit.id, hit)
        for ihit in report.interactions:
            inter.setdefault(ihit.id, ihit)
        if regimen.product in report.blocked_products:
            withheld.append(regimen.id)
            continue
        cut = _cutoff(regimen.when, evaluated, kb)
        text = cut.render if cut else str
        cited = (*regimen.sources, *_stated([regimen.start, regimen.stop, regimen.meaning, regimen.note or ""], cut))
        keep = {"safety.side_effects", "safety.boxed_warning"} | (set() if role == "patient" and regimen.off_label else {"safety.dose_above_label"})
        findings.extend(f for f in report.findings if f.code in keep)  # plan.off_label tells patients
        if regimen.off_label:
            findings.append(Finding(
                code="plan.off_label", severity=Severity.INFO,
                message=f"{regimen.id}: off-label use of {regimen.product} ({regimen.route})"
                + (f"; {text(regimen.note)}" if regimen.note else "."),
                patient_message="This use of the medicine is outside its leaflet but follows the guideline; "
                "your clinician will explain.",
                sources=tuple(dict.fromkeys(cited)), detail={"regimen": regimen.id}))
        regimens.append(PlannedRegimen(
            id=regimen.id, product=regimen.product, route=regimen.route, dose_mg=regimen.dose_mg,
            interval_h=regimen.interval_h, start=text(regimen.start), stop=text(regimen.stop),
            meaning=text(regimen.meaning), off_label=regimen.off_label, sources=tuple(dict.fromkeys(cited)),
            substance=kb.substance_of(regimen.product)))
    if not candidates:  # still tell the person what their allergies, conditions and medicines mean
        hits, _ = contraindications_for(allergies, conditions, None, kb)
        contra = {h.id: h for h in hits}
        ihits, _ = interactions_for(medications, kb)
        inter = {h.id: h for h in ihits}
    _, unknown_terms = contraindications_for(allergies, conditions, None, kb)
    _, unknown_meds = interactions_for(medications, kb)
    findings.extend(_safety_findings(list(contra.values()), list(inter.values()), unknown_terms + unknown_meds))

    if withheld:
        findings.append(Finding(
            code="plan.regimen_withheld", severity=Severity.ADVISE,
            message="Regimens withheld for an absolute contraindication: " + ", ".join(withheld) + ".",
            patient_message="Some products are not suitable for you because of an allergy or condition; "
            "your clinician can choose another.",
            sources=tuple(dict.fromkeys(s for h in contra.values() if h.kind == "absolute" for s in h.sources)),
            detail={"regimens": withheld}))
        if not regimens:
            eligible = False
            names = sorted({h.name for h in contra.values() if h.kind == "absolute"})
            reasons.append("Every recommended product is contraindicated: " + "; ".join(names)
                           + ". Specialist review is needed before any progesterone.")
            patient_reasons.append("The recommended treatment is not suitable for you as things stand; "
                                   "a specialist needs to advise.")
    if not eligible:
        findings.append(Finding(
            code="plan.ineligible", severity=Severity.INFO,
            message=f"Not eligible for the {pathway.title} plan: " + " ".join(
                r for r in reasons if r not in met_reasons),
            patient_message=" ".join(patient_reasons) or pathway.patient_summary,
            sources=tuple(pathway.sources)))

    notes: list[PathwayNote] = [n for n in pathway.notes if n.when is None or holds(n.when, evaluated, kb)]
    notes += [n for n in pathway.do_not if n.when is None or holds(n.when, evaluated, kb)]
    if eligible:
        notes += [n for n in pathway.monitoring if n.when is None or holds(n.when, evaluated, kb)]
    noted = [_note_finding(n, kb, _cutoff(n.when, evaluated, kb)) for n in notes]
    safety_net = [f for n, f in zip(notes, noted) if n.red_flags]  # leads, right after fired red flags
    findings.extend(f for n, f in zip(notes, noted) if not n.red_flags)
    timing = _test_timing(pathway, given)
    if timing is not None:
        findings.append(timing)
    findings.extend(_diary_findings(raw_symptoms, kb))
    if role == "patient":
        findings.extend(_patient_findings(pathway, kb))

    all_findings = tuple(link(red_flags + ordered(safety_net + findings), kb))
    chosen = [r.substance for r in regimens] + (list(pathway.risk_comparison) if eligible else [])
    risks = compare_risks(chosen, role, kb) if chosen else None  # type: ignore[arg-type]
    sources = dict.fromkeys(pathway.sources)
    for item in (*pathway.criteria, *regimens, *contra.values(), *inter.values(), *all_findings):
        for source in item.sources:
            sources.setdefault(source, None)
    for source in [*stated, *(risks["sources"] if risks else [])]:
        sources.setdefault(source, None)
    return Plan(
        scenario=pathway.id, eligible=eligible, reasons=tuple(reasons), patient_reasons=tuple(patient_reasons),
        regimens=tuple(regimens), contraindications=tuple(contra.values()), interactions=tuple(inter.values()),
        findings=all_findings, sources=tuple(sources), knowledge_version=kb.version, role=role,  # type: ignore[arg-type]
        claims=plan_claims(pathway.id, all_findings, kb),
        risk_profiles=risks)


def _safety_findings(contra: Sequence[ContraindicationHit], inter: Sequence[InteractionHit],
                     unscreened: Sequence[str]) -> list[Finding]:
    out = [Finding(
        code="safety.contraindication",
        severity=Severity.ADVISE if hit.kind == "absolute" else Severity.INFO,
        message=f"{hit.kind.capitalize()} contraindication ({', '.join(hit.products)}): {hit.message}",
        patient_message=hit.patient_message, sources=hit.sources,
        detail={"contraindication": hit.id, "kind": hit.kind, "products": list(hit.products)}) for hit in contra]
    out += [Finding(
        code="safety.interaction", severity=Severity.ADVISE,
        message=f"{hit.drug} ({hit.mechanism}): {hit.effect} {hit.advice}",
        patient_message=hit.patient_message, sources=hit.sources,
        detail={"interaction": hit.id, "mechanism": hit.mechanism}) for hit in inter]
    if unscreened:
        out.append(Finding(
            code="safety.unscreened", severity=Severity.INFO,
            message="Not in the knowledge base, so not screened: " + ", ".join(unscreened) + ".",
            patient_message="Some of what you entered is not in lutea's list, so it was not checked: "
            + ", ".join(unscreened) + ". Mention it to your clinician or pharmacist.",
            sources=(), detail={"terms": list(unscreened)}))
    return out


def _note_finding(note: PathwayNote, kb: KnowledgeBase, cut: _Cutoff | None = None) -> Finding:
    """A note as a finding: a cut-off it states is rendered from the knowledge base and cited; a
    safety-net note adds the red flags it names and what to do for each."""
    message, patient_message = note.message, note.patient_message
    sources, detail = list(note.sources), {}
    if cut is not None and _stated([note.message, note.patient_message], cut):
        message, patient_message = cut.render(message), cut.render(patient_message)
        sources += cut.sources
        detail.update(cut.detail)
    if note.red_flags:
        flags = [kb.get("red_flags", flag_id) for flag_id in note.red_flags]
        message = f"{message} Warning signs: " + "; ".join(f.name for f in flags) + "."
        patient_message = f"{patient_message} " + " ".join(f"{f.patient_message} {f.action}" for f in flags)
        sources += [s for f in flags for s in f.sources]
        detail["red_flags"] = [f.id for f in flags]
    return Finding(code=note.code, severity=Severity(note.severity), message=message, patient_message=patient_message,
                   sources=tuple(dict.fromkeys(sources)), detail=detail)


def _test_timing(pathway: Pathway, given: Mapping[str, Answer]) -> Finding | None:
    """When to draw a mid-luteal progesterone: a fixed number of days before the expected period."""
    days_before = pathway.luteal_test_days_before_period
    cycle = given.get("cycle_length_days")
    if days_before is None or not isinstance(cycle, float):
        return None
    test_day = int(round(cycle)) - days_before
    return Finding(
        code="plan.test_timing", severity=Severity.INFO,
        message=f"Draw serum progesterone on cycle day {test_day} ({days_before} days before the expected period "
        f"of a {cycle:g}-day cycle); interpret against the actual start of the next period.",
        patient_message=f"Have the blood test on day {test_day} of your cycle (counting the first day of your "
        f"period as day 1), about {days_before} days before your next period is due.",
        sources=tuple(pathway.sources), detail={"test_cycle_day": test_day, "cycle_length_days": cycle})


def _diary_findings(raw_symptoms: Sequence[str], kb: KnowledgeBase) -> list[Finding]:
    """What the evidence says about each diary symptom recorded (graded, with red flags it can signal)."""
    out: list[Finding] = []
    seen: set[str] = set()
    for raw in raw_symptoms:
        key = term_key(raw)
        entry = next((e for e in kb.entries("symptoms")
                      if key in {term_key(e.id), *(term_key(a) for a in e.aliases)}), None)
        if entry is None or entry.id in seen:
            continue
        seen.add(entry.id)
        out.append(Finding(
            code="diary.symptom", severity=Severity.INFO,
            message=f"{entry.label}: evidence for a progesterone link is {entry.evidence_grade}. {entry.assessment}",
            patient_message=entry.patient_message, sources=tuple(entry.sources),
            detail={"symptom": entry.id, "evidence_grade": entry.evidence_grade, "claim": entry.claim,
                    "red_flags": list(entry.red_flags)}))
    return out


def _patient_findings(pathway: Pathway, kb: KnowledgeBase) -> list[Finding]:
    """Discuss with your clinician; when to seek care (the red flags of this situation)."""
    situations = situations_of(pathway.pregnant, pathway.on_hormone_treatment, pathway.situations)
    flags = [f for f in kb.entries("red_flags") if situations & set(f.when)]
    prefix = ""
    if not flags:  # not pregnant and not on treatment: say what would matter if pregnant
        flags = [f for f in kb.entries("red_flags") if "pregnancy" in f.when]
        prefix = "If you might be pregnant: "
    seek = prefix + " ".join(f"{f.patient_message} {f.action}" for f in flags)
    return [
        Finding(code="plan.discuss", severity=Severity.INFO,
                message="Decision support only: discuss this plan with the treating clinician.",
                patient_message="This is information to discuss with your clinician, not a prescription. "
                "Do not start, stop or change a medicine without talking to them.",
                sources=tuple(pathway.sources)),
        Finding(code="plan.seek_care", severity=Severity.ADVISE,
                message="When to seek care now: " + "; ".join(f.name for f in flags) + ".",
                patient_message="Get help straight away if any of these happen. " + seek,
                sources=tuple(dict.fromkeys(s for f in flags for s in f.sources)),
                detail={"red_flags": [f.id for f in flags]}),
    ]
