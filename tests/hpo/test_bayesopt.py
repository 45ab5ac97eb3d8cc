"""Expected improvement against its closed form and a Monte-Carlo estimate; the optimisation loop."""

from __future__ import annotations

import functools
import math

import pytest
import torch
from scipy import stats

from dl_lib.hpo import (
    bayesian_optimization,
    expected_improvement,
    fit_kernel,
    log_marginal_likelihood,
    matern52_kernel,
    propose,
)

T = functools.partial(torch.tensor, dtype=torch.float64)


def test_expected_improvement_by_hand():
    # mu = best: z = 0, EI = 0 * Phi(0) + sigma * phi(0) = sigma / sqrt(2 pi)
    ei = expected_improvement(T([1.0]), T([2.0]), best=1.0)
    torch.testing.assert_close(ei, T([2 / math.sqrt(2 * math.pi)]))
    # mu - best = 1, sigma = 0.5: z = 2, EI = Phi(2) + 0.5 phi(2)
    phi2, Phi2 = math.exp(-2) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(2 / math.sqrt(2)))
    torch.testing.assert_close(expected_improvement(T([2.0]), T([0.5]), best=1.0), T([Phi2 + 0.5 * phi2]))
    # xi shifts the threshold: best = 0.5, xi = 0.5 is the same as best = 1
    ei = expected_improvement(T([2.0]), T([0.5]), best=0.5, xi=0.5)
    torch.testing.assert_close(ei, T([Phi2 + 0.5 * phi2]))


def test_expected_improvement_matches_scipy_closed_form():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(200, generator=g, dtype=torch.float64)
    sigma = torch.rand(200, generator=g, dtype=torch.float64) * 2 + 1e-3
    best, xi = 0.3, 0.05
    d = (mu - best - xi).numpy()
    expected = d * stats.norm.cdf(d / sigma.numpy()) + sigma.numpy() * stats.norm.pdf(d / sigma.numpy())
    torch.testing.assert_close(expected_improvement(mu, sigma, best, xi), torch.from_numpy(expected))


@pytest.mark.parametrize("mu, sigma, best, xi", [(0.0, 1.0, 0.0, 0.0), (-1.0, 0.5, 0.0, 0.0),
                                                 (2.0, 3.0, 1.0, 0.1), (0.2, 0.05, 0.3, 0.0)])
def test_expected_improvement_matches_monte_carlo(mu, sigma, best, xi):
    g = torch.Generator().manual_seed(1)
    f = mu + sigma * torch.randn(400_000, generator=g, dtype=torch.float64)  # f ~ N(mu, sigma^2)
    gain = (f - best - xi).clamp_min(0)
    estimate, standard_error = gain.mean().item(), gain.std().item() / math.sqrt(len(f))
    ei = expected_improvement(T([mu]), T([sigma]), best, xi).item()
    assert abs(ei - estimate) < 4 * standard_error + 1e-12, (ei, estimate, standard_error)


def test_expected_improvement_with_zero_sigma_is_the_sure_gain():
    ei = expected_improvement(T([2.0, 0.5, 1.0, 3.0]), T([0.0, 0.0, 0.0, 1.0]), best=1.0)
    assert not torch.isnan(ei).any()
    torch.testing.assert_close(ei[:3], T([1.0, 0.0, 0.0]))


def test_expected_improvement_grows_with_mean_and_uncertainty_and_is_nonnegative():
    grid = torch.linspace(-5, 5, 101, dtype=torch.float64)
    by_mean = expected_improvement(grid, torch.ones_like(grid), best=0.0)
    by_sigma = expected_improvement(torch.zeros_like(grid), grid.abs() + 0.01, best=0.5)
    assert (by_mean >= 0).all() and (by_mean.diff() > 0).all()
    assert (by_sigma[51:].diff() > 0).all()
    far_below = expected_improvement(T([-40.0]), T([1.0]), best=0.0)
    assert far_below.item() >= 0 and far_below.item() < 1e-12


def test_expected_improvement_errors():
    with pytest.raises(ValueError, match="same shape"):
        expected_improvement(T([1.0, 2.0]), T([1.0]), 0.0)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        expected_improvement(T([1.0]), T([-1.0]), 0.0)


def _toy(seed: int = 0, N: int = 8):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(N, 1, generator=g, dtype=torch.float64)
    return X, torch.sin(6 * X[:, 0])


def test_fit_kernel_maximises_the_marginal_likelihood_over_the_grid():
    X, y = _toy()
    ells, noises = (0.05, 0.2, 1.0), (1e-4, 1e-2)
    ell, noise = fit_kernel(X, y, ells, noises)
    best = max(log_marginal_likelihood(X, y, functools.partial(matern52_kernel, length_scale=e), n).item()
               for e in ells for n in noises)
    chosen = log_marginal_likelihood(X, y, functools.partial(matern52_kernel, length_scale=ell), noise).item()
    assert chosen == best


def test_propose_returns_the_ei_argmax_and_skips_excluded_candidates():
    X, y = _toy()
    candidates = torch.linspace(0, 1, 101, dtype=torch.float64)[:, None]
    proposal = propose(X, y, candidates)
    assert proposal.ei.shape == proposal.mean.shape == proposal.std.shape == (101,)
    assert proposal.index == int(proposal.ei.argmax())
    again = propose(X, y, candidates, exclude=[proposal.index])
    assert again.index != proposal.index
    # the posterior mean is in the units of y: near the data it is close to the data
    nearest = (candidates[:, 0][:, None] - X[:, 0]).abs().argmin(0)
    assert (proposal.mean[nearest] - y).abs().max() < 0.2


def test_bayesian_optimization_finds_the_maximum_of_a_smooth_function():
    candidates = torch.linspace(0, 1, 201, dtype=torch.float64)[:, None]

    def objective(x):  # two bumps; the higher one at x = 0.73
        return (torch.exp(-((x - 0.2) / 0.1) ** 2) * 0.6 + torch.exp(-((x - 0.73) / 0.05) ** 2)).item()

    result = bayesian_optimization(objective, candidates, num_trials=15, num_initial=3, seed=0)
    assert len(set(result.indices)) == 15  # no candidate twice
    assert result.X.shape == (15, 1) and result.y.shape == (15,)
    assert result.y.max() > 0.99
    again = bayesian_optimization(objective, candidates, num_trials=15, num_initial=3, seed=0)
    assert again.indices == result.indices  # reproducible


def test_bayesian_optimization_errors():
    candidates = torch.rand(10, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="num_initial"):
        bayesian_optimization(lambda x: 0.0, candidates, num_trials=3, num_initial=4)
    with pytest.raises(ValueError, match="num_trials"):
        bayesian_optimization(lambda x: 0.0, candidates, num_trials=11)
    with pytest.raises(ValueError, match="candidates must have shape"):
        bayesian_optimization(lambda x: 0.0, candidates[0], num_trials=3)
