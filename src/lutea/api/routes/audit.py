"""GET /api/v1/audit: the audit trail, for admins. Read-only: no route edits or deletes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lutea.api.schemas import MAX_ID, AuditOut
from lutea.http_access import AdminDep, SessionDep
from lutea.store import crud

router = APIRouter(tags=["audit"])


@router.get("/audit")
def read_audit(
    session: SessionDep,
    admin: AdminDep,
    patient_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> list[AuditOut]:
    """Audit rows, newest first, optionally for one patient."""
    return [AuditOut.model_validate(e) for e in crud.list_audit(session, patient_id, limit)]
