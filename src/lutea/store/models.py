"""Tables of lutea's records: accounts, patients, episodes, measurements, treatments, audit.

Times are stored in UTC and come back timezone-aware; measurements keep the value and unit as
entered beside the value in the canonical unit of their specimen (serum ng/mL, saliva pg/mL,
urine ug/mL).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("patient", "clinician", "admin")
EPISODE_KINDS = ("menstrual-cycle", "pregnancy", "ivf-cycle", "hormone-therapy")
IVF_PROTOCOLS = ("hrt-fet", "natural-fet", "fresh")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone (for example +00:00)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16), default="female")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    episodes: Mapped[list[Episode]] = relationship(back_populates="patient", cascade="all, delete-orphan", passive_deletes=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # carried by every token and web session issued; raised to end them all (crud.end_sessions)
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Assignment(Base):
    """A clinician's access to one patient's record."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("clinician_id", "patient_id", name="clinician_patient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class _PatientRecord:
    """Columns shared by every record that belongs to one patient."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class Episode(_PatientRecord, Base):
    """A menstrual cycle, pregnancy, IVF cycle or course of hormone therapy."""

    __tablename__ = "episodes"

    kind: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    cycle_length_days: Mapped[int | None] = mapped_column(Integer)
    lmp_date: Mapped[date | None] = mapped_column(Date)
    lh_peak_date: Mapped[date | None] = mapped_column(Date)
    protocol: Mapped[str | None] = mapped_column(String(32))
    et_date: Mapped[date | None] = mapped_column(Date)
    embryo_age_days: Mapped[int | None] = mapped_column(Integer)
    pregnancy_location: Mapped[str | None] = mapped_column(String(16))  # intrauterine, unknown, ectopic (scan)
    note: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship(back_populates="episodes")

    def runs_on(self, day: date) -> bool:
        """Whether the episode covers this day (one without an end runs on from its start)."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    @staticmethod
    def latest_on(episodes: Iterable[Episode], day: date) -> Episode | None:
        """The latest-starting of these episodes that runs on this day (of two starting the same
        day, the later entered): the episode of a row entered without one."""
        return max((e for e in episodes if e.runs_on(day)), key=lambda e: (e.start_date, e.id or 0), default=None)

    @staticmethod
    def pregnant_now(episodes: Iterable[Episode]) -> bool:
        """Whether one of these episodes is a pregnancy with no end recorded: what a screening of
        her treatment (safety.screen) is told of pregnancy."""
        return any(e.kind == "pregnancy" and e.end_date is None for e in episodes)


class _EpisodeRecord(_PatientRecord):
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id", ondelete="SET NULL"), index=True)


class Measurement(_EpisodeRecord, Base):
    """One result: as entered (value, unit) and normalised (value_canonical in unit_canonical)."""

    __tablename__ = "measurements"

    specimen: Mapped[str] = mapped_column(String(16))
    analyte: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    value_canonical: Mapped[float] = mapped_column(Float)
    unit_canonical: Mapped[str] = mapped_column(String(32))
    assay: Mapped[str] = mapped_column(String(32), default="any")
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    laboratory: Mapped[str | None] = mapped_column(String(200))


class Symptom(_EpisodeRecord, Base):
    """A diary entry: a symptom id (knowledge symptoms.yaml when known) and its severity 0 to 3."""

    __tablename__ = "symptoms"

    symptom: Mapped[str] = mapped_column(String(100))
    severity: Mapped[int] = mapped_column(Integer, default=1)
    noted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class Treatment(_EpisodeRecord, Base):
    """A progesterone treatment: product, route, dose per administration and schedule text."""

    __tablename__ = "treatments"

    product: Mapped[str] = mapped_column(String(100))
    route: Mapped[str] = mapped_column(String(16))
    dose_mg: Mapped[float] = mapped_column(Float)
    schedule: Mapped[str] = mapped_column(String(500))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    stop: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledge_off_label: Mapped[bool] = mapped_column(default=False)  # a dose over the labelled maximum, on purpose

    doses: Mapped[list[DoseEvent]] = relationship(
        back_populates="treatment", cascade="all, delete-orphan", passive_deletes=True, order_by="DoseEvent.taken_at"
    )


class DoseEvent(_PatientRecord, Base):
    """One administration actually taken (or given) under a treatment."""

    __tablename__ = "dose_events"

    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dose_mg: Mapped[float] = mapped_column(Float)

    treatment: Mapped[Treatment] = relationship(back_populates="doses")


class Interpretation(_PatientRecord, Base):
    """What lutea said about a measurement, with the knowledge-base version it used."""

    __tablename__ = "interpretations"

    measurement_id: Mapped[int | None] = mapped_column(ForeignKey("measurements.id", ondelete="CASCADE"), index=True)
    knowledge_version: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class Note(_PatientRecord, Base):
    __tablename__ = "notes"

    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)


class RedFlag(_PatientRecord, Base):
    """An urgent finding raised by a result or a symptom; open until a clinician acknowledges it,
    and kept (as acknowledged, with who and when) afterwards. The source record owns it: removing
    a mistaken result or symptom removes its flags."""

    __tablename__ = "red_flags"

    key: Mapped[str] = mapped_column(String(120))  # red-flag entry id, or the finding code
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    patient_message: Mapped[str] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(Text)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    measurement_id: Mapped[int | None] = mapped_column(ForeignKey("measurements.id", ondelete="CASCADE"), index=True)
    symptom_id: Mapped[int | None] = mapped_column(ForeignKey("symptoms.id", ondelete="CASCADE"), index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_by_email: Mapped[str | None] = mapped_column(String(320))


class SourceLink(Base):
    """An imported record and the source it came from (FHIR type and key, or `tracker`): one row
    per (patient, source type, source key), so a second import finds its rows and writes nothing."""

    __tablename__ = "source_links"
    __table_args__ = (UniqueConstraint("patient_id", "source_type", "source_key", name="patient_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    source_type: Mapped[str] = mapped_column(String(40))
    source_key: Mapped[str] = mapped_column(String(300), index=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # the importer vouched for the link (assigned clinician, admin, operator): only a proven link of
    # a global identifier owns it (lutea.records.identifiers); a patient's own import is unproven
    proven: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class AuditEvent(Base):
    """Who did what to which record, when (UTC) and from where. Never updated, never deleted, only
    appended at the end; each row carries the hash of the row before it and its own
    (lutea.store.audit_chain; written by crud.record_audit only).

    No foreign keys: the trail outlives the records and accounts it names.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_email: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(32))
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(Integer)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str | None] = mapped_column(String(300))
    prev_hash: Mapped[str | None] = mapped_column(String(64))  # NULL only if written around the database's triggers
    hash: Mapped[str | None] = mapped_column(String(64))
