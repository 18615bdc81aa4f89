"""Immunoassay versus LC-MS/MS: the oral factor and its evidence, applied per route."""

import math

import numpy as np
import pytest

from lutea.errors import InputError
from lutea.knowledge import load_knowledge
from lutea.pk.assay import apply_assay, assay_factor, assay_sources, parse_assay
from lutea.pk.simulate import simulate


def test_oral_factor_is_the_geometric_mean_of_its_evidence():
    for entry in load_knowledge().entries("assay_factors"):
        if entry.evidence:
            ratios = [e.ratio for e in entry.evidence]
            geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
            assert entry.factor == pytest.approx(geo, abs=0.01), entry.id


def test_oral_immunoassay_reads_about_eightfold_high():
    # Levine & Watson 2000 (Fertil Steril 73:516): RIA ~8x LC-MS after oral Prometrium 100 mg.
    assert 7.0 < assay_factor("oral", "immunoassay") < 9.0
    assert assay_factor("oral", "lcms") == 1.0


@pytest.mark.parametrize("route", ["vaginal", "im", "sc", "transdermal", "rectal"])
def test_non_oral_routes_are_unbiased(route):
    assert assay_factor(route, "immunoassay") == 1.0


def test_apply_assay_scales_only_the_oral_part():
    total = np.array([10.0, 4.0])
    oral = np.array([2.0, 0.0])
    vaginal = np.array([7.8, 3.8])
    f = assay_factor("oral", "immunoassay")
    out = apply_assay(total, {"oral": oral, "vaginal": vaginal}, "immunoassay")
    assert out == pytest.approx(total + (f - 1) * oral)
    assert apply_assay(total, {"oral": oral}, "lcms") == pytest.approx(total)


def test_assay_names():
    assert parse_assay("LC-MS/MS") == "lcms"
    assert parse_assay("RIA") == "immunoassay"
    assert parse_assay(None) == "lcms"
    with pytest.raises(InputError, match="assay"):
        parse_assay("bioassay")


def test_sources_of_the_factor_are_stated():
    assert "levine2000" in assay_sources(["oral"], "immunoassay")
    assert assay_sources(["oral"], "lcms") == []


def test_simulated_oral_levels_carry_the_factor():
    kw = dict(days=1, start=None, step_h=0.25)
    lcms = simulate("200 mg oral once from 2026-03-01T08:00+00:00", assay="lcms", **kw)
    ia = simulate("200 mg oral once from 2026-03-01T08:00+00:00", assay="immunoassay", **kw)
    assert ia.assay == "immunoassay" and lcms.assay == "lcms"
    assert ia.summary.cmax / lcms.summary.cmax == pytest.approx(assay_factor("oral", "immunoassay"), rel=1e-9)
