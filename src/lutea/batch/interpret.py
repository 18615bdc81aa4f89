"""Batch interpretation of one chunk of rows: exactly the findings of `interpret_row`, computed once
per distinct combination of a row's interpretation inputs.

A row's findings depend on its value only through comparisons with the thresholds and reference
limits that apply to its context (lutea.batch.cells). Rows are grouped by every other input (the
context text fields; `lmp` and `et_date` as their distance in days from a plain-date `sampled`;
the specimen, and the unit only through the canonical value) and by the cell of the value between
those cut points; a value within 1e-9 (relative) of a cut point, or one the vectorised parser
cannot read, is grouped by its exact text (with its unit) instead. The single-result core runs once per group on the group's
first row and its result is copied to the others (and kept for later chunks); every member of a
group whose first row is an error is read one by one, for its own message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from lutea.batch.cells import cells, context_cut_points
from lutea.batch.fingerprint import fingerprint
from lutea.batch.rows import (
    COLUMNS,
    CONTEXT_COLUMNS,
    DATE_COLUMNS,
    field_text,
    interpret_row,
)
from lutea.errors import InputError, LuteaError
from lutea.interpret import Interpretation
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.units import SPECIMEN_UNITS, Specimen, parse_specimen, to_canonical

OUTPUT_SCHEMA = pa.schema([
    ("row", pa.int64()),
    ("status", pa.string()),
    ("value_ng_ml", pa.float64()),
    ("value_nmol_l", pa.float64()),
    ("value_canonical", pa.float64()),
    ("canonical_unit", pa.string()),
    ("reference_interval", pa.string()),
    ("findings", pa.list_(pa.string())),
    ("max_severity", pa.string()),
    ("knowledge_version", pa.string()),
    ("error", pa.string()),
])
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_CACHE_MAX = 200_000
_CACHE: dict[tuple[Any, ...], _Outcome] = {}
"""Outcomes of the single path by group key (and cut points by context key), reused across the
chunks a process reads; a key fully determines what it maps to, so the cache changes speed, never results."""


@dataclass(frozen=True)
class ChunkResult:
    """One chunk read: the output rows (OUTPUT_SCHEMA), the error rows (row, field, message) and counts."""

    table: pa.Table
    errors: list[tuple[int, str, str]]
    codes: dict[str, int]
    n_ok: int
    core_calls: int
    knowledge_version: str

    @property
    def n_rows(self) -> int:
        return self.table.num_rows


@dataclass
class _Outcome:
    status: str
    interval: str | None = None
    findings: list[str] = field(default_factory=list)
    severity: str | None = None
    error: str | None = None
    error_field: str | None = None
    canonical: float | None = None
    ng_ml: float | None = None
    nmol_l: float | None = None


def text_frame(table: pa.Table | pl.DataFrame) -> pl.DataFrame:
    """The recognised columns as text (missing ones null): the form both paths read."""
    df = table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    return df.select([pl.col(c).cast(pl.String) if c in df.columns else pl.lit(None, pl.String).alias(c)
                      for c in COLUMNS])


def _outcome(fields: dict[str, Any], kb: KnowledgeBase) -> _Outcome:
    try:
        result: Interpretation = interpret_row(fields, kb)
    except InputError as exc:
        return _Outcome("error", error=str(exc), error_field=exc.field)
    except LuteaError as exc:
        return _Outcome("error", error=str(exc), error_field="row")
    values = list(result.value.values())
    ri = result.reference_interval
    return _Outcome("ok", ri["id"] if ri else None, result.codes,
                    result.findings[0].severity.value if result.findings else None,
                    canonical=values[0], ng_ml=result.value.get("ng_ml"), nmol_l=result.value.get("nmol_l"))


def _key_columns(df: pl.DataFrame) -> pl.DataFrame:
    """Context columns for grouping; dates become day offsets from a plain-date `sampled`."""
    def day(name: str) -> pl.Expr:
        parsed = pl.col(name).str.to_date("%Y-%m-%d", strict=False)
        return pl.when(pl.col(name).str.contains(_ISO_DATE) & (parsed.dt.year() >= 1)).then(parsed)

    sampled = day("sampled")
    plain = sampled.is_not_null()
    for name in DATE_COLUMNS:
        plain = plain & (pl.col(name).is_null() | day(name).is_not_null())
    exprs = [pl.when(plain).then(pl.lit("@")).otherwise(pl.col("sampled")).alias("sampled")]
    exprs += [pl.when(plain & pl.col(n).is_not_null())
              .then(pl.lit("@") + (day(n) - sampled).dt.total_days().cast(pl.String))
              .otherwise(pl.col(n)).alias(n) for n in DATE_COLUMNS]
    others = [c for c in CONTEXT_COLUMNS if c not in DATE_COLUMNS and c != "sampled"]
    return df.select(others + exprs)


def _pairs(df: pl.DataFrame) -> tuple[np.ndarray, list[tuple[Specimen | None, float, float]]]:
    """Per row the id of its (unit, specimen) text pair; per pair (specimen, factor to canonical,
    canonical per nmol/L for serum-like), specimen None when the pair itself is an error."""
    groups = df.select("unit", "specimen").with_row_index("_i").group_by(["unit", "specimen"], maintain_order=True).agg("_i")
    pair_id = np.zeros(df.height, dtype=np.int64)
    info: list[tuple[Specimen | None, float, float]] = []
    for k, (unit, specimen_text, members) in enumerate(groups.iter_rows()):
        pair_id[np.asarray(members, dtype=np.int64)] = k
        try:
            specimen = parse_specimen(field_text(specimen_text) or "serum")
            factor = to_canonical(1.0, field_text(unit) or "ng/mL", specimen)
        except LuteaError:
            info.append((None, np.nan, np.nan))
            continue
        serum = specimen in (Specimen.SERUM, Specimen.PLASMA)
        info.append((specimen, factor, to_canonical(1.0, "nmol/L", specimen) if serum else np.nan))
    return pair_id, info


def _context_cuts(key: tuple[Any, ...], fields: dict[str, Any], specimen: Specimen, kb: KnowledgeBase) -> np.ndarray:
    cache_key = ("cuts", kb.version, *key)
    cuts = _CACHE.get(cache_key)
    if cuts is None:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        cuts = _CACHE[cache_key] = context_cut_points(fields, specimen, kb)
    return cuts  # type: ignore[return-value]


def _group_ids(keys: pl.DataFrame) -> tuple[np.ndarray, pl.DataFrame]:
    """Per row its group number; per group its key columns and member row indices (first = representative)."""
    grouped = keys.with_row_index("_i").group_by(keys.columns, maintain_order=True).agg(pl.col("_i"))
    gid = np.empty(keys.height, dtype=np.int64)
    exploded = grouped.with_row_index("_g").select("_g", "_i").explode("_i")
    gid[exploded["_i"].to_numpy()] = exploded["_g"].to_numpy()
    return gid, grouped


def evaluate_rows(rows: list[dict[str, Any]], kb: KnowledgeBase | None = None) -> tuple[list[_Outcome], str]:
    """The single-result path on each row (the representatives of groups), and the
    knowledge-base version / code fingerprint that read them (this runs on Dask workers)."""
    kb = kb or load_knowledge()
    return [_outcome(fields, kb) for fields in rows], f"{kb.version}/{fingerprint()}"


def interpret_chunk(
    table: pa.Table | pl.DataFrame,
    first_row: int = 1,
    kb: KnowledgeBase | None = None,
    evaluate: Callable[[list[dict[str, Any]]], list[_Outcome]] | None = None,
) -> ChunkResult:
    """Interpret a chunk of rows (row numbers from first_row): one output row per input row.

    evaluate: runs the single-result path on a list of rows (default: here, via evaluate_rows).
    """
    kb = kb or load_knowledge()
    df = text_frame(table)
    n = df.height
    pair_id, pairs = _pairs(df)
    specimens = [p[0] for p in pairs]
    valid = np.array([s is not None for s in specimens], dtype=bool)[pair_id]
    raw = df["value"].cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy().astype(float)
    conc = raw * np.array([p[1] for p in pairs], dtype=float)[pair_id]
    per_nmol = np.array([p[2] for p in pairs], dtype=float)[pair_id]
    # a valid (unit, specimen) pair acts only through the canonical value: key it by specimen
    spec_key = [None if s is None else s.value for s in specimens]
    raw_pair = pl.when(pl.Series(valid)).then(None)
    context = _key_columns(df).with_columns(
        pl.Series("_specimen", [spec_key[k] for k in pair_id], dtype=pl.String),
        raw_pair.otherwise(df["unit"]).alias("_unit_text"), raw_pair.otherwise(df["specimen"]).alias("_specimen_text"))
    _, ctx_groups = _group_ids(context)
    cell = np.full(n, -1, dtype=np.int64)
    rep_fields = df[ctx_groups["_i"].list.first().to_numpy()].to_dicts()
    for key, fields, members in zip(ctx_groups.select(context.columns).iter_rows(), rep_fields, ctx_groups["_i"].to_list()):
        rows = np.asarray(members, dtype=np.int64)
        specimen = specimens[pair_id[rows[0]]]
        if specimen is not None:
            cell[rows] = cells(conc[rows], _context_cuts(key, fields, specimen, kb))
    exact = pl.Series(cell < 0)
    keys = context.with_columns(
        pl.Series("_cell", cell),
        pl.when(exact).then(df["value"]).alias("_value_text"),
        pl.when(exact).then(df["unit"]).alias("_unit_exact"),
        pl.when(exact).then(df["specimen"]).alias("_specimen_exact"))
    gid, groups = _group_ids(keys)
    reps = groups["_i"].list.first().to_numpy()
    cache_keys = [(kb.version, *k) for k in groups.select(keys.columns).iter_rows()]
    missing = [g for g, k in enumerate(cache_keys) if k not in _CACHE]
    run = evaluate or (lambda rows: evaluate_rows(rows, kb)[0])
    fresh = dict(zip(missing, run(df[reps[missing]].to_dicts()) if missing else []))
    outcomes = [fresh[g] if g in fresh else _CACHE[key] for g, key in enumerate(cache_keys)]
    for g, outcome in fresh.items():
        if outcome.status == "ok":
            if len(_CACHE) >= _CACHE_MAX:
                _CACHE.clear()
            _CACHE[cache_keys[g]] = outcome
    calls = len(missing)
    failed = np.array([o.status == "error" for o in outcomes], dtype=bool)
    again = np.nonzero(failed[gid])[0]
    again = again[~np.isin(again, reps)]
    if again.size:  # every member of a group whose representative is an error: its own message
        for i, outcome in zip(again, run(df[again].to_dicts())):
            outcomes.append(outcome)
            gid[i] = len(outcomes) - 1
        calls += again.size
    serum = np.array([p[0] in (Specimen.SERUM, Specimen.PLASMA) for p in pairs], dtype=bool)[pair_id]
    units = np.array([None if p[0] is None else SPECIMEN_UNITS[p[0]].canonical for p in pairs], dtype=object)[pair_id]
    return _assemble(first_row, gid, outcomes, conc, per_nmol, serum, units, calls, kb.version)


def _assemble(first_row: int, gid: np.ndarray, outcomes: list[_Outcome], conc: np.ndarray, per_nmol: np.ndarray,
              serum: np.ndarray, units: np.ndarray, calls: int, version: str) -> ChunkResult:
    n = gid.size
    status = np.array([o.status for o in outcomes], dtype=object)[gid]
    ok = status == "ok"
    vector = ok & np.isfinite(conc)

    def per_row(name: str) -> np.ndarray:
        return np.array([np.nan if getattr(o, name) is None else getattr(o, name) for o in outcomes], dtype=float)[gid]

    canonical = np.where(vector, np.round(conc, 4), per_row("canonical"))
    ng_ml = np.where(vector & serum, np.round(conc, 4), per_row("ng_ml"))
    nmol_l = np.where(vector & serum, np.round(conc / per_nmol, 4), per_row("nmol_l"))

    def col(values: list[Any]) -> pa.Array:
        return pa.array(values, type=pa.string())

    group_table = pl.DataFrame({
        "_g": np.arange(len(outcomes)),
        "reference_interval": [o.interval for o in outcomes],
        "findings": [o.findings if o.status == "ok" else None for o in outcomes],
        "max_severity": [o.severity for o in outcomes],
        "error": [o.error for o in outcomes],
    }, schema_overrides={"findings": pl.List(pl.String), "reference_interval": pl.String,
                         "max_severity": pl.String, "error": pl.String})
    joined = pl.DataFrame({"_g": gid}).join(group_table, on="_g", how="left", maintain_order="left")
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    table = pa.table({
        "row": rows,
        "status": col(list(status)),
        "value_ng_ml": pa.array(np.where(ok, ng_ml, np.nan), from_pandas=True),
        "value_nmol_l": pa.array(np.where(ok, nmol_l, np.nan), from_pandas=True),
        "value_canonical": pa.array(np.where(ok, canonical, np.nan), from_pandas=True),
        "canonical_unit": col([u if k else None for u, k in zip(units, ok)]),
        "reference_interval": joined["reference_interval"].to_arrow(),
        "findings": joined["findings"].to_arrow(),
        "max_severity": joined["max_severity"].to_arrow(),
        "knowledge_version": col([version] * n),
        "error": joined["error"].to_arrow(),
    }).cast(OUTPUT_SCHEMA)
    sizes = np.bincount(gid, minlength=len(outcomes))
    codes: Counter[str] = Counter()
    for o, size in zip(outcomes, sizes):
        for code in o.findings:
            codes[code] += int(size)
    errors = [(int(rows[i]), outcomes[gid[i]].error_field or "row", outcomes[gid[i]].error or "")
              for i in np.nonzero(~ok)[0]]
    return ChunkResult(table, errors, dict(codes), int(ok.sum()), calls, version)
