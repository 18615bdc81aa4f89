"""FHIR R4 Bundles: validation with fhir.resources (its R4B models), entries and references.

fhir.resources 7 and later default to FHIR R5; lutea validates with the `fhir.resources.R4B`
sub-package, whose resources used here (Patient, Observation, MedicationRequest,
MedicationStatement, Condition, DetectedIssue, Specimen, Bundle) accept R4 JSON.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from lutea.errors import InputError, ProblemsError

BUNDLE_TYPES_IN = ("collection", "transaction", "batch", "searchset", "document", "message")
_NAMESPACE = uuid.UUID("7d1d6a0e-8f3c-4d0b-9b7e-2c6f1e5a4b10")


class BundleError(ProblemsError):
    """One or more resources of a bundle are invalid; `problems` names each resource and element."""

    def __init__(self, problems: list[str]):
        super().__init__("bundle", problems, "valid FHIR R4 resources (docs/fhir.md)")


@dataclass(frozen=True)
class Entry:
    """One resource of a bundle: its JSON, its position, and how it can be referenced."""

    index: int
    resource: dict[str, Any]
    full_url: str | None

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType"))

    @property
    def id(self) -> str | None:
        value = self.resource.get("id")
        return str(value) if value is not None else None

    @property
    def label(self) -> str:
        """`Observation/obs-3` or `Observation (entry 3)` for error messages and reports."""
        return f"{self.type}/{self.id}" if self.id else f"{self.type} (entry {self.index})"

    @property
    def references(self) -> set[str]:
        """The strings other resources may use to point here."""
        refs = {self.full_url} if self.full_url else set()
        if self.id:
            refs.add(f"{self.type}/{self.id}")
            if self.full_url and self.full_url.endswith(f"{self.type}/{self.id}"):
                refs.add(self.full_url)
        return refs


def _element(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(resource)"


def validation_problems(resource: dict[str, Any], label: str) -> list[str]:
    """Problems fhir.resources (R4B models) finds in one resource, each naming the element."""
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        return [f"{label}: no resourceType"]
    try:
        model = get_fhir_model_class(rtype)
    except (KeyError, ValueError, ImportError, AttributeError):
        return [f"{label}: unknown resourceType {rtype!r}"]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return [f"{label} {_element(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]
    return []


def read_entries(bundle: Any) -> tuple[str, list[Entry]]:
    """The bundle type and its entries; BundleError naming every invalid resource (by type/id and index)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InputError("bundle", "not a FHIR Bundle (resourceType must be 'Bundle')", "a FHIR R4 JSON Bundle")
    btype = bundle.get("type")
    if btype not in BUNDLE_TYPES_IN:
        raise InputError("bundle.type", f"unsupported bundle type {btype!r}", BUNDLE_TYPES_IN)
    raw_entries = bundle.get("entry") or []
    if not isinstance(raw_entries, list):
        raise InputError("bundle.entry", "is not a list", "a list of entries")
    shell = {**bundle, "entry": [{k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e
                                 for e in raw_entries]}
    problems: list[str] = validation_problems(shell, "Bundle")
    if problems:
        raise BundleError(problems)
    entries: list[Entry] = []
    for index, raw in enumerate(raw_entries):
        resource = raw.get("resource") if isinstance(raw, dict) else None
        if not isinstance(resource, dict):
            problems.append(f"entry {index}: no resource")
            continue
        entry = Entry(index, resource, raw.get("fullUrl"))
        problems += validation_problems(resource, f"{entry.label} (entry {index})" if entry.id else entry.label)
        entries.append(entry)
    if problems:
        raise BundleError(problems)
    return btype, entries


def resource_uuid(key: str) -> str:
    """A stable urn:uuid for a resource key such as `Observation/m-12` (the same on every export)."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def make_bundle(resources: list[dict[str, Any]], bundle_type: str = "collection") -> dict[str, Any]:
    """A bundle of resources, each with a stable urn:uuid fullUrl derived from type/id."""
    entries = [{"fullUrl": resource_uuid(f"{r['resourceType']}/{r['id']}"), "resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Validate a whole bundle with the fhir.resources R4B models; BundleError when it does not."""
    problems = validation_problems(bundle, "Bundle")
    if problems:
        raise BundleError(problems)
