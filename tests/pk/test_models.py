"""Route models from the knowledge base: coverage, lookup, structure, sources."""

from __future__ import annotations

import pytest

from lutea.errors import InputError
from lutea.knowledge.loader import load_knowledge
from lutea.pk import route_model, route_models


def test_every_route_and_formulation_in_use_has_a_model():
    wanted = {
        ("oral", "capsule"), ("vaginal", "gel"), ("vaginal", "insert"), ("vaginal", "capsule"),
        ("vaginal", "pessary"), ("im", "oil depot"), ("im", "aqueous injection"),
        ("sc", "aqueous injection"), ("transdermal", "cream"), ("rectal", "pessary"),
    }
    for route, formulation in wanted:
        model = route_model(route, formulation)
        assert model.route == route and formulation in model.formulations


def test_route_defaults():
    assert route_model("vaginal").formulation == "capsule"
    assert route_model("im").formulation == "oil depot"
    assert route_model("sc").formulation == "aqueous injection"
    assert route_model("oral").formulation == "capsule"


def test_every_product_route_and_formulation_maps_to_a_model():
    for product in load_knowledge().entries("products"):
        if product.substance != "progesterone":
            continue  # a progestogen has no progesterone route model (lutea.pk.progestogens; tests/pk/test_progestogens.py)
        for route in [product.route, *product.routes]:
            formulation = product.formulation if route == product.route else None
            model = route_model(route, formulation) if formulation else route_model(route)
            assert model.route == route


def test_no_progesterone_route_model_answers_for_a_progestogen_product():
    # a progesterone model must never be picked for a progestogen's tablet: the assay does not see it
    for product in load_knowledge().entries("products"):
        if product.substance != "progesterone":
            with pytest.raises(InputError):
                route_model(product.route, product.formulation)


def test_unknown_route_or_formulation_is_an_input_error_listing_what_exists():
    with pytest.raises(InputError, match="route"):
        route_model("nasal")
    with pytest.raises(InputError, match="gel|insert|capsule"):
        route_model("vaginal", "spray")


def test_models_cite_known_sources_and_declare_weight_use():
    kb = load_knowledge()
    for entry in kb.entries("pk_models"):
        assert entry.sources and all(s in kb.sources for s in entry.sources)
        assert entry.weight_note
        uses_weight = any(p.weight_exponent for p in entry.parameters.values())
        assert uses_weight == ("not used" not in entry.weight_note)


def test_parameters_are_positive_and_fractions_within_0_1():
    for model in route_models():
        assert all(v >= 0 for v in model.typical.values())
        assert 0 < model.typical["f_bio"] <= 1
        assert model.proportional_sd >= 0 and model.additive_sd_ng_ml >= 0
        assert set(model.omega) <= set(model.typical)


def test_with_typical_replaces_values_and_rejects_unknown_names():
    model = route_model("im")
    new_cl = model.typical["cl_l_per_h"] * 1.5
    changed = model.with_typical(cl_l_per_h=new_cl)
    assert changed.typical["cl_l_per_h"] == new_cl
    assert model.typical["cl_l_per_h"] == new_cl / 1.5  # the original is unchanged (frozen)
    with pytest.raises(InputError):
        model.with_typical(nonsense=1.0)
