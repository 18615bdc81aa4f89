"""Import into the store (idempotent, atomic), export as a valid FHIR R4 bundle, and the round trip."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir_examples import load
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lutea.config import Settings
from lutea.errors import InputError
from lutea.fhir import codes
from lutea.fhir.bundle import BundleError
from lutea.fhir.importer import export_patient, import_bundle
from lutea.records.access import operator_access
from lutea.store import crud, models

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _counts(session: Session) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (models.Patient, models.Measurement, models.Treatment, models.Episode, models.Interpretation)}


def _import_all(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        report = import_bundle(session, load("lab_report"))
        import_bundle(session, load("medications"))  # the same patient by identifier (MRN)
        patient_id = report.patient_id
    with sessions.begin() as session:
        preg = load("pregnancy")
        preg["entry"] = [e for e in preg["entry"] if e["resource"]["resourceType"] != "Patient"]
        import_bundle(session, preg, patient_id)
    return patient_id


def test_import_creates_records_and_a_second_import_changes_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = import_bundle(session, load("lab_report"))
    assert first.patient_created
    assert len(first.created["measurements"]) == 4 and len(first.created["interpretations"]) == 4
    assert {u["resource"] for u in first.unused} == {"DiagnosticReport/rep-1", "Observation/obs-5", "Observation/obs-6"}
    with sessions.begin() as session:
        before = _counts(session)
        second = import_bundle(session, load("lab_report"))
        assert _counts(session) == before
    assert second.patient_id == first.patient_id and not second.patient_created
    assert second.created == {} and len(second.unchanged) == 4


def test_the_same_patient_is_found_by_identifier_across_bundles(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        lab = import_bundle(session, load("lab_report"))
        meds = import_bundle(session, load("medications"))
        assert meds.patient_id == lab.patient_id and not meds.patient_created
        treatments = crud.list_records(session, models.Treatment, lab.patient_id)
    assert [(t.product, t.dose_mg, t.route) for t in treatments] == [("crinone-8", 90.0, "vaginal"), ("utrogestan", 200.0, "vaginal")]
    assert treatments[1].schedule == "200 mg vaginal q8h until 2026-11-17T08:00:00+00:00"


def test_a_failing_import_writes_nothing(sessions: sessionmaker[Session]) -> None:
    bundle = load("lab_report")
    bundle["entry"][7]["resource"]["valueQuantity"].update(unit="furlongs", code="furlongs")
    with pytest.raises(BundleError, match="Observation/obs-4 valueQuantity.code"):
        with sessions.begin() as session:
            import_bundle(session, bundle)
    with sessions() as session:
        assert set(_counts(session).values()) == {0}


def test_an_implausible_value_fails_the_whole_import(sessions: sessionmaker[Session]) -> None:
    bundle = load("lab_report")
    bundle["entry"][4]["resource"]["valueQuantity"].update(value=-3)
    with pytest.raises(InputError):
        with sessions.begin() as session:
            import_bundle(session, bundle)
    with sessions() as session:
        assert _counts(session)["measurements"] == 0


def test_no_patient_and_no_target_is_refused(sessions: sessionmaker[Session]) -> None:
    bundle = load("lab_report")
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]
    with pytest.raises(InputError, match="no Patient resource"):
        with sessions.begin() as session:
            import_bundle(session, bundle)


def test_pregnancy_context_reaches_the_stored_interpretation(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        report = import_bundle(session, load("pregnancy"))
        (episode,) = crud.list_records(session, models.Episode, report.patient_id)
        (measurement,) = crud.list_records(session, models.Measurement, report.patient_id)
        (stored,) = crud.list_records(session, models.Interpretation, report.patient_id)
    assert episode.kind == "pregnancy" and measurement.episode_id == episode.id
    assert stored.result["reference_interval"]["population"] == "pregnant"


def _by_type(bundle: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


def test_export_is_valid_r4_with_ranges_interpretations_and_cited_findings(sessions: sessionmaker[Session]) -> None:
    patient_id = _import_all(sessions)
    with sessions() as session:
        bundle = export_patient(operator_access(session, patient_id, Settings()), NOW)
    Bundle.model_validate(bundle)  # fhir.resources R4B models
    observations = {o["id"]: o for o in _by_type(bundle, "Observation")}
    pregnant = next(o for o in observations.values() if o.get("referenceRange") and o["valueQuantity"]["value"] == 7.5)
    (rng,) = pregnant["referenceRange"]
    assert rng["appliesTo"][0]["coding"][0]["code"] == codes.SNOMED_PREGNANCY
    assert rng["low"]["unit"] == "ng/mL" and rng["low"]["value"] < rng["high"]["value"]
    expected = "L" if 7.5 < rng["low"]["value"] else "H" if 7.5 > rng["high"]["value"] else "N"
    assert pregnant["interpretation"][0]["coding"][0] == {"system": codes.OBSERVATION_INTERPRETATION, "code": expected,
                                                         "display": {"L": "Low", "N": "Normal", "H": "High"}[expected]}
    codes_used = {c["code"] for o in observations.values() for c in o["code"]["coding"]}
    assert {"2839-9", "14890-8", "24109-1", "urine-pdg", "8665-2"} <= codes_used
    issues = _by_type(bundle, "DetectedIssue")
    assert issues and all(i["reference"].startswith("http") for i in issues if "reference" in i)
    assert any(i["code"]["text"].startswith("reference.") for i in issues)
    statements = _by_type(bundle, "MedicationStatement")
    assert {s["medicationCodeableConcept"]["coding"][0]["code"] for s in statements} == {"crinone-8", "utrogestan"}
    assert _by_type(bundle, "Condition")[0]["code"]["coding"][0]["code"] == codes.SNOMED_PREGNANCY


def _record(session: Session, patient_id: int) -> dict[str, Any]:
    """A patient's record without database ids or creation times."""
    patient = session.get(models.Patient, patient_id)
    return {
        "patient": (patient.display_name, patient.birth_date, patient.sex),
        "measurements": [(m.specimen, m.analyte, m.value, m.unit, m.value_canonical, m.assay, m.sampled_at, m.laboratory)
                         for m in crud.list_records(session, models.Measurement, patient_id)],
        "treatments": [(t.product, t.route, t.dose_mg, t.schedule, t.start, t.stop, t.acknowledge_off_label)
                       for t in crud.list_records(session, models.Treatment, patient_id)],
        "episodes": [(e.kind, e.start_date, e.end_date, e.cycle_length_days, e.lmp_date, e.lh_peak_date, e.protocol,
                      e.et_date, e.embryo_age_days, e.note)
                     for e in crud.list_records(session, models.Episode, patient_id)],
        "symptoms": [(y.symptom, y.severity, y.noted_at, y.note) for y in crud.list_records(session, models.Symptom, patient_id)],
        # interpretations are derived: an import re-interprets every result in the context of the whole
        # bundle, so they are compared by count, not by their findings
        "interpretations": len(crud.list_records(session, models.Interpretation, patient_id)),
    }


def test_round_trip_into_an_empty_database_gives_the_same_record(
    sessions: sessionmaker[Session], tmp_path, migrated_templates: dict[str, str]
) -> None:
    import shutil

    from lutea.store import make_engine, make_sessionmaker

    patient_id = _import_all(sessions)
    with sessions.begin() as session:  # records FHIR has no standard resource for: exported with lutea codes
        crud.add(session, models.Episode(patient_id=patient_id, kind="ivf-cycle", start_date=date(2026, 4, 20),
                                         end_date=date(2026, 5, 20), protocol="hrt-fet", et_date=date(2026, 5, 6),
                                         embryo_age_days=5, note="FET cycle"))
        crud.add(session, models.Episode(patient_id=patient_id, kind="menstrual-cycle", start_date=date(2026, 8, 30),
                                         end_date=date(2026, 9, 27), cycle_length_days=28, lmp_date=date(2026, 8, 30),
                                         lh_peak_date=date(2026, 9, 12)))
        crud.add(session, models.Symptom(patient_id=patient_id, symptom="breast tenderness", severity=2,
                                         noted_at=datetime(2026, 9, 20, 21, 0, tzinfo=UTC), note="evening"))
    with sessions() as session:
        exported = export_patient(operator_access(session, patient_id, Settings()), NOW)
        original = _record(session, patient_id)
    assert len(original["episodes"]) == 3 and len(original["symptoms"]) == 1
    target = tmp_path / "empty.db"
    shutil.copyfile(migrated_templates["sqlite"], target)
    engine = make_engine(f"sqlite:///{target}")
    other = make_sessionmaker(engine)
    with other.begin() as session:
        report = import_bundle(session, exported)
    assert {u["reason"] for u in report.unused} == {"a finding: lutea recomputes its own findings on import"}
    with other() as session:
        assert _record(session, report.patient_id) == original
        again = export_patient(operator_access(session, report.patient_id, Settings()), NOW)
    with other.begin() as session:
        assert import_bundle(session, exported).created == {}
    engine.dispose()
    kinds = lambda b: sorted(e["resource"]["resourceType"] for e in b["entry"] if e["resource"]["resourceType"] != "DetectedIssue")  # noqa: E731
    assert kinds(again) == kinds(exported)


def test_a_bundle_patient_imported_before_cannot_land_in_another_record(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = import_bundle(session, load("lab_report"))
        other = crud.add(session, models.Patient(display_name="Someone Else"))
        other_id = other.id
    with pytest.raises(InputError, match="is linked to another patient record") as refused:
        with sessions.begin() as session:
            import_bundle(session, load("medications"), other_id)
    assert f"patient {first.patient_id}" not in str(refused.value)


def test_an_imported_red_flag_symptom_reaches_the_clinicians_list(sessions: sessionmaker[Session]) -> None:
    """Issue 14: a red flag reaches the clinician whatever its source, an import included."""
    from lutea.records.red_flags import open_flags

    noted = datetime.now(UTC).replace(microsecond=0)
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:3f0c9a51-0000-4000-8000-000000000001",
         "resource": {"resourceType": "Patient", "gender": "female", "name": [{"text": "Imported Flag"}]}},
        {"resource": {"resourceType": "Condition", "subject": {"reference": "urn:uuid:3f0c9a51-0000-4000-8000-000000000001"},
                      "code": {"coding": [{"system": "http://snomed.info/sct", "code": "77386006"}]},
                      "onsetDateTime": (noted - timedelta(days=40)).date().isoformat()}},
        {"resource": {"resourceType": "Observation", "status": "final",
                      "subject": {"reference": "urn:uuid:3f0c9a51-0000-4000-8000-000000000001"},
                      "code": {"coding": [{"system": codes.LUTEA_CODES, "code": codes.SYMPTOM}]},
                      "effectiveDateTime": noted.isoformat(), "valueCodeableConcept": {"text": "heavy bleeding"},
                      "component": [{"code": {"coding": [{"system": codes.LUTEA_CODES, "code": codes.SYMPTOM_SEVERITY}]},
                                     "valueInteger": 3}]}}]}
    with sessions.begin() as session:
        report = import_bundle(session, bundle)
    with sessions() as session:
        (flag,) = open_flags(session, [report.patient_id], "clinician")[report.patient_id]
    assert flag.title == "Heavy bleeding in pregnancy" and flag.source_type == "symptoms"


def test_food_an_unmodelled_route_cannot_honour_is_refused_naming_the_resource(sessions: sessionmaker[Session]) -> None:
    # SNOMED CT 311504000 "With or after food" on a vaginal gel: no food effect is known for it,
    # so the import says so rather than dropping the instruction; nothing is written
    bundle = load("medications")
    crinone = next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == "ms-crinone")
    crinone["dosage"][0]["additionalInstruction"] = [{"coding": [{"system": codes.SNOMED, "code": "311504000"}]}]
    with pytest.raises(InputError, match=r"MedicationStatement/ms-crinone .*no food effect is known for the vaginal route"):
        with sessions.begin() as session:
            import_bundle(session, bundle)
    with sessions() as session:
        assert set(_counts(session).values()) == {0}
