"""The limits of form of every record input (lutea.records.inputs) and the plausibility rules
the hostile-input probe found missing (issue 15), tested once here: every shell stores through
these models and services. Each refusal names the field and leaves nothing stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from lutea.errors import InputError
from lutea.records import patients, service
from lutea.records.inputs import (
    DoseCreate,
    EpisodeCreate,
    MeasurementCreate,
    NoteCreate,
    SymptomCreate,
    TreatmentCreate,
    row_id,
)
from lutea.store import crud, models

NOW = datetime.now(UTC).replace(microsecond=0)
RESULT = {"specimen": "serum", "value": 10.0, "unit": "ng/mL", "sampled_at": (NOW - timedelta(days=1)).isoformat()}
TREATMENT = {"product": "Cyclogest", "route": "vaginal", "dose_mg": 400, "schedule": "400 mg vaginal q12h",
             "start": (NOW - timedelta(days=3)).isoformat()}


def _refused(model: type, body: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    return [e["loc"] for e in refused.value.errors()]


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf"), "nan", "1e309", "-Infinity"])
@pytest.mark.parametrize(("model", "base", "field"), [
    (MeasurementCreate, RESULT, "value"), (TreatmentCreate, TREATMENT, "dose_mg"),
    (SymptomCreate, {"symptom": "spotting", "noted_at": RESULT["sampled_at"]}, "severity"),
])
def test_non_finite_numbers_are_refused_by_name(model, base, field, number) -> None:
    assert _refused(model, {**base, field: number}) == [(field,)]


@pytest.mark.parametrize("moment", [
    "0001-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "1899-12-31T23:59:59Z",
    (NOW + timedelta(days=400)).isoformat(),
    5, 1700000000, 253402300800, 1.7e9, "1700000000", " 1700000000 ", "1.7e9", True,
])
@pytest.mark.parametrize(("model", "base", "field"), [
    (MeasurementCreate, RESULT, "sampled_at"), (SymptomCreate, {"symptom": "spotting"}, "noted_at"),
    (TreatmentCreate, TREATMENT, "start"), (DoseCreate, {"dose_mg": 400}, "taken_at"),
])
def test_times_are_iso_strings_from_1900_to_a_year_ahead(model, base, field, moment) -> None:
    assert _refused(model, {**base, field: moment}) == [(field,)]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", 0, 20260101, "20260101"])
def test_episode_dates_are_iso_dates_within_the_window(day) -> None:
    body = {"kind": "pregnancy", "start_date": (NOW - timedelta(days=30)).date().isoformat()}
    assert _refused(EpisodeCreate, {**body, "start_date": day}) == [("start_date",)]
    assert _refused(EpisodeCreate, {**body, "lmp_date": day}) == [("lmp_date",)]


@pytest.mark.parametrize(("field", "text"), [
    ("laboratory", "\ud800"), ("unit", "\udfff"), ("laboratory", "lab\x07"), ("laboratory", "lab\nname"),
    ("unit", "ng/mL\n"), ("laboratory", "\x9b[31m"),
])
def test_surrogates_and_control_characters_are_refused_by_name(field, text) -> None:
    assert _refused(MeasurementCreate, {**RESULT, field: text}) == [(field,)]


def test_notes_keep_their_line_breaks_but_not_other_control_characters() -> None:
    assert NoteCreate(text="line one\nline two\ttabbed").text.count("\n") == 1
    assert _refused(NoteCreate, {"text": "bell\x07"}) == [("text",)]
    assert _refused(NoteCreate, {"text": "half \ud83d"}) == [("text",)]


def test_a_megabyte_string_is_refused_by_its_length() -> None:
    assert _refused(MeasurementCreate, {**RESULT, "laboratory": "x" * 1_000_000}) == [("laboratory",)]


@pytest.mark.parametrize(("text", "expected"), [("42", 42), ("²", None), ("9" * 5000, None), ("0", None),
                                                 ("2147483648", None), ("-1", None), ("４２", None), ("", None)])
def test_a_record_id_in_text_is_ascii_digits_within_the_id_range(text, expected) -> None:
    assert row_id(text) == expected


# --- plausibility in the services: nothing stored after a refusal ----------------------------

@pytest.mark.parametrize(("change", "field", "words"), [
    ({"unit": "ng/mL🙂"}, "unit", "characters no unit has"),
    ({"unit": " ng/mL"}, "unit", "characters no unit has"),
    ({"specimen": "saliva", "unit": "pg/mL", "value": 1e12}, "value", "plausible limit of 100000 pg/mL"),
    ({"specimen": "urine", "unit": "ug/mL", "value": 1e9}, "value", "plausible limit of 1000 ug/mL for urine PdG"),
])
def test_units_are_strict_and_every_specimen_has_a_ceiling(access, session, change, field, words) -> None:
    with pytest.raises(InputError) as refused:
        service.add_measurement(access, MeasurementCreate(**{**RESULT, **change}))
    assert refused.value.field == field and words in refused.value.problem
    assert crud.list_records(session, models.Measurement, access.patient_id) == []


def test_saliva_and_urine_within_their_ceilings_are_stored(access) -> None:
    service.add_measurement(access, MeasurementCreate(**{**RESULT, "specimen": "saliva", "unit": "pg/mL", "value": 450}))
    service.add_measurement(access, MeasurementCreate(**{**RESULT, "specimen": "urine", "unit": "ug/mL", "value": 12}))


def test_the_dose_of_one_administration_is_a_dose_of_the_schedule(access, session) -> None:
    body = {**TREATMENT, "dose_mg": 100, "schedule": "200 mg vaginal q8h", "acknowledge_off_label": True}
    with pytest.raises(InputError) as refused:
        service.add_treatment(access, TreatmentCreate(**body))
    assert refused.value.field == "dose_mg" and "not a dose of the schedule" in refused.value.problem
    assert crud.list_records(session, models.Treatment, access.patient_id) == []
    assert service.add_treatment(access, TreatmentCreate(**{**body, "dose_mg": 200})).dose_mg == 200


def _born(session, patient_id: int, birth: date) -> None:
    session.get(models.Patient, patient_id).birth_date = birth
    session.flush()


@pytest.mark.parametrize(("kind", "body", "field"), [
    ("measurements", {**RESULT, "sampled_at": "1950-06-01T08:00:00Z"}, "sampled_at"),
    ("symptoms", {"symptom": "spotting", "noted_at": "1950-06-01T08:00:00Z"}, "noted_at"),
    ("treatments", {**TREATMENT, "start": "1950-06-01T08:00:00Z"}, "start"),
    ("episodes", {"kind": "pregnancy", "start_date": "1950-06-01"}, "start_date"),
])
def test_nothing_is_dated_before_the_patients_birth(access, session, kind, body, field) -> None:
    _born(session, access.patient_id, date(1990, 5, 1))
    model = service.KINDS[kind].create
    with pytest.raises(InputError) as refused:
        service.create(access, kind, model.model_validate(body))
    assert refused.value.field == field and "before the patient's birth date" in refused.value.problem
    assert crud.list_records(session, service.KINDS[kind].model, access.patient_id) == []


def test_a_dose_is_not_dated_before_the_patients_birth(access, session) -> None:
    treatment = service.add_treatment(access, TreatmentCreate(**TREATMENT))
    _born(session, access.patient_id, (NOW - timedelta(days=1)).date())  # a day whatever the hour now
    with pytest.raises(InputError) as refused:
        service.add_dose(access, treatment.id, DoseCreate(taken_at=NOW - timedelta(days=2, hours=1), dose_mg=400))
    assert refused.value.field == "taken_at"


@pytest.mark.parametrize("birth", [date(1, 1, 1), date(9999, 12, 31), date(1899, 12, 31), date.today() + timedelta(days=1)])
def test_a_birth_date_lies_between_1900_and_today_whatever_the_shell(session, people, birth) -> None:
    doctor = session.get(models.User, people["doctor"])
    with pytest.raises(InputError) as refused:
        patients.create_patient(session, doctor, {"display_name": "Fay Record", "birth_date": birth})  # as a FHIR import
    assert refused.value.field == "birth_date"


def test_a_birth_date_after_her_first_record_is_refused(access, session) -> None:
    service.add_measurement(access, MeasurementCreate(**RESULT))
    with pytest.raises(InputError) as refused:
        patients.update_patient(access, {"birth_date": date.today()})
    assert refused.value.field == "birth_date" and "after her record" in refused.value.problem


@pytest.mark.parametrize(("model", "body", "later", "earlier"), [
    (EpisodeCreate, {"kind": "menstrual-cycle", "start_date": "2026-03-01", "end_date": "2026-02-01"}, "end_date", "start_date"),
    (EpisodeCreate, {"kind": "menstrual-cycle", "start_date": "2026-03-01", "lmp_date": "2026-03-01",
                     "lh_peak_date": "2026-02-27"}, "lh_peak_date", "lmp_date"),
    (EpisodeCreate, {"kind": "ivf-cycle", "protocol": "hrt-fet", "start_date": "2026-03-01", "et_date": "2026-02-20"},
     "et_date", "start_date"),
    (TreatmentCreate, {**TREATMENT, "stop": (NOW - timedelta(days=4)).isoformat()}, "stop", "start"),
])
def test_a_date_order_error_sits_at_the_later_field_and_names_both(model: Any, body: dict, later: str, earlier: str) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    [error] = caught.value.errors()
    assert error["loc"] == (later,)
    assert f"{later} " in error["msg"] and f"is before {earlier} " in error["msg"]
    assert model.model_validate({**body, later: body[earlier]})  # the same day (or time) is accepted
