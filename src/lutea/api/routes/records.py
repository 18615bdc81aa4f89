"""CRUD of one patient's records: episodes, measurements, symptoms, treatments, doses, notes, and
the red flags of the record. Each route reaches the record through /patients/{patient_id}/...
(AccessDep) and calls lutea.records, which checks, writes and audits in the request's transaction.
"""

# No `from __future__ import annotations`: the routes are made in a factory, and FastAPI reads
# their annotations (closure variables) at definition time.

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from lutea.api.schemas import (
    MAX_ID,
    DoseCreate,
    DoseOut,
    EpisodeOut,
    InterpretationOut,
    MeasurementCreate,
    MeasurementOut,
    MeasurementStored,
    NoteCreate,
    NoteOut,
    RedFlagOut,
    SymptomOut,
    TreatmentOut,
)
from lutea.http_access import AccessDep, ClinicianAccessDep
from lutea.records import balance, red_flags, service

router = APIRouter(prefix="/patients/{patient_id}", tags=["records"])
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
NOT_FOUND = {404: {"description": "no such record for this patient"}}
OUT: dict[str, type[BaseModel]] = {
    "episodes": EpisodeOut, "measurements": MeasurementOut, "symptoms": SymptomOut, "treatments": TreatmentOut,
}


def create_measurement(access: AccessDep, body: MeasurementCreate) -> MeasurementStored:
    """Store a result (as entered and in the specimen's canonical unit) and its interpretation."""
    stored = service.add_measurement(access, body)
    out = MeasurementStored.model_validate(stored.measurement)
    out.interpretation = InterpretationOut.model_validate(stored.interpretation)
    return out


def _add_routes(kind: service.Kind) -> None:
    Create, Update, Out = kind.create, kind.update, OUT[kind.name]

    def list_records(access: AccessDep) -> list[Out]:  # type: ignore[valid-type]
        return [Out.model_validate(r) for r in service.list_kind(access, kind.name)]

    def read_record(access: AccessDep, record_id: RecordId) -> Out:  # type: ignore[valid-type]
        return Out.model_validate(service.read(access, kind.name, record_id))

    def delete_record(access: ClinicianAccessDep, record_id: RecordId) -> None:
        service.delete(access, kind.name, record_id)

    router.add_api_route(f"/{kind.name}", list_records, methods=["GET"], name=f"list_{kind.name}")
    router.add_api_route(
        f"/{kind.name}/{{record_id}}", read_record, methods=["GET"], name=f"read_{kind.name}", responses=NOT_FOUND
    )
    router.add_api_route(
        f"/{kind.name}/{{record_id}}", delete_record, methods=["DELETE"], status_code=204,
        name=f"delete_{kind.name}", responses=NOT_FOUND,
    )
    if kind.name == "measurements":  # interpreted as stored: its own answer (MeasurementStored)
        router.add_api_route(f"/{kind.name}", create_measurement, methods=["POST"], status_code=201,
                             name=f"create_{kind.name}")
    else:

        def create_record(access: AccessDep, body: Create) -> Out:  # type: ignore[valid-type]
            return Out.model_validate(service.create(access, kind.name, body))

        router.add_api_route(f"/{kind.name}", create_record, methods=["POST"], status_code=201, name=f"create_{kind.name}")
    if Update is not None:

        def update_record(access: AccessDep, record_id: RecordId, body: Update) -> Out:  # type: ignore[valid-type]
            try:
                record = service.update(access, kind.name, record_id, body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
            except ValidationError as exc:
                raise RequestValidationError(
                    [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
                ) from None
            return Out.model_validate(record)

        router.add_api_route(
            f"/{kind.name}/{{record_id}}", update_record, methods=["PATCH"], name=f"update_{kind.name}",
            responses=NOT_FOUND,
        )


for _kind in service.KINDS.values():
    _add_routes(_kind)


@router.get("/interpretations")
def list_interpretations(access: AccessDep) -> list[InterpretationOut]:
    """What lutea said about this patient's results, each with its knowledge-base version."""
    return [InterpretationOut.model_validate(r) for r in service.list_kind(access, "interpretations")]


@router.get("/treatments/{record_id}/doses", responses=NOT_FOUND)
def list_doses(access: AccessDep, record_id: RecordId) -> list[DoseOut]:
    return [DoseOut.model_validate(d) for d in service.doses(access, record_id)]


@router.post("/treatments/{record_id}/doses", status_code=201, responses=NOT_FOUND)
def create_dose(access: AccessDep, record_id: RecordId, body: DoseCreate) -> DoseOut:
    """Record one administration taken under a treatment."""
    return DoseOut.model_validate(service.add_dose(access, record_id, body))


@router.get("/notes")
def list_notes(access: AccessDep) -> list[NoteOut]:
    return [NoteOut.model_validate(r) for r in service.list_kind(access, "notes")]


@router.post("/notes", status_code=201)
def create_note(access: AccessDep, body: NoteCreate) -> NoteOut:
    return NoteOut.model_validate(service.add_note(access, body))


@router.get("/red-flags")
def list_red_flags(access: AccessDep) -> list[RedFlagOut]:
    """The record's red flags (results and symptoms), open first, each with who acknowledged it and when."""
    return [RedFlagOut.model_validate(v.to_json()) for v in red_flags.patient_flags(access)]


@router.post("/red-flags/{record_id}/acknowledge", responses=NOT_FOUND)
def acknowledge_red_flag(access: ClinicianAccessDep, record_id: RecordId) -> RedFlagOut:
    """A clinician has seen and acted on a red flag; it stays listed, as acknowledged (audited)."""
    return RedFlagOut.model_validate(red_flags.acknowledge(access, record_id).to_json())


@router.get("/balance", responses={403: {"description": "clinicians only"}})
def patient_balance(
    access: ClinicianAccessDep,
    target: Annotated[str | None, Query(max_length=300, description="A target in the target language; "
                                        "default: the target of her episode.")] = None,
) -> dict[str, Any]:
    """Her balance from her record: target (from her episode unless given), the current regimen's
    prediction, and candidate regimens ranked by the probability of meeting the target."""
    return balance.patient_balance(access, target)
