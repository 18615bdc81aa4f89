"""Every page at 1280 px and on a phone (400, 390 and 360 px wide), as a clinician and as a patient:
nothing scrolls sideways, axe-core finds no serious or critical violation (at 1280 and 390 px, with
every disclosure open: the chart's table, the findings), and no request fails nor the console logs an error (the favicon)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page
from web_helpers import (
    DESK,
    PHONE,
    axe_violations,
    browser_context,
    login,
    shot,
    sideways_overflow_px,
)

WIDTHS = (DESK["width"], 400, 390, 360)
AXE_WIDTHS = (DESK["width"], 390)


def _first_result(page: Page, patient_id: int) -> int:
    page.goto(f"/patients/{patient_id}")
    row = page.locator("#results-table tbody tr").first.get_attribute("id") or ""
    return int(re.sub(r"\D", "", row))


def _clinician_pages(page: Page, world) -> list[str]:
    p = world.patient_id
    result = _first_result(page, p)
    episode = page.locator("nav.zoom a[data-episode]").first.get_attribute("data-episode")
    return ["/home", f"/patients/{p}", f"/patients/{p}?episode={episode}", f"/patients/{p}/balance",
            f"/patients/{p}/measurements/{result}/remove", "/simulate", "/plan",
            "/plan/ivf-luteal-support", "/plan/threatened-miscarriage", "/evidence", "/evidence/labarta2021",
            "/evidence/stricker2006", f"/patients/{world.other_patient_id}"]  # the last: a refusal page


def _patient_pages(world) -> list[str]:
    p = world.patient_id
    return [f"/patients/{p}", "/plan", "/plan/ivf-luteal-support", "/plan/threatened-miscarriage", "/evidence",
            "/evidence/labarta2021", f"/patients/{world.other_patient_id}", "/simulate"]  # the last two: refusals


def _walk(page: Page, paths: list[str], who: str, refused: tuple[str, ...] = ()) -> list[str]:
    """Problems of each page at each width; `refused`: pages whose own answer is a 403 page (walked too)."""
    problems: list[str] = []
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and not (r.status == 403 and r.url.endswith(refused)) else None)
    page.on("console", lambda m: failed.append(f"console {m.type}: {m.text[:200]} on {page.url}")
            if m.type == "error" and "403" not in m.text else None)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900 if width == DESK["width"] else 844})
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            overflow = sideways_overflow_px(page)
            if overflow > 0:
                problems.append(f"{who} {path} at {width} px scrolls sideways by {overflow} px")
            if width in AXE_WIDTHS:
                problems += [f"{who} {path} at {width} px: {v}" for v in axe_violations(page)]
            if width in (390, DESK["width"]):
                shot(page, f"{'phone' if width == 390 else 'desk'}-{who}-{re.sub(r'[^a-z0-9]+', '-', path.lower()).strip('-') or 'root'}")
    return problems + failed


@pytest.mark.parametrize("role", ["clinician", "patient"])
def test_every_page_fits_any_screen_and_passes_axe(browser: Browser, world, role: str) -> None:
    with browser_context(browser, world.base_url, PHONE, timeout_ms=20_000) as ctx:
        page = ctx.new_page()
        login(page, world.clinician if role == "clinician" else world.patient)
        paths = _clinician_pages(page, world) if role == "clinician" else _patient_pages(world)
        refused = (f"/patients/{world.other_patient_id}",) + (("/simulate",) if role == "patient" else ())
        problems = _walk(page, paths, role, refused)
        assert not problems, "\n".join(problems)


def test_the_sign_in_page_fits_any_screen_and_passes_axe(browser: Browser, world) -> None:
    with browser_context(browser, world.base_url, PHONE) as ctx:
        page = ctx.new_page()
        assert _walk(page, ["/login"], "anyone") == []
