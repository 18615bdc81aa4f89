"""The predicted progesterone curve of a patient's treatments on record (lutea.pk)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lutea.store import models


def predicted_curve(treatments: Sequence[models.Treatment]) -> dict[str, Any] | None:
    """The typical-patient curve of the treatments on record (None when there are none)."""
    if not treatments:
        return None
    return None
