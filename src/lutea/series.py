"""Urine PdG series: ovulation confirmation over consecutive days after the LH surge.

PdG (pregnanediol-3-glucuronide) is a urine metabolite, never converted into serum progesterone.
The rule (threshold, run length, days after the LH peak) comes from thresholds.yaml.

CSV format read by `parse_pdg_csv` (one reading a day, header required):
    date,pdg,unit,lh
    2026-11-10,2.1,ug/mL,negative
    2026-11-11,3.0,ug/mL,positive
`date` is YYYY-MM-DD; `pdg` the PdG value; `unit` ug/mL (µg/mL, mcg/mL accepted); `lh`
(optional) the urine LH test that day: positive/negative (also yes/no, 1/0, +/-) or empty.
The LH peak is the first positive LH day unless it is given separately.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lutea.claims import link
from lutea.errors import InputError
from lutea.findings import Finding, Severity, ordered
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.units import Specimen, to_canonical

_LH_WORDS = {"positive": True, "pos": True, "yes": True, "y": True, "1": True, "+": True, "true": True,
             "negative": False, "neg": False, "no": False, "n": False, "0": False, "-": False, "false": False, "": None}


@dataclass(frozen=True)
class PdgReading:
    """One day's urine PdG (value in `unit`) and, if tested, the LH result."""

    on: date
    value: float
    unit: str = "ug/mL"
    lh_positive: bool | None = None

    @property
    def ug_ml(self) -> float:
        return to_canonical(self.value, self.unit, Specimen.URINE, field=f"pdg on {self.on}", unit_field=f"unit on {self.on}")


@dataclass(frozen=True)
class SeriesInterpretation:
    """The series read against the PdG rule: per-day readings, the LH peak used, findings, KB version."""

    readings: tuple[dict[str, Any], ...]
    lh_peak_on: date | None
    rule: dict[str, Any]
    findings: tuple[Finding, ...]
    knowledge_version: str

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        return {"readings": list(self.readings), "lh_peak_on": self.lh_peak_on.isoformat() if self.lh_peak_on else None,
                "rule": self.rule, "findings": [f.to_json() for f in self.findings],
                "knowledge_version": self.knowledge_version}


def parse_pdg_csv(text: str, source: str = "csv") -> list[PdgReading]:
    """Readings from CSV text with columns date, pdg, unit and optional lh (see the module docstring)."""
    rows = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower() for c in rows.fieldnames or []}
    missing = {"date", "pdg"} - columns
    if missing:
        raise InputError(source, f"missing column(s) {', '.join(sorted(missing))}", "a header row: date,pdg,unit,lh")
    readings = []
    for number, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        where = f"{source} line {number}"
        try:
            on = date.fromisoformat(row["date"])
        except ValueError:
            raise InputError(f"{where}: date", f"{row['date']!r} is not a date", "YYYY-MM-DD") from None
        try:
            value = float(row["pdg"])
        except ValueError:
            raise InputError(f"{where}: pdg", f"{row['pdg']!r} is not a number", "a PdG value, e.g. 5.2") from None
        lh_text = row.get("lh", "").lower()
        if lh_text not in _LH_WORDS:
            raise InputError(f"{where}: lh", f"unknown LH result {row.get('lh')!r}", "positive, negative or empty")
        reading = PdgReading(on, value, row.get("unit") or "ug/mL", _LH_WORDS[lh_text])
        reading.ug_ml  # noqa: B018 - validates value and unit now, naming the line
        readings.append(reading)
    return readings


def _longest_run(days: list[date]) -> list[date]:
    best: list[date] = []
    run: list[date] = []
    for day in sorted(days):
        run = run + [day] if run and day - run[-1] == timedelta(days=1) else [day]
        best = run if len(run) > len(best) else best
    return best


def interpret_series(
    readings: Sequence[PdgReading], *, lh_peak_on: date | None = None, kb: KnowledgeBase | None = None
) -> SeriesInterpretation:
    """Confirm ovulation from daily urine PdG after the LH surge (consecutive days at or above the threshold)."""
    kb = kb or load_knowledge()
    if not readings:
        raise InputError("readings", "no PdG readings given", "one reading a day: date, pdg, unit, lh")
    seen = [r.on for r in readings]
    if len(set(seen)) != len(seen):
        dup = sorted({d for d in seen if seen.count(d) > 1})[0]
        raise InputError("readings", f"two readings on {dup}", "one reading a day")
    rule = next(t for t in kb.entries("thresholds") if t.kind == "pdg_ovulation" and t.default)
    limit = to_canonical(rule.value, rule.unit, Specimen.URINE)
    run_days = rule.consecutive_days or 1
    low, high = rule.days_after_lh or (1, 366)
    first_lh = min((r.on for r in readings if r.lh_positive), default=None)
    peak = lh_peak_on or first_lh
    rows, positive_days, counted_days = [], [], []
    for r in sorted(readings, key=lambda x: x.on):
        after = (r.on - peak).days if peak else None
        counted = after is not None and low <= after <= high
        positive = r.ug_ml >= limit
        rows.append({"date": r.on.isoformat(), "ug_ml": round(r.ug_ml, 4), "lh_positive": r.lh_positive,
                     "days_after_lh": after, "positive": positive, "counted": counted})
        if counted:
            counted_days.append(r.on)
            if positive:
                positive_days.append(r.on)
    sources = tuple(rule.sources)
    shown = f"{rule.value:g} {rule.unit}"
    rule_json = {"id": rule.id, "threshold_ug_ml": limit, "consecutive_days": run_days,
                 "days_after_lh": [low, high], "description": rule.description, "sources": list(sources)}
    findings: list[Finding] = []
    run = _longest_run(positive_days)
    if peak is None:
        findings.append(Finding("timing.no_lh_surge", Severity.ADVISE,
                                "No positive LH test in the series and no LH peak date given: the PdG rule counts days after "
                                "the LH surge, so ovulation cannot be confirmed from this series.",
                                "Add the day of your positive LH (ovulation) test so lutea can read the PdG days after it.",
                                sources))
    elif len(run) >= run_days:
        findings.append(Finding("ovulation.confirmed", Severity.INFO,
                                f"Urine PdG >= {shown} on {len(run)} consecutive days after the LH peak "
                                f"({run[0].isoformat()} to {run[-1].isoformat()}): ovulation confirmed by the published rule.",
                                "Your PdG tests after the LH surge show that you ovulated in this cycle.",
                                sources, {"run": [d.isoformat() for d in run]}))
    elif len(_longest_run(counted_days)) >= run_days:
        findings.append(Finding("ovulation.not_confirmed", Severity.ADVISE,
                                f"No {run_days} consecutive days of urine PdG >= {shown} after the LH peak: ovulation not "
                                "confirmed by this rule. The 5 ug/mL strip confirmed ovulation in only 82% of cycles, so a "
                                "negative series does not prove anovulation; a timed mid-luteal serum progesterone can check.",
                                "Your PdG tests did not confirm ovulation this cycle. That does not prove you did not ovulate; "
                                "a blood test about a week after the LH surge can check.",
                                sources, {"longest_positive_run": len(run)}))
    else:
        findings.append(Finding("series.incomplete", Severity.INFO,
                                f"Fewer than {run_days} consecutive daily readings between LH+{low:g} and LH+{high:g}: "
                                "the rule cannot be applied yet.",
                                f"Test every morning for at least {run_days} days in a row after your positive LH test.",
                                sources, {"readings_counted": len(counted_days)}))
    return SeriesInterpretation(tuple(rows), peak, rule_json, tuple(link(ordered(findings), kb)), kb.version)
