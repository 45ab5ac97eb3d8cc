r"""The Fréchet distance between two Gaussians, and between two sets of features.

Heusel et al. (2017) compare generated images with real ones by passing both through a
trained classifier, fitting a Gaussian to each set of features, and measuring the Fréchet
(2-Wasserstein) distance between the two Gaussians (Dowson & Landau, 1982):

.. math:: d^2\bigl(\mathcal N(\mu_1, \Sigma_1), \mathcal N(\mu_2, \Sigma_2)\bigr)
          = \lVert \mu_1 - \mu_2 \rVert^2
          + \operatorname{tr}\bigl(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\bigr).

With an Inception network's features this is the *FID*; the chapter uses a small digits
classifier instead, so its numbers are not comparable with published FIDs. The product
:math:`\Sigma_1 \Sigma_2` is not symmetric, so its square root is computed through the
symmetric matrix :math:`\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2}`, which is similar to it and
has the same (real, non-negative) eigenvalues, hence the same trace of the square root.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["feature_frechet_distance", "frechet_distance", "gaussian_statistics", "sqrtm_psd"]


def _check_square(A: Tensor, name: str, caller: str) -> None:
    if not isinstance(A, Tensor) or A.ndim != 2 or A.shape[0] != A.shape[1]:
        shape = tuple(A.shape) if isinstance(A, Tensor) else type(A).__name__
        raise ValueError(f"{caller} expects {name} to be a square matrix (D, D), got {shape}")


def sqrtm_psd(A: Tensor) -> Tensor:
    r"""The square root of a symmetric positive semi-definite matrix: :math:`S` with :math:`S S = A`.

    With the eigendecomposition :math:`A = V \Lambda V^\top`, :math:`A^{1/2} = V
    \Lambda^{1/2} V^\top`. Eigenvalues that rounding made slightly negative are set to zero.
    The square root is *not* the elementwise square root of the entries.

    Args:
        A: shape ``(D, D)``, symmetric positive semi-definite.

    Returns:
        Shape ``(D, D)``, symmetric, in ``A``'s dtype.
    """
    _check_square(A, "A", "sqrtm_psd")
    if not torch.allclose(A, A.T, rtol=1e-5, atol=1e-8 * max(1.0, A.abs().max().item())):
        raise ValueError("sqrtm_psd expects a symmetric matrix; for a covariance, check how it was computed")
    eigenvalues, V = torch.linalg.eigh(A)  # A = V diag(eigenvalues) V^T
    return V @ torch.diag(eigenvalues.clamp(min=0).sqrt()) @ V.T


def frechet_distance(mu1: Tensor, sigma1: Tensor, mu2: Tensor, sigma2: Tensor) -> Tensor:
    r"""The Fréchet distance (squared) between two Gaussians, as FID defines it.

    .. math:: \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{tr}\Sigma_1 + \operatorname{tr}\Sigma_2
              - 2 \operatorname{tr}\bigl(\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2}\bigr)^{1/2}

    for :math:`\mathcal N(\mu_1, \Sigma_1)` and :math:`\mathcal N(\mu_2, \Sigma_2)`; zero exactly
    when the two Gaussians are equal. Computed in float64.

    Args:
        mu1, mu2: means, shape ``(D,)``.
        sigma1, sigma2: covariances, shape ``(D, D)``, symmetric positive semi-definite.

    Returns:
        A float64 scalar tensor, >= 0 up to rounding.
    """
    for name, mu in (("mu1", mu1), ("mu2", mu2)):
        if not isinstance(mu, Tensor) or mu.ndim != 1:
            shape = tuple(mu.shape) if isinstance(mu, Tensor) else type(mu).__name__
            raise ValueError(f"frechet_distance expects {name} of shape (D,), got {shape}")
    _check_square(sigma1, "sigma1", "frechet_distance")
    _check_square(sigma2, "sigma2", "frechet_distance")
    D = mu1.shape[0]
    if not (mu2.shape[0] == D and sigma1.shape[0] == D and sigma2.shape[0] == D):
        raise ValueError(f"frechet_distance: dimensions differ: mu1 {tuple(mu1.shape)}, sigma1 "
                         f"{tuple(sigma1.shape)}, mu2 {tuple(mu2.shape)}, sigma2 {tuple(sigma2.shape)}")
    mu1, sigma1, mu2, sigma2 = (t.double() for t in (mu1, sigma1, mu2, sigma2))
    root1 = sqrtm_psd(sigma1)
    cross = sqrtm_psd(root1 @ sigma2 @ root1)  # same trace as (sigma1 sigma2)^(1/2)
    return (mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - 2 * cross.trace()


def gaussian_statistics(features: Tensor) -> tuple[Tensor, Tensor]:
    r"""Mean and covariance of a set of feature vectors, in float64.

    .. math:: \mu = \frac1N \sum_i f_i, \qquad
              \Sigma = \frac1{N-1} \sum_i (f_i - \mu)(f_i - \mu)^\top

    The unbiased covariance, as ``numpy.cov(features, rowvar=False)`` and ``torch.cov``.

    Args:
        features: shape ``(N, D)`` with ``N >= 2``.

    Returns:
        ``(mu, sigma)`` of shapes ``(D,)`` and ``(D, D)``.
    """
    if not isinstance(features, Tensor) or features.ndim != 2 or features.shape[0] < 2:
        shape = tuple(features.shape) if isinstance(features, Tensor) else type(features).__name__
        raise ValueError(f"gaussian_statistics expects features of shape (N, D) with N >= 2, got {shape}")
    F = features.double()
    mu = F.mean(dim=0)  # (D,)
    centred = F - mu  # (N, D)
    sigma = centred.T @ centred / (F.shape[0] - 1)  # (D, D)
    return mu, sigma


def feature_frechet_distance(features_a: Tensor, features_b: Tensor) -> Tensor:
    r"""The Fréchet distance between Gaussians fitted to two sets of features (FID's recipe).

    Args:
        features_a: shape ``(N_a, D)``; features_b: shape ``(N_b, D)``; both with at least 2 rows.

    Returns:
        A float64 scalar tensor. It depends on the number of samples: with few samples, even two
        sets from the same distribution are some distance apart, so compare sets of equal size.
    """
    mu_a, sigma_a = gaussian_statistics(features_a)
    mu_b, sigma_b = gaussian_statistics(features_b)
    if mu_a.shape != mu_b.shape:
        raise ValueError(f"feature_frechet_distance: the feature sets have {mu_a.shape[0]} and "
                         f"{mu_b.shape[0]} dimensions; they must come from the same feature extractor")
    return frechet_distance(mu_a, sigma_a, mu_b, sigma_b)
