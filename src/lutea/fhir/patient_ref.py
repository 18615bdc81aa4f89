"""Which patient an export names: a lutea record id (`12`) or a Patient identifier as FHIR token
search writes it (`system|value`, e.g. `https://ehr.example.org/mrn|MRN-40311`), the identifier
the record was imported with (lutea.records.identifiers) or lutea's own patient-id identifier."""

from __future__ import annotations

import re

from lutea.errors import InputError
from lutea.fhir import codes
from lutea.records.inputs import MAX_ID

FORM = "a patient id (e.g. 12) or an identifier system|value (e.g. https://ehr.example.org/mrn|MRN-40311)"
_SYSTEM = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\s]")
MAX_CHARS = 290  # a stored source key is at most 300 characters, "Patient|" included


def _shown(text: str) -> str:
    return repr(text[:60] + ("..." if len(text) > 60 else ""))


def parse_patient_ref(text: str, where: str = "patient") -> int | tuple[str, str]:
    """A record id, or (system, value) of a Patient identifier; InputError naming `where` and the form."""
    if text.isascii() and text.isdigit():
        number = int(text) if len(text) <= 10 else MAX_ID + 1
        if not 1 <= number <= MAX_ID:
            raise InputError(where, f"{_shown(text)} is not a patient id", f"1 to {MAX_ID}, or {FORM}")
        return number
    system, bar, value = text.partition("|")
    if not bar:
        raise InputError(where, f"{_shown(text)} is neither a patient id nor system|value", FORM)
    if len(text) > MAX_CHARS or _BAD_CHARS.search(text) or not text.isprintable():
        raise InputError(where, f"{_shown(text)} is longer than {MAX_CHARS} characters or holds spaces or control characters", FORM)
    if not _SYSTEM.fullmatch(system):
        raise InputError(where, f"the system {_shown(system)} is not an absolute URI (scheme:...)", FORM)
    if not value:
        raise InputError(where, "the identifier has a system but no value after '|'", FORM)
    if system == codes.LUTEA_PATIENT_ID:
        return parse_patient_ref(value, where)  # lutea's own patient-id identifier (its export's Patient)
    return system, value


def unknown_identifier(system: str, value: str) -> str:
    """The words of a refusal naming the identifier asked for (and no record)."""
    return f"no patient record you may reach has the identifier {_shown(f'{system}|{value}')[1:-1]}"
