"""The patient's own record in plain language: no finding codes, product ids, clinician
abbreviations or clinician sentences, and no reading of a level as 'you ovulated'; the evidence
pages name sources by author and year, without entry ids, for a patient."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import Browser, Page, expect
from web_helpers import (
    DESK,
    PHONE,
    add_serum_result,
    browser_context,
    login,
    remove_result,
    shot,
)

CLINICIAN_WORDS = ("crinone-8", "cyclogest", "serum P <", "When she presents", "individualised 90% band",
                   "usual range for ovulation", "from From", "for mid-luteal", "hrt-fet", "FET")
CODE = re.compile(r"\b(treatment|triage|art|reference|ovulation|pregnancy|timing|caveat)\.[a-z_]+")


def _visible_text(page: Page) -> str:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return page.locator("main").inner_text()


def _assert_plain(text: str, where: str) -> None:
    assert CODE.findall(text) == [], (where, CODE.findall(text))
    found = [text[max(0, text.index(w) - 80):text.index(w) + 40] for w in CLINICIAN_WORDS if w in text]
    assert found == [], (where, found)


def test_the_patients_own_record_has_no_codes_ids_or_clinician_words(browser: Browser, world) -> None:
    # a transfer-day result below her cut-off, whose clinician words name the threshold (serum P < ...)
    desk = browser_context(browser, world.base_url, DESK)
    page = desk.new_page()
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    add_serum_result(page, "2.01", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"))
    page.wait_for_url("**?added=measurements*")

    phone = browser_context(browser, world.base_url, PHONE)
    mine = phone.new_page()
    login(mine, world.patient)
    mine.wait_for_function("document.getElementById('chart').dataset.points !== undefined")
    text = _visible_text(mine)
    assert "2.01 ng/mL" in text
    _assert_plain(text, "own record")
    legend = mine.locator("#chart").get_attribute("data-legend") or ""
    _assert_plain(legend, "chart legend")
    shot(mine, "patient-own-record-wording")
    mine.goto("/plan/threatened-miscarriage")
    mine.get_by_label("Weeks of pregnancy now", exact=False).fill("8")
    mine.locator("#q-symptoms-bleeding").check()
    mine.get_by_label("Number of previous miscarriages", exact=False).fill("2")
    mine.get_by_label("Where has a scan shown", exact=False).select_option("intrauterine")
    mine.get_by_role("button", name="Show the plan").click()
    _assert_plain(_visible_text(mine), "patient's plan")
    phone.close()

    # remove the result again, so the session's other tests see Alice as before
    remove_result(page, world.patient_id, "2.01 ng/mL")
    desk.close()


def test_the_evidence_pages_name_sources_by_author_for_a_patient(page: Page, world) -> None:
    login(page, world.patient)
    for path, heading in (("/evidence", "Evidence"), ("/evidence/labarta2021", "Source Labarta")):
        page.goto(path)
        assert page.get_by_role("heading", level=1).inner_text().startswith(heading)
        main = page.locator("main")
        assert main.locator("code").count() == 0  # no knowledge-base entry ids
        text = main.inner_text()
        assert "reference_intervals/" not in text and "products/" not in text
        assert "lutea uses it for:" in text
    page.goto("/evidence")
    expect(page.locator("dt#stricker2006")).to_have_text(re.compile(r"^Stricker .*2006$"))  # author and year, not the id
    page.context.clear_cookies()
    login(page, world.clinician)
    page.goto("/evidence/labarta2021")
    assert page.get_by_role("heading", level=1).inner_text() == "Source labarta2021"  # clinicians keep the ids
    assert page.locator("main code").count() > 0
