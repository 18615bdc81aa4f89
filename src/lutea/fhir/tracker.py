"""Daily readings exported by fertility trackers (CSV) -> lutea's urine PdG series (pure).

Column mappings (FORMATS) are ASSUMED from the apps' on-screen names, not from published export
specifications (none was found): check a real export against docs/fhir.md before relying on it.
`generic` is lutea's own documented format. The PdG series goes to lutea.series.interpret_series;
LH sets the LH peak (the first positive strip, or the day of the highest numeric LH).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lutea.errors import InputError, ProblemsError
from lutea.series import PdgReading, SeriesInterpretation, interpret_series
from lutea.units import Specimen, to_canonical

# format -> lutea field -> accepted header spellings (case-insensitive, spaces and units ignored)
FORMATS: dict[str, dict[str, tuple[str, ...]]] = {
    "generic": {"date": ("date",), "lh": ("lh",), "pdg": ("pdg", "pdg_ug_ml"), "pdg_unit": ("pdg_unit", "unit"),
                "e3g": ("e3g", "e3g_ng_ml"), "bbt_c": ("bbt_c", "bbt"), "bbt_f": ("bbt_f",), "symptoms": ("symptoms",)},
    "mira": {"date": ("date",), "lh": ("lh", "lh (miu/ml)"), "pdg": ("pdg", "pdg (ug/ml)", "pdg (µg/ml)"),
             "e3g": ("e3g", "e3g (ng/ml)"), "bbt_c": ("bbt", "temperature"), "symptoms": ("notes", "symptoms")},
    "inito": {"date": ("date", "test date"), "lh": ("lh", "lh (miu/ml)"), "pdg": ("pdg", "pdg (ug/ml)", "pdg (µg/ml)"),
              "e3g": ("e3g", "e3g (ng/ml)"), "bbt_c": ("bbt",), "symptoms": ("symptoms",)},
    "drip": {"date": ("date",), "bbt_c": ("temperature.value", "temperature"), "symptoms": ("note.value", "note")},
}
_POSITIVE = {"positive", "pos", "yes", "y", "+", "peak", "high", "true", "1"}
_NEGATIVE = {"negative", "neg", "no", "n", "-", "low", "false", "0", ""}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y")


class TrackerError(ProblemsError):
    """Rows of a tracker file that could not be read; `problems` names each line and column."""

    def __init__(self, problems: list[str]):
        super().__init__("tracker", problems, "see docs/fhir.md, tracker formats")


@dataclass(frozen=True)
class TrackerDay:
    """One day of tracker readings: PdG ug/mL, LH (result or mIU/mL), E3G ng/mL, BBT in degrees C, symptoms."""

    line: int
    on: date
    pdg_ug_ml: float | None = None
    lh_positive: bool | None = None
    lh_miu_ml: float | None = None
    e3g_ng_ml: float | None = None
    bbt_c: float | None = None
    symptoms: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "date": self.on.isoformat(), "pdg_ug_ml": self.pdg_ug_ml, "lh_positive": self.lh_positive,
                "lh_miu_ml": self.lh_miu_ml, "e3g_ng_ml": self.e3g_ng_ml, "bbt_c": self.bbt_c, "symptoms": list(self.symptoms)}


@dataclass
class TrackerSeries:
    format: str
    days: list[TrackerDay] = field(default_factory=list)
    lh_peak_on: date | None = None
    ignored_columns: list[str] = field(default_factory=list)


def _key(header: str) -> str:
    return re.sub(r"\s+", " ", header.strip().lower().replace("μ", "µ"))


def _date(text: str, where: str) -> date:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip()[:10], fmt).date()
        except ValueError:
            continue
    raise InputError(where, f"{text!r} is not a date", "YYYY-MM-DD (also DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY)")


def _number(text: str, where: str) -> float | None:
    cleaned = text.strip().replace(",", ".")
    if cleaned == "":
        return None
    try:
        value = float(re.sub(r"[^\d.eE+-]", "", cleaned) if re.match(r"^[<>]?\s*[\d.]", cleaned) else cleaned)
    except ValueError:
        raise InputError(where, f"{text!r} is not a number", "a number, or empty") from None
    if value < 0:
        raise InputError(where, f"{text!r} is negative", "a number >= 0")
    return value


def _lh(text: str, where: str) -> tuple[bool | None, float | None]:
    word = text.strip().lower()
    if word in _POSITIVE:
        return True, None
    if word in _NEGATIVE:
        return (False if word else None), None
    return None, _number(text, where)


def parse_tracker_csv(text: str, fmt: str, source: str = "csv") -> TrackerSeries:
    """Read a tracker export; TrackerError lists every bad row by line number and column."""
    if fmt not in FORMATS:
        raise InputError("format", f"unknown tracker format {fmt!r}", list(FORMATS))
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {_key(h): h for h in reader.fieldnames or [] if h}
    columns: dict[str, str] = {}
    for name, spellings in FORMATS[fmt].items():
        found = next((headers[_key(s)] for s in spellings if _key(s) in headers), None)
        if found:
            columns[name] = found
    if "date" not in columns:
        raise InputError(f"{source} header", f"no date column for format {fmt}", f"one of {FORMATS[fmt]['date']}")
    series = TrackerSeries(fmt, ignored_columns=sorted(set(headers.values()) - set(columns.values())))
    problems: list[str] = []
    seen: dict[date, int] = {}
    for line, row in enumerate(reader, start=2):
        cell = {name: (row.get(column) or "").strip() for name, column in columns.items()}
        where = f"{source} line {line}"
        try:
            on = _date(cell["date"], f"{where}: {columns['date']}")
            if on in seen:
                raise InputError(f"{where}: {columns['date']}", f"{on} also on line {seen[on]}", "one row a day")
            seen[on] = line
            pdg = _number(cell.get("pdg", ""), f"{where}: {columns.get('pdg')}")
            if pdg is not None:
                unit = cell.get("pdg_unit") or "ug/mL"
                pdg = to_canonical(pdg, unit, Specimen.URINE, field=f"{where}: {columns.get('pdg')}",
                                   unit_field=f"{where}: {columns.get('pdg_unit')}")
            lh_positive, lh_value = _lh(cell.get("lh", ""), f"{where}: {columns.get('lh')}")
            bbt = _number(cell.get("bbt_c", ""), f"{where}: {columns.get('bbt_c')}")
            bbt_f = _number(cell.get("bbt_f", ""), f"{where}: {columns.get('bbt_f')}")
            if bbt is None and bbt_f is not None:
                bbt = round((bbt_f - 32) * 5 / 9, 2)
            if bbt is not None and not 34.0 <= bbt <= 42.0:
                raise InputError(f"{where}: {columns.get('bbt_c') or columns.get('bbt_f')}",
                                 f"{bbt:g} °C is not a body temperature", "degrees C between 34 and 42 (bbt_f for °F)")
            symptoms = tuple(s.strip() for s in re.split(r"[;|]", cell.get("symptoms", "")) if s.strip())
            series.days.append(TrackerDay(line, on, pdg, lh_positive, lh_value,
                                          _number(cell.get("e3g", ""), f"{where}: {columns.get('e3g')}"), bbt, symptoms))
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise TrackerError(problems)
    series.days.sort(key=lambda d: d.on)
    series.lh_peak_on = lh_peak(series.days)
    return series


def lh_peak(days: list[TrackerDay]) -> date | None:
    """The first positive LH strip, else the day of the highest numeric LH reading (None without LH)."""
    positive = [d.on for d in days if d.lh_positive]
    if positive:
        return positive[0]
    numeric = [d for d in days if d.lh_miu_ml is not None]
    return max(numeric, key=lambda d: d.lh_miu_ml).on if numeric else None  # type: ignore[arg-type,return-value]


def pdg_readings(series: TrackerSeries) -> list[PdgReading]:
    return [PdgReading(d.on, d.pdg_ug_ml, "ug/mL", d.lh_positive) for d in series.days if d.pdg_ug_ml is not None]


def interpret_tracker(series: TrackerSeries) -> SeriesInterpretation:
    """The PdG ovulation-confirmation rule on the series (InputError when it has no PdG readings)."""
    readings = pdg_readings(series)
    if not readings:
        raise InputError("pdg", f"the {series.format} file has no PdG readings", "a PdG column (ug/mL)")
    return interpret_series(readings, lh_peak_on=series.lh_peak_on)
