r"""Adversarial examples: small perturbations that change a classifier's answer, and
training
that resists them.

An *untargeted* attack with budget :math:`\epsilon` looks for :math:`\delta` in a ball
:math:`\|\delta\| \le \epsilon` that maximizes the loss :math:`L(f(x + \delta), y)`,
keeping :math:`x + \delta` a valid input (pixels in ``[lower, upper]``).

- `fgsm`: one step of size :math:`\epsilon` along the sign of the gradient (Goodfellow
  et al., 2015).
- `project`: the nearest point of the L-inf or L2 ball around the clean input.
- `pgd`: projected gradient ascent, several small steps each followed by the projection
  (Madry et al., 2018).
- `adversarial_training_step`: one optimizer step on the loss of attacked examples
  (Madry et al.).

The model is used as it is (put it in ``eval()`` mode to attack it); no parameter
gradient is touched by the attacks.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["adversarial_training_step", "fgsm", "pgd", "project"]

NORMS = ("inf", "2")
Loss = Callable[[Tensor, Tensor], Tensor]


def _check_attack(caller: str, X: Tensor, y: Tensor, eps: float) -> None:
    if not isinstance(X, Tensor) or not X.is_floating_point() or X.dim() < 2:
        shape = tuple(X.shape) if isinstance(X, Tensor) else type(X).__name__
        raise ValueError(
            f"{caller} expects X, a floating-point batch of shape (N, ...), got {shape}"
        )
    if not isinstance(y, Tensor) or y.shape != X.shape[:1]:
        raise ValueError(
            f"{caller} expects labels y of shape ({X.shape[0]},), got "
            f"{tuple(y.shape) if isinstance(y, Tensor) else type(y).__name__}"
        )
    if not eps >= 0:
        raise ValueError(f"{caller}: the budget eps must be >= 0, got {eps}")


def _loss_gradient(model: nn.Module, X: Tensor, y: Tensor, loss_fn: Loss) -> Tensor:
    """The gradient of the loss with respect to the inputs, shape of ``X``."""
    X = X.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss_fn(model(X), y), X)
    return grad


def fgsm(
    model: nn.Module,
    X: Tensor,
    y: Tensor,
    eps: float,
    loss_fn: Loss = F.cross_entropy,
    lower: float = 0.0,
    upper: float = 1.0,
) -> Tensor:
    r"""Fast gradient sign method (Goodfellow et al., 2015):
    :math:`x_\text{adv} = \mathrm{clip}_{[l, u]}\big(x + \epsilon\,
    \mathrm{sign}(\nabla_x L(f(x), y))\big)`.

    The sign makes the step the corner of the L-inf ball that a linear model's loss
    increases most along: every pixel moves by :math:`\epsilon` in the direction that
    hurts.

    Args:
        model: maps ``X`` to logits ``(N, K)``.
        X: clean inputs ``(N, ...)``; y: their labels ``(N,)``.
        eps: the L-inf budget, >= 0, in the units of ``X``.
        loss_fn: the loss to increase (cross-entropy of logits by default).
        lower, upper: the range of a valid input.

    Returns:
        The adversarial inputs, detached, shape of ``X``.

    Differs from Captum's ``FGSM``, which leaves pixels whose gradient is below
    ``zero_thresh = 1e-6`` in size unchanged; here only an exactly zero gradient does.
    """
    _check_attack("fgsm", X, y, eps)
    grad = _loss_gradient(model, X, y, loss_fn)
    return (X + eps * grad.sign()).clamp(lower, upper).detach()


def project(delta: Tensor, eps: float, norm: str = "inf") -> Tensor:
    r"""The nearest point to ``delta`` in the ball :math:`\|\delta\| \le \epsilon`, per
    example.

    L-inf: clip every entry to :math:`[-\epsilon, \epsilon]`. L2: if the example's
    perturbation is longer than :math:`\epsilon`, scale it down to length
    :math:`\epsilon` (:math:`\delta \cdot \epsilon / \|\delta\|_2`), otherwise keep it.

    Args:
        delta: perturbations ``(N, ...)``; each example is one vector.
        eps: the radius, >= 0.
        norm: ``"inf"`` or ``"2"``.
    """
    if norm not in NORMS:
        raise ValueError(f"project: norm must be 'inf' or '2', got {norm!r}")
    if not eps >= 0:
        raise ValueError(f"project: the radius eps must be >= 0, got {eps}")
    if norm == "inf":
        return delta.clamp(-eps, eps)
    length = (
        delta.flatten(1).norm(dim=1).view(-1, *[1] * (delta.dim() - 1))
    )  # (N, 1, ..., 1)
    return delta * (eps / length.clamp(min=1e-12)).clamp(max=1.0)


def pgd(
    model: nn.Module,
    X: Tensor,
    y: Tensor,
    eps: float,
    alpha: float,
    steps: int,
    norm: str = "inf",
    loss_fn: Loss = F.cross_entropy,
    lower: float = 0.0,
    upper: float = 1.0,
    random_start: bool = False,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Projected gradient descent on the loss, i.e. ascent (Madry et al., 2018).

    .. math::
        x^{t+1} = \mathrm{clip}_{[l, u]}\Big(x + \Pi_\epsilon\big(x^t
            + \alpha\, s(\nabla_x L(f(x^t), y)) - x\big)\Big)

    where :math:`s` is the sign of the gradient for the L-inf ball and the gradient
    divided by its L2 length for the L2 ball (the steepest-ascent step of length
    :math:`\alpha` in each norm) and :math:`\Pi_\epsilon` is `project`.

    Args:
        model, X, y, eps, loss_fn, lower, upper: as in `fgsm` (``eps`` is the radius in
            ``norm``).
        alpha: the step size, > 0.
        steps: the number of steps, >= 1.
        norm: ``"inf"`` or ``"2"``.
        random_start: start from a uniform point of the L-inf cube of half-width ``eps``
            around ``X`` (projected onto the ball for L2) instead of ``X``; draws from
            ``generator``.

    Returns:
        The adversarial inputs, detached, shape of ``X``.

    Differs from Captum's ``PGD`` with ``norm="L2"``, which steps along the sign of the
    gradient and then projects; with ``norm="inf"`` the two agree.
    """
    _check_attack("pgd", X, y, eps)
    if norm not in NORMS:
        raise ValueError(f"pgd: norm must be 'inf' or '2', got {norm!r}")
    if not alpha > 0 or not isinstance(steps, int) or steps < 1:
        raise ValueError(
            "pgd: alpha must be > 0 and steps an integer >= 1, "
            f"got alpha={alpha}, steps={steps!r}"
        )
    X = X.detach()
    X_adv = X.clone()
    if random_start:
        noise = (
            torch.rand(X.shape, generator=generator, dtype=X.dtype).to(X.device) * 2 - 1
        )
        X_adv = (X + project(noise * eps, eps, norm)).clamp(lower, upper)
    for _ in range(steps):
        grad = _loss_gradient(model, X_adv, y, loss_fn)
        if norm == "inf":
            step = grad.sign()
        else:
            step = grad / grad.flatten(1).norm(dim=1).clamp(min=1e-12).view(
                -1, *[1] * (X.dim() - 1)
            )
        X_adv = (X + project(X_adv + alpha * step - X, eps, norm)).clamp(lower, upper)
    return X_adv.detach()


def adversarial_training_step(
    model: nn.Module,
    loss_fn: Loss,
    optimizer: torch.optim.Optimizer,
    X: Tensor,
    y: Tensor,
    attack: Callable[[nn.Module, Tensor, Tensor], Tensor],
) -> float:
    r"""One step of adversarial training (Madry et al., 2018): minimize the loss at the
    attacked
    inputs, :math:`\min_\theta L\big(f_\theta(x_\text{adv}), y\big)` with
    :math:`x_\text{adv} = \text{attack}(f_\theta, x, y)`, an approximation of the worst
    case in the ball.

    The attack runs with the model in eval mode and the step in train mode (this matters
    for dropout and batch normalization).

    Args:
        model, loss_fn, optimizer: as in ``dl_lib.train.fit``.
        X, y: a batch and its labels.
        attack: ``attack(model, X, y) -> X_adv``, e.g.
            ``lambda m, X, y: pgd(m, X, y, eps=0.1, alpha=0.025, steps=7)``.

    Returns:
        The loss on the attacked batch (before the step), a float.
    """
    model.eval()
    X_adv = attack(model, X, y)
    if X_adv.shape != X.shape:
        raise ValueError(
            f"the attack must return inputs of shape {tuple(X.shape)}, "
            f"got {tuple(X_adv.shape)}"
        )
    model.train()
    loss = loss_fn(model(X_adv), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
