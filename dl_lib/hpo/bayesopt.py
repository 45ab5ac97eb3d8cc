r"""Bayesian optimisation: a Gaussian process models the objective, expected improvement picks the next trial.

Each step fits a GP (`dl_lib.hpo.gp`) to the trials so far, then evaluates the objective where
the *expected improvement* over the best value yet is largest (Jones, Schonlau & Welch, 1998).
EI is high where the model predicts a high value (exploitation) and where it is unsure
(exploration). Snoek, Larochelle & Adams (2012) made this the standard for tuning networks,
with a Matérn 5/2 kernel. Everything here *maximises* (an accuracy, say). The next point is
chosen among a finite set of candidates, such as a dense grid over the unit cube, which
replaces the inner optimisation of EI by a search over a list.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from dl_lib.hpo.gp import gp_posterior, log_marginal_likelihood, matern52_kernel

__all__ = [
    "bayesian_optimization",
    "BOResult",
    "expected_improvement",
    "fit_kernel",
    "LENGTH_SCALES",
    "NOISES",
    "Proposal",
    "propose",
]

LENGTH_SCALES = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)  # in units of the (unit-cube) inputs
NOISES = (1e-4, 1e-3, 1e-2, 1e-1)  # variances, relative to the standardised values (variance 1)


def expected_improvement(mu: Tensor, sigma: Tensor, best: float, xi: float = 0.0) -> Tensor:
    r"""Expected improvement over ``best`` of a Gaussian :math:`\mathcal{N}(\mu, \sigma^2)`, for maximisation.

    .. math:: \mathrm{EI} = \mathbb{E}\left[\max(f - f^+ - \xi,\ 0)\right]
              = (\mu - f^+ - \xi)\,\Phi(z) + \sigma\,\varphi(z), \qquad z = \frac{\mu - f^+ - \xi}{\sigma},

    with :math:`\Phi, \varphi` the standard normal CDF and density (Jones et al., 1998).
    Where :math:`\sigma = 0` the outcome is certain and EI is :math:`\max(\mu - f^+ - \xi, 0)`.
    The margin :math:`\xi \ge 0` asks for improvements larger than :math:`\xi` (more exploration).

    Args:
        mu, sigma: posterior means and standard deviations (not variances), same shape.
        best: :math:`f^+`, the best value observed so far.
        xi: the margin :math:`\xi`.

    Returns:
        EI, of the shape of ``mu``; always >= 0.
    """
    if mu.shape != sigma.shape:
        raise ValueError(
            f"mu and sigma must have the same shape, got {tuple(mu.shape)} and {tuple(sigma.shape)}"
        )
    if bool((sigma < 0).any()):
        raise ValueError("sigma must be >= 0: pass the standard deviation, not a negative number")
    improvement = mu - best - xi
    positive = sigma > 0
    safe_sigma = torch.where(positive, sigma, torch.ones_like(sigma))  # avoids 0 / 0 where sigma = 0
    z = improvement / safe_sigma
    pdf = torch.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    ei = improvement * torch.special.ndtr(z) + safe_sigma * pdf
    return torch.where(positive, ei, improvement.clamp_min(0)).clamp_min(0)


def fit_kernel(
    X: Tensor, y: Tensor, length_scales: Sequence[float] = LENGTH_SCALES, noises: Sequence[float] = NOISES
) -> tuple[float, float]:
    r"""The Matérn 5/2 length scale and noise variance that maximise the log marginal likelihood.

    A search over the grid ``length_scales`` x ``noises``, on ``y`` as given (standardise it first).

    Returns:
        ``(length_scale, noise)``.
    """
    scores = {}
    for ell in length_scales:
        kernel = functools.partial(matern52_kernel, length_scale=ell)
        for noise in noises:
            scores[ell, noise] = log_marginal_likelihood(X, y, kernel, noise)
    return max(scores, key=lambda key: scores[key].item())


@dataclass
class Proposal:
    """What one step of Bayesian optimisation computed, on every candidate (original units of y)."""

    index: int  # the candidate to evaluate next
    mean: Tensor  # (C,) posterior mean
    std: Tensor  # (C,) posterior standard deviation
    ei: Tensor  # (C,) expected improvement
    length_scale: float
    noise: float


def propose(
    X: Tensor, y: Tensor, candidates: Tensor, xi: float = 0.0, exclude: Sequence[int] = ()
) -> Proposal:
    r"""One step: standardise ``y``, fit the GP's kernel, and pick the candidate of highest EI.

    Args:
        X: inputs tried so far, shape ``(N, d)``, scaled to about the unit cube.
        y: their values, shape ``(N,)``; higher is better.
        candidates: the points to choose from, shape ``(C, d)``.
        xi: EI's margin, in the units of ``y``.
        exclude: candidate indices never to propose (those already tried).

    Returns:
        A `Proposal`.
    """
    center, scale = y.mean(), (y.std() if len(y) > 1 and y.std() > 0 else torch.ones((), dtype=y.dtype))
    z = (y - center) / scale  # standardised: mean 0, variance 1, as the zero-mean prior expects
    length_scale, noise = fit_kernel(X, z)
    kernel = functools.partial(matern52_kernel, length_scale=length_scale)
    mean_z, var_z = gp_posterior(X, z, candidates, kernel, noise)
    mean, std = center + scale * mean_z, scale * var_z.sqrt()  # back to the units of y
    ei = expected_improvement(mean, std, y.max().item(), xi)
    scores = ei.clone()
    scores[list(exclude)] = -math.inf
    return Proposal(int(scores.argmax()), mean, std, ei, length_scale, noise)


@dataclass
class BOResult:
    """The trials of a Bayesian optimisation run, in the order they were made."""

    indices: list[int]  # which candidate each trial evaluated
    X: Tensor  # (T, d) the inputs
    y: Tensor  # (T,) the objective's values


def bayesian_optimization(
    objective: Callable[[Tensor], float],
    candidates: Tensor,
    num_trials: int,
    num_initial: int = 4,
    seed: int = 0,
    xi: float = 0.0,
) -> BOResult:
    r"""Maximise ``objective`` over ``candidates`` with a GP and expected improvement.

    The first ``num_initial`` trials are distinct candidates drawn at random; each later trial
    is `propose`'s choice given all trials so far. No candidate is evaluated twice.

    Args:
        objective: maps one candidate, shape ``(d,)``, to a number; higher is better.
        candidates: shape ``(C, d)``, float64, scaled to about the unit cube.
        num_trials: the budget of objective evaluations, ``num_initial <= num_trials <= C``.
        num_initial: random trials before the model takes over, >= 1.
        seed: seeds the initial random trials.
        xi: EI's margin.
    """
    if candidates.ndim != 2:
        raise ValueError(f"candidates must have shape (C, d), got {tuple(candidates.shape)}")
    if not 1 <= num_initial <= num_trials <= candidates.shape[0]:
        raise ValueError(f"need 1 <= num_initial <= num_trials <= C = {candidates.shape[0]}, "
                         f"got num_initial={num_initial}, num_trials={num_trials}")
    generator = torch.Generator().manual_seed(seed)
    indices = torch.randperm(candidates.shape[0], generator=generator)[:num_initial].tolist()
    values = [float(objective(candidates[i])) for i in indices]
    while len(indices) < num_trials:
        y = torch.tensor(values, dtype=candidates.dtype)
        index = propose(candidates[indices], y, candidates, xi, exclude=indices).index
        indices.append(index)
        values.append(float(objective(candidates[index])))
    return BOResult(indices, candidates[indices], torch.tensor(values, dtype=candidates.dtype))
