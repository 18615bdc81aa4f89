"""A clinic's day across the shells, in the browser (issue 14): a red flag the patient reports on
her phone reaches her clinician's patient list, in words, until the clinician acknowledges it.
Each page visited is audited with axe-core and checked at the phone's width."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Browser, expect
from web_helpers import (
    DESK,
    PHONE,
    add_serum_result,
    add_symptom,
    axe_violations,
    browser_context,
    login,
    remove_result,
    shot,
    sideways_overflow_px,
)


def test_chest_pain_reported_on_the_phone_reaches_the_clinicians_list_until_acknowledged(browser: Browser, world) -> None:
    phone = browser_context(browser, world.base_url, PHONE)
    page = phone.new_page()
    login(page, world.patient)
    # a red flag on hormone treatment (vte-chest)
    add_symptom(page, "chest-pain", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"), severity="3")
    banner = page.locator("#triage-banner")
    expect(banner).to_contain_text("Chest pain or breathlessness")
    expect(banner).to_contain_text("Call 999 now.")
    expect(banner.get_by_role("button")).to_have_count(0)  # only a clinician acknowledges
    assert axe_violations(page) == []
    shot(page, "patient-phone-red-flag")
    phone.close()

    desk = browser_context(browser, world.base_url, DESK)
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
    seen = page.locator("#acknowledged-flags")
    expect(seen).to_contain_text("Chest pain or breathlessness")
    expect(seen).to_contain_text(f"acknowledged by {world.clinician}")
    page.goto("/home")
    alice = page.locator("table.list tbody tr", has_text="Alice Web")
    expect(alice.locator("td").last).to_have_text("none")
    desk.close()


def test_home_and_the_patients_record_fit_a_phone(browser: Browser, world) -> None:
    phone = browser_context(browser, world.base_url, PHONE)
    page = phone.new_page()
    login(page, world.clinician)
    assert sideways_overflow_px(page) <= 0
    page.goto(f"/patients/{world.patient_id}/balance")
    expect(page.locator("#target-text")).to_be_visible()
    assert sideways_overflow_px(page) <= 0
    assert axe_violations(page) == []
    phone.close()


def test_a_result_far_below_her_treatment_asks_the_clinician_why_and_the_patient_to_call(browser: Browser, world) -> None:
    """Alice: programmed FET, transfer today, Cyclogest 400 mg twice daily for 5 days; 0.5 ng/mL."""
    desk = browser_context(browser, world.base_url, DESK)
    page = desk.new_page()
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    add_serum_result(page, "0.5", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"))
    page.wait_for_url("**?added=measurements*")
    low = page.locator('#findings li[data-code="treatment.level_unexpectedly_low"]')
    expect(low).to_contain_text("adherence")
    assert axe_violations(page) == []
    desk.close()

    phone = browser_context(browser, world.base_url, PHONE)
    mine = phone.new_page()
    login(mine, world.patient)
    own = mine.locator('#findings li[data-code="treatment.level_unexpectedly_low"]')
    expect(own).to_contain_text("contact your clinic")
    expect(own).not_to_contain_text("mg")  # no dose in the patient's words
    phone.close()

    # remove the result again, so the session's other pages see Alice as before
    desk = browser_context(browser, world.base_url, DESK)
    page = desk.new_page()
    login(page, world.clinician)
    remove_result(page, world.patient_id, "0.5 ng/mL")
    desk.close()


def test_the_plan_for_a_pregnancy_of_unknown_location_sends_for_a_scan(browser: Browser, world) -> None:
    phone = browser_context(browser, world.base_url, PHONE)
    page = phone.new_page()
    login(page, world.clinician)
    page.goto("/plan/threatened-miscarriage")
    page.get_by_label("Weeks of pregnancy now", exact=False).fill("8")
    page.locator("#q-symptoms-bleeding").check()
    page.get_by_label("Number of previous miscarriages", exact=False).fill("2")
    page.get_by_role("button", name="Show the plan").click()
    result = page.locator("#plan-result")
    expect(result).to_contain_text("Not eligible")
    expect(result).to_contain_text("hCG")
    expect(result).to_contain_text("do not use serum progesterone")
    assert sideways_overflow_px(page) <= 0
    assert axe_violations(page) == []
    phone.close()
