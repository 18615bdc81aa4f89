"""Progesterone quantities and their units, specimen-aware.

Serum or plasma progesterone: ng/mL (canonical) and nmol/L; saliva progesterone: pg/mL
(canonical) and pmol/L; urine pregnanediol glucuronide (PdG): ug/mL. PdG is another analyte
and is never converted into serum progesterone.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lutea.errors import InputError

if TYPE_CHECKING:
    import pint

MW_PROGESTERONE_G_PER_MOL = 314.46
"""Molar mass of progesterone (C21H30O2); 1 ng/mL = 3.180 nmol/L."""

NMOL_L_PER_NG_ML = 1e6 / MW_PROGESTERONE_G_PER_MOL / 1e3  # (1e-6 g/L / MW) mol/L in nmol/L


class _Registry:
    """pint's UnitRegistry, built on first use (importing pint and building it takes ~0.5 s, and
    the common spellings never need it: see COMMON_FACTORS)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one registry: units of two registries do not mix
        self._built: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._built is None:
            with self._lock:
                if self._built is None:
                    import pint

                    self._built = pint.UnitRegistry()
        return getattr(self._built, name)


_ureg = _Registry()


class Specimen(StrEnum):
    SERUM = "serum"
    PLASMA = "plasma"
    SALIVA = "saliva"
    URINE = "urine"


class Analyte(StrEnum):
    PROGESTERONE = "progesterone"
    PDG = "pdg"  # urine pregnanediol-3-glucuronide


@dataclass(frozen=True)
class SpecimenUnits:
    analyte: Analyte
    canonical: str
    accepted: tuple[str, ...]
    molar: bool  # whether molar units are meaningful (progesterone only)


SPECIMEN_UNITS: dict[Specimen, SpecimenUnits] = {
    Specimen.SERUM: SpecimenUnits(Analyte.PROGESTERONE, "ng/mL", ("ng/mL", "nmol/L"), True),
    Specimen.PLASMA: SpecimenUnits(Analyte.PROGESTERONE, "ng/mL", ("ng/mL", "nmol/L"), True),
    Specimen.SALIVA: SpecimenUnits(Analyte.PROGESTERONE, "pg/mL", ("pg/mL", "pmol/L"), True),
    Specimen.URINE: SpecimenUnits(Analyte.PDG, "ug/mL", ("ug/mL",), False),
}


# Canonical units per unit of the spellings labs write most, per specimen: pint's own figures
# (the same floats _factor computes through pint), so a common result never imports pint.
# tests/test_units.py checks every entry against pint exactly; any other spelling goes to pint.
_SERUM_FACTORS = {
    "ng/mL": 1.0, "ng/ml": 1.0, "nmol/L": 0.31445999999999996, "nmol/l": 0.31445999999999996,
    "ng/dL": 0.01, "pg/mL": 0.0009999999999999998, "pmol/L": 0.0003144599999999999, "ug/L": 0.9999999999999999,
}
COMMON_FACTORS: dict[Specimen, dict[str, float]] = {
    Specimen.SERUM: _SERUM_FACTORS,
    Specimen.PLASMA: _SERUM_FACTORS,
    Specimen.SALIVA: {"pg/mL": 1.0, "pg/ml": 1.0, "pmol/L": 0.31445999999999996, "pmol/l": 0.31445999999999996},
    Specimen.URINE: {"ug/mL": 1.0, "ug/ml": 1.0, "µg/mL": 1.0, "μg/mL": 1.0, "mcg/mL": 1.0, "mg/L": 1.0},
}


def parse_specimen(text: str, field: str = "specimen") -> Specimen:
    """Parse a specimen name (serum, plasma, saliva, urine)."""
    try:
        return Specimen(str(text).strip().lower())
    except ValueError:
        raise InputError(field, f"unknown specimen {text!r}", [s.value for s in Specimen]) from None


@lru_cache(maxsize=None)
def _known(text: str) -> pint.Unit:
    return _ureg.parse_units(text)


UNIT_TEXT = re.compile(r"[A-Za-z0-9/.*^µμ]{1,32}")
"""What a unit string may be made of: letters, digits, / . * ^ and the micro sign; no spaces,
line breaks, control characters or other symbols (pint would ignore some of them)."""


@lru_cache(maxsize=256)  # parsing a unit string dominates the cost of one interpretation
def _parse_unit(text: str, field: str, accepted: tuple[str, ...]) -> pint.Unit:
    if not str(text):
        raise InputError(field, "no unit given", accepted)
    if not UNIT_TEXT.fullmatch(str(text)):
        raise InputError(field, f"unit {str(text)[:40]!r} has characters no unit has (spaces, line breaks, symbols)", accepted)
    cleaned = str(text).replace("μ", "u").replace("µ", "u")
    try:
        unit = _ureg.parse_units(cleaned)
    except Exception:
        raise InputError(field, f"unknown unit {text!r}", accepted) from None
    return unit


def _check_value(value: float, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(field, f"{repr(value)[:40]} is not a number", "a finite number >= 0") from None
    except OverflowError:  # an integer of hundreds of digits
        raise InputError(field, "is an integer too large for a number", "a finite number >= 0") from None
    if not math.isfinite(number):
        raise InputError(field, f"{repr(value)[:40]} is not finite", "a finite number >= 0")
    if number < 0:
        raise InputError(field, f"{repr(value)[:40]} is negative", "a finite number >= 0")
    return number


def to_canonical(
    value: float, unit: str, specimen: Specimen, *, field: str = "value", unit_field: str = "unit"
) -> float:
    """Return the value in the specimen's canonical unit (serum ng/mL, saliva pg/mL, urine ug/mL)."""
    return _check_value(value, field) * _factor(unit, specimen, unit_field)


@lru_cache(maxsize=512)  # every accepted unit is a multiple of the canonical one: pint works it out once
def _factor(unit: str, specimen: Specimen, unit_field: str) -> float:
    """How many canonical units one `unit` is, for this specimen (pint's figure)."""
    common = COMMON_FACTORS[specimen].get(unit)
    return common if common is not None else _pint_factor(unit, specimen, unit_field)


def _pint_factor(unit: str, specimen: Specimen, unit_field: str) -> float:
    """_factor worked out by pint, for any spelling pint reads."""
    rules = SPECIMEN_UNITS[specimen]
    parsed = _parse_unit(unit, unit_field, rules.accepted)
    canonical = _known(rules.canonical)
    dims = parsed.dimensionality
    if dims == canonical.dimensionality:
        return float((1.0 * parsed).to(canonical).magnitude)
    if rules.molar and dims == _known("mol/L").dimensionality:
        mass_per_volume = (1.0 * parsed).to("mol/L").magnitude * MW_PROGESTERONE_G_PER_MOL  # g/L
        return float((mass_per_volume * _known("g/L")).to(canonical).magnitude)
    raise InputError(
        unit_field,
        f"unit {unit!r} is not a concentration of {rules.analyte.value} in {specimen.value}",
        rules.accepted,
    )


def from_canonical(value: float, unit: str, specimen: Specimen, *, unit_field: str = "unit") -> float:
    """Express a canonical-unit value in another accepted unit of the same specimen."""
    per_unit = to_canonical(1.0, unit, specimen, unit_field=unit_field)
    return value / per_unit


def ng_ml_to_nmol_l(conc_ng_ml: float) -> float:
    """Serum progesterone ng/mL to nmol/L (x 3.180)."""
    return conc_ng_ml * NMOL_L_PER_NG_ML


def nmol_l_to_ng_ml(conc_nmol_l: float) -> float:
    """Serum progesterone nmol/L to ng/mL (/ 3.180)."""
    return conc_nmol_l / NMOL_L_PER_NG_ML


def convert(value: float, unit: str, to_unit: str, specimen: Specimen) -> float:
    """Convert a value between two accepted units of one specimen."""
    return from_canonical(to_canonical(value, unit, specimen), to_unit, specimen, unit_field="to_unit")
