"""The schema: migrations reach the models exactly, on SQLite and PostgreSQL; SQLite runs in WAL mode."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from lutea.store import Base, make_engine, make_sessionmaker, upgrade_to_head
from lutea.store import crud, models
from lutea.store.migrate import alembic_config

ROOT = Path(__file__).resolve().parents[2]


def test_migration_head_matches_the_models(empty_database_url: str) -> None:
    database_url = empty_database_url
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
        assert context.get_current_revision() == head
    engine.dispose()


def test_upgrade_is_idempotent(empty_database_url: str) -> None:
    database_url = empty_database_url
    upgrade_to_head(database_url)
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    assert set(Base.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_alembic_command_line_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "LUTEA_DATABASE_URL": url}
    alembic = Path(sys.executable).with_name("alembic")
    result = subprocess.run([str(alembic), "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    engine = make_engine(url)
    assert "measurements" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_times_are_stored_in_utc_and_come_back_aware(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    sampled = datetime(2026, 3, 29, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with sessions.begin() as session:
        patient = models.Patient(display_name="Alice")
        session.add(patient)
        session.flush()
        session.add(
            models.Measurement(
                patient_id=patient.id, specimen="serum", analyte="progesterone", value=10, unit="ng/mL",
                value_canonical=10, unit_canonical="ng/mL", sampled_at=sampled,
            )
        )
    with sessions() as session:
        stored = session.scalars(sa.select(models.Measurement)).one()
        assert stored.sampled_at == sampled
        assert stored.sampled_at.tzinfo is not None and stored.sampled_at.utcoffset() == timedelta(0)
        assert stored.sampled_at.hour == 7
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        with sessions.begin() as session:
            session.add(models.Patient(display_name="Bea", created_at=datetime(2026, 1, 1)))
    engine.dispose()


def test_deleting_a_patient_cascades_to_the_records_but_not_the_audit(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        patient = models.Patient(display_name="Alice")
        session.add(patient)
        session.flush()
        treatment = models.Treatment(
            patient_id=patient.id, product="cyclogest", route="vaginal", dose_mg=400, schedule="400 mg q12h", start=now
        )
        session.add(treatment)
        session.flush()
        session.add(models.DoseEvent(patient_id=patient.id, treatment_id=treatment.id, taken_at=now, dose_mg=400))
        crud.record_audit(session, user=None, action="create", patient_id=patient.id, record_type="treatments",
                          record_id=treatment.id)
    with sessions.begin() as session:
        session.delete(session.get(models.Patient, patient.id))
    with sessions() as session:
        for model in (models.Treatment, models.DoseEvent, models.Patient):
            assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(models.AuditEvent)) == 1
    engine.dispose()


def test_the_database_refuses_to_change_the_audit_trail(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        crud.record_audit(session, user=None, action="create", patient_id=1, record_type="measurements", record_id=1)
    for statement in ("UPDATE audit_events SET action = 'edit'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text(statement))
    with sessions.begin() as session:  # appending still works, and the first row is unchanged
        crud.record_audit(session, user=None, action="view", patient_id=1)
    with sessions() as session:
        rows = session.scalars(sa.select(models.AuditEvent).order_by(models.AuditEvent.id)).all()
        assert [r.action for r in rows] == ["create", "view"]
    engine.dispose()
