"""Readers of FHIR R4 data types shared by the mappings (pure): codings, dates, source keys, and an
index of a bundle's entries by reference."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, time
from typing import Any

from lutea.errors import InputError
from lutea.fhir.bundle import Entry
from lutea.fhir.codes import LUTEA_SOURCE


def source_key(entry: Entry) -> str:
    """The key a record keeps of its source: identifier, absolute fullUrl, type/id or a content hash
    (a lutea source identifier, codes.LUTEA_SOURCE, gives back the key it carries)."""
    for ident in entry.resource.get("identifier") or []:
        if ident.get("system") == LUTEA_SOURCE and isinstance(ident.get("value"), str) and ident["value"]:
            return ident["value"][:300]  # lutea's own export: the key the record was imported with
        if ident.get("value"):
            return f"{entry.type}|{ident.get('system', '')}|{ident['value']}"[:300]
    if entry.full_url and entry.full_url.startswith(("http://", "https://")):
        return entry.full_url[:300]
    if entry.id:
        return f"{entry.type}/{entry.id}"
    if entry.full_url:
        return entry.full_url[:300]
    digest = hashlib.sha256(json.dumps(entry.resource, sort_keys=True).encode()).hexdigest()
    return f"{entry.type}#sha256:{digest}"


def codings(concept: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((concept or {}).get("coding") or [])


def concept_text(concept: dict[str, Any] | None) -> str:
    """The words of a CodeableConcept: text and every coding display."""
    concept = concept or {}
    parts = [concept.get("text") or ""] + [c.get("display") or "" for c in codings(concept)]
    return " ".join(p for p in parts if p)


def has_code(concept: dict[str, Any] | None, system: str, code: str) -> bool:
    return any(c.get("system") == system and c.get("code") == code for c in codings(concept))


def parse_datetime(text: str, where: str) -> datetime:
    """A FHIR date or dateTime as an aware datetime; a date alone is midnight UTC."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), time(0), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise InputError(where, f"{text!r} is not a full date or dateTime", "YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz") from None
    if moment.tzinfo is None:
        raise InputError(where, f"{text!r} has a time but no timezone", "a dateTime with an offset, e.g. 2026-03-01T08:00:00+01:00")
    return moment


def parse_date(text: str, where: str) -> date:
    return parse_datetime(text, where).date() if "T" in text else _full_date(text, where)


def _full_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(where, f"{text!r} is not a full date", "YYYY-MM-DD") from None


def effective(resource: dict[str, Any], label: str) -> datetime:
    for name in ("effectiveDateTime", "effectiveInstant"):
        if resource.get(name):
            return parse_datetime(resource[name], f"{label} {name}")
    if (resource.get("effectivePeriod") or {}).get("start"):
        return parse_datetime(resource["effectivePeriod"]["start"], f"{label} effectivePeriod.start")
    raise InputError(f"{label} effective[x]", "no sampling time", "effectiveDateTime or effectivePeriod.start")


class BundleIndex:
    """Entries by reference, and the bundle's Patient."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_ref: dict[str, Entry] = {}
        for entry in entries:
            for ref in entry.references:
                self.by_ref[ref] = entry
        self.patients = [e for e in entries if e.type == "Patient"]

    def resolve(self, reference: dict[str, Any] | None) -> Entry | None:
        ref = (reference or {}).get("reference")
        return self.by_ref.get(ref) if ref else None

    def check_subject(self, entry: Entry, element: str) -> None:
        """The resource must be about the bundle's Patient when the bundle has one."""
        ref = (entry.resource.get(element) or {}).get("reference")
        if not self.patients or ref is None:
            return
        if self.by_ref.get(ref) is not self.patients[0]:
            raise InputError(f"{entry.label} {element}.reference", f"{ref!r} is not the bundle's Patient",
                             f"a reference to {self.patients[0].label}")
