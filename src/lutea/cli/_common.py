"""What every CLI command shares: JSON output and the one-line error with exit status 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from lutea.errors import LuteaError

console = Console()
F = TypeVar("F", bound=Callable[..., Any])


def print_json(payload: Any) -> None:
    """Write one JSON document to stdout."""
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
