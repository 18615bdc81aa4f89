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


_RANK = {Severity.URGENT: 0, Severity.ADVISE: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Finding:
    """One statement: a stable code, a severity, a clinician message, a patient message and sources.

    `detail` carries structured facts behind the message (for example a repeat date).
    """

    code: str
    severity: Severity
    message: str
    patient_message: str
    sources: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["severity"] = self.severity.value
        out["sources"] = list(self.sources)
        if not self.detail:
            out.pop("detail")
        return out


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Urgent findings first, then advice, then information; stable within a severity."""
    return sorted(findings, key=lambda f: _RANK[f.severity])
