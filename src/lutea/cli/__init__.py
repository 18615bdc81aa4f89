"""lutea's command line: a thin shell over the domain core. Each command lives in its own module."""

from __future__ import annotations

import typer

from lutea.cli import evidence

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


def main() -> None:
    """Console-script entry point."""
    app()
