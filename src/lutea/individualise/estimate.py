"""Bayesian estimation of individual parameters: batched MAP, Laplace approximation, MCMC.

The maths works on a vector eta of log-deviations from the typical values (eta ~ N(0, omega^2))
and a forward function ``forward(eta[m, n, k]) -> conc_ng_ml[m, n, t]`` that predicts the
measured level of person n at its sampling times for m parameter draws. The residual error is
proportional plus additive: Var(y | f) = (prop * f)^2 + add^2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Forward = Callable[[np.ndarray], np.ndarray]
"""eta[m, n, k] (log-deviations) -> predicted measured level ng/mL [m, n, t]."""

_STEP_H = 1e-5  # finite-difference step in eta (log-parameter) space
_MAX_STEP = 1.0  # largest change of one eta in one iteration (log units)


@dataclass(frozen=True)
class ResidualError:
    """Proportional (fraction) plus additive (ng/mL) residual error of a measured level."""

    proportional: float
    additive_ng_ml: float

    def variance(self, conc_ng_ml: np.ndarray) -> np.ndarray:
        """Variance (ng/mL)^2 of a measured level around the predicted concentration."""
        return (self.proportional * conc_ng_ml) ** 2 + self.additive_ng_ml**2

    def draw(self, conc_ng_ml: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Measured levels around predicted concentrations; truncated at 0 as a lab would report."""
        noisy = conc_ng_ml + np.sqrt(self.variance(conc_ng_ml)) * rng.standard_normal(np.shape(conc_ng_ml))
        return np.maximum(noisy, 0.0)


@dataclass(frozen=True)
class MapResult:
    """MAP estimates for n people: eta[n, k], Laplace covariance[n, k, k], objective[n]."""

    eta: np.ndarray
    cov: np.ndarray
    objective: np.ndarray
    converged: np.ndarray
    iterations: int


def neg_log_posterior(eta: np.ndarray, pred: np.ndarray, y: np.ndarray, mask: np.ndarray,
                      omega: np.ndarray, residual: ResidualError) -> np.ndarray:
    """-log posterior (up to a constant) of eta[..., n, k] given predictions pred[..., n, t]."""
    var = residual.variance(pred)
    resid = np.where(mask, y - pred, 0.0)
    data = 0.5 * np.where(mask, resid**2 / var + np.log(var), 0.0).sum(axis=-1)
    return 0.5 * ((eta / omega) ** 2).sum(axis=-1) + data


def _gradient_and_information(eta: np.ndarray, forward: Forward, y: np.ndarray, mask: np.ndarray,
                              omega: np.ndarray, residual: ResidualError) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradient, expected (Fisher) information of the -log posterior, and predictions at eta."""
    n, k = eta.shape
    stacked = np.concatenate([eta[None], eta[None] + _STEP_H * np.eye(k)[:, None, :]], axis=0)
    preds = forward(stacked)  # (k+1, n, t)
    pred = preds[0]
    jac = np.moveaxis((preds[1:] - pred) / _STEP_H, 0, -1)  # (n, t, k)
    var = residual.variance(pred)
    dvar = 2.0 * residual.proportional**2 * pred
    resid = y - pred
    dl_df = np.where(mask, -resid / var + 0.5 * (1.0 / var - resid**2 / var**2) * dvar, 0.0)
    weight = np.where(mask, 1.0 / var + 0.5 * (dvar / var) ** 2, 0.0)
    grad = eta / omega**2 + np.einsum("ntk,nt->nk", jac, dl_df)
    info = np.einsum("ntk,nt,ntl->nkl", jac, weight, jac) + np.diag(1.0 / omega**2)[None]
    return grad, info, pred


def map_estimate(forward: Forward, y: np.ndarray, mask: np.ndarray, omega: np.ndarray,
                 residual: ResidualError, *, max_iter: int = 60, tol: float = 1e-6) -> MapResult:
    """Batched Levenberg-Marquardt MAP for n people at once, with a Laplace covariance each.

    y, mask: [n, t] measured levels (ng/mL) and which of them exist. The covariance is the
    inverse expected information at the MAP (log-parameter space).
    """
    y = np.asarray(y, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    omega = np.asarray(omega, dtype=float)
    n, k = y.shape[0], omega.size
    eta = np.zeros((n, k))
    lam = np.full(n, 1e-3)
    converged = np.zeros(n, dtype=bool)
    pred = forward(eta[None])[0]
    obj = neg_log_posterior(eta, pred, y, mask, omega, residual)
    iterations = 0
    for iterations in range(1, max_iter + 1):
        active = ~converged
        if not active.any():
            break
        idx = np.flatnonzero(active)
        sub_forward = _subset(forward, idx, n)
        grad, info, _ = _gradient_and_information(eta[idx], sub_forward, y[idx], mask[idx], omega, residual)
        damped = info + lam[idx, None, None] * np.eye(k)[None] * np.diagonal(info, axis1=1, axis2=2)[:, :, None]
        step = -np.linalg.solve(damped, grad[..., None])[..., 0]
        largest = np.abs(step).max(axis=1, keepdims=True)
        step *= np.minimum(1.0, _MAX_STEP / np.maximum(largest, 1e-300))
        trial = eta[idx] + step
        trial_pred = sub_forward(trial[None])[0]
        trial_obj = neg_log_posterior(trial, trial_pred, y[idx], mask[idx], omega, residual)
        better = trial_obj <= obj[idx]
        accept = idx[better]
        gain = obj[accept] - trial_obj[better]
        eta[accept] = trial[better]
        obj[accept] = trial_obj[better]
        lam[accept] = np.maximum(lam[accept] * 0.3, 1e-7)
        lam[idx[~better]] *= 10.0
        small_step = np.abs(step).max(axis=1) < tol
        done_now = np.zeros(idx.size, dtype=bool)
        done_now[better] = (gain < tol * (1.0 + np.abs(obj[accept]))) | small_step[better]
        done_now |= lam[idx] > 1e8  # no descent direction left: at the optimum within precision
        converged[idx[done_now]] = True
    _, info, _ = _gradient_and_information(eta, forward, y, mask, omega, residual)
    cov = np.linalg.inv(info)
    cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    return MapResult(eta, cov, obj, converged, iterations)


def _subset(forward: Forward, idx: np.ndarray, n: int) -> Forward:
    """The forward function restricted to people idx (others are filled with zeros and dropped)."""
    if idx.size == n:
        return forward

    def sub(eta: np.ndarray) -> np.ndarray:
        full = np.zeros((eta.shape[0], n, eta.shape[2]))
        full[:, idx] = eta
        return forward(full)[:, idx]

    return sub


def laplace_draws(eta_map: np.ndarray, cov: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draws [n_draws, n, k] from the Laplace posterior N(eta_map, cov) of each person."""
    chol = np.linalg.cholesky(cov)  # (n, k, k)
    z = rng.standard_normal((n_draws, *eta_map.shape))
    return eta_map[None] + np.einsum("nkl,snl->snk", chol, z)


@dataclass(frozen=True)
class McmcResult:
    """Posterior draws eta[draws, k] of one person, with the acceptance rate."""

    draws: np.ndarray
    acceptance: float


def metropolis(forward: Forward, y: np.ndarray, mask: np.ndarray, omega: np.ndarray, residual: ResidualError,
               eta_start: np.ndarray, cov_start: np.ndarray, rng: np.random.Generator, *,
               n_chains: int = 8, n_steps: int = 1500, burn_in: int = 500) -> McmcResult:
    """Adaptive random-walk Metropolis for one person, n_chains vectorised chains.

    Proposal: N(0, s^2 * cov_start), s tuned during burn-in toward 30% acceptance; chains start
    dispersed around the MAP. y, mask: [t] levels of the one person.
    """
    k = omega.size
    y1 = np.asarray(y, dtype=float)[None]
    m1 = np.asarray(mask, dtype=bool)[None]
    chol = np.linalg.cholesky(cov_start)
    scale = 2.38 / np.sqrt(k)
    state = eta_start[None] + (rng.standard_normal((n_chains, k)) @ chol.T)

    def logpost(eta: np.ndarray) -> np.ndarray:
        pred = forward(eta[:, None, :])[:, 0]  # (chains, t)
        return -neg_log_posterior(eta, pred, y1, m1, omega, residual)

    current = logpost(state)
    kept = []
    accepted = 0
    for step in range(n_steps):
        proposal = state + scale * (rng.standard_normal((n_chains, k)) @ chol.T)
        candidate = logpost(proposal)
        take = np.log(rng.random(n_chains)) < candidate - current
        state = np.where(take[:, None], proposal, state)
        current = np.where(take, candidate, current)
        if step < burn_in:
            scale *= np.exp(0.5 * (take.mean() - 0.3) / np.sqrt(step + 1.0))
        else:
            accepted += int(take.sum())
            kept.append(state.copy())
    draws = np.concatenate(kept, axis=0)
    return McmcResult(draws, accepted / max(1, (n_steps - burn_in) * n_chains))


def importance_resample(forward: Forward, y: np.ndarray, mask: np.ndarray, omega: np.ndarray,
                        residual: ResidualError, eta_map: np.ndarray, cov: np.ndarray, n_draws: int,
                        rng: np.random.Generator, *, inflate: float = 1.5, df: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """Posterior draws [n_draws, n, k] by sampling-importance-resampling around the Laplace fit.

    Proposal: multivariate t (df) with the Laplace covariance times inflate^2, so its tails cover
    the exact posterior; weights are exact posterior / proposal. Returns (draws, effective
    sample size fraction per person).
    """
    n, k = eta_map.shape
    chol = np.linalg.cholesky(cov * inflate**2)  # (n, k, k)
    z = rng.standard_normal((n_draws, n, k))
    chi = rng.chisquare(df, (n_draws, n, 1)) / df
    u = z / np.sqrt(chi)
    draws = eta_map[None] + np.einsum("nkl,snl->snk", chol, u)
    log_q = -0.5 * (df + k) * np.log1p((u**2).sum(axis=-1) / df)  # up to per-person constants
    pred = forward(draws)
    log_p = -neg_log_posterior(draws, pred, y[None], mask[None], omega, residual)
    log_w = log_p - log_q
    log_w -= log_w.max(axis=0, keepdims=True)
    w = np.exp(log_w)
    w /= w.sum(axis=0, keepdims=True)
    ess = 1.0 / (w**2).sum(axis=0) / n_draws
    cum = np.cumsum(w, axis=0)  # systematic resampling, per person
    cum[-1] = 1.0
    points = (rng.random(n) + np.arange(n_draws)[:, None]) / n_draws
    idx = np.empty((n_draws, n), dtype=int)
    for j in range(n):
        idx[:, j] = np.searchsorted(cum[:, j], points[:, j])
    return draws[idx, np.arange(n)[None, :]], ess
