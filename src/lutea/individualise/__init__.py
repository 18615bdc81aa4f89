"""Individualise and balance: a person's own progesterone PK from their measured levels, and the
regimens that keep them in a target.

- Individualiser(context, assay, weight_kg, method).fit(history, levels) -> IndividualFit
  (MAP with the population prior, Laplace posterior or MCMC); IndividualFit.predict(times, regimen).
- parse_level, parse_target, Target: measured levels and the target language.
- balance_report(fit, target, role): parameters, prediction and ranked candidate regimens
  (clinician only), the JSON every shell prints.
"""

from lutea.individualise.balance import (
    Candidate,
    RankedCandidate,
    balance_report,
    candidates,
    rank,
)
from lutea.individualise.estimate import (
    MapResult,
    ResidualError,
    laplace_draws,
    map_estimate,
    metropolis,
)
from lutea.individualise.individualiser import IndividualFit, Individualiser, Prediction
from lutea.individualise.model import PersonModel
from lutea.individualise.target import (
    Level,
    Target,
    parse_level,
    parse_target,
    parse_time,
)

__all__ = [
    "Candidate",
    "IndividualFit",
    "Individualiser",
    "Level",
    "MapResult",
    "PersonModel",
    "Prediction",
    "RankedCandidate",
    "ResidualError",
    "Target",
    "balance_report",
    "candidates",
    "laplace_draws",
    "map_estimate",
    "metropolis",
    "parse_level",
    "parse_target",
    "parse_time",
    "rank",
]
