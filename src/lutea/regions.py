"""The clinic's region: which emergency number and services patient texts name, and which
guideline bodies a plan lists first.

Patient texts in the knowledge base name a service only through a placeholder
(`{emergency_number}`, `{emergency_department}`, `{urgent_advice_line}` ...), whose wording for each
region is data (regions.yaml, with sources). The core keeps the placeholders; every shell fills
them as it answers, with `fill_contacts` (one text) or `for_region` (a whole JSON answer), for the
region of its settings (LUTEA_REGION) or of its `--region` option. A stored red flag keeps them
too, so it reads right for the clinic's region whenever it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from lutea.errors import InputError
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.loader import PLACEHOLDER
from lutea.knowledge.schema import Region

DEFAULT_REGION = "uk"


def region_ids(kb: KnowledgeBase | None = None) -> list[str]:
    """The accepted region ids, in the order of regions.yaml."""
    return [r.id for r in (kb or load_knowledge()).entries("regions")]


def region(region_id: str, kb: KnowledgeBase | None = None) -> Region:
    """One region by id (case and spaces ignored); InputError naming the accepted ids."""
    kb = kb or load_knowledge()
    key = str(region_id).strip().lower()
    for entry in kb.entries("regions"):
        if entry.id == key:
            return entry  # type: ignore[no-any-return]
    raise InputError("region", f"unknown region {region_id!r}", region_ids(kb))


def fill_contacts(text: str, region_id: str, kb: KnowledgeBase | None = None,
                  quote: Callable[[str], str] = str) -> str:
    """The text with each contact placeholder ({emergency_number} ...) replaced by the region's
    wording (passed through `quote`, e.g. an HTML escape); other braces are left as they are."""
    if "{" not in text:
        return text
    contacts = region(region_id, kb).contacts
    return PLACEHOLDER.sub(lambda m: quote(contacts[m.group(1)]) if m.group(1) in contacts else m.group(0), text)


def order_sources(source_ids: Sequence[str], region_id: str, kb: KnowledgeBase | None = None) -> list[str]:
    """Source ids with those of the region's preferred guideline bodies first, in its order of
    preference (matched on the source's authors); the rest keep their order after them."""
    kb = kb or load_knowledge()
    publishers = [p.lower() for p in region(region_id, kb).guideline_publishers]

    def rank(source_id: str) -> int:
        source = kb.sources.get(source_id)
        authors = source.authors.lower() if source is not None else ""
        return next((i for i, p in enumerate(publishers) if p in authors), len(publishers))

    return sorted(source_ids, key=rank)


_PLACEHOLDER_BYTES = re.compile(PLACEHOLDER.pattern.encode())


def names_a_contact(rendered: bytes) -> bool:
    """Whether a rendered JSON answer holds a placeholder `for_region` would fill (JSON escapes
    neither braces nor letters, so a text's placeholder appears as it is): one scan in C spares an
    answer that names no service the walk over its values."""
    return _PLACEHOLDER_BYTES.search(rendered) is not None


def for_region(value: Any, region_id: str, kb: KnowledgeBase | None = None) -> Any:
    """A JSON-like answer (dicts, lists, strings) with every text's contact placeholders filled
    for the region; the rest of the answer is returned unchanged (a new container where filled)."""
    kb = kb or load_knowledge()
    region(region_id, kb)  # an unknown region is refused even when nothing needs filling
    return _fill(value, region_id, kb)


def _fill(value: Any, region_id: str, kb: KnowledgeBase) -> Any:
    if isinstance(value, str):
        return fill_contacts(value, region_id, kb)
    if isinstance(value, dict):
        return {k: _fill(v, region_id, kb) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (int, float)):
            return value  # numbers (a curve, a band): nothing to fill
        return type(value)(_fill(v, region_id, kb) for v in value)
    return value


def regional_order(plan_json: dict[str, Any], region_id: str, kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """A plan (Plan.to_json) or a scenario (pathways.list_scenarios) with its sources and each
    regimen's in the region's order of guideline bodies (a stable sort: nothing is dropped)."""
    out = dict(plan_json)
    if "sources" in out:
        out["sources"] = order_sources(out["sources"], region_id, kb)
    if "regimens" in out:
        out["regimens"] = [{**r, "sources": order_sources(r.get("sources", []), region_id, kb)} for r in out["regimens"]]
    return out
