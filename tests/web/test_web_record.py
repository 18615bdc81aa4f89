"""The record page's smaller parts: symptoms and episodes in one list in date order, the Balance
button only for a patient with a treatment (without one the Balance page has nothing to read), the
record printed as a report, and the patient list's summary of the latest result in words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect
from web_helpers import SCREENSHOTS, add_symptom, login


def test_symptoms_and_episodes_are_in_date_order(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    before_episode = (datetime.now(UTC) - timedelta(days=25)).strftime("%Y-%m-%dT%H:%M")
    add_symptom(page, "bloating", before_episode)
    whens = page.locator("#events-table tbody tr td:first-child").all_inner_texts()
    assert len(whens) >= 2
    assert whens == sorted(whens)
    expect(page.locator("#events-table tbody tr").first).to_contain_text("bloating")


def test_the_balance_button_shows_only_for_a_patient_with_a_treatment(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")  # Alice is on Cyclogest
    expect(page.get_by_role("link", name="Individualise and balance")).to_have_count(1)
    page.context.clear_cookies()
    login(page, "other.doctor@web.test")  # Beatrice's clinician; Beatrice has no treatment
    page.goto(f"/patients/{world.other_patient_id}")
    expect(page.get_by_role("heading", name="Beatrice Web")).to_be_visible()
    expect(page.get_by_role("link", name="Individualise and balance")).to_have_count(0)


def test_the_record_prints_as_a_report(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    page.emulate_media(media="print")
    for hidden in (".top", "#measurements-form", "#forms-title", ".actions", "nav.zoom", ".foot"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("#results-table li[data-code]").first).to_be_visible()  # findings open on paper
    expect(page.locator("#chart-table")).to_be_visible()  # and the chart's numbers
    expect(page.locator("#results-table .no-print").first).to_be_hidden()
    page.pdf(path=str(SCREENSHOTS / "record-print.pdf"))  # the printed page, as a test artefact


def test_the_patient_list_summarises_the_latest_result_in_words(page: Page, world) -> None:
    login(page, world.clinician)
    row = page.locator("#patients-table tbody tr", has_text="Alice Web")
    latest = page.evaluate("""() => { const r = Array.from(document.querySelectorAll('#patients-table tbody tr'))
        .find(tr => tr.textContent.includes('Alice Web')); return r.querySelector('td[data-label="Latest result"]').innerText; }""")
    assert re.search(r"\d[\d.]* ng/mL = \d[\d.]* nmol/L \(serum\)", latest), latest  # both units
    assert "programmed FET" in latest and "vaginal progesterone (Cyclogest)" in latest  # the context in words
    verdict = row.locator("td.latest-verdict").inner_text()
    assert len(verdict) > 20 and not re.search(r"\b[a-z]+\.[a-z_]+\b", verdict), verdict  # a sentence, no code
