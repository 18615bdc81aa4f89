"""Home: a clinician's assigned patients, those with open red flags first (lutea.records.patients),
each with their latest result; a patient goes straight to their own timeline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lutea.records.patients import PatientRow, patient_list
from lutea.store import crud, models
from lutea.web.access import ViewerDep, client_addr
from lutea.web.templating import render
from lutea.web.timeline import latest_interpretations

router = APIRouter()


def patient_row(db: Any, row: PatientRow) -> dict[str, Any]:
    """One patient's line: open red flags, latest result (as entered) and its first finding."""
    measurements = crud.list_records(db, models.Measurement, row.patient.id)
    latest = max(measurements, key=lambda m: m.sampled_at) if measurements else None
    findings = latest_interpretations(db, row.patient.id).get(latest.id, {}).get("findings", []) if latest else []
    return {"patient": row.patient, "latest": latest, "latest_finding": findings[0] if findings else None,
            "urgent": row.urgent}


@router.get("/home", response_class=HTMLResponse)
def home(view: ViewerDep) -> Response:
    if view.user.role == "patient" and view.user.patient_id is not None:
        return RedirectResponse(f"/patients/{view.user.patient_id}", status_code=303)
    rows = patient_list(view.db, view.user, client_addr=client_addr(view.request), path=view.request.url.path)
    return render(view.request, "home.html", user=view.user, session=view.session,
                  rows=[patient_row(view.db, r) for r in rows])
