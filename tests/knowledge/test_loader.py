from pathlib import Path

import pytest
import yaml

from lutea.errors import KnowledgeError
from lutea.knowledge import load_knowledge
from lutea.knowledge.loader import SECTIONS, load_from


def test_packaged_knowledge_base_loads_with_version():
    kb = load_knowledge()
    assert kb.version.count(".") == 2
    assert kb.sources, "no sources"


def test_every_entry_cites_a_known_source():
    kb = load_knowledge()
    for section, entry, ids in kb.cited():
        assert ids, f"{section}:{entry.id} cites nothing"
        assert set(ids) <= set(kb.sources), f"{section}:{entry.id}"


def test_every_source_is_cited_by_something():
    kb = load_knowledge()
    uncited = [s for s in kb.sources if not kb.citing(s)]
    assert not uncited, f"sources nobody cites: {uncited}"


def _copy_kb(tmp_path: Path) -> Path:
    src = Path(__file__).resolve().parents[2] / "src/lutea/knowledge/data"
    for f in src.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    return tmp_path


def test_unknown_source_id_is_rejected(tmp_path):
    d = _copy_kb(tmp_path)
    doc = yaml.safe_load((d / "products.yaml").read_text())
    doc["entries"][0]["sources"] = ["no-such-source"]
    (d / "products.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(KnowledgeError, match="unknown source ids"):
        load_from(d)


def test_duplicate_id_is_rejected(tmp_path):
    d = _copy_kb(tmp_path)
    doc = yaml.safe_load((d / "sources.yaml").read_text())
    doc["entries"].append(doc["entries"][0])
    (d / "sources.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(KnowledgeError, match="duplicate id"):
        load_from(d)


def test_schema_violation_names_file_and_entry(tmp_path):
    d = _copy_kb(tmp_path)
    doc = yaml.safe_load((d / "sources.yaml").read_text())
    doc["entries"][0]["kind"] = "blog"
    (d / "sources.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(KnowledgeError, match=r"sources.yaml entry stricker2006"):
        load_from(d)


def test_sections_have_models():
    assert {"sources", "reference_intervals", "thresholds", "red_flags", "symptoms", "products"} <= set(SECTIONS)
