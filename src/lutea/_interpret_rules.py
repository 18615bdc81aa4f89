"""The rules behind `interpret`: mechanisms only; every number comes from the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lutea.context import Context, DerivedContext
from lutea.cutoffs import applicable_thresholds, choose
from lutea.cycle import cycle_model
from lutea.findings import Finding, Severity
from lutea.knowledge import KnowledgeBase
from lutea.knowledge.schema import (
    PROGESTERONE,
    SUBSTANCE_PLACEHOLDERS,
    Product,
    ReferenceInterval,
    Threshold,
)
from lutea.measurement import Measurement
from lutea.pk.baseline import ContextKind
from lutea.pk.expected import (
    ExpectedLevel,
    expected_level,
    expected_level_rule,
    model_for,
)
from lutea.timeline import clock_hour
from lutea.units import Specimen, ng_ml_to_nmol_l, to_canonical

_SERUM_LIKE = (Specimen.SERUM, Specimen.PLASMA)
_NO_NATURAL_CYCLE = ("hrt-fet", "fresh")


@dataclass(frozen=True)
class Case:
    """One result in its context, ready for the rules (`conc` in the specimen's canonical unit)."""

    measurement: Measurement
    conc: float
    ctx: Context
    derived: DerivedContext
    kb: KnowledgeBase

    @property
    def serum(self) -> bool:
        return self.measurement.specimen in _SERUM_LIKE

    def product(self, product_id: str | None) -> Product | None:
        return next((p for p in self.kb.entries("products") if p.id == product_id), None) if product_id else None

    @property
    def progesterone_given(self) -> bool:
        """The treatment is progesterone itself (a product of that substance, or a route alone)."""
        t = self.ctx.treatment
        if t is None:
            return False
        product = self.product(t.product)
        return product is None or product.substance == PROGESTERONE

    @property
    def progestogens(self) -> list[Product]:
        """The synthetic progestogens in use: the treatment's product if it is one, and the others named."""
        ids = [self.ctx.treatment.product] if self.ctx.treatment and self.ctx.treatment.product else []
        found = [self.product(i) for i in dict.fromkeys([*ids, *self.ctx.progestogens])]
        return [p for p in found if p is not None and p.substance != PROGESTERONE]

    @property
    def substances(self) -> set[str]:
        """The substances of the treatments in use (progesterone and any progestogen)."""
        return ({PROGESTERONE} if self.progesterone_given else set()) | {p.substance for p in self.progestogens}

    @property
    def progestogen_only(self) -> bool:
        """A progestogen without progesterone: a progesterone assay sees only her own level."""
        return bool(self.progestogens) and not self.progesterone_given


def num(x: float) -> str:
    """A concentration with sensible digits (3 significant, no trailing noise)."""
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def show(case: Case, conc: float | None = None) -> str:
    """A canonical value in the specimen's units (serum: ng/mL and nmol/L)."""
    conc = case.conc if conc is None else conc
    specimen = case.measurement.specimen
    if specimen in _SERUM_LIKE:
        return f"{num(conc)} ng/mL ({num(ng_ml_to_nmol_l(conc))} nmol/L)"
    return f"{num(conc)} {'pg/mL' if specimen == Specimen.SALIVA else 'ug/mL PdG'}"


def threshold_conc(t: Threshold) -> float:
    """A threshold in its specimen's canonical unit."""
    return to_canonical(t.value, t.unit, Specimen(t.specimen))


def crosses(t: Threshold, conc: float) -> bool:
    limit = threshold_conc(t)
    return {"lt": conc < limit, "le": conc <= limit, "ge": conc >= limit, "gt": conc > limit}[t.comparison]


def show_limit(t: Threshold) -> str:
    """A threshold's value in its published unit, with the other serum unit in brackets."""
    shown = f"{t.value:g} {t.unit}"
    if t.specimen in ("serum", "plasma"):
        other = threshold_conc(t) if t.unit.lower() != "ng/ml" else ng_ml_to_nmol_l(t.value)
        shown += f" ({num(other)} {'ng/mL' if t.unit.lower() != 'ng/ml' else 'nmol/L'})"
    return shown


def show_threshold(t: Threshold) -> str:
    """A threshold with its comparison, e.g. '< 8.8 ng/mL (28.0 nmol/L)'."""
    return f"{ {'lt': '<', 'le': '<=', 'ge': '>=', 'gt': '>'}[t.comparison]} {show_limit(t)}"


def applicable(case: Case, kind: str) -> list[Threshold]:
    """Thresholds of one kind that apply to this specimen and context, in file order."""
    return applicable_thresholds(
        kind, specimen="serum" if case.serum else case.measurement.specimen.value, protocol=case.ctx.protocol,
        route=case.ctx.route, gestational_weeks=case.derived.gestational_weeks, kb=case.kb,
    )


def _alternatives(case: Case, chosen: Threshold, entries: list[Threshold]) -> list[dict[str, Any]]:
    return [{"id": t.id, "threshold": show_threshold(t), "crossed": crosses(t, case.conc), "sources": list(t.sources)}
            for t in entries if t is not chosen]


# --- plausibility and caveats ---------------------------------------------------------------

def implausible(case: Case) -> list[Finding]:
    for t in applicable(case, "implausible_high"):
        if crosses(t, case.conc):
            return [Finding("value.implausible_high", Severity.ADVISE,
                            f"{show(case)} is {show_threshold(t)}: {t.description} Check the unit and specimen before acting on it.",
                            "This number is far higher than any real blood level. Please check the unit on the lab report.",
                            tuple(t.sources), {"threshold": t.id})]
    return []


_SUBSTANCE_WORDS = {"medroxyprogesterone-acetate": "medroxyprogesterone acetate"}


def _progestogen_words(case: Case) -> tuple[str, str]:
    """The progestogens in use for the clinician (substance and product) and the patient (product name)."""
    clinician = ", ".join(f"{_SUBSTANCE_WORDS.get(p.substance, p.substance)} ({p.names[0]})" for p in case.progestogens)
    patient = ", ".join(p.names[0] for p in case.progestogens)
    return clinician, patient


def caveats(case: Case) -> list[Finding]:
    assay = case.measurement.assay or "unknown"
    found = []
    in_use = case.substances
    for c in case.kb.entries("caveats"):
        if c.substances and not in_use & set(c.substances):
            continue
        if c.specimens and case.measurement.specimen.value not in c.specimens:
            continue
        if c.routes and case.ctx.route not in c.routes:
            continue
        if c.assays and assay not in c.assays:
            continue
        if c.pregnancy_locations and case.ctx.pregnancy_location not in c.pregnancy_locations:
            continue
        detail: dict[str, Any] = {"caveat": c.id}
        message, patient = c.message, c.patient_message
        if any(p in message + patient for p in SUBSTANCE_PLACEHOLDERS):
            words, patient_words = _progestogen_words(case)
            message = message.replace("{progestogen}", words).replace("{patient_progestogen}", patient_words)
            patient = patient.replace("{progestogen}", words).replace("{patient_progestogen}", patient_words)
            detail |= {"products": [p.id for p in case.progestogens], "substances": [p.substance for p in case.progestogens],
                       "progesterone_given": case.progesterone_given}
        found.append(Finding(c.code, Severity(c.severity), message, patient, tuple(c.sources), detail))
    return found


# --- reference interval -------------------------------------------------------------------------

def _wanted(case: Case) -> list[tuple[str, str]]:
    ctx, d = case.ctx, case.derived
    if ctx.sex == "male":
        return [("male", "male")]
    if ctx.pregnant:
        return [("pregnant", "pregnancy")] if d.gestational_weeks is not None else []
    if ctx.postmenopausal:
        return [("postmenopausal", "postmenopausal")]
    if ctx.protocol in _NO_NATURAL_CYCLE or d.phase is None:
        return []
    return ([("female", "mid-luteal")] if d.in_mid_luteal_window else []) + [("female", d.phase)]


def reference_interval(case: Case) -> ReferenceInterval | None:
    """The interval for this specimen, population, phase or gestational week and assay; None if none applies."""
    spec = "serum" if case.serum else case.measurement.specimen.value
    weeks = case.derived.gestational_weeks
    lcms = case.measurement.assay == "lcms"
    for population, phase in _wanted(case):
        hits = [ri for ri in case.kb.entries("reference_intervals")
                if ri.specimen == spec and ri.population == population and ri.phase == phase
                and (ri.gestational_weeks is None or ri.gestational_weeks[0] <= weeks < ri.gestational_weeks[1])]
        same_assay = [ri for ri in hits if (ri.assay == "lcms") == lcms]
        chosen = choose(same_assay or hits)
        if chosen is not None:
            return chosen
    return None


# The patient's words for the population of an interval: "inside the usual range for ovulation"
# read as "you ovulated", so a cycle interval is "the usual range for this time of the cycle".
_PATIENT_RANGE_WORDS = {"pregnant": "for this stage of pregnancy", "postmenopausal": "after the menopause",
                        "male": "for men"}


def reference(case: Case, ri: ReferenceInterval | None) -> list[Finding]:
    if ri is None:
        return []
    low = to_canonical(ri.low, ri.unit, case.measurement.specimen)
    high = to_canonical(ri.high, ri.unit, case.measurement.specimen)
    where, patient = (("below", "lower than") if case.conc < low else ("above", "higher than") if case.conc > high
                      else ("within", "inside"))
    return [Finding(f"reference.{where}", Severity.INFO,
                    f"{show(case)} is {where} the reference interval {ri.label} ({ri.assay}).",
                    f"Your level is {patient} the usual range {_PATIENT_RANGE_WORDS.get(ri.population, 'for this time of the cycle')}.",
                    tuple(ri.sources), {"interval": ri.id})]


# --- ovulation and timing ---------------------------------------------------------------------------

def _timing_sources(case: Case) -> tuple[str, ...]:
    target = case.kb.get("cycle_timing", "mid-luteal-target")
    return tuple(sorted(set(cycle_model(case.kb).sources) | set(target.sources)))


def _mistimed(case: Case) -> Finding:
    d, model = case.derived, cycle_model(case.kb)
    low, high = (round(x) for x in model.mid_luteal_window)
    target = round(model.mid_luteal_target_days_after_lh)
    where = f"LH{d.days_from_lh_peak:+d}" + (f", {d.phase}" if d.phase else "")
    if d.recommended_test_cycle_day is not None and d.cycle_length_days is not None:
        when = f"cycle day {d.recommended_test_cycle_day} of a {d.cycle_length_days}-day cycle"
    else:
        when = f"{target} days after the LH peak"
    if d.recommended_test_date is not None:
        when += f" ({d.recommended_test_date.isoformat()})"
    return Finding(
        "timing.mistimed", Severity.ADVISE,
        f"Sample taken at {where}, outside the mid-luteal window (LH+{low} to LH+{high}): the ovulation thresholds do not "
        f"apply. Repeat on {when}, about a week before the expected period; with irregular cycles repeat weekly until "
        "the period starts.",
        f"This test was taken at the wrong time in your cycle to check ovulation. Repeat it on {when}.",
        _timing_sources(case),
        {"days_from_lh_peak": d.days_from_lh_peak, "recommended_cycle_day": d.recommended_test_cycle_day,
         "recommended_date": d.recommended_test_date.isoformat() if d.recommended_test_date else None},
    )


def ovulation(case: Case) -> list[Finding]:
    ctx, d = case.ctx, case.derived
    if not case.serum or ctx.sex != "female" or ctx.pregnant or ctx.postmenopausal or ctx.on_progesterone or ctx.protocol:
        return []
    confirmed = choose(applicable(case, "ovulation_confirmed"))
    equivocal = choose(applicable(case, "ovulation_equivocal"))
    if confirmed is None:
        return []
    is_confirmed = crosses(confirmed, case.conc)
    luteal_or_unknown = d.phase in ("luteal", None)
    if is_confirmed and luteal_or_unknown:
        return [Finding("ovulation.confirmed", Severity.INFO,
                        f"{show(case)} is {show_threshold(confirmed)}: ovulation confirmed in this cycle.",
                        "This level shows that you ovulated in this cycle.", tuple(confirmed.sources),
                        {"threshold": confirmed.id})]
    if d.days_from_lh_peak is None:
        return [Finding("timing.unknown", Severity.INFO,
                        "The ovulation thresholds need a mid-luteal sample (about 7 days after the LH peak); give the cycle "
                        "day and usual cycle length, the LMP and sampling date, or the days after a positive LH test.",
                        "To check ovulation lutea needs to know where you were in your cycle when the blood was taken.",
                        _timing_sources(case))]
    if not d.in_mid_luteal_window:
        return [_mistimed(case)]
    if equivocal is not None and crosses(equivocal, case.conc):
        return [Finding("ovulation.equivocal", Severity.ADVISE,
                        f"{show(case)} in the mid-luteal window is below {show_limit(confirmed)} but at least {show_limit(equivocal)}: "
                        "ovulation possible but not confirmed; check the cycle timing (the next period's date) and repeat "
                        "in a following cycle.",
                        "This level is in a grey zone: you may have ovulated. A repeat test at the right time in another "
                        "cycle can tell.",
                        tuple(sorted(set(confirmed.sources) | set(equivocal.sources))), {"thresholds": [confirmed.id, equivocal.id]})]
    floor = show_limit(equivocal or confirmed)
    return [Finding("ovulation.not_confirmed", Severity.ADVISE,
                    f"{show(case)} in the mid-luteal window is below the lowest level indicative of ovulation "
                    f"({floor}): ovulation not confirmed in this cycle. A single low value does not "
                    "exclude ovulation; confirm the timing with the next period's date, repeat, and assess for anovulation if low again.",
                    "This level does not show ovulation in this cycle. One low result does not prove you never ovulate; "
                    "your clinician may repeat it and look for causes.",
                    tuple(sorted(set(confirmed.sources) | (set(equivocal.sources) if equivocal else set()))),
                    {"thresholds": [t.id for t in (confirmed, equivocal) if t]})]


# --- early pregnancy --------------------------------------------------------------------------------

def pregnancy(case: Case) -> list[Finding]:
    ctx = case.ctx
    if not case.serum or not ctx.pregnant:
        return []
    entries = applicable(case, "early_pregnancy_risk")
    if not entries:
        return []
    if case.progestogen_only:
        return [Finding("pregnancy.rule_not_applicable", Severity.INFO,
                        "The early-pregnancy progesterone cut-offs were derived in untreated spontaneous pregnancies; lutea "
                        "does not apply them while a progestogen is being given. The result is her own progesterone: the "
                        "assay does not measure the progestogen.",
                        "Because you are taking a hormone medicine, lutea does not use this blood level to judge how the "
                        "pregnancy is going.",
                        tuple(sorted({s for t in entries for s in t.sources})), {"progestogen_only": True})]
    if ctx.on_progesterone:
        return [Finding("pregnancy.rule_not_applicable", Severity.INFO,
                        "The early-pregnancy progesterone cut-offs were derived in untreated spontaneous pregnancies; they do "
                        "not apply while progesterone is being given.",
                        "Because you are taking progesterone, this blood level cannot be used to judge how the pregnancy is going.",
                        tuple(sorted({s for t in entries for s in t.sources})))]
    chosen = choose(entries)
    if not crosses(chosen, case.conc):
        return []
    weeks = case.derived.gestational_weeks
    age = f" at {int(weeks)}+{case.derived.gestational_age_days % 7} weeks" if weeks is not None else " (gestational age not given)"
    detail: dict[str, Any] = {"threshold": chosen.id, "alternatives": _alternatives(case, chosen, entries)}
    # With the location unknown the caveats of that state (NG126: progesterone does not diagnose a
    # viable or an ectopic pregnancy) are part of this finding too, in the knowledge base's words.
    location = [c for c in case.kb.entries("caveats")
                if case.ctx.pregnancy_location is not None and case.ctx.pregnancy_location in c.pregnancy_locations]
    if location:
        detail |= {"pregnancy_location": case.ctx.pregnancy_location, "caveats": [c.id for c in location]}
    return [Finding("pregnancy.nonviable_risk", Severity.ADVISE,
                    f"{show(case)}{age} is {show_threshold(chosen)}: {chosen.description} This is a risk estimate, not a "
                    "diagnosis: it cannot tell a miscarriage from an ectopic pregnancy. Arrange a transvaginal scan and clinical "
                    "review (serial hCG for a pregnancy of unknown location)." + "".join(f" {c.message}" for c in location),
                    "This progesterone level is low for early pregnancy, which raises the chance that the pregnancy may not "
                    "continue. It is not a diagnosis: you need a scan and a review by your early pregnancy team."
                    + "".join(f" {c.patient_message}" for c in location),
                    tuple(dict.fromkeys([*chosen.sources, *(s for c in location for s in c.sources)])), detail)]


# --- embryo transfer day ----------------------------------------------------------------------------

def embryo_transfer(case: Case) -> list[Finding]:
    ctx, d = case.ctx, case.derived
    if not case.serum or ctx.protocol is None:
        return []
    if case.progestogen_only:  # the thresholds were set on progesterone-supported levels (treatment.progestogen_not_measured)
        return []
    window = case.kb.get("cycle_timing", "et-sampling-window")
    found: list[Finding] = []
    if d.days_from_transfer is None:
        found.append(Finding("art.et_timing_unknown", Severity.INFO,
                             "No transfer date given: the transfer-day thresholds are applied as if the sample was taken on "
                             "the day of transfer or the day before.",
                             "lutea assumed this blood test was taken on or just before the transfer day.", tuple(window.sources)))
    elif not window.window_days[0] <= d.days_from_transfer <= window.window_days[1]:
        return [Finding("art.outside_et_window", Severity.INFO,
                        f"Sample {d.days_from_transfer:+d} days from transfer: the transfer-day thresholds come from samples on "
                        "the day of transfer or the day before and are not applied.",
                        "This test was not taken around the transfer day, so the transfer-day targets do not apply.",
                        tuple(window.sources), {"days_from_transfer": d.days_from_transfer})]
    lows, highs = applicable(case, "et_day_low"), applicable(case, "et_day_high")
    low, high = choose(lows), choose(highs)
    setting = f"{ctx.protocol}" + (f" with {ctx.route} progesterone" if ctx.route else "")
    if low is None and high is None:
        return found + [Finding("art.no_threshold", Severity.INFO,
                                f"No published transfer-day threshold for {setting} in lutea's knowledge base"
                                + ("" if ctx.route else " (give the progesterone route)") + ".",
                                "There is no agreed target level for your treatment type to compare this result with.",
                                tuple(window.sources))]
    detail = {"thresholds": [t.id for t in (low, high) if t],
              "alternatives": _alternatives(case, low, lows) + _alternatives(case, high, highs) if low and high
              else _alternatives(case, low or high, lows or highs)}
    if low is not None and crosses(low, case.conc):
        return found + [Finding("art.et_day_low", Severity.ADVISE,
                                f"{show(case)} is {show_threshold(low)} for {setting}: {low.description} Consider the clinic's "
                                "rescue protocol (added or increased progesterone).",
                                "Your progesterone is below the level linked with the best chances for this kind of transfer. "
                                "Your clinic may add or increase progesterone; do not change your dose yourself.",
                                tuple(low.sources), detail)]
    if high is not None and crosses(high, case.conc):
        return found + [Finding("art.et_day_high", Severity.ADVISE,
                                f"{show(case)} is {show_threshold(high)} for {setting}: {high.description}",
                                "Your progesterone is above the level linked with the best chances for this kind of transfer. "
                                "Discuss it with your clinic; do not change your dose yourself.",
                                tuple(high.sources), detail)]
    checked = " and ".join(f"not {show_threshold(t)}" for t in (low, high) if t)
    return found + [Finding("art.et_day_adequate", Severity.INFO,
                            f"{show(case)} is {checked} for {setting}: adequate for transfer by the published threshold.",
                            "Your progesterone is in the range linked with good chances for this kind of transfer.",
                            tuple(sorted({s for t in (low, high) if t for s in t.sources})), detail)]


# --- treatment level against what the regimen should give ------------------------------------------

def _baseline(case: Case) -> ContextKind:
    """Endogenous progesterone counted in the prediction: only where it is known to be small and
    steady (programmed FET, menopause, men); otherwise none, which can only lower the prediction."""
    ctx = case.ctx
    if ctx.sex == "male":
        return "male"
    if ctx.protocol == "hrt-fet":
        return "hrt-fet"
    if ctx.postmenopausal and not ctx.pregnant:
        return "postmenopausal"
    return "none"


def expected_treatment_level(case: Case) -> ExpectedLevel | None:
    """The PK model's percentiles of serum progesterone for the treatment in the context at this
    sample; None for a non-serum specimen, a treatment without dose or interval, a start that
    cannot be placed against the sample, or a product or route without a PK model."""
    t = case.ctx.treatment
    if not case.serum or t is None or t.route is None or t.dose_mg is None or t.interval_h is None:
        return None
    if not case.progesterone_given:  # a progestogen gives no serum progesterone to expect
        return None
    product = next((p for p in case.kb.entries("products") if p.id == t.product), None)
    model = model_for(t.route, product.formulation if product else None)
    doses = case.derived.doses_since_start
    if model is None or (t.started_at is not None and not doses):
        return None
    return expected_level(
        model, t.dose_mg, t.interval_h, percentile=expected_level_rule(case.kb).percentile,
        hours_since_dose=case.derived.hours_since_last_dose, doses=doses,
        dose_clock_h=clock_hour(t.last_dose_at) if t.last_dose_at else None,
        baseline=_baseline(case), assay=case.measurement.assay or "lcms",
    )


def _regimen_words(case: Case, e: ExpectedLevel) -> str:
    t = case.ctx.treatment
    assert t is not None
    product = next((p.names[0] for p in case.kb.entries("products") if p.id == t.product), None)
    return f"{product + ' ' if product else ''}{e.dose_mg:g} mg {t.route} every {e.interval_h:g} h"


_ABSORPTION = {
    "vaginal": "vaginal bleeding or discharge carrying the dose out",
    "oral": "vomiting soon after a dose",
    "rectal": "a dose expelled soon after insertion",
    "im": "injection technique (a dose given into fat rather than muscle)",
    "sc": "injection technique and site",
    "transdermal": "the amount applied and where",
}


def _ordinal(percentile: float) -> str:
    n = f"{100 * percentile:g}"
    return n + ("st" if n.endswith("1") and not n.endswith("11") else "nd" if n.endswith("2") and not n.endswith("12")
                else "rd" if n.endswith("3") and not n.endswith("13") else "th")


def treatment_level(case: Case) -> list[Finding]:
    """A level below the predicted percentile (expected_levels.yaml) of its treatment: ask why."""
    e = expected_treatment_level(case)
    if e is None or not case.conc < e.low_ng_ml:
        return []
    rule = expected_level_rule(case.kb)
    pct = f"{_ordinal(e.percentile)} percentile"
    when = (f"{e.hours_since_dose:g} h after a dose" if e.hours_since_dose is not None
            else "at the lowest point of the dosing interval (the time since the last dose was not given: the "
                 "conservative reading)")
    course = f"after {e.doses} doses" if e.doses is not None else "at steady state"
    endogenous = {"none": "no endogenous progesterone counted", "hrt-fet": "the low endogenous level of a programmed cycle added",
                  "postmenopausal": "the postmenopausal endogenous level added", "male": "the male endogenous level added"}[e.baseline]
    limits = (" Limits of the model: " + "; ".join(e.caveats) + "." if e.caveats
              else " The model is provisional (literature starting values)." if e.provisional else "")
    route = case.ctx.route or ""
    absorption = _ABSORPTION.get(route, "anything that stops the dose being absorbed")
    message = (
        f"{show(case)} is below the {pct} of the serum progesterone that PK model {e.model_id} predicts for "
        f"{_regimen_words(case, e)}, {when}, {course}: {pct} {show(case, e.low_ng_ml)}, median {show(case, e.median_ng_ml)} "
        f"({'LC-MS/MS' if e.assay == 'lcms' else 'immunoassay'} scale, {endogenous}). Fewer than 1 in "
        f"{round(1 / e.percentile)} women taking every dose would be this low. Check adherence (doses missed or stopped), "
        f"the route and insertion or injection, absorption ({absorption}), the sampling time against the last dose, and "
        "the report (unit, specimen, method); every progesterone assay measures the progesterone of the product, so an "
        f"assay blind to the product does not explain it.{limits}"
    )
    detail = {
        "p5_ng_ml": round(e.low_ng_ml, 3), "median_ng_ml": round(e.median_ng_ml, 3), "percentile": e.percentile,
        "hours_since_dose": e.hours_since_dose, "timing": "hours_since_dose" if e.hours_since_dose is not None else "interval_trough",
        "doses_since_start": e.doses, "model": e.model_id, "model_provisional": e.provisional,
        "model_caveats": list(e.caveats), "baseline": e.baseline, "assay": e.assay,
        "dose_mg": e.dose_mg, "interval_h": e.interval_h, "n_subjects": e.n_subjects, "seed": e.seed, "rule": rule.id,
    }
    return [Finding(rule.code, Severity.ADVISE, message,
                    "Your progesterone level is much lower than expected for the dose you are using. Please contact your "
                    "clinic; they will want to check how and when you use it. Do not change your dose yourself.",
                    tuple(dict.fromkeys([*e.sources, *rule.sources])), detail)]
