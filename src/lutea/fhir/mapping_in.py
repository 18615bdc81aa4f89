"""FHIR R4 JSON -> lutea records (pure): Patient, progesterone and PdG Observations, progesterone
MedicationRequest/MedicationStatement (medication_in), pregnancy (Condition, gestational age, LMP),
and lutea's own EpisodeOfCare and symptom Observations.

`read_bundle` returns a `BundleRecords` with a source key per record (so an importer can make a
second import change nothing), the resources lutea does not use (with the reason), and
warnings. Every problem names the resource (type/id, entry index) and the element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from lutea.errors import InputError
from lutea.fhir import codes
from lutea.fhir.bundle import BundleError, Entry, read_entries
from lutea.fhir.elements import (
    BundleIndex,
    codings,
    concept_text,
    effective,
    has_code,
    parse_date,
    parse_datetime,
    source_key,
)
from lutea.fhir.medication_in import MedicationIn, medication_in
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.measurement import parse_assay
from lutea.units import SPECIMEN_UNITS, Specimen, to_canonical

__all__ = ["BundleRecords", "MeasurementIn", "MedicationIn", "PatientIn", "PregnancyIn", "read_bundle",
           "medication_in", "concept_text", "has_code", "parse_datetime"]

IMPORTED_OBSERVATION_STATUS = ("final", "amended", "corrected", "preliminary")
SKIPPED_MEDICATION_STATUS = ("entered-in-error", "not-taken", "cancelled", "revoked", "draft", "unknown")
DERIVED_TYPES = ("DetectedIssue", "RiskAssessment")  # lutea's own findings: recomputed, never imported


@dataclass(frozen=True)
class PatientIn:
    source_key: str
    label: str
    display_name: str
    birth_date: date | None
    sex: str


@dataclass(frozen=True)
class MeasurementIn:
    source_key: str
    label: str
    specimen: str
    value: float
    unit: str
    assay: str
    sampled_at: datetime
    laboratory: str | None


@dataclass
class PregnancyIn:
    source_keys: list[str]
    label: str
    start_date: date | None
    end_date: date | None
    lmp_date: date | None
    note: str | None = None


@dataclass(frozen=True)
class EpisodeIn:
    """A menstrual cycle, IVF cycle or course of hormone therapy (lutea's EpisodeOfCare export)."""

    source_key: str
    label: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class SymptomIn:
    source_key: str
    label: str
    symptom: str
    severity: int
    noted_at: datetime
    note: str | None


@dataclass(frozen=True)
class Unused:
    label: str
    index: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"resource": self.label, "entry": self.index, "reason": self.reason}


@dataclass
class BundleRecords:
    """What a bundle holds for lutea, ready for the store."""

    bundle_type: str
    patient: PatientIn | None = None
    measurements: list[MeasurementIn] = field(default_factory=list)
    medications: list[MedicationIn] = field(default_factory=list)
    pregnancies: list[PregnancyIn] = field(default_factory=list)
    episodes: list[EpisodeIn] = field(default_factory=list)
    symptoms: list[SymptomIn] = field(default_factory=list)
    unused: list[Unused] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- Patient -----------------------------------------------------------------------------------

def patient_in(entry: Entry, warnings: list[str]) -> PatientIn:
    resource = entry.resource
    names = resource.get("name") or []
    display = ""
    if names:
        name = names[0]
        display = name.get("text") or " ".join([*(name.get("given") or []), name.get("family") or ""]).strip()
    birth = resource.get("birthDate")
    birth_date = None
    if birth:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", birth):
            birth_date = date.fromisoformat(birth)
        else:
            warnings.append(f"{entry.label} birthDate {birth!r} is partial: not stored")
    gender = resource.get("gender") or "female"
    sex = gender if gender in ("female", "male") else "female"
    if gender not in ("female", "male"):
        warnings.append(f"{entry.label} gender {gender!r}: lutea records female or male; stored as female")
    return PatientIn(source_key(entry), entry.label, display or f"FHIR {entry.label}", birth_date, sex)


# --- Observations ------------------------------------------------------------------------------

def _observation_specimen(entry: Entry, bundle: BundleIndex) -> tuple[Specimen | None, bool | None]:
    code = entry.resource.get("code")
    for c in codings(code):
        if c.get("system") == codes.LOINC and c.get("code") in codes.PROGESTERONE_LOINC:
            specimen, molar = codes.PROGESTERONE_LOINC[c["code"]]
            if specimen is Specimen.SERUM and _is_plasma(entry, bundle):
                specimen = Specimen.PLASMA
            return specimen, molar
        if c.get("system") == codes.LUTEA_CODES and c.get("code") in codes.LOCAL_OBSERVATION_CODES:
            return codes.LOCAL_OBSERVATION_CODES[c["code"]], None
    return None, None


def _is_plasma(entry: Entry, bundle: BundleIndex) -> bool:
    ref = entry.resource.get("specimen") or {}
    specimen = bundle.resolve(ref)
    words = (ref.get("display") or "") + " " + concept_text((specimen.resource if specimen else {}).get("type"))
    kinds = {c.get("code") for c in codings((specimen.resource if specimen else {}).get("type"))}
    return codes.SNOMED_PLASMA_SPECIMEN in kinds or "plasma" in words.lower()


def _laboratory(entry: Entry, bundle: BundleIndex) -> str | None:
    for performer in entry.resource.get("performer") or []:
        target = bundle.resolve(performer)
        name = (target.resource.get("name") if target and target.type == "Organization" else None) or performer.get("display")
        if isinstance(name, str) and name:
            return name[:200]
    return None


def _assay(entry: Entry, warnings: list[str]) -> str:
    for ext in entry.resource.get("extension") or []:
        if ext.get("url") == codes.EXT_ASSAY and ext.get("valueCode"):
            return ext["valueCode"]
    method = concept_text(entry.resource.get("method"))
    if not method:
        return "any"
    for word in [method, *re.split(r"[\s,;()]+", method)]:
        try:
            found = parse_assay(word)
        except InputError:
            continue
        if found:
            return found
    warnings.append(f"{entry.label} method {method!r}: assay not recognised, stored as 'any'")
    return "any"


def measurement_in(entry: Entry, specimen: Specimen, molar: bool | None, bundle: BundleIndex,
                   warnings: list[str]) -> MeasurementIn:
    resource, label = entry.resource, entry.label
    bundle.check_subject(entry, "subject")
    quantity = resource.get("valueQuantity")
    if not isinstance(quantity, dict) or quantity.get("value") is None:
        raise InputError(f"{label} valueQuantity", "no value", "valueQuantity with value and a UCUM unit")
    unit = quantity.get("code") or quantity.get("unit")
    if not unit:
        raise InputError(f"{label} valueQuantity.unit", "no unit", SPECIMEN_UNITS[specimen].accepted)
    value = float(quantity["value"])
    to_canonical(value, unit, specimen, field=f"{label} valueQuantity.value",
                 unit_field=f"{label} valueQuantity.{'code' if quantity.get('code') else 'unit'}")
    is_molar = "mol" in str(unit)
    if molar is not None and molar != is_molar:
        warnings.append(f"{label}: the LOINC code is a {'molar' if molar else 'mass'} quantity but the unit is "
                        f"{unit!r}; the value was converted by its unit")
    return MeasurementIn(source_key(entry), label, specimen.value, value, unit.replace("µ", "u").replace("μ", "u"),
                         _assay(entry, warnings), effective(resource, label), _laboratory(entry, bundle))


def _gestational_age_days(entry: Entry) -> float:
    quantity = entry.resource.get("valueQuantity") or {}
    unit = str(quantity.get("code") or quantity.get("unit") or "").lower()
    if quantity.get("value") is None:
        raise InputError(f"{entry.label} valueQuantity", "no gestational age value", "valueQuantity in wk or d")
    factor = {"wk": 7.0, "week": 7.0, "weeks": 7.0, "d": 1.0, "day": 1.0, "days": 1.0}.get(unit)
    if factor is None:
        raise InputError(f"{entry.label} valueQuantity.unit", f"{unit!r} is not a gestational age unit", "wk, d")
    return float(quantity["value"]) * factor


# --- the bundle --------------------------------------------------------------------------------

def _pregnancy_condition(entry: Entry) -> bool:
    code = entry.resource.get("code")
    return has_code(code, codes.SNOMED, codes.SNOMED_PREGNANCY) or bool(
        re.search(r"\bpregnan(t|cy)\b", concept_text(code).lower()))


def _condition_in(entry: Entry, bundle: BundleIndex) -> PregnancyIn:
    resource, label = entry.resource, entry.label
    bundle.check_subject(entry, "subject")
    onset = resource.get("onsetDateTime") or (resource.get("onsetPeriod") or {}).get("start")
    end = resource.get("abatementDateTime") or (resource.get("onsetPeriod") or {}).get("end")
    notes = [n.get("text") for n in resource.get("note") or [] if n.get("text")]
    return PregnancyIn([source_key(entry)], label, parse_date(onset, f"{label} onsetDateTime") if onset else None,
                       parse_date(end, f"{label} abatementDateTime") if end else None, None,
                       "\n".join(notes) or None)


_EPISODE_FIELDS = {"cycle-length-days": "cycle_length_days", "lmp-date": "lmp_date", "lh-peak-date": "lh_peak_date",
                   "protocol": "protocol", "et-date": "et_date", "embryo-age-days": "embryo_age_days", "note": "note"}


def _episode_in(entry: Entry, kind: str, bundle: BundleIndex) -> EpisodeIn:
    resource, label = entry.resource, entry.label
    bundle.check_subject(entry, "patient")
    period = resource.get("period") or {}
    if not period.get("start"):
        raise InputError(f"{label} period.start", "no start date", "YYYY-MM-DD")
    fields: dict[str, Any] = {"kind": kind, "start_date": parse_date(period["start"], f"{label} period.start"),
                              "end_date": parse_date(period["end"], f"{label} period.end") if period.get("end") else None}
    for ext in resource.get("extension") or []:
        url = str(ext.get("url", ""))
        name = _EPISODE_FIELDS.get(url.removeprefix(codes.EXT_EPISODE)) if url.startswith(codes.EXT_EPISODE) else None
        if name is None:
            continue
        if "valueDate" in ext:
            fields[name] = parse_date(ext["valueDate"], f"{label} extension {url}")
        else:
            fields[name] = ext.get("valueInteger", ext.get("valueString"))
    return EpisodeIn(source_key(entry), label, fields)


def _symptom_in(entry: Entry, bundle: BundleIndex) -> SymptomIn:
    resource, label = entry.resource, entry.label
    bundle.check_subject(entry, "subject")
    name = concept_text(resource.get("valueCodeableConcept")) or resource.get("valueString")
    if not name:
        raise InputError(f"{label} valueCodeableConcept", "no symptom named", "valueCodeableConcept.text")
    severity = 1
    for component in resource.get("component") or []:
        if has_code(component.get("code"), codes.LUTEA_CODES, codes.SYMPTOM_SEVERITY):
            severity = int(component.get("valueInteger", 1))
    if not 0 <= severity <= 3:
        raise InputError(f"{label} component.valueInteger", f"severity {severity}", "0, 1, 2 or 3")
    notes = [n.get("text") for n in resource.get("note") or [] if n.get("text")]
    return SymptomIn(source_key(entry), label, str(name)[:100], severity, effective(resource, label),
                     "\n".join(notes) or None)


def _skip_reason(entry: Entry) -> str | None:
    status = entry.resource.get("status")
    verification = {c.get("code") for c in codings(entry.resource.get("verificationStatus"))}
    if status in ("entered-in-error", "cancelled") or verification & {"entered-in-error", "refuted"}:
        return f"status {status or sorted(verification)[0]}: not imported"
    return None


def read_bundle(bundle: dict[str, Any], kb: KnowledgeBase | None = None) -> BundleRecords:
    """lutea's records in a FHIR R4 bundle; BundleError naming each invalid resource and element."""
    kb = kb or load_knowledge()
    bundle_type, entries = read_entries(bundle)
    index = BundleIndex(entries)
    out = BundleRecords(bundle_type)
    problems: list[str] = []
    if len(index.patients) > 1:
        problems.append(f"{len(index.patients)} Patient resources: one patient per import "
                        f"({', '.join(e.label for e in index.patients)})")
    pregnancy_obs: list[tuple[Entry, str]] = []
    referenced: set[str] = set()
    for entry in entries:
        try:
            used = _read_entry(entry, index, out, pregnancy_obs, kb)
        except InputError as exc:
            problems.append(str(exc))
            continue
        if used:
            for element in ("specimen", "performer", "medicationReference"):
                values = entry.resource.get(element)
                for ref in values if isinstance(values, list) else [values]:
                    target = index.resolve(ref if isinstance(ref, dict) else None)
                    if target is not None:
                        referenced.add(target.label)
    try:
        _attach_pregnancy_observations(pregnancy_obs, out)
    except InputError as exc:
        problems.append(str(exc))
    problems += _duplicate_keys(out)
    if problems:
        raise BundleError(problems)
    out.unused = [u for u in out.unused if u.label not in referenced]  # read with the resources that reference them
    return out


def _duplicate_keys(out: BundleRecords) -> list[str]:
    """Two resources with one source key (the same identifier) cannot both be kept apart on re-import."""
    seen: dict[str, str] = {}
    problems = []
    keyed = [(m.source_key, m.label) for m in out.measurements] + [(m.source_key, m.label) for m in out.medications]
    keyed += [(key, p.label) for p in out.pregnancies for key in p.source_keys]
    keyed += [(e.source_key, e.label) for e in out.episodes] + [(y.source_key, y.label) for y in out.symptoms]
    for key, label in keyed:
        if key in seen and seen[key] != label:
            problems.append(f"{label} identifier: the same source ({key}) as {seen[key]}")
        seen.setdefault(key, label)
    return problems


def _read_entry(entry: Entry, index: BundleIndex, out: BundleRecords, pregnancy_obs: list[tuple[Entry, str]],
                kb: KnowledgeBase) -> bool:
    """Map one entry into `out`; False when lutea does not use it (listed in out.unused)."""
    skip = _skip_reason(entry)
    if entry.type == "Patient":
        out.patient = patient_in(entry, out.warnings)
        return True
    if skip:
        out.unused.append(Unused(entry.label, entry.index, skip))
        return False
    if entry.type == "Observation":
        specimen, molar = _observation_specimen(entry, index)
        code = entry.resource.get("code")
        if specimen is not None:
            if entry.resource.get("status") not in IMPORTED_OBSERVATION_STATUS:
                out.unused.append(Unused(entry.label, entry.index, f"status {entry.resource.get('status')}: no result yet"))
                return False
            if entry.resource.get("valueQuantity") is None:
                reason = concept_text(entry.resource.get("dataAbsentReason")) or "no valueQuantity"
                out.unused.append(Unused(entry.label, entry.index, f"no value ({reason})"))
                return False
            out.measurements.append(measurement_in(entry, specimen, molar, index, out.warnings))
            return True
        if has_code(code, codes.LUTEA_CODES, codes.SYMPTOM):
            out.symptoms.append(_symptom_in(entry, index))
            return True
        for loinc in (*codes.GESTATIONAL_AGE_LOINC, codes.LMP_LOINC):
            if has_code(code, codes.LOINC, loinc):
                index.check_subject(entry, "subject")
                pregnancy_obs.append((entry, loinc))
                return True
        out.unused.append(Unused(entry.label, entry.index, f"an Observation lutea does not read ({concept_text(code) or 'no code'})"))
        return False
    if entry.type in ("MedicationRequest", "MedicationStatement"):
        status = entry.resource.get("status")
        if status in SKIPPED_MEDICATION_STATUS:
            out.unused.append(Unused(entry.label, entry.index, f"status {status}: not imported"))
            return False
        medication = medication_in(entry, index, kb)
        if medication is None:
            out.unused.append(Unused(entry.label, entry.index, "not a progesterone product"))
            return False
        if medication.product is None:
            raise InputError(f"{entry.label} medicationCodeableConcept",
                             f"progesterone {medication.text!r} names no product lutea knows",
                             [p.id for p in kb.entries("products")])
        out.medications.append(medication)
        return True
    if entry.type == "Condition" and _pregnancy_condition(entry):
        out.pregnancies.append(_condition_in(entry, index))
        return True
    if entry.type == "EpisodeOfCare":
        kind = next((c.get("code") for t in entry.resource.get("type") or [] for c in codings(t)
                     if c.get("system") == codes.LUTEA_CODES and c.get("code") in codes.EPISODE_KINDS), None)
        if kind is not None:
            out.episodes.append(_episode_in(entry, kind, index))
            return True
    if entry.type in DERIVED_TYPES:
        out.unused.append(Unused(entry.label, entry.index, "a finding: lutea recomputes its own findings on import"))
        return False
    out.unused.append(Unused(entry.label, entry.index, f"lutea does not use {entry.type} resources"))
    return False


def _attach_pregnancy_observations(observations: list[tuple[Entry, str]], out: BundleRecords) -> None:
    """LMP and gestational age go to the pregnancy they fall in (one is made when no Condition says so)."""
    for entry, loinc in sorted(observations, key=lambda item: item[1] != codes.LMP_LOINC):
        resource, label = entry.resource, entry.label
        if loinc == codes.LMP_LOINC:
            text = resource.get("valueDateTime") or resource.get("valueDate")
            if not text:
                raise InputError(f"{label} valueDateTime", "no LMP date", "valueDateTime YYYY-MM-DD")
            lmp = parse_date(text, f"{label} valueDateTime")
            seen_on = lmp
        else:
            seen_on = effective(resource, label).date()
            lmp = seen_on - timedelta(days=round(_gestational_age_days(entry)))
        target = _pregnancy_for(seen_on, out)
        if target is None:
            target = PregnancyIn([], label, lmp, None, None)
            out.pregnancies.append(target)
        target.source_keys.append(source_key(entry))
        if target.lmp_date is None:
            target.lmp_date = lmp
        elif loinc != codes.LMP_LOINC and abs((target.lmp_date - lmp).days) > 14:
            out.warnings.append(f"{label}: gestational age gives LMP {lmp}, {abs((target.lmp_date - lmp).days)} days "
                                f"from the LMP {target.lmp_date} already known; kept {target.lmp_date}")
    for pregnancy in out.pregnancies:
        pregnancy.start_date = pregnancy.start_date or pregnancy.lmp_date
        if pregnancy.start_date is None:
            raise InputError(f"{pregnancy.label} onsetDateTime", "a pregnancy with no onset, LMP or gestational age",
                             "onsetDateTime, or an LMP (LOINC 8665-2) or gestational age (11884-4, 18185-9) Observation")


def _pregnancy_for(day: date, out: BundleRecords) -> PregnancyIn | None:
    fits = [p for p in out.pregnancies
            if (p.start_date is None or p.start_date - timedelta(days=60) <= day) and (p.end_date is None or day <= p.end_date)]
    return max(fits, key=lambda p: p.start_date or date.min) if fits else (out.pregnancies[-1] if out.pregnancies else None)
