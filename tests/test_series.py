"""Urine PdG series: the three-consecutive-days rule after the LH surge, and the CSV reader."""

from datetime import date, timedelta

import pytest

from lutea.errors import InputError
from lutea.series import PdgReading, interpret_series, parse_pdg_csv

LH = date(2026, 11, 10)


def series(values, lh_first=True):
    return [PdgReading(LH + timedelta(days=i), v, "ug/mL", (i == 0) if lh_first else None) for i, v in enumerate(values)]


def test_three_consecutive_days_at_5_confirm():
    # Ecochard 2013 / Leiva 2019: three consecutive days of PdG >= 5 ug/mL after the first positive LH test.
    result = interpret_series(series([1, 2, 5, 5.5, 6]))
    assert result.codes == ["ovulation.confirmed"]
    assert result.findings[0].detail["run"] == ["2026-11-12", "2026-11-13", "2026-11-14"]


def test_two_days_are_not_enough():
    assert interpret_series(series([1, 6, 6, 4, 6])).codes == ["ovulation.not_confirmed"]


def test_day_of_lh_surge_is_not_counted():
    # Counting starts the day after the first positive LH test.
    assert interpret_series(series([6, 6, 4.9, 3])).codes == ["ovulation.not_confirmed"]


def test_too_few_days_is_incomplete():
    assert interpret_series(series([1, 6])).codes == ["series.incomplete"]


def test_no_lh_surge():
    assert interpret_series(series([6, 6, 6, 6], lh_first=False)).codes == ["timing.no_lh_surge"]
    assert interpret_series(series([6, 6, 6, 6], lh_first=False), lh_peak_on=LH).codes == ["ovulation.confirmed"]


def test_duplicate_day_and_empty_series_are_errors():
    with pytest.raises(InputError, match="two readings"):
        interpret_series([PdgReading(LH, 1), PdgReading(LH, 2)])
    with pytest.raises(InputError):
        interpret_series([])


def test_csv_reader():
    readings = parse_pdg_csv("date,pdg,unit,lh\n2026-11-10,1.5,µg/mL,Positive\n2026-11-11,2,ug/mL,\n")
    assert readings[0] == PdgReading(date(2026, 11, 10), 1.5, "µg/mL", True)
    assert readings[1].lh_positive is None


@pytest.mark.parametrize("text,field", [
    ("day,pdg\n", "csv"),
    ("date,pdg\n2026-13-01,1\n", "csv line 2: date"),
    ("date,pdg\n2026-11-01,x\n", "csv line 2: pdg"),
    ("date,pdg,lh\n2026-11-01,1,maybe\n", "csv line 2: lh"),
    ("date,pdg,unit\n2026-11-01,1,nmol/L\n", "unit on 2026-11-01"),
])
def test_csv_errors_name_the_line(text, field):
    with pytest.raises(InputError) as info:
        parse_pdg_csv(text)
    assert info.value.field == field
