"""The H/L/N flag of one result and the one interval or cut-off it was read against (pure).

`interpret` computes it once, from the reference interval it chose and the findings it made, so a
lab viewer's flag (FHIR `Observation.interpretation` and `referenceRange`), the results table and
the CDS Hooks cards all show the same verdict against the same numbers. Where no interval or
cut-off applies the flag has no code and says why, rather than inventing a range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lutea._interpret_rules import Case, show, show_threshold, threshold_conc
from lutea.findings import Finding, Severity
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.schema import ReferenceInterval, Threshold
from lutea.units import Specimen, convert, to_canonical

# Which side of the range a decision cut-off bounds: below a lower bound is L, above an upper H.
# (A `ge` ovulation cut-off and an `lt` transfer-day cut-off are both lower bounds.)
LOWER_BOUND_KINDS = ("et_day_low", "early_pregnancy_risk", "ovulation_confirmed", "ovulation_equivocal")
UPPER_BOUND_KINDS = ("et_day_high",)
CRITICAL_CODES = {"L": "LL", "H": "HH", "N": "AA"}

_KIND_WORDS = {
    "et_day_low": "transfer day", "et_day_high": "transfer day",
    "ovulation_confirmed": "mid-luteal sample (ovulation)", "ovulation_equivocal": "mid-luteal sample (ovulation)",
    "early_pregnancy_risk": "early pregnancy",
}
_KIND_LABELS = {
    "et_day_low": "transfer-day lower cut-off", "et_day_high": "transfer-day upper cut-off",
    "ovulation_confirmed": "ovulation confirmed at", "ovulation_equivocal": "ovulation possible at",
    "early_pregnancy_risk": "non-viable pregnancy risk below",
}
_POPULATION_WORDS = {"female": "women", "male": "men", "pregnant": "pregnancy", "postmenopausal": "postmenopausal women"}


@dataclass(frozen=True)
class ResultFlag:
    """Where a result lies against the interval or cut-off lutea read it by.

    `code` is an HL7 v3 ObservationInterpretation code (L, N, H; LL, HH or AA when the finding
    stating it is urgent), None when nothing applied. `low`/`high` bound the range in `unit` (None:
    open on that side). `finding` is the code of the finding that states the verdict."""

    code: str | None
    basis: str | None  # "reference_interval", "threshold" or None
    text: str
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    specimen: str | None = None
    ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # the interval's phase, or the thresholds' kinds
    population: str | None = None
    applies_to: str = ""
    label: str = ""
    finding: str | None = None
    severity: str | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def critical(self) -> bool:
        return self.code in CRITICAL_CODES.values()

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "basis": self.basis, "text": self.text, "low": self.low, "high": self.high,
                "unit": self.unit, "specimen": self.specimen, "ids": list(self.ids), "kinds": list(self.kinds),
                "population": self.population, "applies_to": self.applies_to, "label": self.label,
                "finding": self.finding, "severity": self.severity, "critical": self.critical,
                "sources": list(self.sources)}


def _names(f: Finding) -> set[str]:
    named = f.detail.get("thresholds") or ([f.detail["threshold"]] if f.detail.get("threshold") else [])
    named = [n for n in named if isinstance(n, str)]
    if isinstance(f.detail.get("interval"), str):
        named.append(f.detail["interval"])
    return set(named)


def _names_thresholds(f: Finding) -> bool:
    return bool(f.detail.get("thresholds") or f.detail.get("threshold"))


def _code(direction: str, stating: Finding | None) -> str:
    return CRITICAL_CODES[direction] if stating is not None and stating.severity is Severity.URGENT else direction


def _headline(findings: list[Finding], stating: Finding | None) -> str:
    """The first statement lutea makes on the result, if it is not the one stating the flag."""
    main = [f for f in findings if "caveat" not in f.detail]
    if not main or main[0] is stating:
        return ""
    return f" lutea's reading: {main[0].message}"


REFERENCE_DIRECTION = {"reference.below": "L", "reference.within": "N", "reference.above": "H"}


def _interval_direction(conc: float, low: float, high: float, unit: str, specimen: Specimen, stating: Finding | None) -> str:
    """L, N or H as the reference finding (_interpret_rules.reference) says; compared here only for
    a stored interpretation without one."""
    if stating is not None and stating.code in REFERENCE_DIRECTION:
        return REFERENCE_DIRECTION[stating.code]
    low_conc, high_conc = to_canonical(low, unit, specimen), to_canonical(high, unit, specimen)
    return "L" if conc < low_conc else "H" if conc > high_conc else "N"


def _interval_flag(case: Case, ri: ReferenceInterval, findings: list[Finding]) -> ResultFlag:
    stating = next((f for f in findings if ri.id in _names(f)), None)
    direction = _interval_direction(case.conc, ri.low, ri.high, ri.unit, case.measurement.specimen, stating)
    weeks = f", gestational weeks {ri.gestational_weeks[0]:g}-{ri.gestational_weeks[1]:g}" if ri.gestational_weeks else ""
    phase = "" if ri.phase in ("pregnancy", "male", "postmenopausal") else f", {ri.phase} phase"
    words = {"L": "below", "H": "above", "N": "within"}[direction]
    text = stating.message if stating else f"{show(case)} is {words} the reference interval {ri.label} ({ri.assay})."
    return ResultFlag(
        _code(direction, stating), "reference_interval", text + _headline(findings, stating), ri.low, ri.high, ri.unit,
        ri.specimen, (ri.id,), (ri.phase,), ri.population, f"{_POPULATION_WORDS[ri.population]}{phase}{weeks}",
        f"{ri.label} ({ri.assay})", stating.code if stating else None,
        stating.severity.value if stating else Severity.INFO.value, tuple(ri.sources))


def _bound(t: Threshold, unit: str, specimen: Specimen) -> float:
    return round(convert(t.value, t.unit, unit, specimen), 4) if t.unit != unit else t.value


def _below(t: Threshold, conc: float) -> bool:
    """Below a lower bound: an `lt`/`le` cut-off crossed, or a `ge`/`gt` one not reached."""
    limit = threshold_conc(t)
    return conc < limit if t.comparison in ("lt", "ge") else conc <= limit


def _above(t: Threshold, conc: float) -> bool:
    """Above an upper bound: a `gt`/`ge` cut-off crossed, or an `lt`/`le` one not kept under."""
    limit = threshold_conc(t)
    return conc > limit if t.comparison in ("gt", "le") else conc >= limit


def _threshold_flag(conc: float, stating: Finding, findings: list[Finding], kb: KnowledgeBase) -> ResultFlag | None:
    """The flag against the cut-offs one finding names (None if it names no lower or upper bound)."""
    named = []
    for tid in stating.detail.get("thresholds") or [stating.detail.get("threshold")]:
        try:
            named.append(kb.get("thresholds", tid))
        except (KeyError, LookupError, TypeError):
            continue  # a stored finding may name a cut-off a later knowledge base dropped
    lower = next((t for t in named if t.kind in LOWER_BOUND_KINDS), None)
    upper = next((t for t in named if t.kind in UPPER_BOUND_KINDS), None)
    if lower is None and upper is None:
        return None
    direction = ("L" if lower is not None and _below(lower, conc)
                 else "H" if upper is not None and _above(upper, conc) else "N")
    first = lower or upper
    assert first is not None
    specimen = Specimen(first.specimen)
    used = [t for t in (lower, upper) if t is not None]
    context = [f"{k} {v if isinstance(v, str) else ' or '.join(v)}" for t in used for k, v in sorted(t.applies_to.items())]
    weeks = f", gestational weeks {first.gestational_weeks[0]:g}-{first.gestational_weeks[1]:g}" if first.gestational_weeks else ""
    applies = ", ".join(dict.fromkeys([_KIND_WORDS.get(first.kind, first.kind), *context])) + weeks
    return ResultFlag(
        _code(direction, stating), "threshold", stating.message + _headline(findings, stating),
        _bound(lower, first.unit, specimen) if lower else None, _bound(upper, first.unit, specimen) if upper else None,
        first.unit, first.specimen, tuple(t.id for t in used), tuple(t.kind for t in used), None, applies,
        "; ".join(f"{_KIND_LABELS.get(t.kind, t.kind)} {show_threshold(t)}" for t in used), stating.code,
        stating.severity.value, tuple(dict.fromkeys(s for t in used for s in t.sources)))


def _why_none(case: Case, implausible: bool) -> str:
    if implausible:
        return "the value is implausible for this specimen, so lutea judged nothing else on it (check the unit and specimen)"
    ctx, d = case.ctx, case.derived
    specimen = "serum" if case.serum else case.measurement.specimen.value
    if not any(ri.specimen == specimen for ri in case.kb.entries("reference_intervals")):
        return f"lutea's knowledge base has no reference interval for {case.measurement.specimen.value}"
    if ctx.pregnant and d.gestational_weeks is None:
        return "the gestational age is not known (give the LMP or the gestational age)"
    if ctx.protocol:
        return f"no reference interval applies to a treatment cycle ({ctx.protocol}) and no transfer-day cut-off applied"
    if ctx.sex == "female" and not ctx.pregnant and not ctx.postmenopausal and d.phase is None:
        return "the cycle phase is not known (give the LMP and cycle length, or the LH peak)"
    return f"lutea's knowledge base has none for {case.measurement.specimen.value} in this context"


def result_flag(case: Case, interval: ReferenceInterval | None, findings: list[Finding], implausible: bool) -> ResultFlag:
    """The flag of one interpreted result: against the reference interval when one applies, else
    against the decision cut-off(s) a finding applied (transfer day, early pregnancy, ovulation),
    else no code and the reason."""
    findings = list(findings)
    if interval is not None:
        return _interval_flag(case, interval, findings)
    if not implausible:
        for f in findings:
            flag = _threshold_flag(case.conc, f, findings, case.kb) if _names_thresholds(f) else None
            if flag is not None:
                return flag
    text = f"No reference interval or decision cut-off applies: {_why_none(case, implausible)}; no range is given."
    return ResultFlag(None, None, text + _headline(findings, None), specimen=case.measurement.specimen.value)


def _stored_finding(body: dict[str, Any]) -> Finding:
    return Finding(str(body.get("code", "")), Severity(body.get("severity", "info")), str(body.get("message", "")),
                   str(body.get("patient_message", "")), tuple(body.get("sources") or ()), dict(body.get("detail") or {}))


def stored_flag(result: dict[str, Any], value_canonical: float, specimen: Specimen) -> dict[str, Any]:
    """The flag of a stored interpretation (Interpretation.to_json); one stored before lutea kept
    its flag is read against its stored reference interval, else the cut-offs its findings name
    (as `result_flag` reads them), or says that it has none."""
    if result.get("flag"):
        return dict(result["flag"])
    ri = result.get("reference_interval")
    version = result.get("knowledge_version", "an earlier version")
    if not ri:
        kb = load_knowledge()
        findings = [_stored_finding(body) for body in result.get("findings") or []]
        for f in findings:
            flag = _threshold_flag(value_canonical, f, findings, kb) if _names_thresholds(f) else None
            if flag is not None:
                return flag.to_json()
        return {"code": None, "basis": None, "ids": [], "kinds": [], "sources": [], "critical": False,
                "text": f"Interpreted with lutea knowledge {version}, which did not record the interval or cut-off "
                        "it read the result against; interpret the result again to flag it. No range is given."}
    findings = [_stored_finding(body) for body in result.get("findings") or []]
    stating = next((f for f in findings if f.detail.get("interval") == ri.get("id")), None)
    code = _interval_direction(value_canonical, ri["low"], ri["high"], ri["unit"], specimen, stating)
    words = {"L": "below", "H": "above", "N": "within"}[code]
    return {"code": code, "basis": "reference_interval", "low": ri["low"], "high": ri["high"], "unit": ri["unit"],
            "specimen": ri.get("specimen"), "ids": [ri["id"]], "kinds": [ri.get("phase")], "population": ri.get("population"),
            "applies_to": _POPULATION_WORDS.get(ri.get("population") or "", ""), "label": ri.get("label", ""),
            "text": f"The result is {words} the reference interval {ri.get('label', ri['id'])}.", "finding": None,
            "severity": "info", "critical": False, "sources": list(ri.get("sources") or [])}
