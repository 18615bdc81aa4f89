"""One input row (text fields, as in a CSV) read by the single-result path.

`interpret_row` is the reference the batch path must equal: it parses the row's fields the way
`lutea interpret` parses its options (lutea.fields) and calls `lutea.interpret.interpret` once.
"""

from __future__ import annotations

from collections.abc import Mapping

from lutea.context import Context, make_context, resolve_treatment
from lutea.errors import InputError
from lutea.fields import parse_day, parse_gestational_days, parse_moment, parse_number
from lutea.interpret import Interpretation, interpret
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.measurement import Measurement

VALUE_COLUMNS: tuple[str, ...] = ("value", "unit", "specimen")
CONTEXT_COLUMNS: tuple[str, ...] = (
    "cycle_day", "cycle_length", "lmp", "sampled", "days_after_lh", "pregnant", "gestational_weeks",
    "symptoms", "postmenopausal", "sex", "protocol", "route", "dose_mg", "interval_h", "et_date",
    "embryo_age_days", "product", "assay",
)
COLUMNS: tuple[str, ...] = VALUE_COLUMNS + CONTEXT_COLUMNS
"""Every column the batch path reads; any other column is ignored (and reported)."""

DATE_COLUMNS: tuple[str, ...] = ("lmp", "et_date")
"""Calendar-day columns whose meaning is their distance from `sampled`."""

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")


def field_text(raw: object) -> str | None:
    """A field as text; None when missing or blank (an empty CSV cell means 'not given')."""
    if raw is None:
        return None
    text = str(raw)
    return text if text.strip() else None


def _flag(text: str | None, field: str) -> bool:
    if text is None:
        return False
    key = text.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise InputError(field, f"{text!r} is not true or false", ", ".join(_TRUE + _FALSE))


def interpret_row(fields: Mapping[str, object], kb: KnowledgeBase | None = None) -> Interpretation:
    """Interpret one row of text fields (missing or blank = not given); InputError for a bad row."""
    kb = kb or load_knowledge()
    return interpret(*row_inputs(fields, kb), kb)


def row_inputs(fields: Mapping[str, object], kb: KnowledgeBase) -> tuple[Measurement, Context]:
    """The Measurement and Context of one row of text fields; InputError for a bad row."""
    f = {name: field_text(fields.get(name)) for name in COLUMNS}
    if f["value"] is None:
        raise InputError("value", "missing", "a number with its unit")
    sex = (f["sex"] or "female").strip().lower()
    if sex not in ("female", "male"):
        raise InputError("sex", f"unknown sex {f['sex']!r}", "female, male")
    protocol = f["protocol"].strip().lower() if f["protocol"] else None
    if protocol not in (None, "hrt-fet", "natural-fet", "fresh"):
        raise InputError("protocol", f"unknown protocol {f['protocol']!r}", "hrt-fet, natural-fet, fresh")
    measurement = Measurement(value=parse_number(f["value"], "value"), unit=f["unit"] or "ng/mL",
                              specimen=f["specimen"] or "serum", assay=f["assay"],  # type: ignore[arg-type]
                              sampled_at=parse_moment(f["sampled"], "sampled"))
    treatment = resolve_treatment(f["product"], f["route"], parse_number(f["dose_mg"], "dose_mg"),
                                  parse_number(f["interval_h"], "interval_h"), None, kb=kb)
    weeks = f["gestational_weeks"]
    context = make_context(
        cycle_day=parse_number(f["cycle_day"], "cycle_day", integer=True),
        cycle_length_days=parse_number(f["cycle_length"], "cycle_length", integer=True),
        lmp=parse_day(f["lmp"], "lmp"),
        days_after_lh=parse_number(f["days_after_lh"], "days_after_lh", integer=True),
        pregnant=_flag(f["pregnant"], "pregnant"),
        gestational_weeks=None if weeks is None else parse_gestational_days(weeks, "gestational_weeks") / 7,
        postmenopausal=_flag(f["postmenopausal"], "postmenopausal"),
        sex=sex, protocol=protocol, et_date=parse_day(f["et_date"], "et_date"),
        embryo_age_days=parse_number(f["embryo_age_days"], "embryo_age_days", integer=True),
        treatment=treatment, symptoms=tuple(s for s in (f["symptoms"] or "").split(",") if s.strip()),
    )
    return measurement, context
