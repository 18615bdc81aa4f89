"""A clinic in Australia (LUTEA_REGION=au), in the browser at a phone's width: a pregnant patient
who reports heavy bleeding is told to call triple zero (000) and go to the emergency department,
never 999, A&E or NHS 111; the page passes axe and fits the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, expect
from web_helpers import (
    PASSWORD,
    PHONE,
    add_symptom,
    axe_violations,
    browser_context,
    login,
    serve_app,
    shot,
    sideways_overflow_px,
)

from lutea.config import Settings
from lutea.store import (
    crud,
    make_engine,
    make_sessionmaker,
    models,
    passwords,
    upgrade_to_head,
)

UK_ONLY = re.compile(r"\b999\b|\bA&E\b|\bNHS\b|\b111\b")


@pytest.fixture(scope="module")
def australia(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app of an Australian clinic, with one pregnant patient (6 weeks) and her account (an
    alice... address: web_helpers.login then expects her record page)."""
    saved = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    directory = tmp_path_factory.mktemp("web-au")
    settings = Settings(database_url=f"sqlite:///{directory}/web.db", secret_key="web-test-" + "k" * 40,
                        secret_file=directory / "secret", region="au")
    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine).begin() as s:
        patient = crud.add(s, models.Patient(display_name="Charlotte Web"))
        crud.add(s, models.Episode(patient_id=patient.id, kind="pregnancy",
                                   start_date=(datetime.now(UTC) - timedelta(weeks=6)).date()))
        crud.create_user(s, "alice.au@web.test", PASSWORD, "patient", patient.id)
    engine.dispose()
    try:
        with serve_app(settings) as base_url:
            yield base_url
    finally:
        passwords._hasher = saved


def test_heavy_bleeding_in_pregnancy_on_the_phone_names_australias_services(browser: Browser, australia: str) -> None:
    phone = browser_context(browser, australia, PHONE)
    page = phone.new_page()
    login(page, "alice.au@web.test")
    # pregnancy-heavy-bleeding (red_flags.yaml)
    add_symptom(page, "heavy-bleeding", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"), severity="3")
    banner = page.locator("#triage-banner")
    # healthdirect-triple-zero: triple zero (000); healthdirect-what-care: the nearest hospital emergency department
    expect(banner).to_contain_text("Go to the nearest hospital emergency department now, or call 000 (triple zero)")
    assert banner.inner_text().count("or call 000") == 1  # what to do, once (her text already says it)
    body = page.locator("body").inner_text()
    assert UK_ONLY.search(body) is None, UK_ONLY.search(body)
    assert "{" not in body
    assert axe_violations(page) == []
    assert sideways_overflow_px(page) == 0
    shot(page, "patient-phone-red-flag-australia")
    phone.close()
