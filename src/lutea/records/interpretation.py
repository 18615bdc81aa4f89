"""Interpret a stored measurement with the domain core (lutea.interpret) and store what it said.

The context comes from the record: the episode the result belongs to (cycle, pregnancy, IVF
protocol and transfer), the patient's sex, the progesterone treatment running at sampling (with
its last dose), and the symptoms noted in the three days before the sample.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lutea.context import Context, make_context, resolve_treatment
from lutea.errors import InputError
from lutea.interpret import interpret
from lutea.knowledge import load_knowledge
from lutea.knowledge.schema import PROGESTERONE
from lutea.measurement import Measurement
from lutea.pk.regimen import summarise_schedule
from lutea.store import crud, models

SYMPTOM_WINDOW = timedelta(days=3)


def _episode_context(episode: models.Episode | None) -> dict[str, Any]:
    if episode is None:
        return {}
    if episode.kind == "menstrual-cycle":
        return {"lmp": episode.lmp_date or episode.start_date, "cycle_length_days": episode.cycle_length_days,
                "lh_peak_on": episode.lh_peak_date}
    if episode.kind == "pregnancy":
        return {"pregnant": True, "lmp": episode.lmp_date, "pregnancy_location": episode.pregnancy_location}
    if episode.kind == "ivf-cycle":
        return {"protocol": episode.protocol, "et_date": episode.et_date, "embryo_age_days": episode.embryo_age_days}
    return {}


def _running_at(session: Session, patient_id: int, moment: datetime) -> list[Any]:
    return [t for t in crud.list_records(session, models.Treatment, patient_id)
            if t.start <= moment and (t.stop is None or moment <= t.stop)]


def _treatment_of(running: list[Any], moment: datetime) -> Any:
    """The treatment of the context among those running at the moment: the latest progesterone,
    else the latest progestogen (whose doses a progesterone assay does not see)."""
    if not running:
        return None
    kb = load_knowledge()
    progesterone = [t for t in running if kb.substance_of(t.product) == PROGESTERONE]
    treatment = (progesterone or running)[-1]
    last = [d.taken_at for d in treatment.doses if d.taken_at <= moment]
    return resolve_treatment(
        treatment.product, treatment.route, treatment.dose_mg,
        summarise_schedule(treatment.schedule, default_start=treatment.start).interval_h,
        max(last) if last else None, started_at=treatment.start,
    )


def _symptoms_before(session: Session, patient_id: int, moment: datetime) -> tuple[str, ...]:
    rows = session.scalars(
        select(models.Symptom.symptom).where(
            models.Symptom.patient_id == patient_id,
            models.Symptom.noted_at <= moment,
            models.Symptom.noted_at >= moment - SYMPTOM_WINDOW,
        )
    ).all()
    return tuple(dict.fromkeys(rows))


def latest_interpretations(session: Session, patient_id: int) -> dict[int, models.Interpretation]:
    """The newest stored interpretation of each of a patient's results, by measurement id."""
    latest: dict[int, models.Interpretation] = {}
    for row in crud.list_records(session, models.Interpretation, patient_id):
        if row.measurement_id is not None:
            latest[row.measurement_id] = row
    return latest


def newest_interpreted_by_specimen(session: Session, patient_id: int) -> list[tuple[models.Measurement, dict[str, Any]]]:
    """The newest result of each specimen with what lutea said of it (the stored interpretation's
    result), in the order the specimens were first measured; a newest result never interpreted
    is left out (the CDS Hooks patient-view cards read this)."""
    latest = latest_interpretations(session, patient_id)
    newest: dict[str, models.Measurement] = {}
    for m in crud.list_records(session, models.Measurement, patient_id):
        newest[m.specimen] = m
    return [(m, latest[m.id].result) for m in newest.values() if m.id in latest]


def record_context(session: Session, measurement: models.Measurement) -> Context:
    """The interpretation context of a stored measurement, from the rest of the record."""
    patient = session.get(models.Patient, measurement.patient_id)
    episode = session.get(models.Episode, measurement.episode_id) if measurement.episode_id else None
    fields = {k: v for k, v in _episode_context(episode).items() if v is not None}
    fields["sex"] = patient.sex if patient else "female"
    running = _running_at(session, measurement.patient_id, measurement.sampled_at)
    fields["treatment"] = _treatment_of(running, measurement.sampled_at)
    in_treatment = fields["treatment"].product if fields["treatment"] else None
    kb = load_knowledge()
    fields["progestogens"] = tuple(dict.fromkeys(
        t.product for t in running if kb.substance_of(t.product) != PROGESTERONE and t.product != in_treatment))
    fields["symptoms"] = _symptoms_before(session, measurement.patient_id, measurement.sampled_at)
    return make_context(**fields)


def interpret_in_record(session: Session, measurement: models.Measurement) -> models.Interpretation:
    """What lutea says of a result in its record's context, with the knowledge-base version it
    used, as an Interpretation not yet stored (reads only: a write can follow at once). A context
    the core refuses is reported in the result (context_error) and the result is read without it."""
    result_of = Measurement(
        value=measurement.value, unit=measurement.unit, specimen=measurement.specimen,  # type: ignore[arg-type]
        assay=None if measurement.assay == "any" else measurement.assay,  # type: ignore[arg-type]
        sampled_at=measurement.sampled_at,
    )
    context_error = None
    try:
        result = interpret(result_of, record_context(session, measurement))
    except InputError as exc:
        context_error = str(exc)
        patient = session.get(models.Patient, measurement.patient_id)
        result = interpret(result_of, make_context(sex=patient.sex if patient else "female"))
    body = json.loads(json.dumps(result.to_json(), default=str))  # dates in findings' detail become text
    if context_error:
        body["context_error"] = context_error
    return models.Interpretation(patient_id=measurement.patient_id, measurement_id=measurement.id,
                                 knowledge_version=result.knowledge_version, result=body)
