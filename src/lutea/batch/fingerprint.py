"""A fingerprint of the lutea code and knowledge base a process runs, so that the driver can
refuse results from Dask workers that run another version (identical results need identical code
and data, not only the same knowledge-base version string)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import lutea

_SUFFIXES = (".py", ".yaml", ".csv")


def _digest() -> str:
    root = Path(lutea.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in _SUFFIXES and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """sha256 (first 16 hex digits) over the lutea package's source and data files, as this process first read them."""
    return _digest()


def same_lutea(worker_fingerprint: str) -> bool:
    """Whether a worker runs this lutea: the files as this process first read them, or as they are now."""
    return worker_fingerprint in (fingerprint(), _digest())
