"""lutea records -> FHIR R4 JSON: valid R4 resources, and reading them back gives the same values
(property tests over values, units, specimens and times)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from lutea.fhir import codes
from lutea.fhir.mapping_in import read_bundle
from lutea.fhir.mapping_out import (
    MeasurementOut,
    PatientOut,
    PregnancyOut,
    Record,
    TreatmentOut,
    record_bundle,
)
from lutea.result_flag import stored_flag
from lutea.units import Specimen

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
UNITS = {"serum": ("ng/mL", "nmol/L"), "plasma": ("ng/mL", "nmol/L"), "saliva": ("pg/mL", "pmol/L"), "urine": ("ug/mL",)}


@st.composite
def measurements(draw: st.DrawFn) -> MeasurementOut:
    specimen = draw(st.sampled_from(sorted(UNITS)))
    unit = draw(st.sampled_from(UNITS[specimen]))
    value = draw(st.floats(min_value=0, max_value=500, allow_nan=False).map(lambda v: round(v, 3)))
    offset = timezone(timedelta(minutes=draw(st.integers(-12 * 60, 14 * 60)) // 15 * 15))
    sampled = datetime(2026, 1, 1, tzinfo=offset) + timedelta(minutes=draw(st.integers(0, 300 * 24 * 60)))
    assay = draw(st.sampled_from(["any", "immunoassay", "lcms"]))
    return MeasurementOut(draw(st.integers(1, 10_000)), specimen, value, unit, assay, sampled,
                          draw(st.none() | st.just("Example Laboratory")))


@settings(max_examples=60, deadline=None)
@given(measurements())
def test_an_exported_result_reads_back_unchanged(m: MeasurementOut) -> None:
    bundle = record_bundle(Record(PatientOut(1, "Alice Example", date(1990, 1, 2), "female"), [m]), NOW)
    Bundle.model_validate(bundle)
    back = read_bundle(bundle)
    (read,) = back.measurements
    assert (read.specimen, read.value, read.unit, read.assay, read.laboratory) == (
        m.specimen, m.value, m.unit, m.assay, m.laboratory)
    assert read.sampled_at == m.sampled_at
    assert back.patient is not None and (back.patient.display_name, back.patient.birth_date) == ("Alice Example", date(1990, 1, 2))


def test_treatment_and_pregnancy_resources_carry_lutea_extensions() -> None:
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    record = Record(
        PatientOut(3, "Dana Example", None, "female"),
        treatments=[TreatmentOut(7, "cyclogest", "vaginal", 400, "400 mg vaginal q12h x 14d", start, None, True, 12.0,
                                 ({"code": "safety.dose_above_label", "severity": "advise", "message": "m",
                                   "sources": ["label-cyclogest-uk"]},))],
        pregnancies=[PregnancyOut(4, date(2026, 2, 1), None, date(2026, 2, 1), "IVF pregnancy")],
    )
    bundle = record_bundle(record, NOW)
    Bundle.model_validate(bundle)
    resources = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
    statement = resources["t-7"]
    assert {"url": codes.EXT_REGIMEN, "valueString": "400 mg vaginal q12h x 14d"} in statement["extension"]
    assert {"url": codes.EXT_OFF_LABEL, "valueBoolean": True} in statement["extension"]
    assert statement["dosage"][0]["route"]["coding"][0]["code"] == "16857009"
    issue = resources["t-7-f1"]
    assert issue["implicated"][0]["reference"] == next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["id"] == "t-7")
    assert issue["reference"].startswith("https://")
    back = read_bundle(bundle)
    (med,) = back.medications
    assert (med.product, med.schedule, med.acknowledge_off_label, med.start) == ("cyclogest", "400 mg vaginal q12h x 14d", True, start)
    (preg,) = back.pregnancies
    assert (preg.start_date, preg.lmp_date, preg.note) == (date(2026, 2, 1), date(2026, 2, 1), "IVF pregnancy")


@pytest.mark.parametrize(("conc", "code"), [(4.9, "L"), (5.0, "N"), (20.0, "N"), (20.01, "H")])
def test_an_interpretation_stored_before_flags_is_read_against_its_stored_interval(conc: float, code: str) -> None:
    legacy = {"reference_interval": {"id": "x", "low": 5.0, "high": 20.0, "unit": "ng/mL"}, "knowledge_version": "old"}
    assert stored_flag(legacy, conc, Specimen.SERUM)["code"] == code


def test_an_interpretation_stored_before_flags_without_an_interval_says_so() -> None:
    flag = stored_flag({"reference_interval": None, "knowledge_version": "2026.1"}, 3.0, Specimen.SERUM)
    assert flag["code"] is None and "2026.1" in flag["text"] and "No range is given" in flag["text"]


def test_a_dose_taken_with_food_travels_as_an_additional_instruction() -> None:
    # FHIR R4B value set additional-instruction-codes: SNOMED CT 311504000 "With or after food"
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    schedule = "200 mg oral at bedtime with food x 12d"
    record = Record(PatientOut(3, "Dana Example", None, "female"),
                    treatments=[TreatmentOut(7, "utrogestan", "oral", 200, schedule, start, None, False, 24.0, (),
                                                with_food=True, at_bedtime=True)])
    bundle = record_bundle(record, NOW)
    Bundle.model_validate(bundle)
    (statement,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
    (instruction,) = statement["dosage"][0]["additionalInstruction"]
    assert instruction["coding"][0] == {"system": codes.SNOMED, "code": "311504000", "display": "With or after food"}
    assert read_bundle(bundle).medications[0].schedule == schedule
    # an EHR's statement carries no lutea regimen text: the instruction alone gives "with food"
    statement["extension"] = []
    assert statement["dosage"][0]["timing"]["repeat"]["when"] == ["HS"]  # HL7 EventTiming: before sleep
    assert read_bundle(bundle).medications[0].schedule == "200 mg oral at bedtime with food"
    statement["dosage"][0].pop("additionalInstruction")
    assert read_bundle(bundle).medications[0].schedule == "200 mg oral at bedtime"
