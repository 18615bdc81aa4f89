"""The web app's pieces without a browser: form fields to the API's schema, the builder's regimen
line, reference bands in ng/mL, and the PDF report."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lutea.errors import InputError
from lutea.records.inputs import MAX_ID
from lutea.web.chart import NMOL_PER_NG, reference_band
from lutea.web.pages_patient import zoom_episode
from lutea.web.pages_simulate import DEFAULTS, regimen_text, simulation
from lutea.web.records import form_fields
from lutea.web.session import PageError
from lutea.web.templating import times_in_words


def test_datetime_local_gets_the_browsers_offset() -> None:
    # JavaScript's getTimezoneOffset() is UTC minus local: -60 in UTC+01:00
    fields = form_fields("measurements", {"value": "7", "unit": "ng/mL", "specimen": "serum",
                                          "sampled_at": "2026-03-05T09:00", "tz_offset_min": "-60", "laboratory": ""})
    assert fields["sampled_at"] == "2026-03-05T09:00:00+01:00"
    assert "laboratory" not in fields  # blanks are left to the schema's defaults


def test_checkbox_is_a_boolean() -> None:
    assert form_fields("treatments", {"acknowledge_off_label": "on"})["acknowledge_off_label"] is True
    assert form_fields("treatments", {})["acknowledge_off_label"] is False


def test_builder_makes_a_regimen_line_the_core_reads() -> None:
    params = {**DEFAULTS, "dose_mg": "200", "interval_h": "8", "days": "3"}
    assert regimen_text(params) == "200 mg vaginal q8h x 3d"  # route only by default: micronised capsules
    assert regimen_text({**params, "product": "cyclogest"}) == "cyclogest 200 mg vaginal q8h x 3d"
    result = simulation(params)
    assert result["doses"] == 9  # q8h for 3 days
    assert len(result["median"]) == 3 * 24 + 1
    assert 0.0 <= result["fraction_below"] <= 1.0
    with pytest.raises(InputError) as refused:
        regimen_text({**params, "dose_mg": "lots"})
    assert refused.value.field == "dose_mg"


def test_reference_band_is_converted_to_ng_ml() -> None:
    measurement = SimpleNamespace(specimen="serum", sampled_at=datetime(2026, 3, 5, 9, tzinfo=UTC))
    band = reference_band(measurement, {"low": 30.0, "high": 60.0, "unit": "nmol/L", "specimen": "serum",
                                        "label": "mid-luteal"})
    assert band is not None
    # 1 ng/mL = 3.180 nmol/L (lutea.units; molar mass of progesterone 314.46 g/mol)
    assert band["low"] == pytest.approx(30.0 / 3.18, rel=1e-3)
    assert band["high"] == pytest.approx(60.0 / 3.18, rel=1e-3)
    assert NMOL_PER_NG == pytest.approx(3.18, rel=1e-3)
    assert reference_band(measurement, None) is None


@given(st.text(max_size=30))
def test_the_zoom_parameter_is_an_episode_id_or_a_422(text: str) -> None:
    try:
        episode = zoom_episode(text)
    except PageError as exc:
        assert exc.status_code == 422 and "episode must be the number of one of her episodes" in exc.message
    else:
        assert episode is None if text == "" else (episode == int(text) and 1 <= episode <= MAX_ID)


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)),
       st.sampled_from(["at least 8.8 ng/mL from {} to later", "{}", "q12h from {}"]))
def test_times_in_words_shows_every_iso_time_as_the_pages_do(moment: datetime, sentence: str) -> None:
    shown = times_in_words(sentence.format(moment.isoformat()))
    assert shown == sentence.format(moment.strftime("%Y-%m-%d %H:%M UTC"))
    assert "T" not in shown.replace("UTC", "")  # no ISO separator left


def test_times_in_words_reads_offsets_as_utc_and_leaves_other_text() -> None:
    assert times_in_words("at 2026-12-10T06:30:00+01:00") == "at 2026-12-10 05:30 UTC"
    assert times_in_words("no time here, 2026-12-10 only") == "no time here, 2026-12-10 only"
