"""`lutea audit [--patient ID] [--json]`: read the audit trail of the record store;
`lutea audit verify`: check its hash chain (exit 1 at the first broken link)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lutea.cli._common import console
from lutea.terminal import print_json

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(help="The audit trail: who read or changed which record, when and from where.")


def _engine() -> Engine:
    """The store of LUTEA_DATABASE_URL, migrated (imported here: the other commands need no store)."""
    from lutea.config import Settings
    from lutea.store import make_engine, upgrade_to_head

    settings = Settings()
    upgrade_to_head(settings.database_url)
    return make_engine(settings.database_url)


@app.callback(invoke_without_command=True)
def audit(
    ctx: typer.Context,
    patient: Annotated[int | None, typer.Option("--patient", help="Only rows about this patient record.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows, newest first.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who read or changed which record, when (UTC) and from where; newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from lutea.store import crud, make_sessionmaker

    engine = _engine()
    with make_sessionmaker(engine)() as session:
        rows = [
            {
                "id": e.id, "at": e.at.isoformat(), "user": e.user_email, "action": e.action,
                "patient_id": e.patient_id, "record_type": e.record_type, "record_id": e.record_id,
                "client_addr": e.client_addr, "path": e.path, "hash": e.hash,
            }
            for e in crud.list_audit(session, patient, limit)
        ]
    engine.dispose()
    if as_json:
        print_json({"audit": rows})
        return
    table = Table(title="lutea audit trail (UTC)")
    for column in ("at", "user", "action", "patient_id", "record", "from"):
        table.add_column(column)
    for r in rows:
        record = f"{r['record_type'] or ''} {r['record_id'] or ''}".strip()
        table.add_row(r["at"], r["user"] or "-", r["action"], str(r["patient_id"] or "-"), record, r["client_addr"] or "-")
    console.print(table)


@app.command("verify")
def verify(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Check the audit trail's hash chain from its first row: exit 0 if intact, 1 at the first broken link."""
    from lutea.store import audit_chain, make_sessionmaker

    engine = _engine()
    with make_sessionmaker(engine)() as session:
        report = audit_chain.verify(session)
    engine.dispose()
    broken = report.broken
    if as_json:
        print_json({"rows": report.rows, "intact": report.intact,
                    "broken": {"id": broken.row_id, "problem": broken.problem} if broken else None})
    elif broken is None:
        typer.echo(f"audit chain intact: {report.rows} rows")
    else:
        typer.echo(f"audit chain broken at row {broken.row_id}: {broken.problem} "
                   f"({report.rows - 1} rows before it are intact)")
    if broken is not None:
        raise typer.Exit(code=1)
