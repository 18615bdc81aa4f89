"""The regimen language: examples, products, errors that point at the token, round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lutea.errors import InputError
from lutea.pk import DoseEvent, RegimenError, parse_regimen

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def events(text: str, **kw):
    return parse_regimen(text, default_start=T0).dose_events(**kw)


def test_issue_example_q12h_for_14_days_from_a_date():
    ev = events("400 mg vaginal q12h x 14d from 2026-03-01T08:00")
    assert len(ev) == 28
    assert ev[0].time == datetime(2026, 3, 1, 8, tzinfo=UTC)  # naive = UTC
    assert ev[-1].time == datetime(2026, 3, 14, 20, tzinfo=UTC)
    assert {(e.dose_mg, e.route, e.formulation) for e in ev} == {(400.0, "vaginal", "capsule")}


@pytest.mark.parametrize(
    ("text", "n", "route", "formulation", "product", "dose_mg"),
    [
        ("90 mg vaginal-gel daily x 3d", 3, "vaginal", "gel", None, 90),
        ("50 mg im daily x 3d", 3, "im", "oil depot", None, 50),
        ("25 mg sc daily x 3 doses", 3, "sc", "aqueous injection", None, 25),
        ("Crinone 90 mg daily x 2d", 2, "vaginal", "gel", "crinone-8", 90),
        ("Crinone daily x 2d", 2, "vaginal", "gel", "crinone-8", 90),  # single strength
        ("Crinone 8% 90 mg daily for 2 days", 2, "vaginal", "gel", "crinone-8", 90),
        ("Endometrin 100 mg tid x 1d", 3, "vaginal", "insert", "endometrin", 100),
        ("Cyclogest 400 mg vaginal bid x 1d", 2, "vaginal", "pessary", "cyclogest", 400),
        ("Cyclogest 400 mg rectal bid x 1d", 2, "rectal", "pessary", "cyclogest", 400),
        ("Utrogestan 200 mg vaginal tid x 1d", 3, "vaginal", "capsule", "utrogestan", 200),
        ("Lubion 25 mg sc daily x 2d", 2, "sc", "aqueous injection", "lubion", 25),
        ("Lubion 25 mg im once", 1, "im", "aqueous injection", "lubion", 25),
        ("PIO 50 mg im daily x 2d", 2, "im", "oil depot", "pio", 50),
        ("progesterone in oil 50 mg daily x 2d", 2, "im", "oil depot", "pio", 50),
        ("progesterone cream 20 mg transdermal bid x 1d", 2, "transdermal", "cream", None, 20),
        ("400 mg rectal bid x 1d", 2, "rectal", "pessary", None, 400),
        ("200 mg oral once", 1, "oral", "capsule", None, 200),
        ("0.2 g oral once", 1, "oral", "capsule", None, 200),
        ("100 mg vaginal every 8 h x 3 doses", 3, "vaginal", "capsule", None, 100),
        ("100 mg pv q8h x 1d", 3, "vaginal", "capsule", None, 100),
        ("100mg vaginal-insert qid x1d", 4, "vaginal", "insert", None, 100),
    ],
)
def test_examples_and_products(text, n, route, formulation, product, dose_mg):
    ev = events(text)
    assert len(ev) == n
    assert {(e.route, e.formulation, e.product, e.dose_mg) for e in ev} == {(route, formulation, product, dose_mg)}


def test_bedtime_is_2200_local_time_of_the_start_and_keeps_it_across_dst():
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 3, 27, 8, tzinfo=london)  # clocks go forward on 29 March 2026
    ev = parse_regimen("Utrogestan 200 mg oral at bedtime x 4d").dose_events(start=start)
    assert [e.time.hour for e in ev] == [22, 22, 22, 22]
    assert [e.time.day for e in ev] == [27, 28, 29, 30]
    assert ev[3].time.astimezone(UTC) - ev[1].time.astimezone(UTC) == timedelta(hours=47)  # DST


def test_bedtime_after_2200_starts_next_evening():
    ev = parse_regimen("200 mg oral at bedtime x 2 doses").dose_events(start=datetime(2026, 3, 1, 23, tzinfo=UTC))
    assert ev[0].time == datetime(2026, 3, 2, 22, tzinfo=UTC)


def test_interval_schedules_keep_elapsed_hours_across_dst():
    start = datetime(2026, 3, 28, 20, tzinfo=ZoneInfo("Europe/London"))
    ev = parse_regimen("400 mg vaginal q12h x 4 doses").dose_events(start=start)
    utc = [e.time.astimezone(UTC) for e in ev]  # same-ZoneInfo subtraction would be wall-clock
    gaps = {(b - a).total_seconds() / 3600 for a, b in zip(utc, utc[1:])}
    assert gaps == {12.0}


def test_until_a_date_includes_that_whole_day_and_until_argument_bounds_open_schedules():
    assert len(events("400 mg vaginal bid until 2026-03-02")) == 4  # 1 Mar 08, 20; 2 Mar 08, 20
    assert len(events("400 mg vaginal bid", until=T0 + timedelta(days=3))) == 6


def test_combined_regimens_with_semicolon_or_plus_are_merged_in_time_order():
    text = "400 mg vaginal bid x 2d; 25 mg sc daily x 2d from 2026-03-01T20:00 + 200 mg oral once"
    ev = events(text)
    assert len(ev) == 4 + 2 + 1
    assert [e.time for e in ev] == sorted(e.time for e in ev)
    assert {e.route for e in ev} == {"vaginal", "sc", "oral"}


def test_plus_inside_a_timezone_offset_is_not_a_separator():
    ev = events("90 mg vaginal-gel daily x 2d from 2026-03-01T08:00+01:00")
    assert ev[0].time == datetime(2026, 3, 1, 7, tzinfo=UTC)


def test_explicit_dose_event_list_as_json_or_dicts():
    items = [
        {"time": "2026-03-01T08:00", "dose_mg": 400, "route": "vaginal"},
        {"time": "2026-03-01T20:00+01:00", "dose_mg": 90, "product": "crinone-8"},
    ]
    for regimen in (parse_regimen(json.dumps(items)), parse_regimen(items)):
        ev = regimen.dose_events()
        assert ev[0] == DoseEvent(datetime(2026, 3, 1, 8, tzinfo=UTC), 400.0, "vaginal", "capsule")
        assert ev[1].product == "crinone-8" and ev[1].formulation == "gel"
        assert ev[1].time == datetime(2026, 3, 1, 19, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "token", "position", "words"),
    [
        ("400 mg vagnal q12h", "vagnal", 7, "unknown route"),
        ("400 mg vaginal bidd x 2d", "bidd", 15, "unknown frequency"),
        ("Crinone 90 mg oral daily", "oral", 14, "has no route"),
        ("Crinone 90 mg vaginal-insert daily", "Crinone", 0, "is a gel"),
        ("400 mg vaginal q12h x 14", "14", 22, "count without a unit"),
        ("400 vaginal", "400", 0, "number without a unit"),
        ("400 mg vaginal daily from 2026-13-01", "2026-13-01", 26, "unreadable date"),
        ("400 mg vaginal bid bid", "bid", 19, "second frequency"),
        ("400 mg vaginal daily x 2d; 90 mg banana daily", "banana", 33, "unknown word"),
        ("100 mg oral daily with fruit x 2d", "fruit", 23, "unknown word after 'with'"),
        ("400 mg vaginal daily with food x 2d", "with", 21, "no food effect is known for the vaginal route"),
        ("Duphaston 10 mg oral with food", "with", 21, "no food effect is known for duphaston"),
        ("100 mg oral with food daily with food", "with", 28, "second 'with food'"),
    ],
)
def test_errors_name_the_token_and_its_position(text, token, position, words):
    with pytest.raises(RegimenError) as info:
        parse_regimen(text, default_start=T0).dose_events()
    err = info.value
    assert (err.token, err.position, err.field) == (token, position, "regimen")
    assert words in str(err)
    assert text[position : position + len(token)] == token


def test_unknown_route_message_matches_the_documented_form():
    with pytest.raises(InputError, match=r"^regimen: unknown route 'vagnal' at 7; use oral, vaginal, vaginal-gel"):
        parse_regimen("400 mg vagnal q12h")


def test_open_ended_schedule_without_an_end_is_an_error():
    with pytest.raises(InputError, match="open-ended"):
        events("400 mg vaginal q12h")


def test_missing_start_is_an_error_and_naive_start_is_rejected():
    with pytest.raises(InputError, match="no start time"):
        parse_regimen("200 mg oral once").dose_events()
    with pytest.raises(InputError):
        parse_regimen("200 mg oral once", default_start=datetime(2026, 3, 1))


FREQUENCIES = {"once": None, "daily": 24, "bid": 12, "tid": 8, "qid": 6, "q8h": 8, "q12h": 12, "q24h": 24, "q6h": 6}
ROUTES = ["oral", "vaginal", "vaginal-gel", "vaginal-insert", "im", "sc", "transdermal", "rectal"]


@settings(max_examples=60, deadline=None)
@given(
    dose=st.integers(1, 1000),
    route=st.sampled_from(ROUTES),
    frequency=st.sampled_from(sorted(FREQUENCIES)),
    count=st.integers(1, 40),
    by_days=st.booleans(),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(lambda d: d.replace(second=0, microsecond=0)),
    food=st.booleans(),
)
def test_generated_regimen_text_gives_the_expected_events(dose, route, frequency, count, by_days, start, food):
    interval = FREQUENCIES[frequency]
    duration = "" if interval is None else (f" x {count}d" if by_days else f" x {count} doses")
    with_food = food and route == "oral"  # the one route with a known food effect
    text = f"{dose} mg {route} {frequency}{' with food' if with_food else ''}{duration} from {start.isoformat()}"
    regimen = parse_regimen(text)
    ev = regimen.dose_events()
    start_utc = start.replace(tzinfo=UTC)
    if interval is None:
        expected = 1
    elif by_days:
        expected = -(-count * 24 // interval)  # doses strictly before start + count days
    else:
        expected = count
    assert len(ev) == expected
    assert all(e.dose_mg == dose and e.with_food == with_food for e in ev)
    assert [e.time for e in ev] == [start_utc + timedelta(hours=(interval or 0) * i) for i in range(expected)]
    # canonical text round trip: same events
    assert parse_regimen(regimen.to_text()).dose_events() == ev


def test_single_interval_of_a_stored_schedule():
    from lutea.pk.regimen import summarise_schedule

    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert summarise_schedule("400 mg vaginal q12h", default_start=start).interval_h == 12.0
    assert summarise_schedule("Crinone 90 mg daily", default_start=start).interval_h == 24.0
    # several intervals, or text that does not parse, describe no single interval
    assert summarise_schedule("400 mg vaginal q12h; 25 mg sc daily", default_start=start).interval_h is None
    assert summarise_schedule("400 mg vagnal q12h", default_start=start).interval_h is None


def test_a_stored_schedule_is_summarised_once_and_never_rejected():
    from lutea.pk.regimen import ScheduleSummary, summarise_schedule

    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert summarise_schedule("200 mg oral at bedtime with food x 12d", default_start=start) == ScheduleSummary(24.0, True, True)
    assert summarise_schedule("400 mg vaginal q12h", default_start=start) == ScheduleSummary(12.0, False, False)
    # a schedule the regimen language now refuses (food on a vaginal route) is exported as saying nothing
    assert summarise_schedule("400 mg vaginal q12h with food", default_start=start) == ScheduleSummary()


def test_scheduled_doses_are_read_as_doses_of_their_product():
    # a treatment record keeps the product apart from its schedule: "400 mg vaginal q12h" of
    # Cyclogest is a pessary (its own PK model), not the route's default micronised capsule
    from datetime import UTC, datetime

    from lutea.pk import parse_regimen, route_model, with_product

    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    plain = parse_regimen("400 mg vaginal q12h x 1d + 25 mg sc q24h x 1d", default_start=start).dose_events()
    assert {route_model(e.route, e.formulation).id for e in plain} == {"vaginal-capsule", "sc-aqueous"}
    read = with_product(plain, "Cyclogest")
    vaginal = [e for e in read if e.route == "vaginal"]
    assert {(e.product, e.formulation) for e in vaginal} == {("cyclogest", "pessary")}
    assert route_model(vaginal[0].route, vaginal[0].formulation).id == "vaginal-pessary"
    assert [e for e in read if e.route == "sc"] == [e for e in plain if e.route == "sc"]  # not a Cyclogest route
    assert read == parse_regimen("Cyclogest 400 mg vaginal q12h x 1d + 25 mg sc q24h x 1d", default_start=start).dose_events()


@pytest.mark.parametrize("text, event", [
    ("Lubion 25 mg im daily from 2026-03-01T08:00 x 1 doses",
     {"time": "2026-03-01T08:00", "dose_mg": 25, "route": "im", "product": "lubion"}),
    ("Cyclogest 400 mg rectal daily from 2026-03-01T08:00 x 1 doses",
     {"time": "2026-03-01T08:00", "dose_mg": 400, "route": "rectal", "product": "cyclogest"}),
    ("Utrogestan 200 mg vaginal daily from 2026-03-01T08:00 x 1 doses",
     {"time": "2026-03-01T08:00", "dose_mg": 200, "route": "vaginal", "product": "utrogestan"}),
])
def test_a_json_dose_event_reads_its_product_as_the_regimen_language_does(text, event):
    # Lubion is an aqueous injection by either of its routes: a JSON event given IM used to fall
    # back to the IM default (an oil depot), while the text form kept the product's formulation.
    spoken = parse_regimen(text).dose_events()[0]
    given = parse_regimen(json.dumps([event])).dose_events()[0]
    assert (given.route, given.formulation, given.product) == (spoken.route, spoken.formulation, spoken.product)


def test_with_food_is_read_from_text_and_json_and_kept_in_the_canonical_text():
    text = "Utrogestan 200 mg oral at bedtime with food x 3d from 2026-03-01T08:00"
    regimen = parse_regimen(text)
    ev = regimen.dose_events()
    assert len(ev) == 3 and all(e.with_food and e.product == "utrogestan" for e in ev)
    assert "with food" in regimen.to_text() and parse_regimen(regimen.to_text()).dose_events() == ev
    assert not any(e.with_food for e in parse_regimen("200 mg oral at bedtime x 3d", default_start=T0).dose_events())
    item = {"time": "2026-03-01T22:00", "dose_mg": 200, "route": "oral", "with_food": True}
    assert parse_regimen([item]).dose_events()[0].with_food
    for bad in ("yes", 1, None):
        with pytest.raises(InputError, match="with_food is a .*, not true or false"):
            parse_regimen([{**item, "with_food": bad}])
    with pytest.raises(InputError, match="no food effect is known"):
        parse_regimen([{**item, "route": "vaginal"}])


def test_a_schedule_read_as_a_progestogen_product_refuses_food():
    # a treatment record keeps its product apart from its schedule: "10 mg oral daily with food" read as
    # Duphaston is dydrogesterone, which has no known food effect, so the words are refused
    from lutea.pk import with_product

    plain = parse_regimen("10 mg oral daily with food x 1d", default_start=T0).dose_events()
    assert plain[0].with_food
    with pytest.raises(InputError, match="no food effect is known for duphaston"):
        with_product(plain, "Duphaston")
    assert all(e.with_food for e in with_product(plain, "Utrogestan"))


def test_a_hostile_with_food_value_gets_a_short_answer():
    item = {"time": "2026-03-01T22:00", "dose_mg": 200, "route": "oral", "with_food": "x" * 1_000_000}
    with pytest.raises(InputError) as caught:
        parse_regimen([item])
    assert len(str(caught.value)) < 200 and "with_food is a str" in str(caught.value)
