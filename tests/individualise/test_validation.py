"""Simulation study of individualisation (issue 4): 500 virtual people with known parameters.

Goals from the issue: 90% prediction-interval coverage of a later measured level 85-95%; median
absolute percentage error (MdAPE) of the predicted level under 15%, and better than the
population-only prediction. No published individual-level progesterone data set (levels with
dose history per person) was available in shared/research when this was written, so the study
uses virtual people drawn from the population model of the knowledge base.
"""

import time

import pytest

from lutea.individualise.validation import simulation_study


@pytest.fixture(scope="module")
def study():
    start = time.perf_counter()
    result = simulation_study(500, seed=0)
    elapsed = time.perf_counter() - start
    print("\nsimulation study (400 mg vaginal q12h, programmed FET, level(s) on days 4-5, target day 6 10:00):")
    for line in result.lines():
        print("  " + line)
    print(f"  500 people fitted and predicted in {elapsed:.2f} s (speed is measured in bench/individualize.py)")
    return result, elapsed


def test_prediction_intervals_are_honest(study):
    result, _ = study
    assert result.converged > 0.99
    assert 0.85 <= result.coverage_90 <= 0.95


def test_individualisation_beats_the_population_prediction(study):
    result, _ = study
    assert result.mdape < 0.6 * result.mdape_population
    assert result.mdape_one_level < result.mdape_population
    assert result.mdape_two_levels < result.mdape_one_level


@pytest.mark.xfail(strict=True, reason=(
    "issue 4 goal (median error < 15%) is not met: the vaginal capsule model's between-person "
    "absorption lag (calibrated, docs/validation.md) makes a level 2 h after a dose hard to predict "
    "from one or two levels; measured 18-20% (docs/individualise.md). Strict: a pass means update this."))
def test_error_goal_of_issue_4(study):
    result, _ = study
    assert result.mdape < 0.15


def test_error_does_not_regress(study):
    # Regression floor at the figures measured with the calibrated models (seed 0):
    # overall 19.5%, one level 22.3%, two levels 18.3%, population only 40.8%.
    result, _ = study
    assert result.mdape_two_levels < 0.20
    assert result.mdape < 0.21
