"""Simulation study of individualisation (issue 4): 500 virtual people with known parameters.

Goals from the issue: 90% prediction-interval coverage of a later measured level 85-95%; median
absolute percentage error (MdAPE) of the predicted level under 15%, and better than the
population-only prediction. No published individual-level progesterone data set (levels with
dose history per person) was available in shared/research when this was written, so the study
uses virtual people drawn from the population model of the knowledge base. The study also
computes the exact posterior median of each person's target level (prior importance sampling):
the error of the best per-person estimate, against which the estimator is judged. Two replicate
studies (seeds 1 and 2) check that a figure is not a lucky draw.
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


@pytest.fixture(scope="module")
def replicates():
    results = [simulation_study(500, seed=seed) for seed in (1, 2)]
    for seed, result in zip((1, 2), results):
        print(f"\nreplicate study, seed {seed}:")
        for line in result.lines():
            print("  " + line)
    return results


def test_prediction_intervals_are_honest(study, replicates):
    result, _ = study
    assert result.converged > 0.99
    for r in (result, *replicates):
        assert 0.85 <= r.coverage_90 <= 0.95


def test_individualisation_beats_the_population_prediction(study):
    # seed 0: 15.2% against 22.2% population-only (vaginal capsule model of knowledge base 2026.11.4)
    result, _ = study
    assert result.mdape < 0.8 * result.mdape_population
    assert result.mdape_printed[0] < 0.8 * result.mdape_population
    assert result.mdape_one_level < result.mdape_population
    assert result.mdape_two_levels < result.mdape_one_level


def test_estimator_is_close_to_the_exact_posterior(study):
    # The MAP prediction is within 1.5 points of the exact posterior median's error (seed 0:
    # 15.2% against 14.0%), so no better estimator of the same model is far below it.
    result, _ = study
    best, best_one, best_two = result.mdape_exact_posterior
    assert result.mdape < best + 0.015
    assert result.mdape_one_level < best_one + 0.02
    assert result.mdape_two_levels < best_two + 0.025
    assert result.mdape_printed[0] < best + 0.015


def test_two_levels_meet_the_error_goal(study, replicates):
    # With two levels the goal (< 15%) holds for the MAP on every study (seeds 0-2: 13.0%, 13.3%,
    # 13.1%) and for the printed level on the median study (12.6%, 15.3%, 14.6%).
    result, _ = study
    studies = (result, *replicates)
    for r in studies:
        assert r.mdape_two_levels < 0.15
    assert sorted(r.mdape_printed[2] for r in studies)[1] < 0.15


@pytest.mark.xfail(strict=True, reason=(
    "issue 4 goal (median error < 15% for everyone) sits on the line: the level lutea prints errs 14.2% "
    "on the issue's study (seed 0) but 15.6% and 15.5% on the replicates (seeds 1, 2); the MAP 15.2%, "
    "15.6%, 14.5%; the exact posterior median 14.0% on seed 0. Two levels meet it, one level does not "
    "(about 16%). See docs/individualise.md. Strict: a pass means update this."))
def test_error_goal_of_issue_4(study, replicates):
    result, _ = study
    for r in (result, *replicates):
        assert r.mdape_printed[0] < 0.15
        assert r.mdape < 0.15


def test_error_does_not_regress(study):
    # Regression floor at the figures of seed 0 (knowledge base 2026.11.4): MAP overall 15.2%,
    # one level 16.7%, two levels 13.0%; printed level 14.2%; population only 22.2%.
    result, _ = study
    assert result.mdape < 0.16
    assert result.mdape_one_level < 0.175
    assert result.mdape_two_levels < 0.14
    assert result.mdape_printed[0] < 0.15


@pytest.fixture(scope="module")
def misspecified():
    results = {}
    for scale in ((1.3, 1.0), (1.3, 1.3)):
        results[scale] = simulation_study(500, seed=0, truth_omega_scale=scale[0], truth_residual_scale=scale[1])
        print(f"\nmisspecified study: people vary {scale[0]}x and levels scatter {scale[1]}x more than the model assumes:")
        for line in results[scale].lines():
            print("  " + line)
    return results


def test_intervals_degrade_gracefully_when_people_vary_more_than_the_model_says(misspecified):
    # Seed 0: with between-subject SDs 1.3x the knowledge base's, coverage 87.6% (population-only
    # 84.2%); with residual SDs also 1.3x, 81.6% (78.8%). A measured level keeps the intervals near
    # their nominal 90% where the population's alone fall further.
    more_variable = misspecified[(1.3, 1.0)]
    assert more_variable.coverage_90 >= 0.85
    assert more_variable.coverage_90 > more_variable.coverage_90_population
    both = misspecified[(1.3, 1.3)]
    assert both.coverage_90 >= 0.80
    assert both.coverage_90 > both.coverage_90_population
