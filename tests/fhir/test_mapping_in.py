"""FHIR R4 JSON -> lutea records: codes, units, specimens, medications, pregnancy, and errors that
name the resource and the element."""

from __future__ import annotations

from datetime import date

import pytest
from fhir_examples import load

from lutea.fhir.bundle import BundleError, validate_bundle
from lutea.fhir.mapping_in import read_bundle
from lutea.units import nmol_l_to_ng_ml


def _entry(bundle: dict, rid: str) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == rid)


def test_lab_report_maps_each_progesterone_code_and_specimen() -> None:
    records = read_bundle(load("lab_report"))
    by_label = {m.label: m for m in records.measurements}
    assert set(by_label) == {"Observation/obs-1", "Observation/obs-2", "Observation/obs-3", "Observation/obs-4"}
    serum = by_label["Observation/obs-1"]
    assert (serum.specimen, serum.value, serum.unit, serum.assay) == ("serum", 14.2, "ng/mL", "immunoassay")
    assert serum.laboratory == "Example Hospital Clinical Chemistry"
    assert serum.sampled_at.utcoffset().total_seconds() == 3600
    plasma = by_label["Observation/obs-2"]  # LOINC 14890-8 with a plasma Specimen resource
    assert (plasma.specimen, plasma.unit) == ("plasma", "nmol/L")
    assert nmol_l_to_ng_ml(plasma.value) == pytest.approx(2.99, abs=0.01)  # 9.5 nmol/L / 3.18
    assert (by_label["Observation/obs-3"].specimen, by_label["Observation/obs-3"].unit) == ("saliva", "pmol/L")
    assert (by_label["Observation/obs-4"].specimen, by_label["Observation/obs-4"].unit) == ("urine", "ug/mL")
    assert records.patient is not None and records.patient.display_name == "Clara Example"
    assert records.patient.birth_date == date(1991, 4, 17)


def test_unused_resources_are_listed_with_their_reason() -> None:
    records = read_bundle(load("lab_report"))
    unused = {u.label: u.reason for u in records.unused}
    assert set(unused) == {"DiagnosticReport/rep-1", "Observation/obs-5", "Observation/obs-6"}
    assert "Estradiol" in unused["Observation/obs-5"]
    assert "cancelled" in unused["Observation/obs-6"]
    # the Specimen and Organization are read with the Observations that reference them
    assert "Specimen/spec-2" not in unused and "Organization/lab-1" not in unused


def test_medications_become_regimens() -> None:
    records = read_bundle(load("medications"))
    by_product = {m.product: m for m in records.medications}
    crinone = by_product["crinone-8"]
    assert (crinone.route, crinone.dose_mg, crinone.interval_h) == ("vaginal", 90.0, 24.0)
    assert crinone.schedule.startswith("90 mg vaginal q24h until 2026-06-30")
    utro = by_product["utrogestan"]  # TID from the timing code, start from boundsPeriod
    assert (utro.route, utro.dose_mg, utro.interval_h) == ("vaginal", 200.0, 8.0)
    assert utro.start.isoformat() == "2026-11-03T08:00:00+00:00"
    assert [u.reason for u in records.unused] == ["not a progesterone product"]


def test_pregnancy_from_condition_lmp_and_gestational_age() -> None:
    records = read_bundle(load("pregnancy"))
    assert len(records.pregnancies) == 1
    pregnancy = records.pregnancies[0]
    assert (pregnancy.start_date, pregnancy.lmp_date, pregnancy.end_date) == (date(2026, 9, 14), date(2026, 9, 14), None)
    assert len(pregnancy.source_keys) == 3


def test_gestational_age_alone_gives_the_lmp() -> None:
    bundle = load("pregnancy")
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["id"] in ("pat-7", "ga-1")]
    pregnancy = read_bundle(bundle).pregnancies[0]
    assert pregnancy.lmp_date == date(2026, 9, 14)  # 2026-10-26 minus 6 weeks


def test_wrong_unit_names_the_resource_and_element() -> None:
    bundle = load("lab_report")
    _entry(bundle, "obs-1")["valueQuantity"].update(unit="furlongs", code="furlongs")
    with pytest.raises(BundleError) as caught:
        read_bundle(bundle)
    assert "Observation/obs-1 valueQuantity.code" in str(caught.value)
    assert "furlongs" in str(caught.value) and "ng/mL" in str(caught.value)


def test_mass_unit_on_a_saliva_code_is_converted_by_its_unit_with_a_warning() -> None:
    bundle = load("lab_report")
    _entry(bundle, "obs-2")["valueQuantity"].update(unit="ng/mL", code="ng/mL", value=3.0)
    records = read_bundle(bundle)
    assert any("Observation/obs-2" in w and "molar" in w for w in records.warnings)


def test_malformed_resource_is_named_with_its_entry_and_element() -> None:
    bundle = load("lab_report")
    _entry(bundle, "obs-3")["valueQuantity"]["value"] = "twelve"
    del _entry(bundle, "obs-4")["status"]
    with pytest.raises(BundleError) as caught:
        read_bundle(bundle)
    problems = caught.value.problems
    assert any(p.startswith("Observation/obs-3 (entry 6) valueQuantity.value") for p in problems)
    assert any(p.startswith("Observation/obs-4 (entry 7) status") for p in problems)


def test_timestamps_without_timezone_and_foreign_subjects_are_refused() -> None:
    bundle = load("lab_report")
    _entry(bundle, "obs-1")["effectiveDateTime"] = "2026-10-21T08:30:00"
    with pytest.raises(BundleError, match=r"Observation/obs-1 \(entry 4\) effectiveDateTime"):
        read_bundle(bundle)
    bundle = load("lab_report")
    _entry(bundle, "obs-3")["subject"] = {"reference": "Patient/someone-else"}
    with pytest.raises(BundleError, match="Observation/obs-3 subject.reference: 'Patient/someone-else' is not the bundle's Patient"):
        read_bundle(bundle)


def test_unknown_progesterone_product_is_an_error_not_a_guess() -> None:
    bundle = load("medications")
    bundle["entry"][1]["resource"]["medicationCodeableConcept"] = {"text": "Progesterone 50 mg/mL injection (brand X)"}
    with pytest.raises(BundleError, match="MedicationStatement/ms-crinone medicationCodeableConcept"):
        read_bundle(bundle)


def test_not_a_bundle() -> None:
    with pytest.raises(Exception, match="not a FHIR Bundle"):
        read_bundle({"resourceType": "Patient"})
    with pytest.raises(BundleError):
        validate_bundle({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Observation"}}]})
    with pytest.raises(Exception, match="bundle.type: unsupported bundle type 'history'"):
        read_bundle({"resourceType": "Bundle", "type": "history"})


def test_two_resources_with_one_identifier_are_refused() -> None:
    bundle = load("lab_report")
    for rid in ("obs-1", "obs-2"):
        _entry(bundle, rid)["identifier"] = [{"system": "https://lab.example.org/accession", "value": "A-77"}]
    with pytest.raises(BundleError, match=r"Observation/obs-2 identifier: the same source .* as Observation/obs-1"):
        read_bundle(bundle)
