"""The regimen language: text such as "400 mg vaginal q12h x 14d from 2026-03-01T08:00" into
dose events. The grammar is in docs/regimen-language.md.

Naive date-times in a regimen are UTC. "at bedtime" is 22:00 local time of the start's
timezone. Interval schedules (q12h, bid ...) step in elapsed hours, so they keep their spacing
across daylight-saving changes; bedtime schedules keep the wall-clock time.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from lutea.errors import InputError
from lutea.timeline import EARLIEST, LATEST  # the dates lutea reads from text

ROUTES = ("oral", "vaginal", "im", "sc", "transdermal", "rectal", "iv", "intrauterine")

# route word -> (route, formulation or None for the route's default)
ROUTE_WORDS: dict[str, tuple[str, str | None]] = {
    "oral": ("oral", None),
    "po": ("oral", None),
    "vaginal": ("vaginal", None),
    "vaginally": ("vaginal", None),
    "pv": ("vaginal", None),
    "vaginal-gel": ("vaginal", "gel"),
    "vaginal-insert": ("vaginal", "insert"),
    "vaginal-capsule": ("vaginal", "capsule"),
    "vaginal-pessary": ("vaginal", "pessary"),
    "im": ("im", None),
    "intramuscular": ("im", None),
    "sc": ("sc", None),
    "subcutaneous": ("sc", None),
    "subcut": ("sc", None),
    "transdermal": ("transdermal", None),
    "topical": ("transdermal", None),
    "rectal": ("rectal", None),
    "pr": ("rectal", None),
    "iv": ("iv", None),
    "intravenous": ("iv", None),
    "intrauterine": ("intrauterine", None),
    "iud": ("intrauterine", None),
    "ius": ("intrauterine", None),
}
ROUTE_ACCEPTED = "oral, vaginal, vaginal-gel, vaginal-insert, vaginal-capsule, vaginal-pessary, im, sc, transdermal, rectal, intrauterine"

# formulation word -> (formulation, route it implies when no route is given)
FORMULATION_WORDS: dict[str, tuple[str, str]] = {
    "gel": ("gel", "vaginal"),
    "insert": ("insert", "vaginal"),
    "pessary": ("pessary", "vaginal"),
    "pessaries": ("pessary", "vaginal"),
    "suppository": ("pessary", "rectal"),
    "capsule": ("capsule", "oral"),
    "capsules": ("capsule", "oral"),
    "cream": ("cream", "transdermal"),
    "oil": ("oil depot", "im"),
}

FREQUENCY_WORDS: dict[str, float | None] = {
    "once": None,
    "single": None,
    "stat": None,
    "daily": 24.0,
    "od": 24.0,
    "qd": 24.0,
    "bid": 12.0,
    "bd": 12.0,
    "tid": 8.0,
    "tds": 8.0,
    "qid": 6.0,
    "qds": 6.0,
}
BEDTIME_WORDS = ("bedtime", "nightly", "nocte", "qhs")
BEDTIME = time(22, 0)
FREQUENCY_ACCEPTED = "once, daily, bid, tid, qid, q8h, q12h, q24h, every N h, at bedtime"
FILLER_WORDS = ("progesterone", "micronised", "micronized", "of", "a", "dose", "doses", "per", "day")
_NUMBER = r"\d+(?:\.\d+)?"
_DOSE = re.compile(rf"^({_NUMBER})(mg|g)?$")
_QH = re.compile(rf"^q({_NUMBER})(h|d)$")
_XN = re.compile(rf"^x({_NUMBER})?(d|days?|doses?|w|weeks?|h|hours?)?$")
_COUNT_UNIT = re.compile(r"^(d|days?|doses?|w|weeks?|h|hours?)$")
_N_UNIT = re.compile(rf"^({_NUMBER})(d|days?|doses?|w|weeks?|h|hours?)$")


class RegimenError(InputError):
    """A regimen text the parser cannot read: names the token and its character position (0-based)."""

    def __init__(self, problem: str, token: str | None, position: int | None, accepted: str | None = None):
        self.token = token
        self.position = position
        where = f" {token!r} at {position}" if token is not None else ""
        super().__init__("regimen", f"{problem}{where}", accepted)


@dataclass(frozen=True)
class DoseEvent:
    """One administration: when (tz-aware), how much (mg), by which route and formulation, and
    whether it was taken with food (routes with a food effect: oral capsules)."""

    time: datetime
    dose_mg: float
    route: str
    formulation: str
    product: str | None = None
    with_food: bool = False

    def __post_init__(self) -> None:
        if self.time.tzinfo is None:
            raise InputError("time", f"dose time {self.time.isoformat()} has no timezone", "timezone-aware datetimes")
        if not self.dose_mg > 0:
            raise InputError("dose_mg", f"dose {self.dose_mg} mg is not positive", "a dose in mg > 0")
        if self.route not in ROUTES:
            raise InputError("route", f"unknown route {self.route!r}", ROUTES)


@dataclass(frozen=True)
class RegimenPart:
    """One regular schedule: dose, route, formulation, spacing and how long it runs.

    interval_h None means a single dose; clock is the wall-clock time of "at bedtime" schedules.
    """

    dose_mg: float
    route: str
    formulation: str
    product: str | None = None
    interval_h: float | None = None
    clock: time | None = None
    count: int | None = None
    duration_h: float | None = None
    until: datetime | None = None
    start: datetime | None = None
    with_food: bool = False

    def dose_events(self, start: datetime | None = None, until: datetime | None = None) -> list[DoseEvent]:
        """Dose events from this part's own start (else `start`), before `until` if given."""
        begin = self.start or start
        if begin is None:
            raise InputError("regimen", "no start time", "'from 2026-03-01T08:00' in the text or a start time")
        begin = _aware(begin, "start")
        # limits compare in UTC: datetimes sharing a ZoneInfo compare by wall-clock time
        limits = [t.astimezone(UTC) for t in (self.until, until) if t is not None]
        if self.duration_h is not None:
            limits.append(begin.astimezone(UTC) + timedelta(hours=self.duration_h))
        if self.interval_h is None:
            n_max = 1
        elif self.count is not None:
            n_max = self.count
        elif limits:
            n_max = None
        else:
            raise InputError(
                "regimen",
                "the schedule is open-ended",
                "'x N doses', 'x Nd', 'for N days', 'until DATE' or an end time",
            )
        end = min(limits) if limits else None
        events = []
        i = 0
        while n_max is None or i < n_max:
            t = self._time_of(begin, i)
            if end is not None and t.astimezone(UTC) >= end:
                break
            events.append(DoseEvent(t, self.dose_mg, self.route, self.formulation, self.product, self.with_food))
            i += 1
        return events

    def _time_of(self, begin: datetime, i: int) -> datetime:
        if self.clock is not None:
            first = begin.replace(hour=self.clock.hour, minute=self.clock.minute, second=0, microsecond=0)
            if first < begin:
                first = first + timedelta(days=1)
            return first + timedelta(days=i)  # aware + timedelta is wall-clock: 22:00 across DST
        step = timedelta(hours=(self.interval_h or 0.0) * i)
        return (begin.astimezone(UTC) + step).astimezone(begin.tzinfo)

    def to_text(self) -> str:
        """Canonical regimen text of this part (parses back to the same part)."""
        words = [f"{self.dose_mg:g} mg", _route_word(self.route, self.formulation, self.product)]
        if self.product:
            words.insert(0, self.product)
        if self.clock is not None:
            words.append("at bedtime")
        elif self.interval_h is None:
            words.append("once")
        else:
            words.append(f"q{self.interval_h:g}h")
        if self.with_food:
            words.append("with food")
        if self.count is not None:
            words.append(f"x {self.count} doses")
        if self.duration_h is not None:
            words.append(f"x {self.duration_h / 24:g}d")
        if self.until is not None:
            words.append(f"until {self.until.isoformat()}")
        if self.start is not None:
            words.append(f"from {self.start.isoformat()}")
        return " ".join(words)


@dataclass(frozen=True)
class Regimen:
    """Regular schedules plus explicit dose events; `dose_events` lists them in time order."""

    parts: tuple[RegimenPart, ...] = ()
    events: tuple[DoseEvent, ...] = ()
    text: str = ""
    default_start: datetime | None = field(default=None, compare=False)

    def dose_events(self, start: datetime | None = None, until: datetime | None = None) -> list[DoseEvent]:
        """All dose events sorted by time. start: for parts without 'from'; until: exclusive end."""
        begin = start or self.default_start
        out = [e for part in self.parts for e in part.dose_events(begin, until)]
        out += [e for e in self.events if until is None or e.time.astimezone(UTC) < until.astimezone(UTC)]
        return sorted(out, key=lambda e: e.time.astimezone(UTC))

    def to_text(self) -> str:
        """Canonical text of the regular parts joined by '; ' (explicit events are not rendered)."""
        return "; ".join(p.to_text() for p in self.parts)


@dataclass(frozen=True)
class ScheduleSummary:
    """What a stored schedule says that other formats carry: its one dosing interval (None: several,
    none, or the text does not parse), whether every dose is at bedtime, and whether doses are
    taken with food."""

    interval_h: float | None = None
    at_bedtime: bool = False
    with_food: bool = False


def summarise_schedule(text: str, *, default_start: datetime | None = None) -> ScheduleSummary:
    """The summary of regimen text, parsed once; a text that does not parse (a schedule stored
    under an older knowledge base) is described as saying nothing, never rejected, here."""
    try:
        parts = parse_regimen(text, default_start=default_start).parts
    except InputError:
        return ScheduleSummary()
    intervals = {p.interval_h for p in parts if p.interval_h}
    return ScheduleSummary(intervals.pop() if len(intervals) == 1 else None,
                           bool(parts) and all(p.clock is not None for p in parts), any(p.with_food for p in parts))


def _route_word(route: str, formulation: str, product: str | None = None) -> str:
    for word, (r, f) in ROUTE_WORDS.items():
        if r == route and f == formulation:
            return word
    if product is not None and formulation == _find_product_id(product).formulation:
        return route  # the product names its formulation ('Duphaston 10 mg oral' is a tablet)
    return route if formulation == default_formulation(route) else f"{route} {formulation}"


def default_formulation(route: str) -> str:
    """The formulation assumed when a regimen names a route only: the route's default PK model's,
    or, for a route no progesterone model has (intrauterine), the one formulation of its products."""
    from lutea.pk.models import route_model

    try:
        return route_model(route).formulation
    except InputError:
        formulations = {p.formulation for p in _products() if route in p.routes}
        if len(formulations) != 1:
            raise
        return formulations.pop()


def _aware(t: datetime, what: str) -> datetime:
    if t.tzinfo is None:
        raise InputError(what, f"{t.isoformat()} has no timezone", "a timezone-aware datetime")
    return t


@dataclass(frozen=True)
class _Product:
    id: str
    names: tuple[tuple[str, ...], ...]
    route: str
    routes: tuple[str, ...]
    formulation: str
    strengths_mg: tuple[float, ...]
    substance: str = "progesterone"


@lru_cache(maxsize=1)
def _products() -> tuple[_Product, ...]:
    from lutea.knowledge.loader import load_knowledge

    out = []
    for p in load_knowledge().entries("products"):
        names = {tuple(p.id.lower().split())}
        for name in p.names:
            toks = tuple(name.lower().split())
            if len(toks) == 1 and (toks[0] in ROUTE_WORDS or toks[0] in FORMULATION_WORDS):
                continue  # "vaginal-gel", "pessary" are route/formulation words, not product names
            names.add(toks)
        out.append(
            _Product(
                p.id,
                tuple(sorted(names, key=len, reverse=True)),
                p.route,
                tuple(dict.fromkeys([p.route, *p.routes])),
                p.formulation,
                tuple(float(s) for s in p.strengths_mg),
                p.substance,
            )
        )
    return tuple(out)


def product_names() -> list[str]:
    """Product names the regimen language accepts (lower case)."""
    return sorted({" ".join(n) for p in _products() for n in p.names})


def parse_regimen(
    text: str | Sequence[Mapping[str, object] | DoseEvent], *, default_start: datetime | None = None
) -> Regimen:
    """Parse regimen text (parts joined by ';' or ' + '), a JSON list of dose events, or a list
    of dose-event dicts / DoseEvents. default_start: start of parts without 'from'."""
    if default_start is not None:
        default_start = _aware(default_start, "default_start")
    if not isinstance(text, str):
        return Regimen(events=tuple(_event_from(item, i) for i, item in enumerate(text)), default_start=default_start)
    stripped = text.strip()
    if not stripped:
        raise RegimenError("empty regimen", None, None, "for example '400 mg vaginal q12h x 14d'")
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise RegimenError(f"invalid JSON ({exc.msg})", stripped[exc.pos : exc.pos + 10], exc.pos) from None
        if not isinstance(items, list):
            raise RegimenError("JSON regimen must be a list of dose events", None, None)
        return Regimen(events=tuple(_event_from(item, i) for i, item in enumerate(items)), text=text, default_start=default_start)
    parts = []
    for chunk, offset in _split(text):
        parts.append(_parse_part(chunk, offset, text))
    return Regimen(parts=tuple(parts), text=text, default_start=default_start)


def _split(text: str) -> list[tuple[str, int]]:
    pieces, start = [], 0
    for m in re.finditer(r";|(?<=\s)\+(?=\s)", text):
        pieces.append((text[start : m.start()], start))
        start = m.end()
    pieces.append((text[start:], start))
    for chunk, offset in pieces:
        if not chunk.strip():
            raise RegimenError("empty regimen part", text[max(offset - 1, 0) : offset] or ";", max(offset - 1, 0))
    return pieces


def _event_from(item: Mapping[str, object] | DoseEvent, index: int) -> DoseEvent:
    if isinstance(item, DoseEvent):
        return item
    if not isinstance(item, Mapping):
        raise InputError("regimen", f"dose event #{index} is not an object", "{time, dose_mg, route[, formulation, product, with_food]}")
    try:
        raw_time, dose = item["time"], float(item["dose_mg"])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        raise InputError("regimen", f"dose event #{index} needs time and dose_mg", "{time, dose_mg, route[, formulation, product, with_food]}") from None
    if not math.isfinite(dose) or dose <= 0:
        raise InputError("regimen", f"dose event #{index}: dose_mg {dose!r} is not a finite dose above 0", "a dose in mg > 0")
    when = raw_time if isinstance(raw_time, datetime) else _parse_datetime(str(raw_time), 0, str(raw_time))
    when = _in_years(when if when.tzinfo else when.replace(tzinfo=UTC), str(raw_time), 0)
    product = _find_product_id(str(item["product"])) if item.get("product") else None
    route_text = str(item.get("route") or (product.route if product else ""))
    if route_text.lower() not in ROUTE_WORDS:
        raise InputError("regimen", f"dose event #{index}: unknown route {route_text!r}", ROUTE_ACCEPTED)
    route, formulation = ROUTE_WORDS[route_text.lower()]
    # as the regimen language reads 'Lubion 25 mg im': the product's formulation on any of its routes
    formulation = str(item.get("formulation") or formulation or (product.formulation if product and route in product.routes else default_formulation(route)))
    if product and route not in product.routes:
        raise InputError("regimen", f"dose event #{index}: {product.id} is not given by route {route!r}", product.routes)
    with_food = item.get("with_food", False)
    if not isinstance(with_food, bool):
        raise InputError("regimen", f"dose event #{index}: with_food is a {type(with_food).__name__}, not true or false",
                         "true, false")
    if with_food:
        _check_food(route, formulation, product, f"dose event #{index}", None)
    return DoseEvent(when, dose, route, formulation, product.id if product else None, with_food)


def with_product(events: Sequence[DoseEvent], product: str) -> list[DoseEvent]:
    """Dose events read as doses of a product: each event without a product, given by one of the
    product's routes, takes the product's id and formulation, as the regimen language reads
    'Cyclogest 400 mg vaginal' (a pessary). Other events are returned unchanged."""
    p = _find_product_id(product)
    read = [replace(e, product=p.id, formulation=p.formulation) if e.product is None and e.route in p.routes else e
            for e in events]
    for e in read:
        if e.with_food and e.product == p.id:
            _check_food(e.route, e.formulation, p, "schedule", None)
    return read


def _find_product_id(name: str) -> _Product:
    wanted = tuple(name.lower().split())
    for p in _products():
        if wanted in p.names:
            return p
    raise InputError("product", f"unknown product {name!r}", product_names())


def _tokens(chunk: str, offset: int) -> list[tuple[str, int]]:
    return [(m.group(0), offset + m.start()) for m in re.finditer(r"\S+", chunk)]


def _parse_part(chunk: str, offset: int, full: str) -> RegimenPart:
    toks = _tokens(chunk, offset)
    low = [t.lower() for t, _ in toks]
    dose: float | None = None
    route: str | None = None
    formulation: str | None = None
    product: _Product | None = None
    product_pos = 0
    interval: float | None = None
    frequency_seen = False
    clock: time | None = None
    count: int | None = None
    duration_h: float | None = None
    until: datetime | None = None
    start: datetime | None = None
    route_pos = 0
    food_pos: int | None = None
    i = 0

    def need(j: int, what: str) -> tuple[str, int]:
        if j >= len(toks):
            last, pos = toks[-1]
            raise RegimenError(f"expected {what} after", last, pos)
        return toks[j]

    def set_frequency(value: float | None, tok: str, pos: int, bedtime: bool = False) -> None:
        nonlocal interval, frequency_seen, clock
        if frequency_seen:
            raise RegimenError("second frequency", tok, pos, "one of " + FREQUENCY_ACCEPTED)
        frequency_seen = True
        interval = value
        clock = BEDTIME if bedtime else None

    while i < len(toks):
        tok, pos = toks[i]
        word = low[i]
        # product names (longest match first)
        matched = _match_product(low, i)
        if matched is not None:
            if product is not None:
                raise RegimenError("second product", tok, pos)
            product, width = matched
            product_pos = pos
            i += width
            continue
        if word in ROUTE_WORDS:
            if route is not None:
                raise RegimenError("second route", tok, pos, ROUTE_ACCEPTED)
            route, f = ROUTE_WORDS[word]
            formulation = f or formulation
            route_pos = pos
            i += 1
            continue
        if word in FORMULATION_WORDS:
            formulation = FORMULATION_WORDS[word][0]
            i += 1
            continue
        m = _DOSE.match(word)
        if m and (m.group(2) or (i + 1 < len(toks) and low[i + 1] in ("mg", "g"))):
            if dose is not None:
                raise RegimenError("second dose", tok, pos)
            unit = m.group(2) or low[i + 1]
            dose = float(m.group(1)) * (1000.0 if unit == "g" else 1.0)
            if dose <= 0:
                raise RegimenError("dose must be positive", tok, pos)
            i += 1 if m.group(2) else 2
            continue
        if m:
            raise RegimenError("number without a unit", tok, pos, "'400 mg'")
        if word in FREQUENCY_WORDS:
            set_frequency(FREQUENCY_WORDS[word], tok, pos)
            i += 1
            continue
        if word in ("at", "every", "q") or word in BEDTIME_WORDS or _QH.match(word):
            if word == "at":
                nxt, npos = need(i + 1, "'bedtime'")
                if nxt.lower() not in BEDTIME_WORDS:
                    raise RegimenError("unknown time", nxt, npos, "at bedtime")
                set_frequency(24.0, tok, pos, bedtime=True)
                i += 2
                continue
            if word in BEDTIME_WORDS:
                set_frequency(24.0, tok, pos, bedtime=True)
                i += 1
                continue
            qm = _QH.match(word)
            if qm:
                value = float(qm.group(1)) * (24.0 if qm.group(2) == "d" else 1.0)
                i += 1
            else:  # "every 12 h", "every 12h", "q 12h"
                nxt, npos = need(i + 1, "an interval such as '12 h'")
                nm = _N_UNIT.match(nxt.lower())
                if nm:
                    value, unit = float(nm.group(1)), nm.group(2)
                    i += 2
                elif re.fullmatch(_NUMBER, nxt) and i + 2 < len(toks) and _COUNT_UNIT.match(low[i + 2]):
                    value, unit = float(nxt), low[i + 2]
                    i += 3
                else:
                    raise RegimenError("unknown interval", nxt, npos, "'every 12 h', 'q12h'")
                if unit.startswith("d"):
                    value *= 24.0
                elif unit.startswith("w"):
                    value *= 168.0
                elif not unit.startswith("h"):
                    raise RegimenError("unknown interval unit", nxt, npos, "h, d or w")
            if value <= 0:
                raise RegimenError("interval must be positive", tok, pos)
            set_frequency(value, tok, pos)
            continue
        xm = _XN.match(word)
        if xm or word == "for":
            # "x 14d", "x14d", "x 14 doses", "for 14 days", "for 2 weeks"
            number, unit = (xm.group(1), xm.group(2)) if xm else (None, None)
            j = i + 1
            if number is None:
                nxt, npos = need(j, "a count such as '14 days'")
                nm = _N_UNIT.match(nxt.lower())
                if nm:
                    number, unit = nm.group(1), nm.group(2)
                    j += 1
                elif re.fullmatch(_NUMBER, nxt):
                    number = nxt
                    j += 1
                else:
                    raise RegimenError("unknown count", nxt, npos, "'x 14d', 'x 10 doses', 'for 14 days'")
            if unit is None:
                if j < len(toks) and _COUNT_UNIT.match(low[j]):
                    unit = low[j]
                    j += 1
                else:
                    raise RegimenError("count without a unit", tok if j == i + 1 else toks[j - 1][0], pos if j == i + 1 else toks[j - 1][1], "'x 14d', 'x 10 doses'")
            value = float(number)
            if value <= 0:
                raise RegimenError("count must be positive", tok, pos)
            if count is not None or duration_h is not None:
                raise RegimenError("second duration", tok, pos)
            if unit.startswith("dose"):
                if value != int(value):
                    raise RegimenError("dose count must be whole", tok, pos)
                count = int(value)
            elif unit.startswith("w"):
                duration_h = value * 168.0
            elif unit.startswith("h"):
                duration_h = value
            else:
                duration_h = value * 24.0
            i = j
            continue
        if word == "with":
            nxt, npos = need(i + 1, "'food'")
            if nxt.lower() != "food":
                raise RegimenError("unknown word after 'with'", nxt, npos, "with food")
            if food_pos is not None:
                raise RegimenError("second 'with food'", tok, pos)
            food_pos = pos
            i += 2
            continue
        if word in ("until", "from"):
            nxt, npos = need(i + 1, "a date such as 2026-03-01T08:00")
            when = _parse_datetime(nxt, npos, nxt, end_of_day=(word == "until"))
            if word == "until":
                until = when
            else:
                start = when
            i += 2
            continue
        if word in FILLER_WORDS or word == "mg":
            i += 1
            continue
        raise _unknown(tok, pos)

    if product is not None:
        if route is None:
            route = product.route
            route_pos = product_pos
        elif route not in product.routes:
            route_token = full[route_pos:].split()[0]
            raise RegimenError(f"{product.id} has no route", route_token, route_pos, ", ".join(product.routes))
        if formulation is not None and formulation != product.formulation:
            raise RegimenError(f"{product.id} is a {product.formulation}, not {formulation}", full[product_pos:].split()[0], product_pos)
        if formulation is None:
            formulation = product.formulation
        if dose is None:
            if len(product.strengths_mg) != 1:
                raise RegimenError(f"give a dose for {product.id}", None, None, ", ".join(f"{s:g} mg" for s in product.strengths_mg))
            dose = product.strengths_mg[0]
    if route is None and formulation is not None:
        for word, (f, implied) in FORMULATION_WORDS.items():
            if f == formulation:
                route = implied
                break
    if dose is None:
        raise RegimenError("no dose", chunk.strip(), offset + len(chunk) - len(chunk.lstrip()), "'400 mg'")
    if route is None:
        raise RegimenError("no route", chunk.strip(), offset + len(chunk) - len(chunk.lstrip()), ROUTE_ACCEPTED)
    if formulation is None:
        formulation = default_formulation(route)
    elif product is None or product.substance == "progesterone":
        _check_formulation(route, formulation, route_pos, full)  # a progestogen has no progesterone route model
    if food_pos is not None:
        _check_food(route, formulation, product, None, food_pos)
    if interval is None and (count is not None or duration_h is not None or until is not None):
        if frequency_seen:
            raise RegimenError("a single dose has no duration", chunk.strip(), offset)
        raise RegimenError("duration without a frequency", chunk.strip(), offset, FREQUENCY_ACCEPTED)
    return RegimenPart(
        dose_mg=dose,
        route=route,
        formulation=formulation,
        product=product.id if product else None,
        interval_h=interval,
        clock=clock,
        count=count,
        duration_h=duration_h,
        until=until,
        start=start,
        with_food=food_pos is not None,
    )


def _check_food(route: str, formulation: str, product: _Product | None, where: str | None, pos: int | None) -> None:
    """'with food' is read only where a food effect is known: progesterone by a route model with
    a `food_effect` (pk_models.yaml)."""
    from lutea.pk.models import route_model, route_models

    model = route_model(route, formulation) if product is None or product.substance == "progesterone" else None
    if model is None or model.food_factor is None:
        on_route = any(m.food_factor is not None for m in route_models() if m.route == route)
        if model is None and product:
            what = product.id
        else:
            what = f"{route} {formulation}" if on_route else f"the {route} route"
        problem = f"no food effect is known for {what}"
        if where is not None:
            raise InputError("regimen", f"{where}: {problem}", "with_food on oral progesterone capsules")
        raise RegimenError(problem, "with", pos, "'with food' on oral progesterone capsules")


def _check_formulation(route: str, formulation: str, pos: int, full: str) -> None:
    from lutea.pk.models import route_model

    try:
        route_model(route, formulation)
    except InputError as exc:
        raise RegimenError(f"no {route} {formulation}", formulation, pos, exc.accepted) from None


def _match_product(low: list[str], i: int) -> tuple[_Product, int] | None:
    best: tuple[_Product, int] | None = None
    for p in _products():
        for name in p.names:
            if tuple(low[i : i + len(name)]) == name and (best is None or len(name) > best[1]):
                best = (p, len(name))
    return best


def _unknown(tok: str, pos: int) -> RegimenError:
    word = tok.lower()
    if difflib.get_close_matches(word, list(ROUTE_WORDS), n=1, cutoff=0.7):
        return RegimenError("unknown route", tok, pos, ROUTE_ACCEPTED)
    if difflib.get_close_matches(word, list(FREQUENCY_WORDS) + list(BEDTIME_WORDS), n=1, cutoff=0.7):
        return RegimenError("unknown frequency", tok, pos, FREQUENCY_ACCEPTED)
    if difflib.get_close_matches(word, product_names(), n=1, cutoff=0.7):
        return RegimenError("unknown product", tok, pos, ", ".join(product_names()))
    return RegimenError(
        "unknown word", tok, pos, f"a dose ('400 mg'), a route ({ROUTE_ACCEPTED}), a frequency ({FREQUENCY_ACCEPTED}), "
        "'x N doses|x Nd|for N days|until DATE', 'from DATETIME' or a product name"
    )


def _parse_datetime(tok: str, pos: int, shown: str, *, end_of_day: bool = False) -> datetime:
    """ISO date or date-time; naive = UTC. A date alone: 00:00 (until: the end of that day)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", tok):
            d = date.fromisoformat(tok)
            when = _in_years(datetime(d.year, d.month, d.day, tzinfo=UTC), shown, pos)
            return when + timedelta(days=1) if end_of_day else when
        when = datetime.fromisoformat(tok)
    except ValueError:
        raise RegimenError("unreadable date", shown, pos, "ISO dates such as 2026-03-01 or 2026-03-01T08:00[+01:00]") from None
    return _in_years(when if when.tzinfo else when.replace(tzinfo=UTC), shown, pos)


def _in_years(when: datetime, shown: str, pos: int) -> datetime:
    """A regimen's date within EARLIEST..LATEST (UTC), so that its dose events and a simulation
    after it stay within the calendar (year 1 or 9999 would overflow)."""
    try:
        utc = when.astimezone(UTC)
    except OverflowError:
        utc = EARLIEST - timedelta(days=1)
    if not EARLIEST <= utc < LATEST:
        raise RegimenError("date out of range", shown, pos, f"a date from {EARLIEST.year} to {LATEST.year - 1}")
    return when
