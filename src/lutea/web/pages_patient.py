"""A patient's timeline page and the forms that add to the record."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lutea.knowledge import load_knowledge
from lutea.records import RecordNotFound, red_flags
from lutea.records.inputs import MAX_ID
from lutea.store import crud, models
from lutea.web.access import FormDep, Viewer, ViewerDep, open_patient
from lutea.web.records import (
    CLINICIAN_ONLY,
    SCHEMAS,
    FormProblems,
    add_record,
    remove_record,
)
from lutea.web.session import PageError
from lutea.web.templating import render
from lutea.web.timeline import build_timeline

router = APIRouter()
PatientId = Path(ge=1, le=MAX_ID)
RecordId = Path(ge=1, le=MAX_ID)


def form_choices() -> dict[str, Any]:
    """Choices of the forms, from the knowledge base and the API's schemas."""
    kb = load_knowledge()
    symptoms = sorted({s.id for s in kb.entries("symptoms")} | {s.id for s in kb.entries("triage_symptoms")})
    products = [(p.id, p.names[0] if p.names else p.id) for p in kb.entries("products")]
    return {"symptoms": symptoms, "products": products}


def zoom_episode(text: str | None) -> int | None:
    """The episode the chart zooms to (?episode=ID); a value that is no record id is refused (422)."""
    if text is None or text == "":
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise PageError(422, f"episode must be the number of one of her episodes (1 to {MAX_ID}), not {text[:20]!r}.")
    return int(text)


def timeline_page(view: Viewer, patient_id: int, *, errors: dict[str, dict[str, str]] | None = None,
                  values: dict[str, dict[str, Any]] | None = None, status_code: int = 200) -> Response:
    access, patient = open_patient(view, patient_id)
    try:
        timeline = build_timeline(view.db, patient, view.user.role, zoom_to=zoom_episode(view.request.query_params.get("episode")))
    except RecordNotFound as exc:
        raise PageError(404, f"{exc}: the chart can zoom to one of her episodes only.") from None
    access.audit("read", "timeline")
    return render(
        view.request, "timeline.html", user=view.user, session=view.session, t=timeline,
        errors=errors or {}, values=values or {}, choices=form_choices(), status_code=status_code,
        added=view.request.query_params.get("added"), removed=view.request.query_params.get("removed"),
    )


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def timeline(view: ViewerDep, patient_id: int = PatientId) -> Response:
    return timeline_page(view, patient_id)


@router.post("/patients/{patient_id}/{kind}", response_class=HTMLResponse)
def add(view: ViewerDep, form: FormDep, kind: str, patient_id: int = PatientId) -> Response:
    """Add one record through the API's endpoint; the page again, with messages beside the fields, if it fails."""
    if kind not in SCHEMAS:
        raise PageError(404, f"There is no form for {kind!r}.")
    access, _patient = open_patient(view, patient_id)
    if kind in CLINICIAN_ONLY and not view.is_clinician:
        raise PageError(403, "Only a clinician can add this to the record.")
    try:
        add_record(access, kind, form)
    except FormProblems as problems:
        values = {kind: {k: v for k, v in form.items() if k != "csrf_token"}}
        return timeline_page(view, patient_id, errors={kind: problems.errors}, values=values, status_code=422)
    return RedirectResponse(f"/patients/{patient_id}?added={kind}#{kind}-form", status_code=303)


def _result_to_remove(view: Viewer, patient_id: int, record_id: int) -> tuple[Any, models.Measurement]:
    access, _patient = open_patient(view, patient_id)
    if not view.is_clinician:
        raise PageError(403, "Only a clinician can remove a result.")
    result = crud.get_record(view.db, models.Measurement, patient_id, record_id)
    if result is None:
        raise PageError(404, f"Patient {patient_id} has no result {record_id}.")
    return access, result


@router.get("/patients/{patient_id}/measurements/{record_id}/remove", response_class=HTMLResponse)
def confirm_removal(view: ViewerDep, patient_id: int = PatientId, record_id: int = RecordId) -> Response:
    """Ask before a mistaken result is removed (results are not edited: remove and re-enter)."""
    access, result = _result_to_remove(view, patient_id, record_id)
    access.audit("read", "measurements", record_id)
    return render(view.request, "remove_result.html", user=view.user, session=view.session, patient_id=patient_id, m=result)


@router.post("/patients/{patient_id}/measurements/{record_id}/remove", response_class=HTMLResponse)
def remove(view: ViewerDep, form: FormDep, patient_id: int = PatientId, record_id: int = RecordId) -> Response:
    """Remove the result through the API's endpoint (audited as a delete), then show the timeline."""
    access, _result = _result_to_remove(view, patient_id, record_id)
    remove_record(access, "measurements", record_id)
    return RedirectResponse(f"/patients/{patient_id}?removed=measurements#results-table", status_code=303)


@router.post("/patients/{patient_id}/red-flags/{record_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(view: ViewerDep, form: FormDep, patient_id: int = PatientId, record_id: int = RecordId) -> Response:
    """A clinician acknowledges a red flag (audited); it leaves the open list and the patient list."""
    access, _patient = open_patient(view, patient_id)
    if not view.is_clinician:
        raise PageError(403, "Only a clinician can acknowledge a red flag.")
    try:
        red_flags.acknowledge(access, record_id)
    except RecordNotFound as exc:
        raise PageError(404, str(exc)) from None
    return RedirectResponse(f"/patients/{patient_id}?acknowledged=1#triage-banner", status_code=303)
