"""Simulation study of individualisation (issue 4): 500 virtual people with known parameters.

Goals from the issue: 90% prediction-interval coverage of a later measured level 85-95%; median
absolute percentage error (MdAPE) of the predicted level under 15%, and better than the
population-only prediction. No published individual-level progesterone data set (levels with
dose history per person) was available in shared/research when this was written, so the study
uses virtual people drawn from the population model of the knowledge base. The study also
computes the exact posterior median of each person's target level (prior importance sampling):
the error of the best per-person estimate, against which the estimator is judged.
"""

import time

import pytest

from lutea.individualise.validation import simulation_study


@pytest.fixture(scope="module")
def study():
    start = time.perf_counter()
    result = simulation_study(500, seed=0, reference_draws=2000)
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


def test_estimator_is_close_to_the_exact_posterior(study):
    # The MAP prediction is within 1.5 points of the exact posterior median's error (seed 0:
    # 19.5% against 18.9%), so no better estimator of the same model can reach the 15% goal.
    result, _ = study
    best, best_one, best_two = result.mdape_exact_posterior
    assert result.mdape < best + 0.015
    assert result.mdape_one_level < best_one + 0.02
    assert result.mdape_two_levels < best_two + 0.025


@pytest.mark.xfail(strict=True, reason=(
    "issue 4 goal (median error < 15%) is not met, and cannot be by any estimator of this model: the "
    "exact posterior median errs 18.9% (seed 0; 23-24% with seeds 1 and 2). The vaginal capsule "
    "model's between-person absorption lag makes a level 2 h after a dose hard to predict from one "
    "or two levels on days 4-5; with the lag known the bound is 15.0% (docs/individualise.md). "
    "Strict: a pass means update this."))
def test_error_goal_of_issue_4(study):
    result, _ = study
    assert result.mdape < 0.15


def test_error_does_not_regress(study):
    # Regression floor at the figures measured with the calibrated models (seed 0):
    # overall 19.5%, one level 22.3%, two levels 18.3%, population only 40.8%.
    result, _ = study
    assert result.mdape_two_levels < 0.19
    assert result.mdape_one_level < 0.23
    assert result.mdape < 0.20
