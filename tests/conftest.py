"""Shared fixtures: the two databases the store and API tests run on (SQLite and PostgreSQL).

PostgreSQL comes from LUTEA_TEST_POSTGRES_URL (set by `make test`); when it is unset the
session starts its own throwaway server with scripts/test-services.sh, and a PostgreSQL test
fails (never skips) if that is impossible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

# CI and developer machines are shared and noisy: a property test's worth is its examples,
# not its wall-clock time per example.
settings.register_profile("lutea", deadline=None)
settings.load_profile("lutea")

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "scripts" / "test-services.sh"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL database the tests may create databases beside."""
    url = os.environ.get("LUTEA_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    result = subprocess.run(["bash", str(SERVICES), "start"], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(
            "LUTEA_TEST_POSTGRES_URL is unset and scripts/test-services.sh could not start PostgreSQL "
            f"(run `make test`, or set the variable):\n{result.stderr[-2000:]}"
        )
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    try:
        yield values["LUTEA_TEST_POSTGRES_URL"]
    finally:
        subprocess.run(["bash", str(SERVICES), "stop", values["LUTEA_TEST_POSTGRES_DIR"]], timeout=120)


def _create_postgres_database(server_url: str) -> tuple[str, str]:
    name = f"lutea_{uuid.uuid4().hex[:12]}"
    url = sa.make_url(server_url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(server_url: str, name: str) -> None:
    admin = sa.create_engine(sa.make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Databases migrated to head once per session, copied for each test (much faster than migrating)."""
    from lutea.store import upgrade_to_head

    sqlite_file = tmp_path_factory.mktemp("template") / "lutea.db"
    upgrade_to_head(f"sqlite:///{sqlite_file}")
    return {"sqlite": str(sqlite_file)}


@pytest.fixture(scope="session")
def postgres_database(postgres_url: str) -> Iterator[str]:
    """One PostgreSQL database migrated to head for the session; tests empty it before use."""
    from lutea.store import upgrade_to_head

    url, name = _create_postgres_database(postgres_url)
    upgrade_to_head(url)
    try:
        yield url
    finally:
        _drop_postgres_database(postgres_url, name)


def _empty_postgres(url: str) -> None:
    from lutea.store import Base

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind (no schema), made for one test and dropped after it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lutea.db'}"
        return
    server_url = request.getfixturevalue("postgres_url")
    url, name = _create_postgres_database(server_url)
    try:
        yield url
    finally:
        _drop_postgres_database(server_url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: dict[str, str]) -> Iterator[str]:
    """A database of each kind with the schema at head and no rows (SQLite: a fresh copy of a
    migrated file; PostgreSQL: the session's database, emptied)."""
    if request.param == "sqlite":
        target = tmp_path / "lutea.db"
        shutil.copyfile(migrated_templates["sqlite"], target)
        yield f"sqlite:///{target}"
        return
    url = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    yield url
