"""The per-user cache of the validated knowledge base: a pickle that saves every fresh process the
~0.3 s of reading and validating the YAML files.

Where: `$LUTEA_CACHE_DIR`, else `$XDG_CACHE_HOME/lutea`, else `~/.cache/lutea`; one file per key,
`knowledge-<key>.pickle`. The key is a SHA-256 of every file in the data directory (names and
bytes), of the schema's and the loader's source, and of the versions of lutea, pydantic,
pydantic-core and Python: a change to any of them is another key, so a copy is never read across
versions. A cache file that cannot be read, does not unpickle, holds another key or is not the
user's own (owned by someone else, or writable by group or others) is ignored and rebuilt;
writes go to a temporary file renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_FORMAT = b"lutea-knowledge-cache/1"
_STALE_S = 7 * 24 * 3600  # other keys' files written this long ago are removed when a new one is written


def cache_dir() -> Path:
    """The directory of lutea's per-user cache (LUTEA_CACHE_DIR, XDG_CACHE_HOME/lutea, ~/.cache/lutea)."""
    chosen = os.environ.get("LUTEA_CACHE_DIR")
    if chosen:
        return Path(chosen).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "lutea"


def cache_key(data_files: Iterable[Any], code_files: Iterable[Path]) -> str:
    """SHA-256 of the data files (Traversables: name and bytes), the code that builds the
    objects, and the versions of lutea, pydantic, pydantic-core and Python."""
    import pydantic
    import pydantic_core

    import lutea

    digest = hashlib.sha256(_FORMAT)
    for part in (lutea.__version__, pydantic.VERSION, pydantic_core.__version__, sys.version):
        digest.update(b"\0" + part.encode())
    for path in code_files:
        _add(digest, path.name, path.read_bytes())
    for item in sorted(data_files, key=lambda f: f.name):
        _add(digest, item.name, item.read_bytes())
    return digest.hexdigest()


def _add(digest: Any, name: str, content: bytes) -> None:
    digest.update(b"\0%s\0%d\0" % (name.encode(), len(content)))
    digest.update(content)


def read(path: Path, key: str) -> Any | None:
    """The object stored under `key` at `path`, or None when absent, foreign, corrupt or stale."""
    try:
        with path.open("rb") as fh:
            if not _own(os.fstat(fh.fileno())):
                return None
            stored = pickle.load(fh)
    except Exception:  # absent, unreadable or corrupt: rebuilt by the caller
        return None
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key:
        return stored[1]
    return None


def _own(stat: os.stat_result) -> bool:
    """Only the user's own file, writable by no one else, is unpickled."""
    if not hasattr(os, "getuid"):
        return True
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022


def write(path: Path, key: str, value: Any) -> None:
    """Store `value` under `key` at `path` atomically (temporary file, then rename); a cache that
    cannot be written is no error."""
    tmp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        _prune(path)
    except Exception:
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _prune(kept: Path) -> None:
    """Remove other keys' cache files (and abandoned temporary files) written over a week ago."""
    cutoff = time.time() - _STALE_S
    for other in kept.parent.glob("*knowledge-*"):
        if other != kept and other.stat().st_mtime < cutoff:
            other.unlink(missing_ok=True)
