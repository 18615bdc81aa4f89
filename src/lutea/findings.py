"""Findings: what lutea says about a result, a plan or a symptom, with stable codes and sources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    INFO = "info"
    ADVISE = "advise"
    URGENT = "urgent"


# The codes the rules emit in code (the data files declare the others: caveats, pathway notes,
# expected-level rules). Claims may link only to a code lutea emits (lutea.knowledge.loader).
RULE_CODES: frozenset[str] = frozenset({
    "triage.urgent", "context.inconsistent", "value.implausible_high",
    "reference.below", "reference.within", "reference.above",
    "ovulation.confirmed", "ovulation.equivocal", "ovulation.not_confirmed",
    "timing.unknown", "timing.mistimed", "timing.no_lh_surge", "series.incomplete",
    "pregnancy.nonviable_risk", "pregnancy.rule_not_applicable",
    "art.et_day_low", "art.et_day_adequate", "art.et_day_high", "art.no_threshold", "art.outside_et_window",
    "art.et_timing_unknown",
    "diary.symptom",
    "plan.off_label", "plan.regimen_withheld", "plan.ineligible", "plan.test_timing", "plan.discuss", "plan.seek_care",
    "safety.contraindication", "safety.interaction", "safety.unscreened", "safety.side_effects",
    "safety.boxed_warning", "safety.dose_above_label",
})

_RANK = {Severity.URGENT: 0, Severity.ADVISE: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Finding:
    """One statement: a stable code, a severity, a clinician message, a patient message and sources.

    `detail` carries structured facts behind the message (for example a repeat date); `claims` the
    ids of the graded claims it touches (claims.yaml, linked by lutea.claims).
    """

    code: str
    severity: Severity
    message: str
    patient_message: str
    sources: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict)
    claims: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["severity"] = self.severity.value
        out["sources"] = list(self.sources)
        if not self.detail:
            out.pop("detail")
        if self.claims:
            out["claims"] = list(self.claims)
        else:
            out.pop("claims")
        return out


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Urgent findings first, then advice, then information; stable within a severity."""
    return sorted(findings, key=lambda f: _RANK[f.severity])
