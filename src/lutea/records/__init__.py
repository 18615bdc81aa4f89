"""The application layer of lutea's records (docs/architecture.md): every write to a patient's
record and every read derived from it, used by every shell (API, web, FHIR, CLI).

- access: who may reach a record (`open_record`), the audit of what they do (`RecordAccess.audit`)
- inputs: what each write accepts
- service: create, update, delete and list records; results interpreted on write
- red_flags: urgent findings of results and symptoms, open until a clinician acknowledges them
- patients: the patient list (open red flags first) and the patient record itself
- balance: a patient's balance from her record (target from her episode)
- identifiers: which record owns an imported resource's identifier
"""

from lutea.records.access import (
    AccessDenied,
    RecordAccess,
    RecordNotFound,
    Unauthenticated,
    open_record,
)

__all__ = ["AccessDenied", "RecordAccess", "RecordNotFound", "Unauthenticated", "open_record"]
