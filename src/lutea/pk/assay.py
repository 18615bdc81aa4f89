"""LC-MS/MS versus immunoassay: what a laboratory would report for a predicted level.

The engine predicts serum progesterone as LC-MS/MS measures it. After oral dosing, direct
immunoassays also read 5alpha/5beta-dihydroprogesterone and other first-pass metabolites and
report several-fold more; `assay_factor` gives that factor per route (assay_factors.yaml, with
the studies that measured both). Endogenous progesterone and non-oral routes: factor 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from lutea.errors import InputError
from lutea.knowledge.loader import load_knowledge

ASSAYS: tuple[str, ...] = ("lcms", "immunoassay")
_ALIASES = {
    "lcms": "lcms",
    "lc-ms": "lcms",
    "lc-ms/ms": "lcms",
    "lcmsms": "lcms",
    "ms": "lcms",
    "mass-spectrometry": "lcms",
    "immunoassay": "immunoassay",
    "ia": "immunoassay",
    "ria": "immunoassay",
    "eclia": "immunoassay",
    "cmia": "immunoassay",
}
ASSAY_LABELS = {"lcms": "LC-MS/MS", "immunoassay": "immunoassay (direct, unextracted)"}


def parse_assay(text: str | None) -> str:
    """Canonical assay name ('lcms' or 'immunoassay'); None means LC-MS/MS."""
    if text is None:
        return "lcms"
    key = str(text).strip().lower().replace(" ", "-")
    if key not in _ALIASES:
        raise InputError("assay", f"unknown assay {text!r}", "lcms (LC-MS/MS) or immunoassay")
    return _ALIASES[key]


@lru_cache(maxsize=1)
def _factors() -> dict[tuple[str, str], float]:
    return {(e.route, e.assay): float(e.factor) for e in load_knowledge().entries("assay_factors")}


def assay_factor(route: str, assay: str) -> float:
    """Immunoassay / LC-MS/MS ratio for progesterone given by a route (1.0 for LC-MS/MS)."""
    kind = parse_assay(assay)
    if kind == "lcms":
        return 1.0
    return _factors().get((str(route).strip().lower(), kind), 1.0)


def assay_sources(routes: list[str] | tuple[str, ...], assay: str) -> list[str]:
    """Source ids of the factors applied to these routes under an assay."""
    kind = parse_assay(assay)
    if kind == "lcms":
        return []
    ids: list[str] = []
    for e in load_knowledge().entries("assay_factors"):
        if e.route in routes and e.assay == kind:
            ids += [s for s in e.sources if s not in ids]
    return ids


def apply_assay(
    conc_lcms: np.ndarray | float,
    route_mix: Mapping[str, np.ndarray | float],
    assay: str,
) -> np.ndarray:
    """The level an assay would report (ng/mL) for an LC-MS/MS level.

    route_mix maps each route to the part of conc_lcms its doses contributed (ng/mL, same
    shape); the rest (endogenous) is read as is. Result: conc + sum((factor - 1) * part).
    """
    out = np.array(conc_lcms, dtype=float, copy=True)
    kind = parse_assay(assay)
    if kind == "lcms":
        return out
    for route, part in route_mix.items():
        factor = assay_factor(route, kind)
        if factor != 1.0:
            out = out + (factor - 1.0) * np.asarray(part, dtype=float)
    return out
