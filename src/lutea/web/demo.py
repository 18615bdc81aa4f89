"""Demo records for the web app (`make run`): the demo patient's luteal series in a natural cycle,
a mistimed 'day 21' sample in a long cycle, and every stored result interpreted; and a second
patient of the demo clinician, pregnant, with a red-flag symptom. Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lutea.records.red_flags import raise_for_symptom
from lutea.records.service import interpret_and_flag
from lutea.store import crud, models
from lutea.units import Specimen, to_canonical

LUTEAL_NOTE = "demo: natural cycle with a luteal series"
MISTIMED_NOTE = "demo: long cycle, 'day 21' sample taken on day 21"
SECOND_PATIENT = "Second Demo Patient"
# days after the LH peak and serum progesterone (ng/mL) of the demo luteal series
LUTEAL_SERIES = ((3, 4.1), (5, 9.8), (7, 14.2), (9, 11.5), (11, 6.0))


def _serum(patient_id: int, episode_id: int | None, value: float, unit: str, at: datetime, assay: str) -> models.Measurement:
    return models.Measurement(
        patient_id=patient_id, episode_id=episode_id, specimen="serum", analyte="progesterone", value=value,
        unit=unit, value_canonical=to_canonical(value, unit, Specimen.SERUM), unit_canonical="ng/mL",
        assay=assay, sampled_at=at, laboratory="Demo laboratory",
    )


def _day(now: datetime, days_ago: int) -> datetime:
    return (now - timedelta(days=days_ago)).replace(hour=0, minute=0, second=0, microsecond=0)


def _cycles(session: Session, patient_id: int, now: datetime) -> None:
    lmp = _day(now, 75)
    cycle = crud.add(session, models.Episode(
        patient_id=patient_id, kind="menstrual-cycle", start_date=lmp.date(), end_date=(lmp + timedelta(days=27)).date(),
        lmp_date=lmp.date(), cycle_length_days=28, lh_peak_date=(lmp + timedelta(days=13)).date(), note=LUTEAL_NOTE,
    ))
    for days_after_peak, value in LUTEAL_SERIES:
        at = lmp + timedelta(days=13 + days_after_peak, hours=9)
        crud.add(session, _serum(patient_id, cycle.id, value, "ng/mL", at, "immunoassay"))
    long_lmp = _day(now, 47)
    long_cycle = crud.add(session, models.Episode(
        patient_id=patient_id, kind="menstrual-cycle", start_date=long_lmp.date(),
        end_date=(long_lmp + timedelta(days=34)).date(), lmp_date=long_lmp.date(), cycle_length_days=35,
        note=MISTIMED_NOTE,
    ))
    crud.add(session, _serum(patient_id, long_cycle.id, 6.4, "nmol/L", long_lmp + timedelta(days=20, hours=9),
                             "immunoassay"))


def _second_patient(session: Session, clinician: models.User, now: datetime) -> None:
    patient = crud.add(session, models.Patient(display_name=SECOND_PATIENT))
    crud.assign(session, clinician, patient.id)
    lmp = _day(now, 50)
    pregnancy = crud.add(session, models.Episode(
        patient_id=patient.id, kind="pregnancy", start_date=lmp.date(), lmp_date=lmp.date(),
    ))
    raise_for_symptom(session, crud.add(session, models.Symptom(
        patient_id=patient.id, episode_id=pregnancy.id, symptom="heavy-bleeding", severity=3,
        noted_at=now - timedelta(hours=5))))
    crud.add(session, _serum(patient.id, pregnancy.id, 18.0, "nmol/L", now - timedelta(hours=3), "immunoassay"))


def _interpret_all(session: Session, patient_id: int) -> None:
    done = set(session.scalars(
        select(models.Interpretation.measurement_id).where(models.Interpretation.patient_id == patient_id)
    ).all())
    for m in crud.list_records(session, models.Measurement, patient_id):
        if m.id not in done:
            interpret_and_flag(session, m)


def seed_web_demo(session: Session, patient_email: str, clinician_email: str) -> None:
    """Add the web demo's records to the demo patient and clinician (once) and interpret every result."""
    user = crud.get_user_by_email(session, patient_email)
    clinician = crud.get_user_by_email(session, clinician_email)
    if user is None or user.patient_id is None or clinician is None:
        return
    now = datetime.now(UTC)
    marked = session.scalar(select(models.Episode.id).where(
        models.Episode.patient_id == user.patient_id, models.Episode.note == LUTEAL_NOTE))
    if marked is None:
        _cycles(session, user.patient_id, now)
        _second_patient(session, clinician, now)
    for patient in crud.accessible_patients(session, clinician):
        _interpret_all(session, patient.id)
