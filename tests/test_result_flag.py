"""The flag of a result agrees with the finding that states it, over values and contexts: the
same interval or cut-off, the same side of it (lutea.result_flag)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from lutea.context import Treatment, make_context
from lutea.interpret import interpret
from lutea.knowledge import load_knowledge
from lutea.measurement import Measurement
from lutea.units import to_canonical

SAMPLED = datetime(2026, 10, 21, 8, 30, tzinfo=UTC)
VALUES = st.floats(min_value=0.05, max_value=400, allow_nan=False).map(lambda v: round(v, 2))
DIRECTION = {"reference.below": "L", "reference.within": "N", "reference.above": "H",
             "art.et_day_low": "L", "art.et_day_adequate": "N", "art.et_day_high": "H"}


@settings(max_examples=80, deadline=None)
@given(VALUES, st.sampled_from(["ng/mL", "nmol/L"]), st.integers(1, 28))
def test_a_cycle_result_is_flagged_on_the_side_its_reference_finding_names(value: float, unit: str, day: int) -> None:
    result = interpret(Measurement(value, unit, "serum", None, SAMPLED), make_context(cycle_day=day, cycle_length_days=28))
    flag = result.flag
    assert flag is not None
    stated = [f for f in result.findings if f.code.startswith("reference.")]
    if result.reference_interval is None:
        assert flag.basis != "reference_interval" and not stated
        return
    (finding,) = stated
    assert (flag.code, flag.finding, flag.ids) == (DIRECTION[finding.code], finding.code, (result.reference_interval["id"],))
    ri = load_knowledge().get("reference_intervals", flag.ids[0])
    assert (flag.low, flag.high, flag.unit) == (ri.low, ri.high, ri.unit)
    conc, low, high = (to_canonical(v, u, "serum") for v, u in ((value, unit), (ri.low, ri.unit), (ri.high, ri.unit)))
    assert flag.code == ("L" if conc < low else "H" if conc > high else "N")


@settings(max_examples=80, deadline=None)
@given(VALUES, st.sampled_from([("vaginal", "utrogestan", 400, 12), ("im", "pio", 50, 24)]))
def test_a_transfer_day_result_is_flagged_as_its_transfer_day_finding_says(value: float, regimen: tuple) -> None:
    route, product, dose_mg, interval_h = regimen
    ctx = make_context(protocol="hrt-fet", et_date=SAMPLED.date(),
                       treatment=Treatment(product=product, route=route, dose_mg=dose_mg, interval_h=interval_h))
    result = interpret(Measurement(value, "ng/mL", "serum", None, SAMPLED), ctx)
    (finding,) = [f for f in result.findings if f.code in DIRECTION]
    flag = result.flag
    assert flag is not None and flag.basis == "threshold"
    assert (flag.code, flag.finding, list(flag.ids)) == (DIRECTION[finding.code], finding.code, finding.detail["thresholds"])
    kb = load_knowledge()
    for tid in flag.ids:
        t = kb.get("thresholds", tid)
        bound = flag.low if t.kind == "et_day_low" else flag.high
        assert to_canonical(bound, flag.unit, "serum") == to_canonical(t.value, t.unit, "serum")
