"""The audit trail as a hash chain: appended only at its end (the database refuses anything else,
REPLACE and back-dated rows included), and `verify` finds the first row forged around the triggers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lutea.command import app as cli
from lutea.store import audit_chain, crud, make_engine, make_sessionmaker


def _trail(database_url: str, n: int = 3) -> sa.Engine:
    engine = make_engine(database_url)
    for i in range(n):
        with make_sessionmaker(engine).begin() as session:
            crud.record_audit(session, user=None, action="read", patient_id=1, record_type="measurements",
                              record_id=i + 1, client_addr="127.0.0.1", path=f"/api/v1/patients/1/measurements/{i + 1}")
    return engine


def _verify(engine: sa.Engine) -> audit_chain.ChainReport:
    with make_sessionmaker(engine)() as session:
        return audit_chain.verify(session)


def _last(engine: sa.Engine) -> dict:
    with engine.connect() as connection:
        return dict(connection.execute(sa.text("SELECT * FROM audit_events ORDER BY id DESC LIMIT 1")).mappings().one())


def _at(engine: sa.Engine, at: datetime) -> object:
    """A time as a hand-written statement passes it (SQLite: the text SQLAlchemy stores)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if engine.dialect.name == "sqlite" else at


def _raw_insert(engine: sa.Engine, *, row_id: int | None = None, at: datetime | None = None, verb: str = "INSERT",
                prev_hash: str | None = None) -> None:
    """A row written by hand, well chained unless told otherwise: only what the test changes is wrong."""
    last = _last(engine)
    values = {"at": at or datetime.now(UTC), "user_id": None, "user_email": "mallory@example.org", "action": "read",
              "patient_id": 1, "record_type": "measurements", "record_id": 9, "client_addr": "10.6.6.6", "path": "/"}
    prev = last["hash"] if prev_hash is None else prev_hash
    row = {**values, "at": _at(engine, values["at"]), "prev_hash": prev, "hash": audit_chain.row_hash(prev, values)}
    if row_id is not None:
        row["id"] = row_id
    columns = ", ".join(row)
    with engine.begin() as connection:
        connection.execute(sa.text(f"{verb} INTO audit_events ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row)


def test_a_normal_trail_verifies(database_url: str) -> None:
    engine = _trail(database_url, 5)
    report = _verify(engine)
    assert report.intact and report.rows == 5
    engine.dispose()


@pytest.mark.parametrize("rows_per_transaction", [1, 3])
def test_concurrent_writers_keep_one_chain(database_url: str, rows_per_transaction: int) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(8):
                with sessions.begin() as session:
                    for j in range(rows_per_transaction):
                        crud.record_audit(session, user=None, action="read", patient_id=k, record_id=i * 10 + j)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = _verify(engine)
    assert report.intact and report.rows == 32 * rows_per_transaction
    with make_sessionmaker(engine)() as session:  # a transaction's rows stay together, in order
        rows = sorted(crud.list_audit(session), key=lambda e: e.id)
    for start in range(0, len(rows), rows_per_transaction):
        batch = rows[start:start + rows_per_transaction]
        assert len({e.patient_id for e in batch}) == 1
        assert [e.record_id % 10 for e in batch] == list(range(rows_per_transaction))
    engine.dispose()


def test_a_rolled_back_savepoint_takes_its_rows_and_leaves_an_intact_chain(database_url: str) -> None:
    """A transaction's rows are written together at its commit; a savepoint rolled back drops what
    it queued and, if it had written the chain already, what it wrote (and the head it moved)."""
    engine = _trail(database_url, 2)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        crud.record_audit(session, user=None, action="create", record_id=1)
        with pytest.raises(RuntimeError), session.begin_nested():  # queued, then dropped
            crud.record_audit(session, user=None, action="read", record_id=90)
            raise RuntimeError("refused")
        with pytest.raises(RuntimeError), session.begin_nested():  # written in the savepoint, then rolled back
            crud.record_audit(session, user=None, action="read", record_id=91)
            crud.write_audit(session)
            raise RuntimeError("refused")
        with session.begin_nested():  # kept: written when the savepoint is released
            crud.record_audit(session, user=None, action="update", record_id=2)
        with pytest.raises(RuntimeError), session.begin_nested():  # after the chain moved in this transaction
            crud.record_audit(session, user=None, action="read", record_id=92)
            crud.write_audit(session)
            raise RuntimeError("refused")
        crud.record_audit(session, user=None, action="delete", record_id=3)
    report = _verify(engine)
    assert report.intact and report.rows == 5, report
    with make_sessionmaker(engine)() as session:
        newest = crud.list_audit(session)[:3]
    assert [(e.action, e.record_id) for e in newest] == [("delete", 3), ("update", 2), ("create", 1)]
    assert newest[0].at >= newest[1].at >= newest[2].at
    engine.dispose()


def test_a_transaction_rolled_back_or_closed_writes_none_of_its_rows(database_url: str) -> None:
    engine = _trail(database_url, 1)
    sessions = make_sessionmaker(engine)
    with pytest.raises(RuntimeError), sessions.begin() as session:
        crud.record_audit(session, user=None, action="read", record_id=1)
        raise RuntimeError("refused")
    with sessions() as session:  # never committed
        crud.record_audit(session, user=None, action="read", record_id=2)
    with sessions.begin() as session:  # the next transaction starts with an empty queue
        crud.record_audit(session, user=None, action="read", record_id=3)
    report = _verify(engine)
    assert report.intact and report.rows == 2
    engine.dispose()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'edit'",
    "DELETE FROM audit_events WHERE id = 2",
])
def test_direct_edits_fail(database_url: str, statement: str) -> None:
    engine = _trail(database_url)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text(statement))
    assert _verify(engine).intact
    engine.dispose()


def test_replace_and_insert_or_replace_cannot_overwrite_a_row(database_url: str) -> None:
    """The probe: on SQLite `REPLACE INTO audit_events` overwrote an existing row."""
    engine = _trail(database_url)
    before = _verify(engine)
    for row_id in (1, 3):  # a row in the middle, and the last one
        if engine.dialect.name == "sqlite":
            for prefix in ("REPLACE", "INSERT OR REPLACE"):
                with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                    _raw_insert(engine, row_id=row_id, verb=prefix)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
            conflict = ("INSERT INTO audit_events (id, at, action, prev_hash, hash) VALUES (:id, :at, 'edit', 'x', 'y') "
                        "ON CONFLICT (id) DO UPDATE SET action = 'edit'")
            connection.execute(sa.text(conflict), {"id": row_id, "at": _at(engine, datetime.now(UTC))})
    with make_sessionmaker(engine)() as session:
        assert [e.action for e in crud.list_audit(session)] == ["read"] * 3
    assert _verify(engine) == before
    engine.dispose()


@pytest.mark.parametrize("case", ["back-dated", "future", "low id", "negative id", "wrong prev_hash", "no hash"])
def test_rows_out_of_order_are_refused(database_url: str, case: str) -> None:
    """The probe: back-dated rows could be inserted. Every insert goes at the end of the chain."""
    engine = _trail(database_url)
    now = datetime.now(UTC)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        if case == "back-dated":
            _raw_insert(engine, at=now - timedelta(days=30))
        elif case == "future":
            _raw_insert(engine, at=now + timedelta(days=1))
        elif case == "low id":
            _raw_insert(engine, row_id=0)
        elif case == "negative id":
            _raw_insert(engine, row_id=-1)
        elif case == "wrong prev_hash":
            _raw_insert(engine, prev_hash="f" * 64)
        else:
            with engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO audit_events (at, action) VALUES (:at, 'read')"),
                                   {"at": _at(engine, now)})
    _raw_insert(engine)  # a well-chained row at the end is what the database accepts
    assert _verify(engine).rows == 4
    engine.dispose()


def _around_the_triggers(engine: sa.Engine, statement: str, params: dict | None = None) -> None:
    """Write as someone who owns the database and switches the triggers off for one statement."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            connection.execute(sa.text(statement), params or {})
            connection.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            triggers = connection.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'")).all()
            for name, _ in triggers:
                connection.execute(sa.text(f"DROP TRIGGER {name}"))
            connection.execute(sa.text(statement), params or {})
            for _, sql in triggers:
                connection.exec_driver_sql(sql)


@pytest.mark.parametrize("forgery", ["edit", "delete", "insert in the middle", "back-date"])
def test_verify_names_the_first_row_forged_around_the_triggers(database_url: str, forgery: str) -> None:
    engine = _trail(database_url, 5)
    if forgery == "edit":
        _around_the_triggers(engine, "UPDATE audit_events SET client_addr = '192.0.2.1' WHERE id = 3")
        expected = 3
    elif forgery == "delete":
        _around_the_triggers(engine, "DELETE FROM audit_events WHERE id = 2")
        expected = 3
    elif forgery == "insert in the middle":
        _around_the_triggers(engine, "DELETE FROM audit_events WHERE id = 4")
        _around_the_triggers(engine, "INSERT INTO audit_events (id, at, action, prev_hash, hash) "
                                     "SELECT 4, at, 'read', hash, hash FROM audit_events WHERE id = 3")
        expected = 4
    else:
        _around_the_triggers(engine, "UPDATE audit_events SET at = :at WHERE id = 5",
                             {"at": _at(engine, datetime(2020, 1, 1, tzinfo=UTC))})
        expected = 5
    report = _verify(engine)
    assert report.broken is not None and report.broken.row_id == expected, report
    engine.dispose()


def test_lutea_audit_verify_exits_1_at_the_first_broken_link(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'lutea.db'}"
    monkeypatch.setenv("LUTEA_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(cli, ["audit", "--json"]).exit_code == 0  # migrates
    engine = _trail(url, 4)
    intact = runner.invoke(cli, ["audit", "verify"])
    assert intact.exit_code == 0 and "intact: 4 rows" in intact.stdout
    _around_the_triggers(engine, "UPDATE audit_events SET user_email = 'someone.else@example.org' WHERE id = 2")
    broken = runner.invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "broken at row 2" in broken.stdout
    engine.dispose()


def test_the_migration_chains_the_rows_written_before_it(empty_database_url: str) -> None:
    from alembic import command

    from lutea.store import upgrade_to_head
    from lutea.store.migrate import alembic_config

    command.upgrade(alembic_config(empty_database_url), "0005_session_version")
    engine = make_engine(empty_database_url)
    with engine.begin() as connection:
        for i in range(3):
            connection.execute(sa.text("INSERT INTO audit_events (at, action, patient_id) VALUES (:at, 'read', :p)"),
                               {"at": _at(engine, datetime(2026, 1, 1, 12, i, tzinfo=UTC)), "p": i})
    upgrade_to_head(empty_database_url)
    report = _verify(engine)
    assert report.intact and report.rows == 3
    with make_sessionmaker(engine).begin() as session:
        crud.record_audit(session, user=None, action="read")
    assert _verify(engine).rows == 4
    engine.dispose()


def test_downgrading_the_chain_keeps_the_trail_append_only(empty_database_url: str) -> None:
    from alembic import command

    from lutea.store import upgrade_to_head
    from lutea.store.migrate import alembic_config

    upgrade_to_head(empty_database_url)
    engine = _trail(empty_database_url, 2)
    command.downgrade(alembic_config(empty_database_url), "0005_session_version")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_events SET action = 'edit'"))
    upgrade_to_head(empty_database_url)
    assert _verify(engine).intact
    engine.dispose()
