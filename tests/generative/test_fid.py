"""dl_lib.generative.fid against an independent computation with scipy.linalg.sqrtm and NumPy."""

import numpy as np
import pytest
import scipy.linalg
import torch
from torch.testing import assert_close

from dl_lib.generative import feature_frechet_distance, frechet_distance, gaussian_statistics, sqrtm_psd


def _random_covariance(D, seed, rank=None):
    gen = torch.Generator().manual_seed(seed)
    A = torch.randn(D, rank or D, generator=gen, dtype=torch.float64)
    return A @ A.T / (rank or D)


def _scipy_frechet(mu1, s1, mu2, s2):
    """The formula as pytorch-fid writes it: scipy's general matrix square root of the product."""
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def test_sqrtm_psd_squares_back_and_matches_scipy():
    A = _random_covariance(6, seed=0)
    S = sqrtm_psd(A)
    assert_close(S @ S, A, rtol=1e-10, atol=1e-10)
    assert_close(S, S.T)
    assert_close(S, torch.from_numpy(np.real(scipy.linalg.sqrtm(A.numpy()))), rtol=1e-8, atol=1e-10)


def test_sqrtm_psd_is_not_elementwise():
    A = torch.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    assert not torch.allclose(sqrtm_psd(A), A.sqrt())
    assert_close(sqrtm_psd(torch.diag(torch.tensor([4.0, 9.0]))), torch.diag(torch.tensor([2.0, 3.0])))


def test_sqrtm_psd_of_a_singular_matrix():
    A = _random_covariance(5, seed=1, rank=2)  # rank 2: three eigenvalues are 0 up to rounding
    S = sqrtm_psd(A)
    assert torch.isfinite(S).all()
    assert_close(S @ S, A, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("D, seed", [(1, 0), (3, 1), (8, 2), (20, 3)])
def test_frechet_distance_matches_scipy(D, seed):
    gen = torch.Generator().manual_seed(seed + 100)
    mu1, mu2 = torch.randn(D, generator=gen, dtype=torch.float64), torch.randn(D, generator=gen, dtype=torch.float64)
    s1, s2 = _random_covariance(D, seed), _random_covariance(D, seed + 50)
    ours = frechet_distance(mu1, s1, mu2, s2)
    ref = _scipy_frechet(mu1.numpy(), s1.numpy(), mu2.numpy(), s2.numpy())
    assert ours.dtype == torch.float64 and ours.ndim == 0
    assert ours.item() == pytest.approx(ref, rel=1e-6, abs=1e-8)


def test_frechet_distance_closed_forms():
    D = 4
    mu, sigma = torch.arange(D, dtype=torch.float64), _random_covariance(D, seed=7)
    assert abs(frechet_distance(mu, sigma, mu, sigma).item()) < 1e-9  # identical Gaussians
    shift = torch.tensor([3.0, 0.0, 4.0, 0.0], dtype=torch.float64)
    assert frechet_distance(mu, sigma, mu + shift, sigma).item() == pytest.approx(25.0, rel=1e-9)
    # isotropic: N(0, a^2 I) vs N(0, b^2 I) is D (a - b)^2
    a, b = 2.0, 0.5
    eye = torch.eye(D, dtype=torch.float64)
    assert frechet_distance(0 * mu, a**2 * eye, 0 * mu, b**2 * eye).item() == pytest.approx(D * (a - b) ** 2)


def test_frechet_distance_is_symmetric_and_accepts_float32():
    s1, s2 = _random_covariance(5, seed=3), _random_covariance(5, seed=4)
    mu1, mu2 = torch.zeros(5, dtype=torch.float64), torch.ones(5, dtype=torch.float64)
    assert_close(frechet_distance(mu1, s1, mu2, s2), frechet_distance(mu2, s2, mu1, s1))
    assert frechet_distance(mu1.float(), s1.float(), mu2.float(), s2.float()).dtype == torch.float64


def test_gaussian_statistics_match_numpy():
    X = torch.randn(50, 6, generator=torch.Generator().manual_seed(0))
    mu, sigma = gaussian_statistics(X)
    assert_close(mu, torch.from_numpy(X.double().numpy().mean(axis=0)))
    assert_close(sigma, torch.from_numpy(np.cov(X.double().numpy(), rowvar=False)))
    assert_close(sigma, torch.cov(X.double().T))


def test_feature_frechet_distance():
    gen = torch.Generator().manual_seed(0)
    A = torch.randn(2000, 3, generator=gen, dtype=torch.float64)
    B = torch.randn(2000, 3, generator=gen, dtype=torch.float64)
    assert feature_frechet_distance(A, B).item() < 0.02  # same distribution: near 0
    far = feature_frechet_distance(A, B + torch.tensor([2.0, 0.0, 0.0], dtype=torch.float64)).item()
    assert far == pytest.approx(4.0, abs=0.2)
    mu_a, s_a = A.mean(0).numpy(), np.cov(A.numpy(), rowvar=False)
    mu_b, s_b = B.mean(0).numpy(), np.cov(B.numpy(), rowvar=False)
    assert feature_frechet_distance(A, B).item() == pytest.approx(_scipy_frechet(mu_a, s_a, mu_b, s_b),
                                                                   rel=1e-6, abs=1e-9)


def test_errors():
    eye = torch.eye(3, dtype=torch.float64)
    mu = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="square matrix"):
        sqrtm_psd(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="symmetric"):
        sqrtm_psd(torch.tensor([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"mu1 of shape \(D,\)"):
        frechet_distance(eye, eye, mu, eye)
    with pytest.raises(ValueError, match="sigma2 to be a square matrix"):
        frechet_distance(mu, eye, mu, torch.zeros(3))
    with pytest.raises(ValueError, match="dimensions differ"):
        frechet_distance(mu, eye, torch.zeros(2), torch.eye(2))
    with pytest.raises(ValueError, match="N >= 2"):
        gaussian_statistics(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="same feature extractor"):
        feature_frechet_distance(torch.zeros(5, 3), torch.zeros(5, 4))
