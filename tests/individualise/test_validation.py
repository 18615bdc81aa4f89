"""Simulation study of individualisation (issue 4): 500 virtual people with known parameters.

Goals from the issue: 90% prediction-interval coverage of a later measured level 85-95%; median
absolute percentage error (MdAPE) of the predicted level under 15%, and better than the
population-only prediction. No published individual-level progesterone data set (levels with
dose history per person) was available in shared/research when this was written, so the study
uses virtual people drawn from the population model of the knowledge base. The study also
computes the exact posterior median of each person's target level (prior importance sampling):
the error of the best per-person estimate, against which the estimator is judged. Two replicate
studies (seeds 1 and 2) check that a figure is not a lucky draw, and a study of 2000 people
(seed 10, the larger replicate named in docs/individualise.md before the figures below were
known) measures the error with a quarter of a 500-person study's sampling error.
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


@pytest.fixture(scope="module")
def large_study():
    result = simulation_study(2000, seed=10)
    print("\nlarge replicate study, 2000 people, seed 10:")
    for line in result.lines():
        print("  " + line)
    return result


def test_prediction_intervals_are_honest(study, replicates):
    result, _ = study
    assert result.converged > 0.99
    for r in (result, *replicates):
        assert 0.85 <= r.coverage_90 <= 0.95


def test_individualisation_beats_the_population_prediction(study):
    # seed 0: 14.2% (MAP) and 13.0% (printed) against 24.4% population-only (knowledge base 2026.12.0)
    result, _ = study
    assert result.mdape < 0.8 * result.mdape_population
    assert result.mdape_printed[0] < 0.8 * result.mdape_population
    assert result.mdape_one_level < result.mdape_population
    assert result.mdape_two_levels < result.mdape_one_level


def test_printed_level_is_close_to_the_exact_posterior(study):
    # The level lutea prints (posterior median of the draws) is within a point of the exact
    # posterior median's error (seed 0: 13.0% against 12.5%), so no better estimator of the same
    # model is far below it. The MAP curve is a little further (14.2%): with the time-of-day
    # variation the target level's posterior is skewed, which is why the printed level is the
    # posterior median and not the level at the MAP.
    result, _ = study
    best, best_one, best_two = result.mdape_exact_posterior
    assert result.mdape_printed[0] < best + 0.01
    assert result.mdape_printed[1] < best_one + 0.015
    assert result.mdape_printed[2] < best_two + 0.015
    assert result.mdape < best + 0.02


def test_two_levels_meet_the_error_goal(study, replicates):
    # With two levels the goal (< 15%) holds for the MAP and the printed level on every study
    # (seeds 0-2, MAP: 12.3%, 11.6%, 12.7%).
    result, _ = study
    for r in (result, *replicates):
        assert r.mdape_two_levels < 0.15
        assert r.mdape_printed[2] < 0.15


def test_error_goal_of_issue_4(study, replicates, large_study):
    # Goal: median absolute percentage error of the predicted target level under 15%, over people
    # with one or two levels. The issue's study (seed 0): printed 13.0%, MAP 14.2%. The 2000-person
    # study (seed 10): printed 14.8%, MAP 14.6%. A 500-person median moves by about a point from
    # seed to seed (seeds 1 and 2: printed 15.2% and 14.3%, MAP 14.1% and 14.4%), so the replicates
    # are held to the goal plus that sampling band; over six 2000-person studies (seeds 10, 11,
    # 20-23, docs/individualise.md) the printed level averaged 14.2%.
    result, _ = study
    for r in (result, large_study):
        assert r.mdape_printed[0] < 0.15
        assert r.mdape < 0.15
    for r in replicates:
        assert r.mdape_printed[0] < 0.16
        assert r.mdape < 0.16
    assert 0.85 <= large_study.coverage_90 <= 0.95
    assert large_study.mdape_printed[0] < 0.8 * large_study.mdape_population


def test_error_does_not_regress(study):
    # Regression floor at the figures of seed 0 (knowledge base 2026.12.0): MAP overall 14.2%,
    # one level 16.8%, two levels 12.3%; printed level 13.0%; population only 24.4%.
    result, _ = study
    assert result.mdape < 0.15
    assert result.mdape_one_level < 0.175
    assert result.mdape_two_levels < 0.13
    assert result.mdape_printed[0] < 0.14


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
    # Seed 0: with between-subject SDs 1.3x the knowledge base's, coverage 87.8% (population-only
    # 84.0%); with residual SDs also 1.3x, 80.6% (78.8%). A measured level keeps the intervals near
    # their nominal 90% where the population's alone fall further.
    more_variable = misspecified[(1.3, 1.0)]
    assert more_variable.coverage_90 >= 0.85
    assert more_variable.coverage_90 > more_variable.coverage_90_population
    both = misspecified[(1.3, 1.3)]
    assert both.coverage_90 >= 0.80
    assert both.coverage_90 > both.coverage_90_population


@pytest.fixture(scope="module")
def without_diurnal():
    result = simulation_study(500, seed=0, truth_without_diurnal=True, truth_residual_scale=0.29 / 0.24)
    print("\nmisspecified study: people without the capsule's time-of-day variation, residual 0.29 (what VUB 2024's "
          "paired troughs give if the variation is not real), against lutea's model with it:")
    for line in result.lines():
        print("  " + line)
    return result


def test_what_the_time_of_day_variation_costs_if_it_is_not_real(without_diurnal):
    # The capsule's diurnal factor rests on VUB 2024 (decline 08:00 to 20:00 of 2.41 ng/mL, 95% CI
    # 0.81-4.00). Were it an artefact, the troughs would leave a residual of 0.29, not 0.24.
    # Seed 0 in that world: coverage 82.8% (population-only 87.2%), printed error 17.1% against
    # 24.6% population-only. Individualisation still helps; its intervals are too narrow by
    # about 7 points, the price of the bet, stated in docs/individualise.md.
    r = without_diurnal
    assert r.coverage_90 >= 0.80
    assert r.mdape_printed[0] < 0.8 * r.mdape_population

