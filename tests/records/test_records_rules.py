"""The rules of a record write and of the reads derived from it, tested once in lutea.records
(every shell calls these functions: the API, the web forms, FHIR import, the CLI)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from records_helpers import open_as

from lutea.cutoffs import transfer_day_cutoff
from lutea.errors import InputError
from lutea.records import AccessDenied, identifiers, service
from lutea.records.access import transaction
from lutea.records.balance import default_target
from lutea.records.inputs import (
    EpisodeCreate,
    MeasurementCreate,
    SymptomCreate,
    TreatmentCreate,
)
from lutea.records.patients import patient_list
from lutea.records.red_flags import acknowledge, patient_flags
from lutea.store import crud, models

NOW = datetime.now(UTC).replace(microsecond=0)


def _serum(value: float, at: datetime, unit: str = "ng/mL", **extra) -> MeasurementCreate:
    return MeasurementCreate(specimen="serum", value=value, unit=unit, sampled_at=at, assay="lcms", **extra)


def _cyclogest(access, start: datetime, episode_id: int | None = None) -> models.Treatment:
    return service.add_treatment(access, TreatmentCreate(product="Cyclogest", route="vaginal", dose_mg=400,
                                                         schedule="400 mg vaginal q12h", start=start,
                                                         episode_id=episode_id))


@pytest.mark.parametrize(("value", "at", "field"), [
    (5000.0, NOW - timedelta(hours=1), "value"),
    (1e300, NOW - timedelta(hours=1), "value"),
    (12.0, NOW + timedelta(days=365), "sampled_at"),
])
def test_an_implausible_result_is_refused_before_anything_is_stored(access, session, value, at, field) -> None:
    with pytest.raises(InputError) as refused:
        service.add_measurement(access, _serum(value, at))
    assert refused.value.field == field
    assert crud.list_records(session, models.Measurement, access.patient_id) == []


def test_a_symptom_red_flag_needs_its_situation(access, session) -> None:
    chest = SymptomCreate(symptom="chest pain", severity=3, noted_at=NOW - timedelta(hours=2))
    service.add_symptom(access, chest)
    assert patient_flags(access) == []  # neither pregnant nor on hormone treatment (red_flags.yaml vte-chest)
    _cyclogest(access, NOW - timedelta(days=3))
    symptom = service.add_symptom(access, chest)
    (flag,) = patient_flags(access)
    assert flag.source_type == "symptoms" and flag.source_id == symptom.id
    assert flag.title.startswith("Chest pain or breathlessness")


def test_an_edited_symptom_is_triaged_again_and_an_acknowledged_flag_stays(access, session) -> None:
    _cyclogest(access, NOW - timedelta(days=3))
    leg = service.add_symptom(access, SymptomCreate(symptom="swollen-leg", severity=2, noted_at=NOW - timedelta(hours=3)))
    assert len(patient_flags(access)) == 1
    service.update(access, "symptoms", leg.id, {"severity": 0})  # noted as absent after all
    assert patient_flags(access) == []
    service.update(access, "symptoms", leg.id, {"severity": 2})
    (flag,) = patient_flags(access)
    seen = acknowledge(access, flag.id)
    assert seen.acknowledged_by == "doctor@records.test" and seen.acknowledged_at is not None
    service.update(access, "symptoms", leg.id, {"note": "seen in clinic"})
    flags = patient_flags(access)
    assert [f.acknowledged_at is not None for f in flags] == [True]  # not raised again, not forgotten


def test_the_patient_cannot_acknowledge_and_the_refusal_is_audited(sessions, settings, people) -> None:
    with sessions.begin() as s:  # one request: the clinician's treatment, the patient's report
        _cyclogest(open_as(s, sessions, settings, people["doctor"], people["patient_id"]), NOW - timedelta(days=3))
        service.add_symptom(open_as(s, sessions, settings, people["patient"], people["patient_id"]),
                            SymptomCreate(symptom="chest-pain", severity=3, noted_at=NOW - timedelta(hours=1)))
    with pytest.raises(AccessDenied), transaction(sessions) as s:  # a later request of the patient's
        mine = open_as(s, sessions, settings, people["patient"], people["patient_id"])
        (flag,) = patient_flags(mine)
        assert "blood clot" in flag.text  # her own words
        acknowledge(mine, flag.id)
    with sessions() as s:
        # the refused request's own rows (its read of the flags) rolled back; the refusal is kept
        actions = [e.action for e in crud.list_audit(s, people["patient_id"])]
        assert actions[0] == "deny" and actions.count("list") == 0


def test_the_patient_list_puts_open_red_flags_first_most_recent_first(access, session, people) -> None:
    doctor = session.get(models.User, people["doctor"])
    names = [r.patient.display_name for r in patient_list(session, doctor)]
    assert names == ["Dana Record", "Erin Record"]  # by name while no flag is open
    other = next(p for p in crud.accessible_patients(session, doctor) if p.display_name == "Erin Record")
    service.add_episode(access, EpisodeCreate(kind="pregnancy", start_date=date.today() - timedelta(days=40)))
    service.add_symptom(access, SymptomCreate(symptom="heavy-bleeding", severity=3, noted_at=NOW - timedelta(hours=5)))
    rows = patient_list(session, doctor)
    assert [r.patient.display_name for r in rows][0] == "Dana Record" and rows[0].urgent
    assert other.id in [r.patient.id for r in rows if not r.urgent]


@pytest.mark.parametrize(("protocol", "route", "low", "high"), [
    ("hrt-fet", "vaginal", "default", None),
    ("hrt-fet", "im", None, 20.0),  # Kofinas 2015: an upper bound on intramuscular progesterone only
    ("natural-fet", "sc", "default", None),
])
def test_the_default_target_of_a_transfer_is_its_cut_off_for_the_route_from_transfer_day(protocol, route, low, high) -> None:
    et = date.today() + timedelta(days=2)
    episode = models.Episode(kind="ivf-cycle", protocol=protocol, start_date=et - timedelta(days=18), et_date=et)
    chosen = default_target(episode, route, NOW, NOW + timedelta(days=7))
    assert chosen.target is not None
    cutoff = transfer_day_cutoff(protocol, route)
    expected_low = cutoff.value if low == "default" and cutoff else None
    assert chosen.target.low_ng_ml == expected_low
    assert chosen.target.high_ng_ml == high
    assert chosen.target.start == datetime(et.year, et.month, et.day, tzinfo=UTC)


def test_a_threatened_miscarriage_and_hrt_have_no_level_target_and_say_why() -> None:
    pregnancy = models.Episode(kind="pregnancy", start_date=date.today() - timedelta(days=50))
    chosen = default_target(pregnancy, "vaginal", NOW, NOW + timedelta(days=7))
    assert chosen.target is None and "NG126" in chosen.rationale and chosen.sources == ("nice-ng126",)
    hrt = models.Episode(kind="hormone-therapy", start_date=date.today() - timedelta(days=50))
    assert default_target(hrt, "oral", NOW, NOW + timedelta(days=7)).target is None
    fresh = models.Episode(kind="ivf-cycle", protocol="fresh", start_date=date.today())
    assert "no default target" in default_target(fresh, "vaginal", NOW, NOW + timedelta(days=7)).rationale


@pytest.mark.parametrize(("key", "is_global"), [
    ("Patient|https://ehr.example.org/mrn|MRN-1", True),
    ("https://ehr.example.org/fhir/Patient/pat-1", True),
    ("urn:uuid:0b7bd3e0-1111-4a5a-9d7b-1c1c1c1c1c1c", True),
    ("Patient/1", False),
    ("Patient||MRN-1", False),
    ("Observation#sha256:ab12", False),
])
def test_only_a_global_identifier_names_the_same_resource_in_every_bundle(key, is_global) -> None:
    assert identifiers.is_global(key) is is_global


def test_a_global_identifier_belongs_to_one_record_a_local_one_to_each(session, sessions, settings, access,
                                                                        people) -> None:
    other = open_as(session, sessions, settings, people["doctor"], people["other_id"])
    identifiers.claim(access, "Patient", "Patient|https://x.org/mrn|7", "patients", access.patient_id)
    with pytest.raises(InputError, match="is linked to another patient record") as refused:
        identifiers.claim(other, "Patient", "Patient|https://x.org/mrn|7", "patients", other.patient_id)
    assert str(access.patient_id) not in str(refused.value).replace("mrn|7", "")  # names no record
    identifiers.claim(access, "Patient", "Patient/1", "patients", access.patient_id)
    identifiers.claim(other, "Patient", "Patient/1", "patients", other.patient_id)
    assert identifiers.owner(session, "Patient", "Patient/1") is None


def test_a_patients_import_links_no_identifier_she_did_not_prove(session, sessions, settings, as_patient,
                                                                 people) -> None:
    """Squatting: her link is kept for her own re-imports, but owns nothing and blocks no one."""
    mrn = "Patient|https://x.org/mrn|someone-else"
    link = identifiers.claim(as_patient, "Patient", mrn, "patients", as_patient.patient_id)
    assert link.proven is False
    assert identifiers.seen(session, as_patient.patient_id, "Patient", [mrn])
    assert identifiers.owner(session, "Patient", mrn) is None
    clinician = open_as(session, sessions, settings, people["doctor"], people["other_id"])
    assert identifiers.claim(clinician, "Patient", mrn, "patients", clinician.patient_id).proven is True
    assert identifiers.owner(session, "Patient", mrn) == people["other_id"]
    identifiers.claim(as_patient, "Patient", mrn, "patients", as_patient.patient_id)  # no refusal: she proves nothing


def test_an_assigned_clinician_proves_a_patients_earlier_link(session, sessions, settings, as_patient, access) -> None:
    mrn = "Patient|https://x.org/mrn|dana"
    identifiers.claim(as_patient, "Patient", mrn, "patients", as_patient.patient_id)
    assert identifiers.owner(session, "Patient", mrn) is None
    identifiers.claim(access, "Patient", mrn, "patients", access.patient_id)
    assert identifiers.owner(session, "Patient", mrn) == access.patient_id


def test_a_level_far_below_what_the_treatment_gives_is_flagged_on_the_record(access, session) -> None:
    """Issue 14: 0.5 ng/mL two days after transfer on Cyclogest 400 mg twice daily."""
    et = (NOW - timedelta(days=2)).date()
    episode = service.add_episode(access, EpisodeCreate(kind="ivf-cycle", protocol="hrt-fet",
                                                        start_date=et - timedelta(days=18), et_date=et,
                                                        embryo_age_days=5))
    _cyclogest(access, NOW - timedelta(days=7), episode.id)
    stored = service.add_measurement(access, _serum(0.5, NOW - timedelta(hours=1), episode_id=episode.id))
    found = {f["code"]: f for f in stored.interpretation.result["findings"]}
    assert "treatment.level_unexpectedly_low" in found
    assert "adherence" in found["treatment.level_unexpectedly_low"]["message"]
    typical = service.add_measurement(access, _serum(14.0, NOW - timedelta(minutes=30), episode_id=episode.id))
    assert "treatment.level_unexpectedly_low" not in {f["code"] for f in typical.interpretation.result["findings"]}


def test_a_result_in_a_pregnancy_of_unknown_location_carries_ng126s_caveat(access) -> None:
    lmp = date.today() - timedelta(days=42)
    unknown = service.add_episode(access, EpisodeCreate(kind="pregnancy", start_date=lmp, lmp_date=lmp,
                                                        pregnancy_location="unknown"))
    stored = service.add_measurement(access, _serum(4.0, NOW - timedelta(hours=1), episode_id=unknown.id))
    assert "pregnancy.location_unknown" in {f["code"] for f in stored.interpretation.result["findings"]}
    with pytest.raises(ValueError, match="pregnancy_location belongs to a pregnancy only"):
        EpisodeCreate(kind="menstrual-cycle", start_date=lmp, pregnancy_location="unknown")
