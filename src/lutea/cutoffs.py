"""The one reading of the knowledge base's decision thresholds (thresholds.yaml).

Every rule, plan, balance target, page and export that needs a cut-off asks here, so two places
cannot disagree: the interpretation of a transfer-day result, the IVF plan's rescue branch and
the default balance target all get the same entry for the same protocol and route.
"""

from __future__ import annotations

from typing import Any

from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.schema import Threshold


def _matches(wanted: str | list[str], have: str | None) -> bool:
    return have is not None and (have == wanted or (isinstance(wanted, list) and have in wanted))


def applicable_thresholds(
    kind: str,
    *,
    specimen: str = "serum",
    protocol: str | None = None,
    route: str | None = None,
    gestational_weeks: float | None = None,
    kb: KnowledgeBase | None = None,
) -> list[Threshold]:
    """Thresholds of one kind for this specimen and context, in file order.

    A threshold narrowed by `applies_to` applies only when the context names a matching value;
    a gestational-age window applies only when the age is known and inside it (or unknown)."""
    kb = kb or load_knowledge()
    have = {"protocol": protocol, "route": route}
    found = []
    for t in kb.entries("thresholds"):
        if t.kind != kind or t.specimen != specimen:
            continue
        if not all(_matches(v, have.get(k)) for k, v in t.applies_to.items()):
            continue
        if t.gestational_weeks and gestational_weeks is not None and not (
            t.gestational_weeks[0] <= gestational_weeks < t.gestational_weeks[1]
        ):
            continue
        found.append(t)
    return found


def choose(entries: list[Any]) -> Any | None:
    """The default entry among competing ones (the first marked default, else the first)."""
    return next((e for e in entries if e.default), entries[0] if entries else None)


def default_threshold(kind: str, **context: Any) -> Threshold | None:
    """The default threshold of one kind for a context (see `applicable_thresholds`), or None."""
    return choose(applicable_thresholds(kind, **context))


def transfer_day_cutoff(protocol: str, route: str | None, kb: KnowledgeBase | None = None) -> Threshold | None:
    """The transfer-day serum progesterone below which rescue is considered, for a protocol and
    progesterone route (None: the knowledge base has no such cut-off)."""
    return default_threshold("et_day_low", protocol=protocol, route=route, kb=kb)
