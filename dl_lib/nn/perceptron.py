r"""The perceptron: a threshold neuron and Rosenblatt's learning rule.

A perceptron computes :math:`\hat{y} = H(\mathbf{w}^\top \mathbf{x} + b)` with the unit step
:math:`H`, and learns by nudging :math:`\mathbf{w}` and :math:`b` towards every example it gets
wrong (Rosenblatt, 1958). Labels are 0 and 1 throughout, as in the book.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["heaviside", "perceptron_predict", "perceptron_step", "train_perceptron"]


def heaviside(z: Tensor) -> Tensor:
    r"""The unit step, the perceptron's activation.

    .. math::  H(z) = 1 \text{ if } z \ge 0 \text{ else } 0

    Args:
        z: pre-activations, any shape.

    Returns:
        A tensor of 0s and 1s with the shape and dtype of ``z``. Unlike ``torch.heaviside``,
        which asks for the value at ``z == 0``, this one always uses 1 there.
    """
    return (z >= 0).to(z.dtype)


def perceptron_predict(X: Tensor, w: Tensor, b: Tensor | float) -> Tensor:
    r"""The perceptron's 0/1 predictions for a batch: :math:`\hat{\mathbf{y}} = H(X\mathbf{w} + b)`.

    Args:
        X: inputs, shape ``(N, d)``.
        w: weights, shape ``(d,)``.
        b: bias, a number or a 0-dimensional tensor.

    Returns:
        Predictions in {0, 1}, shape ``(N,)``, dtype of ``X``.
    """
    if X.dim() != 2 or w.dim() != 1 or X.shape[1] != w.shape[0]:
        raise ValueError(
            f"perceptron_predict expects X of shape (N, d) and w of shape (d,), "
            f"got X {tuple(X.shape)} and w {tuple(w.shape)}"
        )
    return heaviside(X @ w + b)


def perceptron_step(
    w: Tensor, b: Tensor, x: Tensor, y: Tensor | float, lr: float = 1.0
) -> tuple[Tensor, Tensor]:
    r"""One step of Rosenblatt's learning rule on a single example.

    .. math::

        \hat{y} = H(\mathbf{w}^\top\mathbf{x} + b), \qquad
        \mathbf{w} \leftarrow \mathbf{w} + \eta\,(y - \hat{y})\,\mathbf{x}, \qquad
        b \leftarrow b + \eta\,(y - \hat{y})

    With labels in {0, 1}, :math:`y - \hat{y}` is 0 when the prediction is right (nothing
    changes), +1 when the neuron should have fired and -1 when it should not have.

    Args:
        w: weights, shape ``(d,)``.
        b: bias, a 0-dimensional tensor.
        x: one example, shape ``(d,)``.
        y: its label, 0 or 1.
        lr: the learning rate :math:`\eta > 0`.

    Returns:
        The new ``(w, b)``; the inputs are not modified.
    """
    if w.dim() != 1 or x.shape != w.shape:
        raise ValueError(
            f"perceptron_step expects w and x of the same shape (d,), "
            f"got w {tuple(w.shape)} and x {tuple(x.shape)}"
        )
    y_hat = heaviside(w @ x + b)
    error = y - y_hat  # -1, 0 or +1
    return w + lr * error * x, b + lr * error


def train_perceptron(
    X: Tensor, y: Tensor, num_epochs: int, lr: float = 1.0, seed: int = 0
) -> tuple[Tensor, Tensor, list[int]]:
    r"""Train a perceptron with Rosenblatt's rule, one example at a time.

    The weights and the bias start at zero. Every epoch visits the examples in a new random
    order (drawn from ``seed``) and applies :func:`perceptron_step` to each. On linearly
    separable data the rule stops making mistakes after finitely many updates (Novikoff's
    theorem); on data that no line separates, such as XOR, it never does.

    Args:
        X: inputs, shape ``(N, d)``, a floating-point dtype (float64 works).
        y: labels in {0, 1}, shape ``(N,)``.
        num_epochs: passes over the data.
        lr: the learning rate :math:`\eta`.
        seed: seeds the order in which examples are visited.

    Returns:
        ``(w, b, errors_per_epoch)``: weights of shape ``(d,)``, a 0-dimensional bias, and
        for each epoch the number of training examples the perceptron misclassifies at the
        end of that epoch.
    """
    if X.dim() != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"train_perceptron expects X of shape (N, d) and y of shape (N,), "
            f"got X {tuple(X.shape)} and y {tuple(y.shape)}"
        )
    if not X.is_floating_point():
        raise ValueError(f"train_perceptron expects a floating-point X, got {X.dtype}")
    y = y.to(X.dtype)
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    generator = torch.Generator().manual_seed(seed)
    errors_per_epoch = []
    for _ in range(num_epochs):
        for i in torch.randperm(X.shape[0], generator=generator).tolist():
            w, b = perceptron_step(w, b, X[i], y[i], lr)
        errors_per_epoch.append(int((perceptron_predict(X, w, b) != y).sum()))
    return w, b, errors_per_epoch
