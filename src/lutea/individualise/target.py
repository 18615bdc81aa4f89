"""Measured levels and the target language of balancing.

A level: ``"2026-03-05T09:00=7.1 ng/mL"``. A target: a level or a window, at a time or over a
period, e.g. ``"ge 10 ng/mL at 2026-03-06T10:00"``, ``"between 10 and 30 ng/mL from
2026-03-06 to 2026-03-20"``, ``"within luteal reference from 2026-03-06 to 2026-04-01"``.
Times without an offset are read as UTC.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from lutea.errors import InputError
from lutea.timeline import parse_datetime as parse_time
from lutea.units import Specimen, to_canonical

COMPARISONS = {"ge": "ge", ">=": "ge", "gt": "gt", ">": "gt", "le": "le", "<=": "le", "lt": "lt", "<": "lt"}
TARGET_FORMS = (
    "'ge|gt|le|lt VALUE UNIT at TIME'",
    "'ge|gt|le|lt VALUE UNIT from TIME to TIME'",
    "'between LOW and HIGH UNIT at TIME' (or from TIME to TIME)",
    "'within luteal reference from TIME to TIME' (or at TIME)",
)


@dataclass(frozen=True)
class Level:
    """One measured serum progesterone level, in ng/mL, with the assay that measured it."""

    time: datetime
    conc_ng_ml: float
    assay: str = "lcms"


def parse_level(text: str, *, assay: str = "lcms", field: str = "level") -> Level:
    """Parse ``TIME=VALUE UNIT`` (ng/mL or nmol/L serum) into a Level."""
    from lutea.pk.assay import parse_assay

    assay = parse_assay(assay)
    if "=" not in str(text):
        raise InputError(field, f"{text!r} has no '='", "TIME=VALUE UNIT, e.g. 2026-03-05T09:00=7.1 ng/mL")
    when, _, amount = str(text).partition("=")
    match = re.fullmatch(r"\s*([-+0-9.eE]+)\s*([^\s].*?)\s*", amount)
    if not match:
        raise InputError(field, f"{amount.strip()!r} is not VALUE UNIT", "e.g. 7.1 ng/mL or 22.6 nmol/L")
    value = to_canonical(match.group(1), match.group(2), Specimen.SERUM, field=field, unit_field=field)
    return Level(parse_time(when, field), value, assay)


@dataclass(frozen=True)
class Target:
    """A level or a window of serum progesterone (ng/mL), at a time or throughout a period."""

    low_ng_ml: float | None
    high_ng_ml: float | None
    start: datetime
    end: datetime
    strict_low: bool = False
    strict_high: bool = False
    text: str = ""
    sources: tuple[str, ...] = ()

    @property
    def is_point(self) -> bool:
        return self.start == self.end

    def met(self, conc_ng_ml: "object") -> "object":
        """Whether concentrations meet the target (array in, boolean array out; last axis = time)."""
        import numpy as np

        conc = np.asarray(conc_ng_ml, dtype=float)
        ok = np.ones(conc.shape, dtype=bool)
        if self.low_ng_ml is not None:
            ok &= conc > self.low_ng_ml if self.strict_low else conc >= self.low_ng_ml
        if self.high_ng_ml is not None:
            ok &= conc < self.high_ng_ml if self.strict_high else conc <= self.high_ng_ml
        return ok.all(axis=-1)

    def describe(self) -> str:
        """The target in words, for messages."""
        if self.low_ng_ml is not None and self.high_ng_ml is not None:
            level = f"between {self.low_ng_ml:g} and {self.high_ng_ml:g} ng/mL"
        elif self.low_ng_ml is not None:
            level = f"{'above' if self.strict_low else 'at least'} {self.low_ng_ml:g} ng/mL"
        else:
            level = f"{'below' if self.strict_high else 'at most'} {self.high_ng_ml:g} ng/mL"
        if self.is_point:
            return f"{level} at {self.start.isoformat()}"
        return f"{level} from {self.start.isoformat()} to {self.end.isoformat()}"


_NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
_WHEN = r"(?:at\s+(?P<at>\S+)|from\s+(?P<start>\S+)\s+to\s+(?P<end>\S+))"
_CMP_RE = re.compile(rf"(?P<cmp>ge|gt|le|lt|>=|<=|>|<)\s*{_NUMBER}\s*(?P<unit>\S+)\s+{_WHEN}", re.I)
_BETWEEN_RE = re.compile(rf"between\s+{_NUMBER}\s+and\s+{_NUMBER}\s*(?P<unit>\S+)\s+{_WHEN}", re.I)
_WITHIN_RE = re.compile(rf"within\s+(?P<ref>[a-z0-9_.-]+)\s+reference\s+{_WHEN}", re.I)


def _when(match: re.Match[str]) -> tuple[datetime, datetime]:
    if match.group("at"):
        moment = parse_time(match.group("at"), "target")
        return moment, moment
    start = parse_time(match.group("start"), "target")
    end = parse_time(match.group("end"), "target")
    if end <= start:
        raise InputError("target", f"period ends ({end.isoformat()}) before it starts ({start.isoformat()})", "from EARLIER to LATER")
    return start, end


def _conc(value: str, unit: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InputError("target", f"level {value!r} is not a finite number >= 0", TARGET_FORMS)
    return to_canonical(number, unit, Specimen.SERUM, field="target", unit_field="target")


def _reference(name: str) -> tuple[float, float, tuple[str, ...]]:
    """Low and high (ng/mL) of a serum progesterone reference interval, by id or phase name."""
    from lutea.knowledge import load_knowledge

    kb = load_knowledge()
    serum = [r for r in kb.entries("reference_intervals") if r.analyte == "progesterone" and r.specimen in ("serum", "plasma")]
    key = name.lower()
    chosen = [r for r in serum if r.id == key]
    for phase in (key, f"mid-{key}"):
        chosen = chosen or [r for r in serum if r.phase == phase and r.default] or [r for r in serum if r.phase == phase]
    if not chosen:
        known = sorted({r.phase for r in serum} | {r.id for r in serum})
        raise InputError("target", f"no serum progesterone reference interval {name!r}", known)
    ref = chosen[0]
    low = to_canonical(ref.low, ref.unit, Specimen.SERUM)
    high = to_canonical(ref.high, ref.unit, Specimen.SERUM)
    return low, high, tuple(ref.sources)


def parse_target(text: str) -> Target:
    """Parse the target language (see module docstring); InputError(field 'target') otherwise."""
    cleaned = " ".join(str(text).split())
    if not cleaned:
        raise InputError("target", "empty target", TARGET_FORMS)
    if match := _CMP_RE.fullmatch(cleaned):
        cmp = COMPARISONS[match.group("cmp").lower()]
        value = _conc(match.group(2), match.group("unit"))
        start, end = _when(match)
        if cmp in ("ge", "gt"):
            return Target(value, None, start, end, strict_low=cmp == "gt", text=cleaned)
        return Target(None, value, start, end, strict_high=cmp == "lt", text=cleaned)
    if match := _BETWEEN_RE.fullmatch(cleaned):
        low = _conc(match.group(1), match.group("unit"))
        high = _conc(match.group(2), match.group("unit"))
        if low >= high:
            raise InputError("target", f"low {match.group(1)} is not below high {match.group(2)}", "between LOW and HIGH with LOW < HIGH")
        start, end = _when(match)
        return Target(low, high, start, end, text=cleaned)
    if match := _WITHIN_RE.fullmatch(cleaned):
        low, high, sources = _reference(match.group("ref"))
        start, end = _when(match)
        return Target(low, high, start, end, text=cleaned, sources=sources)
    raise InputError("target", f"cannot read {cleaned!r}", TARGET_FORMS)
