"""dl_lib.generative.vae against torch.distributions and F.binary_cross_entropy_with_logits, in float64."""

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence
from torch.testing import assert_close

from dl_lib.generative import gaussian_kl, negative_elbo, reparameterize

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _random(*shape, seed=0, scale=1.0):
    generator = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(shape, generator=generator, dtype=torch.float64)).requires_grad_()


@pytest.mark.parametrize("shape", [(5, 3), (4,), (2, 3, 6)])
def test_reparameterize_matches_normal_rsample_values_and_gradients(shape):
    mu, logvar = _random(*shape, seed=1), _random(*shape, seed=2)
    eps = _random(*shape, seed=3).detach()
    ours = reparameterize(mu, logvar, eps)
    normal = Normal(mu, torch.exp(0.5 * logvar))
    ref = normal.mean + normal.stddev * eps  # what rsample computes from the same noise
    assert_close(ours, ref, **TOL)
    upstream = _random(*shape, seed=4).detach()
    for g_ours, g_ref in zip(torch.autograd.grad(ours, [mu, logvar], upstream, retain_graph=True),
                             torch.autograd.grad(ref, [mu, logvar], upstream), strict=True):
        assert_close(g_ours, g_ref, **TOL)
    # the local derivatives of the trick: dz/dmu = 1, dz/dlogvar = sigma * eps / 2
    g_mu, g_logvar = torch.autograd.grad(ours.sum(), [mu, logvar])
    assert_close(g_mu, torch.ones_like(mu), **TOL)
    assert_close(g_logvar, 0.5 * torch.exp(0.5 * logvar.detach()) * eps, **TOL)


def test_reparameterize_matches_rsample_with_the_same_seed():
    mu, logvar = _random(3, 4, seed=1).detach(), _random(3, 4, seed=2).detach()
    torch.manual_seed(7)
    ref = Normal(mu, torch.exp(0.5 * logvar)).rsample()
    torch.manual_seed(7)
    assert_close(reparameterize(mu, logvar), ref, **TOL)


def test_reparameterize_draws_the_right_mean_and_variance():
    mu = torch.tensor([[-1.0, 0.0, 2.0]], dtype=torch.float64).expand(200_000, 3)
    logvar = torch.log(torch.tensor([[0.25, 1.0, 4.0]], dtype=torch.float64)).expand(200_000, 3)
    z = reparameterize(mu, logvar, generator=torch.Generator().manual_seed(0))
    assert_close(z.mean(0), mu[0], rtol=0, atol=0.02)
    assert_close(z.var(0), torch.tensor([0.25, 1.0, 4.0], dtype=torch.float64), rtol=0.02, atol=0)  # sigma^2, not sigma


def test_reparameterize_with_a_generator_is_repeatable():
    mu, logvar = torch.zeros(2, 3), torch.zeros(2, 3)
    a = reparameterize(mu, logvar, generator=torch.Generator().manual_seed(5))
    b = reparameterize(mu, logvar, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b) and a.dtype == torch.float32


@pytest.mark.parametrize("shape", [(6, 3), (5,), (2, 4, 2)])
def test_gaussian_kl_against_the_standard_normal_matches_kl_divergence(shape):
    mu, logvar = _random(*shape, seed=1), _random(*shape, seed=2)
    ours = gaussian_kl(mu, logvar)
    ref = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)),
                        Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1)
    assert ours.shape == shape[:-1]
    assert_close(ours, ref, **TOL)
    upstream = _random(*ref.shape, seed=4).detach()
    for g_ours, g_ref in zip(torch.autograd.grad(ours, [mu, logvar], upstream),
                             torch.autograd.grad(ref, [mu, logvar], upstream), strict=True):
        assert_close(g_ours, g_ref, **TOL)


def test_gaussian_kl_between_two_gaussians_matches_kl_divergence():
    mu, logvar = _random(7, 5, seed=1), _random(7, 5, seed=2)
    prior_mu, prior_logvar = _random(5, seed=3), _random(7, 5, seed=4)  # one broadcast, one full
    ours = gaussian_kl(mu, logvar, prior_mu, prior_logvar)
    ref = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)),
                        Normal(prior_mu, torch.exp(0.5 * prior_logvar))).sum(-1)
    assert_close(ours, ref, **TOL)
    leaves = [mu, logvar, prior_mu, prior_logvar]
    for g_ours, g_ref in zip(torch.autograd.grad(ours.sum(), leaves), torch.autograd.grad(ref.sum(), leaves),
                             strict=True):
        assert_close(g_ours, g_ref, **TOL)


def test_gaussian_kl_is_zero_for_equal_gaussians_and_positive_otherwise():
    mu, logvar = _random(4, 3, seed=1).detach(), _random(4, 3, seed=2).detach()
    assert_close(gaussian_kl(mu, logvar, mu, logvar), torch.zeros(4, dtype=torch.float64), **TOL)
    assert_close(gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(2))
    assert (gaussian_kl(mu, logvar) > 0).all()
    # by hand: mu = 1, sigma^2 = 1 in one dimension gives 0.5 * mu^2 = 0.5
    assert gaussian_kl(torch.ones(1, 1), torch.zeros(1, 1)).item() == pytest.approx(0.5)


@pytest.mark.parametrize("beta", [0.0, 1.0, 4.0])
def test_negative_elbo_matches_torch(beta):
    N, D, d = 6, 10, 3
    logits, mu, logvar = _random(N, D, seed=1), _random(N, d, seed=2), _random(N, d, seed=3)
    X = torch.rand(N, D, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    X[0, :4] = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=torch.float64)  # binary pixels too
    loss, reconstruction, kl = negative_elbo(logits, X, mu, logvar, beta=beta)
    ref_reconstruction = F.binary_cross_entropy_with_logits(logits, X, reduction="sum") / N
    ref_kl = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum() / N
    ref_loss = ref_reconstruction + beta * ref_kl
    assert loss.shape == reconstruction.shape == kl.shape == ()
    assert_close(reconstruction, ref_reconstruction, **TOL)
    assert_close(kl, ref_kl, **TOL)
    assert_close(loss, ref_loss, **TOL)
    leaves = [logits, mu, logvar]
    for g_ours, g_ref in zip(torch.autograd.grad(loss, leaves), torch.autograd.grad(ref_loss, leaves), strict=True):
        assert_close(g_ours, g_ref, **TOL)


def test_negative_elbo_sums_over_dimensions_and_averages_over_the_batch():
    logits, X = torch.zeros(2, 4), torch.ones(2, 4)
    mu, logvar = torch.zeros(2, 3), torch.zeros(2, 3)
    loss, reconstruction, kl = negative_elbo(logits, X, mu, logvar)
    # every pixel predicted with probability 1/2: log 2 nats each, 4 pixels per example
    assert reconstruction.item() == pytest.approx(4 * torch.log(torch.tensor(2.0)).item())
    assert kl.item() == 0.0 and loss.item() == pytest.approx(reconstruction.item())
    doubled = negative_elbo(torch.zeros(4, 4), torch.ones(4, 4), torch.zeros(4, 3), torch.zeros(4, 3))[0]
    assert doubled.item() == pytest.approx(loss.item()), "the batch size must not change the per-example loss"


def test_errors_name_the_problem():
    mu = torch.zeros(2, 3)
    with pytest.raises(ValueError, match="mu and logvar of the same shape"):
        reparameterize(mu, torch.zeros(2, 4))
    with pytest.raises(ValueError, match="eps of the shape of mu"):
        reparameterize(mu, mu, eps=torch.zeros(3, 2))
    with pytest.raises(TypeError, match="floating-point"):
        gaussian_kl(torch.zeros(2, 3, dtype=torch.long), mu)
    with pytest.raises(TypeError, match="expects tensors"):
        gaussian_kl([0.0, 1.0], mu)
    with pytest.raises(ValueError, match="got a scalar"):
        gaussian_kl(torch.tensor(0.0), torch.tensor(0.0))
    with pytest.raises(ValueError, match="prior_mu broadcastable"):
        gaussian_kl(mu, mu, prior_mu=torch.zeros(4))
    X = torch.full((2, 5), 0.5)
    with pytest.raises(ValueError, match="logits and X of one shape"):
        negative_elbo(torch.zeros(2, 4), X, mu, mu)
    with pytest.raises(ValueError, match=r"X in \[0, 1\]"):
        negative_elbo(torch.zeros(2, 5), 255 * X, mu, mu)
    with pytest.raises(ValueError, match="beta >= 0"):
        negative_elbo(torch.zeros(2, 5), X, mu, mu, beta=-1.0)
    with pytest.raises(ValueError, match=r"mu of shape \(2, latent_dim\)"):
        negative_elbo(torch.zeros(2, 5), X, torch.zeros(3, 3), torch.zeros(3, 3))
