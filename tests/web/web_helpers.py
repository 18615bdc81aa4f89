"""Helpers of the browser tests: sign in, and save a screenshot as a test artefact."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import axe_playwright_python
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page

from lutea.config import Settings
from lutea.server import create_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "web-test-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    """The app of these settings served by uvicorn on a free 127.0.0.1 port (as scripts/serve.py)
    while the block runs; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/patients/**" if email.startswith(("alice", "beatrice", "carla")) else "**/home")


DESK = {"width": 1280, "height": 900}


def browser_context(browser: Browser, base_url: str, viewport: dict[str, int], timeout_ms: int = 15_000) -> BrowserContext:
    """A fresh browser (own cookies) on the app at this screen size, in UTC."""
    ctx = browser.new_context(base_url=base_url, viewport=viewport, timezone_id="UTC")
    ctx.set_default_timeout(timeout_ms)
    return ctx


def remove_result(page: Page, patient_id: int, shown: str) -> None:
    """Remove a result from the record through the confirmation page (as a clinician)."""
    page.goto(f"/patients/{patient_id}")
    row = page.locator("#results-table tbody tr", has_text=shown)
    row.get_by_role("link", name="Remove the result").click()
    page.get_by_role("button", name="Remove this result").click()
    page.wait_for_url("**removed=measurements*")


AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")  # axe-core, shipped in the package
PHONE = {"width": 390, "height": 844}


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """The page's axe-core violations (WCAG 2 A and AA rules) of these impacts, as 'rule: target' lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")  # DevTools evaluation: the page's CSP stays on
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})")
    return [f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'][:3])}"
            for v in result["violations"] if v.get("impact") in impacts]


def sideways_overflow_px(page: Page) -> int:
    """How far the page scrolls sideways (0: it fits the viewport's width)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def add_serum_result(page: Page, value: str, sampled_at: str, *, episode_index: int | None = 1) -> None:
    """Fill and send the record page's result form: serum, ng/mL, LC-MS/MS, in her first episode."""
    form = page.locator("#measurements-form")
    form.get_by_label("Value").fill(value)
    form.get_by_label("Unit").select_option("ng/mL")
    form.get_by_label("Sampled at (your local time)").fill(sampled_at)
    form.get_by_label("Assay").select_option("lcms")
    if episode_index is not None:
        form.get_by_label("Episode").select_option(index=episode_index)
    form.get_by_role("button", name="Add result").click()


def add_symptom(page: Page, symptom: str, noted_at: str, *, severity: str | None = None) -> None:
    """Fill and send the record page's symptom form and wait for the record to show it added."""
    form = page.locator("#symptoms-form")
    form.get_by_label("Symptom").select_option(symptom)
    if severity is not None:
        form.get_by_label("Severity").select_option(severity)
    form.get_by_label("Noted at (your local time)").fill(noted_at)
    form.get_by_role("button", name="Add symptom").click()
    page.wait_for_url("**?added=symptoms*")
