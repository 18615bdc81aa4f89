"""The results table's rows without a browser: flag against the stored interval or the cut-off the
findings name, context in words for each role, verdict from the main finding, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from lutea.cutoffs import transfer_day_cutoff
from lutea.web.results import context_words, result_row, result_rows

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


def _m(i: int, ng_ml: float, when: datetime = NOW) -> SimpleNamespace:
    return SimpleNamespace(id=i, specimen="serum", sampled_at=when, value=ng_ml, unit="ng/mL", value_canonical=ng_ml,
                           assay="lcms")


MIDLUTEAL = {"id": "serum-midluteal-quest-lcms", "label": "mid-luteal, LC-MS/MS (6.7-22.2 ng/mL)", "low": 6.7,
             "high": 22.2, "unit": "ng/mL", "specimen": "serum"}


def test_flag_against_the_stored_reference_interval() -> None:
    for value, flag in ((2.01, "L"), (10.0, "N"), (30.0, "H")):
        row = result_row(_m(1, value), {"reference_interval": MIDLUTEAL, "findings": []}, "clinician", {})
        assert row.flag == flag
        assert "6.7-22.2" in row.against


def test_flag_against_the_cut_off_its_findings_name() -> None:
    cutoff = transfer_day_cutoff("hrt-fet", "vaginal")
    stored = {"value": {"ng_ml": 5.0, "nmol_l": 15.9}, "reference_interval": None, "findings": [
        {"code": "treatment.route_caveat", "severity": "advise", "message": "On vaginal progesterone, serum levels "
         "underestimate uterine exposure. More.", "patient_message": "Vaginal progesterone reaches the womb directly.",
         "sources": ["miles1994"], "detail": {"caveat": "caveat-vaginal-serum-underestimates"}},
        {"code": "art.et_day_low", "severity": "advise", "message": "5 ng/mL is below the transfer-day cut-off. Consider "
         "rescue.", "patient_message": "Your progesterone is below the level linked with the best chances.",
         "sources": ["labarta2021"], "detail": {"thresholds": [cutoff.id]}}]}
    clinician = result_row(_m(1, 5.0), stored, "clinician", {})
    assert clinician.flag == "L" and f"{cutoff.value:g}" in clinician.against
    assert clinician.values == ["5 ng/mL", "15.9 nmol/L"]
    assert clinician.verdict == "5 ng/mL is below the transfer-day cut-off."  # the main finding, not the caveat
    assert clinician.codes == "treatment.route_caveat art.et_day_low"
    patient = result_row(_m(1, 5.0), stored, "patient", {})
    assert patient.verdict.startswith("Your progesterone is below")


def test_context_in_words_for_each_role() -> None:
    ctx = {"days_from_transfer": 0, "protocol": "hrt-fet", "treatment": {"route": "vaginal", "product": "crinone-8"},
           "hours_since_last_dose": 2.0}
    names = {"crinone-8": "Crinone 8%"}
    assert context_words(ctx, "clinician", names) == ("transfer day, programmed FET, vaginal progesterone (Crinone 8%), "
                                                      "2 h after the last dose")
    words = context_words(ctx, "patient", names)
    assert "FET" not in words and "crinone" not in words.lower()


def test_rows_are_newest_first() -> None:
    rows = result_rows([_m(1, 5.0, NOW - timedelta(days=2)), _m(2, 9.0, NOW)], {}, "clinician")
    assert [r.measurement.id for r in rows] == [2, 1]


def test_flag_under_an_upper_cut_off_is_normal_and_a_stored_flag_is_shown_as_stored() -> None:
    """An IM transfer-day result under the upper cut-off (Kofinas 2015: > 20 ng/mL) is N, not L."""
    stored = {"reference_interval": None, "findings": [
        {"code": "art.et_day_adequate", "severity": "info", "message": "15 ng/mL is adequate.", "patient_message": "",
         "sources": ["kofinas2015"], "detail": {"thresholds": ["et-high-hrt-im-kofinas2015"]}}]}
    row = result_row(_m(1, 15.0), stored, "clinician", {})
    assert (row.flag, row.against) == ("N", "transfer-day upper cut-off > 20 ng/mL (63.6 nmol/L)")
    above = result_row(_m(2, 25.0), stored, "clinician", {})
    assert above.flag == "H"
    kept = {**stored, "flag": {"code": "L", "basis": "threshold", "label": "a stored cut-off"}}
    assert result_row(_m(3, 15.0), kept, "clinician", {}).flag == "L"
