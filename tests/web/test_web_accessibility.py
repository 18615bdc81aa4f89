"""Basic accessibility: every input has a label, the keyboard reaches the sign-in button and
submits with Enter, and every text/background pair of the stylesheet has a WCAG contrast >= 4.5."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from web_helpers import PASSWORD, login

from lutea.web.app import STATIC

UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden')
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id || el.outerHTML)"""
WCAG_AA_TEXT = 4.5  # WCAG 2.1 success criterion 1.4.3, normal text


def test_every_input_has_a_label(page: Page, world) -> None:
    page.goto("/login")
    assert page.evaluate(UNLABELLED) == []
    login(page, world.clinician)
    for path in (f"/patients/{world.patient_id}", "/simulate", "/plan/ivf-luteal-support",
                 "/plan/threatened-miscarriage", f"/patients/{world.patient_id}/balance"):
        page.goto(path)
        inputs = page.locator("input:not([type=hidden]), select").count()
        assert inputs > 0, path
        assert page.evaluate(UNLABELLED) == [], path


def test_keyboard_reaches_the_sign_in_button_and_enter_submits(page: Page, world) -> None:
    page.goto("/login")
    # autofocus on the first field; Chromium applies autofocus in a later animation frame than
    # the load event, so wait for it (the wait fails if it never comes)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'login-email'", timeout=5000)
    typed = {"login-password": PASSWORD}
    page.keyboard.type(world.clinician)
    focused = ""
    for _ in range(5):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused in typed:
            page.keyboard.type(typed.pop(focused))
        if focused == "login-submit":
            break
    assert focused == "login-submit" and not typed
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")
    expect(page.get_by_role("heading", name="Your patients")).to_be_visible()


def _luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.1 definition) of #rrggbb or #rgb."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_ratio_formula() -> None:
    # WCAG 2.1 'contrast ratio': black on white is 21:1, a colour on itself 1:1
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert contrast_ratio("#777777", "#777777") == 1.0


def _pairs(css: str) -> list[tuple[str, str, str]]:
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", css))

    def colour(value: str) -> str | None:
        value = value.strip()
        if value.startswith("var("):
            return variables.get(value[6:-1])
        return value if re.fullmatch(r"#[0-9a-fA-F]{3,6}", value) else None

    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        text = re.search(r"(?:^|;)\s*color:\s*([^;]+)", body)
        back = re.search(r"background(?:-color)?:\s*([^;]+)", body)
        if text and back:
            fg, bg = colour(text.group(1)), colour(back.group(1))
            if fg and bg:
                pairs.append((selector.strip(), fg, bg))
    return pairs


def test_stylesheet_text_contrast_is_at_least_4_5() -> None:
    css = (STATIC / "lutea.css").read_text(encoding="utf-8")
    pairs = _pairs(css)
    assert len(pairs) >= 15  # every coloured block of the stylesheet is checked
    low = [(s, fg, bg, round(contrast_ratio(fg, bg), 2)) for s, fg, bg in pairs if contrast_ratio(fg, bg) < WCAG_AA_TEXT]
    assert low == []
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", css))
    for name in ("text", "muted", "link", "error"):  # text colours on the page and on panels
        for background in ("page", "panel"):
            assert contrast_ratio(variables[name], variables[background]) >= WCAG_AA_TEXT, (name, background)
