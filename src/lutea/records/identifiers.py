"""Ownership of external identifiers: which patient record an imported resource belongs to.

A record made from a FHIR resource or a tracker row keeps its source (store.models.SourceLink),
so a second import finds it and writes nothing. Only a *global* identifier — a business
identifier with its system, or an absolute URL — names the same thing in every sender's bundle;
a relative id (`Patient/1`), a bare value or a content hash names something only inside one
sender's bundle. So a global identifier is owned by one patient record, and a bundle is matched
to an existing record by its Patient's global identifier only: two clinics' `Patient/1` are two
people.

An import owns nothing it did not prove: a link is *proven* only when the importer may vouch for
it — a clinician assigned to the record (open_record checked the assignment), an admin, or the
machine's operator (the CLI). A patient's own import is linked too, so that importing it again
writes nothing, but unproven: it routes no later import to her record and blocks no one else's,
so she cannot squat another person's identifier. A refusal names no other record.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lutea.errors import InputError
from lutea.records.access import RecordAccess
from lutea.store.models import SourceLink

LINKING_ROLES = ("clinician", "admin")


def is_global(source_key: str) -> bool:
    """Whether a source key names its resource outside the bundle it came in."""
    if source_key.startswith(("http://", "https://", "urn:uuid:", "urn:oid:")):
        return True
    parts = source_key.split("|")
    return len(parts) >= 3 and bool(parts[1]) and bool(parts[2])


def may_link(access: RecordAccess) -> bool:
    """Whether this caller's imports prove the identifiers they carry (never a patient's)."""
    return access.user is None or access.user.role in LINKING_ROLES


def find_link(session: Session, source_type: str, source_key: str, patient_id: int | None = None, *,
              proven_only: bool = False) -> SourceLink | None:
    """The link of a source, for one patient (or, patient_id None, any record's; proven ones if asked)."""
    query = select(SourceLink).where(SourceLink.source_type == source_type, SourceLink.source_key == source_key[:300])
    if patient_id is not None:
        query = query.where(SourceLink.patient_id == patient_id)
    if proven_only:
        query = query.where(SourceLink.proven.is_(True))
    return session.scalars(query.order_by(SourceLink.id)).first()


def owner(session: Session, source_type: str, source_key: str) -> int | None:
    """The patient record that owns a global identifier by a proven link (None: unclaimed, or not global)."""
    if not is_global(source_key):
        return None
    link = find_link(session, source_type, source_key, proven_only=True)
    return link.patient_id if link else None


def seen(session: Session, patient_id: int, source_type: str, keys: list[str]) -> bool:
    """Whether any of these sources was imported into this patient's record already (proven or not)."""
    return any(find_link(session, source_type, key, patient_id) is not None for key in keys)


def _conflict(label: str, source_key: str) -> InputError:
    return InputError(f"{label} identifier".strip(), f"{source_key[:120]} is linked to another patient record",
                      "a resource of this patient (ask a clinician of the other record to correct the link)")


def check_unowned(access: RecordAccess, source_type: str, source_key: str, label: str = "") -> None:
    """InputError (naming no record) if a caller who may link would link an identifier another record owns."""
    if may_link(access):
        holder = owner(access.session, source_type, source_key)
        if holder is not None and holder != access.patient_id:
            raise _conflict(label, source_key)


def claim(access: RecordAccess, source_type: str, source_key: str, record_type: str, record_id: int,
          label: str = "") -> SourceLink:
    """Link a record of `access`'s patient to its source: proven if the caller may link (InputError if
    another record owns the global identifier), unproven for a patient's own import. Claiming a
    source the record has already proves an unproven link when the caller may link."""
    session, patient_id, proven = access.session, access.patient_id, may_link(access)
    check_unowned(access, source_type, source_key, label)
    existing = find_link(session, source_type, source_key, patient_id)
    if existing is not None:
        if proven and not existing.proven:
            existing.proven = True
            session.flush()
        return existing
    link = SourceLink(patient_id=patient_id, source_type=source_type, source_key=source_key[:300],
                      record_type=record_type, record_id=record_id, proven=proven)
    session.add(link)
    session.flush()
    return link


def source_keys_of(session: Session, patient_id: int) -> dict[tuple[str, int], tuple[str, ...]]:
    """The sources each record of a patient was imported from, by (record_type, record_id), oldest first."""
    out: dict[tuple[str, int], tuple[str, ...]] = {}
    rows = session.scalars(select(SourceLink).where(SourceLink.patient_id == patient_id).order_by(SourceLink.id))
    for link in rows:
        key = (link.record_type, link.record_id)
        out[key] = (*out.get(key, ()), link.source_key)
    return out


def patient_with_identifier(session: Session, system: str, value: str, *, own_patient_id: int | None = None) -> int | None:
    """The patient record a Patient identifier (system and value) names: the record that owns it by a
    proven link, or, for a patient's own account (`own_patient_id`), only her own record if it has
    the identifier by any link. None when no such record (the caller cannot tell "another's" apart)."""
    key = f"Patient|{system}|{value}"
    if own_patient_id is not None:
        return own_patient_id if find_link(session, "Patient", key, own_patient_id) is not None else None
    return owner(session, "Patient", key)
