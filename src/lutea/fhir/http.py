"""The FHIR and CDS Hooks services over HTTP: POST /fhir (import a bundle),
GET /fhir/Patient/{id}/$everything (export), GET /cds-services (discovery) and the patient-view and
order-sign hooks.

A shell of its own beside the REST API: lutea.server includes this router under the API's prefix,
so it shares the API's bearer tokens, errors and overload guard without importing it. Access is the
API's (lutea.http_access): the assigned clinician or the patient themself; a bundle whose Patient
is new creates a record only for a clinician (who is then assigned to it). docs/fhir.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lutea.context import make_context
from lutea.errors import InputError
from lutea.fhir import cds, codes, importer
from lutea.fhir.bundle import Entry, read_entries
from lutea.fhir.elements import concept_text, has_code
from lutea.fhir.mapping_in import read_bundle
from lutea.fhir.medication_in import medication_in
from lutea.fhir.patient_ref import parse_patient_ref, unknown_identifier
from lutea.http_access import AccessDep, SessionDep, UserDep, client_addr
from lutea.interpret import interpret
from lutea.knowledge import load_knowledge
from lutea.measurement import Measurement
from lutea.records import AccessDenied, RecordAccess, open_record, patients
from lutea.records.access import record_denial_in
from lutea.records.identifiers import find_link, patient_with_identifier
from lutea.records.inputs import MAX_ID, row_id
from lutea.records.interpretation import newest_interpreted_by_specimen
from lutea.result_flag import stored_flag
from lutea.safety import screen
from lutea.store import crud, models
from lutea.units import Specimen

router = APIRouter(tags=["fhir"])


class FhirJSONResponse(JSONResponse):
    media_type = "application/fhir+json"


class CdsRequest(BaseModel):
    """A CDS Hooks request: the hook, its instance, the context and optional prefetch."""

    model_config = ConfigDict(extra="allow")

    hook: str
    hookInstance: str
    context: dict[str, Any] = Field(default_factory=dict)
    prefetch: dict[str, Any] | None = None


class CdsResponse(BaseModel):
    cards: list[dict[str, Any]]


def _audit(session: Any, request: Request, user: models.User, action: str, patient_id: int, record_type: str) -> None:
    crud.record_audit(session, user=user, action=action, patient_id=patient_id, record_type=record_type,
                      client_addr=client_addr(request), path=request.url.path)


@router.post("/fhir", responses={403: {"description": "no access to the target patient"}})
def import_fhir(
    session: SessionDep, user: UserDep, request: Request,
    bundle: Annotated[dict[str, Any], Body(description="A FHIR R4 transaction or collection Bundle (JSON).")],
    patient: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Import into this patient record.")] = None,
) -> dict[str, Any]:
    """Import a FHIR R4 bundle; a second import of the same bundle writes nothing. Returns the import report.

    A patient imports into her own record only, and her import links no identifier to it
    (lutea.records.identifiers): it cannot claim another person's."""
    records = read_bundle(bundle)
    if patient is None and user.role == "patient":
        patient = user.patient_id
    where = {"client_addr": client_addr(request), "path": request.url.path}

    def access_for(pid: int) -> RecordAccess:
        return open_record(session, user, pid, request.app.state.settings, **where)

    def new_patient(fields: dict[str, Any]) -> models.Patient:
        return patients.create_patient(session, user, fields, **where)

    report = importer.import_records(access_for, records, patient, session, new_patient)
    _audit(session, request, user, "import", report.patient_id, "fhir")
    return report.to_json()


@router.get("/fhir/Patient/{patient_id}/$everything", response_class=FhirJSONResponse)
def everything(access: AccessDep) -> dict[str, Any]:
    """The patient's record as a FHIR R4 Bundle (validated with fhir.resources R4B models)."""
    return importer.export_patient(access)


@router.get("/fhir/Patient/$everything", response_class=FhirJSONResponse,
            responses={404: {"description": "no record you may reach has this identifier"},
                       422: {"description": "not an identifier system|value"}})
def everything_by_identifier(
    session: SessionDep, user: UserDep, request: Request,
    identifier: Annotated[str, Query(max_length=400, description="The Patient identifier as system|value, e.g. "
                                     "https://ehr.example.org/mrn|MRN-40311 (or a lutea patient id).")],
) -> Any:
    """The record of the patient a Patient identifier names, as a FHIR R4 Bundle. A record that does
    not exist and one the caller may not reach get the same 404 (the refusal is audited)."""
    ref = parse_patient_ref(identifier, "identifier")
    if isinstance(ref, int):
        patient_id: int | None = ref
    else:
        patient_id = patient_with_identifier(session, *ref, own_patient_id=user.patient_id if user.role == "patient" else None)
    where = {"client_addr": client_addr(request), "path": request.url.path}
    if patient_id is None or not crud.can_access(session, user, patient_id):
        if patient_id is not None:  # audited in this transaction, which commits: the answer is not an error
            record_denial_in(session, AccessDenied("no access", user=user, patient_id=patient_id, **where))
        words = unknown_identifier(*ref) if not isinstance(ref, int) else f"no patient record you may reach has the id {ref}"
        return JSONResponse({"detail": words}, status_code=404)
    return importer.export_patient(open_record(session, user, patient_id, request.app.state.settings, **where))


@router.get("/cds-services")
def cds_discovery() -> dict[str, Any]:
    """CDS Hooks discovery: lutea's patient-view and order-sign services."""
    return cds.discovery()


def _prefetch_bundle(prefetch: dict[str, Any] | None) -> dict[str, Any] | None:
    """The prefetched resources (single resources or search Bundles) as one collection Bundle."""
    if not prefetch:
        return None
    entries: list[dict[str, Any]] = []
    for value in prefetch.values():
        if not isinstance(value, dict):
            continue
        if value.get("resourceType") == "Bundle":
            entries += [e for e in value.get("entry") or [] if isinstance(e, dict)]
        elif value.get("resourceType"):
            entries.append({"resource": value})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries} if entries else None


def _stored_patient(session: Any, user: models.User, request: Request, patient_ref: Any,
                    required: bool = True) -> int | None:
    """The lutea patient a hook's patientId names, if the caller may reach it. A missing patient and
    one the caller may not reach get the same answer, so ids cannot be probed: 403 (audited) when
    the record is required, else None (the hook works without it; a refusal is still audited)."""
    text = str(patient_ref or "").removeprefix("Patient/")[:64]
    pid: int | None = None
    if row_id(text) is not None:  # ASCII digits only ('²' and 5,000 digits made int() fail)
        pid = row_id(text)
    elif text.startswith("p-") and row_id(text[2:]) is not None:
        pid = row_id(text[2:])
    else:
        link = find_link(session, "Patient", f"Patient/{text}", proven_only=True)
        pid = link.patient_id if link else None
    if pid is not None and not 1 <= pid <= MAX_ID:
        pid = None  # no record has it (and the audit's integer column could not hold it)
    if pid is not None and crud.can_access(session, user, pid):
        return pid
    refusal = AccessDenied(f"no access to lutea patient {text!r}", user=user, patient_id=pid,
                           client_addr=client_addr(request), path=request.url.path)
    if required:
        raise refusal
    if pid is not None:
        record_denial_in(session, refusal)
    return None


def _read(bundle: dict[str, Any]) -> Any:
    try:
        return read_bundle(bundle)
    except InputError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InputError("prefetch", f"could not read the prefetched resources ({exc})", "FHIR R4 resources") from None


def _label(value: float, unit: str, specimen: str, sampled_at: datetime) -> str:
    return f"Progesterone {value:g} {unit} ({specimen}, {sampled_at.date().isoformat()})"


def _prefetch_results(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The latest prefetched result per specimen, interpreted: its label, flag and findings."""
    records = _read(bundle)
    latest: dict[str, Any] = {}
    for m in sorted(records.measurements, key=lambda x: x.sampled_at):
        latest[m.specimen] = m
    results: list[dict[str, Any]] = []
    sex = records.patient.sex if records.patient else "female"
    for m in latest.values():
        day = m.sampled_at.date()
        pregnancy = next((p for p in records.pregnancies
                          if p.start_date and p.start_date <= day and (p.end_date is None or day <= p.end_date)), None)
        fields: dict[str, Any] = {"sex": sex}
        if pregnancy is not None:
            fields.update(pregnant=True, lmp=pregnancy.lmp_date)
        result = interpret(Measurement(m.value, m.unit, m.specimen, m.assay if m.assay != "any" else None, m.sampled_at),
                           make_context(**fields)).to_json()
        results.append({"label": _label(m.value, m.unit, m.specimen, m.sampled_at), "flag": result["flag"],
                        "findings": result["findings"]})
    return results


def _stored_results(session: Any, patient_id: int) -> list[dict[str, Any]]:
    """The stored interpretation of the newest result per specimen: its label, flag and findings."""
    return [{"label": _label(m.value, m.unit, m.specimen, m.sampled_at),
             "flag": stored_flag(stored, m.value_canonical, Specimen(m.specimen)),
             "findings": stored.get("findings") or []}
            for m, stored in newest_interpreted_by_specimen(session, patient_id)]


@router.post(f"/cds-services/{cds.PATIENT_VIEW_ID}",
             responses={403: {"description": "no such lutea patient, or no access to it (the same answer)"}})
def patient_view(session: SessionDep, user: UserDep, request: Request, body: CdsRequest) -> CdsResponse:
    """Cards for the urgent and advisory findings and abnormal flags of the patient's latest results
    (prefetch or stored record), each with the result's flag."""
    bundle = _prefetch_bundle(body.prefetch)
    if bundle is not None:
        return CdsResponse(cards=cds.patient_view_cards(_prefetch_results(bundle)))
    patient_id = _stored_patient(session, user, request, body.context.get("patientId"))
    if patient_id is None:  # unreachable: a required lookup raises AccessDenied instead
        raise AccessDenied("no lutea patient", user=user)
    _audit(session, request, user, "read", patient_id, "cds-patient-view")
    return CdsResponse(cards=cds.patient_view_cards(_stored_results(session, patient_id)))


def _names(bundle: dict[str, Any] | None, types: tuple[str, ...], element: str) -> list[str]:
    out = []
    for entry in (bundle or {}).get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") in types:
            value = resource.get(element)
            text = concept_text(value) if isinstance(value, dict) else ""
            if text:
                out.append(text)
    return out


def _pregnant(session: Any, bundle: dict[str, Any] | None, patient_id: int | None) -> bool:
    for entry in (bundle or {}).get("entry") or []:
        resource = (entry or {}).get("resource") or {}
        if resource.get("resourceType") == "Condition" and has_code(resource.get("code"), codes.SNOMED, codes.SNOMED_PREGNANCY):
            if not resource.get("abatementDateTime"):
                return True
    return patient_id is not None and models.Episode.pregnant_now(crud.list_records(session, models.Episode, patient_id))


@router.post(f"/cds-services/{cds.ORDER_SIGN_ID}")
def order_sign(session: SessionDep, user: UserDep, request: Request, body: CdsRequest) -> CdsResponse:
    """Screen each draft progesterone MedicationRequest: contraindications, interactions, labelled maxima, pathway."""
    drafts = body.context.get("draftOrders")
    if not isinstance(drafts, dict) or drafts.get("resourceType") != "Bundle":
        raise InputError("context.draftOrders", "no Bundle of draft orders", "a Bundle of MedicationRequest resources")
    bundle = _prefetch_bundle(body.prefetch)
    patient_id = None
    if bundle is None and body.context.get("patientId") is not None:
        patient_id = _stored_patient(session, user, request, body.context.get("patientId"), required=False)
        if patient_id is not None:
            _audit(session, request, user, "read", patient_id, "cds-order-sign")
    kb = load_knowledge()
    orders = [e.get("resource") for e in drafts.get("entry") or [] if isinstance(e, dict)]
    orders = [o for o in orders if isinstance(o, dict) and o.get("resourceType") == "MedicationRequest"]
    read_entries({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": o} for o in orders]})  # validates
    conditions = _names(bundle, ("Condition",), "code")
    allergies = _names(bundle, ("AllergyIntolerance",), "code")
    other_meds = _names(bundle, ("MedicationRequest", "MedicationStatement"), "medicationCodeableConcept")
    pregnant = _pregnant(session, bundle, patient_id)
    cards: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    for index, order in enumerate(orders):
        medication = medication_in(Entry(index, order, None), None, kb, default_start=now)
        if medication is None:
            continue
        report = screen(medication.product or medication.route,
                        medication.dose_mg if medication.interval_h else None, medication.interval_h, allergies=allergies, conditions=conditions,
                        medications=[m for m in other_meds + _names(drafts, ("MedicationRequest",), "medicationCodeableConcept")
                                     if m != medication.text],
                        pregnant=pregnant, route=medication.route if medication.product else None, kb=kb)
        scenario = next((c.get("code") for reason in order.get("reasonCode") or []
                         for c in reason.get("coding") or [] if c.get("system") == cds.PATHWAY_SYSTEM), None)
        cards += cds.order_sign_cards(order, medication, report, scenario, kb)
    return CdsResponse(cards=cards)
