"""A measured level: value, unit, specimen, assay and when it was sampled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from lutea.errors import InputError
from lutea.units import SPECIMEN_UNITS, Analyte, Specimen, parse_specimen, to_canonical

Assay = Literal["immunoassay", "lcms"]
ASSAYS: tuple[str, ...] = ("immunoassay", "lcms")
_ASSAY_ALIASES = {
    "immunoassay": "immunoassay", "ia": "immunoassay", "eclia": "immunoassay", "cmia": "immunoassay",
    "clia": "immunoassay", "ria": "immunoassay", "elisa": "immunoassay",
    "lcms": "lcms", "lc-ms": "lcms", "lc-ms/ms": "lcms", "lcmsms": "lcms", "lc/ms": "lcms",
    "lc/ms/ms": "lcms", "ms": "lcms", "mass-spectrometry": "lcms",
}


def parse_assay(text: str | None, field: str = "assay") -> Assay | None:
    """Parse an assay method (immunoassay, lcms and common spellings); None when not given."""
    if text is None or str(text).strip() == "":
        return None
    key = str(text).strip().lower().replace(" ", "-")
    if key not in _ASSAY_ALIASES:
        raise InputError(field, f"unknown assay {text!r}", "immunoassay, lcms (LC-MS/MS)")
    return _ASSAY_ALIASES[key]  # type: ignore[return-value]


@dataclass(frozen=True)
class Measurement:
    """One measured level. `value` is in `unit`; `sampled_at` is a date or a timezone-aware time."""

    value: float
    unit: str
    specimen: Specimen
    assay: Assay | None = None
    sampled_at: date | datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "specimen", parse_specimen(self.specimen))
        object.__setattr__(self, "assay", parse_assay(self.assay))
        if isinstance(self.sampled_at, datetime) and self.sampled_at.tzinfo is None:
            raise InputError("sampled", "a time without a timezone", "a date (YYYY-MM-DD) or a time with offset (2026-11-28T08:00+00:00)")
        self.canonical_value()  # raises InputError for a bad value, unit or unit kind
        object.__setattr__(self, "value", float(self.value))

    @property
    def analyte(self) -> Analyte:
        return SPECIMEN_UNITS[self.specimen].analyte

    @property
    def sampled_on(self) -> date | None:
        """The calendar day of sampling."""
        if isinstance(self.sampled_at, datetime):
            return self.sampled_at.date()
        return self.sampled_at

    def canonical_value(self) -> float:
        """The value in the specimen's canonical unit: serum ng/mL, saliva pg/mL, urine PdG ug/mL."""
        return to_canonical(self.value, self.unit, self.specimen)
