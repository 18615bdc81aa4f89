"""The engine: SQLite in WAL mode with foreign keys on, or PostgreSQL through psycopg.

SQLite has one writer at a time. A unit of work reads outside a transaction (WAL: reads never
wait on the writer) and opens its write transaction at its first write, with `BEGIN IMMEDIATE`,
so that it holds the lock only from its first write to its commit, and never fails on a stale
read snapshot (SQLITE_BUSY_SNAPSHOT, which no busy handler retries). Each statement read before
that is consistent on its own; a rule that must read and write atomically does its reads after
its first write. `synchronous=NORMAL` is durable in WAL mode against a killed process (not
against power loss of the last commit). The pool holds a connection for every worker thread, so
no request waits for a connection while another waits for the lock.

Within one process, writers also queue on a lock of the engine's (`WriterQueue`): the next writer
starts the moment the last one commits, where SQLite's busy handler would have slept and polled
(and let some writers starve to their timeout under load). Other processes (the CLI) still meet
SQLite's busy timeout.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 5.0  # a writer waits this long for the lock, then the request gets a 503
SQLITE_POOL_SIZE = 64  # at least the worker threads of the server (anyio's default is 40)
POOL_TIMEOUT_S = 5.0
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


class WriterQueue:
    """One SQLite writer at a time in this process, in order of arrival, handed over at commit or
    rollback (first come, first served: no writer starves to its timeout)."""

    KEY = "lutea_writer"

    def __init__(self, timeout_s: float):
        self._guard = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._held = False
        self.timeout_s = timeout_s

    def enter(self, info: dict[str, Any]) -> None:
        with self._guard:
            turn = None
            if self._held or self._waiting:
                turn = threading.Event()
                self._waiting.append(turn)
            else:
                self._held = True
        if turn is not None and not turn.wait(self.timeout_s):
            with self._guard:
                if not turn.is_set():  # still waiting: give up the place in the queue
                    self._waiting.remove(turn)
                    raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked: no turn to write in time"))
        info[self.KEY] = True

    def leave(self, info: dict[str, Any]) -> None:
        if not info.pop(self.KEY, False):
            return
        with self._guard:
            if self._waiting:
                self._waiting.popleft().set()  # the turn passes on; the queue stays held
            else:
                self._held = False


def holds_write_lock(connection: Any) -> bool:
    """Whether this SQLite connection is in its write transaction (it has the writer's turn)."""
    return WriterQueue.KEY in connection.info


def make_engine(url: str) -> Engine:
    """An engine for a database URL (SQLite: WAL, foreign keys, immediate transactions, busy timeout)."""
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=20, pool_timeout=POOL_TIMEOUT_S)
    memory = ":memory:" in url or url in ("sqlite://", "sqlite:///")
    options: dict[str, Any] = {} if memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 0,
                                                 "pool_timeout": POOL_TIMEOUT_S}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}, **options)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver opens no transaction of its own: "begin" below does
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    writers = WriterQueue(SQLITE_BUSY_TIMEOUT_S)

    @event.listens_for(engine, "before_cursor_execute")
    def _write_begins(connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if WriterQueue.KEY in connection.info or not statement.lstrip()[:9].upper().startswith(WRITES):
            return
        writers.enter(connection.info)
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except Exception:
            writers.leave(connection.info)
            raise

    def _end(how: str) -> Any:
        def handler(connection: Any) -> None:
            if WriterQueue.KEY not in connection.info:
                return  # reads only: no transaction was opened
            # finish the transaction here, so the next writer's turn starts after it has ended
            try:
                getattr(connection.connection.dbapi_connection, how)()
            finally:
                writers.leave(connection.info)
        return handler

    event.listen(engine, "commit", _end("commit"))
    event.listen(engine, "rollback", _end("rollback"))

    @event.listens_for(engine.pool, "reset")
    def _returned(_dbapi_connection: Any, record: Any, _state: Any) -> None:
        writers.leave(record.info)  # a connection returned mid-transaction gives up its turn

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (responses are built after the commit)."""
    return sessionmaker(engine, expire_on_commit=False)
