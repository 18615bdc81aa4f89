"""Forms in the browser: a failed submit returns to the form with focus on the first invalid field,
every message beside its field (aria-describedby), all of them at once."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from web_helpers import login, shot

FOCUSED = "document.activeElement && document.activeElement.id"


def _focus_is(page: Page, element_id: str) -> None:
    # Chromium applies autofocus in an animation frame after the load event
    page.wait_for_function(f"{FOCUSED} === {element_id!r}", timeout=5000)


def _described(page: Page, element_id: str, text: str) -> None:
    field = page.locator(f"#{element_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", f"{element_id}-msg")
    expect(page.locator(f"#{element_id}-msg")).to_contain_text(text)


def test_a_failed_result_returns_to_the_form_with_focus_on_the_first_invalid_field(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    form = page.locator("#measurements-form")
    form.get_by_label("Value").fill("-3")
    form.get_by_role("button", name="Add result").click()  # no sampling time either
    page.wait_for_load_state()
    assert page.url.endswith("#measurements-form")  # back at the form, not the top of the page
    _focus_is(page, "m-value")
    _described(page, "m-value", "greater than or equal to 0")
    _described(page, "m-sampled_at", "")  # both problems at once
    assert page.evaluate("document.getElementById('m-value').getBoundingClientRect().top") < 844
    shot(page, "form-result-errors")


def test_simulate_shows_every_problem_beside_its_field_in_a_sentence(page: Page, world) -> None:
    login(page, world.clinician)
    response = page.goto("/simulate?dose_mg=-5&interval_h=0&days=500")
    assert response is not None and response.status == 422
    _focus_is(page, "sim-dose_mg")
    _described(page, "sim-dose_mg", "The dose in mg must be more than 0")
    _described(page, "sim-interval_h", "The dosing interval in hours must be at least 1")
    _described(page, "sim-days", "The number of days can be at most")
    expect(page.locator("#sim-error")).to_contain_text("3 field(s) to correct")
    expect(page.locator("body")).not_to_contain_text("unknown word")
    shot(page, "form-simulate-errors")

    # the live redraw puts its messages beside the fields too, and clears them when corrected
    for name, value in (("dose_mg", "400"), ("interval_h", "12"), ("days", "7")):
        page.locator(f"#sim-{name}").fill(value)
        page.locator(f"#sim-{name}").press("Tab")
    expect(page.locator("#sim-error")).to_have_text("")
    expect(page.locator("#sim-days-msg")).to_have_count(0)
    page.locator("#sim-days").fill("0.5")
    page.locator("#sim-days").press("Tab")
    expect(page.locator("#sim-days-msg")).to_contain_text("The number of days must be at least 1")
    expect(page.locator("#sim-days")).to_have_attribute("aria-invalid", "true")


def test_an_empty_plan_marks_each_missing_question(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto("/plan/threatened-miscarriage")
    page.get_by_role("button", name="Show the plan").click()
    page.wait_for_load_state()
    assert page.url.endswith("#plan-form")
    invalid = page.locator("#plan-form [aria-invalid=true]")
    assert invalid.count() >= 2
    first = invalid.first.get_attribute("id")
    _focus_is(page, first)
    for i in range(invalid.count()):
        element_id = invalid.nth(i).get_attribute("id")
        _described(page, element_id, "Answer this question")
    expect(page.locator("#plan-form")).not_to_contain_text("gestational_weeks, previous_miscarriages")
    shot(page, "form-plan-missing")


def test_date_order_errors_sit_beside_the_later_field_and_name_both(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    before = page.locator("#events-table tbody tr").count()
    form = page.locator("#episodes-form")
    form.get_by_label("Kind").select_option("menstrual-cycle")
    form.get_by_label("Start date").fill("2026-03-10")
    form.get_by_label("End date").fill("2026-03-01")
    form.get_by_label("Last menstrual period").fill("2026-03-10")
    form.get_by_label("LH peak").fill("2026-03-02")
    form.get_by_role("button", name="Add episode").click()
    page.wait_for_load_state()
    assert page.url.endswith("#episodes-form")
    _focus_is(page, "e-end_date")  # the first invalid field
    _described(page, "e-end_date", "The end date (2026-03-01) is before the start date (2026-03-10)")
    _described(page, "e-lh_peak_date", "The LH peak (2026-03-02) is before the last menstrual period (2026-03-10)")
    expect(page.locator("#events-table tbody tr")).to_have_count(before)  # nothing stored
    shot(page, "form-episode-date-order")

    form = page.locator("#treatments-form")
    form.get_by_label("Schedule (regimen language)").fill("400 mg vaginal q12h")
    form.get_by_label("Start (your local time)").fill("2026-03-10T08:00")
    form.get_by_label("Stop (optional)").fill("2026-03-09T08:00")
    form.get_by_role("button", name="Add treatment").click()  # no dose either: both problems at once
    page.wait_for_load_state()
    assert page.url.endswith("#treatments-form")
    _focus_is(page, "t-dose_mg")
    _described(page, "t-dose_mg", "")
    _described(page, "t-stop", "The stop (2026-03-09 08:00 UTC) is before the start (2026-03-10 08:00 UTC)")


def test_a_dose_that_disagrees_with_its_schedule_is_refused_beside_the_dose(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    form = page.locator("#treatments-form")
    form.get_by_label("Product").select_option(label="Cyclogest")
    form.get_by_label("Dose per administration (mg)").fill("200")
    form.get_by_label("Schedule (regimen language)").fill("400 mg vaginal q12h")
    form.get_by_label("Start (your local time)").fill("2026-03-10T08:00")
    form.get_by_role("button", name="Add treatment").click()
    page.wait_for_load_state()
    _focus_is(page, "t-dose_mg")
    expect(page.locator("#t-dose_mg-msg")).to_contain_text("400")
    expect(page.locator("#t-dose_mg")).to_have_attribute("aria-invalid", "true")
