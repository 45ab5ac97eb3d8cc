r"""Gradient descent: full-batch, stochastic and mini-batch, written out step by step.

Gradient descent (Cauchy, 1847) walks downhill on a loss :math:`L(\mathbf{w})`,

.. math::  \mathbf{w}_{t+1} = \mathbf{w}_t - \eta \, \nabla L(\mathbf{w}_t),

with the learning rate :math:`\eta > 0`. Stochastic gradient descent (Robbins & Monro, 1951;
Bottou, 2010) replaces the gradient of the whole training loss by the gradient on a random
mini-batch of examples: a noisy but unbiased estimate that costs a fraction of the full one.
``torch.optim.SGD`` with its defaults (no momentum, no weight decay) makes exactly this step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import Tensor

__all__ = [
    "gradient_descent",
    "gradient_noise",
    "least_squares",
    "linear_regression_loss_grad",
    "minibatch_sgd",
    "minibatches",
]

LossGrad = Callable[[Tensor, Tensor, Tensor], tuple[Tensor, Tensor]]


def _check_positive_int(name: str, value: object, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_lr(lr: float) -> None:
    if not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")


def gradient_descent(
    grad_fn: Callable[[Tensor], Tensor], w0: Tensor, lr: float, num_steps: int, tol: float = 0.0
) -> Tensor:
    r"""Full-batch gradient descent from ``w0``; returns every point it visits.

    .. math::  \mathbf{w}_{t+1} = \mathbf{w}_t - \eta \, \nabla L(\mathbf{w}_t)

    Convergence criterion: the walk stops before ``num_steps`` once
    :math:`\lVert \nabla L(\mathbf{w}_t) \rVert \le` ``tol`` (never, with the default 0).

    Args:
        grad_fn: maps parameters of the shape of ``w0`` to :math:`\nabla L` of the same shape.
        w0: the starting point, any shape (often ``(d,)``); it is not modified.
        lr: the learning rate :math:`\eta > 0`.
        num_steps: the most steps to take, an integer >= 0.
        tol: stop when the gradient's Euclidean norm is at most ``tol``.

    Returns:
        The trajectory :math:`(\mathbf{w}_0, \dots, \mathbf{w}_S)`, shape ``(S + 1, *w0.shape)``,
        with ``S = num_steps`` unless the criterion stopped the walk earlier.
    """
    _check_lr(lr)
    _check_positive_int("num_steps", num_steps, minimum=0)
    w = w0.detach().clone()
    trajectory = [w]
    for _ in range(num_steps):
        grad = grad_fn(w)
        if grad.shape != w.shape:
            raise ValueError(
                f"grad_fn must return a gradient of the shape of w0, {tuple(w.shape)}, "
                f"got {tuple(grad.shape)}"
            )
        if grad.norm() <= tol:
            break
        w = w - lr * grad
        trajectory.append(w)
    return torch.stack(trajectory)


def minibatches(
    N: int, batch_size: int, shuffle: bool = True, generator: torch.Generator | None = None
) -> Iterator[Tensor]:
    r"""The index batches of one epoch: every example exactly once, in batches of ``batch_size``.

    With ``shuffle``, the order is a fresh random permutation of :math:`0, \dots, N-1` drawn
    from ``generator``; without, it is :math:`0, 1, \dots, N-1`. All batches have
    ``batch_size`` indices except the last, which holds the :math:`N \bmod B` left over (if any),
    like ``DataLoader(..., drop_last=False)``. There are :math:`\lceil N / B \rceil` batches.

    Args:
        N: the number of examples, >= 1.
        batch_size: :math:`B \ge 1`; ``batch_size >= N`` gives one batch, full-batch descent.
        shuffle: draw a random order (stochastic and mini-batch descent) or keep the given one.
        generator: the random source, for repeatable orders; None uses PyTorch's global one.

    Returns:
        An iterator over int64 tensors of indices, shapes ``(B,)``, ..., ``(B,)``, ``(N mod B,)``.
    """
    _check_positive_int("N", N)
    _check_positive_int("batch_size", batch_size)
    order = torch.randperm(N, generator=generator) if shuffle else torch.arange(N)
    return iter(order.split(batch_size))


def linear_regression_loss_grad(X: Tensor, y: Tensor, w: Tensor) -> tuple[Tensor, Tensor]:
    r"""Mean squared error of the linear model :math:`\hat{\mathbf{y}} = X\mathbf{w}`, and its gradient.

    .. math::

        L(\mathbf{w}) = \frac{1}{N} \lVert X\mathbf{w} - \mathbf{y} \rVert^2, \qquad
        \nabla L(\mathbf{w}) = \frac{2}{N} X^\top (X\mathbf{w} - \mathbf{y})

    A bias is a weight on a column of ones: append it to ``X`` to fit :math:`wx + b`.
    The Hessian is the constant :math:`\frac{2}{N} X^\top X`, so :math:`L` is a quadratic.

    Args:
        X: inputs, shape ``(N, d)``.
        y: targets, shape ``(N,)``.
        w: weights, shape ``(d,)``.

    Returns:
        ``(loss, grad)``: the loss, a 0-dimensional tensor, and the gradient, shape ``(d,)``.
    """
    if X.dim() != 2 or y.shape != (X.shape[0],) or w.shape != (X.shape[1],) or X.shape[0] == 0:
        raise ValueError(
            "linear_regression_loss_grad expects X of shape (N, d) with N >= 1, y of shape (N,) "
            f"and w of shape (d,), got X {tuple(X.shape)}, y {tuple(y.shape)}, w {tuple(w.shape)}"
        )
    N = X.shape[0]
    residual = X @ w - y  # (N,)
    return residual.pow(2).mean(), (2 / N) * (X.T @ residual)  # (), (d,)


def least_squares(X: Tensor, y: Tensor) -> Tensor:
    r"""The closed-form minimiser of the mean squared error, the reference for gradient descent.

    .. math::  \mathbf{w}^\star = \arg\min_{\mathbf{w}} \lVert X\mathbf{w} - \mathbf{y} \rVert^2
               = (X^\top X)^{-1} X^\top \mathbf{y}

    computed with ``torch.linalg.lstsq`` (a QR factorisation, more accurate than inverting
    :math:`X^\top X`). Needs :math:`X` of full column rank for the minimiser to be unique.

    Args:
        X: inputs, shape ``(N, d)``.
        y: targets, shape ``(N,)``.

    Returns:
        :math:`\mathbf{w}^\star`, shape ``(d,)``.
    """
    if X.dim() != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"least_squares expects X of shape (N, d) and y of shape (N,), "
            f"got X {tuple(X.shape)} and y {tuple(y.shape)}"
        )
    return torch.linalg.lstsq(X, y[:, None]).solution[:, 0]


def minibatch_sgd(
    X: Tensor, y: Tensor, loss_grad: LossGrad, w0: Tensor, lr: float, batch_size: int, num_epochs: int,
    seed: int = 0, shuffle: bool = True,
) -> tuple[Tensor, dict[str, Tensor]]:
    r"""Mini-batch stochastic gradient descent: one step per batch, ``num_epochs`` passes over the data.

    .. math::  \mathbf{w}_{t+1} = \mathbf{w}_t - \eta \, \frac{1}{|\mathcal{B}_t|}
               \sum_{i \in \mathcal{B}_t} \nabla \ell_i(\mathbf{w}_t)

    Each epoch visits the batches :math:`\mathcal{B}_t` of :func:`minibatches`, reshuffled every
    epoch by one generator seeded with ``seed``. ``batch_size=1`` is stochastic gradient descent,
    ``batch_size >= N`` full-batch gradient descent. The step is ``torch.optim.SGD``'s default one.

    Args:
        X, y: inputs and targets, shapes ``(N, ...)``.
        loss_grad: ``loss_grad(X_batch, y_batch, w) -> (loss, grad)``, the batch's mean loss and its
            gradient with respect to ``w``, e.g. :func:`linear_regression_loss_grad`.
        w0: the starting parameters; not modified.
        lr: the learning rate :math:`\eta > 0`.
        batch_size: :math:`B \ge 1`.
        num_epochs: passes over the data, >= 1.
        seed: seeds the batch orders.
        shuffle: reshuffle every epoch; without, the batches come in the stored order.

    Returns:
        ``(w, history)``: the final parameters, and ``history["w"]``, every iterate, shape
        ``(S + 1, *w0.shape)``, and ``history["loss"]``, the batch loss of every step, shape ``(S,)``,
        for :math:`S = \lceil N/B \rceil \cdot` ``num_epochs`` steps.
    """
    _check_lr(lr)
    _check_positive_int("num_epochs", num_epochs)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must hold the same number of examples, got {X.shape[0]} and {y.shape[0]}")
    generator = torch.Generator().manual_seed(seed)
    w = w0.detach().clone()
    iterates, losses = [w], []
    for _ in range(num_epochs):
        for batch in minibatches(X.shape[0], batch_size, shuffle, generator):
            loss, grad = loss_grad(X[batch], y[batch], w)
            w = w - lr * grad
            iterates.append(w)
            losses.append(loss.detach())
    return w, {"w": torch.stack(iterates), "loss": torch.stack(losses)}


def gradient_noise(
    X: Tensor, y: Tensor, loss_grad: LossGrad, w: Tensor, batch_size: int, num_batches: int, seed: int = 0
) -> float:
    r"""How far mini-batch gradients scatter around the full gradient, measured.

    .. math::  \mathbb{E}\,\lVert \mathbf{g}_\mathcal{B} - \nabla L(\mathbf{w}) \rVert^2,
               \qquad \mathbf{g}_\mathcal{B} = \frac{1}{B} \sum_{i \in \mathcal{B}} \nabla \ell_i(\mathbf{w})

    estimated as the mean over ``num_batches`` batches drawn exactly as :func:`minibatch_sgd`
    draws them (reshuffled epochs of :func:`minibatches`); a partial last batch is skipped, so
    every batch has exactly :math:`B` examples. For batches drawn without replacement the
    expectation is :math:`\frac{\operatorname{tr}\Sigma}{B} \cdot \frac{N - B}{N - 1}`, where
    :math:`\Sigma` is the covariance of the :math:`N` per-example gradients: about :math:`1/B`.

    Args:
        X, y, loss_grad: the data and the loss, as in :func:`minibatch_sgd`.
        w: the parameters at which the gradients are taken.
        batch_size: :math:`B`, from 1 to ``N - 1``.
        num_batches: how many mini-batch gradients to average over, >= 1.
        seed: seeds the batch orders.

    Returns:
        The estimate, a Python float.
    """
    N = X.shape[0]
    _check_positive_int("num_batches", num_batches)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size < N:
        raise ValueError(f"batch_size must be an integer from 1 to N - 1 = {N - 1}, got {batch_size!r}")
    _, full = loss_grad(X, y, w)
    generator = torch.Generator().manual_seed(seed)
    total, count = 0.0, 0
    while count < num_batches:
        for batch in minibatches(N, batch_size, True, generator):
            if len(batch) < batch_size or count == num_batches:
                break
            _, grad = loss_grad(X[batch], y[batch], w)
            total += (grad - full).pow(2).sum().item()
            count += 1
    return total / count
