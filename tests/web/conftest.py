"""The web app in a real browser: uvicorn on a free 127.0.0.1 port (SQLite in a temp file) and
Debian's Chromium driven headless by Playwright. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from web_helpers import DESK, PASSWORD, browser_context, serve_app

from lutea.config import Settings
from lutea.store import crud, models, passwords
from lutea.units import Specimen, to_canonical

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass(frozen=True)
class World:
    base_url: str
    patient_id: int  # Alice: frozen transfer today, on vaginal progesterone, one result
    other_patient_id: int  # Beatrice: another patient, another clinician
    clinician: str
    patient: str
    other_patient: str
    database_url: str = ""  # to read the audit trail the pages wrote


def _seed(settings: Settings) -> tuple[int, int]:
    from lutea.records.service import interpret_and_flag
    from lutea.store import make_engine, make_sessionmaker, upgrade_to_head

    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with make_sessionmaker(engine).begin() as s:
        alice = crud.add(s, models.Patient(display_name="Alice Web"))
        beatrice = crud.add(s, models.Patient(display_name="Beatrice Web"))
        doctor = crud.create_user(s, "doctor@web.test", PASSWORD, "clinician")
        other_doctor = crud.create_user(s, "other.doctor@web.test", PASSWORD, "clinician")
        crud.create_user(s, "alice@web.test", PASSWORD, "patient", alice.id)
        crud.create_user(s, "beatrice@web.test", PASSWORD, "patient", beatrice.id)
        crud.assign(s, doctor, alice.id)
        crud.assign(s, other_doctor, beatrice.id)
        # the transfer is today (UTC), so a result added now is a transfer-day level
        episode = crud.add(s, models.Episode(
            patient_id=alice.id, kind="ivf-cycle", protocol="hrt-fet", start_date=(now - timedelta(days=19)).date(),
            et_date=now.date(), embryo_age_days=5))
        start = now - timedelta(days=5)
        treatment = crud.add(s, models.Treatment(
            patient_id=alice.id, episode_id=episode.id, product="cyclogest", route="vaginal", dose_mg=400,
            schedule="400 mg vaginal q12h", start=start))
        for i in range(10):
            crud.add(s, models.DoseEvent(patient_id=alice.id, treatment_id=treatment.id,
                                         taken_at=start + timedelta(hours=12 * i), dose_mg=400))
        first = crud.add(s, models.Measurement(
            patient_id=alice.id, episode_id=episode.id, specimen="serum", analyte="progesterone", value=30.0,
            unit="nmol/L", value_canonical=to_canonical(30.0, "nmol/L", Specimen.SERUM), unit_canonical="ng/mL",
            assay="lcms", sampled_at=now - timedelta(days=2)))
        interpret_and_flag(s, first)
        ids = (alice.id, beatrice.id)
    engine.dispose()
    return ids


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The app on a free port, with two patients, their accounts and their clinicians."""
    saved = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # cheap hashes for tests
    directory = tmp_path_factory.mktemp("web")
    settings = Settings(database_url=f"sqlite:///{directory}/web.db", secret_key="web-test-" + "k" * 40,
                        secret_file=directory / "secret", login_max_failures=50)
    alice, beatrice = _seed(settings)
    try:
        with serve_app(settings) as base_url:
            yield World(base_url, alice, beatrice, "doctor@web.test", "alice@web.test", "beatrice@web.test",
                        settings.database_url)
    finally:
        passwords._hasher = saved


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a browser downloaded by `playwright install`)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-chromium.sh (as root)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, world: World) -> Iterator[BrowserContext]:
    ctx = browser_context(browser, world.base_url, DESK)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()

