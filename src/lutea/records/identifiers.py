"""Ownership of external identifiers: which patient record an imported resource belongs to.

A record made from a FHIR resource or a tracker row keeps its source (store.models.SourceLink),
so a second import finds it and writes nothing. Only a *global* identifier — a business
identifier with its system, or an absolute URL — names the same thing in every sender's bundle;
a relative id (`Patient/1`), a bare value or a content hash names something only inside one
sender's bundle. So a global identifier is owned by one patient record, and a bundle is matched
to an existing record by its Patient's global identifier only: two clinics' `Patient/1` are two
people.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lutea.errors import InputError
from lutea.store.models import SourceLink


def is_global(source_key: str) -> bool:
    """Whether a source key names its resource outside the bundle it came in."""
    if source_key.startswith(("http://", "https://", "urn:uuid:", "urn:oid:")):
        return True
    parts = source_key.split("|")
    return len(parts) >= 3 and bool(parts[1]) and bool(parts[2])


def find_link(session: Session, source_type: str, source_key: str, patient_id: int | None = None) -> SourceLink | None:
    """The link of a source, for one patient (or, patient_id None, whichever record owns it)."""
    query = select(SourceLink).where(SourceLink.source_type == source_type, SourceLink.source_key == source_key)
    if patient_id is not None:
        query = query.where(SourceLink.patient_id == patient_id)
    return session.scalars(query.order_by(SourceLink.id)).first()


def owner(session: Session, source_type: str, source_key: str) -> int | None:
    """The patient record that owns a global identifier (None: unclaimed, or not global)."""
    if not is_global(source_key):
        return None
    link = find_link(session, source_type, source_key)
    return link.patient_id if link else None


def seen(session: Session, patient_id: int, source_type: str, keys: list[str]) -> bool:
    """Whether any of these sources was imported into this patient's record already."""
    return any(find_link(session, source_type, key, patient_id) is not None for key in keys)


def claim(session: Session, patient_id: int, source_type: str, source_key: str, record_type: str,
          record_id: int, label: str = "") -> SourceLink:
    """Link a record to its source; InputError if another record owns the global identifier."""
    holder = owner(session, source_type, source_key)
    if holder is not None and holder != patient_id:
        raise InputError(f"{label} identifier".strip(), f"{source_key[:120]} belongs to another patient record",
                         "a resource of this patient, or the record that owns the identifier")
    link = SourceLink(patient_id=patient_id, source_type=source_type, source_key=source_key[:300],
                      record_type=record_type, record_id=record_id)
    session.add(link)
    session.flush()
    return link
