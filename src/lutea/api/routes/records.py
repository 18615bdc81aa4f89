"""CRUD of one patient's records: episodes, measurements, symptoms, treatments, doses, notes.

Every route reaches the record through /patients/{patient_id}/..., checks the caller's access
to that patient, and writes one audit row in the same transaction as its read or write.
"""

# No `from __future__ import annotations`: the routes are made in a factory, and FastAPI reads
# their annotations (closure variables) at definition time.

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from lutea.api import interpretation
from lutea.api.deps import Access, AccessDep, ClinicianAccessDep
from lutea.api.plausibility import DAY, check_daily_dose, check_level, check_not_future, check_treatment
from lutea.api.schemas import (
    MAX_ID,
    DoseCreate,
    DoseOut,
    EpisodeCreate,
    EpisodeOut,
    EpisodeUpdate,
    InterpretationOut,
    MeasurementCreate,
    MeasurementOut,
    MeasurementStored,
    NoteCreate,
    NoteOut,
    SymptomCreate,
    SymptomOut,
    SymptomUpdate,
    TreatmentCreate,
    TreatmentOut,
    TreatmentUpdate,
)
from lutea.errors import InputError
from lutea.store import crud, models
from lutea.units import SPECIMEN_UNITS, Specimen, to_canonical

router = APIRouter(prefix="/patients/{patient_id}", tags=["records"])
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
NOT_FOUND = {404: {"description": "no such record for this patient"}}

Prepare = Callable[[Access, dict[str, Any]], dict[str, Any]]


def _settings(access: Access) -> Any:
    return access.request.app.state.settings


def _check_episode(access: Access, fields: dict[str, Any]) -> None:
    episode_id = fields.get("episode_id")
    if episode_id is not None and crud.get_record(access.session, models.Episode, access.patient_id, episode_id) is None:
        raise InputError("episode_id", f"patient {access.patient_id} has no episode {episode_id}")


def _prepare_measurement(access: Access, fields: dict[str, Any]) -> dict[str, Any]:
    specimen = Specimen(fields["specimen"])
    rules = SPECIMEN_UNITS[specimen]
    canonical = to_canonical(fields["value"], fields["unit"], specimen)
    check_level(canonical, rules.canonical, specimen, _settings(access))
    check_not_future(fields["sampled_at"], "sampled_at", _settings(access))
    _check_episode(access, fields)
    return {**fields, "analyte": rules.analyte.value, "value_canonical": canonical, "unit_canonical": rules.canonical}


def _prepare_symptom(access: Access, fields: dict[str, Any]) -> dict[str, Any]:
    check_not_future(fields["noted_at"], "noted_at", _settings(access))
    _check_episode(access, fields)
    return fields


def _prepare_treatment(access: Access, fields: dict[str, Any]) -> dict[str, Any]:
    _check_episode(access, fields)
    return check_treatment(fields)


def _prepare_episode(access: Access, fields: dict[str, Any]) -> dict[str, Any]:
    return fields


@dataclass(frozen=True)
class Kind:
    """One kind of patient record and how the API checks it before storing it."""

    path: str
    model: type[models.Base]
    create: type[BaseModel]
    out: type[BaseModel]
    update: type[BaseModel] | None
    prepare: Prepare


KINDS = [
    Kind("episodes", models.Episode, EpisodeCreate, EpisodeOut, EpisodeUpdate, _prepare_episode),
    Kind("measurements", models.Measurement, MeasurementCreate, MeasurementOut, None, _prepare_measurement),
    Kind("symptoms", models.Symptom, SymptomCreate, SymptomOut, SymptomUpdate, _prepare_symptom),
    Kind("treatments", models.Treatment, TreatmentCreate, TreatmentOut, TreatmentUpdate, _prepare_treatment),
]


def _find(access: Access, kind: Kind, record_id: int) -> Any:
    record = crud.get_record(access.session, kind.model, access.patient_id, record_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"patient {access.patient_id} has no {kind.path} {record_id}")
    return record


def _add_routes(kind: Kind) -> None:
    Create, Out, Update = kind.create, kind.out, kind.update
    record_type = kind.model.__tablename__

    def list_records(access: AccessDep) -> list[Out]:  # type: ignore[valid-type]
        rows = crud.list_records(access.session, kind.model, access.patient_id)
        access.audit("list", record_type)
        return [Out.model_validate(r) for r in rows]

    def read_record(access: AccessDep, record_id: RecordId) -> Out:  # type: ignore[valid-type]
        record = _find(access, kind, record_id)
        access.audit("read", record_type, record_id)
        return Out.model_validate(record)

    def delete_record(access: ClinicianAccessDep, record_id: RecordId) -> None:
        record = _find(access, kind, record_id)
        crud.delete(access.session, record)
        access.audit("delete", record_type, record_id)

    router.add_api_route(f"/{kind.path}", list_records, methods=["GET"], name=f"list_{kind.path}")
    router.add_api_route(
        f"/{kind.path}/{{record_id}}", read_record, methods=["GET"], name=f"read_{kind.path}", responses=NOT_FOUND
    )
    router.add_api_route(
        f"/{kind.path}/{{record_id}}", delete_record, methods=["DELETE"], status_code=204,
        name=f"delete_{kind.path}", responses=NOT_FOUND,
    )
    if kind.model is not models.Measurement:

        def create_record(access: AccessDep, body: Create) -> Out:  # type: ignore[valid-type]
            fields = kind.prepare(access, body.model_dump())  # type: ignore[attr-defined]
            record = crud.add(access.session, kind.model(patient_id=access.patient_id, **fields))
            access.audit("create", record_type, record.id)  # type: ignore[attr-defined]
            return Out.model_validate(record)

        router.add_api_route(f"/{kind.path}", create_record, methods=["POST"], status_code=201, name=f"create_{kind.path}")
    if Update is not None:

        def update_record(access: AccessDep, record_id: RecordId, body: Update) -> Out:  # type: ignore[valid-type]
            record = _find(access, kind, record_id)
            current = {name: getattr(record, name) for name in Create.model_fields}
            try:
                merged = Create.model_validate({**current, **body.model_dump(exclude_unset=True)})  # type: ignore[attr-defined]
            except ValidationError as exc:
                raise RequestValidationError(
                    [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
                ) from None
            fields = kind.prepare(access, merged.model_dump())
            crud.update(access.session, record, fields)
            access.audit("update", record_type, record_id)
            return Out.model_validate(record)

        router.add_api_route(
            f"/{kind.path}/{{record_id}}", update_record, methods=["PATCH"], name=f"update_{kind.path}",
            responses=NOT_FOUND,
        )


for _kind in KINDS:
    _add_routes(_kind)


@router.post("/measurements", status_code=201, name="create_measurements")
def create_measurement(access: AccessDep, body: MeasurementCreate) -> MeasurementStored:
    """Store a result (as entered and in the specimen's canonical unit) and its interpretation."""
    fields = _prepare_measurement(access, body.model_dump())
    record = crud.add(access.session, models.Measurement(patient_id=access.patient_id, **fields))
    access.audit("create", "measurements", record.id)
    stored = interpretation.interpret_stored(access.session, record)
    out = MeasurementStored.model_validate(record)
    if stored is not None:
        access.audit("create", "interpretations", stored.id)
        out.interpretation = InterpretationOut.model_validate(stored)
    return out


@router.get("/interpretations")
def list_interpretations(access: AccessDep) -> list[InterpretationOut]:
    """What lutea said about this patient's results, each with its knowledge-base version."""
    rows = crud.list_records(access.session, models.Interpretation, access.patient_id)
    access.audit("list", "interpretations")
    return [InterpretationOut.model_validate(r) for r in rows]


@router.get("/treatments/{record_id}/doses", responses=NOT_FOUND)
def list_doses(access: AccessDep, record_id: RecordId) -> list[DoseOut]:
    treatment = crud.get_record(access.session, models.Treatment, access.patient_id, record_id)
    if treatment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"patient {access.patient_id} has no treatment {record_id}")
    access.audit("list", "dose_events", record_id)
    return [DoseOut.model_validate(d) for d in treatment.doses]


@router.post("/treatments/{record_id}/doses", status_code=201, responses=NOT_FOUND)
def create_dose(access: AccessDep, record_id: RecordId, body: DoseCreate) -> DoseOut:
    """Record one administration taken under a treatment."""
    treatment = crud.get_record(access.session, models.Treatment, access.patient_id, record_id)
    if treatment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"patient {access.patient_id} has no treatment {record_id}")
    check_not_future(body.taken_at, "taken_at", _settings(access))
    day_before = [d.dose_mg for d in treatment.doses if body.taken_at - DAY < d.taken_at <= body.taken_at]
    check_daily_dose(treatment.product, treatment.route, sum(day_before) + body.dose_mg, "dose_mg",
                     treatment.acknowledge_off_label)
    dose = crud.add(
        access.session,
        models.DoseEvent(patient_id=access.patient_id, treatment_id=treatment.id, taken_at=body.taken_at, dose_mg=body.dose_mg),
    )
    access.audit("create", "dose_events", dose.id)
    return DoseOut.model_validate(dose)


@router.get("/notes")
def list_notes(access: AccessDep) -> list[NoteOut]:
    rows = crud.list_records(access.session, models.Note, access.patient_id)
    access.audit("list", "notes")
    return [NoteOut.model_validate(r) for r in rows]


@router.post("/notes", status_code=201)
def create_note(access: AccessDep, body: NoteCreate) -> NoteOut:
    note = crud.add(access.session, models.Note(patient_id=access.patient_id, author_id=access.user.id, text=body.text))
    access.audit("create", "notes", note.id)
    return NoteOut.model_validate(note)
