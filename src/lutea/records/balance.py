"""A patient's balance from her record: the dose history from her recorded doses (else her
treatment's schedule), the levels from her results, the default target from her episode
(knowledge base balance_targets.yaml, cut-offs through lutea.cutoffs), and the candidate
regimens ranked by the probability of meeting it (lutea.individualise.balance_report).

The API's GET /patients/{id}/balance and the web Balance page show this one function's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lutea.cutoffs import default_threshold
from lutea.errors import InputError
from lutea.individualise import Individualiser, Target, balance_report, parse_target
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.schema import PROGESTERONE, Threshold
from lutea.records.access import RecordAccess
from lutea.records.plausibility import resolve_product
from lutea.records.prediction import (
    FIT_DRAWS,
    baseline_context,
    continued_events,
    endogenous_curve,
    fitted_scale,
    serum_levels,
    treatment_episode,
)
from lutea.risk_profiles import compare as compare_risks
from lutea.store import crud, models
from lutea.timeline import start_of_day
from lutea.units import Specimen, to_canonical

BALANCE_DAYS = 7  # the span from now over which the default target and the curve run


@dataclass(frozen=True)
class DefaultTarget:
    """The target an episode gives by default (None: no evidence-based level target), and why."""

    target: Target | None
    entry: str | None
    rationale: str
    sources: tuple[str, ...]



def _bound(t: Threshold | None) -> float | None:
    return None if t is None else to_canonical(t.value, t.unit, Specimen(t.specimen))


def default_target(episode: models.Episode | None, route: str | None, start: datetime, end: datetime,
                   kb: KnowledgeBase | None = None) -> DefaultTarget:
    """Her episode's default target over [start, end] (a transfer-day target starts on transfer day)."""
    kb = kb or load_knowledge()
    if episode is None:
        return DefaultTarget(None, None, "The treatment belongs to no episode, so lutea has no default target: "
                             "give one.", ())
    fits = [e for e in kb.entries("balance_targets")
            if e.episode == episode.kind and (e.protocol is None or e.protocol == episode.protocol)]
    if not fits:
        return DefaultTarget(None, None, f"lutea's knowledge base has no default target for a {episode.kind}"
                             + (f" ({episode.protocol})" if episode.protocol else "") + ": give one.", ())
    entry = fits[0]
    if entry.start == "transfer_day" and episode.et_date is not None:
        start = max(start, start_of_day(episode.et_date))
        end = max(end, start + timedelta(days=BALANCE_DAYS))
    if entry.reference:
        target = parse_target(f"within {entry.reference} reference from {start.isoformat()} to {end.isoformat()}")
        return DefaultTarget(target, entry.id, entry.rationale, tuple(dict.fromkeys([*target.sources, *entry.sources])))
    context = {"protocol": episode.protocol, "route": route, "kb": kb}
    low = default_threshold(entry.low_threshold, **context) if entry.low_threshold else None
    high = default_threshold(entry.high_threshold, **context) if entry.high_threshold else None
    if low is None and high is None:
        why = entry.rationale
        if entry.low_threshold or entry.high_threshold:
            why += f" The knowledge base has no such cut-off for {episode.protocol} with {route or 'unknown-route'} progesterone."
        return DefaultTarget(None, entry.id, why, tuple(entry.sources))
    sources = tuple(dict.fromkeys([*(s for t in (low, high) if t for s in t.sources), *entry.sources]))
    target = Target(_bound(low), _bound(high), start, end, strict_low=low is not None and low.comparison == "le",
                    strict_high=high is not None and high.comparison == "ge",
                    text=f"default target of {entry.id}", sources=sources)
    return DefaultTarget(target, entry.id, entry.rationale, sources)


def _treatment(access: RecordAccess, now: datetime) -> models.Treatment:
    treatments = crud.list_records(access.session, models.Treatment, access.patient_id)
    if not treatments:
        raise InputError("treatment", "the record has no progesterone treatment", "a treatment with its doses")
    kb = load_knowledge()
    progesterone = [t for t in treatments if kb.substance_of(t.product) == PROGESTERONE]
    if not progesterone:  # a progestogen is invisible to the serum progesterone the balance fits
        raise InputError("treatment", "the record's treatments are synthetic progestogens, which a progesterone assay does "
                         "not measure: there is no serum level of them to balance", "a progesterone treatment")
    running = [t for t in progesterone if t.start <= now and (t.stop is None or now <= t.stop)]
    return (running or progesterone)[-1]


def _product_sources(product_id: str) -> tuple[str, ...]:
    """The label sources of the treatment's product (none if the knowledge base no longer has it)."""
    try:
        return tuple(resolve_product(product_id).sources)
    except InputError:
        return ()


def _substances(candidate: dict[str, Any], current_product: str) -> list[str]:
    """The substances a candidate gives from the change on (its products'; the current product's
    when it names none), whose risk profiles the balance sets side by side."""
    products = candidate.get("products") or [current_product]
    return list(dict.fromkeys(load_knowledge().substance_of(p) for p in products))


def _target_json(target: Target | None, chosen: DefaultTarget | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {"low_ng_ml": target.low_ng_ml, "high_ng_ml": target.high_ng_ml, "from": target.start.isoformat(),
            "to": target.end.isoformat(), "text": target.describe(),
            "source": chosen.entry if chosen else "given", "sources": list(target.sources),
            "rationale": chosen.rationale if chosen else None}


def patient_balance(access: RecordAccess, target_text: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Fit her treatment to her serum levels and rank regimens for her target (clinicians only)."""
    access.require_clinician()
    now = now or datetime.now(UTC)
    treatment = _treatment(access, now)
    change = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    end = change + timedelta(days=BALANCE_DAYS)
    episode = treatment_episode(treatment, crud.list_records(access.session, models.Episode, access.patient_id))
    chosen = None if target_text else default_target(episode, treatment.route, change, end)
    target = parse_target(target_text) if target_text else chosen.target  # type: ignore[union-attr]
    if target is not None:
        end = max(end, target.end)
    events = continued_events(treatment, now, end)
    measurements = crud.list_records(access.session, models.Measurement, access.patient_id)
    levels, assay = serum_levels(measurements, events[0].time if events else now, now)
    if not levels or not events:
        raise InputError("levels", "no serum level measured under the treatment", "one or more serum results")
    context = baseline_context(episode, events[0].time)
    fit = Individualiser(context=context, assay=assay, n_draws=FIT_DRAWS).fit(events, levels)
    regimen = f"{treatment.product} {treatment.schedule}"
    current_sources = _product_sources(treatment.product)
    t0 = events[0].time
    times = [t0 + timedelta(hours=h) for h in range(int((end - t0).total_seconds() // 3600) + 1)]
    prediction = fit.predict(times)
    out: dict[str, Any] = {
        "patient_id": access.patient_id, "treatment_id": treatment.id, "knowledge_version": load_knowledge().version,
        "target": _target_json(target, chosen), "target_reason": None if target else chosen.rationale,  # type: ignore[union-attr]
        "target_sources": list(target.sources) if target else list(chosen.sources),  # type: ignore[union-attr]
        "levels_used": len(levels), "assay": assay, "change_at": change.isoformat(),
        "curve": {"t": [t.isoformat() for t in times],
                  "median": [round(float(v), 3) for v in prediction.median_ng_ml],
                  "low": [round(float(v), 3) for v in prediction.low_ng_ml],
                  "high": [round(float(v), 3) for v in prediction.high_ng_ml],
                  "levels": [{"t": lv.time.isoformat(), "ng_ml": lv.conc_ng_ml} for lv in levels],
                  "endogenous": endogenous_curve(context, times, t0, fitted_scale(fit))},
    }
    current_substances = [load_knowledge().substance_of(treatment.product)]
    if target is None:
        at = min(range(len(times)), key=lambda i: abs((times[i] - change).total_seconds()))
        out["current"] = {"regimen": regimen, "predicted_ng_ml": round(float(prediction.median_ng_ml[at]), 2),
                          "interval_90": [round(float(prediction.low_ng_ml[at]), 2), round(float(prediction.high_ng_ml[at]), 2)],
                          "p_target": None, "sources": list(current_sources), "substances": current_substances}
        out["candidates"] = []
        out["risk_profiles"] = compare_risks(current_substances, "clinician")
        access.audit("read", "balance")
        return out
    report = balance_report(fit, target, role="clinician", change_at=change, current_text=regimen,
                            current_sources=current_sources)
    ranked = report["candidates"]
    current = next(c for c in ranked if c["kind"] == "continue")
    out["current"] = {"regimen": regimen, "predicted_ng_ml": current["predicted"], "interval_90": current["ci90"],
                      "p_target": current["p_target"], "sources": current["sources"], "caveats": current["caveats"],
                      "substances": current_substances}
    out["candidates"] = [{"regimen": c["regimen"], "label": c["label"], "kind": c["kind"], "start": c["start"],
                          "predicted_ng_ml": c["predicted"], "interval_90": c["ci90"], "p_target": c["p_target"],
                          "administrations_per_day": c["administrations_per_day"],
                          "dose_mg_per_day": c["dose_mg_per_day"], "sources": c["sources"], "caveats": c["caveats"],
                          "substances": _substances(c, treatment.product)}
                         for c in ranked if c["kind"] != "continue"]
    out["risk_profiles"] = compare_risks(
        current_substances + [s for c in out["candidates"] for s in c["substances"]], "clinician")
    out["parameters"] = report["parameters"]
    out["method"] = report["method"]
    out["assay_sources"] = report["prediction"]["assay_sources"]
    access.audit("read", "balance")
    return out
