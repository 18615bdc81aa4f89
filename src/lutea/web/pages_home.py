"""Home: a clinician's assigned patients, those with open red flags first (lutea.records.patients),
each with their latest result; a patient goes straight to their own timeline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lutea.records.interpretation import latest_interpretations
from lutea.records.patients import PatientRow, patient_list
from lutea.store import crud, models
from lutea.web.access import ViewerDep, client_addr
from lutea.web.results import product_names, result_row
from lutea.web.templating import render

router = APIRouter()


def patient_row(db: Any, row: PatientRow, names: dict[str, str]) -> dict[str, Any]:
    """One patient's line: open red flags, and her latest result as a row of her results table
    (value, flag, context and verdict in words)."""
    measurements = crud.list_records(db, models.Measurement, row.patient.id)
    latest = max(measurements, key=lambda m: m.sampled_at) if measurements else None
    summary = None
    if latest is not None:
        found = latest_interpretations(db, row.patient.id).get(latest.id)
        stored = found.result if found is not None else {}
        summary = result_row(latest, stored, "clinician", names)
    return {"patient": row.patient, "latest": latest, "summary": summary, "urgent": row.urgent}


@router.get("/home", response_class=HTMLResponse)
def home(view: ViewerDep) -> Response:
    if view.user.role == "patient" and view.user.patient_id is not None:
        return RedirectResponse(f"/patients/{view.user.patient_id}", status_code=303)
    names = product_names()
    rows = patient_list(view.db, view.user, client_addr=client_addr(view.request), path=view.request.url.path)
    return render(view.request, "home.html", user=view.user, session=view.session,
                  rows=[patient_row(view.db, r, names) for r in rows])
