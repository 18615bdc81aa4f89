"""Her own (endogenous) progesterone under the predicted curve of her record: the episode of a
treatment (named, else the one running at its start), a pregnancy dated by its last menstrual
period, and the same endogenous level in the web chart's curve and the API timeline's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lutea.pk.baseline import BaselineContext, baseline_curve
from lutea.records.prediction import (
    baseline_context,
    gestational_weeks,
    predicted_curve,
    treatment_curve,
    treatment_episode,
)
from lutea.store import models
from lutea.units import Specimen, to_canonical

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
LMP = (NOW - timedelta(days=50)).date()  # 7+1 weeks at NOW


def _pregnancy(**fields: object) -> models.Episode:
    return models.Episode(id=7, patient_id=1, kind="pregnancy", start_date=LMP, **{"lmp_date": LMP, **fields})


def _treatment(episode_id: int | None) -> models.Treatment:
    t = models.Treatment(id=1, patient_id=1, episode_id=episode_id, product="cyclogest", route="vaginal", dose_mg=400,
                         schedule="400 mg vaginal q12h", start=NOW - timedelta(days=5))
    t.doses = []
    return t


def _serum(value_nmol_l: float, at: datetime) -> models.Measurement:
    return models.Measurement(id=1, patient_id=1, episode_id=7, specimen="serum", analyte="progesterone",
                              value=value_nmol_l, unit="nmol/L", unit_canonical="ng/mL", assay="lcms", sampled_at=at,
                              value_canonical=to_canonical(value_nmol_l, "nmol/L", Specimen.SERUM))


def test_a_treatment_without_its_episode_takes_the_one_running_at_its_start() -> None:
    pregnancy = _pregnancy()
    older = models.Episode(id=3, patient_id=1, kind="menstrual-cycle", start_date=LMP - timedelta(days=40),
                           end_date=LMP - timedelta(days=1))
    assert treatment_episode(_treatment(None), [older, pregnancy]) is pregnancy
    assert treatment_episode(_treatment(3), [older, pregnancy]) is older  # the one it names wins
    assert treatment_episode(_treatment(None), [older]) is None  # nothing runs at its start


def test_a_pregnancy_is_dated_by_its_last_menstrual_period() -> None:
    assert gestational_weeks(_pregnancy(), NOW.replace(hour=0)) == pytest.approx(50 / 7)
    assert gestational_weeks(_pregnancy(), NOW.replace(hour=12)) == pytest.approx(50.5 / 7)
    assert gestational_weeks(_pregnancy(lmp_date=None), NOW) is None
    context = baseline_context(_pregnancy(), NOW)
    assert context is not None and context.kind == "pregnancy"
    assert baseline_context(_pregnancy(lmp_date=None), NOW) is None  # undated: no endogenous part


@pytest.mark.parametrize("levels", [0, 1])
def test_in_pregnancy_the_curve_stands_on_her_own_level(levels: int) -> None:
    # ku2021 (baseline_levels.yaml): median 57.5 nmol/L (18.08 ng/mL) at 5 weeks, 80.8 nmol/L at 13
    # weeks; at 7 weeks her own level lies between them, far above the 0 the curve started from
    treatment = _treatment(None)
    episode = treatment_episode(treatment, [_pregnancy()])
    measured = [_serum(80.0, NOW - timedelta(days=1))][:levels]
    curve = treatment_curve(treatment, episode, measured, NOW)
    assert curve is not None and curve["kind"] == ("individualised" if levels else "simulated")
    own = curve["endogenous"]
    assert own["context"] == "pregnancy" and "ku2021" in own["sources"]
    assert len(own["median_ng_ml"]) == len(curve["t"])
    assert 18.08 <= own["median_ng_ml"][0] / own["scale"] <= 25.41  # the population's, times her fitted scale
    assert own["scale"] == 1.0 if not levels else 0.2 < own["scale"] < 5.0
    assert curve["median"][0] >= 0.9 * own["median_ng_ml"][0] > 0  # before the first dose: her own level
    if not levels:
        expected = baseline_curve(BaselineContext("pregnancy", gestational_weeks=own["gestational_weeks"]), [0.0])[0]
        assert own["median_ng_ml"][0] == pytest.approx(float(expected), abs=1e-3)


def test_without_a_dated_episode_the_curve_has_no_endogenous_part() -> None:
    curve = treatment_curve(_treatment(None), _pregnancy(lmp_date=None), [], NOW)
    assert curve is not None and curve["endogenous"] is None
    assert curve["median"][0] == 0.0


def test_the_api_timeline_curve_carries_the_same_endogenous_level() -> None:
    treatment = _treatment(None)
    body = predicted_curve([treatment], NOW, [_pregnancy()])
    assert body is not None and "error" not in body
    own = body["endogenous"]
    assert own["context"] == "pregnancy" and len(own["median_ng_ml"]) == len(body["times_h"])
    web = treatment_curve(treatment, _pregnancy(), [], NOW)
    start = datetime.fromisoformat(body["start"])
    at = [datetime.fromisoformat(t) for t in web["t"]].index(start)  # the same moment on both clocks
    assert own["median_ng_ml"][0] == pytest.approx(web["endogenous"]["median_ng_ml"][at], rel=1e-3)
    assert predicted_curve([treatment], NOW)["endogenous"] is None  # no episode: none
