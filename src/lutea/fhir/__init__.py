"""The FHIR shell: FHIR R4 in and out, CDS Hooks cards and tracker CSV readings.

Pure mapping lives in mapping_in and medication_in (FHIR JSON -> lutea records), elements
(FHIR data types), mapping_out (lutea records -> FHIR JSON), bundle (validation with
fhir.resources.R4B), cds (cards) and tracker (CSV exports of fertility trackers). `importer` and
`tracker_store` read and write the record through lutea.records; `http` (the FHIR and CDS Hooks
routes, served by lutea.server) and `cli` (`lutea import`, `lutea export`, added by lutea.command)
are where users meet it.
"""

from lutea.fhir.bundle import BundleError, validate_bundle
from lutea.fhir.mapping_in import BundleRecords, read_bundle

__all__ = ["BundleError", "BundleRecords", "read_bundle", "validate_bundle"]
