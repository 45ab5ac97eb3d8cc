"""dl_lib.generative.gan against PyTorch's binary cross-entropy: values and gradients in float64."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.generative import (
    discriminator_loss,
    gan_step,
    generator_loss,
    mode_counts,
    modes_covered,
    ring_of_gaussians,
)

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _logits(*shape, seed=0, scale=3.0):
    gen = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(*shape, generator=gen, dtype=torch.float64)).requires_grad_()


def _same_value_and_grads(ours, ref, leaves):
    assert_close(ours, ref, **TOL)
    for g_ours, g_ref in zip(torch.autograd.grad(ours, leaves, retain_graph=True),
                             torch.autograd.grad(ref, leaves), strict=True):
        assert_close(g_ours, g_ref, **TOL)


@pytest.mark.parametrize("shape_real, shape_fake", [((16, 1), (16, 1)), ((7,), (12,)), ((1,), (1,))])
def test_discriminator_loss_is_bce_with_logits_real_one_fake_zero(shape_real, shape_fake):
    real, fake = _logits(*shape_real, seed=1), _logits(*shape_fake, seed=2)
    ref = (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
           + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
    _same_value_and_grads(discriminator_loss(real, fake), ref, [real, fake])


def test_non_saturating_generator_loss_is_bce_with_logits_target_one():
    fake = _logits(32, 1, seed=3)
    for ours in (generator_loss(fake), generator_loss(fake, "non_saturating")):
        ref = F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
        _same_value_and_grads(ours, ref, [fake])


def test_minimax_generator_loss_is_minus_the_discriminators_fake_term():
    fake = _logits(32, 1, seed=4)
    ref = -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    _same_value_and_grads(generator_loss(fake, "minimax"), ref, [fake])
    # and, where it is finite, the textbook formula mean log(1 - D(G(z)))
    assert_close(generator_loss(fake, "minimax"), torch.log1p(-torch.sigmoid(fake)).mean(), **TOL)


def test_losses_at_the_equilibrium():
    zero = torch.zeros(10, dtype=torch.float64)  # D(x) = 1/2 everywhere
    assert_close(discriminator_loss(zero, zero), torch.tensor(2 * math.log(2), dtype=torch.float64))
    assert_close(generator_loss(zero), torch.tensor(math.log(2), dtype=torch.float64))
    assert_close(generator_loss(zero, "minimax"), torch.tensor(-math.log(2), dtype=torch.float64))


def test_minimax_saturates_where_non_saturating_does_not():
    confident_reject = torch.tensor([-20.0], dtype=torch.float64, requires_grad=True)
    (g_minimax,) = torch.autograd.grad(generator_loss(confident_reject, "minimax"), confident_reject)
    (g_ns,) = torch.autograd.grad(generator_loss(confident_reject), confident_reject)
    assert abs(g_minimax.item()) < 1e-8  # -sigmoid(-20)
    assert_close(g_ns, torch.tensor([-1.0], dtype=torch.float64), rtol=0, atol=1e-8)  # -(1 - sigmoid(-20))


def test_losses_stay_finite_on_extreme_logits():
    extreme = torch.tensor([-1000.0, 1000.0], dtype=torch.float64)
    for value in (discriminator_loss(extreme, extreme), generator_loss(extreme),
                  generator_loss(extreme, "minimax")):
        assert torch.isfinite(value)
    assert_close(discriminator_loss(extreme, extreme), torch.tensor(1000.0, dtype=torch.float64))


def test_loss_errors():
    good = torch.zeros(4)
    with pytest.raises(ValueError, match="kind must be one of"):
        generator_loss(good, "saturating")
    with pytest.raises(TypeError, match="floating-point tensor of logits"):
        discriminator_loss(torch.ones(4, dtype=torch.long), good)
    with pytest.raises(TypeError, match="fake_logits must be"):
        generator_loss([0.0, 1.0])
    with pytest.raises(ValueError, match="fake_logits is empty"):
        discriminator_loss(good, torch.zeros(0))


def _toy_models(seed=0):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2)).double()
    D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)).double()
    return G, D


@pytest.mark.parametrize("kind", ["non_saturating", "minimax"])
def test_gan_step_matches_a_hand_written_step(kind):
    real = torch.randn(16, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    G, D = _toy_models()
    G_ref, D_ref = _toy_models()
    opt = lambda m: torch.optim.SGD(m.parameters(), lr=0.1)  # noqa: E731
    g_opt, d_opt, g_opt_ref, d_opt_ref = opt(G), opt(D), opt(G_ref), opt(D_ref)

    torch.manual_seed(123)
    d_loss, g_loss = gan_step(G, D, real, g_opt, d_opt, latent_dim=3, kind=kind)

    torch.manual_seed(123)
    z = torch.randn(16, 3, dtype=torch.float64)  # the noise gan_step draws, in the batch's dtype
    fake = G_ref(z)
    ones, zeros = torch.ones(16, 1, dtype=torch.float64), torch.zeros(16, 1, dtype=torch.float64)
    d_loss_ref = (F.binary_cross_entropy_with_logits(D_ref(real), ones)
                  + F.binary_cross_entropy_with_logits(D_ref(fake.detach()), zeros))
    d_opt_ref.zero_grad()
    d_loss_ref.backward()
    d_opt_ref.step()
    logits = D_ref(fake)
    g_loss_ref = (F.binary_cross_entropy_with_logits(logits, ones) if kind == "non_saturating"
                  else -F.binary_cross_entropy_with_logits(logits, zeros))
    g_opt_ref.zero_grad()
    g_loss_ref.backward()
    g_opt_ref.step()

    assert d_loss == pytest.approx(d_loss_ref.item(), rel=1e-6)
    assert g_loss == pytest.approx(g_loss_ref.item(), rel=1e-6)
    for ours, ref in zip(list(G.parameters()) + list(D.parameters()),
                         list(G_ref.parameters()) + list(D_ref.parameters()), strict=True):
        assert_close(ours, ref, **TOL)


def test_gan_step_errors():
    G, D = _toy_models()
    opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.1), torch.optim.SGD(D.parameters(), lr=0.1)
    real = torch.zeros(4, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        gan_step(G, D, real, opt_g, opt_d, latent_dim=0)
    with pytest.raises(ValueError, match="kind must be one of"):
        gan_step(G, D, real, opt_g, opt_d, latent_dim=3, kind="wasserstein")
    with pytest.raises(ValueError, match=r"generator made a batch of shape \(4, 2\)"):
        gan_step(G, D, torch.zeros(4, 5, dtype=torch.float64), opt_g, opt_d, latent_dim=3)


def test_ring_of_gaussians():
    X, centers = ring_of_gaussians(4000, num_modes=8, radius=2.0, std=0.05,
                                   generator=torch.Generator().manual_seed(0))
    assert X.shape == (4000, 2) and centers.shape == (8, 2)
    assert_close(centers.norm(dim=1), torch.full((8,), 2.0))
    counts = mode_counts(X, centers, max_distance=3 * 0.05)
    assert counts.shape == (8,) and counts.dtype == torch.int64
    assert counts.sum() > 0.97 * 4000  # 3 std in 2-D holds 98.9% of a Gaussian
    assert counts.min() > 400  # every mode gets about 500
    X2, _ = ring_of_gaussians(10, generator=torch.Generator().manual_seed(0))
    X3, _ = ring_of_gaussians(10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(X2, X3)
    with pytest.raises(ValueError, match="num_modes must be an integer >= 1"):
        ring_of_gaussians(10, num_modes=0)
    with pytest.raises(ValueError, match="radius and std must be > 0"):
        ring_of_gaussians(10, std=0.0)


def test_mode_counts_by_hand():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    samples = torch.tensor([[0.1, 0.0], [0.0, -0.2], [9.9, 0.1], [5.0, 5.0], [0.0, 10.5]])
    assert mode_counts(samples, centers, max_distance=0.3).tolist() == [2, 1, 0]  # (5, 5) is nowhere
    assert mode_counts(samples, centers, max_distance=0.6).tolist() == [2, 1, 1]
    assert modes_covered(samples, centers, max_distance=0.6) == 3
    assert modes_covered(samples, centers, max_distance=0.6, min_count=2) == 1
    assert modes_covered(samples, centers, max_distance=0.3) == 2
    # a sample between two modes counts only for its nearest one, never twice
    assert mode_counts(torch.tensor([[4.0, 0.0]]), centers, max_distance=7.0).tolist() == [1, 0, 0]


def test_mode_counts_errors():
    centers = torch.zeros(3, 2)
    with pytest.raises(ValueError, match="samples \\(N, D\\) and centers \\(K, D\\)"):
        mode_counts(torch.zeros(5, 3), centers, 1.0)
    with pytest.raises(ValueError, match="max_distance must be > 0"):
        mode_counts(torch.zeros(5, 2), centers, 0.0)
    with pytest.raises(ValueError, match="min_count must be an integer >= 1"):
        modes_covered(torch.zeros(5, 2), centers, 1.0, min_count=0)
