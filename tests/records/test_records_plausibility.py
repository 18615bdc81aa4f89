"""Plausibility of a record write (docs/api.md, "Bad and implausible input"), tested once in
lutea.records: the API, the web forms and FHIR import all store through these checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from records_helpers import open_as

from lutea.errors import InputError
from lutea.records import service
from lutea.records.inputs import DoseCreate, EpisodeCreate, MeasurementCreate, SymptomCreate, TreatmentCreate
from lutea.store import crud, models

NOW = datetime.now(UTC).replace(microsecond=0)
CYCLOGEST = {"product": "Cyclogest", "route": "vaginal", "dose_mg": 400, "schedule": "400 mg vaginal q12h",
             "start": NOW - timedelta(days=10)}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"value": 1500, "unit": "ng/mL"}, "value", "plausible limit of 1000"),
        ({"value": 3500, "unit": "nmol/L"}, "value", "plausible limit"),
        ({"sampled_at": NOW + timedelta(days=1)}, "sampled_at", "in the future"),
        ({"unit": "bananas"}, "unit", "unknown unit"),
        ({"unit": "nmol/L", "specimen": "urine"}, "unit", "not a concentration"),
    ],
)
def test_implausible_results_are_refused_naming_the_field(access, session, change, field, words) -> None:
    body = {"specimen": "serum", "value": 31.8, "unit": "nmol/L", "sampled_at": NOW - timedelta(days=2),
            "assay": "immunoassay", **change}
    with pytest.raises(InputError) as refused:
        service.add_measurement(access, MeasurementCreate(**body))
    assert refused.value.field == field and words in refused.value.problem
    assert crud.list_records(session, models.Measurement, access.patient_id) == []


def test_a_schedule_over_the_labelled_daily_maximum_needs_an_acknowledgement(access) -> None:
    # Cyclogest: labelled maximum 800 mg a day (400 mg twice daily; products.yaml, label-cyclogest-uk)
    thrice = {**CYCLOGEST, "schedule": "400 mg vaginal q8h"}
    with pytest.raises(InputError) as refused:
        service.add_treatment(access, TreatmentCreate(**thrice))
    assert refused.value.field == "schedule"
    assert "1200 mg a day is more than the labelled maximum of 800 mg a day" in refused.value.problem
    assert service.add_treatment(access, TreatmentCreate(**thrice, acknowledge_off_label=True)).acknowledge_off_label


def test_doses_taken_over_the_daily_maximum_are_refused(access) -> None:
    treatment = service.add_treatment(access, TreatmentCreate(**CYCLOGEST))
    for hours_ago in (20, 12):
        service.add_dose(access, treatment.id, DoseCreate(taken_at=NOW - timedelta(hours=hours_ago), dose_mg=400))
    with pytest.raises(InputError) as refused:
        service.add_dose(access, treatment.id, DoseCreate(taken_at=NOW - timedelta(hours=2), dose_mg=400))
    assert refused.value.field == "dose_mg"


@pytest.mark.parametrize(("change", "field"), [
    ({"schedule": "lots of gel whenever"}, "schedule"),
    ({"schedule": "400 mg oral q12h"}, "schedule"),
    ({"route": "oral"}, "route"),
    ({"product": "snake oil"}, "product"),
])
def test_a_treatment_names_a_known_product_its_route_and_a_readable_schedule(access, change, field) -> None:
    with pytest.raises(InputError) as refused:
        service.add_treatment(access, TreatmentCreate(**{**CYCLOGEST, **change}))
    assert refused.value.field == field


def test_a_record_cannot_point_at_another_patients_episode(sessions, settings, people) -> None:
    with sessions.begin() as s:
        theirs = service.add_episode(open_as(s, sessions, settings, people["doctor"], people["other_id"]),
                                     EpisodeCreate(kind="pregnancy", start_date=date.today() - timedelta(days=40)))
        mine = open_as(s, sessions, settings, people["doctor"], people["patient_id"])
        with pytest.raises(InputError) as refused:
            service.add_symptom(mine, SymptomCreate(symptom="spotting", noted_at=NOW, episode_id=theirs.id))
        assert refused.value.field == "episode_id"
