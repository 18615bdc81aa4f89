"""Red flags that reach the clinician whatever their source: a result, a symptom the patient
reported, a symptom the clinician entered, an import.

Each write of a result or a symptom raises its urgent findings here, in the write's transaction:
one row per red flag (store.models.RedFlag), open until a clinician acknowledges it. The patient
list, the record page, the API and the PDF read the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lutea.findings import Finding, Severity
from lutea.records.access import RecordAccess, RecordNotFound
from lutea.records.interpretation import SYMPTOM_WINDOW
from lutea.store import crud, models
from lutea.triage import canonical_symptom, triage


def pregnant_at(session: Session, patient_id: int, moment: datetime) -> bool:
    """Whether a pregnancy episode of the record covers this moment's date."""
    day = moment.date()
    return any(e.kind == "pregnancy" and e.runs_on(day) for e in crud.list_records(session, models.Episode, patient_id))


def on_treatment_at(session: Session, patient_id: int, moment: datetime) -> bool:
    """Whether a hormone treatment of the record runs at this moment."""
    return any(t.start <= moment and (t.stop is None or moment <= t.stop)
               for t in crud.list_records(session, models.Treatment, patient_id))


def _open_keys(session: Session, patient_id: int) -> set[str]:
    return set(session.scalars(select(models.RedFlag.key).where(
        models.RedFlag.patient_id == patient_id, models.RedFlag.acknowledged_at.is_(None))).all())


def _raise(session: Session, patient_id: int, findings: Iterable[Finding], raised_at: datetime, *,
           measurement_id: int | None = None, symptom_id: int | None = None) -> list[models.RedFlag]:
    """Store the urgent findings that are not open already for this patient, nor raised (and
    perhaps acknowledged) by this same source before."""
    urgent = [f for f in findings if f.severity is Severity.URGENT]
    if not urgent:  # the common case: no query on the write path
        return []
    open_keys = _open_keys(session, patient_id)
    source = (models.RedFlag.measurement_id == measurement_id if measurement_id is not None
              else models.RedFlag.symptom_id == symptom_id)
    open_keys |= set(session.scalars(select(models.RedFlag.key).where(source)).all())
    raised = []
    for f in urgent:
        detail = f.detail or {}
        key = str(detail.get("red_flag") or f.code)[:120]
        if key in open_keys:
            continue
        open_keys.add(key)
        title = str(detail.get("name") or f.message.split(":")[0])[:300]
        raised.append(crud.add(session, models.RedFlag(
            patient_id=patient_id, key=key, code=f.code, title=title, message=f.message,
            patient_message=f.patient_message or f.message, action=detail.get("action"), sources=list(f.sources),
            raised_at=raised_at, measurement_id=measurement_id, symptom_id=symptom_id)))
    return raised


def raise_for_result(session: Session, measurement: models.Measurement, result: dict[str, Any]) -> list[models.RedFlag]:
    """The urgent findings of a stored result's interpretation, as open red flags."""
    findings = [Finding(code=b.get("code", ""), severity=Severity(b.get("severity", "info")),
                        message=b.get("message", ""), patient_message=b.get("patient_message", ""),
                        sources=tuple(b.get("sources", ())), detail=b.get("detail") or {})
                for b in result.get("findings", [])]
    return _raise(session, measurement.patient_id, findings, measurement.sampled_at, measurement_id=measurement.id)


def raise_for_symptom(session: Session, symptom: models.Symptom) -> list[models.RedFlag]:
    """Triage of this symptom with the others noted in the window before it; a symptom of
    severity 0 (noted as absent) or one the knowledge base does not know raises nothing."""
    if symptom.severity <= 0 or canonical_symptom(symptom.symptom) is None:
        return []
    nearby = session.scalars(select(models.Symptom).where(
        models.Symptom.patient_id == symptom.patient_id, models.Symptom.severity > 0,
        models.Symptom.noted_at <= symptom.noted_at, models.Symptom.noted_at >= symptom.noted_at - SYMPTOM_WINDOW,
    )).all()
    names = [s.symptom for s in nearby if canonical_symptom(s.symptom) is not None]
    findings = triage(names, pregnant=pregnant_at(session, symptom.patient_id, symptom.noted_at),
                      on_hormone_treatment=on_treatment_at(session, symptom.patient_id, symptom.noted_at))
    return _raise(session, symptom.patient_id, findings, symptom.noted_at, symptom_id=symptom.id)


def reassess_symptom(session: Session, symptom: models.Symptom) -> None:
    """After a symptom is edited: its open flags are withdrawn and raised again from what it says now."""
    for flag in session.scalars(select(models.RedFlag).where(
            models.RedFlag.symptom_id == symptom.id, models.RedFlag.acknowledged_at.is_(None))).all():
        crud.delete(session, flag)
    raise_for_symptom(session, symptom)


@dataclass(frozen=True)
class RedFlagView:
    """One red flag as a shell shows it: words for the reader's role, its source and its status."""

    id: int
    patient_id: int
    code: str
    title: str
    text: str
    action: str | None
    sources: tuple[str, ...]
    source_type: str
    source_id: int | None
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "title": self.title, "text": self.text, "action": self.action,
                "sources": list(self.sources), "source": {"type": self.source_type, "id": self.source_id},
                "raised_at": self.raised_at.isoformat(),
                "acknowledged": None if self.acknowledged_at is None else {
                    "at": self.acknowledged_at.isoformat(), "by": self.acknowledged_by}}


def view(flag: models.RedFlag, role: str) -> RedFlagView:
    source_type, source_id = (("measurements", flag.measurement_id) if flag.measurement_id is not None
                              else ("symptoms", flag.symptom_id))
    text = flag.patient_message if role == "patient" else flag.message
    return RedFlagView(flag.id, flag.patient_id, flag.code, flag.title, text, flag.action, tuple(flag.sources or ()),
                       source_type, source_id, flag.raised_at, flag.acknowledged_at, flag.acknowledged_by_email)


def open_flags(session: Session, patient_ids: Sequence[int], role: str) -> dict[int, list[RedFlagView]]:
    """Each patient's open red flags, most recent first (patients without any map to [])."""
    out: dict[int, list[RedFlagView]] = {pid: [] for pid in patient_ids}
    if not patient_ids:
        return out
    rows = session.scalars(select(models.RedFlag).where(
        models.RedFlag.patient_id.in_(list(patient_ids)), models.RedFlag.acknowledged_at.is_(None),
    ).order_by(models.RedFlag.raised_at.desc(), models.RedFlag.id.desc())).all()
    for row in rows:
        out[row.patient_id].append(view(row, role))
    return out


def acknowledged_flags(session: Session, patient_id: int, role: str, limit: int = 20) -> list[RedFlagView]:
    """A patient's acknowledged red flags, most recently acknowledged first."""
    rows = session.scalars(select(models.RedFlag).where(
        models.RedFlag.patient_id == patient_id, models.RedFlag.acknowledged_at.is_not(None),
    ).order_by(models.RedFlag.acknowledged_at.desc(), models.RedFlag.id.desc()).limit(limit)).all()
    return [view(r, role) for r in rows]


def patient_flags(access: RecordAccess) -> list[RedFlagView]:
    """Every red flag of the record, open first, most recent first (audited as a read)."""
    rows = access.session.scalars(select(models.RedFlag).where(models.RedFlag.patient_id == access.patient_id)
                                  .order_by(models.RedFlag.raised_at.desc(), models.RedFlag.id.desc())).all()
    access.audit("list", "red_flags")
    views = [view(r, access.role) for r in rows]
    return sorted(views, key=lambda v: v.acknowledged_at is not None)


def acknowledge(access: RecordAccess, flag_id: int, now: datetime | None = None) -> RedFlagView:
    """A clinician has seen and acted on a red flag: it stays visible as acknowledged (who, when)."""
    access.require_clinician()
    flag = crud.get_record(access.session, models.RedFlag, access.patient_id, flag_id)
    if flag is None:
        raise RecordNotFound(f"patient {access.patient_id} has no red flag {flag_id}")
    if flag.acknowledged_at is None:
        flag.acknowledged_at = now or datetime.now(UTC)
        flag.acknowledged_by = access.user.id if access.user else None
        flag.acknowledged_by_email = access.user.email if access.user else None
        access.session.flush()
        access.audit("acknowledge", "red_flags", flag.id)
    return view(flag, access.role)
