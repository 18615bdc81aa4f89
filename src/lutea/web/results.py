"""The cumulative results table of a record, as a lab portal shows it: one row per result, newest
first, with the value in both units, an H/L/N flag against the interval or cut-off the stored
interpretation used, its context in words, a one-line verdict, and the findings behind it.

Nothing is re-interpreted here: the flag is the stored interpretation's (lutea.result_flag.stored_flag,
the same the FHIR export and the CDS cards show); the words come from the stored context and the
findings' own messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lutea.claims import claims_of
from lutea.findings import Finding, Severity, ordered
from lutea.knowledge import load_knowledge
from lutea.result_flag import stored_flag
from lutea.store import models
from lutea.units import Specimen

PROTOCOL_WORDS = {  # (clinician, patient)
    "hrt-fet": ("programmed FET", "frozen embryo transfer in a medicated cycle"),
    "natural-fet": ("natural-cycle FET", "frozen embryo transfer in a natural cycle"),
    "fresh": ("fresh transfer", "fresh embryo transfer"),
}
ROUTE_WORDS = {"vaginal": "vaginal", "oral": "oral", "im": "intramuscular", "sc": "subcutaneous",
               "transdermal": "skin-patch", "rectal": "rectal", "iv": "intravenous",
               "intrauterine": "intrauterine"}
FLAG_WORDS = {"H": "high", "L": "low", "N": "normal"}


@dataclass
class FindingLine:
    """One finding inside a result's disclosure: severity, the words for this role, its sources."""

    severity: str
    code: str  # kept as a data attribute for tests and tools, never shown
    message: str
    sources: list[str]
    claims: list[str] = field(default_factory=list)  # ids of the graded claims it touches (lutea.claims)


@dataclass
class ResultRow:
    measurement: models.Measurement
    sampled_at: datetime
    values: list[str]  # the value in each unit of its specimen, e.g. ["9.43 ng/mL", "30 nmol/L"]
    flag: str  # "H", "L", "N" or "" (no interval applies)
    against: str  # what the flag was read against, in words
    context: str
    verdict: str
    severity: str  # worst severity of the findings ("none" without any)
    findings: list[FindingLine] = field(default_factory=list)

    @property
    def codes(self) -> str:
        return " ".join(f.code for f in self.findings)


def finding(body: dict[str, Any]) -> Finding:
    """A stored finding (JSON) as the core's Finding."""
    return Finding(code=body.get("code", ""), severity=Severity(body.get("severity", "info")),
                   message=body.get("message", ""), patient_message=body.get("patient_message", ""),
                   sources=tuple(body.get("sources", ())), detail=body.get("detail") or {})


def _num(value: float) -> str:
    return f"{value:.3g}" if value < 1000 else f"{value:.0f}"


def _values(m: models.Measurement, stored: dict[str, Any]) -> list[str]:
    units = {"ng_ml": "ng/mL", "nmol_l": "nmol/L", "pg_ml": "pg/mL", "pmol_l": "pmol/L", "ug_ml": "ug/mL"}
    shown = [f"{_num(v)} {units.get(k, k)}" for k, v in (stored.get("value") or {}).items() if v is not None]
    return shown or [f"{m.value:g} {m.unit}"]


def _flag(m: models.Measurement, stored: dict[str, Any]) -> tuple[str, str]:
    """The stored interpretation's flag (lutea.result_flag, as the FHIR export and CDS cards give it)
    and what it was read against, in words; ("", "") when no interval or cut-off applied."""
    if not stored:
        return "", ""
    flag = stored_flag(stored, m.value_canonical, Specimen(m.specimen))
    code = flag.get("code") or ""
    if not code:
        return "", ""
    # the table shows H, L or N; a critical flag (LL, HH, AA) also makes its finding urgent, shown first
    shown = {"LL": "L", "HH": "H", "AA": "N"}.get(code, code)
    label = flag.get("label") or ""
    return shown, f"reference interval {label}" if flag.get("basis") == "reference_interval" else label


def context_words(ctx: dict[str, Any], role: str, product_names: dict[str, str]) -> str:
    """The stored context of a result in words (transfer day, programmed FET, vaginal progesterone)."""
    patient = role == "patient"
    parts: list[str] = []
    days = ctx.get("days_from_transfer")
    if days is not None:
        parts.append("transfer day" if days == 0 else f"{days} days after transfer" if days > 0 else f"{-days} days before transfer")
    if ctx.get("protocol") in PROTOCOL_WORDS:
        parts.append(PROTOCOL_WORDS[ctx["protocol"]][1 if patient else 0])
    if ctx.get("pregnant"):
        ga = ctx.get("gestational_age")
        parts.append(f"pregnant, {ga} weeks" if ga else "pregnant")
    elif ctx.get("postmenopausal"):
        parts.append("after menopause")
    elif ctx.get("cycle_day") is not None:
        phase = ctx.get("phase")
        parts.append(f"cycle day {ctx['cycle_day']}" + (f", {phase} phase" if phase else ""))
    treatment = ctx.get("treatment") or {}
    if treatment.get("route"):
        route = ROUTE_WORDS.get(treatment["route"], treatment["route"])
        product = product_names.get(treatment.get("product") or "", "")
        parts.append(f"{route} progesterone" + (f" ({product})" if product and not patient else ""))
    hours = ctx.get("hours_since_last_dose")
    if hours is not None:
        parts.append(f"{hours:.0f} h after the last dose" if not patient else f"{hours:.0f} hours after the last dose")
    return ", ".join(parts) or ("no context recorded" if not patient else "no details of the cycle or treatment recorded")


def _first_sentence(text: str) -> str:
    head, sep, _rest = text.partition(". ")
    return head + "." if sep else text


def _verdict(findings: list[Finding], role: str, flag: str, against: str) -> str:
    if not findings:
        return {"L": "Below", "H": "Above", "N": "Within"}.get(flag, "Read") + (f" the {against}." if against else " with no interval for this context.")
    # caveats about the route or the time of sampling qualify the result; they are not its verdict
    main = [f for f in findings if "caveat" not in f.detail] or findings
    top = main[0]
    return _first_sentence((top.patient_message if role == "patient" else top.message) or top.message)


def product_names() -> dict[str, str]:
    """Product id -> its first name in the knowledge base (e.g. crinone-8 -> Crinone 8%)."""
    return {p.id: (p.names[0] if p.names else p.id) for p in load_knowledge().entries("products")}


def result_row(m: models.Measurement, stored: dict[str, Any], role: str, names: dict[str, str]) -> ResultRow:
    """One result as a row of the table, in the words of this role."""
    findings = ordered(finding(b) for b in stored.get("findings", []))
    flag, against = _flag(m, stored)
    worst = findings[0].severity.value if findings else "none"
    kb = load_knowledge()
    lines = [FindingLine(f.severity.value, f.code, (f.patient_message if role == "patient" else f.message) or f.message,
                         list(f.sources), list(claims_of(f, kb))) for f in findings]
    return ResultRow(m, m.sampled_at, _values(m, stored), flag, against,
                     context_words(stored.get("context") or {}, role, names), _verdict(findings, role, flag, against),
                     worst, lines)


def result_rows(measurements: Sequence[models.Measurement], interpretations: dict[int, dict[str, Any]],
                role: str) -> list[ResultRow]:
    """The table's rows, newest first."""
    names = product_names()
    return [result_row(m, interpretations.get(m.id, {}), role, names)
            for m in sorted(measurements, key=lambda m: m.sampled_at, reverse=True)]
