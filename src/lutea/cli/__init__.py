"""lutea's command line: a thin shell over the domain core. Each command lives in its own module."""

from __future__ import annotations

import typer

from lutea.cli import calibrate as _calibrate
from lutea.cli import audit as _audit
from lutea.cli import batch as _batch
from lutea.cli import evidence
from lutea.cli import fhir as _fhir
from lutea.cli import interpret as _interpret
from lutea.cli import plan as _plan
from lutea.cli import simulate as _simulate
from lutea.cli import trial as _trial
from lutea.cli import user as _user
from lutea.cli import individualize as _individualize

app = typer.Typer(
    name="lutea",
    help="Progesterone balancing: interpret, simulate, individualise and plan, with sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """lutea: decision support for progesterone; every statement cites the knowledge base."""


app.command("evidence")(evidence.evidence)
app.add_typer(_user.app, name="user")
app.add_typer(_audit.app, name="audit")
app.command("interpret")(_interpret.interpret)
app.command("interpret-series")(_interpret.interpret_series)
app.command("plan")(_plan.plan)
app.command("simulate")(_simulate.simulate)
app.command("calibrate")(_calibrate.calibrate)
app.command("individualize")(_individualize.individualize)
app.add_typer(_batch.app, name="batch")
app.command("trial")(_trial.trial)
app.add_typer(_fhir.import_app, name="import")
app.add_typer(_fhir.export_app, name="export")


def main() -> None:
    """Console-script entry point."""
    app()
