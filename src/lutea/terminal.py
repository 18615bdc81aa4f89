"""What every command-line entry of lutea shares (the CLI's commands, the FHIR shell's import and
export): JSON on stdout, and a domain error as one line on stderr with exit status 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from lutea.errors import LuteaError

F = TypeVar("F", bound=Callable[..., Any])


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
