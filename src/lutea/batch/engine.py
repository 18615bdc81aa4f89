"""Where batch work runs: in this process, or on Dask (lutea.batch.dask_engine).

Both engines apply a function to a stream of argument tuples and yield the results in input order,
so what a run writes does not depend on which engine ran it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from lutea.errors import InputError

ENGINES: tuple[str, ...] = ("local", "dask")


class Engine(Protocol):
    """Runs func(*args) for each args tuple; results in input order."""

    name: str
    workers: int

    def map_ordered(self, func: Callable[..., Any], items: Iterable[tuple[Any, ...]]) -> Iterator[Any]: ...


class LocalEngine(AbstractContextManager["LocalEngine"]):
    """One process, one item at a time: memory holds one chunk."""

    name = "local"
    workers = 1

    def __exit__(self, *exc: object) -> None:
        return None

    def map_ordered(self, func: Callable[..., Any], items: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        for args in items:
            yield func(*args)


def open_engine(name: str, *, scheduler: str | None = None, workers: int = 2) -> AbstractContextManager[Any]:
    """An engine by name: 'local', or 'dask' on `scheduler` (tcp://HOST:8786) or a new LocalCluster."""
    key = name.strip().lower()
    if key not in ENGINES:
        raise InputError("engine", f"unknown engine {name!r}", ENGINES)
    if key == "local":
        if scheduler is not None:
            raise InputError("scheduler", "a scheduler address needs the Dask engine", "--engine dask --scheduler tcp://HOST:8786")
        return LocalEngine()
    from lutea.batch.dask_engine import DaskEngine

    return DaskEngine(scheduler=scheduler, workers=workers)
