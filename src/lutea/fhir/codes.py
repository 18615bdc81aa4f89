"""Code systems, codes and units lutea reads and writes in FHIR R4 resources.

LOINC codes follow /work/shared/research/anchors.md section 5.1: 2839-9 serum/plasma
progesterone (mass/volume), 14890-8 (moles/volume), 24109-1 saliva progesterone
(moles/volume); gestational age 11884-4 (estimated) and 18185-9; last menstrual period 8665-2.
LOINC has no term for spot-urine pregnanediol glucuronide (PdG) or for salivary progesterone in
mass units, so lutea uses its own code system LUTEA_CODES for them (docs/fhir.md).
"""

from __future__ import annotations

from lutea.units import Specimen

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
LUTEA_CODES = "http://lutea.dev/CodeSystem/lutea-codes"
LUTEA_PRODUCTS = "http://lutea.dev/CodeSystem/lutea-products"
LUTEA_FINDINGS = "http://lutea.dev/CodeSystem/lutea-findings"
LUTEA_PATIENT_ID = "http://lutea.dev/fhir/patient-id"
EXT_REGIMEN = "http://lutea.dev/StructureDefinition/regimen"
EXT_OFF_LABEL = "http://lutea.dev/StructureDefinition/acknowledge-off-label"
EXT_SOURCE = "http://lutea.dev/StructureDefinition/source"
EXT_ASSAY = "http://lutea.dev/StructureDefinition/assay"
EXT_EPISODE = "http://lutea.dev/StructureDefinition/episode-"  # + field name: cycle-length-days, lmp-date ...
SYMPTOM = "symptom"
SYMPTOM_SEVERITY = "symptom-severity"
EPISODE_KINDS = ("menstrual-cycle", "ivf-cycle", "hormone-therapy")  # pregnancy is a Condition
REFERENCE_RANGE_MEANING = "http://terminology.hl7.org/CodeSystem/referencerange-meaning"
OBSERVATION_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
DETECTED_ISSUE_CATEGORY = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

# LOINC code -> (specimen, whether the code is a molar quantity)
PROGESTERONE_LOINC: dict[str, tuple[Specimen, bool]] = {
    "2839-9": (Specimen.SERUM, False),
    "14890-8": (Specimen.SERUM, True),
    "24109-1": (Specimen.SALIVA, True),
}
URINE_PDG = "urine-pdg"
SALIVA_PROGESTERONE_MASS = "saliva-progesterone-mass"
LOCAL_OBSERVATION_CODES: dict[str, Specimen] = {URINE_PDG: Specimen.URINE, SALIVA_PROGESTERONE_MASS: Specimen.SALIVA}
LOCAL_DISPLAY = {
    URINE_PDG: "Pregnanediol-3-glucuronide [Mass/volume] in spot urine (test strip or lab)",
    SALIVA_PROGESTERONE_MASS: "Progesterone [Mass/volume] in Saliva",
}
LOINC_DISPLAY = {
    "2839-9": "Progesterone [Mass/volume] in Serum or Plasma",
    "14890-8": "Progesterone [Moles/volume] in Serum or Plasma",
    "24109-1": "Progesterone [Moles/volume] in Saliva",
    "8665-2": "Last menstrual period start date",
    "11884-4": "Gestational age Estimated",
    "18185-9": "Gestational age",
}
GESTATIONAL_AGE_LOINC = ("11884-4", "18185-9")
LMP_LOINC = "8665-2"

SNOMED_PREGNANCY = "77386006"
# Dosage.additionalInstruction (FHIR value set additional-instruction-codes): a dose taken with food
SNOMED_WITH_FOOD = "311504000"
SNOMED_WITH_FOOD_DISPLAY = "With or after food"
SNOMED_SERUM_SPECIMEN = "119364003"
SNOMED_PLASMA_SPECIMEN = "119361006"
SPECIMEN_SNOMED = {Specimen.SERUM: SNOMED_SERUM_SPECIMEN, Specimen.PLASMA: SNOMED_PLASMA_SPECIMEN}

# SNOMED CT route of administration -> lutea route (regimen language words)
ROUTE_SNOMED: dict[str, str] = {
    "26643006": "oral",
    "16857009": "vaginal",
    "78421000": "im",
    "34206005": "sc",
    "37161004": "rectal",
    "45890007": "transdermal",
    "47625008": "iv",
    "62226000": "intrauterine",
}
ROUTE_TO_SNOMED = {route: code for code, route in ROUTE_SNOMED.items()}
ROUTE_DISPLAY = {
    "oral": "Oral route", "vaginal": "Per vagina", "im": "Intramuscular route", "sc": "Subcutaneous route",
    "rectal": "Per rectum", "transdermal": "Transdermal route", "iv": "Intravenous route",
    "intrauterine": "Intrauterine route",
}

# referencerange-meaning codes lutea uses for the interval's phase or population, or the kind of
# decision cut-off a flag was read against (a transfer-day cut-off bounds the range linked with the
# best outcomes: "therapeutic"); anything else is "normal"
RANGE_TYPE_BY_KIND = {"follicular": "follicular", "peri-ovulatory": "midcycle", "luteal": "luteal", "mid-luteal": "luteal",
                      "postmenopausal": "postmenopausal", "et_day_low": "therapeutic", "et_day_high": "therapeutic"}

# v3-ObservationInterpretation codes a flag can carry (lutea.result_flag) and their display
INTERPRETATION_DISPLAY = {"L": "Low", "N": "Normal", "H": "High", "LL": "Critical low", "HH": "Critical high",
                          "AA": "Critical abnormal"}

# An identifier in this system carries, verbatim, the source a lutea record was imported from
# (lutea.records.identifiers: a relative id, an absolute URL ...), so importing lutea's own export
# again finds the record it came from.
LUTEA_SOURCE = "http://lutea.dev/fhir/source"

# UCUM unit codes of each specimen's accepted units
UCUM_UNITS = {"ng/mL": "ng/mL", "nmol/L": "nmol/L", "pg/mL": "pg/mL", "pmol/L": "pmol/L", "ug/mL": "ug/mL"}

# lutea Severity -> DetectedIssue.severity and CDS Hooks card indicator
ISSUE_SEVERITY = {"urgent": "high", "advise": "moderate", "info": "low"}
ISSUE_SEVERITY_BACK = {v: k for k, v in ISSUE_SEVERITY.items()}
CARD_INDICATOR = {"urgent": "critical", "advise": "warning", "info": "info"}
