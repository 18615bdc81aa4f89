"""Where a value can change a row's findings: the cut points of the knowledge base, in canonical units.

The rules compare a value only with thresholds (through `applicable`), with the limits of the
chosen reference interval (`reference_interval`) and with the predicted low level of the treatment
(`expected_treatment_level`), and which of those apply depends on the context, never on the value.
`context_cut_points` asks those same rule functions, on the row's own context, which thresholds,
interval and predicted level apply; `cut_points` is every threshold and limit of a specimen (the
fallback when a context cannot be read on its own). Values between the same two cut points give
the same findings; `cells` numbers those intervals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from lutea import _interpret_rules as rules
from lutea.batch.rows import row_inputs
from lutea.context import derive
from lutea.errors import LuteaError
from lutea.interpret import with_sampling_date
from lutea.knowledge import KnowledgeBase
from lutea.units import Specimen, to_canonical

REL_TOL = 1e-9
"""Values this close (relative) to a cut point are not binned: they are keyed by their exact text."""
_ABS_TOL = 1e-12


def _spec_key(specimen: Specimen) -> str:
    return "serum" if specimen in (Specimen.SERUM, Specimen.PLASMA) else specimen.value


def cut_points(specimen: Specimen, kb: KnowledgeBase) -> np.ndarray:
    """Every threshold and reference limit of this specimen, sorted, 0 included (canonical units)."""
    spec = _spec_key(specimen)
    cuts = {0.0}
    cuts |= {rules.threshold_conc(t) for t in kb.entries("thresholds") if t.specimen == spec}
    for ri in kb.entries("reference_intervals"):
        if ri.specimen == spec:
            cuts |= {to_canonical(ri.low, ri.unit, specimen), to_canonical(ri.high, ri.unit, specimen)}
    return np.array(sorted(cuts))


def context_cut_points(fields: Mapping[str, Any], specimen: Specimen, kb: KnowledgeBase) -> np.ndarray:
    """The cut points that apply to this row's context (its value is not read), sorted, 0 included;
    all of the specimen's when the context alone raises an error."""
    try:
        measurement, ctx = row_inputs({**fields, "value": "0"}, kb)
        ctx = with_sampling_date(measurement, ctx)
        case = rules.Case(measurement, 0.0, ctx, derive(ctx, kb), kb)
        kinds = dict.fromkeys(t.kind for t in kb.entries("thresholds"))
        cuts = {0.0} | {rules.threshold_conc(t) for kind in kinds for t in rules.applicable(case, kind)}
        ri = rules.reference_interval(case)
        expected = rules.expected_treatment_level(case)
    except LuteaError:
        return cut_points(specimen, kb)
    if ri is not None:
        cuts |= {to_canonical(ri.low, ri.unit, specimen), to_canonical(ri.high, ri.unit, specimen)}
    if expected is not None:  # treatment.level_unexpectedly_low: below the treatment's predicted percentile
        cuts.add(expected.low_ng_ml)
    return np.array(sorted(cuts))


def cells(conc: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Per value, the index of its interval between cut points; -1 for values to key exactly
    (within REL_TOL of a cut point, negative, or not finite)."""
    idx = np.searchsorted(cuts, conc, side="left")
    below, above = np.clip(idx - 1, 0, cuts.size - 1), np.clip(idx, 0, cuts.size - 1)
    tol = REL_TOL * np.maximum(np.abs(cuts), 1.0) + _ABS_TOL
    with np.errstate(invalid="ignore"):
        near = (np.abs(conc - cuts[below]) <= tol[below]) | (np.abs(conc - cuts[above]) <= tol[above])
        good = np.isfinite(conc) & (conc >= 0) & ~near
    return np.where(good, idx, -1)
