"""`lutea audit [--patient ID] [--json]`: read the audit trail of the record store."""

from __future__ import annotations

from typing import Annotated

import typer

from lutea.cli._common import console, print_json


def audit(
    patient: Annotated[int | None, typer.Option("--patient", help="Only rows about this patient record.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows, newest first.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who read or changed which record, when (UTC) and from where; newest first."""
    from rich.table import Table

    from lutea.config import Settings
    from lutea.store import crud, make_engine, make_sessionmaker, upgrade_to_head

    settings = Settings()
    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        rows = [
            {
                "id": e.id, "at": e.at.isoformat(), "user": e.user_email, "action": e.action,
                "patient_id": e.patient_id, "record_type": e.record_type, "record_id": e.record_id,
                "client_addr": e.client_addr, "path": e.path,
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
