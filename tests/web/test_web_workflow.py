"""A clinic's day across the shells, in the browser (issue 14): a red flag the patient reports on
her phone reaches her clinician's patient list, in words, until the clinician acknowledges it.
Each page visited is audited with axe-core and checked at the phone's width."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Browser, expect
from web_helpers import PHONE, axe_violations, login, shot, sideways_overflow_px


def _context(browser: Browser, world, viewport: dict[str, int]):
    ctx = browser.new_context(base_url=world.base_url, viewport=viewport, timezone_id="UTC")
    ctx.set_default_timeout(15_000)
    return ctx


def test_chest_pain_reported_on_the_phone_reaches_the_clinicians_list_until_acknowledged(browser: Browser, world) -> None:
    phone = _context(browser, world, PHONE)
    page = phone.new_page()
    login(page, world.patient)
    form = page.locator("#symptoms-form")
    form.get_by_label("Symptom").select_option("chest-pain")  # a red flag on hormone treatment (vte-chest)
    form.get_by_label("Severity").select_option("3")
    form.get_by_label("Noted at (your local time)").fill(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Add symptom").click()
    page.wait_for_url("**?added=symptoms*")
    banner = page.locator("#triage-banner")
    expect(banner).to_contain_text("Chest pain or breathlessness")
    expect(banner).to_contain_text("Call 999 now.")
    expect(banner.get_by_role("button")).to_have_count(0)  # only a clinician acknowledges
    assert axe_violations(page) == []
    shot(page, "patient-phone-red-flag")
    phone.close()

    desk = _context(browser, world, {"width": 1280, "height": 900})
    page = desk.new_page()
    login(page, world.clinician)
    first = page.locator("table.list tbody tr").first
    expect(first).to_contain_text("Alice Web")
    expect(first).to_contain_text("Chest pain or breathlessness in pregnancy or on hormone treatment")
    expect(page.locator("table.list")).not_to_contain_text("triage.urgent")  # words, never codes
    assert axe_violations(page) == []
    shot(page, "clinician-home-red-flag")

    page.goto(f"/patients/{world.patient_id}")
    flags = page.locator("#triage-banner")
    expect(flags).to_contain_text("suspect pulmonary embolism")
    while flags.get_by_role("button", name="Acknowledge: seen and acted on").count():
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            flags.get_by_role("button", name="Acknowledge: seen and acted on").first.click()
        assert posted.value.status in (200, 303), posted.value.text()
        page.wait_for_url("**acknowledged=1*")
    expect(page.locator("#triage-banner")).to_have_count(0)
    page.goto("/home")
    alice = page.locator("table.list tbody tr", has_text="Alice Web")
    expect(alice.locator("td").last).to_have_text("none")
    desk.close()


def test_home_and_the_patients_record_fit_a_phone(browser: Browser, world) -> None:
    phone = _context(browser, world, PHONE)
    page = phone.new_page()
    login(page, world.clinician)
    assert sideways_overflow_px(page) <= 0
    page.goto(f"/patients/{world.patient_id}/balance")
    expect(page.locator("#target-text")).to_be_visible()
    assert sideways_overflow_px(page) <= 0
    assert axe_violations(page) == []
    phone.close()
