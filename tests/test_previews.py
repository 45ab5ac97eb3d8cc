"""dl_lib.previews against independent computations: networkx, scipy, NumPy loops and torch.nn."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import scipy.signal
import scipy.stats
import torch
from torch import nn
from torch.testing import assert_close

from dl_lib.previews import (
    GraphConv,
    PowerLaw,
    diffusion_sample,
    discounted_returns,
    energy_distance,
    fit_power_law,
    graph_conv,
    linear_beta_schedule,
    noise_data,
    normalized_adjacency,
    reinforce_loss,
)

TOL = {"atol": 1e-6, "rtol": 1e-6}


# ---------------------------------------------------------------- diffusion


def test_linear_beta_schedule_endpoints_and_bad_input():
    betas = linear_beta_schedule(5, 0.1, 0.5)
    assert_close(betas, torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5], dtype=torch.float64))
    with pytest.raises(ValueError, match="num_steps must be an int >= 1"):
        linear_beta_schedule(0)
    with pytest.raises(ValueError, match="beta_start <= beta_end < 1"):
        linear_beta_schedule(10, 0.3, 0.1)


def test_noise_data_matches_step_by_step_noising_in_distribution():
    """One jump to step t has the mean and variance of t+1 single noising steps."""
    betas = linear_beta_schedule(4, 0.1, 0.4)
    x0 = torch.full((200_000, 1), 2.0, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    x = x0.clone()
    for beta in betas:  # x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) z
        x = math.sqrt(1 - beta) * x + math.sqrt(beta) * torch.randn(x.shape, generator=gen, dtype=torch.float64)
    t = torch.full((len(x0),), 3)
    jumped = noise_data(x0, t, betas, torch.randn(x0.shape, generator=gen, dtype=torch.float64))
    alpha_bar = float(np.prod(1 - betas.numpy()))
    assert abs(jumped.mean() - 2 * math.sqrt(alpha_bar)) < 0.01
    assert abs(x.mean() - jumped.mean()) < 0.01 and abs(x.var() - jumped.var()) < 0.01


def test_noise_data_exact_formula_per_example():
    betas = torch.tensor([0.1, 0.2], dtype=torch.float64)
    x0 = torch.tensor([[1.0, -1.0], [3.0, 0.5]], dtype=torch.float64)
    noise = torch.tensor([[0.5, 0.5], [-1.0, 2.0]], dtype=torch.float64)
    out = noise_data(x0, torch.tensor([0, 1]), betas, noise)
    ab = [0.9, 0.9 * 0.8]
    expected = torch.stack([math.sqrt(ab[i]) * x0[i] + math.sqrt(1 - ab[i]) * noise[i] for i in range(2)])
    assert_close(out, expected, **TOL)


def test_noise_data_bad_input():
    betas = linear_beta_schedule(10)
    x0 = torch.zeros(3, 2)
    with pytest.raises(ValueError, match="x0 of shape"):
        noise_data(x0, torch.zeros(3, dtype=torch.long), betas, torch.zeros(3, 3))
    with pytest.raises(ValueError, match="integer steps"):
        noise_data(x0, torch.zeros(3), betas, torch.zeros(3, 2))
    with pytest.raises(ValueError, match=r"steps must lie in \[0, 10\)"):
        noise_data(x0, torch.tensor([0, 5, 10]), betas, torch.zeros(3, 2))


def test_diffusion_sample_with_the_exact_denoiser_of_a_gaussian():
    """For data N(m, s^2) the best noise prediction is known in closed form; sampling must recover the data."""
    m, s = 3.0, 0.5
    betas = linear_beta_schedule(100, 1e-4, 0.2)  # alpha_bar_T ~ 5e-5: x_T is pure noise
    alpha_bars = torch.cumprod(1 - betas, 0)

    def exact(x, t):  # E[eps | x_t] when x_0 ~ N(m, s^2)
        ab = alpha_bars[t].to(x)[:, None]
        var = ab * s**2 + 1 - ab
        return (1 - ab).sqrt() * (x - ab.sqrt() * m) / var

    samples = diffusion_sample(exact, 20_000, 1, betas, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (20_000, 1)
    assert abs(samples.mean().item() - m) < 0.05 and abs(samples.std().item() - s) < 0.05
    with pytest.raises(ValueError, match="num_samples and dim must be >= 1"):
        diffusion_sample(exact, 0, 1, betas)


def test_energy_distance_matches_scipy_in_1d_and_a_loop_in_2d():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=40), rng.normal(1.0, 2.0, size=30)
    ours = energy_distance(torch.tensor(a)[:, None], torch.tensor(b)[:, None])
    assert abs(ours - scipy.stats.energy_distance(a, b)) < 1e-9
    X, Y = rng.normal(size=(12, 2)), rng.normal(size=(9, 2)) + 0.5

    def mean_dist(P, Q):
        return np.mean([np.linalg.norm(p - q) for p in P for q in Q])

    expected = math.sqrt(2 * mean_dist(X, Y) - mean_dist(X, X) - mean_dist(Y, Y))
    assert abs(energy_distance(torch.tensor(X), torch.tensor(Y)) - expected) < 1e-9
    assert energy_distance(torch.tensor(X), torch.tensor(X)) == 0.0
    with pytest.raises(ValueError, match=r"shapes \(N, D\) and \(M, D\)"):
        energy_distance(torch.zeros(3, 2), torch.zeros(3, 3))


# ---------------------------------------------------------------- graphs


def test_normalized_adjacency_matches_networkx_laplacian():
    G = nx.karate_club_graph()
    A = torch.tensor(nx.to_numpy_array(G, weight=None), dtype=torch.float64)
    H = G.copy()
    H.add_edges_from((v, v) for v in H)  # A + I
    laplacian = nx.normalized_laplacian_matrix(H, weight=None).toarray()  # I - D^-1/2 (A+I) D^-1/2
    expected = torch.tensor(np.eye(len(H)) - laplacian)
    assert_close(normalized_adjacency(A), expected, **TOL)


def test_normalized_adjacency_bad_input():
    with pytest.raises(ValueError, match="square matrix"):
        normalized_adjacency(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="symmetric"):
        normalized_adjacency(torch.tensor([[0.0, 1.0], [0.0, 0.0]]))


def test_graph_conv_equals_explicit_message_passing_and_nn_linear():
    torch.manual_seed(0)
    G = nx.karate_club_graph()
    A = torch.tensor(nx.to_numpy_array(G, weight=None), dtype=torch.float64)
    A_hat = normalized_adjacency(A)
    layer = GraphConv(5, 3).double()
    X = torch.randn(len(A), 5, dtype=torch.float64, requires_grad=True)
    out = layer(X, A_hat)
    # each node: its own and its neighbours' messages, each divided by sqrt(d_i d_j), degrees with self-loops
    linear = nn.Linear(5, 3).double()
    linear.load_state_dict({"weight": layer.weight, "bias": layer.bias})
    deg = {v: G.degree(v) + 1 for v in G}
    rows = []
    for i in G:
        msgs = [(linear(X[j]) - linear.bias) / math.sqrt(deg[i] * deg[j]) for j in [i, *G.neighbors(i)]]
        rows.append(torch.stack(msgs).sum(0) + linear.bias)
    expected = torch.stack(rows)
    assert_close(out, expected, **TOL)
    grad_ours = torch.autograd.grad(out.square().sum(), X)[0]
    grad_ref = torch.autograd.grad(expected.square().sum(), X)[0]
    assert_close(grad_ours, grad_ref, **TOL)
    assert_close(graph_conv(X, A_hat, layer.weight), out - layer.bias, **TOL)
    with pytest.raises(ValueError, match=r"A_hat of shape \(N, N\)"):
        graph_conv(X, A_hat[:5], layer.weight)


# ---------------------------------------------------------------- policy gradient


def test_discounted_returns_match_scipy_filter():
    rewards = np.array([0.0, -1.0, 2.0, 0.5, 3.0])
    gamma = 0.9
    expected = scipy.signal.lfilter([1.0], [1.0, -gamma], rewards[::-1])[::-1]
    assert_close(discounted_returns(torch.tensor(rewards), gamma), torch.tensor(expected.copy()), **TOL)
    assert_close(discounted_returns(torch.tensor(rewards), 0.0), torch.tensor(rewards))
    assert discounted_returns(torch.zeros(0), 0.5).shape == (0,)
    with pytest.raises(ValueError, match=r"gamma must lie in \[0, 1\]"):
        discounted_returns(torch.tensor(rewards), 1.5)
    with pytest.raises(ValueError, match=r"rewards of shape \(T,\)"):
        discounted_returns(torch.zeros(2, 2), 0.5)


def test_reinforce_loss_gradient_is_the_policy_gradient():
    """For a softmax policy, d log pi(a) / d logits = onehot(a) - pi: the loss's gradient must be minus its sum."""
    logits = torch.tensor([[0.2, -0.3, 1.0], [0.0, 0.5, -1.0]], dtype=torch.float64, requires_grad=True)
    actions = torch.tensor([2, 0])
    returns = torch.tensor([1.5, -0.5], dtype=torch.float64)
    log_probs = torch.log_softmax(logits, dim=1)[torch.arange(2), actions]
    loss = reinforce_loss(log_probs, returns, baseline=0.5)
    loss.backward()
    probs = torch.softmax(logits.detach(), dim=1)
    onehot = torch.nn.functional.one_hot(actions, 3).double()
    expected = -((returns - 0.5)[:, None] * (onehot - probs))
    assert_close(logits.grad, expected, **TOL)
    assert_close(loss.detach(), -(log_probs.detach() * (returns - 0.5)).sum(), **TOL)
    with pytest.raises(ValueError, match="same shape"):
        reinforce_loss(log_probs, returns[:1])


# ---------------------------------------------------------------- scaling laws


def test_fit_power_law_matches_scipy_linregress_and_recovers_an_exact_law():
    x = torch.tensor([10.0, 30.0, 100.0, 300.0, 1000.0], dtype=torch.float64)
    law = fit_power_law(x, 5.0 * x ** -0.4)
    assert abs(law.exponent - 0.4) < 1e-9 and abs(law.coefficient - 5.0) < 1e-9 and law.r_squared > 1 - 1e-12
    assert_close(torch.as_tensor(law(x)), 5.0 * x.double() ** -0.4, **TOL)
    rng = np.random.default_rng(0)
    y = 2.0 * x.numpy() ** -0.7 * np.exp(rng.normal(0, 0.1, size=5))
    ref = scipy.stats.linregress(np.log(x.numpy()), np.log(y))
    noisy = fit_power_law(x, torch.tensor(y))
    assert isinstance(noisy, PowerLaw)
    assert abs(noisy.exponent + ref.slope) < 1e-9 and abs(math.log(noisy.coefficient) - ref.intercept) < 1e-9
    assert abs(noisy.r_squared - ref.rvalue**2) < 1e-9


def test_fit_power_law_bad_input():
    with pytest.raises(ValueError, match="must be positive"):
        fit_power_law(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="K >= 2"):
        fit_power_law(torch.tensor([1.0]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match="two distinct values"):
        fit_power_law(torch.tensor([2.0, 2.0]), torch.tensor([1.0, 3.0]))
