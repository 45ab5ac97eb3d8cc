r"""Small, complete versions of four ideas beyond the book (chapter 23).

Each piece is the core of a field in a few lines: the forward noising and the
sampling loop of a denoising diffusion model, with a distance between two samples to
judge it; the normalized adjacency and the graph convolution of a graph network; the
discounted returns and the loss of the REINFORCE policy gradient; and a power law
fitted on a log-log plot, as scaling laws are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

__all__ = [
    "GraphConv",
    "PowerLaw",
    "diffusion_sample",
    "discounted_returns",
    "energy_distance",
    "fit_power_law",
    "graph_conv",
    "linear_beta_schedule",
    "noise_data",
    "normalized_adjacency",
    "reinforce_loss",
]


# ---------------------------------------------------------------- diffusion


def linear_beta_schedule(
    num_steps: int, beta_start: float = 1e-4, beta_end: float = 0.02
) -> Tensor:
    r"""The noise variances $\beta_1, \dots, \beta_T$ of DDPM, evenly spaced.

    Returns a float64 tensor of shape ``(num_steps,)``. With $\alpha_t = 1 - \beta_t$
    and $\bar\alpha_t = \prod_{s \le t} \alpha_s$, the noised sample at step $t$ is
    $x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon$.
    """
    if not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(
            f"linear_beta_schedule: num_steps must be an int >= 1, got {num_steps!r}"
        )
    if not 0 < beta_start <= beta_end < 1:
        raise ValueError(
            "linear_beta_schedule: need 0 < beta_start <= beta_end < 1, "
            f"got beta_start={beta_start}, beta_end={beta_end}"
        )
    return torch.linspace(beta_start, beta_end, num_steps, dtype=torch.float64)


def noise_data(x0: Tensor, t: Tensor, betas: Tensor, noise: Tensor) -> Tensor:
    r"""The forward process in one jump to step $t$.

    $$x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon$$

    Args:
        x0: clean data, shape ``(N, D)``.
        t: the step of each example, integers in ``[0, T)`` (step 0 is the first noising
            step), shape ``(N,)``.
        betas: the schedule, shape ``(T,)``.
        noise: standard normal noise $\varepsilon$, the shape of ``x0``.

    Returns:
        $x_t$, shape ``(N, D)``, the dtype of ``x0``.
    """
    if x0.dim() != 2 or noise.shape != x0.shape:
        raise ValueError(
            f"noise_data expects x0 of shape (N, D) and noise of the same shape, "
            f"got {tuple(x0.shape)} and {tuple(noise.shape)}"
        )
    if t.shape != (len(x0),) or t.dtype not in (torch.int32, torch.int64):
        raise ValueError(
            f"noise_data expects t: integer steps of shape ({len(x0)},), "
            f"got {t.dtype} of shape {tuple(t.shape)}"
        )
    if len(t) and (t.min() < 0 or t.max() >= len(betas)):
        raise ValueError(
            f"noise_data: steps must lie in [0, {len(betas)}), "
            f"got [{t.min().item()}, {t.max().item()}]"
        )
    alpha_bar = torch.cumprod(1 - betas.double(), dim=0).to(x0)[t.to(x0.device)]  # (N,)
    return alpha_bar.sqrt()[:, None] * x0 + (1 - alpha_bar).sqrt()[:, None] * noise


@torch.no_grad()
def diffusion_sample(
    denoiser: Callable[[Tensor, Tensor], Tensor],
    num_samples: int,
    dim: int,
    betas: Tensor,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> Tensor:
    r"""Draw samples by running the learned reverse process from pure noise (DDPM).

    From $x_T \sim \mathcal N(0, I)$, for $t = T, \dots, 1$:

    $$x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}
    {\sqrt{1 - \bar\alpha_t}}\,\hat\varepsilon(x_t, t)\Big) + \sqrt{\beta_t}\, z,
    \qquad z \sim \mathcal N(0, I),$$

    with no noise added at the last step.

    Args:
        denoiser: predicts the noise, ``denoiser(x_t, t) -> (N, dim)``, ``t`` of shape
            ``(N,)``
            with the 0-based step index.
        num_samples: how many points to draw.
        dim: the dimension of a point.
        betas: the schedule the denoiser was trained with, shape ``(T,)``.
        generator: for reproducible noise (a CPU generator).
        device: where to run the denoiser.

    Returns:
        Samples $x_0$, float32, shape ``(num_samples, dim)``, on ``device``.
    """
    if num_samples < 1 or dim < 1:
        raise ValueError(
            "diffusion_sample: num_samples and dim must be >= 1, "
            f"got {num_samples}, {dim}"
        )
    betas = betas.double()
    alphas = 1 - betas
    alpha_bars = torch.cumprod(alphas, dim=0)
    x = torch.randn(num_samples, dim, generator=generator).to(device)
    for t in reversed(range(len(betas))):
        steps = torch.full((num_samples,), t, dtype=torch.long, device=device)
        eps_hat = denoiser(x, steps)
        x = (
            x - betas[t].item() / math.sqrt(1 - alpha_bars[t].item()) * eps_hat
        ) / math.sqrt(alphas[t].item())
        if t > 0:
            x = x + math.sqrt(betas[t].item()) * torch.randn(
                num_samples, dim, generator=generator
            ).to(x)
    return x


def energy_distance(X: Tensor, Y: Tensor) -> float:
    r"""The energy distance between two samples (Székely and Rizzo).

    $$D(X, Y) = \big(2\,\mathbb E\|x - y\| - \mathbb E\|x - x'\|
    - \mathbb E\|y - y'\|\big)^{1/2},$$

    every expectation over all pairs of the samples (the same definition as
    ``scipy.stats.energy_distance``, which is for 1-D samples only). It is zero when the
    two distributions are equal and grows as they differ, in the units of the data.

    Args:
        X: shape ``(N, D)``; Y: shape ``(M, D)``.
    """
    if (
        X.dim() != 2
        or Y.dim() != 2
        or X.shape[1] != Y.shape[1]
        or not len(X)
        or not len(Y)
    ):
        raise ValueError(
            f"energy_distance expects samples of shapes (N, D) and (M, D), "
            f"got {tuple(X.shape)} and {tuple(Y.shape)}"
        )
    X, Y = X.double(), Y.double().to(X.device)
    between = torch.cdist(X, Y).mean()
    within = torch.cdist(X, X).mean() + torch.cdist(Y, Y).mean()
    return math.sqrt(max((2 * between - within).item(), 0.0))


# ---------------------------------------------------------------- graphs


def normalized_adjacency(A: Tensor) -> Tensor:
    r"""The normalized adjacency of a graph convolution (Kipf and Welling, 2017).

    $$\hat A = \tilde D^{-1/2} (A + I) \tilde D^{-1/2}$$

    $\tilde D$ is the diagonal matrix of the degrees of $A + I$.

    Args:
        A: a symmetric adjacency matrix without self-loops, shape ``(N, N)``,
            entries >= 0.

    Returns:
        $\hat A$, shape ``(N, N)``, the dtype of ``A``.
    """
    if A.dim() != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(
            f"normalized_adjacency expects a square matrix (N, N), got {tuple(A.shape)}"
        )
    if (A < 0).any() or not torch.equal(A, A.T):
        raise ValueError(
            "normalized_adjacency expects a symmetric matrix with entries >= 0"
        )
    A_tilde = A + torch.eye(
        len(A), dtype=A.dtype, device=A.device
    )  # every node hears itself too
    d_inv_sqrt = A_tilde.sum(dim=1).rsqrt()  # (N,)
    return d_inv_sqrt[:, None] * A_tilde * d_inv_sqrt[None, :]


def graph_conv(
    X: Tensor, A_hat: Tensor, weight: Tensor, bias: Tensor | None = None
) -> Tensor:
    r"""One round of message passing: $H = \hat A X W^\top + b$.

    Node $i$'s new features are the normalized sum of its neighbours' (and its own)
    transformed features, $h_i = \sum_j \hat A_{ij} W x_j + b$.

    Args:
        X: node features, shape ``(N, in_features)``.
        A_hat: the normalized adjacency, shape ``(N, N)``.
        weight: shape ``(out_features, in_features)``, as in ``nn.Linear``.
        bias: shape ``(out_features,)``.

    Returns:
        Shape ``(N, out_features)``.
    """
    if X.dim() != 2 or A_hat.shape != (len(X), len(X)):
        raise ValueError(
            f"graph_conv expects X of shape (N, F) and A_hat of shape (N, N), "
            f"got {tuple(X.shape)} and {tuple(A_hat.shape)}"
        )
    messages = X @ weight.T  # (N, out): each node's message, sent to its neighbours
    H = A_hat @ messages  # (N, out): each node sums what its neighbours sent
    return H if bias is None else H + bias


class GraphConv(nn.Module):
    r"""A graph convolution layer: :func:`graph_conv` with a learned weight and bias."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        linear = nn.Linear(
            in_features, out_features, bias=bias
        )  # PyTorch's initialization
        self.weight = linear.weight
        self.bias = linear.bias

    def forward(self, X: Tensor, A_hat: Tensor) -> Tensor:
        return graph_conv(X, A_hat, self.weight, self.bias)


# ---------------------------------------------------------------- policy gradient


def discounted_returns(rewards: Tensor, gamma: float) -> Tensor:
    r"""The return from each step of an episode: $G_t = r_t + \gamma\, G_{t+1}$.

    Args:
        rewards: the rewards of one episode, shape ``(T,)``.
        gamma: the discount, in ``[0, 1]``.

    Returns:
        $G_0, \dots, G_{T-1}$, shape ``(T,)``.
    """
    if rewards.dim() != 1:
        raise ValueError(
            "discounted_returns expects rewards of shape (T,), "
            f"got {tuple(rewards.shape)}"
        )
    if not 0 <= gamma <= 1:
        raise ValueError(f"discounted_returns: gamma must lie in [0, 1], got {gamma}")
    returns = torch.zeros_like(rewards)
    running = torch.zeros((), dtype=rewards.dtype, device=rewards.device)
    for t in reversed(
        range(len(rewards))
    ):  # from the end: each return reuses the next one
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def reinforce_loss(
    log_probs: Tensor, returns: Tensor, baseline: float | Tensor = 0.0
) -> Tensor:
    r"""The REINFORCE loss $-\sum_t \log \pi(a_t \mid s_t)\,(G_t - b)$ (Williams, 1992).

    Its gradient is minus the policy-gradient estimate
    $\sum_t (G_t - b)\, \nabla \log \pi(a_t \mid s_t)$, so a descent step on it makes
    the actions that were followed by a return above the baseline $b$ more likely.

    Args:
        log_probs: $\log \pi(a_t \mid s_t)$ of the actions taken, shape ``(T,)``, with
            their autograd graph.
        returns: $G_t$, shape ``(T,)`` (treated as constants).
        baseline: $b$, a number or a tensor broadcastable to ``(T,)`` (constant too).
    """
    if log_probs.dim() != 1 or returns.shape != log_probs.shape:
        raise ValueError(
            f"reinforce_loss expects log_probs and returns of the same shape (T,), "
            f"got {tuple(log_probs.shape)} and {tuple(returns.shape)}"
        )
    advantage = (returns - baseline).detach()  # no gradient flows through the returns
    return -(log_probs * advantage).sum()


# ---------------------------------------------------------------- scaling laws


@dataclass(frozen=True)
class PowerLaw:
    r"""A power law $y = c\, x^{-\alpha}$, the result of :func:`fit_power_law`.

    Calling it evaluates the law at ``x``.
    """

    coefficient: float
    exponent: float
    r_squared: float

    def __call__(self, x: Tensor | float) -> Tensor | float:
        return self.coefficient * x ** (-self.exponent)


def fit_power_law(x: Tensor, y: Tensor) -> PowerLaw:
    r"""Fit $y = c\, x^{-\alpha}$: a straight line through the points on a log-log plot.

    Args:
        x: the sizes (parameters, examples), positive, shape ``(K,)``, with at least
            two distinct values.
        y: the losses, positive, shape ``(K,)``.

    Returns:
        :class:`PowerLaw`: $c$, $\alpha$ (minus the slope) and the $R^2$ of the line.
    """
    x, y = (
        torch.as_tensor(x, dtype=torch.float64),
        torch.as_tensor(y, dtype=torch.float64),
    )
    if x.dim() != 1 or x.shape != y.shape or len(x) < 2:
        raise ValueError(
            f"fit_power_law expects x and y of the same shape (K,), K >= 2, "
            f"got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    if (x <= 0).any() or (y <= 0).any():
        raise ValueError(
            "fit_power_law: x and y must be positive (their logarithms are fitted)"
        )
    u, v = x.log(), y.log()
    u_c, v_c = u - u.mean(), v - v.mean()
    if (u_c**2).sum() == 0:
        raise ValueError("fit_power_law: x needs at least two distinct values")
    slope = (u_c * v_c).sum() / (u_c**2).sum()
    intercept = v.mean() - slope * u.mean()
    residual = v - (intercept + slope * u)
    total = (v_c**2).sum()
    r_squared = 1.0 if total == 0 else 1 - ((residual**2).sum() / total).item()
    return PowerLaw(
        coefficient=intercept.exp().item(), exponent=-slope.item(), r_squared=r_squared
    )
