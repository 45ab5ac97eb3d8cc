r"""Gaussian-process regression: a prior over functions, conditioned on noisy observations.

A Gaussian process :math:`f \sim \mathcal{GP}(0, k)` says that the values of :math:`f` at any
finite set of points are jointly Gaussian, with covariance given by a *kernel*
:math:`k(\mathbf{x}, \mathbf{x}')`. Observing :math:`y_i = f(\mathbf{x}_i) + \varepsilon_i` with
:math:`\varepsilon_i \sim \mathcal{N}(0, \sigma_n^2)` and conditioning gives, at new points
:math:`X_*`, a Gaussian posterior with (Rasmussen & Williams, 2006, eqs. 2.25-2.26)

.. math::

    \mu_* = K_{*}^\top (K + \sigma_n^2 I)^{-1} \mathbf{y}, \qquad
    \sigma_*^2 = k(\mathbf{x}_*, \mathbf{x}_*) - \mathbf{k}_*^\top (K + \sigma_n^2 I)^{-1} \mathbf{k}_*.

Everything is computed through one Cholesky factorisation :math:`K + \sigma_n^2 I = L L^\top`
(Rasmussen & Williams, algorithm 2.1), never through an explicit inverse. Kernels broadcast over
leading batch dimensions, ``kernel(X1 (..., N, d), X2 (..., M, d)) -> (..., N, M)``; work in
float64, since kernel matrices are often close to singular.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["gp_posterior", "log_marginal_likelihood", "matern52_kernel", "rbf_kernel"]

Kernel = Callable[[Tensor, Tensor], Tensor]


def _scaled_distance(X1: Tensor, X2: Tensor, length_scale: float | Tensor) -> Tensor:
    """Euclidean distances between the rows of X1 / l and X2 / l, shape (..., N, M)."""
    if X1.shape[-1] != X2.shape[-1]:
        raise ValueError(f"kernel inputs need the same number of features d, got X1 of shape "
                         f"{tuple(X1.shape)} and X2 of shape {tuple(X2.shape)}")
    if not bool((torch.as_tensor(length_scale) > 0).all()):
        raise ValueError(f"length_scale must be > 0, got {length_scale!r}")
    diff = (X1[..., :, None, :] - X2[..., None, :, :]) / length_scale  # (..., N, M, d)
    return diff.pow(2).sum(-1).sqrt()  # (..., N, M)


def rbf_kernel(
    X1: Tensor, X2: Tensor, length_scale: float | Tensor = 1.0, variance: float = 1.0
) -> Tensor:
    r"""The squared-exponential (RBF) kernel :math:`k(\mathbf{x}, \mathbf{x}') = s^2 \exp(-r^2 / 2)`.

    Here :math:`r = \lVert (\mathbf{x} - \mathbf{x}') / \boldsymbol{\ell} \rVert` is the distance
    in units of the length scale. Functions drawn from this prior are infinitely smooth.
    ``variance * sklearn.gaussian_process.kernels.RBF(length_scale)`` is the same kernel.

    Args:
        X1: shape ``(..., N, d)``. X2: shape ``(..., M, d)``.
        length_scale: :math:`\ell > 0`, a number or one per feature, shape ``(d,)``.
        variance: the prior variance :math:`s^2 = k(\mathbf{x}, \mathbf{x})`.

    Returns:
        The kernel matrix, shape ``(..., N, M)``.
    """
    r = _scaled_distance(X1, X2, length_scale)
    return variance * torch.exp(-0.5 * r**2)


def matern52_kernel(
    X1: Tensor, X2: Tensor, length_scale: float | Tensor = 1.0, variance: float = 1.0
) -> Tensor:
    r"""The Matérn kernel with :math:`\nu = 5/2`: :math:`s^2 (1 + \sqrt5 r + \tfrac53 r^2)\, e^{-\sqrt5 r}`.

    Its sample functions are twice differentiable but not smoother, a more realistic prior for
    validation curves than the RBF's; Snoek et al. (2012) recommend it for Bayesian optimisation.
    ``variance * sklearn.gaussian_process.kernels.Matern(length_scale, nu=2.5)`` is the same kernel.
    Arguments and shapes as in `rbf_kernel`.
    """
    r = _scaled_distance(X1, X2, length_scale)
    return variance * (1 + math.sqrt(5) * r + 5 / 3 * r**2) * torch.exp(-math.sqrt(5) * r)


def _check_data(X: Tensor, y: Tensor, noise: float) -> None:
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, d) with N >= 1, got {tuple(X.shape)}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({X.shape[0]},) like X's rows, got {tuple(y.shape)}")
    if not noise >= 0:
        raise ValueError(f"noise (the variance sigma_n^2) must be >= 0, got {noise!r}")


def _cholesky(X: Tensor, kernel: Kernel, noise: float) -> Tensor:
    """L with L L^T = K + noise I, or a clear error when that matrix is not positive definite."""
    K = kernel(X, X) + noise * torch.eye(X.shape[0], dtype=X.dtype, device=X.device)  # (N, N)
    L, info = torch.linalg.cholesky_ex(K)
    if info.item() != 0:
        raise ValueError("K + noise * I is not positive definite (repeated points, or noise too "
                         f"small?); got noise={noise!r}; try a larger noise")
    return L


def gp_posterior(X: Tensor, y: Tensor, X_star: Tensor, kernel: Kernel, noise: float) -> tuple[Tensor, Tensor]:
    r"""Posterior mean and variance of :math:`f(X_*)` given :math:`\mathbf{y} = f(X) + \varepsilon`.

    With :math:`L L^\top = K + \sigma_n^2 I`,
    :math:`\boldsymbol\alpha = L^{-\top} L^{-1} \mathbf{y}` and :math:`V = L^{-1} K(X, X_*)`:

    .. math:: \mu_* = K(X, X_*)^\top \boldsymbol\alpha, \qquad
              \sigma^2_* = \operatorname{diag} K(X_*, X_*) - \textstyle\sum_{\text{rows}} V \odot V.

    The prior mean is zero: standardise ``y`` first (as ``normalize_y=True`` does in
    scikit-learn). The variance is that of :math:`f`, without the observation noise, and is
    clamped at 0 against rounding. Matches ``GaussianProcessRegressor(kernel, alpha=noise,
    optimizer=None).predict(X_star, return_std=True)`` (squared std).

    Args:
        X: observed inputs, shape ``(N, d)``.
        y: observed values, shape ``(N,)``.
        X_star: where to predict, shape ``(M, d)``.
        kernel: ``kernel(X1, X2) -> K`` broadcasting over leading dimensions, e.g.
            ``functools.partial(matern52_kernel, length_scale=0.2)``.
        noise: the noise variance :math:`\sigma_n^2 \ge 0` added to the diagonal.

    Returns:
        ``(mean, variance)``, each of shape ``(M,)``.
    """
    _check_data(X, y, noise)
    if X_star.ndim != 2 or X_star.shape[1] != X.shape[1]:
        raise ValueError(f"X_star must have shape (M, {X.shape[1]}) like X, got {tuple(X_star.shape)}")
    L = _cholesky(X, kernel, noise)  # (N, N)
    alpha = torch.cholesky_solve(y[:, None], L)  # (N, 1): (K + noise I)^{-1} y
    K_star = kernel(X, X_star)  # (N, M)
    mean = (K_star.T @ alpha).squeeze(1)  # (M,)
    V = torch.linalg.solve_triangular(L, K_star, upper=False)  # (N, M)
    prior_var = kernel(X_star[:, None, :], X_star[:, None, :]).reshape(-1)  # k(x, x) for each row: (M,)
    return mean, (prior_var - V.pow(2).sum(0)).clamp_min(0)


def log_marginal_likelihood(X: Tensor, y: Tensor, kernel: Kernel, noise: float) -> Tensor:
    r"""How probable the observations are under the prior: :math:`\log p(\mathbf{y} \mid X)`.

    .. math:: \log p(\mathbf{y} \mid X) = -\tfrac12 \mathbf{y}^\top (K + \sigma_n^2 I)^{-1} \mathbf{y}
              - \textstyle\sum_i \log L_{ii} - \tfrac N2 \log 2\pi

    The first term rewards fitting the data, the second penalises a complex (flexible) prior.
    Maximising it over the kernel's length scale and the noise is the usual way to set them.
    Matches ``GaussianProcessRegressor.log_marginal_likelihood_value_``.

    Returns:
        A 0-dimensional tensor.
    """
    _check_data(X, y, noise)
    L = _cholesky(X, kernel, noise)
    alpha = torch.cholesky_solve(y[:, None], L).squeeze(1)  # (N,)
    N = X.shape[0]
    return -0.5 * y @ alpha - torch.log(torch.diagonal(L)).sum() - 0.5 * N * math.log(2 * math.pi)
