r"""Fully connected layers and the multilayer perceptron.

A layer of :math:`n_\text{out}` neurons that all read the same :math:`n_\text{in}` inputs is
one matrix product, :math:`Y = X W^\top + \mathbf{b}`; a multilayer perceptron stacks such
layers with a nonlinearity between them. Weights are stored as ``(out_features, in_features)``,
PyTorch's layout, so ``torch.nn.Linear().load_state_dict(ours.state_dict())`` works.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

__all__ = ["count_parameters", "linear", "Linear", "MLP", "mlp_parameter_count"]


def linear(X: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""A fully connected layer without its activation: :math:`Y = X W^\top + \mathbf{b}`.

    Row :math:`j` of ``weight`` holds the weights of neuron :math:`j`, so
    :math:`Y_{nj} = \sum_i X_{ni} W_{ji} + b_j`: every output is one neuron's weighted sum.
    Same semantics as ``torch.nn.functional.linear``.

    Args:
        X: inputs, shape ``(*, in_features)`` (usually ``(N, in_features)``).
        weight: shape ``(out_features, in_features)``.
        bias: shape ``(out_features,)``, or ``None`` for no bias.

    Returns:
        Shape ``(*, out_features)``.
    """
    if weight.dim() != 2:
        raise ValueError(
            f"linear expects weight of shape (out_features, in_features), got {tuple(weight.shape)}"
        )
    out_features, in_features = weight.shape
    if X.dim() == 0 or X.shape[-1] != in_features:
        raise ValueError(
            f"linear expects input of shape (*, {in_features}) for weight of shape "
            f"{tuple(weight.shape)}, got {tuple(X.shape)}"
        )
    if bias is not None and bias.shape != (out_features,):
        raise ValueError(
            f"linear expects bias of shape ({out_features},) for weight of shape "
            f"{tuple(weight.shape)}, got {tuple(bias.shape)}"
        )
    Y = X @ weight.T  # (*, in) @ (in, out) -> (*, out)
    if bias is not None:
        Y = Y + bias  # (out,) broadcasts over the batch
    return Y


class Linear(nn.Module):
    r"""A fully connected layer holding its weight and bias: :math:`Y = X W^\top + \mathbf{b}`.

    Initialisation follows PyTorch's default: every weight and bias is drawn from
    :math:`\mathcal{U}(-1/\sqrt{n_\text{in}},\ 1/\sqrt{n_\text{in}})`. (PyTorch writes the weight's
    part as ``kaiming_uniform_(a=sqrt(5))``, which works out to the same bound.) Given the same
    seed, this layer and ``torch.nn.Linear`` start with the same numbers.

    Args:
        in_features: :math:`n_\text{in}`, the size of each input.
        out_features: :math:`n_\text{out}`, the number of neurons.
        bias: whether to learn the bias :math:`\mathbf{b}`.

    Shapes:
        input ``(*, in_features)`` -> output ``(*, out_features)``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(
                f"Linear expects non-negative sizes, got in_features={in_features}, "
                f"out_features={out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        factory = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(out_features, in_features, **factory))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features, **factory))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight, then the bias, from U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, X: Tensor) -> Tensor:
        return linear(X, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class MLP(nn.Module):
    r"""A multilayer perceptron: linear layers with an activation between them.

    For ``sizes = [n_0, n_1, ..., n_L]`` the network computes

    .. math::

        H_0 = X, \qquad H_\ell = \sigma(H_{\ell-1} W_\ell^\top + \mathbf{b}_\ell)
        \ (\ell < L), \qquad \hat{Y} = H_{L-1} W_L^\top + \mathbf{b}_L

    with no activation after the last layer, whose outputs are logits or regression values.

    Args:
        sizes: the width of every layer, input first and output last, e.g. ``[2, 2, 1]``.
        activation: builds the activation module placed after each hidden layer
            (``nn.ReLU``, ``nn.Tanh``, ``nn.Sigmoid``, ...).

    The layers live in ``self.layers``, an ``nn.Sequential`` laid out exactly like
    ``nn.Sequential(nn.Linear(n_0, n_1), activation(), ..., nn.Linear(n_{L-1}, n_L))``, so that
    sequential's ``load_state_dict(mlp.layers.state_dict())`` gives PyTorch the same network.

    Shapes:
        input ``(N, sizes[0])`` -> output ``(N, sizes[-1])``.
    """

    def __init__(self, sizes: Sequence[int], activation: Callable[[], nn.Module] = nn.ReLU) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2 or any(int(n) != n or n < 1 for n in sizes):
            raise ValueError(
                f"MLP expects at least two positive integer layer sizes (input and output), "
                f"got {sizes}"
            )
        self.sizes = sizes
        layers: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [Linear(n_in, n_out), activation()]
        self.layers = nn.Sequential(*layers[:-1])  # no activation after the output layer

    def forward(self, X: Tensor) -> Tensor:
        return self.layers(X)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """The number of numbers a model learns: the total size of its parameter tensors.

    Args:
        model: any ``torch.nn.Module``.
        trainable_only: count only the parameters with ``requires_grad=True``.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def mlp_parameter_count(sizes: Sequence[int]) -> int:
    r"""The closed form for an MLP's parameter count: :math:`\sum_\ell (n_{\ell-1} + 1)\, n_\ell`.

    Layer :math:`\ell` has :math:`n_\ell` neurons; each owns :math:`n_{\ell-1}` weights and one
    bias. The input layer has no parameters: it is the data.

    Args:
        sizes: layer widths, input first and output last, e.g. ``[64, 32, 10]``.
    """
    sizes = list(sizes)
    if len(sizes) < 2 or any(int(n) != n or n < 1 for n in sizes):
        raise ValueError(
            f"mlp_parameter_count expects at least two positive integer layer sizes, got {sizes}"
        )
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))
