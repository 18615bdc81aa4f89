"""The `lutea` command: the CLI's commands (lutea.cli) with the FHIR shell's import and export
(lutea.fhir.cli), one Typer application.

The composition root of the command line, as lutea.server is of HTTP: the one module that joins
the two shells, so that neither imports the other (docs/architecture.md). A command's module is
imported only when that command runs: `main()` registers the one named on the command line (all of
them for `--help` or an unknown name), so `lutea interpret` never imports SciPy, the record store,
the batch engine or the FHIR models. `lutea.command.app` is the full application.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

from lutea.cli import COMMANDS as CLI_COMMANDS

if TYPE_CHECKING:
    import typer

# command name -> (module, attribute, whether the attribute is a Typer group), in help order
COMMANDS: dict[str, tuple[str, str, bool]] = {
    **CLI_COMMANDS,
    "import": ("lutea.fhir.cli", "import_app", True),
    "export": ("lutea.fhir.cli", "export_app", True),
}


def _root() -> None:
    """lutea: decision support for progesterone; every statement cites the knowledge base."""


def build_app(names: list[str] | None = None) -> typer.Typer:
    """The `lutea` application with the named commands (default: every command)."""
    import typer

    app = typer.Typer(
        name="lutea",
        help="Progesterone balancing: interpret, simulate, individualise and plan, with sources.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)
    for name in names if names is not None else COMMANDS:
        module_name, attribute, group = COMMANDS[name]
        target = getattr(import_module(module_name), attribute)
        if group:
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":  # built on first use, so that importing lutea.command stays cheap
        app = build_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point: registers only the command named on the command line."""
    named = sys.argv[1] if len(sys.argv) > 1 else None
    build_app([named] if named in COMMANDS else None)()
