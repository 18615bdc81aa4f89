"""Error bodies of the API: field-level 422 details that are short and always JSON.

An answer names the field and says what was wrong; it never echoes more than a short excerpt of
the input (a megabyte string gets a few dozen characters back), and a value JSON cannot carry (a
non-finite number, a lone surrogate) is shown as text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lutea.errors import InputError

EXCERPT_CHARS = 60
MESSAGE_CHARS = 500


def safe_text(text: str, limit: int) -> str:
    """The text cut to `limit` characters (marked with ...), lone surrogates escaped."""
    cut = text if len(text) <= limit else text[:limit] + "..."
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")


def excerpt(value: Any) -> Any:
    """A short, JSON-safe stand-in for an input value (None for containers: the loc names them)."""
    if value is None or isinstance(value, bool | int):
        return value if not isinstance(value, int) or abs(value) < 10**15 else safe_text(str(value), EXCERPT_CHARS)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return safe_text(value, EXCERPT_CHARS)
    return None


def _loc_part(part: Any) -> str | int:
    return part if isinstance(part, int) and not isinstance(part, bool) else safe_text(str(part), EXCERPT_CHARS)


def validation_error_body(errors: Sequence[Any]) -> dict[str, object]:
    """FastAPI's 422 body ({"detail": [{loc, msg, type, input}]}) with every part short and JSON-safe."""
    detail = []
    for error in errors:
        item: dict[str, object] = {
            "loc": [_loc_part(p) for p in error.get("loc", ())],
            "msg": safe_text(str(error.get("msg", "")).removeprefix("Value error, "), MESSAGE_CHARS),
            "type": safe_text(str(error.get("type", "value_error")), EXCERPT_CHARS),
        }
        shown = excerpt(error.get("input"))
        if shown is not None:
            item["input"] = shown
        detail.append(item)
    return {"detail": detail}


def input_error_body(exc: InputError) -> dict[str, object]:
    """A domain InputError in the shape of FastAPI's own 422 (a list of field-level details)."""
    item: dict[str, object] = {"loc": ["body", safe_text(exc.field, EXCERPT_CHARS)],
                               "msg": safe_text(exc.problem, MESSAGE_CHARS), "type": "value_error"}
    if exc.accepted:
        item["accepted"] = safe_text(exc.accepted, MESSAGE_CHARS)
    return {"detail": [item]}
