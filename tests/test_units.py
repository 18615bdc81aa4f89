import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lutea
from lutea.errors import InputError
from lutea.units import (
    COMMON_FACTORS,
    NMOL_L_PER_NG_ML,
    Specimen,
    convert,
    ng_ml_to_nmol_l,
    nmol_l_to_ng_ml,
    parse_specimen,
    _pint_factor,
    to_canonical,
)

finite = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


def test_conversion_factor_from_molar_mass():
    # 1 ng/mL = 1e-6 g/L / 314.46 g/mol = 3.180 nmol/L (issue 2; MW of C21H30O2).
    assert NMOL_L_PER_NG_ML == pytest.approx(3.180, abs=5e-4)
    assert to_canonical(31.8, "nmol/L", Specimen.SERUM) == pytest.approx(10.0, rel=1e-3)


@pytest.mark.parametrize("spelling", ["ng/mL", "ng/ml", "NG/ML".lower()])
def test_ucum_spellings_of_mass_units(spelling):
    assert to_canonical(12.0, spelling, Specimen.SERUM) == pytest.approx(12.0)


@pytest.mark.parametrize("spelling", ["ug/mL", "µg/mL", "μg/mL", "mcg/mL"])
def test_micro_spellings_for_urine_pdg(spelling):
    assert to_canonical(5.0, spelling, Specimen.URINE) == pytest.approx(5.0)


def test_saliva_pmol_to_pg():
    # 100 pmol/L x 314.46 g/mol = 31.446 pg/mL
    assert to_canonical(100, "pmol/L", Specimen.SALIVA) == pytest.approx(31.446)


@given(finite)
def test_serum_round_trip(value):
    there = convert(value, "ng/mL", "nmol/L", Specimen.SERUM)
    back = convert(there, "nmol/L", "ng/mL", Specimen.SERUM)
    assert math.isclose(back, value, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(nmol_l_to_ng_ml(ng_ml_to_nmol_l(value)), value, rel_tol=1e-12, abs_tol=1e-12)


@given(finite)
def test_saliva_round_trip(value):
    back = convert(convert(value, "pg/mL", "pmol/L", Specimen.SALIVA), "pmol/L", "pg/mL", Specimen.SALIVA)
    assert math.isclose(back, value, rel_tol=1e-12, abs_tol=1e-12)


def test_pdg_is_never_converted_to_molar_or_serum():
    with pytest.raises(InputError, match="not a concentration of pdg in urine; use ug/mL"):
        to_canonical(5, "nmol/L", Specimen.URINE)


@pytest.mark.parametrize(
    ("value", "unit", "specimen", "message"),
    [
        (1, "furlongs", Specimen.SERUM, "unit: .*use ng/mL, nmol/L"),
        (1, "parsecs/fortnight", Specimen.SERUM, "unit: .*use ng/mL, nmol/L"),
        (1, "mg", Specimen.SERUM, "not a concentration of progesterone in serum"),
        (1, "", Specimen.SERUM, "unit: no unit given"),
        (-1, "ng/mL", Specimen.SERUM, "value: -1 is negative"),
        (float("nan"), "ng/mL", Specimen.SERUM, "value: nan is not finite"),
        (float("inf"), "ng/mL", Specimen.SERUM, "value: inf is not finite"),
        ("abc", "ng/mL", Specimen.SERUM, "value: 'abc' is not a number"),
    ],
)
def test_bad_input_names_field_and_accepted_forms(value, unit, specimen, message):
    with pytest.raises(InputError, match=message):
        to_canonical(value, unit, specimen)


def test_unknown_specimen():
    with pytest.raises(InputError, match="specimen: unknown specimen 'blood'; use serum, plasma, saliva, urine"):
        parse_specimen("blood")


@pytest.mark.parametrize(
    ("specimen", "spelling"),
    [(specimen, spelling) for specimen, table in COMMON_FACTORS.items() for spelling in table],
)
def test_common_factors_are_pints_own(specimen, spelling):
    # the table only spares the import of pint: pint stays the definition, to the last bit
    assert COMMON_FACTORS[specimen][spelling] == _pint_factor(spelling, specimen, "unit")


def test_common_spellings_do_not_import_pint():
    code = (
        "import sys\n"
        "from lutea.units import COMMON_FACTORS, to_canonical\n"
        "for specimen, table in COMMON_FACTORS.items():\n"
        "    for spelling in table:\n"
        "        to_canonical(1.0, spelling, specimen)\n"
        "assert 'pint' not in sys.modules, 'pint imported'\n"
        "to_canonical(1.0, 'ug/dL', 'serum')\n"
        "assert 'pint' in sys.modules\n"
    )
    src = str(Path(lutea.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


def test_a_rare_spelling_still_goes_through_pint():
    assert to_canonical(1.0, "ug/dL", Specimen.SERUM) == pytest.approx(10.0)
    with pytest.raises(InputError):  # strict spellings (issue 15): no padding, whatever the path
        to_canonical(1.0, " ng/mL ", Specimen.SERUM)
