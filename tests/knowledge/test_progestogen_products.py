"""The progestogen products, each against the label it cites (sources.yaml notes say what was read).

label-duphaston-ie: 10 mg b.d. for dysmenorrhoea, 10 mg two to three times daily for endometriosis.
label-duphaston-sg: threatened miscarriage 40 mg at once, then 10 mg every 8 hours; habitual
miscarriage 10 mg twice daily. label-provera-uk 4.2: endometriosis 10 mg three times a day for 90
days. label-primolut-n-uk 4.2: metropathia haemorrhagica 1 tablet (5 mg) three times daily for 10
days. label-visanne: one 2 mg tablet daily without a break. label-mirena-uk: levonorgestrel 52 mg,
effective 8 years for contraception and 5 years for idiopathic menorrhagia."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lutea.errors import InputError
from lutea.knowledge import load_knowledge
from lutea.pk.regimen import parse_regimen
from lutea.safety import check_labelled_daily_dose, labelled_max_daily_mg

START = datetime(2026, 3, 1, 8, tzinfo=UTC)
SUBSTANCES = {"progesterone", "dydrogesterone", "medroxyprogesterone-acetate", "norethisterone", "dienogest",
              "levonorgestrel"}


def product(pid: str):
    return load_knowledge().get("products", pid)


def regimens(pid: str) -> set[tuple[float, float]]:
    return {(r.dose_mg, r.interval_h) for r in product(pid).labelled_regimens}


def test_every_product_names_one_of_the_agreed_substances():
    kb = load_knowledge()
    assert {p.substance for p in kb.entries("products")} == SUBSTANCES
    assert {p.id: p.substance for p in kb.entries("products") if p.substance != "progesterone"} == {
        "duphaston": "dydrogesterone", "provera": "medroxyprogesterone-acetate", "primolut-n": "norethisterone",
        "visanne": "dienogest", "mirena": "levonorgestrel"}


def test_labelled_regimens_are_the_labels():
    assert {(10, 12), (10, 8), (10, 24)} <= regimens("duphaston")
    threatened = [r for r in product("duphaston").labelled_regimens if "threatened miscarriage" in r.indication]
    assert [(r.dose_mg, r.interval_h, r.sources) for r in threatened] == [(10, 8, ["label-duphaston-sg"])]
    assert (10, 8) in regimens("provera") and product("provera").max_daily_dose_mg == 30
    assert (5, 8) in regimens("primolut-n")
    assert regimens("visanne") == {(2, 24)} and product("visanne").max_daily_dose_mg == 2
    assert {(52, 8 * 8760), (52, 5 * 8760)} <= regimens("mirena") and product("mirena").route == "intrauterine"


def test_the_regimen_language_reads_each_product():
    for text, pid, route, dose, interval in (
        ("Duphaston 10 mg oral q8h", "duphaston", "oral", 10, 8),
        ("dydrogesterone 10 mg bid", "duphaston", "oral", 10, 12),
        ("Provera 10 mg tid", "provera", "oral", 10, 8),
        ("Primolut N 5 mg tds", "primolut-n", "oral", 5, 8),
        ("Visanne daily", "visanne", "oral", 2, 24),
        ("Mirena intrauterine once", "mirena", "intrauterine", 52, None),
    ):
        part = parse_regimen(text).parts[0]
        assert (part.product, part.route, part.dose_mg, part.interval_h) == (pid, route, dose, interval), text
        again = parse_regimen(part.to_text()).parts[0]
        assert (again.product, again.route, again.dose_mg, again.interval_h) == (pid, route, dose, interval)


def test_a_dose_above_the_label_is_refused_unless_acknowledged():
    events = parse_regimen("Visanne 4 mg daily x 3d").dose_events(START)
    with pytest.raises(InputError, match="labelled maximum for visanne"):
        check_labelled_daily_dose(events)
    check_labelled_daily_dose(events, acknowledged=True)
    # the threatened-miscarriage loading day: 40 mg, then 10 mg 8 and 16 hours later (label-duphaston-sg)
    check_labelled_daily_dose(parse_regimen("Duphaston 40 mg once; Duphaston 10 mg q8h x 2 doses from "
                                            "2026-03-01T16:00+00:00").dose_events(START))
    assert labelled_max_daily_mg("duphaston", "oral")[0] == 60


def test_a_progestogen_is_never_read_from_a_route_alone():
    # "10 mg oral" is oral micronised progesterone; the progestogen needs its name
    assert parse_regimen("10 mg oral q8h").parts[0].product is None
    # a route only the levonorgestrel system has takes its formulation, but no product: a record's
    # schedule reads so, and the treatment's product (Mirena) then names the substance
    part = parse_regimen("52 mg intrauterine once").parts[0]
    assert (part.product, part.formulation) == (None, "intrauterine system")
