"""`lutea user create|assign`: accounts and clinician assignments in the record store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lutea.terminal import domain_errors, fail, print_json

if TYPE_CHECKING:
    from lutea.config import Settings

app = typer.Typer(help="Accounts (patient, clinician, admin) and clinician assignments.", no_args_is_help=True)


def _sessions(settings: Settings):  # type: ignore[no-untyped-def]
    from lutea.store import make_engine, make_sessionmaker, upgrade_to_head

    upgrade_to_head(settings.database_url)
    return make_sessionmaker(make_engine(settings.database_url))


@app.command("create")
@domain_errors
def create(
    email: Annotated[str, typer.Option("--email", help="Login email.")],
    role: Annotated[str, typer.Option("--role", help="patient, clinician or admin.")],
    password: Annotated[
        str | None, typer.Option("--password", help="Omit to be asked (hidden, twice).")
    ] = None,
    patient: Annotated[int | None, typer.Option("--patient", help="Patient record id (patient accounts).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create an account in the database of LUTEA_DATABASE_URL (default ./lutea.db)."""
    from lutea.config import Settings
    from lutea.store import crud

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    settings = Settings()
    with _sessions(settings).begin() as session:
        user = crud.create_user(session, email, password, role, patient)
        crud.record_audit(session, user=None, action="create", patient_id=user.patient_id,
                          record_type="user", record_id=user.id, client_addr="cli")
        out = {"id": user.id, "email": user.email, "role": user.role, "patient_id": user.patient_id}
    if as_json:
        print_json(out)
    else:
        typer.echo(f"created {out['role']} {out['email']} (id {out['id']})")


@app.command("assign")
@domain_errors
def assign(
    clinician: Annotated[str, typer.Option("--clinician", help="The clinician's email.")],
    patient: Annotated[int, typer.Option("--patient", help="Patient record id.")],
) -> None:
    """Give a clinician access to one patient's record."""
    from lutea.config import Settings
    from lutea.store import crud

    settings = Settings()
    with _sessions(settings).begin() as session:
        user = crud.get_user_by_email(session, clinician)
        if user is None:
            fail(f"clinician: no account {clinician}")
            return
        assignment = crud.assign(session, user, patient)
        crud.record_audit(session, user=None, action="assign", patient_id=patient,
                          record_type="assignment", record_id=assignment.id, client_addr="cli")
    typer.echo(f"assigned patient {patient} to {user.email}")
