"""Progesterone quantities and their units, specimen-aware.

Serum or plasma progesterone: ng/mL (canonical) and nmol/L; saliva progesterone: pg/mL
(canonical) and pmol/L; urine pregnanediol glucuronide (PdG): ug/mL. PdG is another analyte
and is never converted into serum progesterone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from enum import StrEnum

import pint

from lutea.errors import InputError

MW_PROGESTERONE_G_PER_MOL = 314.46
"""Molar mass of progesterone (C21H30O2); 1 ng/mL = 3.180 nmol/L."""

NMOL_L_PER_NG_ML = 1e6 / MW_PROGESTERONE_G_PER_MOL / 1e3  # (1e-6 g/L / MW) mol/L in nmol/L

_ureg = pint.UnitRegistry()


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
    rules = SPECIMEN_UNITS[specimen]
    number = _check_value(value, field)
    parsed = _parse_unit(unit, unit_field, rules.accepted)
    canonical = _known(rules.canonical)
    quantity = number * parsed
    dims = parsed.dimensionality
    if dims == canonical.dimensionality:
        return float(quantity.to(canonical).magnitude)
    if rules.molar and dims == _known("mol/L").dimensionality:
        mass_per_volume = quantity.to("mol/L").magnitude * MW_PROGESTERONE_G_PER_MOL  # g/L
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
