"""Hypothesis strategies of hostile input (issue 15): the classes of value the probe found, so the
next one is found by the tests. Shared by the parser properties and the API's schema tests."""

from __future__ import annotations

from hypothesis import strategies as st

NON_FINITE = st.sampled_from([float("nan"), float("inf"), float("-inf")])
HUGE_NUMBERS = st.sampled_from([1e308, -1e308, 10**400, 2**63, 2**31, -(2**31) - 1, 253402300800, 1700000000, 5])
EDGE_TIMES = st.sampled_from([
    "0001-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59Z", "9999-12-31T23:30:00-01:00",
    "1900-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "2026-02-30T00:00:00Z", "0001-01-01", "9999-12-31",
    "1700000000", "253402300800", " 5 ", "1e9", "-0",
])
ODD_TEXT = st.sampled_from([
    "\ud800", "a\udfffb", "\x00", "\x07", "line\nbreak", "\r\n", "\x1b[2J", "\x9b", "\u2028", "ng/mL\n", "ng/mL🙂",
    "²", "٣", "9" * 5000, "Patient/1", "p-1", "' OR 1=1 --", "<script>alert(1)</script>", "", " ",
])
MEGABYTE = st.just("x" * 1_000_000)
OTHER_IDS = st.sampled_from([0, -1, 2, 3, 999_999, 2_147_483_648, "2", "1 ", "01"])
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)  # surrogates included

HOSTILE = st.one_of(
    NON_FINITE, HUGE_NUMBERS, EDGE_TIMES, ODD_TEXT, MEGABYTE, OTHER_IDS, TEXT, st.booleans(), st.none(),
    st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.floats(allow_nan=True), max_size=2),
)
"""Any value a hostile client may put in any field."""
