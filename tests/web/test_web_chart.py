"""The record's chart: a legend entry for every mark (each colour of result dot), the cut-off of her
context with its label, a 'now' line, no toolbar tab stops; results dated long before the rest stay
out of the axis; her own (endogenous) level under the curve in pregnancy; zoom to an episode; and a
table of the same data for screen readers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect
from web_helpers import (
    PASSWORD,
    add_serum_result,
    axe_violations,
    login,
    remove_result,
    shot,
)

from lutea.cutoffs import transfer_day_cutoff
from lutea.units import Specimen, to_canonical
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


@pytest.fixture(scope="module")
def carla(world) -> SimpleNamespace:
    """A third patient, seven weeks pregnant (dated by her last period), on vaginal progesterone
    entered without its episode, with one result; her own clinician and account."""
    from lutea.records.service import interpret_and_flag
    from lutea.store import crud, make_engine, make_sessionmaker, models

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    engine = make_engine(world.database_url)
    with make_sessionmaker(engine).begin() as s:
        patient = crud.add(s, models.Patient(display_name="Carla Web"))
        doctor = crud.create_user(s, "third.doctor@web.test", PASSWORD, "clinician")
        crud.create_user(s, "carla@web.test", PASSWORD, "patient", patient.id)
        crud.assign(s, doctor, patient.id)
        lmp = (now - timedelta(days=50)).date()
        cycle = crud.add(s, models.Episode(patient_id=patient.id, kind="menstrual-cycle", start_date=lmp - timedelta(days=30),
                                           end_date=lmp - timedelta(days=1), lmp_date=lmp - timedelta(days=30),
                                           cycle_length_days=30))
        pregnancy = crud.add(s, models.Episode(patient_id=patient.id, kind="pregnancy", start_date=lmp, lmp_date=lmp))
        crud.add(s, models.Treatment(patient_id=patient.id, product="cyclogest", route="vaginal", dose_mg=400,
                                     schedule="400 mg vaginal q12h", start=now - timedelta(days=5)))
        result = crud.add(s, models.Measurement(
            patient_id=patient.id, episode_id=pregnancy.id, specimen="serum", analyte="progesterone", value=80.0,
            unit="nmol/L", value_canonical=to_canonical(80.0, "nmol/L", Specimen.SERUM), unit_canonical="ng/mL",
            assay="lcms", sampled_at=now - timedelta(days=1)))
        interpret_and_flag(s, result)
        ids = SimpleNamespace(patient_id=patient.id, cycle_id=cycle.id, pregnancy_id=pregnancy.id,
                              cycle_end=cycle.end_date, clinician="third.doctor@web.test", patient="carla@web.test")
    engine.dispose()
    return ids


def _chart(page: Page) -> dict:
    return page.evaluate("JSON.parse(document.getElementById('chart-data').textContent)")


def test_in_pregnancy_the_curve_stands_on_her_own_level(page: Page, world, carla) -> None:
    # ku2021 (baseline_levels.yaml): median 57.5 nmol/L (18.08 ng/mL) at 5 weeks of pregnancy, 80.8 at
    # 13 weeks: at 7 weeks her own level is about 20 ng/mL, and the curve no longer starts at 0
    login(page, carla.clinician)
    page.goto(f"/patients/{carla.patient_id}")
    curve = _chart(page)["curve"]
    own = curve["endogenous"]
    assert own["context"] == "pregnancy" and "ku2021" in own["sources"]
    assert 18.08 <= own["median_ng_ml"][0] / own["scale"] <= 25.41
    assert curve["median"][0] >= 0.9 * own["median_ng_ml"][0] > 5
    legend = _legend(page)
    assert any(name.startswith("her own (endogenous) level: pregnancy") for name in legend), legend
    expect(page.locator("#chart-key")).to_contain_text("over her own level")
    # a legend entry for every mark, the doses in their strip above the plot, the axis from the data
    for name in ("doses", "reference interval of the result", curve["label"], "individualised prediction, 90% band"):
        assert name in legend, (name, legend)
    assert any(name.startswith("result: ") for name in legend)
    page.wait_for_function("document.getElementById('chart').layout !== undefined")
    doses_axis = page.evaluate("document.getElementById('chart').data.find(t => t.name === 'doses').yaxis")
    assert doses_axis == "y2"
    top = page.evaluate("document.getElementById('chart').layout.yaxis.range[1]")
    data_top = max(curve["median"] + [p["ng_ml"] for p in _chart(page)["measurements"]])
    assert data_top <= top <= 1.25 * data_top < max(curve["high"])  # the 90% band does not set the axis
    shot(page, "chart-pregnancy-endogenous")
    response = page.goto(f"/patients/{carla.patient_id}/balance")  # the balance reads the same episode
    assert response is not None and response.status == 200
    expect(page.locator("main")).to_contain_text("pregnancy")
    expect(page.locator("main")).not_to_contain_text("belongs to no episode")
    page.wait_for_function("document.getElementById('balance-chart').data !== undefined")
    names = page.evaluate("document.getElementById('balance-chart').data.map(t => t.name)")
    assert "her own (endogenous) level, scaled to her results" in names, names
    first = page.evaluate("document.getElementById('balance-chart').data.find(t => t.name === 'individualised').y[0]")
    assert first > 5  # the fitted curve stands on her own level from its first hour
    shot(page, "balance-pregnancy")

    page.context.clear_cookies()
    login(page, carla.patient)
    assert "your body's own progesterone" in _legend(page)
    expect(page.locator("#chart-key")).to_contain_text("your body's own progesterone")


def test_the_chart_zooms_to_an_episode_by_keyboard_and_without_script(page: Page, world, carla) -> None:
    login(page, carla.clinician)
    page.goto(f"/patients/{carla.patient_id}")
    zoom = page.get_by_role("navigation", name="Time span of the chart")
    expect(zoom.get_by_role("link", name="the whole record")).to_have_attribute("aria-current", "true")
    link = zoom.locator(f"a[data-episode='{carla.cycle_id}']")
    expect(link).to_contain_text("menstrual cycle")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**?episode={carla.cycle_id}#chart-title")
    expect(page.locator(f"nav.zoom a[data-episode='{carla.cycle_id}']")).to_have_attribute("aria-current", "true")
    window = _chart(page)["window"]
    assert window["to"].startswith(str(carla.cycle_end + timedelta(days=1)))
    page.wait_for_function("document.getElementById('chart').layout !== undefined")
    shown = page.evaluate("document.getElementById('chart').layout.xaxis.range")
    assert [shown[0][:10], shown[1][:10]] == [window["from"][:10], window["to"][:10]]
    # the table alternative shows the same span: her result and treatment came after this cycle
    page.locator("#chart-table-box summary").click()
    expect(page.locator("#chart-table tbody")).to_have_text("Nothing to show.")
    shot(page, "chart-zoomed-to-cycle")

    # every tab stop of the chart's section has a name (no toolbar, no unnamed plot parts)
    unnamed = page.evaluate("""Array.from(document.querySelector('section[aria-labelledby=chart-title]')
        .querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])"))
        .filter(el => !(el.getAttribute('aria-label') || el.textContent.trim() || (el.labels && el.labels.length)))
        .map(el => el.outerHTML.slice(0, 80))""")
    assert unnamed == []
    assert axe_violations(page) == []

    for query, status in (("abc", 422), ("99999", 404), ("1e3", 422)):
        response = page.goto(f"/patients/{carla.patient_id}?episode={query}")
        assert response is not None and response.status == status
    without_js = page.context.browser.new_context(base_url=world.base_url, java_script_enabled=False)
    try:  # the zoom and the table are plain HTML: they work with scripts off
        plain = without_js.new_page()
        login(plain, carla.clinician)
        plain.goto(f"/patients/{carla.patient_id}?episode={carla.pregnancy_id}")
        rows = plain.locator("#chart-table tbody tr")
        assert rows.count() > 3
        expect(plain.locator("#chart-table")).to_contain_text("80 nmol/L")
    finally:
        without_js.close()


def test_the_chart_has_a_table_for_screen_readers(page: Page, world, carla) -> None:
    login(page, carla.patient)
    page.goto(f"/patients/{carla.patient_id}")
    summary = page.locator("#chart-table-box summary")
    expect(summary).to_contain_text("Your chart as a table")
    summary.focus()
    page.keyboard.press("Enter")  # a disclosure opened by keyboard
    table = page.get_by_role("table", name="Your chart's data")
    expect(table).to_be_visible()
    expect(table.locator("th")).to_have_text(["When (UTC)", "What", "ng/mL", "nmol/L",
                                              "Where 9 in 10 levels are expected (ng/mL)",
                                              "Your body's own progesterone (ng/mL)"])
    data = _chart(page)
    text = table.inner_text()
    for p in data["measurements"]:
        assert p["label"] in text
    assert "the level expected from your treatment" in text
    own = table.locator("tbody tr", has_text="the level expected from your treatment").first.locator("td").nth(5)
    assert float(own.inner_text()) == pytest.approx(data["curve"]["endogenous"]["median_ng_ml"][0], rel=0.01)
    assert not re.search(r"\d\s*mg\b", text), re.findall(r".{40}\d\s*mg\b", text)  # no dose amounts
    assert axe_violations(page) == []
    shot(page, "chart-table-patient")
