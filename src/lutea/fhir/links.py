"""Where each imported record came from: the FHIR resource (or tracker row) it was made from.

One row per (patient, source type, source key); a second import finds its rows here and writes
nothing. The table is created by the Alembic migration 0002_fhir_links, which imports this
module so the model is registered on lutea.store.models.Base whenever the schema is migrated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lutea.store.models import Base, UTCDateTime, utc_now


class SourceLink(Base):
    """An imported record and the source it came from (FHIR type and key, or `tracker`)."""

    __tablename__ = "source_links"
    __table_args__ = (UniqueConstraint("patient_id", "source_type", "source_key", name="patient_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    source_type: Mapped[str] = mapped_column(String(40))
    source_key: Mapped[str] = mapped_column(String(300), index=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


def find_link(session: Session, source_type: str, source_key: str, patient_id: int | None = None) -> SourceLink | None:
    """The link of a source (for one patient, or for any patient when patient_id is None)."""
    query = select(SourceLink).where(SourceLink.source_type == source_type, SourceLink.source_key == source_key)
    if patient_id is not None:
        query = query.where(SourceLink.patient_id == patient_id)
    return session.scalars(query.order_by(SourceLink.id)).first()


def add_link(session: Session, patient_id: int, source_type: str, source_key: str, record_type: str,
             record_id: int) -> SourceLink:
    link = SourceLink(patient_id=patient_id, source_type=source_type, source_key=source_key[:300],
                      record_type=record_type, record_id=record_id)
    session.add(link)
    session.flush()
    return link
