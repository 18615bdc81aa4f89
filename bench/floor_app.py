"""The floor of bench/api.py: a minimal FastAPI app on the same database (lutea's engine settings),
one insert of the same row per write and one read by id, nothing else (no auth, no audit, no
interpretation). `uvicorn floor_app:app --app-dir bench` with LUTEA_DATABASE_URL set."""

from __future__ import annotations

import os

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import Column, Float, Integer, MetaData, Table, insert, select

from lutea.store import make_engine

engine = make_engine(os.environ["LUTEA_DATABASE_URL"])
rows = Table("floor_rows", MetaData(), Column("id", Integer, primary_key=True), Column("value", Float))
rows.metadata.create_all(engine)
app = FastAPI()


class Row(BaseModel):
    value: float


@app.post("/rows", status_code=201)
def write(row: Row) -> dict[str, int]:
    with engine.begin() as connection:
        return {"id": int(connection.execute(insert(rows).values(value=row.value)).inserted_primary_key[0])}


@app.get("/rows/{row_id}")
def read(row_id: int) -> dict[str, float]:
    with engine.begin() as connection:
        value = connection.execute(select(rows.c.value).where(rows.c.id == row_id)).scalar()
    if value is None:
        raise HTTPException(404)
    return {"value": value}
