"""The context of a result: what the person knows, and what lutea derives from it.

`Context` holds the inputs (cycle, LH test, pregnancy, menopause, sex, treatment, IVF protocol);
`derive` turns them into cycle phase, mid-luteal window, expected period and gestational age.
Contradictory inputs raise InputError; estimates that disagree give a `context.inconsistent`
warning that says which estimate was used. Nothing is guessed silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lutea.cycle import (
    CycleModel,
    Phase,
    cycle_model,
    days_from_lh_peak,
    in_mid_luteal_window,
    mid_luteal_target_cycle_day,
    phase_at,
)
from lutea.errors import InputError
from lutea.findings import Finding, Severity
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.timeline import elapsed_hours

Sex = Literal["female", "male"]
Protocol = Literal["hrt-fet", "natural-fet", "fresh"]
Route = Literal["oral", "vaginal", "im", "sc", "transdermal", "rectal", "iv", "intrauterine"]
GestationalBasis = Literal["transfer", "scan", "stated", "lmp"]
PregnancyLocation = Literal["intrauterine", "unknown", "ectopic"]
_GA_PRIORITY: tuple[GestationalBasis, ...] = ("transfer", "scan", "stated", "lmp")
_CYCLE_PROTOCOLS_WITHOUT_NATURAL_CYCLE = ("hrt-fet", "fresh")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)  # no NaN or infinity anywhere


class Treatment(_Frozen):
    """Progesterone treatment in use: product or route, dose (mg), interval (h), last dose, and
    when it started (a date, or the time of the first dose; None: long enough for steady state)."""

    product: str | None = None
    route: Route | None = None
    dose_mg: float | None = Field(default=None, gt=0)
    interval_h: float | None = Field(default=None, gt=0)
    last_dose_at: datetime | None = None
    started_at: date | datetime | None = None


class Context(_Frozen):
    """What the person knows about the sample. Dates are calendar days; `gestational_weeks` is at sampling."""

    sampled_at: date | datetime | None = None
    lmp: date | None = None
    cycle_length_days: int | None = Field(default=None, ge=1, le=366)
    cycle_day: int | None = Field(default=None, ge=1, le=366)
    days_after_lh: int | None = Field(default=None, ge=-120, le=120)
    lh_peak_on: date | None = None
    pregnant: bool = False
    # Where a scan shows the pregnancy; "unknown" is a pregnancy of unknown location (positive test,
    # not seen on a scan). None: not stated, so no location caveat (the default keeps callers as they were).
    pregnancy_location: PregnancyLocation | None = None
    gestational_weeks: float | None = Field(default=None, ge=0, le=45)
    et_date: date | None = None
    embryo_age_days: int | None = Field(default=None, ge=2, le=7)
    scan_on: date | None = None
    scan_gestational_days: int | None = Field(default=None, ge=0, le=315)
    postmenopausal: bool = False
    sex: Sex = "female"
    treatment: Treatment | None = None
    # synthetic progestogens (product ids) in use at sampling beside `treatment`, e.g. dydrogesterone
    # with vaginal progesterone; a progestogen alone may also be `treatment`
    progestogens: tuple[str, ...] = Field(default=(), max_length=10)
    protocol: Protocol | None = None
    symptoms: tuple[str, ...] = ()

    @property
    def sampled_on(self) -> date | None:
        """The calendar day of sampling."""
        if isinstance(self.sampled_at, datetime):
            return self.sampled_at.date()
        return self.sampled_at

    @property
    def on_progesterone(self) -> bool:
        return self.treatment is not None

    @property
    def on_hormone_treatment(self) -> bool:
        """Progesterone or an IVF protocol (estradiol, gonadotrophins) in use: VTE red flags apply."""
        return self.treatment is not None or self.protocol is not None

    @property
    def route(self) -> Route | None:
        return self.treatment.route if self.treatment else None

    def inputs(self) -> dict[str, Any]:
        """The inputs that were given, as JSON-ready values."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def make_context(**fields: Any) -> Context:
    """Build a Context, turning a validation problem into an InputError naming the field."""
    try:
        return Context(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "context"
        raise InputError(field, error["msg"].lower(), None) from None


class DerivedContext(_Frozen):
    """What follows from a Context: cycle timing, gestational age, time from transfer and dose."""

    cycle_day: int | None = None
    cycle_length_days: int | None = None
    expected_next_menses: date | None = None
    days_before_menses: int | None = None
    days_from_lh_peak: int | None = None
    days_from_lh_basis: Literal["lh", "cycle"] | None = None
    phase: Phase | None = None
    in_mid_luteal_window: bool | None = None
    recommended_test_cycle_day: int | None = None
    recommended_test_date: date | None = None
    gestational_age_days: int | None = None
    gestational_age_basis: GestationalBasis | None = None
    days_from_transfer: int | None = None
    hours_since_last_dose: float | None = None
    doses_since_start: int | None = None
    warnings: tuple[Finding, ...] = ()

    @property
    def gestational_weeks(self) -> float | None:
        return None if self.gestational_age_days is None else self.gestational_age_days / 7

    def to_json(self) -> dict[str, Any]:
        out = self.model_dump(mode="json", exclude_none=True, exclude={"warnings"})
        if self.gestational_age_days is not None:
            weeks, days = divmod(self.gestational_age_days, 7)
            out["gestational_age"] = f"{weeks}+{days}"
        return out


def _need_sampled(ctx: Context, field: str) -> date:
    if ctx.sampled_on is None:
        raise InputError("sampled", f"needed with {field} to place the sample in time", "a date YYYY-MM-DD")
    return ctx.sampled_on


def _check_combinations(ctx: Context) -> None:
    cycle_fields = (ctx.lmp, ctx.cycle_day, ctx.cycle_length_days, ctx.days_after_lh, ctx.lh_peak_on)
    cycle_given = any(v is not None for v in cycle_fields)
    if ctx.sex == "male":
        clash = [n for n, v in (("pregnant", ctx.pregnant), ("postmenopausal", ctx.postmenopausal),
                                ("cycle", cycle_given), ("protocol", ctx.protocol is not None)) if v]
        if clash:
            raise InputError("sex", f"male cannot be combined with {', '.join(clash)}",
                             "--sex male without pregnancy, menopause, cycle or IVF options")
    if ctx.postmenopausal and not ctx.pregnant and cycle_given:
        raise InputError("postmenopausal", "a postmenopausal context has no menstrual cycle",
                         "--postmenopausal or cycle details (--cycle-day, --lmp, --days-after-lh), not both")
    pregnancy_given = any(v is not None for v in (ctx.gestational_weeks, ctx.scan_on, ctx.scan_gestational_days))
    if pregnancy_given and not ctx.pregnant:
        raise InputError("pregnant", "gestational age or a dating scan was given without pregnancy",
                         "--pregnant together with the gestational age or scan")
    if ctx.pregnancy_location is not None and not ctx.pregnant:
        raise InputError("pregnancy_location", "a pregnancy location was given without pregnancy",
                         "--pregnant together with --pregnancy-location")
    if (ctx.scan_on is None) != (ctx.scan_gestational_days is None):
        raise InputError("scan", "a dating scan needs both its date and the gestational age it gave",
                         "both the scan date and the gestational age it gave")
    if ctx.cycle_day is not None and ctx.lmp is not None and ctx.sampled_on is not None:
        from_lmp = (ctx.sampled_on - ctx.lmp).days + 1
        if from_lmp != ctx.cycle_day:
            raise InputError("cycle_day", f"cycle day {ctx.cycle_day} disagrees with LMP {ctx.lmp} and sampling date "
                             f"{ctx.sampled_on} (cycle day {from_lmp})", "one of them, or values that agree")


def _warning(message: str, patient: str, sources: list[str], **detail: Any) -> Finding:
    return Finding("context.inconsistent", Severity.ADVISE, message, patient, tuple(sources), detail)


def _cycle(ctx: Context, model: CycleModel, out: dict[str, Any], warnings: list[Finding]) -> None:
    sampled = ctx.sampled_on
    cycle_day = ctx.cycle_day
    if ctx.lmp is not None:
        sampled = _need_sampled(ctx, "lmp")
        if sampled < ctx.lmp:
            raise InputError("lmp", f"LMP {ctx.lmp} is after the sampling date {sampled}", "an LMP on or before the sampling date")
        cycle_day = (sampled - ctx.lmp).days + 1
    length = ctx.cycle_length_days
    out["cycle_day"], out["cycle_length_days"] = cycle_day, length
    by_cycle: int | None = None
    if cycle_day is not None and length is not None:
        if sampled is not None:
            out["expected_next_menses"] = sampled + timedelta(days=length + 1 - cycle_day)
        out["days_before_menses"] = length + 1 - cycle_day
        target = mid_luteal_target_cycle_day(length, model)
        out["recommended_test_cycle_day"] = target
        if cycle_day > length:
            warnings.append(_warning(
                f"Cycle day {cycle_day} is beyond the usual cycle length of {length} days: the period is late or this "
                "cycle is longer than usual, so the phase cannot be placed from the cycle length; consider a pregnancy test.",
                f"Day {cycle_day} is later than your usual {length}-day cycle, so lutea cannot tell which phase you are in. "
                "If you could be pregnant, do a pregnancy test.",
                list(model.sources), cycle_day=cycle_day, cycle_length_days=length))
        else:
            by_cycle = days_from_lh_peak(cycle_day, length, model)
        if sampled is not None:
            start = sampled - timedelta(days=cycle_day - 1)
            when = start + timedelta(days=target - 1)
            out["recommended_test_date"] = when if when >= sampled else when + timedelta(days=length)
    by_lh = ctx.days_after_lh
    if ctx.lh_peak_on is not None:
        sampled_lh = _need_sampled(ctx, "the LH test date")
        from_date = (sampled_lh - ctx.lh_peak_on).days
        if by_lh is not None and by_lh != from_date:
            raise InputError("days_after_lh", f"{by_lh} disagrees with the LH test on {ctx.lh_peak_on} ({from_date} days)",
                             "one of them, or values that agree")
        by_lh = from_date
    if by_lh is not None:
        out["days_from_lh_peak"], out["days_from_lh_basis"] = by_lh, "lh"
        if sampled is not None and (by_cycle is None or "recommended_test_date" not in out):
            gap = round(model.mid_luteal_target_days_after_lh) - by_lh
            out["recommended_test_date"] = sampled + timedelta(days=gap) if gap >= 0 else None
    elif by_cycle is not None:
        out["days_from_lh_peak"], out["days_from_lh_basis"] = by_cycle, "cycle"
    days = out.get("days_from_lh_peak")
    if days is not None:
        out["phase"] = phase_at(days, model)
        out["in_mid_luteal_window"] = in_mid_luteal_window(days, model)
        if out["phase"] is None and days > 0:
            warnings.append(_warning(
                f"{days} days after the LH peak is beyond the luteal phase: the period is late; consider a pregnancy test.",
                "This is later than a period usually comes after ovulation. If you could be pregnant, do a pregnancy test.",
                list(model.sources), days_from_lh_peak=days))


def _gestation(ctx: Context, kb: KnowledgeBase, out: dict[str, Any], warnings: list[Finding]) -> None:
    offset = kb.get("cycle_timing", "lmp-to-conception")
    tolerance = kb.get("cycle_timing", "gestational-age-tolerance")
    estimates: dict[GestationalBasis, int] = {}
    if ctx.et_date is not None and ctx.et_date > _need_sampled(ctx, "et_date"):
        raise InputError("et_date", f"transfer on {ctx.et_date} is after the sample on {ctx.sampled_on}, yet pregnant",
                         "a transfer date on or before the sampling date")
    if ctx.et_date is not None and ctx.embryo_age_days is not None:
        estimates["transfer"] = (_need_sampled(ctx, "et_date") - ctx.et_date).days + ctx.embryo_age_days + round(offset.days)
    if ctx.scan_on is not None and ctx.scan_gestational_days is not None:
        estimates["scan"] = (_need_sampled(ctx, "the scan date") - ctx.scan_on).days + ctx.scan_gestational_days
    if ctx.gestational_weeks is not None:
        estimates["stated"] = round(ctx.gestational_weeks * 7)
    if ctx.lmp is not None:
        estimates["lmp"] = (_need_sampled(ctx, "lmp") - ctx.lmp).days
    for basis, days in estimates.items():
        if days < 0:
            raise InputError(basis, f"gives a negative gestational age ({days} days) at sampling", "dates on or before the sampling date")
    if not estimates:
        return
    basis = next(b for b in _GA_PRIORITY if b in estimates)
    out["gestational_age_days"], out["gestational_age_basis"] = estimates[basis], basis
    far = {b: d for b, d in estimates.items() if abs(d - estimates[basis]) > tolerance.days}
    if far:
        others = ", ".join(f"{b} {d // 7}+{d % 7}" for b, d in far.items())
        chosen = f"{estimates[basis] // 7}+{estimates[basis] % 7}"
        warnings.append(_warning(
            f"Gestational age estimates differ by more than {tolerance.days:g} days ({others} vs {basis} {chosen}); "
            f"lutea uses the {basis} estimate ({chosen} weeks). Confirm dating with a first-trimester scan.",
            f"Your pregnancy dates do not agree with each other; lutea used {chosen} weeks from the {basis} date. "
            "Your clinic can confirm the dates with a scan.",
            list(tolerance.sources), estimates_days=dict(estimates), used=basis))


def derive(ctx: Context, kb: KnowledgeBase | None = None) -> DerivedContext:
    """Derive cycle phase, mid-luteal window, expected period and gestational age from a Context."""
    kb = kb or load_knowledge()
    _check_combinations(ctx)
    _check_progestogens(ctx, kb)
    out: dict[str, Any] = {}
    warnings: list[Finding] = []
    natural_cycle = ctx.sex == "female" and not ctx.pregnant and not ctx.postmenopausal
    if natural_cycle and ctx.protocol not in _CYCLE_PROTOCOLS_WITHOUT_NATURAL_CYCLE:
        _cycle(ctx, cycle_model(kb), out, warnings)
    if ctx.pregnant:
        _gestation(ctx, kb, out, warnings)
    if ctx.et_date is not None:
        out["days_from_transfer"] = (_need_sampled(ctx, "et_date") - ctx.et_date).days
    last = ctx.treatment.last_dose_at if ctx.treatment else None
    if last is not None and isinstance(ctx.sampled_at, datetime):
        if last.tzinfo is None or ctx.sampled_at.tzinfo is None:
            raise InputError("last_dose", "a time without a timezone", "times with an offset, e.g. 2026-11-28T08:00+00:00")
        hours = (ctx.sampled_at - last).total_seconds() / 3600
        if hours < 0:
            raise InputError("last_dose", f"{last.isoformat()} is after the sample", "a time before the sample")
        out["hours_since_last_dose"] = round(hours, 2)
    if ctx.treatment is not None and ctx.treatment.started_at is not None:
        _check_treatment_start(ctx.treatment, ctx.sampled_at)
        out["doses_since_start"] = doses_since_start(ctx.treatment, ctx.sampled_at)
    return DerivedContext(**out, warnings=tuple(warnings))


def doses_since_start(treatment: Treatment, sampled_at: date | datetime | None) -> int | None:
    """Doses given from the treatment's start to the last dose (else the sample), counted low when
    only days are known (first dose at the end of the start day, sample at the start of its day);
    None when the start, the interval or any end point is missing."""
    start, tau = treatment.started_at, treatment.interval_h
    end = treatment.last_dose_at or sampled_at
    if start is None or tau is None or end is None:
        return None
    if isinstance(start, datetime) and isinstance(end, datetime):
        return int(elapsed_hours(end, start) / tau + 1e-6) + 1
    start_day = start.date() if isinstance(start, datetime) else start
    days = ((end.date() if isinstance(end, datetime) else end) - start_day).days
    counted = int(24.0 * (days - 1) / tau + 1e-6) + 1 if days >= 1 else 0
    return max(counted, 1) if treatment.last_dose_at is not None else counted


def _check_treatment_start(treatment: Treatment, sampled_at: date | datetime | None) -> None:
    """A treatment start has a timezone (when a time) and is not after the last dose or the sample."""
    start = treatment.started_at
    if isinstance(start, datetime) and start.tzinfo is None:
        raise InputError("treatment_start", "a time without a timezone", "a date, or a time with an offset")
    day = start.date() if isinstance(start, datetime) else start
    for name, moment in (("last dose", treatment.last_dose_at), ("sample", sampled_at)):
        if moment is None:
            continue
        if isinstance(start, datetime) and isinstance(moment, datetime):
            after = start > moment
        else:
            after = day > (moment.date() if isinstance(moment, datetime) else moment)
        if after:
            raise InputError("treatment_start", f"{start.isoformat()} is after the {name}", f"a start on or before the {name}")


def _check_progestogens(ctx: Context, kb: KnowledgeBase) -> None:
    """The progestogens named beside the treatment are product ids of synthetic progestogens."""
    progestogen_ids = sorted(p.id for p in kb.progestogens())
    for product_id in ctx.progestogens:
        if product_id not in progestogen_ids:
            raise InputError("progestogens", f"{product_id!r} is not a progestogen product", progestogen_ids)


def resolve_progestogens(names: Iterable[str], kb: KnowledgeBase | None = None) -> tuple[str, ...]:
    """Product ids of synthetic progestogens from their ids or names (InputError naming what exists)."""
    kb = kb or load_knowledge()
    progestogens = kb.progestogens()
    out = []
    for name in names:
        key = name.strip().lower()
        if not key:
            continue
        match = next((p for p in progestogens if key == p.id or key in (n.lower() for n in p.names)), None)
        if match is None:
            raise InputError("progestogens", f"{name!r} is not a progestogen product", sorted(p.id for p in progestogens))
        out.append(match.id)
    return tuple(dict.fromkeys(out))


def resolve_treatment(
    product: str | None = None,
    route: str | None = None,
    dose_mg: float | None = None,
    interval_h: float | None = None,
    last_dose_at: datetime | None = None,
    kb: KnowledgeBase | None = None,
    *,
    started_at: date | datetime | None = None,
) -> Treatment | None:
    """The progesterone treatment from a product name and/or route; None when nothing was given.

    A product with one route gives the route; a product licensed for several needs `route`.
    started_at: the day the treatment started, or the time of its first dose (None: taken long
    enough for steady state).
    """
    if all(v is None for v in (product, route, dose_mg, interval_h, last_dose_at, started_at)):
        return None
    kb = kb or load_knowledge()
    route_key = route.strip().lower() if route else None
    product_id = None
    if product is not None:
        key = product.strip().lower()
        match = next((p for p in kb.entries("products") if key == p.id or key in (n.lower() for n in p.names)), None)
        if match is None:
            raise InputError("product", f"unknown product {product!r}", sorted(p.id for p in kb.entries("products")))
        product_id = match.id
        routes = [match.route, *match.routes]
        if route_key is None:
            if len(routes) > 1:
                raise InputError("route", f"{match.id} is used by several routes", routes)
            route_key = match.route
        elif route_key not in routes:
            raise InputError("route", f"{match.id} is not given by the {route_key} route", routes)
    try:
        return Treatment(product=product_id, route=route_key, dose_mg=dose_mg, interval_h=interval_h,
                         last_dose_at=last_dose_at, started_at=started_at)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "treatment"
        accepted = "oral, vaginal, im, sc, transdermal, rectal, iv, intrauterine" if field == "route" else None
        raise InputError(field, error["msg"].lower(), accepted) from None
