"""One test per interpretation rule, each citing the published number it checks."""

from datetime import date

import pytest

from lutea.context import make_context, resolve_treatment
from lutea.errors import InputError
from lutea.findings import Severity
from lutea.interpret import interpret
from lutea.measurement import Measurement


def serum(value, unit="ng/mL", **m):
    return Measurement(value, unit, "serum", **m)


def codes(measurement, **ctx):
    return interpret(measurement, make_context(**ctx)).codes


MID_LUTEAL = dict(cycle_day=21, cycle_length_days=28)


def test_value_in_both_units():
    # 1 ng/mL = 3.180 nmol/L (MW 314.46 g/mol; issue 2).
    result = interpret(serum(10), make_context())
    assert result.value == {"ng_ml": 10.0, "nmol_l": pytest.approx(31.80, abs=0.01)}


@pytest.mark.parametrize("nmol,code", [(30, "ovulation.confirmed"), (29.9, "ovulation.equivocal"),
                                       (16, "ovulation.equivocal"), (15.9, "ovulation.not_confirmed")])
def test_ovulation_bands(nmol, code):
    # NICE CG156 / UK labs: >= 30 nmol/L confirms ovulation; 16-29 nmol/L possible (Black Country Pathology).
    assert code in codes(serum(nmol, "nmol/L"), **MID_LUTEAL)


def test_ovulation_rule_not_applied_on_treatment_or_in_pregnancy():
    assert not [c for c in codes(serum(12), **MID_LUTEAL, treatment=resolve_treatment(route="vaginal")) if c.startswith("ovulation")]
    assert not [c for c in codes(serum(12), pregnant=True, gestational_weeks=8) if c.startswith("ovulation")]


def test_day_21_of_35_day_cycle_is_mistimed_with_repeat_day_and_date():
    # NICE CG156: with a 35-day cycle test on day 28 (LH+7), not day 21.
    result = interpret(serum(18, "nmol/L", sampled_at=date(2026, 11, 20)), make_context(cycle_day=21, cycle_length_days=35))
    mistimed = next(f for f in result.findings if f.code == "timing.mistimed")
    assert mistimed.detail["recommended_cycle_day"] == 28
    assert mistimed.detail["recommended_date"] == "2026-11-27"
    assert "ovulation.not_confirmed" not in result.codes


def test_high_luteal_value_outside_window_still_confirms():
    # A level >= 30 nmol/L after ovulation shows a corpus luteum even at LH+11 (NICE CG156 threshold).
    assert "ovulation.confirmed" in codes(serum(40, "nmol/L"), days_after_lh=11)


def test_timing_unknown_without_cycle_information():
    assert codes(serum(5)) == ["timing.unknown"]


def test_mid_luteal_reference_interval_is_stricker_immunoassay():
    # Stricker 2006: LH+5..LH+9 5th-95th percentile 18.25-60.39 nmol/L = 5.74-18.99 ng/mL.
    result = interpret(serum(4), make_context(**MID_LUTEAL))
    assert result.reference_interval["id"] == "serum-midluteal-stricker2006"
    assert "reference.below" in result.codes


def test_lcms_result_uses_lcms_interval():
    # Quest LC/MS mid-luteal 6.7-22.2 ng/mL.
    result = interpret(serum(6.5, assay="lcms"), make_context(days_after_lh=7))
    assert result.reference_interval["id"] == "serum-midluteal-quest-lcms"
    assert "reference.below" in result.codes


@pytest.mark.parametrize("weeks,interval", [(10, "serum-pregnancy-t1-roche"), (20, "serum-pregnancy-t2-roche"),
                                            (34, "serum-pregnancy-t3-roche")])
def test_pregnancy_interval_by_trimester(weeks, interval):
    # MU Health (Roche cobas): 11.0-44.3, 25.4-83.3, 58.7-214 ng/mL by trimester.
    assert interpret(serum(50), make_context(pregnant=True, gestational_weeks=weeks)).reference_interval["id"] == interval


def test_postmenopausal_and_male_intervals():
    # Mayo PGSN: postmenopausal <= 0.20 ng/mL; adult males < 0.20 ng/mL.
    assert "reference.above" in codes(serum(0.5), postmenopausal=True)
    assert "reference.within" in codes(serum(0.1), sex="male")


@pytest.mark.parametrize("value,risk", [(5.9, True), (6.0, False), (3.1, True)])
def test_early_pregnancy_nonviable_risk(value, risk):
    # Verhaegen 2012 BMJ: single serum P below 3.2-6 ng/mL, specificity 98.4% for non-viability (< 14 weeks).
    assert ("pregnancy.nonviable_risk" in codes(serum(value), pregnant=True, gestational_weeks=6)) is risk


def test_nonviable_risk_is_worded_as_risk_needing_scan():
    result = interpret(serum(4), make_context(pregnant=True, gestational_weeks=6))
    finding = next(f for f in result.findings if f.code == "pregnancy.nonviable_risk")
    assert "not a diagnosis" in finding.message and "scan" in finding.message
    assert "not a diagnosis" in finding.patient_message
    # Verhaegen 2012 also pooled a 10 ng/mL cut-off in women with symptoms alone: reported as an alternative.
    assert {a["id"] for a in finding.detail["alternatives"]} == {"early-pregnancy-nonviable-10ngml"}
    assert finding.sources == ("verhaegen2012",)


def test_pregnancy_of_unknown_location_carries_the_ng126_caveat():
    # NICE NG126 (pregnancy of unknown location): do not use serum progesterone measurements as an adjunct
    # to diagnose either viable intrauterine pregnancy or ectopic pregnancy.
    result = interpret(serum(4), make_context(pregnant=True, gestational_weeks=6, pregnancy_location="unknown"))
    assert "pregnancy.location_unknown" in result.codes
    caveat = next(f for f in result.findings if f.code == "pregnancy.location_unknown")
    assert caveat.sources == ("nice-ng126",) and "adjunct to diagnose" in caveat.message
    assert "ectopic" in caveat.message and "48 hours apart" in caveat.message
    finding = next(f for f in result.findings if f.code == "pregnancy.nonviable_risk")
    assert caveat.message in finding.message and "nice-ng126" in finding.sources
    assert finding.detail["pregnancy_location"] == "unknown" and "hCG blood tests" in finding.patient_message
    assert result.context["pregnancy_location"] == "unknown"
    # the caveat holds whatever the level: a normal value does not locate the pregnancy either
    assert "pregnancy.location_unknown" in codes(serum(25), pregnant=True, gestational_weeks=6, pregnancy_location="unknown")


@pytest.mark.parametrize("location", ["intrauterine", None])
def test_no_location_caveat_for_a_confirmed_or_unstated_location(location):
    result = interpret(serum(4), make_context(pregnant=True, gestational_weeks=6, pregnancy_location=location))
    assert "pregnancy.location_unknown" not in result.codes
    finding = next(f for f in result.findings if f.code == "pregnancy.nonviable_risk")
    assert finding.sources == ("verhaegen2012",) and "pregnancy_location" not in finding.detail
    assert "NG126" not in finding.message


def test_location_caveat_is_for_serum_not_urine():
    urine = Measurement(6, "ug/mL", "urine")
    assert "pregnancy.location_unknown" not in codes(urine, pregnant=True, gestational_weeks=6, pregnancy_location="unknown")


def test_early_pregnancy_rule_stops_at_14_weeks():
    # Verhaegen 2012 included pregnancies < 14 weeks only.
    assert "pregnancy.nonviable_risk" not in codes(serum(4), pregnant=True, gestational_weeks=14)


def test_triage_comes_first():
    result = interpret(serum(4), make_context(pregnant=True, gestational_weeks=6, symptoms=("heavy bleeding",)))
    assert result.findings[0].code == "triage.urgent"
    assert result.findings[0].severity is Severity.URGENT


VAGINAL_FET = dict(protocol="hrt-fet", treatment=resolve_treatment(route="vaginal", dose_mg=400, interval_h=12))


@pytest.mark.parametrize("value,code", [(8.7, "art.et_day_low"), (8.8, "art.et_day_adequate")])
def test_hrt_fet_vaginal_threshold(value, code):
    # Labarta 2021 Hum Reprod: serum P < 8.8 ng/mL on transfer day, ongoing pregnancy 36.6% vs 54.4%.
    assert code in codes(serum(value), **VAGINAL_FET)


def test_hrt_fet_alternatives_reported():
    # Labarta 2017: 9.2 ng/mL; rescue protocols (PMID 39897956): 10 ng/mL.
    result = interpret(serum(9.0), make_context(**VAGINAL_FET))
    finding = next(f for f in result.findings if f.code == "art.et_day_adequate")
    crossed = {a["id"]: a["crossed"] for a in finding.detail["alternatives"]}
    assert crossed == {"et-low-hrt-vaginal-labarta2017": True, "et-low-hrt-rescue-10ngml": True}


@pytest.mark.parametrize("value,code", [(20.1, "art.et_day_high"), (20.0, "art.et_day_adequate")])
def test_hrt_fet_im_upper_threshold(value, code):
    # Kofinas 2015 JARG: serum P > 20 ng/mL on IM progesterone, live birth 49% vs 65%.
    assert code in codes(serum(value), protocol="hrt-fet", treatment=resolve_treatment(route="im"))


def test_natural_fet_threshold():
    # Front Endocrinol 2023 (tNC-FET): SC rescue when serum P < 10 ng/mL on transfer day.
    assert "art.et_day_low" in codes(serum(9.9), protocol="natural-fet")
    assert "art.et_day_adequate" in codes(serum(10), protocol="natural-fet")


def test_et_threshold_needs_route_for_hrt_fet():
    assert "art.no_threshold" in codes(serum(9), protocol="hrt-fet")


def test_et_window_from_transfer_date():
    # Thresholds derived on transfer day or the day before (Labarta 2021; PMID 39897956).
    base = dict(VAGINAL_FET, et_date=date(2026, 11, 20))
    assert "art.et_day_low" in codes(serum(7, sampled_at=date(2026, 11, 19)), **base)
    assert "art.outside_et_window" in codes(serum(7, sampled_at=date(2026, 11, 22)), **base)


def test_route_caveats():
    # Cicinelli 2000: endometrial/serum ratio 14.1 vaginal vs 1.2 IM; Nahoul 1987: RIA overestimates after oral P.
    assert "treatment.route_caveat" in codes(serum(10), **VAGINAL_FET)
    oral = resolve_treatment(route="oral")
    assert "treatment.route_caveat" in codes(serum(10), postmenopausal=True, treatment=oral)
    assert "treatment.route_caveat" not in codes(serum(10, assay="lcms"), postmenopausal=True, treatment=oral)


def test_saliva_low_validity_and_no_interval():
    result = interpret(Measurement(200, "pg/mL", "saliva"), make_context(**MID_LUTEAL))
    assert result.value == {"pg_ml": 200.0, "pmol_l": pytest.approx(636.0, rel=1e-3)}
    assert result.codes == ["specimen.low_validity"]
    assert result.reference_interval is None


def test_urine_pdg_stays_pdg():
    result = interpret(Measurement(6, "ug/mL", "urine"), make_context())
    assert result.value == {"ug_ml": 6.0}
    assert "specimen.series_needed" in result.codes


def test_implausible_value_is_flagged_and_not_judged():
    # Perinatology.com: third-trimester upper limit 342 ng/mL; lutea flags > 1000 ng/mL.
    result = interpret(serum(3180, "nmol/L"), make_context(**MID_LUTEAL))
    assert "value.implausible_high" not in result.codes  # 3180 nmol/L = 1000 ng/mL, not above
    result = interpret(serum(1001), make_context(**MID_LUTEAL))
    assert result.codes == ["value.implausible_high"]


def test_sampling_dates_must_agree():
    with pytest.raises(InputError, match="sampl"):
        interpret(serum(5, sampled_at=date(2026, 11, 2)), make_context(sampled_at=date(2026, 11, 1)))


def test_json_shape():
    payload = interpret(serum(18, "nmol/L"), make_context(cycle_day=21, cycle_length_days=35)).to_json()
    assert set(payload) == {"value", "context", "reference_interval", "findings", "knowledge_version", "flag"}
    assert set(payload["value"]) == {"ng_ml", "nmol_l"}
    assert payload["flag"]["ids"] == [payload["reference_interval"]["id"]]
    for f in payload["findings"]:
        assert {"code", "severity", "message", "patient_message", "sources"} <= set(f)
    assert payload["reference_interval"]["sources"]


def test_every_threshold_and_interval_converts_in_its_specimen():
    from lutea.knowledge import load_knowledge
    from lutea.units import Specimen, to_canonical

    kb = load_knowledge()
    for t in kb.entries("thresholds"):
        assert to_canonical(t.value, t.unit, Specimen(t.specimen)) > 0, t.id
    for ri in kb.entries("reference_intervals"):
        assert to_canonical(ri.high, ri.unit, Specimen(ri.specimen)) > 0, ri.id


def test_thirty_nmol_is_9_43_ng_ml():
    # 30 nmol/L / 3.180 = 9.43 ng/mL (NICE CG156 threshold in mass units).
    from lutea._interpret_rules import threshold_conc
    from lutea.knowledge import load_knowledge

    assert threshold_conc(load_knowledge().get("thresholds", "ovulation-confirmed-30nmol")) == pytest.approx(9.434, abs=1e-3)
