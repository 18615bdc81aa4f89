"""A clinician in the browser: sign in, add a result and see its finding and the chart update,
inline validation from the API's rules, the simulate page, plan, report and evidence."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from web_helpers import add_serum_result, login, shot

from lutea.cutoffs import transfer_day_cutoff


def _points(page: Page) -> int:
    page.wait_for_function("document.getElementById('chart').dataset.points !== undefined")
    return int(page.locator("#chart").get_attribute("data-points"))


def test_add_measurement_shows_its_finding_and_updates_the_chart(page: Page, world) -> None:
    login(page, world.clinician)
    expect(page.get_by_role("link", name="Alice Web")).to_be_visible()
    shot(page, "clinician-home")
    page.get_by_role("link", name="Alice Web").click()
    before = _points(page)
    assert before == 1
    expect(page.locator("#chart .scatterlayer .trace")).not_to_have_count(0)

    add_serum_result(page, "5", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"))

    page.wait_for_url("**/patients/*?added=measurements*")
    expect(page.locator("#added-status")).to_contain_text("measurements")
    assert _points(page) == before + 1
    # 5 ng/mL on transfer day in a programmed cycle on vaginal progesterone is below every
    # transfer-day threshold of the knowledge base (Labarta 2021: 8.8 ng/mL).
    # the results table: newest first, one row per result, its findings behind a disclosure
    row = page.locator("#results-table tbody tr.result").first
    expect(row).to_contain_text("5 ng/mL")
    expect(row).to_contain_text("15.9 nmol/L")  # both units on the row
    expect(row).to_contain_text("transfer day, programmed FET")
    assert row.get_attribute("data-flag") == "L"  # below her transfer-day cut-off
    low = row.locator('li[data-code="art.et_day_low"]')
    expect(low).to_have_count(1)
    row.get_by_text("Findings and sources").click()
    expect(low.get_by_role("link", name="labarta2021")).to_have_attribute("href", "/evidence/labarta2021")
    expect(page.locator("#results-table")).not_to_contain_text("art.et_day_low")  # no code shown
    shot(page, "clinician-timeline-after-add")

    page.get_by_role("radio", name="nmol/L").check()
    page.wait_for_function("document.getElementById('chart').dataset.unit === 'nmol/L'")
    expect(page.locator("#chart .ytitle")).to_contain_text("nmol/L")


def test_form_shows_the_api_validation_beside_the_field(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    form = page.locator("#measurements-form")
    form.get_by_label("Specimen").select_option("urine")
    form.get_by_label("Value").fill("12")
    form.get_by_label("Unit").select_option("nmol/L")
    form.get_by_label("Sampled at (your local time)").fill("2026-01-02T08:00")
    form.get_by_role("button", name="Add result").click()
    message = page.locator("#m-unit-msg")
    expect(message).to_contain_text("is not a concentration")  # lutea.units via the API's endpoint
    expect(page.locator("#m-unit")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#m-value")).to_have_value("12")  # the entry is kept
    shot(page, "clinician-form-validation")

    form = page.locator("#measurements-form")
    form.get_by_label("Specimen").select_option("serum")
    form.get_by_label("Value").fill("-1")
    form.get_by_label("Unit").select_option("ng/mL")
    form.get_by_role("button", name="Add result").click()
    expect(page.locator("#m-value-msg")).to_contain_text("greater than or equal to 0")  # the API's schema


def test_simulate_page_draws_a_curve_and_redraws_it_live(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto("/simulate")
    chart = page.locator("#sim-chart")
    expect(chart.locator(".scatterlayer .js-line").first).to_be_visible()
    assert int(chart.get_attribute("data-points")) == 7 * 24 + 1  # hourly over the default 7 days
    assert page.locator("#sim-below").inner_text().endswith("%")
    shot(page, "clinician-simulate")

    page.get_by_label("Dose (mg)").fill("800")
    page.get_by_label("Dose (mg)").press("Tab")
    # 800 mg every 12 h is 1600 mg a day: above the highest vaginal label (Cyclogest, 800 mg a day)
    expect(page.locator("#sim-dose_mg-msg")).to_contain_text("1600 mg a day")  # beside the dose field
    page.get_by_label("Every (hours)").fill("24")
    page.get_by_label("Every (hours)").press("Tab")
    # 800 mg once a day is within it, and beyond the 100-400 mg doses the capsule model was fitted to
    expect(page.locator("#sim-error")).to_have_text("")
    expect(page.locator("#sim-caveats")).to_contain_text("800 mg at once")
    page.get_by_label("Dose (mg)").fill("200")
    page.get_by_label("Every (hours)").fill("12")
    page.get_by_label("Every (hours)").press("Tab")
    expect(page.locator("#sim-regimen")).to_contain_text("200 mg vaginal q12h")
    expect(page.locator("#sim-caveats")).to_have_text("")
    page.get_by_label("Every (hours)").fill("0")
    page.get_by_label("Every (hours)").press("Tab")
    expect(page.locator("#sim-error")).not_to_be_empty()


def test_balance_page_ranks_candidates_for_a_patient_with_levels(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}/balance")
    expect(page.locator("#candidates tbody tr").first).to_be_visible()
    assert page.locator("#candidates tbody tr").count() >= 2
    # Alice's programmed FET on vaginal progesterone: the default target is her transfer-day cut-off
    cutoff = transfer_day_cutoff("hrt-fet", "vaginal")
    expect(page.locator("#target-text")).to_contain_text(f"at least {cutoff.value:g} ng/mL")
    # Alice is on Cyclogest pessaries, whose model is fitted to single doses only: her own
    # regimen is read with that model, says so, and is not offered again as a switch
    own = page.get_by_role("cell", name="cyclogest 400 mg vaginal q12h", exact=True)
    current = page.locator("#candidates tbody tr").filter(has=own)
    expect(current).to_have_count(1)
    expect(current.locator("td.caveats")).to_contain_text("extrapolation")
    expect(page.locator("#candidates tbody tr", has_text="400 mg vaginal pessary q12h from")).to_have_count(0)
    expect(page.locator("#balance-chart .scatterlayer .js-line").first).to_be_visible()
    shot(page, "clinician-balance")


def test_plan_page_answers_questions_and_shows_the_plan(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto("/plan/ivf-luteal-support")
    page.get_by_label("Cycle type").select_option(index=1)
    page.get_by_label("Allergies (comma-separated)").fill("peanut")
    page.get_by_role("button", name="Show the plan").click()
    result = page.locator("#plan-result")
    expect(result.get_by_role("heading", name="Contraindications")).to_be_visible()
    expect(result).to_contain_text(" mg every ")  # clinicians see the doses
    expect(result).to_contain_text("Peanut allergy")  # Utrogestan/Prometrium excipients (label contraindication)
    expect(result.locator(".sources a").first).to_be_visible()
    shot(page, "clinician-plan")


def test_report_is_a_pdf_and_evidence_lists_what_cites_a_source(page: Page, world) -> None:
    login(page, world.clinician)
    response = page.request.get(f"/patients/{world.patient_id}/report.pdf")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    page.goto("/evidence/labarta2021")
    expect(page.locator("dd").first).to_contain_text("Used by:")
    expect(page.locator("dd code").first).to_be_visible()
    shot(page, "evidence-source")


def test_a_mistaken_result_is_removed_after_confirmation(page: Page, world) -> None:
    # Results are not edited (docs/api.md): a clinician removes a wrong one and re-enters it.
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    before = _points(page)
    add_serum_result(page, "77", "2026-01-03T07:15", episode_index=None)
    page.wait_for_url("**/patients/*?added=measurements*")
    assert _points(page) == before + 1

    page.get_by_role("link", name="Remove the result of 2026-01-03 07:15 (77 ng/mL)").click()
    expect(page.locator("#remove-summary")).to_contain_text("77 ng/mL")
    page.get_by_role("link", name="Keep it").click()  # changing one's mind removes nothing
    expect(page.locator("#results-table")).to_contain_text("2026-01-03 07:15")

    page.get_by_role("link", name="Remove the result of 2026-01-03 07:15 (77 ng/mL)").click()
    page.get_by_role("button", name="Remove this result").click()
    page.wait_for_url("**/patients/*?removed=measurements*")
    expect(page.locator("#removed-status")).to_be_visible()
    expect(page.locator("#results-table")).not_to_contain_text("2026-01-03 07:15")
    assert _points(page) == before
    gone = page.request.post(page.url.split("?")[0] + "/measurements/999999/remove", form={})
    assert gone.status == 403  # no CSRF token: refused before anything else
