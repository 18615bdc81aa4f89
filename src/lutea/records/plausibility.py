"""Plausibility rules the API applies before storing (docs/api.md): impossible values get 422.

- a level above the knowledge base's `implausible_high` threshold for its specimen (serum,
  saliva, urine PdG; thresholds.yaml); plasma, which has none, above LUTEA_MAX_SERUM_NG_ML;
- a sample, symptom or dose dated in the future (beyond LUTEA_FUTURE_TOLERANCE_MIN minutes);
- anything dated before the patient's birth date; a birth date after any of her records;
- a product the knowledge base does not know, or a route it is not given by;
- a schedule the regimen language cannot read, or whose route differs from the treatment's;
- a dose of one administration that is not a dose of the schedule;
- a daily dose over the product's labelled maximum (lutea.safety.labelled_max_daily_mg),
  unless the request acknowledges the off-label dose (acknowledge_off_label: true).
The limits of form (finite numbers, ISO times from 1900, strict text) are lutea.records.inputs'.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lutea.config import Settings
from lutea.errors import InputError
from lutea.knowledge import load_knowledge
from lutea.pk.regimen import parse_regimen
from lutea.safety import labelled_max_daily_mg
from lutea.units import Specimen, to_canonical

DAY = timedelta(hours=24)


def plausible_limit(specimen: Specimen, settings: Settings) -> float | None:
    """The highest plausible value in the specimen's canonical unit (None: no limit): the
    knowledge base's implausible_high threshold for the specimen, else for plasma the setting."""
    for threshold in load_knowledge().entries("thresholds"):
        if threshold.kind == "implausible_high" and threshold.specimen == specimen.value and threshold.default:
            return float(to_canonical(threshold.value, threshold.unit, specimen))
    if specimen in (Specimen.SERUM, Specimen.PLASMA):
        return settings.max_serum_ng_ml
    return None


def check_level(value_canonical: float, canonical_unit: str, specimen: Specimen, settings: Settings) -> None:
    limit = plausible_limit(specimen, settings)
    if limit is not None and value_canonical > limit:
        raise InputError(
            "value",
            f"{value_canonical:g} {canonical_unit} is above the plausible limit of {limit:g} {canonical_unit} "
            f"for {specimen.value} {'PdG' if specimen is Specimen.URINE else 'progesterone'} (check the unit and the decimal point)",
            f"a value up to {limit:g} {canonical_unit}",
        )


def check_not_future(moment: datetime, field: str, settings: Settings) -> None:
    latest = datetime.now(UTC) + timedelta(minutes=settings.future_tolerance_min)
    if moment > latest:
        raise InputError(field, f"{moment.isoformat()} is in the future", "a time up to now")


def resolve_product(name: str) -> Any:
    """A knowledge-base product by id or by one of its names (case-insensitive)."""
    wanted = name.strip().lower()
    products = load_knowledge().entries("products")
    for product in products:
        if product.id == wanted or wanted in (n.lower() for n in product.names):
            return product
    raise InputError("product", f"unknown product {name!r}", [p.id for p in products])


def _regimen(schedule: str, start: datetime) -> Any:
    try:
        return parse_regimen(schedule, default_start=start)
    except InputError as exc:
        raise InputError("schedule", exc.problem, exc.accepted) from None


def daily_dose_mg(schedule: str, start: datetime) -> float:
    """The most the schedule gives in any 24 hours starting at one of its doses (mg)."""
    try:
        events = _regimen(schedule, start).dose_events(start, start + 30 * DAY)
    except InputError as exc:
        raise InputError("schedule", exc.problem, exc.accepted) from None
    if not events:
        raise InputError("schedule", "gives no dose within 30 days of the start", "a schedule that starts at 'start'")
    return max(sum(e.dose_mg for e in events if first.time <= e.time < first.time + DAY) for first in events)


def check_treatment(fields: dict[str, Any]) -> dict[str, Any]:
    """The treatment's fields with the product id, after the product, route, schedule and dose checks."""
    product = resolve_product(fields["product"])
    route = fields["route"]
    routes = [product.route, *product.routes]
    if route not in routes:
        raise InputError("route", f"{product.id} is not given by the {route} route", routes)
    schedule_routes = {part.route for part in _regimen(fields["schedule"], fields["start"]).parts}
    if schedule_routes - {route}:
        raise InputError("schedule", f"names the route(s) {sorted(schedule_routes)} but the treatment is {route}", route)
    daily = daily_dose_mg(fields["schedule"], fields["start"])
    check_daily_dose(product.id, route, daily, "schedule", fields.get("acknowledge_off_label", False))
    check_dose_of_schedule(fields["dose_mg"], fields["schedule"], fields["start"])
    return {**fields, "product": product.id}


def check_dose_of_schedule(dose_mg: float, schedule: str, start: datetime) -> None:
    """The dose of one administration is one of the doses the schedule gives (a taper may give several)."""
    doses = sorted({round(e.dose_mg, 6) for e in _regimen(schedule, start).dose_events(start, start + 30 * DAY)})
    if not any(math.isclose(dose_mg, d, rel_tol=1e-9, abs_tol=1e-9) for d in doses):
        shown = ", ".join(f"{d:g} mg" for d in doses)
        raise InputError("dose_mg", f"{dose_mg:g} mg is not a dose of the schedule {schedule[:80]!r} ({shown} each time)",
                         f"the dose of one administration: {shown}")


def check_not_before_birth(moment: date | datetime, field: str, birth_date: date | None) -> None:
    """Nothing in a record is dated before the patient was born (a time is compared by its UTC day)."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    if birth_date is not None and day < birth_date:
        raise InputError(field, f"{day.isoformat()} is before the patient's birth date {birth_date.isoformat()}",
                         "a date on or after her birth date")


def check_daily_dose(product_id: str, route: str, daily_mg: float, field: str, acknowledged: bool) -> None:
    limit, _sources = labelled_max_daily_mg(product_id, route)
    if limit is not None and daily_mg > limit and not acknowledged:
        raise InputError(
            field,
            f"{daily_mg:g} mg a day is more than the labelled maximum of {limit:g} mg a day for {product_id} ({route})",
            f"at most {limit:g} mg a day, or acknowledge_off_label: true to record an off-label dose",
        )
