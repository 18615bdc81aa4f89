"""lutea's command line: a thin shell over the domain core. Each command lives in its own module.

lutea.command builds the `lutea` command from this table and the FHIR shell's import and export,
importing a command's module only when that command runs.
"""

from __future__ import annotations

# command name -> (module, attribute, whether the attribute is a Typer group), in the order
# `lutea --help` lists them
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "evidence": ("lutea.cli.evidence", "evidence", False),
    "claims": ("lutea.cli.claims", "claims", False),
    "user": ("lutea.cli.user", "app", True),
    "audit": ("lutea.cli.audit", "app", True),
    "interpret": ("lutea.cli.interpret", "interpret", False),
    "interpret-series": ("lutea.cli.interpret", "interpret_series", False),
    "plan": ("lutea.cli.plan", "plan", False),
    "simulate": ("lutea.cli.simulate", "simulate", False),
    "calibrate": ("lutea.cli.calibrate", "calibrate", False),
    "individualize": ("lutea.cli.individualize", "individualize", False),
    "batch": ("lutea.cli.batch", "app", True),
    "trial": ("lutea.cli.trial", "trial", False),
}
