"""What every CLI command shares: JSON output and the one-line error with exit status 2."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from lutea.errors import InputError, LuteaError

console = Console()
F = TypeVar("F", bound=Callable[..., Any])


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


def print_json(payload: Any, region_id: str | None = None) -> None:
    """Write one JSON document to stdout (its texts' services those of the region, when given)."""
    if region_id is not None:
        from lutea.regions import for_region

        payload = for_region(payload, region_id)
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(message: str) -> None:
    """One line on stderr, exit status 2."""
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code=2)


def domain_errors(func: F) -> F:
    """Turn a domain error raised inside a command into one line on stderr and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LuteaError as exc:
            fail(str(exc))

    return wrapper  # type: ignore[return-value]
