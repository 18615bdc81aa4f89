"""The claims pages (/claims, /claims/{id}) in a browser, at phone and desk width, as a patient and a
clinician: plain words, no sideways scroll, no serious axe-core violation; a plan links its claims;
an unknown id is a 404 page naming it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from web_helpers import (
    DESK,
    PHONE,
    axe_violations,
    browser_context,
    login,
    shot,
    sideways_overflow_px,
)

from lutea.claims import all_claims
from lutea.findings import RULE_CODES


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_claims_pages_read_plainly_fit_the_screen_and_pass_axe(browser: Browser, world, role: str,
                                                               viewport: dict[str, int]) -> None:
    with browser_context(browser, world.base_url, viewport, timeout_ms=20_000) as ctx:
        page = ctx.new_page()
        problems: list[str] = []
        login(page, world.patient if role == "patient" else world.clinician)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims checked").click()
        page.wait_for_url("**/claims")
        expect(page.get_by_role("heading", level=1, name="Claims checked")).to_be_visible()
        cards = page.locator("#claims-list > li")
        expect(cards).to_have_count(len(all_claims()))
        # NICE NG126 / PRISM: supported for bleeding after a previous miscarriage
        supported = page.locator("li[data-claim='vaginal-progesterone-bleeding-after-miscarriage']")
        expect(supported.locator(".badge")).to_have_text("Supported by good evidence")
        for path in ("/claims", "/claims/saliva-urine-tissue-level", "/claims/vaginal-progesterone-bleeding-after-miscarriage"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            text = page.locator("main").inner_text()
            codes = [c for c in RULE_CODES | {"specimen.low_validity", "plan.monitoring.heartbeat-scan"} if c in text]
            if codes:
                problems.append(f"{path} shows codes {codes}")
            if (overflow := sideways_overflow_px(page)) > 0:
                problems.append(f"{path} at {viewport['width']} px scrolls sideways by {overflow} px")
            problems += [f"{path}: {v}" for v in axe_violations(page)]
        shot(page, f"claims-{role}-{viewport['width']}")
        page.goto("/claims/saliva-urine-tissue-level")
        expect(page.locator("#claim-summary")).to_contain_text("blood test")
        expect(page.locator("#claim-evidence")).to_have_count(0 if role == "patient" else 1)
        assert not problems, "\n".join(problems)


def test_a_plan_links_the_claims_it_touches_for_a_patient(browser: Browser, world) -> None:
    with browser_context(browser, world.base_url, PHONE, timeout_ms=20_000) as ctx:
        page = ctx.new_page()
        login(page, world.patient)
        page.goto("/plan/threatened-miscarriage")
        page.get_by_label(re.compile(r"^Weeks of pregnancy")).fill("8")
        page.locator("#q-symptoms-bleeding").check()
        page.get_by_label(re.compile(r"^Number of previous miscarriages")).fill("1")
        page.get_by_label(re.compile(r"^Where has a scan shown")).select_option("intrauterine")
        page.get_by_role("button", name="Show the plan").click()
        links = page.locator("#plan-claims a")
        expect(links.first).to_be_visible()
        link = page.locator("#plan-claims a[href='/claims/vaginal-progesterone-bleeding-after-miscarriage']")
        expect(link).to_have_count(1)
        link.click()
        page.wait_for_url("**/claims/vaginal-progesterone-bleeding-after-miscarriage")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Vaginal progesterone helps")
        assert sideways_overflow_px(page) == 0


def test_an_unknown_claim_is_a_404_page_naming_it(browser: Browser, world) -> None:
    with browser_context(browser, world.base_url, DESK) as ctx:
        page = ctx.new_page()
        login(page, world.patient)
        response = page.goto("/claims/leg-cramps")
        assert response is not None and response.status == 404
        expect(page.locator("#refusal")).to_contain_text("no claim 'leg-cramps'")
        response = page.goto("/claims/" + "x" * 5000)
        assert response is not None and response.status == 404
        assert len(page.locator("#refusal").inner_text()) < 200
