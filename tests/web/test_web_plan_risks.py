"""A new pathway's plan in the browser: the perimenopause plan renders its progestogens' risk
profiles side by side (E3N, ESTHER, Vinogradova 2019, WHI), for the clinician with the numbers and
for the patient in plain words, and so does the Balance page for her regimens; axe-core finds no serious or critical violation, and the table
scrolls inside its own box on a phone. The PMS plan shows no regimen."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from web_helpers import (
    DESK,
    PHONE,
    axe_violations,
    browser_context,
    login,
    shot,
    sideways_overflow_px,
)

YES = ("q-irregular_periods", "q-vasomotor_symptoms", "q-uterus_present")


def _perimenopause_plan(page: Page) -> None:
    page.goto("/plan/perimenopause")
    page.locator("#q-age_years").fill("49")
    for select in YES:
        page.locator(f"#{select}").select_option("yes")
    page.get_by_role("button", name="Show the plan").click()
    expect(page.locator("#plan-result")).to_be_visible()


def test_perimenopause_plan_renders_the_risk_profiles_side_by_side(browser: Browser, world) -> None:
    desk = browser_context(browser, world.base_url, DESK)
    page = desk.new_page()
    login(page, world.clinician)
    _perimenopause_plan(page)
    table = page.locator("#risk-table")
    expect(table).to_be_visible()
    headers = table.locator("thead th")
    expect(headers).to_have_count(7)  # the outcome column and the six progestogens
    dydrogesterone = table.locator("tbody tr", has_text="breast cancer")
    # E3N (fournier2008-e3n): oestrogen-dydrogesterone RR 1.16 (95% CI 0.94-1.43)
    expect(dydrogesterone).to_contain_text("RR 1.16 (95% CI 0.94 to 1.43)")
    # Vinogradova 2019: conjugated oestrogen with medroxyprogesterone acetate, VTE OR 2.1 (1.92-2.31)
    expect(table.locator("tbody tr", has_text="venous thromboembolism")).to_contain_text("OR 2.1 (95% CI 1.92 to 2.31)")
    expect(page.locator("#risk-profiles")).to_contain_text("Every progestogen together")
    assert axe_violations(page) == []
    shot(page, "plan-perimenopause-risk-profiles")
    page.goto("/plan/premenstrual-syndrome")
    page.locator("#q-symptom_diary_cycles").fill("2")
    page.locator("#q-symptoms_luteal_only").select_option("yes")
    page.get_by_role("button", name="Show the plan").click()
    result = page.locator("#plan-result")
    expect(result).to_contain_text("Do not prescribe progesterone for PMS")
    expect(page.locator("#risk-table")).to_have_count(0)
    assert axe_violations(page) == []
    # the Balance page sets the progestogens of her current and candidate regimens side by side
    page.goto(f"/patients/{world.patient_id}/balance")
    balance_risks = page.locator("#risk-profiles")
    expect(balance_risks).to_contain_text("Micronised progesterone")
    expect(balance_risks.locator("#risk-table")).to_contain_text("RR 1.00 (95% CI 0.83 to 1.22)")
    assert axe_violations(page) == []
    desk.close()

    phone = browser_context(browser, world.base_url, PHONE)
    mine = phone.new_page()
    login(mine, world.patient)
    _perimenopause_plan(mine)
    risks = mine.locator("#risk-profiles")
    expect(risks).to_contain_text("hormone replacement therapy")
    expect(risks).not_to_contain_text("RR 1.16")  # the patient gets the words, not the ratios
    expect(risks).not_to_contain_text(" mg")
    assert sideways_overflow_px(mine) <= 0
    assert axe_violations(mine) == []
    shot(mine, "plan-perimenopause-risk-profiles-patient")
    phone.close()
