"""Virtual trials: deterministic shards, the population model of `simulate`, the Wilson interval."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from typer.testing import CliRunner

from lutea.batch.engine import LocalEngine
from lutea.batch.trial import (
    run_trial,
    shard_levels,
    shard_seeds,
    shard_sizes,
    trial_spec,
    wilson_interval,
)
from lutea.command import app
from lutea.errors import InputError
from lutea.pk.simulate import simulate

START = datetime(2026, 3, 1, 8, tzinfo=UTC)
REGIMEN = "400 mg vaginal q12h x 3d"


def test_wilson_interval_published_example() -> None:
    # Newcombe RG, Stat Med 1998;17:857-72, Table II example 81/263: Wilson score 0.2553 to 0.3662
    lo, hi = wilson_interval(81, 263)
    assert round(lo, 4) == 0.2553 and round(hi, 4) == 0.3662
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0


def test_shards_split_population_and_seeds_deterministically() -> None:
    assert shard_sizes(10, 3) == [4, 3, 3] and sum(shard_sizes(1_000_003, 7)) == 1_000_003
    a, b = shard_seeds(5, 4), shard_seeds(5, 4)
    assert [s.generate_state(2).tolist() for s in a] == [s.generate_state(2).tolist() for s in b]
    assert len({tuple(s.generate_state(2)) for s in a}) == 4


def test_same_seed_and_shards_same_result_different_seed_differs() -> None:
    spec = trial_spec(REGIMEN, days=3, context="hrt-fet", start=START)
    one = run_trial(spec, population=4000, threshold_ng_ml=10, seed=3, shards=4, engine=LocalEngine())
    two = run_trial(spec, population=4000, threshold_ng_ml=10, seed=3, shards=4, engine=LocalEngine())
    other = run_trial(spec, population=4000, threshold_ng_ml=10, seed=4, shards=4, engine=LocalEngine())
    assert one.as_dict() == two.as_dict()
    assert one.as_dict() != other.as_dict()
    levels = np.concatenate([shard_levels(spec, n, s)[0] for n, s in zip(shard_sizes(4000, 4), shard_seeds(3, 4))])
    assert one.meeting_target == int(np.count_nonzero(levels >= 10))
    lo, hi = one.ci95
    assert lo < one.fraction_meeting_target < hi


def test_matches_the_population_of_simulate() -> None:
    # the trial reads the same population model as `lutea simulate --population`: at the end of
    # the simulated days, the fraction below the threshold and the median agree within sampling error
    spec = trial_spec(REGIMEN, days=3, context="hrt-fet", start=START)
    trial = run_trial(spec, population=20_000, threshold_ng_ml=10, seed=1, shards=2, engine=LocalEngine())
    sim = simulate(REGIMEN, days=3, context="hrt-fet", population=20_000, seed=7, threshold=10, start=START, step_h=6)
    assert trial.fraction_meeting_target == pytest.approx(1 - sim.summary.fraction_below_threshold, abs=0.02)
    assert trial.quantiles_ng_ml["p50"] == pytest.approx(float(sim.concentration_ng_ml[-1]), rel=0.05)


def test_time_read_and_bad_input() -> None:
    spec = trial_spec(REGIMEN, days=3, at=datetime(2026, 3, 2, 8, tzinfo=UTC), start=START)
    assert spec.at_h == 24.0
    with pytest.raises(InputError, match="at"):
        trial_spec(REGIMEN, days=3, at_h=100, start=START)
    with pytest.raises(InputError, match="regimen"):
        trial_spec("400 mg vaginal q12h x 3d from 2026-05-01T08:00+00:00", days=3, start=START)
    with pytest.raises(InputError, match="population"):
        run_trial(spec, population=0, threshold_ng_ml=10, engine=LocalEngine())


def test_a_progestogen_alone_is_not_a_progesterone_trial() -> None:
    """A progesterone assay does not see dydrogesterone (caveats.yaml, eggersmann2022-dyd-assays):
    a trial of it alone is refused naming the regimen; given with progesterone, only the
    progesterone doses are simulated, as `lutea simulate` does."""
    with pytest.raises(InputError) as err:
        trial_spec("Duphaston 10 mg oral q8h x 3d", days=3, start=START)
    assert err.value.field == "regimen" and "duphaston" in err.value.problem
    mixed = trial_spec(REGIMEN + "; Duphaston 10 mg oral q8h x 3d", days=3, start=START)
    alone = trial_spec(REGIMEN, days=3, start=START)
    assert mixed.events == alone.events


def test_command_line_json() -> None:
    args = ["trial", "--regimen", REGIMEN, "--population", "5000", "--threshold", "10", "--days", "3",
            "--context", "hrt-fet", "--start", "2026-03-01T08:00+00:00", "--shards", "3", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["population"] == 5000 and payload["shards"] == 3 and payload["at_h"] == 72.0
    assert set(payload["level_ng_ml"]) == {"p5", "p10", "p25", "p50", "p75", "p90", "p95", "mean"}
    assert payload["ci95"][0] <= payload["fraction_meeting_target"] <= payload["ci95"][1]
    bad = CliRunner().invoke(app, [*args[:-1], "--engine", "spark"])
    assert bad.exit_code == 2 and "engine" in bad.stderr


def test_trial_exposure_is_the_statistics_of_its_shards_subjects() -> None:
    # the trial's exposure comes from the same subjects as its levels, joined across shards
    from lutea.pk.exposure import summarise_exposure

    spec = trial_spec(REGIMEN, days=3, context="hrt-fet", start=START, window_h=(48, 60))
    result = run_trial(spec, population=900, threshold_ng_ml=10, seed=5, shards=3, engine=LocalEngine())
    shards = [shard_levels(spec, n, s) for n, s in zip(shard_sizes(900, 3), shard_seeds(5, 3))]
    joined = {m: np.concatenate([s[2][m] for s in shards]) for m in shards[0][2]}
    assert result.exposure == summarise_exposure(joined, 48.0, 60.0, "total")
    assert result.as_dict()["exposure"]["subjects"] == 900
    # and a population like simulate's: mean Cmax within sampling error
    sim = simulate(REGIMEN, days=3, context="hrt-fet", population=900, seed=5, start=START, window_h=(48, 60))
    assert result.exposure.statistics["cmax"]["mean"] == pytest.approx(sim.exposure.statistics["cmax"]["mean"], rel=0.1)


def test_trial_refuses_hostile_windows() -> None:
    for window in ((60, 48), (-1, 5), (0, float("nan")), (0, 100)):
        with pytest.raises(InputError) as err:
            trial_spec(REGIMEN, days=3, start=START, window_h=window)
        assert err.value.field == "window_h"
    args = ["trial", "--regimen", REGIMEN, "--population", "50", "--days", "3", "--start", "2026-03-01T08:00+00:00",
            "--window-h", "48", "60", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["exposure"]["window_h"] == [48.0, 60.0]
    bad = CliRunner().invoke(app, [*args[:-3], "60", "48"])
    assert bad.exit_code == 2 and "window_h" in bad.stderr
