"""Domain errors. Shells turn them into exit status 2, HTTP 422 or a form message."""

from __future__ import annotations

from collections.abc import Iterable


class LuteaError(Exception):
    """Base of every error lutea raises on purpose."""


class InputError(LuteaError, ValueError):
    """Bad input: names the field, what was wrong, and what is accepted."""

    def __init__(self, field: str, problem: str, accepted: Iterable[str] | str | None = None):
        self.field = field
        self.problem = problem
        if accepted is None:
            self.accepted: str | None = None
        elif isinstance(accepted, str):
            self.accepted = accepted
        else:
            self.accepted = ", ".join(accepted)
        message = f"{field}: {problem}"
        if self.accepted:
            message += f"; use {self.accepted}"
        super().__init__(message)


class ProblemsError(InputError):
    """Several problems in one input (a file, a bundle); `problems` names each, the message the first five."""

    def __init__(self, field: str, problems: list[str], accepted: str):
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(field, "; ".join(problems[:5]) + more, accepted)


class KnowledgeError(LuteaError):
    """The knowledge base is invalid (a schema or cross-reference problem)."""
