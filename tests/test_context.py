"""Context derivation: cycle placement, mid-luteal window, gestational age, and refusals."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lutea.context import derive, make_context, resolve_treatment
from lutea.cycle import cycle_model, days_from_lh_peak, lh_peak_cycle_day, mid_luteal_target_cycle_day, phase_at
from lutea.errors import InputError

lengths = st.integers(min_value=21, max_value=45)
start = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1))


def test_cycle_model_from_knowledge_base():
    # Stricker 2006: mid-luteal LH+5..LH+9; ovulation about a day after the LH peak; luteal phase ~14 days.
    model = cycle_model()
    assert model.mid_luteal_window == (5, 9)
    assert model.lh_peak_to_next_menses_days == 15


@pytest.mark.parametrize("length,day", [(28, 21), (35, 28)])
def test_nice_examples_are_the_mid_luteal_target(length, day):
    # NICE CG156: day 21 of a 28-day cycle; day 28 of a 35-day cycle.
    assert mid_luteal_target_cycle_day(length) == day
    assert days_from_lh_peak(day, length) == 7


def test_lh_peak_on_day_14_of_28():
    assert lh_peak_cycle_day(28) == 14


@given(length=lengths, data=st.data())
def test_days_from_lh_falls_by_one_per_day_of_cycle_length(length, data):
    day = data.draw(st.integers(min_value=1, max_value=length))
    assert days_from_lh_peak(day, length) - days_from_lh_peak(day, length + 1) == 1
    assert days_from_lh_peak(day + 1, length) - days_from_lh_peak(day, length) == 1


@given(length=lengths, lmp=start, data=st.data())
def test_lmp_and_cycle_day_give_the_same_derivation(length, lmp, data):
    day = data.draw(st.integers(min_value=1, max_value=length))
    sampled = lmp + timedelta(days=day - 1)
    by_lmp = derive(make_context(lmp=lmp, cycle_length_days=length, sampled_at=sampled))
    by_day = derive(make_context(cycle_day=day, cycle_length_days=length, sampled_at=sampled))
    assert by_lmp == by_day
    assert by_lmp.cycle_day == day
    assert by_lmp.expected_next_menses == lmp + timedelta(days=length)
    assert by_lmp.expected_next_menses - sampled == timedelta(days=by_lmp.days_before_menses)


@given(length=lengths, lmp=start, data=st.data())
def test_phase_and_window_follow_days_from_lh(length, lmp, data):
    day = data.draw(st.integers(min_value=1, max_value=length))
    d = derive(make_context(cycle_day=day, cycle_length_days=length, sampled_at=lmp + timedelta(days=day - 1)))
    assert d.days_from_lh_basis == "cycle"
    assert d.phase == phase_at(d.days_from_lh_peak)
    assert d.in_mid_luteal_window == (5 <= d.days_from_lh_peak <= 9)
    if d.in_mid_luteal_window:
        assert d.phase == "luteal"


@given(length=lengths, lmp=start, data=st.data())
def test_recommended_test_date_is_the_target_day_on_or_after_the_sample(length, lmp, data):
    day = data.draw(st.integers(min_value=1, max_value=length))
    sampled = lmp + timedelta(days=day - 1)
    d = derive(make_context(cycle_day=day, cycle_length_days=length, sampled_at=sampled))
    assert d.recommended_test_date >= sampled
    offset = (d.recommended_test_date - lmp).days
    assert offset % length == d.recommended_test_cycle_day - 1


@given(sampled=start, after=st.integers(min_value=-10, max_value=16))
def test_lh_date_and_days_after_lh_agree(sampled, after):
    by_date = derive(make_context(lh_peak_on=sampled - timedelta(days=after), sampled_at=sampled))
    by_days = derive(make_context(days_after_lh=after, sampled_at=sampled))
    assert by_date.days_from_lh_peak == by_days.days_from_lh_peak == after
    assert by_date.phase == by_days.phase


@given(et=start, age=st.sampled_from([3, 5, 6]), since=st.integers(min_value=0, max_value=60))
def test_gestational_age_from_transfer(et, age, since):
    # ACOG CO 700: gestational age counts from an LMP 14 days before conception.
    d = derive(make_context(pregnant=True, et_date=et, embryo_age_days=age, sampled_at=et + timedelta(days=since)))
    assert d.gestational_age_days == since + age + 14
    assert d.gestational_age_basis == "transfer"
    assert not d.warnings


@given(et=start, since=st.integers(min_value=0, max_value=60), shift=st.integers(min_value=-20, max_value=19))
def test_ga_estimates_more_than_a_week_apart_warn(et, since, shift):
    # ACOG CO 700 / issue 2: two gestational ages more than a week apart -> warning, transfer dating used.
    lmp = et - timedelta(days=5 + 14) + timedelta(days=shift)
    d = derive(make_context(pregnant=True, et_date=et, embryo_age_days=5, lmp=lmp, sampled_at=et + timedelta(days=since)))
    assert d.gestational_age_basis == "transfer"
    codes = [w.code for w in d.warnings]
    assert codes == (["context.inconsistent"] if abs(shift) > 7 else [])


def test_scan_dating_outranks_lmp():
    sampled = date(2026, 11, 28)
    d = derive(make_context(pregnant=True, lmp=date(2026, 10, 1), scan_on=date(2026, 11, 20), scan_gestational_days=49,
                            sampled_at=sampled))
    assert (d.gestational_age_days, d.gestational_age_basis) == (57, "scan")


def test_cycle_day_beyond_length_warns_and_places_no_phase():
    d = derive(make_context(cycle_day=45, cycle_length_days=28))
    assert d.phase is None
    assert [w.code for w in d.warnings] == ["context.inconsistent"]


@pytest.mark.parametrize(
    "fields,field",
    [
        (dict(cycle_day=21, lmp=date(2026, 11, 1), sampled_at=date(2026, 11, 25)), "cycle_day"),
        (dict(lmp=date(2026, 11, 1)), "sampled"),
        (dict(lmp=date(2026, 11, 30), sampled_at=date(2026, 11, 1)), "lmp"),
        (dict(sex="male", pregnant=True), "sex"),
        (dict(sex="male", cycle_day=3), "sex"),
        (dict(postmenopausal=True, cycle_day=3), "postmenopausal"),
        (dict(gestational_weeks=7), "pregnant"),
        (dict(pregnant=True, scan_on=date(2026, 11, 1)), "scan"),
        (dict(pregnancy_location="unknown"), "pregnancy_location"),
        (dict(days_after_lh=3, lh_peak_on=date(2026, 11, 1), sampled_at=date(2026, 11, 10)), "days_after_lh"),
    ],
)
def test_contradictions_are_input_errors(fields, field):
    with pytest.raises(InputError) as info:
        derive(make_context(**fields))
    assert info.value.field == field


def test_schema_violation_names_the_field():
    with pytest.raises(InputError) as info:
        make_context(cycle_day=0)
    assert info.value.field == "cycle_day"


def test_product_gives_route_or_asks_for_it():
    assert resolve_treatment(product="Crinone").route == "vaginal"
    with pytest.raises(InputError, match="several routes"):
        resolve_treatment(product="utrogestan")
    with pytest.raises(InputError, match="unknown product"):
        resolve_treatment(product="no-such-thing")
    assert resolve_treatment() is None


def test_lmp_after_the_sample_in_pregnancy_is_an_input_error():
    with pytest.raises(InputError) as info:
        derive(make_context(pregnant=True, lmp=date(2026, 11, 2), sampled_at=date(2026, 11, 1)))
    assert info.value.field == "lmp"
