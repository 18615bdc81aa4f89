"""What the CLI's commands share beyond lutea.terminal: the console and the --region option."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from lutea.errors import InputError

console = Console()


RegionOption = Annotated[str | None, typer.Option(
    "--region", help="The clinic's region for emergency numbers and services: uk, us, eu or au "
    "(default: LUTEA_REGION, else uk).")]


def clinic_region(option: str | None) -> str:
    """The region of --region, else of the settings (LUTEA_REGION, default uk); InputError naming
    the accepted regions. The settings object is read only when LUTEA_REGION is set: importing
    pydantic-settings would add about 0.14 s to every command's start (bench/cli.py)."""
    from lutea.regions import DEFAULT_REGION, region

    if option is not None:
        return region(option).id
    if not any(name.upper() == "LUTEA_REGION" for name in os.environ):
        return DEFAULT_REGION
    from pydantic import ValidationError

    from lutea.config import Settings

    try:
        return Settings().region
    except ValidationError as exc:
        raise InputError("LUTEA_REGION", str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None
