"""The record's chart: a legend entry for every mark (each colour of result dot), the cut-off of her
context with its label, a 'now' line, no toolbar tab stops; results dated long before the rest stay
out of the axis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from playwright.sync_api import Page, expect
from web_helpers import add_serum_result, login, remove_result, shot

from lutea.cutoffs import transfer_day_cutoff
from lutea.web.chart import chart_data

FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])"


def _legend(page: Page) -> list[str]:
    page.wait_for_function("document.getElementById('chart').dataset.legend !== undefined")
    return (page.locator("#chart").get_attribute("data-legend") or "").split("|")


def test_the_chart_labels_every_mark_and_has_no_tab_stops(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto(f"/patients/{world.patient_id}")
    # a second colour of dot: a result before her treatment and with no episode (no caveat of a route)
    add_serum_result(page, "15", (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"), episode_index=None)
    page.wait_for_url("**?added=measurements*")
    severities = page.evaluate("Array.from(new Set(JSON.parse(document.getElementById('chart-data').textContent)"
                               ".measurements.map(p => p.severity)))")
    legend = _legend(page)
    dots = [name for name in legend if name.startswith("result: ")]
    assert len(severities) >= 2 and len(dots) == len(severities), (severities, legend)
    cutoff = transfer_day_cutoff("hrt-fet", "vaginal")
    assert any(name.startswith(f"transfer-day cut-off {cutoff.value:g}") for name in legend), legend
    expect(page.locator("#chart .legendtext", has_text="transfer-day cut-off")).to_have_count(1)
    expect(page.locator("#chart .annotation-text", has_text="now")).to_have_count(1)
    assert "reference band (top)" not in legend
    assert page.locator(f"#chart {FOCUSABLE.replace(', ', ', #chart ')}").count() == 0  # no toolbar
    expect(page.locator("#chart .modebar")).to_have_count(0)
    shot(page, "chart-legend")

    remove_result(page, world.patient_id, "15 ng/mL")


def test_a_result_dated_1900_stays_off_the_chart_axis() -> None:
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)

    def result(i: int, when: datetime) -> SimpleNamespace:
        return SimpleNamespace(id=i, specimen="serum", sampled_at=when, value=10.0, unit="ng/mL", value_canonical=10.0,
                               assay="lcms")

    data = chart_data([result(1, now - timedelta(days=1)), result(2, datetime(1900, 12, 6, 9, tzinfo=UTC))], {}, [],
                      None, now, show_doses_mg=True)
    assert [p["t"][:4] for p in data["measurements"]] == ["2026"]
    assert data["left_out"] == 1
    assert data["now"].startswith("2026-12-07")
