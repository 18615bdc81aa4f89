"""The Dask engine: the same functions as the local engine, run on Dask distributed workers.

With a scheduler address it joins an existing cluster (the workers need the same lutea and
knowledge-base version installed); without one it starts a LocalCluster of worker processes with
one thread each. At most `window` items are in flight, so the driver's memory stays bounded.
"""

from __future__ import annotations

import logging
import re
import socket
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from lutea.errors import InputError


def _check_reachable(address: str) -> None:
    """Fail at once (InputError) when nothing listens at tcp://HOST:PORT."""
    match = re.fullmatch(r"(?:tcp://)?\[?([^\]/]+?)\]?:(\d+)/?", address.strip())
    if match is None:
        raise InputError("scheduler", f"{address!r} is not a scheduler address", "tcp://HOST:8786")
    try:
        socket.create_connection((match[1], int(match[2])), timeout=5).close()
    except OSError as exc:
        raise InputError("scheduler", f"cannot reach {address!r} ({exc.strerror or exc})", "tcp://HOST:8786 of a running scheduler") from None


class DaskEngine(AbstractContextManager["DaskEngine"]):
    """A Dask client on `scheduler` (tcp://HOST:8786) or on a new LocalCluster of `workers` processes."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int = 2, window: int | None = None):
        if scheduler is None and not 1 <= workers <= 256:
            raise InputError("workers", f"{workers} workers", "1 to 256")
        self.scheduler = scheduler
        self.workers = workers
        self._window = window
        self._cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> DaskEngine:
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self._cluster)
        else:
            _check_reachable(self.scheduler)
            try:
                self.client = Client(self.scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise InputError("scheduler", f"cannot reach {self.scheduler!r} ({exc})", "tcp://HOST:8786 of a running scheduler") from None
            self.workers = max(1, sum(self.client.nthreads().values()))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def map_ordered(self, func: Callable[..., Any], items: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        """Submit func(*args) for each item, keeping at most `window` running; yield results in order."""
        window = self._window or 2 * max(self.workers, 1)
        pending: deque[Any] = deque()
        for args in items:
            pending.append(self.client.submit(func, *args, pure=False))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
