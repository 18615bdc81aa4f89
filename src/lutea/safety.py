"""Safety screening of a progesterone product or route at a dose: red flags, label
contraindications, CYP3A4 interactions, doses above the labelled maximum, label boxed warnings,
expected side effects.

One function, `screen`, serves pathway plans and any recorded treatment. Every fact comes
from the knowledge base (contraindications, interactions, side_effects, products).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from lutea.errors import InputError
from lutea.findings import Finding, Severity, ordered
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.triage import triage

_DAY = timedelta(hours=24)

Role = Literal["patient", "clinician"]
ROLES: tuple[str, ...] = ("patient", "clinician")


def term_key(term: str) -> str:
    """Normalised spelling of a free-text term: lower case, apostrophes dropped, hyphens between words."""
    text = str(term).lower().replace("'", "").replace("\u2019", "")
    return re.sub(r"[^a-z0-9/]+", "-", text).strip("-")


def finding_json(finding: Finding, role: Role) -> dict[str, Any]:
    """A finding as JSON for a role: patients get the plain message and no structured detail."""
    if role == "patient":
        out: dict[str, Any] = {"code": finding.code, "severity": finding.severity.value,
                               "message": finding.patient_message, "sources": list(finding.sources)}
        if finding.claims:
            out["claims"] = list(finding.claims)
        return out
    return finding.to_json()


@dataclass(frozen=True)
class ContraindicationHit:
    """A label contraindication that applies, and to which products."""

    id: str
    name: str
    kind: str
    products: tuple[str, ...]
    matched: tuple[str, ...]
    message: str
    patient_message: str
    sources: tuple[str, ...]

    def to_json(self, role: Role = "clinician") -> dict[str, Any]:
        if role == "patient":
            return {"name": self.name, "kind": self.kind, "message": self.patient_message,
                    "sources": list(self.sources)}
        return {"id": self.id, "name": self.name, "kind": self.kind, "products": list(self.products),
                "matched": list(self.matched), "message": self.message, "sources": list(self.sources)}


@dataclass(frozen=True)
class InteractionHit:
    """A medicine that changes progesterone exposure (or whose exposure progesterone changes)."""

    id: str
    drug: str
    matched: str
    mechanism: str
    effect: str
    advice: str
    patient_message: str
    sources: tuple[str, ...]

    def to_json(self, role: Role = "clinician") -> dict[str, Any]:
        if role == "patient":
            return {"drug": self.drug, "message": self.patient_message, "sources": list(self.sources)}
        return {"id": self.id, "drug": self.drug, "matched": self.matched, "mechanism": self.mechanism,
                "effect": self.effect, "advice": self.advice, "sources": list(self.sources)}


@dataclass(frozen=True)
class SafetyReport:
    """What the screen found: red flags first in `findings`, then advice and information."""

    products: tuple[str, ...]
    route: str | None
    daily_dose_mg: float | None
    contraindications: tuple[ContraindicationHit, ...]
    interactions: tuple[InteractionHit, ...]
    findings: tuple[Finding, ...]
    knowledge_version: str
    unscreened: tuple[str, ...] = field(default=())

    @property
    def blocked_products(self) -> frozenset[str]:
        """Products that an absolute contraindication rules out."""
        return frozenset(p for hit in self.contraindications if hit.kind == "absolute" for p in hit.products)

    @property
    def sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in (*self.contraindications, *self.interactions, *self.findings):
            for source in item.sources:
                seen.setdefault(source, None)
        return tuple(seen)

    def to_json(self, role: Role = "clinician") -> dict[str, Any]:
        out: dict[str, Any] = {
            "products": list(self.products),
            "route": self.route,
            "contraindications": [c.to_json(role) for c in self.contraindications],
            "interactions": [i.to_json(role) for i in self.interactions],
            "findings": [finding_json(f, role) for f in self.findings],
            "sources": list(self.sources),
            "knowledge_version": self.knowledge_version,
            "role": role,
        }
        if role == "clinician":
            out["daily_dose_mg"] = self.daily_dose_mg
            out["unscreened"] = list(self.unscreened)
        return out


def resolve(product_or_route: str, kb: KnowledgeBase | None = None) -> tuple[tuple[str, ...], str | None]:
    """Product ids and route named by a product id, product name or route (InputError if neither)."""
    kb = kb or load_knowledge()
    key = term_key(product_or_route)
    products = kb.entries("products")
    for product in products:
        if key in {term_key(product.id), *(term_key(n) for n in product.names)}:
            return (product.id,), None
    routes = sorted({p.route for p in products} | {r for p in products for r in p.routes})
    if key in routes:  # a route alone means progesterone by that route (a progestogen is named by its product)
        on_route = [p for p in products if key == p.route or key in p.routes]
        progesterone = [p for p in on_route if p.substance == "progesterone"]
        return tuple(p.id for p in progesterone or on_route), key
    accepted = [p.id for p in products] + routes
    raise InputError("product", f"unknown product or route {product_or_route!r}", accepted)


def contraindications_for(
    allergies: Iterable[str], conditions: Iterable[str], products: Sequence[str] | None = None,
    kb: KnowledgeBase | None = None,
) -> tuple[list[ContraindicationHit], list[str]]:
    """Contraindications matching these allergies and conditions (for `products`, or any product),
    and the terms the knowledge base does not know (so they were not screened)."""
    kb = kb or load_knowledge()
    all_products = [p.id for p in kb.entries("products")]
    substance = {p.id: p.substance for p in kb.entries("products")}
    scope = list(products) if products is not None else all_products
    terms = [(t, term_key(t), kind) for kind, items in (("allergy", allergies), ("condition", conditions))
             for t in items if str(t).strip()]
    known: set[tuple[str, str]] = set()
    hits: list[ContraindicationHit] = []
    for entry in kb.entries("contraindications"):
        allergy_keys = {term_key(a) for a in entry.allergies}
        condition_keys = {term_key(c) for c in entry.conditions}
        known |= {("allergy", k) for k in allergy_keys} | {("condition", k) for k in condition_keys}
        matched = tuple(raw for raw, key, kind in terms
                        if (kind == "allergy" and key in allergy_keys) or (kind == "condition" and key in condition_keys))
        if not matched:
            continue
        applies = [p for p in scope if (not entry.products or p in entry.products)
                   and (not entry.substances or substance[p] in entry.substances)]
        if not applies:
            continue
        hits.append(ContraindicationHit(
            id=entry.id, name=entry.name, kind=entry.kind, products=tuple(applies), matched=matched,
            message=entry.message, patient_message=entry.patient_message, sources=tuple(entry.sources)))
    unknown = [raw for raw, key, kind in terms if (kind, key) not in known]
    return hits, unknown


def interactions_for(medications: Iterable[str], kb: KnowledgeBase | None = None,
                     products: Sequence[str] | None = None) -> tuple[list[InteractionHit], list[str]]:
    """Interactions of these medications with the substances of `products` (None: any product's),
    and the medications the knowledge base does not know for any substance."""
    kb = kb or load_knowledge()
    substances = {p.substance for p in kb.entries("products") if products is None or p.id in products}
    hits: list[InteractionHit] = []
    unknown: list[str] = []
    for raw in medications:
        if not str(raw).strip():
            continue
        key = term_key(raw)
        named = [e for e in kb.entries("interactions") if key in {term_key(e.drug), *(term_key(a) for a in e.aliases)}]
        if not named:
            unknown.append(raw)
            continue
        for entry in named:
            if (entry.substances and not substances & set(entry.substances)) or any(h.id == entry.id for h in hits):
                continue
            hits.append(InteractionHit(
                id=entry.id, drug=entry.drug, matched=str(raw), mechanism=entry.mechanism, effect=entry.effect,
                advice=entry.advice, patient_message=entry.patient_message, sources=tuple(entry.sources)))
    return hits, unknown


def labelled_max_daily_mg(product_id: str, route: str, kb: KnowledgeBase | None = None) -> tuple[float | None, list[str]]:
    """Labelled maximum daily dose (mg) of a product by a route, with its sources: the product's
    max_daily_dose_mg on its primary route, else the highest labelled daily regimen on that route."""
    kb = kb or load_knowledge()
    product = kb.get("products", product_id)
    if route == product.route and product.max_daily_dose_mg is not None:
        return product.max_daily_dose_mg, list(product.sources)
    on_route = [r for r in product.labelled_regimens if r.route == route]
    if not on_route:
        return None, []
    best = max(on_route, key=lambda r: r.dose_mg * 24.0 / r.interval_h)
    return best.dose_mg * 24.0 / best.interval_h, list(best.sources)


def route_max_daily_mg(route: str, kb: KnowledgeBase | None = None) -> tuple[float | None, str]:
    """The labelled maximum daily dose (mg) for a route when no product is named: the most any
    product given by that route is labelled for; a route no product is labelled for (iv, a
    cream) gets the most any progesterone product is labelled for. Returns (mg, what it is)."""
    kb = kb or load_knowledge()
    found = [(labelled_max_daily_mg(p.id, route, kb)[0], p.id) for p in kb.entries("products") if route in (p.route, *p.routes)]
    found = [(mg, pid) for mg, pid in found if mg is not None]
    if found:
        mg, pid = max(found)
        return mg, f"the highest labelled maximum by the {route} route ({pid})"
    every = [(labelled_max_daily_mg(p.id, r, kb)[0], p.id, r) for p in kb.entries("products") for r in (p.route, *p.routes)]
    every = [e for e in every if e[0] is not None]
    if not every:
        return None, ""
    mg, pid, r = max(every)
    return mg, f"the highest labelled maximum of any progesterone product ({pid}, {r}); none is labelled for {route}"


def check_labelled_daily_dose(events: Sequence[Any], *, acknowledged: bool = False, field: str = "regimen",
                              kb: KnowledgeBase | None = None) -> None:
    """Refuse dose events that give more in some 24 hours than the labelled maximum for their
    product and route (no product: the route's; lutea.safety.route_max_daily_mg), unless an
    off-label dose is acknowledged. The same rule as a treatment in the record."""
    if acknowledged or not events:
        return
    kb = kb or load_knowledge()
    groups: dict[tuple[str | None, str], list[Any]] = {}
    for e in events:
        groups.setdefault((e.product, e.route), []).append(e)
    for (product, route), group in groups.items():
        times = sorted(group, key=lambda e: e.time)
        daily = max(sum(e.dose_mg for e in times[i:] if e.time < first.time + _DAY) for i, first in enumerate(times))
        if product:
            limit, what = labelled_max_daily_mg(product, route, kb)[0], f"the labelled maximum for {product} ({route})"
        else:
            limit, what = route_max_daily_mg(route, kb)
        if limit is not None and daily > limit + 1e-9:
            raise InputError(field, f"{daily:g} mg a day by the {route} route is more than {what}, {limit:g} mg a day",
                             f"at most {limit:g} mg a day, or acknowledge an off-label dose (acknowledge_off_label: true; lutea simulate --off-label)")


def side_effect_finding(product_id: str, route: str, kb: KnowledgeBase | None = None) -> Finding | None:
    """Expected side effects of a product by a route, from its product information (None if none recorded)."""
    kb = kb or load_knowledge()
    rows = [e for e in kb.entries("side_effects") if e.product == product_id and e.route == route]
    if not rows:
        return None
    rows.sort(key=lambda e: -(e.percent or 0.0))
    parts = []
    for e in rows:
        if e.percent is not None and e.comparator_percent is not None:
            parts.append(f"{e.effect} {e.percent:g}% (comparator {e.comparator_percent:g}%)")
        elif e.percent is not None:
            parts.append(f"{e.effect} {e.percent:g}%")
        else:
            parts.append(f"{e.effect} ({e.frequency})")
    common = [e.effect for e in rows if e.frequency in ("very common", "common")] or [e.effect for e in rows]
    sources = tuple(dict.fromkeys(s for e in rows for s in e.sources))
    return Finding(
        code="safety.side_effects",
        severity=Severity.INFO,
        message=f"Expected side effects of {product_id} ({route}) from the product information: " + "; ".join(parts) + ".",
        patient_message=f"Possible side effects of this {_medicine_words(kb.get('products', product_id).substance, route)} include "
        + ", ".join(common[:6])
        + ". Tell your clinician if they trouble you.",
        sources=sources,
        detail={"product": product_id, "route": route,
                "side_effects": [{"effect": e.effect, "frequency": e.frequency, "percent": e.percent,
                                  "comparator_percent": e.comparator_percent, "context": e.context} for e in rows]},
    )


def _medicine_words(substance: str, route: str) -> str:
    """Plain words for a product in patient text: 'vaginal progesterone', or 'medicine' for a progestogen."""
    return f"{route} progesterone" if substance == "progesterone" else "medicine"


def product_warning_findings(product_id: str, kb: KnowledgeBase | None = None) -> list[Finding]:
    """The label's boxed warnings of a product (products.yaml), shown wherever it is screened."""
    kb = kb or load_knowledge()
    return [Finding(
        code="safety.boxed_warning", severity=Severity.ADVISE,
        message=f"{w.title}: {w.message}", patient_message=w.patient_message, sources=tuple(w.sources),
        detail={"product": product_id, "warning": w.id, "kind": w.kind})
        for w in kb.get("products", product_id).warnings]


def _check_dose(dose_mg: float | None, interval_h: float | None) -> float | None:
    if dose_mg is None and interval_h is None:
        return None
    if dose_mg is None or interval_h is None:
        raise InputError("dose", "give both dose_mg and interval_h, or neither", "a dose in mg and an interval in hours")
    if not dose_mg > 0:
        raise InputError("dose_mg", f"{dose_mg!r} is not a positive dose", "a dose in mg above 0")
    if not interval_h > 0:
        raise InputError("interval_h", f"{interval_h!r} is not a positive interval", "an interval in hours above 0")
    return dose_mg * 24.0 / interval_h


def screen(
    product_or_route: str,
    dose_mg: float | None,
    interval_h: float | None,
    *,
    allergies: Iterable[str] = (),
    conditions: Iterable[str] = (),
    medications: Iterable[str] = (),
    pregnant: bool = False,
    on_hormone_treatment: bool = True,
    symptoms: Sequence[str] = (),
    route: str | None = None,
    kb: KnowledgeBase | None = None,
) -> SafetyReport:
    """Screen a product (or a route) at dose_mg every interval_h hours for this person.

    Red flags from `symptoms` come first; then contraindications, interactions, a dose above the
    labelled maximum daily dose, and the expected side effects by route.
    """
    kb = kb or load_knowledge()
    products, named_route = resolve(product_or_route, kb)
    if route is not None:
        route = term_key(route)
        if named_route is not None and route != named_route:
            raise InputError("route", f"{route!r} differs from the route named {named_route!r}", named_route)
        for pid in products:
            product = kb.get("products", pid)
            if route != product.route and route not in product.routes:
                raise InputError("route", f"{pid} is not given by the {route} route",
                                 [product.route, *product.routes])
    route = route or named_route or kb.get("products", products[0]).route
    daily_mg = _check_dose(dose_mg, interval_h)
    allergies, conditions, medications = list(allergies), list(conditions), list(medications)

    red_flags = triage(list(symptoms), pregnant=pregnant, on_hormone_treatment=on_hormone_treatment, kb=kb)
    contra, unknown_terms = contraindications_for(allergies, conditions, products, kb)
    inter, unknown_meds = interactions_for(medications, kb, products)
    findings: list[Finding] = []
    for hit in contra:
        findings.append(Finding(
            code="safety.contraindication",
            severity=Severity.ADVISE if hit.kind == "absolute" else Severity.INFO,
            message=f"{hit.kind.capitalize()} contraindication ({', '.join(hit.products)}): {hit.message}",
            patient_message=hit.patient_message, sources=hit.sources,
            detail={"contraindication": hit.id, "kind": hit.kind, "products": list(hit.products)}))
    for hit in inter:
        findings.append(Finding(
            code="safety.interaction", severity=Severity.ADVISE,
            message=f"{hit.drug} ({hit.mechanism}): {hit.effect} {hit.advice}",
            patient_message=hit.patient_message, sources=hit.sources,
            detail={"interaction": hit.id, "mechanism": hit.mechanism}))
    if daily_mg is not None:
        findings.extend(_dose_findings(products, route, daily_mg, kb))
    for pid in products:
        findings.extend(product_warning_findings(pid, kb))
        side = side_effect_finding(pid, route, kb)
        if side is not None:
            findings.append(side)
    unscreened = tuple(unknown_terms + unknown_meds)
    if unscreened:
        findings.append(Finding(
            code="safety.unscreened", severity=Severity.INFO,
            message="Not in the knowledge base, so not screened: " + ", ".join(unscreened) + ".",
            patient_message="Some of what you entered is not in lutea's list, so it was not checked: "
            + ", ".join(unscreened) + ". Mention it to your clinician or pharmacist.",
            sources=(), detail={"terms": list(unscreened)}))
    return SafetyReport(
        products=products, route=route, daily_dose_mg=daily_mg, contraindications=tuple(contra),
        interactions=tuple(inter), findings=tuple(red_flags + ordered(findings)),
        knowledge_version=kb.version, unscreened=unscreened)


def _dose_findings(products: Sequence[str], route: str, daily_mg: float, kb: KnowledgeBase) -> list[Finding]:
    """A finding per product whose labelled maximum daily dose on this route is exceeded."""
    out: list[Finding] = []
    limits = [(pid, *labelled_max_daily_mg(pid, route, kb)) for pid in products]
    limits = [(pid, limit, sources) for pid, limit, sources in limits if limit is not None]
    if len(products) > 1 and limits:  # a route only: compare with the highest label on that route
        pid, limit, sources = max(limits, key=lambda item: item[1])
        limits = [(f"any {route} product (highest: {pid})", limit, sources)]
    for name, limit, sources in limits:
        if daily_mg > limit + 1e-9:
            out.append(Finding(
                code="safety.dose_above_label", severity=Severity.ADVISE,
                message=f"{daily_mg:g} mg/day of {name} by the {route} route is above the labelled maximum of "
                f"{limit:g} mg/day: off-label; record the guideline or protocol that supports it.",
                patient_message="This dose is higher than the product leaflet describes. Check with your "
                "clinician that this is intended.",
                sources=tuple(sources),
                detail={"product": name, "route": route, "daily_dose_mg": daily_mg, "labelled_max_daily_mg": limit}))
    return out
