"""The per-user cache of the validated knowledge base (lutea.knowledge._cache)."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

import lutea
from lutea.knowledge import _cache, loader
from lutea.knowledge.loader import KnowledgeBase, load_cached

DATA = Path(loader.__file__).resolve().parent / "data"


@pytest.fixture()
def kb_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every directory load_from validates (a load served by the cache adds none)."""
    seen: list[Path] = []
    real = loader.load_from

    def counting(directory: Path) -> KnowledgeBase:
        seen.append(directory)
        return real(directory)

    monkeypatch.setattr(loader, "load_from", counting)
    return seen


def _files(cache: Path) -> list[Path]:
    return sorted(cache.glob("knowledge-*.pickle"))


def test_the_second_load_comes_from_the_cache(kb_dir: Path, tmp_path: Path, builds: list[Path]) -> None:
    cache = tmp_path / "cache"
    first = load_cached(kb_dir, cache)
    second = load_cached(kb_dir, cache)
    assert builds == [kb_dir]
    assert len(_files(cache)) == 1
    assert second.version == first.version
    assert second.sources.keys() == first.sources.keys()
    assert second.entries("pathways") == first.entries("pathways")
    assert second.get("products", first.entries("products")[0].id) == first.entries("products")[0]


def test_a_changed_data_file_is_another_key(kb_dir: Path, tmp_path: Path, builds: list[Path]) -> None:
    cache = tmp_path / "cache"
    before = load_cached(kb_dir, cache)
    manifest = kb_dir / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(before.version, "9999.1.1"), encoding="utf-8")
    after = load_cached(kb_dir, cache)
    assert after.version == "9999.1.1"
    assert builds == [kb_dir, kb_dir]
    assert len(_files(cache)) == 2
    (kb_dir / "notes.txt").write_text("any file of the directory counts", encoding="utf-8")
    load_cached(kb_dir, cache)
    assert len(builds) == 3


def test_another_lutea_or_pydantic_version_is_another_key(kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def key() -> str:
        return _cache.cache_key(sorted(kb_dir.iterdir()), [Path(loader.__file__)])

    import pydantic

    base = key()
    monkeypatch.setattr(lutea, "__version__", lutea.__version__ + ".post1")
    bumped = key()
    monkeypatch.setattr(pydantic, "VERSION", pydantic.VERSION + ".post1")
    assert len({base, bumped, key()}) == 3


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps(("another key", "x"))[:-3],
                                     pickle.dumps(("another key", "a knowledge base"))])
def test_a_corrupt_or_foreign_cache_file_is_ignored_and_rebuilt(
    kb_dir: Path, tmp_path: Path, builds: list[Path], content: bytes
) -> None:
    cache = tmp_path / "cache"
    load_cached(kb_dir, cache)
    (path,) = _files(cache)
    path.write_bytes(content)
    kb = load_cached(kb_dir, cache)
    assert kb.sources and len(builds) == 2
    load_cached(kb_dir, cache)  # rewritten whole
    assert len(builds) == 2


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_cache_file_others_may_write_is_not_unpickled(kb_dir: Path, tmp_path: Path, builds: list[Path]) -> None:
    cache = tmp_path / "cache"
    load_cached(kb_dir, cache)
    (path,) = _files(cache)
    path.chmod(0o666)
    load_cached(kb_dir, cache)
    assert len(builds) == 2


def test_a_cache_that_cannot_be_written_is_no_error(kb_dir: Path, tmp_path: Path, builds: list[Path]) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")
    assert load_cached(kb_dir, blocked / "cache").sources
    assert load_cached(kb_dir, blocked / "cache").sources
    assert len(builds) == 2
    assert list(tmp_path.glob("**/*.tmp")) == []


def test_where_the_cache_lives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LUTEA_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert _cache.cache_dir() == Path.home() / ".cache" / "lutea"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _cache.cache_dir() == tmp_path / "xdg" / "lutea"
    monkeypatch.setenv("LUTEA_CACHE_DIR", str(tmp_path / "mine"))
    assert _cache.cache_dir() == tmp_path / "mine"


def test_the_packaged_knowledge_base_goes_through_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LUTEA_CACHE_DIR", str(tmp_path))
    loader.load_knowledge.cache_clear()
    try:
        kb = loader.load_knowledge()
    finally:
        loader.load_knowledge.cache_clear()
    assert len(_files(tmp_path)) == 1 and kb.sources
