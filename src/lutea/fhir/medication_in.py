"""A progesterone MedicationRequest or MedicationStatement -> product, route, dose and a schedule in
lutea's regimen language (pure). Shared by the bundle import and the CDS order-sign hook."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lutea.errors import InputError
from lutea.fhir import codes
from lutea.fhir.bundle import Entry
from lutea.fhir.elements import (
    BundleIndex,
    codings,
    concept_text,
    parse_datetime,
    source_key,
)
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.safety import term_key

_PERIOD_H = {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0, "wk": 168.0, "mo": 730.0, "a": 8766.0}
_TIMING_CODES = {"QD": 24.0, "BID": 12.0, "TID": 8.0, "QID": 6.0, "QOD": 48.0, "Q4H": 4.0, "Q6H": 6.0,
                 "Q8H": 8.0, "Q12H": 12.0, "Q24H": 24.0, "AM": 24.0, "PM": 24.0}
_ROUTE_WORDS = {"oral": "oral", "mouth": "oral", "vagina": "vaginal", "vaginal": "vaginal", "intramuscular": "im",
                "subcutaneous": "sc", "rectal": "rectal", "rectum": "rectal", "transdermal": "transdermal",
                "topical": "transdermal", "intravenous": "iv", "intrauterine": "intrauterine"}


@dataclass(frozen=True)
class MedicationIn:
    """A progesterone order or statement: product (None: only the route is known), dose, schedule."""

    source_key: str
    label: str
    product: str | None
    route: str
    dose_mg: float
    interval_h: float | None
    schedule: str
    start: datetime
    stop: datetime | None
    acknowledge_off_label: bool
    text: str


def _product_of(text: str, coded: list[dict[str, Any]], kb: KnowledgeBase) -> str | None:
    products = kb.entries("products")
    ids = {p.id for p in products}
    for c in coded:
        if c.get("system") == codes.LUTEA_PRODUCTS and c.get("code") in ids:
            return c["code"]
    key = f"-{term_key(text)}-"
    best: tuple[int, str] | None = None
    for product in products:
        for name in (product.id, *product.names):
            name_key = term_key(name)
            if name_key and f"-{name_key}-" in key and (best is None or len(name_key) > best[0]):
                best = (len(name_key), product.id)
    return best[1] if best else None


def _route_of(dosage: dict[str, Any], text: str) -> str | None:
    route = dosage.get("route")
    for c in codings(route):
        if c.get("system") == codes.SNOMED and c.get("code") in codes.ROUTE_SNOMED:
            return codes.ROUTE_SNOMED[c["code"]]
    words = f"{concept_text(route)} {dosage.get('text') or ''} {text}".lower()
    for word, found in _ROUTE_WORDS.items():
        if re.search(rf"\b{word}", words):
            return found
    for short, found in (("im", "im"), ("sc", "sc"), ("po", "oral"), ("pv", "vaginal")):
        if re.search(rf"\b{short}\b", words):
            return found
    return None


def _dose_mg(dosage: dict[str, Any], where: str) -> float:
    for rate in dosage.get("doseAndRate") or []:
        quantity = rate.get("doseQuantity")
        if quantity and quantity.get("value") is not None:
            unit = str(quantity.get("code") or quantity.get("unit") or "").lower()
            factor = {"mg": 1.0, "g": 1000.0, "ug": 1e-3, "mcg": 1e-3}.get(unit)
            if factor is None:
                raise InputError(f"{where}.doseAndRate[0].doseQuantity.unit", f"{unit!r} is not a mass", "mg, g")
            dose = float(quantity["value"]) * factor
            if not dose > 0:
                raise InputError(f"{where}.doseAndRate[0].doseQuantity.value", f"{dose:g} mg is not a dose", "a dose above 0 mg")
            return dose
    raise InputError(f"{where}.doseAndRate", "no doseQuantity", "doseAndRate[0].doseQuantity in mg")


def _timing(dosage: dict[str, Any], where: str) -> tuple[float | None, bool, dict[str, Any]]:
    """(interval_h, at bedtime, repeat) of a Dosage.timing."""
    timing = dosage.get("timing") or {}
    repeat = timing.get("repeat") or {}
    if "HS" in (repeat.get("when") or []) or any(c.get("code") == "BED" for c in codings(timing.get("code"))):
        return 24.0, True, repeat
    if repeat.get("period") is not None:
        unit = repeat.get("periodUnit", "d")
        if unit not in _PERIOD_H:
            raise InputError(f"{where}.timing.repeat.periodUnit", f"unknown unit {unit!r}", list(_PERIOD_H))
        frequency = repeat.get("frequency") or 1
        return float(repeat["period"]) * _PERIOD_H[unit] / frequency, False, repeat
    for c in codings(timing.get("code")):
        if c.get("code") in _TIMING_CODES:
            return _TIMING_CODES[c["code"]], False, repeat
    return None, False, repeat


def _with_food(dosage: dict[str, Any]) -> bool:
    """Whether a Dosage says the dose is taken with food (additionalInstruction SNOMED 311504000)."""
    return any(c.get("system") == codes.SNOMED and c.get("code") == codes.SNOMED_WITH_FOOD
               for instruction in dosage.get("additionalInstruction") or [] for c in codings(instruction))


def _extension(resource: dict[str, Any], url: str) -> dict[str, Any] | None:
    return next((e for e in resource.get("extension") or [] if e.get("url") == url), None)


def medication_in(entry: Entry, bundle: BundleIndex | None, kb: KnowledgeBase | None = None,
                  default_start: datetime | None = None) -> MedicationIn | None:
    """A progesterone MedicationRequest or MedicationStatement, or None for any other medicine.
    `default_start` stands in for a draft order that gives no start time (CDS order-sign)."""
    kb = kb or load_knowledge()
    resource, label = entry.resource, entry.label
    concept = resource.get("medicationCodeableConcept")
    if concept is None and resource.get("medicationReference") and bundle is not None:
        target = bundle.resolve(resource["medicationReference"])
        concept = (target.resource.get("code") if target else None) or {"text": resource["medicationReference"].get("display")}
    elif concept is None:
        concept = {"text": (resource.get("medicationReference") or {}).get("display")}
    text = concept_text(concept)
    product = _product_of(text, codings(concept), kb)
    if product is None and "progesteron" not in text.lower():
        return None
    if bundle is not None:
        bundle.check_subject(entry, "subject")
    element = "dosageInstruction" if entry.type == "MedicationRequest" else "dosage"
    dosages = resource.get(element) or []
    if not dosages:
        raise InputError(f"{label} {element}", "no dosage", "a dosage with doseAndRate, route and timing")
    dosage = dosages[0]
    where = f"{label} {element}[0]"
    route = _route_of(dosage, text) or (kb.get("products", product).route if product else None)
    if route is None:
        raise InputError(f"{where}.route", "no route", list(codes.ROUTE_TO_SNOMED))
    dose_mg = _dose_mg(dosage, where)
    interval_h, bedtime, repeat = _timing(dosage, where)
    start_text = ((repeat.get("boundsPeriod") or {}).get("start") or (resource.get("effectivePeriod") or {}).get("start")
                  or resource.get("effectiveDateTime") or resource.get("authoredOn") or resource.get("dateAsserted"))
    if not start_text and default_start is not None:
        start_text = default_start.isoformat()
    if not start_text:
        raise InputError(f"{label} effective[x]", "no start time",
                         "timing.repeat.boundsPeriod.start, effectivePeriod.start or authoredOn")
    start = parse_datetime(start_text, f"{label} start")
    stop_text = (repeat.get("boundsPeriod") or {}).get("end") or (resource.get("effectivePeriod") or {}).get("end")
    stop = parse_datetime(stop_text, f"{label} end") if stop_text else None
    regimen = _extension(resource, codes.EXT_REGIMEN)
    if regimen and regimen.get("valueString"):
        schedule = regimen["valueString"]
    else:
        frequency = "at bedtime" if bedtime else (f"q{interval_h:g}h" if interval_h else "once")
        schedule = f"{dose_mg:g} mg {route} {frequency}"
        if _with_food(dosage):
            schedule += " with food"  # the regimen language refuses it where no food effect is known
        if repeat.get("count"):
            schedule += f" x {int(repeat['count'])} doses"
        elif repeat.get("boundsDuration"):
            bound = repeat["boundsDuration"]
            days = float(bound.get("value", 0)) * _PERIOD_H.get(bound.get("code") or bound.get("unit") or "d", 24.0) / 24.0
            schedule += f" x {days:g}d"
        elif stop is not None:
            schedule += f" until {stop.isoformat()}"
    off_label = _extension(resource, codes.EXT_OFF_LABEL)
    return MedicationIn(source_key(entry), label, product, route, dose_mg, interval_h, schedule, start, stop,
                        bool(off_label and off_label.get("valueBoolean")), text)
