"""The Balance chart to the record chart's standard, at 1280 px and on a phone (390 px): a dotted 'now'
line with its legend entry, the chart as a table opened by keyboard (the current regimen's curve every 12
hours with its 90% band and her own level, the target, every candidate), the target's times in the page's
words (no ISO), no serious or critical axe-core violation and no sideways scroll."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from itertools import pairwise

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

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280px", "390px"])
def test_the_balance_chart_has_now_a_table_and_times_in_words(browser: Browser, world, viewport: dict[str, int]) -> None:
    with browser_context(browser, world.base_url, viewport, timeout_ms=30_000) as ctx:
        page = ctx.new_page()
        login(page, world.clinician)
        assert page.goto(f"/patients/{world.patient_id}/balance").status == 200  # Alice: a treatment and levels
        page.wait_for_function("document.getElementById('balance-chart').dataset.legend !== undefined")
        data = json.loads(page.locator("#balance-data").text_content() or "{}")

        # the now marker: a dotted vertical line at now, its label on the plot, its legend entry
        legend = (page.locator("#balance-chart").get_attribute("data-legend") or "").split("|")
        assert "now" in legend, legend
        expect(page.locator("#balance-chart .legendtext", has_text=re.compile(r"^now$"))).to_have_count(1)
        expect(page.locator("#balance-chart .annotation-text", has_text="now")).to_have_count(1)
        shapes = page.evaluate("document.getElementById('balance-chart').layout.shapes")
        now_lines = [s for s in shapes if s["line"].get("dash") == "dot"]
        assert len(now_lines) == 1 and now_lines[0]["x0"] == data["now"] == now_lines[0]["x1"]
        assert data["curve"]["t"][0] <= data["now"] <= data["curve"]["t"][-1]  # inside the plotted time
        expect(page.locator("#balance-key")).to_contain_text("Dotted line: now")

        # the target sentence in the page's words, not the core's ISO times (the API keeps ISO)
        target = page.locator("#target-text").inner_text()
        assert not ISO_TIME.search(target), target
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", target), target
        assert not ISO_TIME.search(page.locator("#candidates").inner_text())

        # the chart as a table, opened by keyboard
        summary = page.locator("#balance-table-box summary")
        expect(summary).to_contain_text("The chart as a table")
        summary.focus()
        page.keyboard.press("Enter")
        table = page.get_by_role("table", name="The chart's data")
        expect(table).to_be_visible()
        headers = table.locator("th").all_inner_texts()
        assert headers[:5] == ["When (UTC)", "What", "ng/mL", "nmol/L", "Individualised prediction, 90% band (ng/mL)"]
        curve_rows = table.locator("tbody tr", has=page.locator("td:nth-child(2)", has_text=re.compile(r"^individualised$")))
        times = [datetime.strptime(t, "%Y-%m-%d %H:%M") for t in curve_rows.locator("td:first-child").all_inner_texts()]
        first, last = (datetime.fromisoformat(data["curve"]["t"][i]).replace(tzinfo=None) for i in (0, -1))
        assert times[0] == first and all(b - a == timedelta(hours=12) for a, b in pairwise(times))
        assert len(times) == (last - first) // timedelta(hours=12) + 1
        band = curve_rows.first.locator("td").nth(4).inner_text()
        assert band == f"{data['curve']['low'][0]:.3g} to {data['curve']['high'][0]:.3g}"
        if data["curve"].get("endogenous"):
            own = float(curve_rows.first.locator("td").nth(5).inner_text())
            assert own == pytest.approx(data["curve"]["endogenous"]["median_ng_ml"][0], rel=0.01)
        for level in data["measurements"]:
            expect(table.locator("tbody tr", has_text=f"measured level: {level['label']}")).not_to_have_count(0)
        assert data["thresholds"], "Alice's default target has a level"
        for th in data["thresholds"]:
            expect(table.locator("tbody tr", has_text=th["label"])).to_have_count(1)
        ranked = page.locator("#candidates tbody tr").count()
        expect(table.locator("tbody tr", has_text="for the target")).to_have_count(ranked)
        expect(table.locator("tbody tr", has_text="current regimen: cyclogest 400 mg vaginal q12h")).to_have_count(1)
        assert not ISO_TIME.search(table.inner_text())

        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert sideways_overflow_px(page) == 0
        assert axe_violations(page) == []
        shot(page, f"balance-now-table-{viewport['width']}")
