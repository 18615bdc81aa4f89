"""Load, validate and cross-check the knowledge-base data files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from lutea import findings
from lutea.errors import KnowledgeError
from lutea.knowledge import _cache, schema

DATA_PACKAGE = "lutea.knowledge.data"

# file stem -> entry model. A section is a YAML file with a top-level list under `entries`.
SECTIONS: dict[str, type[BaseModel]] = {
    "sources": schema.Source,
    "reference_intervals": schema.ReferenceInterval,
    "thresholds": schema.Threshold,
    "red_flags": schema.RedFlag,
    "symptoms": schema.Symptom,
    "products": schema.Product,
    "cycle_timing": schema.CycleTiming,
    "caveats": schema.Caveat,
    "triage_symptoms": schema.TriageSymptom,
    "pathways": schema.Pathway,
    "contraindications": schema.Contraindication,
    "interactions": schema.Interaction,
    "side_effects": schema.SideEffect,
    "pk_models": schema.PkRouteModel,
    "progestogen_models": schema.ProgestogenModel,
    "balancing_scenarios": schema.BalancingScenario,
    "pk_arms": schema.PKArm,
    "assay_factors": schema.AssayFactor,
    "baseline_levels": schema.BaselineLevel,
    "balance_targets": schema.BalanceTarget,
    "expected_levels": schema.ExpectedLevelRule,
    "claims": schema.Claim,
    "regions": schema.Region,
    "risk_profiles": schema.RiskProfile,
}

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Citation:
    section: str
    entry_id: str


class KnowledgeBase:
    """All sections of the knowledge base, indexed by id, with one version string."""

    def __init__(self, version: str, sections: dict[str, list[BaseModel]]):
        self.version = version
        self.sections = sections
        self._by_id = {name: {e.id: e for e in entries} for name, entries in sections.items()}  # type: ignore[attr-defined]

    def entries(self, section: str) -> list[Any]:
        """All entries of one section, in file order."""
        return self.sections.get(section, [])

    def get(self, section: str, entry_id: str) -> Any:
        """One entry by id; KeyError naming the section when absent."""
        try:
            return self._by_id[section][entry_id]
        except KeyError:
            raise KeyError(f"no entry {entry_id!r} in {section}") from None

    def substance_of(self, product_id: str | None) -> schema.Substance:
        """The active substance of a product (progesterone for no product or an unknown one, as the
        regimen language reads a dose without a product)."""
        product = self._by_id.get("products", {}).get(product_id) if product_id else None
        return getattr(product, "substance", None) or schema.PROGESTERONE

    def progestogens(self) -> list[Any]:
        """The products of a synthetic progestogen (any substance but progesterone), in file order."""
        return [p for p in self.entries("products") if p.substance != schema.PROGESTERONE]

    @property
    def sources(self) -> dict[str, schema.Source]:
        return self._by_id["sources"]  # type: ignore[return-value]

    def cited(self) -> Iterator[tuple[str, BaseModel, list[str]]]:
        """Every (section, entry, source ids) of entries that cite sources, nested ones included."""
        for name, entries in self.sections.items():
            if name == "sources":
                continue
            for entry in entries:
                yield name, entry, sorted(_source_ids(entry))

    def citing(self, source_id: str) -> list[Citation]:
        """Entries that cite a source."""
        return [Citation(name, e.id) for name, e, ids in self.cited() if source_id in ids]  # type: ignore[attr-defined]


def _source_ids(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, BaseModel):
        for field_name in type(value).model_fields:
            item = getattr(value, field_name)
            if field_name == "sources" and isinstance(item, list):
                found.update(item)
            else:
                found |= _source_ids(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found |= _source_ids(item)
    elif isinstance(value, dict):
        for item in value.values():
            found |= _source_ids(item)
    return found


def _read_yaml(path: Path | Any) -> Any:
    with path.open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_from(directory: Path | Any) -> KnowledgeBase:
    """Load and validate a knowledge base from a directory of YAML files."""
    manifest = _read_yaml(directory / "manifest.yaml")
    version = str(manifest["version"])
    sections: dict[str, list[BaseModel]] = {}
    for name, model in SECTIONS.items():
        path = directory / f"{name}.yaml"
        if not path.is_file():
            sections[name] = []
            continue
        document = _read_yaml(path) or {}
        raw = document.get("entries", []) if isinstance(document, dict) else None
        if not isinstance(raw, list):
            raise KnowledgeError(f"{name}.yaml: expected a mapping with a list under 'entries'")
        parsed = []
        for index, item in enumerate(raw):
            try:
                parsed.append(model.model_validate(item))
            except ValidationError as exc:
                ident = item.get("id", f"#{index}") if isinstance(item, dict) else f"#{index}"
                raise KnowledgeError(f"{name}.yaml entry {ident}: {exc}") from None
        sections[name] = parsed
    _cross_check(sections)
    return KnowledgeBase(version, sections)


def _cross_check(sections: dict[str, list[BaseModel]]) -> None:
    source_ids = {s.id for s in sections["sources"]}  # type: ignore[attr-defined]
    for name, entries in sections.items():
        seen: set[str] = set()
        for entry in entries:
            ident = entry.id  # type: ignore[attr-defined]
            if ident in seen:
                raise KnowledgeError(f"{name}.yaml: duplicate id {ident!r}")
            seen.add(ident)
            if name == "sources":
                continue
            missing = _source_ids(entry) - source_ids
            if missing:
                raise KnowledgeError(f"{name}.yaml entry {ident}: unknown source ids {sorted(missing)}")
    red_flag_ids = {r.id for r in sections["red_flags"]}  # type: ignore[attr-defined]
    for symptom in sections["symptoms"]:
        unknown = set(symptom.red_flags) - red_flag_ids  # type: ignore[attr-defined]
        if unknown:
            raise KnowledgeError(f"symptoms.yaml entry {symptom.id}: unknown red flags {sorted(unknown)}")  # type: ignore[attr-defined]
    for pathway in sections.get("pathways", []):
        for note in (*pathway.monitoring, *pathway.do_not, *pathway.notes):  # type: ignore[attr-defined]
            unknown = set(note.red_flags) - red_flag_ids
            if unknown:
                raise KnowledgeError(f"pathways.yaml entry {pathway.id}: note {note.code} names unknown red flags "  # type: ignore[attr-defined]
                                     f"{sorted(unknown)}")
    _cross_check_red_flag_symptoms(sections)
    _cross_check_products(sections)
    _cross_check_claims(sections)
    _cross_check_contacts(sections)
    _cross_check_risk_profiles(sections)


def finding_codes(sections: dict[str, list[BaseModel]]) -> set[str]:
    """Every finding code lutea can emit: the rules' (lutea.findings.RULE_CODES) and those the data
    files declare (caveats, pathway notes, expected-level rules)."""
    codes = set(findings.RULE_CODES)
    codes |= {c.code for c in sections.get("caveats", [])}  # type: ignore[attr-defined]
    codes |= {r.code for r in sections.get("expected_levels", [])}  # type: ignore[attr-defined]
    for pathway in sections.get("pathways", []):
        codes |= {n.code for n in (*pathway.monitoring, *pathway.do_not, *pathway.notes)}  # type: ignore[attr-defined]
    return codes


def _cross_check_claims(sections: dict[str, list[BaseModel]]) -> None:
    """A claim links only to finding codes lutea emits, pathways and diary symptoms that exist."""
    known = {
        "findings": finding_codes(sections),
        "pathways": {p.id for p in sections.get("pathways", [])},  # type: ignore[attr-defined]
        "symptoms": {s.id for s in sections.get("symptoms", [])},  # type: ignore[attr-defined]
    }
    for claim in sections.get("claims", []):
        for kind, names in known.items():
            unknown = set(getattr(claim.related, kind)) - names  # type: ignore[attr-defined]
            if unknown:
                raise KnowledgeError(f"claims.yaml entry {claim.id}: related {kind} unknown {sorted(unknown)}")  # type: ignore[attr-defined]


PLACEHOLDER = re.compile(r"\{([a-z][a-z_]*)\}")


def _texts(value: Any) -> Iterator[str]:
    """Every string inside an entry, nested models, lists and mappings included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for field_name in type(value).model_fields:
            yield from _texts(getattr(value, field_name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)


def _cross_check_contacts(sections: dict[str, list[BaseModel]]) -> None:
    """Every region gives the same contacts, and every placeholder a text uses is one of them
    (or a cut-off placeholder of a pathway, rendered from thresholds.yaml, or a caveat's substance
    placeholder)."""
    regions = sections.get("regions", [])
    keys = set(regions[0].contacts) if regions else set()  # type: ignore[attr-defined]
    for region in regions:
        if set(region.contacts) != keys:  # type: ignore[attr-defined]
            raise KnowledgeError(f"regions.yaml entry {region.id}: contacts {sorted(region.contacts)} differ from "  # type: ignore[attr-defined]
                                 f"{regions[0].id}'s {sorted(keys)}; every region gives every contact")  # type: ignore[attr-defined]
    allowed = keys | {p.strip("{}") for p in (*schema.CUTOFF_PLACEHOLDERS, *schema.SUBSTANCE_PLACEHOLDERS)}
    for name, entries in sections.items():
        if name in ("sources", "regions"):
            continue
        for entry in entries:
            unknown = {m for text in _texts(entry) for m in PLACEHOLDER.findall(text)} - allowed
            if unknown:
                accepted = ", ".join(sorted(keys)) or "none (regions.yaml is missing)"
                raise KnowledgeError(f"{name}.yaml entry {entry.id}: placeholders {sorted(unknown)} are not contacts "  # type: ignore[attr-defined]
                                     f"of every region in regions.yaml; accepted: {accepted}")


def _cross_check_risk_profiles(sections: dict[str, list[BaseModel]]) -> None:
    """A pathway compares, and a product names, only substances that have a risk profile."""
    known = {p.id for p in sections.get("risk_profiles", [])}  # type: ignore[attr-defined]
    if not known:
        return
    for product in sections.get("products", []):
        substance = getattr(product, "substance", None)
        if substance is not None and substance not in known:
            raise KnowledgeError(f"products.yaml entry {product.id}: substance {substance!r} has no risk profile")  # type: ignore[attr-defined]
    for pathway in sections.get("pathways", []):
        unknown = set(pathway.risk_comparison) - known  # type: ignore[attr-defined]
        if unknown:
            raise KnowledgeError(f"pathways.yaml entry {pathway.id}: risk_comparison names substances without a "  # type: ignore[attr-defined]
                                 f"risk profile {sorted(unknown)}")


def _cross_check_products(sections: dict[str, list[BaseModel]]) -> None:
    """Pathway regimens, contraindications and side effects name products that exist."""
    product_ids = {p.id for p in sections.get("products", [])}  # type: ignore[attr-defined]
    named: list[tuple[str, str, list[str]]] = []
    for pathway in sections.get("pathways", []):
        named.append(("pathways", pathway.id, [r.product for r in pathway.regimens]))  # type: ignore[attr-defined]
    for entry in sections.get("contraindications", []):
        named.append(("contraindications", entry.id, list(entry.products)))  # type: ignore[attr-defined]
    for entry in sections.get("side_effects", []):
        named.append(("side_effects", entry.id, [entry.product]))  # type: ignore[attr-defined]
    for section, ident, products in named:
        unknown = set(products) - product_ids
        if unknown:
            raise KnowledgeError(f"{section}.yaml entry {ident}: unknown products {sorted(unknown)}")


def _cross_check_red_flag_symptoms(sections: dict[str, list[BaseModel]]) -> None:
    """Every symptom a red flag names is in triage_symptoms.yaml (when that file exists)."""
    names = {s.id for s in sections.get("triage_symptoms", [])}  # type: ignore[attr-defined]
    if not names:
        return
    for flag in sections["red_flags"]:
        unknown = set(flag.any_symptoms) | set(flag.all_symptoms)  # type: ignore[attr-defined]
        unknown -= names
        if unknown:
            raise KnowledgeError(f"red_flags.yaml entry {flag.id}: unknown symptoms {sorted(unknown)}")  # type: ignore[attr-defined]


def load_cached(directory: Path | Any, cache_dir: Path | None = None) -> KnowledgeBase:
    """load_from(directory), kept validated in the per-user cache (lutea.knowledge._cache) under
    a key of every file of the directory and of lutea's and pydantic's versions."""
    try:
        key = _cache.cache_key((f for f in directory.iterdir() if f.is_file()),
                               (Path(schema.__file__), Path(__file__), Path(findings.__file__)))
    except OSError:  # a directory or a source that cannot be read for the key: no cache
        return load_from(directory)
    path = (cache_dir or _cache.cache_dir()) / f"knowledge-{key}.pickle"
    kept = _cache.read(path, key)
    if isinstance(kept, KnowledgeBase):
        return kept
    kb = load_from(directory)
    _cache.write(path, key, kb)
    return kb


@lru_cache(maxsize=1)
def load_knowledge() -> KnowledgeBase:
    """The packaged knowledge base (loaded once per process, through the per-user cache)."""
    return load_cached(resources.files(DATA_PACKAGE))
