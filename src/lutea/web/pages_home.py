"""Home: a clinician's assigned patients with their latest result and any urgent finding; a
patient goes straight to their own timeline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lutea.api.deps import client_addr
from lutea.store import crud, models
from lutea.web.access import ViewerDep
from lutea.web.templating import render
from lutea.web.timeline import latest_interpretations

router = APIRouter()


def patient_row(db: Any, patient: models.Patient) -> dict[str, Any]:
    """One patient's line: latest result (as entered) and the urgent findings of their results."""
    measurements = crud.list_records(db, models.Measurement, patient.id)
    results = latest_interpretations(db, patient.id)
    latest = max(measurements, key=lambda m: m.sampled_at) if measurements else None
    urgent = [f for m in measurements for f in results.get(m.id, {}).get("findings", []) if f.get("severity") == "urgent"]
    latest_findings = results.get(latest.id, {}).get("findings", []) if latest else []
    return {"patient": patient, "latest": latest, "latest_finding": latest_findings[0] if latest_findings else None,
            "urgent": urgent}


@router.get("/home", response_class=HTMLResponse)
def home(view: ViewerDep) -> Response:
    if view.user.role == "patient" and view.user.patient_id is not None:
        return RedirectResponse(f"/patients/{view.user.patient_id}", status_code=303)
    patients = crud.accessible_patients(view.db, view.user)
    rows = [patient_row(view.db, p) for p in patients]
    for p in patients:
        crud.record_audit(view.db, user=view.user, action="list", patient_id=p.id, record_type="patients",
                          record_id=p.id, client_addr=client_addr(view.request),
                          path=view.request.url.path)
    rows.sort(key=lambda r: (not r["urgent"], r["patient"].display_name))
    return render(view.request, "home.html", user=view.user, session=view.session, rows=rows)
