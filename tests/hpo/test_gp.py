"""Gaussian-process regression against the dense textbook formula and against scikit-learn."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern

from dl_lib.hpo import gp_posterior, log_marginal_likelihood, matern52_kernel, rbf_kernel

KERNELS = {
    "rbf": (rbf_kernel, lambda ell, s2: ConstantKernel(s2, "fixed") * RBF(ell, "fixed")),
    "matern52": (matern52_kernel, lambda ell, s2: ConstantKernel(s2, "fixed") * Matern(ell, "fixed", nu=2.5)),
}


def _data(seed: int, N: int = 12, M: int = 30, d: int = 2):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(N, d, generator=g, dtype=torch.float64)
    y = torch.sin(6 * X).sum(1) + 0.1 * torch.randn(N, generator=g, dtype=torch.float64)
    X_star = torch.rand(M, d, generator=g, dtype=torch.float64)
    return X, y, X_star


@pytest.mark.parametrize("name", KERNELS)
@pytest.mark.parametrize("length_scale", [0.3, [0.2, 0.7]])
def test_kernels_match_sklearn(name, length_scale):
    ours, theirs = KERNELS[name]
    X1, _, X2 = _data(0)
    K = ours(X1, X2, length_scale=torch.tensor(length_scale, dtype=torch.float64), variance=1.7)
    expected = theirs(np.array(length_scale), 1.7)(X1.numpy(), X2.numpy())
    torch.testing.assert_close(K, torch.from_numpy(expected), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", KERNELS)
def test_kernels_broadcast_over_batches_and_have_the_variance_on_the_diagonal(name):
    kernel = KERNELS[name][0]
    X, _, _ = _data(1)
    batched = kernel(X[:, None, :], X[:, None, :], length_scale=0.4, variance=2.5)  # (N, 1, 1)
    torch.testing.assert_close(batched.reshape(-1), torch.full((X.shape[0],), 2.5, dtype=torch.float64))
    K = kernel(X, X, length_scale=0.4)
    torch.testing.assert_close(K, K.T)
    assert torch.linalg.eigvalsh(K).min() > -1e-10  # positive semi-definite


def test_kernel_errors():
    X = torch.zeros(3, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="same number of features"):
        rbf_kernel(X, torch.zeros(3, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="length_scale must be > 0"):
        matern52_kernel(X, X, length_scale=0.0)


def _dense_posterior(X, y, X_star, kernel, noise):
    """The textbook formulas with an explicit inverse."""
    K_inv = torch.linalg.inv(kernel(X, X) + noise * torch.eye(len(X), dtype=X.dtype))
    K_s = kernel(X, X_star)
    mean = K_s.T @ K_inv @ y
    var = torch.diagonal(kernel(X_star, X_star)) - torch.diagonal(K_s.T @ K_inv @ K_s)
    return mean, var


@pytest.mark.parametrize("name", KERNELS)
@pytest.mark.parametrize("seed, noise, ell", [(0, 1e-2, 0.3), (1, 0.3, 0.8), (2, 1e-6, 0.15)])
def test_posterior_matches_dense_formula(name, seed, noise, ell):
    X, y, X_star = _data(seed)
    kernel = functools.partial(KERNELS[name][0], length_scale=ell, variance=1.3)
    mean, var = gp_posterior(X, y, X_star, kernel, noise)
    mean_ref, var_ref = _dense_posterior(X, y, X_star, kernel, noise)
    assert mean.shape == var.shape == (X_star.shape[0],)
    torch.testing.assert_close(mean, mean_ref, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(var, var_ref.clamp_min(0), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", KERNELS)
@pytest.mark.parametrize("seed, noise, ell", [(3, 1e-2, 0.3), (4, 0.1, [0.2, 0.9]), (5, 1e-5, 0.5)])
def test_posterior_and_likelihood_match_sklearn(name, seed, noise, ell):
    ours, theirs = KERNELS[name]
    X, y, X_star = _data(seed, N=15, M=40)
    ell_t = torch.tensor(ell, dtype=torch.float64)
    gpr = GaussianProcessRegressor(theirs(np.array(ell), 0.8), alpha=noise, optimizer=None)
    gpr.fit(X.numpy(), y.numpy())
    mean_ref, std_ref = gpr.predict(X_star.numpy(), return_std=True)
    kernel = functools.partial(ours, length_scale=ell_t, variance=0.8)
    mean, var = gp_posterior(X, y, X_star, kernel, noise)
    torch.testing.assert_close(mean, torch.from_numpy(mean_ref), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(var.sqrt(), torch.from_numpy(std_ref), rtol=1e-6, atol=1e-6)
    lml = log_marginal_likelihood(X, y, kernel, noise)
    assert lml.ndim == 0
    assert math.isclose(lml.item(), gpr.log_marginal_likelihood_value_, rel_tol=1e-8, abs_tol=1e-8)


def test_nearly_noiseless_posterior_interpolates_and_reverts_to_the_prior_far_away():
    X, y, _ = _data(6, N=6, d=1)
    kernel = functools.partial(rbf_kernel, length_scale=0.2, variance=2.0)
    mean, var = gp_posterior(X, y, X, kernel, noise=1e-10)
    torch.testing.assert_close(mean, y, rtol=0, atol=1e-5)
    assert var.max() < 1e-5 and var.min() >= 0
    far = torch.full((1, 1), 50.0, dtype=torch.float64)
    mean_far, var_far = gp_posterior(X, y, far, kernel, noise=1e-10)
    assert abs(mean_far.item()) < 1e-10 and math.isclose(var_far.item(), 2.0, rel_tol=1e-10)


def test_likelihood_prefers_the_length_scale_that_generated_the_data():
    g = torch.Generator().manual_seed(7)
    X = torch.linspace(0, 1, 40, dtype=torch.float64)[:, None]
    K = rbf_kernel(X, X, length_scale=0.1) + 1e-6 * torch.eye(40, dtype=torch.float64)
    y = torch.linalg.cholesky(K) @ torch.randn(40, generator=g, dtype=torch.float64)  # a draw from the prior
    scores = {ell: log_marginal_likelihood(X, y, functools.partial(rbf_kernel, length_scale=ell), 1e-4).item()
              for ell in (0.01, 0.1, 1.0)}
    assert max(scores, key=scores.get) == 0.1


def test_posterior_errors():
    X, y, X_star = _data(8)
    kernel = functools.partial(rbf_kernel, length_scale=0.3)
    with pytest.raises(ValueError, match="X must have shape"):
        gp_posterior(X[0], y, X_star, kernel, 0.1)
    with pytest.raises(ValueError, match="y must have shape"):
        gp_posterior(X, y[:-1], X_star, kernel, 0.1)
    with pytest.raises(ValueError, match="X_star must have shape"):
        gp_posterior(X, y, X_star[:, :1], kernel, 0.1)
    with pytest.raises(ValueError, match="noise"):
        gp_posterior(X, y, X_star, kernel, -0.1)
    repeated = torch.cat([X, X])
    with pytest.raises(ValueError, match="not positive definite"):
        log_marginal_likelihood(repeated, torch.cat([y, y]), kernel, 0.0)
