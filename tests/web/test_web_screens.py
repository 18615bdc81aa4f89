"""Every page on a phone (360 and 390 px wide), as a clinician and as a patient: nothing scrolls
sideways, axe-core finds no serious or critical violation, and no request fails (the favicon)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page
from web_helpers import PHONE, axe_violations, browser_context, login, shot, sideways_overflow_px

WIDTHS = (390, 360)


def _clinician_pages(world) -> list[str]:
    return ["/home", f"/patients/{world.patient_id}", f"/patients/{world.patient_id}/balance", "/simulate",
            "/plan", "/plan/ivf-luteal-support", "/plan/threatened-miscarriage", "/evidence", "/evidence/labarta2021"]


def _patient_pages(world) -> list[str]:
    return [f"/patients/{world.patient_id}", "/plan", "/plan/ivf-luteal-support", "/evidence"]


def _walk(page: Page, paths: list[str], who: str) -> list[str]:
    problems: list[str] = []
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            overflow = sideways_overflow_px(page)
            if overflow > 0:
                problems.append(f"{who} {path} at {width} px scrolls sideways by {overflow} px")
            if width == WIDTHS[0]:
                problems += [f"{who} {path}: {v}" for v in axe_violations(page)]
                shot(page, f"phone-{who}-{path.strip('/').replace('/', '-') or 'root'}")
    return problems + failed


@pytest.mark.parametrize("role", ["clinician", "patient"])
def test_every_page_fits_a_phone_and_passes_axe(browser: Browser, world, role: str) -> None:
    ctx = browser_context(browser, world.base_url, PHONE, timeout_ms=20_000)
    page = ctx.new_page()
    try:
        login(page, world.clinician if role == "clinician" else world.patient)
        paths = _clinician_pages(world) if role == "clinician" else _patient_pages(world)
        problems = _walk(page, paths, role)
        assert not problems, "\n".join(problems)
    finally:
        ctx.close()
