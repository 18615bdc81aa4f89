"""The batch path gives exactly the findings of the single-result path, row by row."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import polars as pl
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lutea.batch.cells import cut_points
from lutea.batch.interpret import interpret_chunk, text_frame
from lutea.batch.rows import COLUMNS, interpret_row
from lutea.command import app
from lutea.errors import InputError
from lutea.knowledge import load_knowledge
from lutea.units import Specimen

KB = load_knowledge()
SERUM_CUTS = [f"{c:g}" for c in cut_points(Specimen.SERUM, KB)]
NEAR_CUTS = [f"{c + d:.2f}" for c in cut_points(Specimen.SERUM, KB) for d in (-0.01, 0.01) if c + d >= 0]

CONTEXTS = [
    {},
    {"cycle_day": "21", "cycle_length": "28"},
    {"cycle_day": "21", "cycle_length": "35"},
    {"cycle_day": "3"},
    {"days_after_lh": "7"},
    {"days_after_lh": "12", "sampled": "2026-03-10"},
    {"lmp": "any", "cycle_length": "28"},  # lmp / et_date "any": days from the sample drawn per row
    {"lmp": "any"},
    {"pregnant": "true", "gestational_weeks": "6+2"},
    {"pregnant": "yes", "gestational_weeks": "9"},
    {"pregnant": "true", "lmp": "any"},
    {"pregnant": "true", "gestational_weeks": "7", "symptoms": "bleeding,pain"},
    {"pregnant": "true", "gestational_weeks": "7", "route": "vaginal", "dose_mg": "200", "interval_h": "12"},
    {"postmenopausal": "true"},
    {"postmenopausal": "1", "cycle_day": "3"},  # contradictory: an error
    {"sex": "male"},
    {"sex": "Male", "pregnant": "true"},  # contradictory: an error
    {"protocol": "hrt-fet", "route": "vaginal", "et_date": "any"},
    {"protocol": "hrt-fet", "route": "im", "et_date": "any"},
    {"pregnant": "true", "protocol": "hrt-fet", "route": "vaginal", "et_date": "any", "embryo_age_days": "5"},
    {"protocol": "natural-fet"},
    {"protocol": "fresh", "route": "sc"},
    {"protocol": "hrt-fet", "route": "vaginal", "et_date": "2026-13-01"},  # not a date
    {"assay": "lcms", "cycle_day": "22", "cycle_length": "28"},
    {"assay": "ECLIA", "postmenopausal": "true"},
    {"assay": "tea leaves"},
    {"specimen": "saliva", "unit": "pg/mL"},
    {"specimen": "urine", "unit": "ug/mL"},
    {"specimen": "plasma", "unit": "nmol/L", "cycle_day": "21", "cycle_length": "28"},
    {"unit": "furlongs"},
    {"symptoms": "chest pain"},
    {"symptoms": "not-a-symptom"},
    {"sampled": "2026-03-01T08:00"},  # no timezone: an error
    {"sampled": "2026-03-01T08:00+01:00", "cycle_day": "20", "cycle_length": "27"},
]
VALUES = st.one_of(
    st.sampled_from(NEAR_CUTS),
    st.sampled_from(SERUM_CUTS + ["0", "0.0", "1000", "1000.0001", "-1", "nan", "inf", "abc", "", " 5.2", "1_0", "1e3"]),
    st.floats(min_value=0, max_value=1200, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.floats(min_value=0, max_value=100, allow_nan=False).map(repr),
)
DAY_OFFSETS = (-60, -40, -20, -13, -6, -1, 0, 5)  # 5: a date after the sample (an error)
SAMPLED = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def batches(draw: st.DrawFn) -> list[dict[str, str | None]]:
    """Rows drawn from a few contexts and a few values, so that rows share inputs (and groups form)."""
    contexts = draw(st.lists(st.sampled_from(CONTEXTS), min_size=1, max_size=4))
    cut = draw(st.sampled_from(list(cut_points(Specimen.SERUM, KB))))
    values = draw(st.lists(VALUES, min_size=0, max_size=4)) + [f"{cut:g}", f"{max(cut - 0.01, 0):.2f}", f"{cut + 0.01:.2f}"]
    out = []
    for _ in range(draw(st.integers(min_value=5, max_value=30))):
        ctx = dict(draw(st.sampled_from(contexts)))
        sampled = draw(SAMPLED)
        if "sampled" not in ctx and (any(v == "any" for v in ctx.values()) or draw(st.booleans())):
            ctx["sampled"] = sampled.isoformat()
        for name in ("lmp", "et_date"):
            if ctx.get(name) == "any":
                ctx[name] = (sampled + timedelta(days=draw(st.sampled_from(DAY_OFFSETS)))).isoformat()
        row: dict[str, str | None] = {c: None for c in COLUMNS}
        row.update(ctx)
        row["value"] = draw(st.sampled_from(values))
        if row["unit"] is None:
            row["unit"] = draw(st.sampled_from([None, "ng/mL", "nmol/L", "ng/ml"]))
        out.append(row)
    return out


def expected(row: dict[str, str | None]) -> dict[str, object]:
    try:
        r = interpret_row(row, KB)
    except InputError as exc:
        return {"status": "error", "error": str(exc)}
    return {"status": "ok", "findings": r.codes, "reference_interval": (r.reference_interval or {}).get("id"),
            "max_severity": r.findings[0].severity.value if r.findings else None, "value": r.value}


def got(out: dict[str, object]) -> dict[str, object]:
    if out["status"] == "error":
        return {"status": "error", "error": out["error"]}
    return {"status": "ok", "findings": out["findings"], "reference_interval": out["reference_interval"],
            "max_severity": out["max_severity"]}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batches())
def test_batch_equals_row_by_row(batch: list[dict[str, str | None]]) -> None:
    table = pa.Table.from_pylist(batch, schema=pa.schema([(c, pa.string()) for c in COLUMNS]))
    result = interpret_chunk(table, first_row=1, kb=KB)
    out = result.table.to_pylist()
    assert [o["row"] for o in out] == list(range(1, len(batch) + 1))
    for row, o in zip(batch, out):
        want = expected(row)
        value = want.pop("value", None)
        assert got(o) == want, row
        if value is not None and "ng_ml" in value:
            assert abs(o["value_ng_ml"] - value["ng_ml"]) <= 1e-4 and abs(o["value_nmol_l"] - value["nmol_l"]) <= 1e-4
    assert result.n_ok + len(result.errors) == len(batch)
    assert [e[0] for e in result.errors] == [o["row"] for o in out if o["status"] == "error"]


def test_rows_sharing_inputs_call_the_core_once() -> None:
    # 3000 rows, 3 contexts, values on both sides of the 30 nmol/L ovulation threshold (thresholds.yaml)
    values = [f"{v:.1f}" for v in (35.0, 40.0, 55.5, 20.0, 18.5, 12.0)] * 500
    ctx = [{"cycle_day": "21", "cycle_length": "28"}, {"days_after_lh": "7"}, {"days_after_lh": "2"}]
    batch = [{"value": v, "unit": "nmol/L", **ctx[i % 3]} for i, v in enumerate(values)]
    result = interpret_chunk(pl.DataFrame(batch).to_arrow(), kb=KB)
    assert result.n_ok == 3000
    assert result.core_calls <= 3 * 3  # at most three value cells per context here, fewer once cached
    want = Counter(code for row in batch[:6] for code in interpret_row(row, KB).codes)
    assert result.codes == {code: n * 500 for code, n in want.items()}
    assert result.codes["ovulation.confirmed"] == 1500 and result.codes["timing.mistimed"] == 500


def test_dates_compare_by_distance_from_sampling() -> None:
    base = [{"value": "40", "unit": "nmol/L", "sampled": f"2026-0{m}-15", "lmp": f"2026-0{m}-01", "cycle_length": "28"}
            for m in range(1, 10)]
    late = [{"value": "40", "unit": "nmol/L", "sampled": "2026-03-01", "lmp": "2026-03-02"}]
    result = interpret_chunk(pl.DataFrame(base + late).to_arrow(), kb=KB)
    out = result.table.to_pylist()
    assert result.core_calls == 2
    assert {tuple(o["findings"]) for o in out[:-1]} == {tuple(interpret_row(base[0], KB).codes)}
    assert out[-1]["status"] == "error" and "2026-03-02" in out[-1]["error"]


def test_typed_columns_read_as_text() -> None:
    table = pa.table({"value": [40.0, 3.5], "unit": ["nmol/L", "ng/mL"], "cycle_day": [21, None],
                      "cycle_length": [28, None], "pregnant": [False, True], "gestational_weeks": [None, 6.0],
                      "lmp": pa.array([None, None], pa.date32())})
    frame = text_frame(table).to_dicts()
    assert frame[0]["cycle_day"] == "21" and frame[1]["pregnant"] == "true"
    out = interpret_chunk(table, kb=KB).table.to_pylist()
    assert out[0]["findings"] == interpret_row(frame[0], KB).codes
    assert "pregnancy.nonviable_risk" in out[1]["findings"]


def test_interpret_row_reads_fields_like_the_cli() -> None:
    args = ["interpret", "--value", "4", "--pregnant", "--gestational-weeks", "6+0", "--symptoms", "bleeding,pain", "--json"]
    cli = json.loads(CliRunner().invoke(app, args).stdout)
    row = interpret_row({"value": "4", "pregnant": "true", "gestational_weeks": "6+0", "symptoms": "bleeding,pain"}, KB)
    assert [f["code"] for f in cli["findings"]] == row.codes
    assert cli["reference_interval"]["id"] == row.reference_interval["id"]


def _check_rows(batch: list[dict[str, str | None]]) -> None:
    out = interpret_chunk(pl.DataFrame(batch, infer_schema_length=None).to_arrow(), kb=KB).table.to_pylist()
    for row, o in zip(batch, out):
        want = expected(row)
        want.pop("value", None)
        assert got(o) == want, row


def test_every_cut_point_and_its_neighbours() -> None:
    contexts = [{"cycle_day": "21", "cycle_length": "28"}, {"pregnant": "true", "gestational_weeks": "7"},
                {"protocol": "hrt-fet", "route": "vaginal"}, {"protocol": "hrt-fet", "route": "im"}]
    cuts = cut_points(Specimen.SERUM, KB)
    values = [f"{v:.10g}" for c in cuts for v in (c - 0.01, c - 1e-9, c, c + 1e-9) if v >= 0]
    _check_rows([{"value": v, "unit": "ng/mL", **ctx} for ctx in contexts for v in values])
    _check_rows([{"value": f"{c * 3.18:.2f}", "unit": "nmol/L", **ctx} for ctx in contexts for c in cuts])


def test_dates_at_every_distance_in_one_chunk() -> None:
    batch = []
    for i, offset in enumerate(DAY_OFFSETS * 4):
        sampled = date(2026, 1, 1) + timedelta(days=37 * i)
        batch.append({"value": "12", "sampled": sampled.isoformat(), "cycle_length": "28",
                      "lmp": (sampled + timedelta(days=offset)).isoformat()})
        batch.append({"value": "12", "sampled": sampled.isoformat(), "protocol": "hrt-fet", "route": "vaginal",
                      "et_date": (sampled + timedelta(days=offset)).isoformat()})
    _check_rows(batch)


def test_predicted_treatment_level_is_a_cut_point() -> None:
    # treatment.level_unexpectedly_low compares the value with the PK model's 5th percentile of
    # the row's regimen: rows either side of it must not share a group (lutea.batch.cells).
    from lutea import _interpret_rules as rules
    from lutea.batch.cells import context_cut_points
    from lutea.batch.rows import row_inputs
    from lutea.context import derive

    regimens = [{"protocol": "hrt-fet", "route": "vaginal", "dose_mg": "400", "interval_h": "12"},
                {"product": "cyclogest", "route": "vaginal", "dose_mg": "400", "interval_h": "12", "sampled": "2026-11-22"},
                {"route": "im", "dose_mg": "50", "interval_h": "24"}]
    rows = []
    for ctx in regimens:
        measurement, context = row_inputs({"value": "1", **ctx}, KB)
        low = rules.expected_treatment_level(rules.Case(measurement, 1.0, context, derive(context, KB), KB)).low_ng_ml
        assert low in context_cut_points({"value": "1", **ctx}, Specimen.SERUM, KB)
        rows += [{"value": f"{v:.6f}", "unit": "ng/mL", **ctx} for v in (low * 0.5, low - 1e-3, low + 1e-3, low * 2)]
    _check_rows(rows)
    codes = [o["findings"] for o in interpret_chunk(pa.Table.from_pylist(
        [{c: r.get(c) for c in COLUMNS} for r in rows], schema=pa.schema([(c, pa.string()) for c in COLUMNS])), kb=KB).table.to_pylist()]
    assert ["treatment.level_unexpectedly_low" in c for c in codes] == [True, True, False, False] * len(regimens)
