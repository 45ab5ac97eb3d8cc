r"""Layers on :class:`~dl_lib.autograd.Tensor`, and the plain SGD that trains them.

Enough to train a multilayer perceptron with the NumPy engine alone: a fully connected layer
with PyTorch's layout and initialization, a stack of them, and gradient descent. The names
carry the prefix ``Tensor`` because they work on :class:`~dl_lib.autograd.Tensor`, not on
``torch.Tensor``: :class:`dl_lib.nn.MLP` and :class:`dl_lib.optim.SGD` are the PyTorch ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from dl_lib.autograd.tensor import Tensor

__all__ = ["TensorLinear", "TensorMLP", "TensorSGD"]


class TensorLinear:
    r"""A fully connected layer on :class:`Tensor`: :math:`Y = X W^\top + \mathbf b`.

    Weight ``(out_features, in_features)`` and bias ``(out_features,)`` are drawn from
    :math:`\mathcal U(-1/\sqrt{n_\text{in}}, 1/\sqrt{n_\text{in}})`, as in ``torch.nn.Linear``.

    Args:
        in_features, out_features: the sizes of each input and each output.
        bias: whether to learn :math:`\mathbf b`.
        generator: a ``np.random.Generator``; None uses NumPy's global generator
            (seeded by ``dl_lib.set_seed``).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 generator: np.random.Generator | None = None) -> None:
        if in_features < 1 or out_features < 1:
            raise ValueError(f"TensorLinear expects positive sizes, got in_features={in_features}, "
                             f"out_features={out_features}")
        rng = np.random if generator is None else generator
        bound = 1 / math.sqrt(in_features)
        self.weight = Tensor(rng.uniform(-bound, bound, (out_features, in_features)), requires_grad=True)
        self.bias = Tensor(rng.uniform(-bound, bound, out_features), requires_grad=True) if bias else None

    def __call__(self, X: Tensor) -> Tensor:
        in_features = self.weight.shape[1]
        if X.ndim != 2 or X.shape[1] != in_features:
            raise ValueError(f"TensorLinear expects input of shape (N, {in_features}), got {X.shape}")
        Y = X @ self.weight.T  # (N, in) @ (in, out) -> (N, out)
        return Y if self.bias is None else Y + self.bias  # (out,) broadcasts over the batch

    def parameters(self) -> list[Tensor]:
        return [self.weight] + ([self.bias] if self.bias is not None else [])


class TensorMLP:
    r"""Linear layers with an activation between them (none after the last), on :class:`Tensor`.

    Args:
        sizes: layer widths, input first and output last, e.g. ``[64, 128, 10]``.
        activation: applied after every hidden layer; default ``Tensor.relu``.
        generator: passed to every :class:`TensorLinear`.
    """

    def __init__(self, sizes: Sequence[int], activation: Callable[[Tensor], Tensor] = Tensor.relu,
                 generator: np.random.Generator | None = None) -> None:
        if len(sizes) < 2:
            raise ValueError(f"TensorMLP expects at least two layer sizes (input and output), got {list(sizes)}")
        pairs = zip(sizes[:-1], sizes[1:], strict=True)
        self.layers = [TensorLinear(n_in, n_out, generator=generator) for n_in, n_out in pairs]
        self.activation = activation

    def __call__(self, X: Tensor) -> Tensor:
        for layer in self.layers[:-1]:
            X = self.activation(layer(X))
        return self.layers[-1](X)

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]


class TensorSGD:
    r"""Plain stochastic gradient descent: :math:`\theta \leftarrow \theta - \eta \nabla_\theta L`.

    Args:
        params: the tensors to update, e.g. ``model.parameters()``.
        lr: the learning rate :math:`\eta > 0`.
    """

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        if lr <= 0:
            raise ValueError(f"TensorSGD expects a positive learning rate lr, got {lr}")
        self.params, self.lr = list(params), lr

    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.data = p.data - self.lr * p.grad  # a new array: never writes into the caller's

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None
