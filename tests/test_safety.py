"""Safety screening: contraindications by product and excipient, CYP3A4 interactions, labelled
maximum daily doses, side effects by route, red flags first."""

import pytest

from lutea.errors import InputError
from lutea.findings import Severity
from lutea.knowledge import load_knowledge
from lutea.safety import labelled_max_daily_mg, resolve, screen, term_key


def _codes(report):
    return [f.code for f in report.findings]


def test_peanut_allergy_blocks_prometrium_not_crinone():
    # Prometrium label: inactive ingredients include peanut oil.
    assert "prometrium" in screen("prometrium", 200, 24, allergies=["Peanut"]).blocked_products
    assert not screen("crinone-8", 90, 24, allergies=["peanut"]).blocked_products


def test_soya_allergy_blocks_utrogestan_by_either_route():
    # Utrogestan SmPCs (oral and vaginal): contraindicated with soya lecithin hypersensitivity.
    assert screen("utrogestan", 100, 24, allergies=["soy"]).blocked_products == {"utrogestan"}
    assert screen("utrogestan", 200, 8, route="vaginal", allergies=["soya lecithin"]).blocked_products == {"utrogestan"}


def test_soya_allergy_blocks_prometrium_too():
    # Prometrium capsules contain lecithin as well as peanut oil; the label contraindicates
    # hypersensitivity to any ingredient.
    for allergy in ("soya", "soybean", "soy lecithin"):
        assert "prometrium" in screen("prometrium", 200, 24, allergies=[allergy]).blocked_products, allergy
    assert not screen("crinone-8", 90, 24, allergies=["soya"]).blocked_products


def test_prometrium_shows_its_us_boxed_warning_with_the_label_cited():
    report = screen("prometrium", 200, 24)
    boxed = [f for f in report.findings if f.code == "safety.boxed_warning"]
    assert len(boxed) == 1 and boxed[0].sources == ("label-prometrium-us",)
    for words in ("cardiovascular", "breast cancer", "dementia", "Women's Health Initiative"):
        assert words in boxed[0].message, words
    assert "dementia" in boxed[0].patient_message
    assert not [f for f in screen("utrogestan", 100, 24).findings if f.code == "safety.boxed_warning"]


def test_prometrium_plan_carries_the_boxed_warning():
    from lutea.pathways import plan
    answers = {"uterus_present": True, "hrt_regimen": "sequential", "oestrogen_dose": "standard"}
    for role in ("clinician", "patient"):
        codes = [f["code"] for f in plan("menopause-endometrial-protection", answers, role=role).to_json()["findings"]]
        assert "safety.boxed_warning" in codes, role


def test_sesame_allergy_blocks_progesterone_in_oil():
    report = screen("pio", 10, 24, allergies=["sesame"])
    assert report.blocked_products == {"pio"}


def test_vte_history_is_absolute_for_every_progesterone_product():
    kb = load_knowledge()
    for product in kb.entries("products"):
        if product.substance != "progesterone":
            continue
        report = screen(product.id, None, None, conditions=["vte-history"])
        assert product.id in report.blocked_products, product.id
        assert report.contraindications[0].kind == "absolute"


def test_vte_history_blocks_the_progestogens_whose_labels_say_so():
    # Provera (US: active or past DVT/PE; UK: previous idiopathic or current VTE), Visanne (active
    # VTE), Primolut N (thromboembolic processes) contraindicate it; the Duphaston label (4.3:
    # hypersensitivity, progestogen-dependent neoplasm, undiagnosed bleeding) and the Mirena
    # contraindications read do not, so a progesterone label's contraindication does not spill over
    blocked = {p: p in screen(p, None, None, conditions=["vte-history"]).blocked_products
               for p in ("provera", "visanne", "primolut-n", "duphaston", "mirena")}
    assert blocked == {"provera": True, "visanne": True, "primolut-n": True, "duphaston": False, "mirena": False}


def test_meningioma_blocks_dydrogesterone_and_interactions_follow_the_substance():
    # Duphaston 4.3: known or suspected progestogen-dependent neoplasms (e.g. meningioma)
    assert "duphaston" in screen("duphaston", None, None, conditions=["meningioma"]).blocked_products
    # dienogest label 4.5: ketoconazole raised dienogest AUC 2.9-fold; the progesterone entry is not shown for Visanne
    visanne = screen("visanne", 2, 24, medications=["ketoconazole"])
    assert [h.id for h in visanne.interactions] == ["dienogest-ketoconazole"]
    utrogestan = screen("utrogestan", 200, 24, route="oral", medications=["ketoconazole"])
    assert [h.id for h in utrogestan.interactions] == ["ketoconazole"]
    # Abbott label 4.5: carbamazepine may increase dydrogesterone metabolism
    assert [h.id for h in screen("duphaston", 10, 12, medications=["carbamazepine"]).interactions] == [
        "dydrogesterone-enzyme-inducers"]


def test_route_screen_names_only_the_products_an_excipient_concerns():
    report = screen("oral", None, None, allergies=["peanut"])
    hit = next(c for c in report.contraindications if c.id == "peanut-allergy")
    assert set(hit.products) == {"prometrium", "utrogestan"}


@pytest.mark.parametrize("condition, contraindication", [
    ("breast-cancer", "hormone-sensitive-cancer"),
    ("severe liver disease", "severe-liver-disease"),
    ("undiagnosed vaginal bleeding", "undiagnosed-vaginal-bleeding"),
    ("porphyria", "porphyria"),
    ("missed miscarriage", "missed-or-incomplete-miscarriage"),
    ("incomplete-miscarriage", "missed-or-incomplete-miscarriage"),
])
def test_label_contraindications_match_free_text_conditions(condition, contraindication):
    report = screen("cyclogest", 400, 12, conditions=[condition])
    assert contraindication in {c.id for c in report.contraindications}
    assert "cyclogest" in report.blocked_products


def test_relative_contraindication_does_not_block():
    report = screen("lubion", 25, 24, conditions=["epilepsy"])
    assert [c.kind for c in report.contraindications] == ["relative"]
    assert not report.blocked_products


@pytest.mark.parametrize("drug, mechanism", [
    ("carbamazepine", "strong CYP3A4 inducer"), ("Rifampin", "strong CYP3A4 inducer"),
    ("St John's Wort", "strong CYP3A4 inducer"), ("efavirenz", "moderate CYP3A4 inducer"),
    ("erythromycin", "moderate CYP3A4 inhibitor"), ("ketoconazole", "strong CYP3A4 inhibitor"),
    ("ritonavir", "strong CYP3A4 inhibitor"), ("clarithromycin", "strong CYP3A4 inhibitor"),
    ("phenytoin", "strong CYP3A4 inducer"), ("itraconazole", "strong CYP3A4 inhibitor"),
])
def test_cyp3a4_interactions(drug, mechanism):
    report = screen("vaginal", 400, 12, medications=[drug])
    assert [i.mechanism for i in report.interactions] == [mechanism]
    assert "safety.interaction" in _codes(report)


def test_unknown_medication_is_reported_not_ignored():
    report = screen("vaginal", None, None, medications=["paracetamol"])
    assert report.unscreened == ("paracetamol",)
    assert "safety.unscreened" in _codes(report)


def test_labelled_maxima():
    # Labels: Crinone 8% 90 mg twice daily; Endometrin 100 mg three times daily; Utrogestan Vaginal
    # 600 mg/day; Utrogestan oral 200 mg/day; Cyclogest 400 mg twice daily; Lubion 25 mg daily.
    assert labelled_max_daily_mg("crinone-8", "vaginal")[0] == 180
    assert labelled_max_daily_mg("endometrin", "vaginal")[0] == 300
    assert labelled_max_daily_mg("utrogestan", "vaginal")[0] == pytest.approx(600)
    assert labelled_max_daily_mg("utrogestan", "oral")[0] == 200
    assert labelled_max_daily_mg("cyclogest", "vaginal")[0] == 800
    assert labelled_max_daily_mg("lubion", "sc")[0] == 25
    assert labelled_max_daily_mg("lubion", "im")[0] == 25


def test_dose_above_labelled_maximum_is_flagged():
    # NG126 400 mg twice daily (800 mg/day) exceeds the Utrogestan Vaginal labelled 600 mg/day.
    report = screen("utrogestan", 400, 12, route="vaginal")
    finding = next(f for f in report.findings if f.code == "safety.dose_above_label")
    assert finding.detail["daily_dose_mg"] == 800 and finding.detail["labelled_max_daily_mg"] == pytest.approx(600)
    assert "safety.dose_above_label" not in _codes(screen("utrogestan", 200, 8, route="vaginal"))
    assert "safety.dose_above_label" not in _codes(screen("cyclogest", 400, 12))


def test_route_only_dose_is_compared_with_the_highest_label_on_that_route():
    assert "safety.dose_above_label" not in _codes(screen("vaginal", 400, 12))  # Cyclogest allows 800 mg/day
    assert "safety.dose_above_label" in _codes(screen("vaginal", 600, 12))


def test_side_effects_by_route_carry_label_frequencies():
    # Prometrium label (PEPI): breast tenderness 27% vs 6% on placebo.
    report = screen("prometrium", 200, 24)
    side = next(f for f in report.findings if f.code == "safety.side_effects")
    row = next(r for r in side.detail["side_effects"] if r["effect"] == "breast tenderness")
    assert (row["percent"], row["comparator_percent"]) == (27, 6)
    crinone = next(f for f in screen("crinone-8", 90, 24).findings if f.code == "safety.side_effects")
    assert "somnolence 27%" in crinone.message


def test_red_flags_come_first_in_a_treatment_screen():
    report = screen("lubion", 25, 24, symptoms=["swollen leg", "headache"], conditions=["vte-history"],
                    medications=["carbamazepine"], on_hormone_treatment=True)
    assert report.findings[0].code == "triage.urgent"
    assert report.findings[0].severity is Severity.URGENT
    assert report.findings[0].detail["red_flag"] == "vte-leg"


def test_patient_json_of_a_screen_has_no_dose():
    payload = screen("utrogestan", 400, 12, route="vaginal", allergies=["peanut"]).to_json("patient")
    assert "daily_dose_mg" not in str(payload) and "mg/day" not in str(payload)


@pytest.mark.parametrize("args, field", [
    (("unicorn", 100, 24), "product"),
    (("vaginal", -1, 24), "dose_mg"),
    (("vaginal", 100, 0), "interval_h"),
    (("vaginal", 100, None), "dose"),
])
def test_bad_input_names_the_field(args, field):
    with pytest.raises(InputError) as err:
        screen(*args)
    assert err.value.field == field


def test_route_a_product_does_not_have_is_rejected():
    with pytest.raises(InputError, match="route"):
        screen("crinone-8", 90, 24, route="oral")


def test_resolve_by_name_and_route():
    assert resolve("Crinone 8%") == (("crinone-8",), None)
    products, route = resolve("sc")
    assert route == "sc" and products == ("lubion",)
    assert term_key("St John's Wort") == "st-johns-wort"


def test_cyp3a_classes_cite_the_fda_table():
    # The strength classes of these drugs follow the FDA table of substrates, inhibitors and inducers.
    kb = load_knowledge()
    for drug in ("carbamazepine", "phenytoin", "rifampicin", "st-johns-wort", "efavirenz", "enzalutamide",
                 "ketoconazole", "itraconazole", "clarithromycin", "erythromycin", "ritonavir"):
        assert "fda-ddi-table" in kb.get("interactions", drug).sources, drug
    assert "Table of Substrates, Inhibitors and Inducers" in kb.sources["fda-ddi-table"].title


def test_a_route_alone_screens_the_progesterone_products_of_that_route():
    # "oral" names oral progesterone (Prometrium, Utrogestan); a progestogen is screened by its name
    products, route = resolve("oral")
    assert route == "oral" and set(products) == {"prometrium", "utrogestan"}
