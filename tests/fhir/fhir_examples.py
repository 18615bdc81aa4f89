"""Helpers of the FHIR tests (a module with a unique name: every test directory has a conftest)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
SECRET = "fhir-tests-secret-key-0123456789abcdef0123456789"
PASSWORD = "correct horse battery"


def load(name: str) -> dict[str, Any]:
    """A fresh copy of one of the test bundles."""
    return copy.deepcopy(json.loads((DATA / f"{name}.json").read_text(encoding="utf-8")))


@dataclass
class World:
    patient_id: int
    other_patient_id: int
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}
