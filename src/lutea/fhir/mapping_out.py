"""lutea records -> FHIR R4 JSON (pure): Patient, Observations with the reference interval lutea
applied and an L/N/H interpretation, findings as DetectedIssue citing their sources, treatments
as MedicationStatement, pregnancies as Condition (+ LMP Observation).

Resource ids are stable (`m-12` for measurement 12), so two exports of one record are equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lutea.fhir import codes
from lutea.fhir.bundle import make_bundle, resource_uuid
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.result_flag import stored_flag
from lutea.units import Specimen, convert, to_canonical


@dataclass(frozen=True)
class PatientOut:
    id: int
    display_name: str
    birth_date: date | None
    sex: str
    source_keys: tuple[str, ...] = ()  # the sources the record was imported from (lutea.records.identifiers)


@dataclass(frozen=True)
class MeasurementOut:
    """A stored measurement and what lutea said about it (Interpretation.result JSON, or None)."""

    id: int
    specimen: str
    value: float
    unit: str
    assay: str
    sampled_at: datetime
    laboratory: str | None
    interpretation: dict[str, Any] | None = None
    interpreted_at: datetime | None = None
    source_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class TreatmentOut:
    id: int
    product: str
    route: str
    dose_mg: float
    schedule: str
    start: datetime
    stop: datetime | None
    acknowledge_off_label: bool
    interval_h: float | None = None
    findings: tuple[dict[str, Any], ...] = ()  # lutea.safety.screen findings (Finding.to_json)
    source_keys: tuple[str, ...] = ()
    at_bedtime: bool = False  # every dose at bedtime (lutea.pk.regimen.ScheduleSummary)
    with_food: bool = False  # doses taken with food


@dataclass(frozen=True)
class PregnancyOut:
    id: int
    start_date: date
    end_date: date | None
    lmp_date: date | None
    note: str | None
    source_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class EpisodeOut:
    """A menstrual cycle, IVF cycle or course of hormone therapy (a pregnancy is a PregnancyOut)."""

    id: int
    kind: str
    start_date: date
    end_date: date | None
    details: dict[str, Any]  # cycle_length_days, lmp_date, lh_peak_date, protocol, et_date, embryo_age_days, note
    source_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class SymptomOut:
    id: int
    symptom: str
    severity: int
    noted_at: datetime
    note: str | None
    source_keys: tuple[str, ...] = ()


@dataclass
class Record:
    """One patient's record as lutea exports it."""

    patient: PatientOut
    measurements: list[MeasurementOut] = field(default_factory=list)
    treatments: list[TreatmentOut] = field(default_factory=list)
    pregnancies: list[PregnancyOut] = field(default_factory=list)
    episodes: list[EpisodeOut] = field(default_factory=list)
    symptoms: list[SymptomOut] = field(default_factory=list)


def source_identifiers(keys: tuple[str, ...], resource_type: str) -> list[dict[str, str]]:
    """The identifiers a record was imported with: a business identifier of the same resource type
    as itself, any other source key verbatim in lutea's source system (so re-importing finds it)."""
    business, other = [], []
    for key in keys:
        rtype, system, value = (key.split("|", 2) + ["", ""])[:3] if "|" in key else ("", "", "")
        if rtype == resource_type and system and value:
            business.append({"system": system, "value": value})
        else:
            other.append({"system": codes.LUTEA_SOURCE, "value": key})
    # the first identifier is the one an import keys the resource by: a business identifier if any
    return business + sorted(other, key=lambda i: not i["value"].startswith(("http://", "https://")))


def _with_identifiers(resource: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    if keys:
        resource["identifier"] = source_identifiers(keys, resource["resourceType"]) + resource.get("identifier", [])
    return resource


def _episode_extension(name: str, value: Any) -> dict[str, Any]:
    url = codes.EXT_EPISODE + name.replace("_", "-")
    if isinstance(value, date):
        return {"url": url, "valueDate": value.isoformat()}
    if isinstance(value, int):
        return {"url": url, "valueInteger": value}
    return {"url": url, "valueString": str(value)}


def episode_of_care(e: EpisodeOut, patient_id: int) -> dict[str, Any]:
    """A cycle, IVF cycle or therapy course as an EpisodeOfCare typed by a lutea code, details in extensions."""
    period: dict[str, Any] = {"start": e.start_date.isoformat()}
    if e.end_date:
        period["end"] = e.end_date.isoformat()
    out: dict[str, Any] = {
        "resourceType": "EpisodeOfCare", "id": f"e-{e.id}", "status": "finished" if e.end_date else "active",
        "type": [{"coding": [{"system": codes.LUTEA_CODES, "code": e.kind}]}],
        "patient": _ref("Patient", f"p-{patient_id}"), "period": period,
    }
    extension = [_episode_extension(k, v) for k, v in sorted(e.details.items()) if v is not None]
    if extension:
        out["extension"] = extension
    return _with_identifiers(out, e.source_keys)


def symptom_observation(s: SymptomOut, patient_id: int) -> dict[str, Any]:
    """A diary symptom as an Observation (lutea code `symptom`) with its severity 0-3 as a component."""
    out: dict[str, Any] = {
        "resourceType": "Observation", "id": f"y-{s.id}", "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": {"coding": [{"system": codes.LUTEA_CODES, "code": codes.SYMPTOM, "display": "Symptom (lutea diary)"}]},
        "subject": _ref("Patient", f"p-{patient_id}"),
        "effectiveDateTime": s.noted_at.isoformat(),
        "valueCodeableConcept": {"text": s.symptom},
        "component": [{"code": {"coding": [{"system": codes.LUTEA_CODES, "code": codes.SYMPTOM_SEVERITY}]},
                       "valueInteger": s.severity}],
    }
    if s.note:
        out["note"] = [{"text": s.note}]
    return _with_identifiers(out, s.source_keys)


def _ref(rtype: str, rid: str) -> dict[str, str]:
    return {"reference": resource_uuid(f"{rtype}/{rid}")}


def patient_resource(patient: PatientOut) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Patient", "id": f"p-{patient.id}",
        "identifier": [{"system": codes.LUTEA_PATIENT_ID, "value": str(patient.id)}],
        "name": [{"text": patient.display_name}], "gender": patient.sex,
    }
    if patient.birth_date:
        out["birthDate"] = patient.birth_date.isoformat()
    return _with_identifiers(out, patient.source_keys)


def observation_code(specimen: Specimen, unit: str) -> dict[str, Any]:
    """The LOINC code of a progesterone result by specimen and unit kind (local code where LOINC has none)."""
    molar = "mol" in unit
    if specimen in (Specimen.SERUM, Specimen.PLASMA):
        code = "14890-8" if molar else "2839-9"
        return {"coding": [{"system": codes.LOINC, "code": code, "display": codes.LOINC_DISPLAY[code]}]}
    if specimen is Specimen.SALIVA and molar:
        return {"coding": [{"system": codes.LOINC, "code": "24109-1", "display": codes.LOINC_DISPLAY["24109-1"]}]}
    local = codes.URINE_PDG if specimen is Specimen.URINE else codes.SALIVA_PROGESTERONE_MASS
    return {"coding": [{"system": codes.LUTEA_CODES, "code": local, "display": codes.LOCAL_DISPLAY[local]}]}


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": round(value, 6), "unit": unit, "system": codes.UCUM, "code": codes.UCUM_UNITS.get(unit, unit)}


def _source_urls(source_ids: list[str], kb: KnowledgeBase) -> list[str]:
    urls = []
    for sid in source_ids:
        try:
            urls.append(kb.get("sources", sid).url)
        except KeyError:
            continue
    return urls


def _range_type(flag: dict[str, Any]) -> str:
    kinds = [k for k in flag.get("kinds") or [] if k]
    for kind in kinds:
        if kind in codes.RANGE_TYPE_BY_KIND:
            return codes.RANGE_TYPE_BY_KIND[kind]
    return codes.RANGE_TYPE_BY_KIND.get(flag.get("population") or "", "normal")


def reference_range(flag: dict[str, Any], specimen: Specimen, unit: str, kb: KnowledgeBase) -> dict[str, Any]:
    """The interval or cut-off(s) the result's flag was read against (lutea.result_flag), in the
    result's unit, with its meaning, the phase or population it applies to, and its sources."""
    out: dict[str, Any] = {}
    for bound in ("low", "high"):
        if flag.get(bound) is not None:
            out[bound] = _quantity(convert(flag[bound], flag["unit"], unit, specimen), unit)
    out["type"] = {"coding": [{"system": codes.REFERENCE_RANGE_MEANING, "code": _range_type(flag)}]}
    applies: dict[str, Any] = {"text": flag.get("applies_to") or ""}
    if flag.get("population") == "pregnant" or "early_pregnancy_risk" in (flag.get("kinds") or []):
        applies["coding"] = [{"system": codes.SNOMED, "code": codes.SNOMED_PREGNANCY, "display": "Pregnancy"}]
    if applies["text"] or applies.get("coding"):
        out["appliesTo"] = [applies]
    what = "reference interval" if flag.get("basis") == "reference_interval" else "decision cut-off"
    text = f"lutea {what} {', '.join(flag.get('ids') or [])}: {flag.get('label') or ''}"
    urls = _source_urls(list(flag.get("sources") or []), kb)
    if urls:
        text += "; sources: " + " ".join(urls)
    out["text"] = text
    return out


def observation_interpretation(flag: dict[str, Any], knowledge_version: str) -> dict[str, Any]:
    """lutea's verdict as an Observation.interpretation: the v3 code (none when nothing applied) and the words."""
    concept: dict[str, Any] = {"text": f"{flag.get('text', '')} (lutea knowledge {knowledge_version})".strip()}
    code = flag.get("code")
    if code:
        concept["coding"] = [{"system": codes.OBSERVATION_INTERPRETATION, "code": code,
                              "display": codes.INTERPRETATION_DISPLAY[code]}]
    return concept


def observation_resource(m: MeasurementOut, patient_id: int, kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The Observation of one result (and its Specimen resource for serum or plasma)."""
    specimen = Specimen(m.specimen)
    obs: dict[str, Any] = {
        "resourceType": "Observation", "id": f"m-{m.id}", "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "laboratory"}]}],
        "code": observation_code(specimen, m.unit),
        "subject": _ref("Patient", f"p-{patient_id}"),
        "effectiveDateTime": m.sampled_at.isoformat(),
        "valueQuantity": _quantity(m.value, m.unit),
    }
    if m.assay and m.assay != "any":
        obs["extension"] = [{"url": codes.EXT_ASSAY, "valueCode": m.assay}]
        obs["method"] = {"text": {"lcms": "LC-MS/MS", "immunoassay": "immunoassay"}.get(m.assay, m.assay)}
    if m.laboratory:
        obs["performer"] = [{"display": m.laboratory}]
    out = [obs]
    if specimen in codes.SPECIMEN_SNOMED:
        spec_id = f"s-{m.id}"
        out.append({"resourceType": "Specimen", "id": spec_id, "subject": _ref("Patient", f"p-{patient_id}"),
                    "type": {"coding": [{"system": codes.SNOMED, "code": codes.SPECIMEN_SNOMED[specimen],
                                         "display": f"{specimen.value.capitalize()} specimen"}]}})
        obs["specimen"] = _ref("Specimen", spec_id)
    if m.interpretation:
        flag = stored_flag(m.interpretation, to_canonical(m.value, m.unit, specimen), specimen)
        if flag.get("code") and (flag.get("low") is not None or flag.get("high") is not None):
            obs["referenceRange"] = [reference_range(flag, specimen, m.unit, kb)]
        obs["interpretation"] = [observation_interpretation(flag, m.interpretation.get("knowledge_version", kb.version))]
    else:
        obs["note"] = [{"text": "lutea has not interpreted this result: no interpretation or range is given."}]
    _with_identifiers(obs, m.source_keys)
    return out


def detected_issue(issue_id: str, finding: dict[str, Any], patient_id: int, implicated: dict[str, str],
                   kb: KnowledgeBase, identified: datetime | None = None) -> dict[str, Any]:
    """One finding (Finding.to_json) as a DetectedIssue: its code, severity, message and source URLs."""
    urls = _source_urls(list(finding.get("sources") or []), kb)
    issue: dict[str, Any] = {
        "resourceType": "DetectedIssue", "id": issue_id, "status": "final",
        "code": {"coding": [{"system": codes.LUTEA_FINDINGS, "code": finding["code"]}], "text": finding["code"]},
        "severity": codes.ISSUE_SEVERITY.get(finding.get("severity", "info"), "low"),
        "patient": _ref("Patient", f"p-{patient_id}"),
        "implicated": [implicated],
        "evidence": [{"detail": [implicated]}],
        "detail": finding.get("message", ""),
    }
    if identified:
        issue["identifiedDateTime"] = identified.isoformat()
    if urls:
        issue["reference"] = urls[0]
        issue["extension"] = [{"url": codes.EXT_SOURCE, "valueUri": url} for url in urls]
    return issue


def detected_issues(m: MeasurementOut, patient_id: int, kb: KnowledgeBase) -> list[dict[str, Any]]:
    """lutea's findings on one result as DetectedIssue resources citing their sources."""
    return [detected_issue(f"m-{m.id}-f{number}", finding, patient_id, _ref("Observation", f"m-{m.id}"), kb,
                           m.interpreted_at)
            for number, finding in enumerate((m.interpretation or {}).get("findings") or [], start=1)]


def medication_statement(t: TreatmentOut, patient_id: int, kb: KnowledgeBase, now: datetime) -> dict[str, Any]:
    """A treatment as a MedicationStatement with lutea's regimen text kept in an extension."""
    product = kb.get("products", t.product)
    dosage: dict[str, Any] = {
        "text": t.schedule,
        "route": {"coding": [{"system": codes.SNOMED, "code": codes.ROUTE_TO_SNOMED[t.route],
                              "display": codes.ROUTE_DISPLAY[t.route]}]} if t.route in codes.ROUTE_TO_SNOMED
        else {"text": t.route},
        "doseAndRate": [{"doseQuantity": {"value": t.dose_mg, "unit": "mg", "system": codes.UCUM, "code": "mg"}}],
    }
    if t.interval_h:
        dosage["timing"] = {"repeat": {"frequency": 1, "period": t.interval_h, "periodUnit": "h"}}
        if t.at_bedtime:
            dosage["timing"]["repeat"]["when"] = ["HS"]
    if t.with_food:
        dosage["additionalInstruction"] = [{"coding": [{"system": codes.SNOMED, "code": codes.SNOMED_WITH_FOOD,
                                                        "display": codes.SNOMED_WITH_FOOD_DISPLAY}]}]
    period: dict[str, Any] = {"start": t.start.isoformat()}
    if t.stop:
        period["end"] = t.stop.isoformat()
    extension = [{"url": codes.EXT_REGIMEN, "valueString": t.schedule}]
    if t.acknowledge_off_label:
        extension.append({"url": codes.EXT_OFF_LABEL, "valueBoolean": True})
    return _with_identifiers({
        "resourceType": "MedicationStatement", "id": f"t-{t.id}", "extension": extension,
        "status": "completed" if t.stop and t.stop < now else "active",
        "medicationCodeableConcept": {"coding": [{"system": codes.LUTEA_PRODUCTS, "code": product.id,
                                                  "display": product.names[0] if product.names else product.id}],
                                      "text": f"{product.names[0] if product.names else product.id} "
                                              f"({product.substance.replace('-', ' ')})"},
        "subject": _ref("Patient", f"p-{patient_id}"),
        "effectivePeriod": period,
        "dosage": [dosage],
    }, t.source_keys)


def pregnancy_resources(p: PregnancyOut, patient_id: int) -> list[dict[str, Any]]:
    """A pregnancy as a Condition (SNOMED 77386006) and, when known, an LMP Observation (LOINC 8665-2)."""
    condition: dict[str, Any] = {
        "resourceType": "Condition", "id": f"e-{p.id}",
        "clinicalStatus": {"coding": [{"system": codes.CONDITION_CLINICAL,
                                       "code": "resolved" if p.end_date else "active"}]},
        "code": {"coding": [{"system": codes.SNOMED, "code": codes.SNOMED_PREGNANCY, "display": "Pregnancy"}]},
        "subject": _ref("Patient", f"p-{patient_id}"),
        "onsetDateTime": p.start_date.isoformat(),
    }
    if p.end_date:
        condition["abatementDateTime"] = p.end_date.isoformat()
    if p.note:
        condition["note"] = [{"text": p.note}]
    out = [_with_identifiers(condition, p.source_keys)]
    if p.lmp_date:
        out.append({
            "resourceType": "Observation", "id": f"e-{p.id}-lmp", "status": "final",
            "code": {"coding": [{"system": codes.LOINC, "code": codes.LMP_LOINC, "display": codes.LOINC_DISPLAY["8665-2"]}]},
            "subject": _ref("Patient", f"p-{patient_id}"),
            "effectiveDateTime": p.start_date.isoformat(),
            "valueDateTime": p.lmp_date.isoformat(),
        })
    return out


def record_bundle(record: Record, now: datetime, kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """A patient's record as a FHIR R4 collection Bundle (validate it with bundle.validate_bundle)."""
    kb = kb or load_knowledge()
    pid = record.patient.id
    resources = [patient_resource(record.patient)]
    for p in record.pregnancies:
        resources += pregnancy_resources(p, pid)
    for e in record.episodes:
        resources.append(episode_of_care(e, pid))
    for y in record.symptoms:
        resources.append(symptom_observation(y, pid))
    for t in record.treatments:
        resources.append(medication_statement(t, pid, kb, now))
        resources += [detected_issue(f"t-{t.id}-f{n}", f, pid, _ref("MedicationStatement", f"t-{t.id}"), kb, now)
                      for n, f in enumerate(t.findings, start=1)]
    for m in record.measurements:
        resources += observation_resource(m, pid, kb)
        resources += detected_issues(m, pid, kb)
    bundle = make_bundle(resources)
    bundle["timestamp"] = now.isoformat()
    bundle["meta"] = {"tag": [{"system": codes.LUTEA_CODES, "code": "lutea-export",
                               "display": f"lutea knowledge {kb.version}"}]}
    return bundle
