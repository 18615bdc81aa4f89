"""CDS Hooks (pure): the discovery document and cards built from lutea's findings.

`patient-view` turns the urgent and advisory findings of a patient's latest results into cards,
each opening with the result's flag (lutea.result_flag: the same code and range the exported
Observation carries), plus a card for the abnormal flag of a result without one;
`order-sign` screens a draft progesterone MedicationRequest with lutea.safety.screen and checks it
against a pathway's regimens. Cards cite lutea's sources (links to the evidence). Indicators:
urgent -> critical, advise -> warning, info -> info.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from lutea.fhir import codes
from lutea.fhir.medication_in import MedicationIn
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.risk_profiles import risk_profile
from lutea.safety import SafetyReport

PATIENT_VIEW_ID = "lutea-patient-view"
ORDER_SIGN_ID = "lutea-order-sign"
PATHWAY_SYSTEM = "http://lutea.dev/CodeSystem/lutea-pathways"
CARD_SEVERITIES = ("urgent", "advise")
CARD_RANK = {"urgent": 0, "advise": 1, "info": 2}
_PROGESTERONE_CODES = ",".join(f"{codes.LOINC}|{c}" for c in codes.PROGESTERONE_LOINC)


def discovery() -> dict[str, Any]:
    """The CDS Hooks discovery document (GET {base}/cds-services)."""
    patient = "Patient/{{context.patientId}}"
    return {"services": [
        {"hook": "patient-view", "id": PATIENT_VIEW_ID, "title": "lutea: progesterone results",
         "description": "Cards for the urgent and advisory findings lutea makes on the patient's latest progesterone "
                        "and urine PdG results, each citing its sources.",
         "prefetch": {"patient": patient,
                      "progesterone": f"Observation?patient={{{{context.patientId}}}}&code={_PROGESTERONE_CODES}",
                      "pregnancy": f"Condition?patient={{{{context.patientId}}}}&code={codes.SNOMED}|{codes.SNOMED_PREGNANCY}"},
         "usageRequirements": "Send the prefetch, or a patientId that is a lutea patient id the caller may reach."},
        {"hook": "order-sign", "id": ORDER_SIGN_ID, "title": "lutea: progesterone order check",
         "description": "Screens a draft progesterone MedicationRequest for contraindications, interactions, doses above "
                        "the labelled maximum and (with a lutea pathway in reasonCode) the pathway's regimens.",
         "prefetch": {"patient": patient,
                      "conditions": "Condition?patient={{context.patientId}}",
                      "allergies": "AllergyIntolerance?patient={{context.patientId}}",
                      "medications": "MedicationRequest?patient={{context.patientId}}&status=active"}},
    ]}


def _links(source_ids: Iterable[str], kb: KnowledgeBase) -> list[dict[str, str]]:
    links, seen = [], set()
    for sid in source_ids:
        if sid in seen:
            continue
        seen.add(sid)
        try:
            source = kb.get("sources", sid)
        except KeyError:
            continue
        label = f"{source.title[:70]}{'...' if len(source.title) > 70 else ''} ({source.year})"
        links.append({"label": label, "url": source.url, "type": "absolute"})
    return links


def card(code: str, severity: str, message: str, source_ids: Sequence[str], kb: KnowledgeBase,
         suggestions: list[dict[str, Any]] | None = None, *, result_line: str = "", detail: str | None = None,
         topic_system: str = codes.LUTEA_FINDINGS, topic_display: str | None = None) -> dict[str, Any]:
    """One card: summary under 140 characters, the full message as detail (after the result's flag
    line, when the card is about a result), sources as links."""
    links = _links(source_ids, kb)
    summary = message if len(message) <= 139 else message[:136].rsplit(" ", 1)[0] + "..."
    out: dict[str, Any] = {
        "uuid": str(uuid.uuid4()), "summary": summary, "detail": detail or f"{result_line} {message}".strip(),
        "indicator": codes.CARD_INDICATOR.get(severity, "info"),
        "source": {"label": f"lutea knowledge base {kb.version}",
                   "topic": {"system": topic_system, "code": code, "display": topic_display or code}},
        "links": links,
    }
    if links:
        out["source"]["url"] = links[0]["url"]
    if suggestions:
        out["suggestions"] = suggestions
        out["selectionBehavior"] = "at-most-one"
    return out


ABNORMAL_CODES = ("L", "H", "LL", "HH", "AA")


def flag_line(result: dict[str, Any]) -> str:
    """A result and its flag in words, as the exported Observation's interpretation gives them."""
    flag = result.get("flag") or {}
    code = flag.get("code")
    if not code:
        return f"{result['label']}: no reference interval or cut-off applies."
    return f"{result['label']}: {codes.INTERPRETATION_DISPLAY[code]} ({code}) against {flag.get('label') or 'its range'}."


def _severity(finding_severity: str, result: dict[str, Any], code: str) -> str:
    """urgent when the finding is, or when it states a critical flag (LL, HH, AA) of its result."""
    flag = result.get("flag") or {}
    return "urgent" if flag.get("critical") and flag.get("finding") == code else finding_severity


def patient_view_cards(results: Iterable[dict[str, Any]], kb: KnowledgeBase | None = None) -> list[dict[str, Any]]:
    """Cards for the latest results (`label`, `flag` as lutea.result_flag gives it, `findings` as
    Finding.to_json): one per urgent or advisory finding code, its detail opening with the result's
    flag; and one for an abnormal flag (L, H, LL, HH, AA) of a result with no such card. Urgent first."""
    kb = kb or load_knowledge()
    results = list(results)
    chosen: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for result in results:
        for finding in result.get("findings") or []:
            if finding.get("severity") in CARD_SEVERITIES and finding["code"] not in chosen:
                chosen[finding["code"]] = (finding, result)
    cards: list[tuple[int, dict[str, Any]]] = []
    for code, (finding, result) in chosen.items():
        severity = _severity(finding["severity"], result, code)
        cards.append((CARD_RANK[severity], card(code, severity, finding["message"], finding.get("sources") or [], kb,
                                                  result_line=flag_line(result))))
    stated = {id(result) for _finding, result in chosen.values()}  # a card already opens with its flag
    for result in results:
        flag = result.get("flag") or {}
        if flag.get("code") in ABNORMAL_CODES and id(result) not in stated:
            severity = "urgent" if flag.get("critical") else flag.get("severity") or "info"
            line = flag_line(result)
            cards.append((CARD_RANK[severity], card(
                flag["code"], severity, line, flag.get("sources") or [], kb, detail=f"{line} {flag.get('text', '')}".strip(),
                topic_system=codes.OBSERVATION_INTERPRETATION, topic_display=codes.INTERPRETATION_DISPLAY[flag["code"]])))
    return [c for _, c in sorted(cards, key=lambda pair: pair[0])]


def _modified(order: dict[str, Any], dose_mg: float | None = None, interval_h: float | None = None,
              product: str | None = None, kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """A copy of the draft MedicationRequest with another dose, interval or product."""
    changed = {**order, "dosageInstruction": [dict(d) for d in order.get("dosageInstruction") or [{}]]}
    dosage = changed["dosageInstruction"][0]
    if dose_mg is not None:
        dosage["doseAndRate"] = [{"doseQuantity": {"value": dose_mg, "unit": "mg", "system": codes.UCUM, "code": "mg"}}]
    if interval_h is not None:
        repeat = {**((dosage.get("timing") or {}).get("repeat") or {}), "frequency": 1, "period": interval_h, "periodUnit": "h"}
        dosage["timing"] = {"repeat": repeat}
    if product is not None and kb is not None:
        entry = kb.get("products", product)
        changed["medicationCodeableConcept"] = {
            "coding": [{"system": codes.LUTEA_PRODUCTS, "code": product, "display": entry.names[0] if entry.names else product}],
            "text": entry.names[0] if entry.names else product}
    changed.pop("extension", None)
    return changed


def _update(description: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"label": description[:80], "uuid": str(uuid.uuid4()),
            "actions": [{"type": "update", "description": description, "resource": resource}]}


def _delete(order: dict[str, Any]) -> dict[str, Any]:
    rid = f"MedicationRequest/{order['id']}" if order.get("id") else None
    action: dict[str, Any] = {"type": "delete", "description": "Remove this progesterone order"}
    if rid:
        action["resourceId"] = rid
    return {"label": "Remove the order", "uuid": str(uuid.uuid4()), "actions": [action]}


def order_sign_cards(order: dict[str, Any], medication: MedicationIn, report: SafetyReport,
                     scenario: str | None = None, kb: KnowledgeBase | None = None) -> list[dict[str, Any]]:
    """Cards for one draft progesterone order: absolute contraindications are critical (suggest
    removing it), other urgent and advisory findings warnings, a dose above the label suggests the
    labelled maximum, and a pathway named in reasonCode suggests its regimens."""
    kb = kb or load_knowledge()
    cards: list[dict[str, Any]] = []
    for finding in report.findings:
        severity = finding.severity.value
        suggestions = None
        if finding.code == "safety.contraindication" and finding.detail.get("kind") == "absolute":
            severity, suggestions = "urgent", [_delete(order)]
        elif finding.code == "safety.dose_above_label":
            limit = finding.detail.get("max_daily_mg") or finding.detail.get("labelled_max_daily_mg")
            if limit and medication.interval_h:
                dose = round(float(limit) * medication.interval_h / 24.0, 3)
                suggestions = [_update(f"Lower to {dose:g} mg every {medication.interval_h:g} h (labelled maximum "
                                       f"{float(limit):g} mg/day)", _modified(order, dose_mg=dose))]
        if severity in CARD_SEVERITIES:
            cards.append(card(finding.code, severity, finding.message, finding.sources, kb, suggestions))
    if scenario:
        cards += _pathway_cards(order, medication, scenario, kb)
        if medication.product:  # a plan's choice of progestogen: its risk profile, as the plan shows it
            cards.append(_risk_card(medication.product, kb))
    return sorted(cards, key=lambda c: ("critical", "warning", "info").index(c["indicator"]))


def _risk_card(product: str, kb: KnowledgeBase) -> dict[str, Any]:
    """The ordered product's substance with oestrogen: breast cancer and VTE (lutea.risk_profiles)."""
    profile = risk_profile(kb.substance_of(product), kb)
    return card("risk.profile", "info", f"{profile.name}: {profile.summary}", profile.sources, kb)


def _pathway_cards(order: dict[str, Any], medication: MedicationIn, scenario: str, kb: KnowledgeBase) -> list[dict[str, Any]]:
    try:
        pathway = kb.get("pathways", scenario)
    except KeyError:
        return [card("pathway.unknown", "advise", f"Pathway {scenario!r} named in reasonCode is not in lutea's knowledge "
                     "base; the order was not checked against a pathway.", [], kb)]
    for regimen in pathway.regimens:
        same = (regimen.product == medication.product and regimen.route == medication.route
                and abs(regimen.dose_mg - medication.dose_mg) < 1e-6
                and medication.interval_h is not None and abs(regimen.interval_h - medication.interval_h) < 1e-6)
        if same:
            return [card("pathway.matches", "info", f"The order matches regimen {regimen.id} of the pathway "
                         f"'{pathway.title}'. {getattr(regimen, 'note', '') or ''}".strip(),
                         list(regimen.sources) or list(pathway.sources), kb)]
    suggestions = [_update(f"Use {r.id}: {r.product} {r.dose_mg:g} mg {r.route} every {r.interval_h:g} h",
                           _modified(order, dose_mg=r.dose_mg, interval_h=r.interval_h, product=r.product, kb=kb))
                   for r in pathway.regimens if r.route == medication.route or not medication.route][:3] or [
        _update(f"Use {r.id}: {r.product} {r.dose_mg:g} mg {r.route} every {r.interval_h:g} h",
                _modified(order, dose_mg=r.dose_mg, interval_h=r.interval_h, product=r.product, kb=kb))
        for r in pathway.regimens[:3]]
    listed = "; ".join(f"{r.product} {r.dose_mg:g} mg {r.route} every {r.interval_h:g} h" for r in pathway.regimens)
    ordered = f"{medication.product or 'progesterone'} {medication.dose_mg:g} mg {medication.route}" + (
        f" every {medication.interval_h:g} h" if medication.interval_h else "")
    return [card("pathway.differs", "advise", f"The order ({ordered}) is not a regimen of the pathway '{pathway.title}'"
                 f" ({listed or 'no regimen'}).", list(pathway.sources), kb, suggestions or None)]
