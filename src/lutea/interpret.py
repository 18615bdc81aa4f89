"""Read one progesterone result in its context: value in both units, reference interval, findings.

`interpret(measurement, context)` is the one path every shell (CLI, API, web, FHIR) calls.
Red-flag triage runs first and its urgent findings lead every output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lutea import _interpret_rules as rules
from lutea.claims import link
from lutea.context import Context, derive
from lutea.errors import InputError
from lutea.findings import Finding, ordered
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.schema import ReferenceInterval
from lutea.measurement import Measurement
from lutea.result_flag import ResultFlag, result_flag
from lutea.triage import normalise_symptoms, triage
from lutea.units import Specimen, from_canonical


@dataclass(frozen=True)
class Interpretation:
    """The reading of one result: values, context, reference interval, ordered findings, KB version,
    and the H/L/N flag with the interval or cut-off it was read against (`flag`)."""

    value: dict[str, float]
    context: dict[str, Any]
    reference_interval: dict[str, Any] | None
    findings: tuple[Finding, ...]
    knowledge_version: str
    flag: ResultFlag | None = None

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "context": self.context,
            "reference_interval": self.reference_interval,
            "findings": [f.to_json() for f in self.findings],
            "knowledge_version": self.knowledge_version,
            "flag": self.flag.to_json() if self.flag else None,
        }


_VALUE_UNITS: dict[Specimen, tuple[tuple[str, str], ...]] = {
    Specimen.SERUM: (("ng_ml", "ng/mL"), ("nmol_l", "nmol/L")),
    Specimen.PLASMA: (("ng_ml", "ng/mL"), ("nmol_l", "nmol/L")),
    Specimen.SALIVA: (("pg_ml", "pg/mL"), ("pmol_l", "pmol/L")),
    Specimen.URINE: (("ug_ml", "ug/mL"),),
}


def value_in_units(measurement: Measurement) -> dict[str, float]:
    """The value in every unit of its specimen (serum: ng_ml and nmol_l; urine PdG: ug_ml only)."""
    canonical = measurement.canonical_value()
    return {key: round(from_canonical(canonical, unit, measurement.specimen), 4)
            for key, unit in _VALUE_UNITS[measurement.specimen]}


def _interval_json(ri: ReferenceInterval | None) -> dict[str, Any] | None:
    if ri is None:
        return None
    return {"id": ri.id, "label": ri.label, "low": ri.low, "high": ri.high, "unit": ri.unit, "specimen": ri.specimen,
            "population": ri.population, "phase": ri.phase, "gestational_weeks": ri.gestational_weeks,
            "assay": ri.assay, "sources": list(ri.sources)}


def with_sampling_date(measurement: Measurement, context: Context) -> Context:
    """The context dated by the measurement's sampling time; an error if the two disagree."""
    if measurement.sampled_at is None:
        return context
    if context.sampled_at is None:
        return context.model_copy(update={"sampled_at": measurement.sampled_at})
    if context.sampled_on != measurement.sampled_on:
        raise InputError("sampled", f"the measurement ({measurement.sampled_on}) and the context ({context.sampled_on}) "
                         "give different sampling dates", "one sampling date")
    return context


def interpret(measurement: Measurement, context: Context, kb: KnowledgeBase | None = None) -> Interpretation:
    """Interpret one measurement in its context; urgent findings come first."""
    kb = kb or load_knowledge()
    context = with_sampling_date(measurement, context)
    symptoms = normalise_symptoms(context.symptoms, kb)
    derived = derive(context, kb)
    case = rules.Case(measurement, measurement.canonical_value(), context, derived, kb)
    interval = rules.reference_interval(case)
    findings: list[Finding] = triage(symptoms, pregnant=context.pregnant,
                                     on_hormone_treatment=context.on_hormone_treatment,
                                     situations=("assisted_reproduction",) if context.protocol else (), kb=kb)
    findings += derived.warnings
    implausible = rules.implausible(case)
    findings += implausible + rules.caveats(case)
    if implausible:  # a value no body makes: judge nothing else on it
        interval = None
    else:
        findings += rules.embryo_transfer(case) + rules.pregnancy(case) + rules.ovulation(case)
        findings += rules.treatment_level(case)
        findings += rules.reference(case, interval)
    ctx_json = {**context.inputs(), **derived.to_json()}
    if symptoms:
        ctx_json["symptoms"] = list(symptoms)
    ctx_json["specimen"] = measurement.specimen.value
    if measurement.assay:
        ctx_json["assay"] = measurement.assay
    findings = ordered(findings)
    return Interpretation(
        value=value_in_units(measurement),
        context=ctx_json,
        reference_interval=_interval_json(interval),
        findings=tuple(link(findings, kb)),
        knowledge_version=kb.version,
        flag=result_flag(case, interval, findings, implausible=bool(implausible)),
    )
