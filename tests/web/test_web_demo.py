"""`make run`'s demo data (scripts/serve.py seeding, lutea.web.demo): the demo patient shows a luteal
series, a mistimed sample and a frozen-transfer cycle with a low transfer-day level."""

from __future__ import annotations

import importlib.util

import pytest
from argon2 import PasswordHasher
from web_helpers import ROOT

from lutea.config import Settings
from lutea.store import crud, make_engine, make_sessionmaker, models, passwords


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    spec = importlib.util.spec_from_file_location("lutea_serve", ROOT / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _codes(settings: Settings, email: str) -> tuple[list[list[str]], int]:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        user = crud.get_user_by_email(session, email)
        rows = crud.list_records(session, models.Interpretation, user.patient_id)
        codes = [[f["code"] for f in row.result["findings"]] for row in rows]
        measurements = len(crud.list_records(session, models.Measurement, user.patient_id))
    engine.dispose()
    return codes, measurements


def test_demo_seed_shows_luteal_series_mistimed_sample_and_low_transfer_day_level(serve, tmp_path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/demo.db", secret_key="demo-" + "k" * 40,
                        secret_file=tmp_path / "secret")
    serve.seed(settings)
    serve.seed(settings)  # idempotent
    codes, measurements = _codes(settings, serve.ACCOUNTS["patient"][0])
    assert measurements == len(codes) == 7  # every result interpreted once
    flat = [c for row in codes for c in row]
    assert flat.count("ovulation.confirmed") >= 2  # the luteal series' mid-luteal results
    assert "timing.mistimed" in flat
    assert "art.et_day_low" in flat  # below the transfer-day threshold (Labarta 2021: 8.8 ng/mL)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        clinician = crud.get_user_by_email(session, serve.ACCOUNTS["clinician"][0])
        assert len(crud.accessible_patients(session, clinician)) == 2
    engine.dispose()
