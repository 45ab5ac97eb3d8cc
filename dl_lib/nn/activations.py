r"""Activation functions and their derivatives, written from scratch and checked against PyTorch.

Each elementwise activation :math:`f` comes with ``f_grad``, its derivative :math:`f'(x)`
evaluated elementwise; backpropagation multiplies the incoming gradient by it. Softmax maps a
whole vector to a vector, so its derivative is a Jacobian matrix; `softmax_jvp` multiplies by it
without ever building it. Every function follows the device and dtype of its input, never
produces NaN or inf for finite inputs (try :math:`\pm 1000`), and can also be differentiated
by autograd, so the ``nn.Module`` wrappers at the end train like PyTorch's.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = [
    "GELU", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh",
    "gelu", "gelu_grad", "leaky_relu", "leaky_relu_grad", "relu", "relu_grad",
    "sigmoid", "sigmoid_grad", "softmax", "softmax_jacobian", "softmax_jvp", "tanh", "tanh_grad",
]

GELU_APPROXIMATIONS = ("none", "tanh")
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)  # the constant of GELU's tanh approximation
_GELU_CUBIC = 0.044715  # the cubic coefficient of GELU's tanh approximation (Hendrycks & Gimpel)


def _check_float(name: str, x: Tensor) -> None:
    """Activations are defined on real numbers: refuse integer and boolean tensors."""
    if not isinstance(x, Tensor) or not x.is_floating_point():
        kind = x.dtype if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{name} expects a floating-point tensor, got {kind}")


def sigmoid(x: Tensor) -> Tensor:
    r"""The logistic sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})`, computed without overflow.

    For :math:`x < 0` the textbook form needs :math:`e^{-x}`, which overflows for
    :math:`x \lesssim -710` in float64 (:math:`-89` in float32); the value survives, but
    autograd then multiplies ``inf`` by ``0`` and returns NaN. Writing
    :math:`\sigma(x) = e^{x} / (1 + e^{x})` on that side means ``exp`` only ever sees
    :math:`-|x| \le 0`.

    Args:
        x: any shape, floating point.

    Returns:
        Same shape, values in :math:`[0, 1]`. Same as ``torch.sigmoid``.
    """
    _check_float("sigmoid", x)
    e = torch.exp(torch.where(x >= 0, -x, x))  # exp(-|x|) in (0, 1]: never overflows
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x: Tensor) -> Tensor:
    r"""The derivative of the sigmoid: :math:`\sigma'(x) = \sigma(x)\,(1 - \sigma(x))`.

    At most :math:`1/4` (at :math:`x = 0`), and almost zero once :math:`|x|` is a few units:
    the sigmoid *saturates*.
    """
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x: Tensor) -> Tensor:
    r"""The hyperbolic tangent, as a rescaled sigmoid: :math:`\tanh(x) = 2\sigma(2x) - 1`.

    Values in :math:`[-1, 1]` and centred on zero, unlike the sigmoid. Near zero the
    subtraction loses relative (not absolute) precision, about :math:`10^{-16}` in float64.
    Same as ``torch.tanh``.
    """
    _check_float("tanh", x)
    return 2 * sigmoid(2 * x) - 1


def tanh_grad(x: Tensor) -> Tensor:
    r"""The derivative of tanh: :math:`\tanh'(x) = 1 - \tanh^2(x)`, at most 1 (at :math:`x = 0`)."""
    t = tanh(x)
    return 1 - t * t


def relu(x: Tensor) -> Tensor:
    r"""The rectified linear unit :math:`\mathrm{ReLU}(x) = \max(0, x)` (Nair & Hinton, 2010).

    Same as ``torch.relu``.
    """
    _check_float("relu", x)
    return torch.where(x > 0, x, torch.zeros_like(x))


def relu_grad(x: Tensor) -> Tensor:
    r"""The derivative of ReLU: 1 where :math:`x > 0`, else 0.

    ReLU has no derivative at :math:`x = 0`; like PyTorch we use 0 there.
    """
    _check_float("relu_grad", x)
    return (x > 0).to(x.dtype)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    r"""Leaky ReLU: :math:`x` for :math:`x > 0`, else :math:`\alpha x` (Maas et al., 2013).

    The small slope :math:`\alpha` = ``negative_slope`` keeps a gradient flowing through
    units whose input is negative, so they cannot "die". Same as
    ``torch.nn.functional.leaky_relu``.
    """
    _check_float("leaky_relu", x)
    return torch.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    r"""The derivative of leaky ReLU: 1 where :math:`x > 0`, else :math:`\alpha` (also at 0, as PyTorch)."""
    _check_float("leaky_relu_grad", x)
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, negative_slope))


def _check_approximate(approximate: str) -> None:
    if approximate not in GELU_APPROXIMATIONS:
        raise ValueError(f"approximate must be one of {GELU_APPROXIMATIONS}, got {approximate!r}")


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    r"""The Gaussian error linear unit :math:`\mathrm{GELU}(x) = x\,\Phi(x)` (Hendrycks & Gimpel, 2016).

    :math:`\Phi(x) = \tfrac12\bigl(1 + \operatorname{erf}(x/\sqrt2)\bigr)` is the standard normal
    CDF: the input is scaled by the probability that a standard normal variable is below it.
    With ``approximate="tanh"``, :math:`\Phi(x)` is replaced by the paper's
    :math:`\tfrac12\bigl(1 + \tanh(\sqrt{2/\pi}\,(x + 0.044715\,x^3))\bigr)`.

    Args:
        x: any shape, floating point.
        approximate: ``"none"`` (exact, erf) or ``"tanh"``, as in ``torch.nn.functional.gelu``.
    """
    _check_float("gelu", x)
    _check_approximate(approximate)
    if approximate == "tanh":
        return 0.5 * x * (1 + tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3)))
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    r"""The derivative of GELU.

    Exact: :math:`\frac{d}{dx}\,x\Phi(x) = \Phi(x) + x\,\varphi(x)` with the normal density
    :math:`\varphi(x) = e^{-x^2/2} / \sqrt{2\pi}`. With ``approximate="tanh"`` and
    :math:`t = \tanh(u)`, :math:`u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)`, it is
    :math:`\tfrac12(1 + t) + \tfrac12 x\,(1 - t^2)\,\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2)`.
    """
    _check_float("gelu_grad", x)
    _check_approximate(approximate)
    if approximate == "tanh":
        t = tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3))
        du_dx = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x**2)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du_dx
    cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    pdf = torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return cdf + x * pdf


def _check_dim(name: str, x: Tensor, dim: int) -> None:
    ndim = max(x.dim(), 1)  # a 0-d tensor has one dimension to normalise over, as in PyTorch
    if isinstance(dim, bool) or not isinstance(dim, int) or not -ndim <= dim < ndim:
        raise ValueError(f"{name}: dim={dim!r} is out of range for input of shape {tuple(x.shape)}")


def softmax(x: Tensor, dim: int) -> Tensor:
    r"""Softmax along ``dim``: :math:`\mathrm{softmax}(\mathbf z)_i = e^{z_i} / \sum_j e^{z_j}`.

    Turns a vector of scores (logits) into probabilities: positive, summing to 1 (Bridle, 1990,
    gave it its name). Adding the same constant to every :math:`z_j` changes nothing, so we
    subtract the largest one first: then every exponent is :math:`\le 0`, nothing overflows,
    and the largest term is exactly 1, so the sum cannot underflow to 0.

    Args:
        x: logits, any shape, floating point.
        dim: the dimension that is normalised (usually ``-1``, the classes). Required; PyTorch
            still accepts ``dim=None`` and guesses, with a warning.

    Returns:
        Same shape as ``x``; the entries along ``dim`` sum to 1. Same as ``torch.softmax``.
    """
    _check_float("softmax", x)
    _check_dim("softmax", x, dim)
    if x.numel() == 0:
        return x.clone()  # nothing to normalise (amax has no maximum to take)
    shift = x.amax(dim=dim, keepdim=True).detach()  # a constant: softmax does not depend on it
    e = torch.exp(x - shift)  # every exponent <= 0, the largest is exactly 0
    return e / e.sum(dim=dim, keepdim=True)


def softmax_jvp(x: Tensor, v: Tensor, dim: int) -> Tensor:
    r"""The Jacobian of softmax along ``dim`` times a vector ``v``, without building the Jacobian.

    With :math:`\mathbf s = \mathrm{softmax}(\mathbf z)`, the Jacobian is
    :math:`J = \operatorname{diag}(\mathbf s) - \mathbf s \mathbf s^\top`, so
    :math:`J\mathbf v = \mathbf s \odot \mathbf v - \mathbf s\,(\mathbf s \cdot \mathbf v)
    = \mathbf s \odot (\mathbf v - \mathbf s \cdot \mathbf v)`, in :math:`O(K)` instead of
    :math:`O(K^2)` for :math:`K` classes. :math:`J` is symmetric, so this is also the
    vector-Jacobian product that backpropagation needs.

    Args:
        x: logits, any shape.
        v: the vector (a tangent, or an upstream gradient), same shape as ``x``.
        dim: the softmax dimension.

    Returns:
        Same shape as ``x``; each slice along ``dim`` is :math:`J\mathbf v` for that slice.
    """
    _check_float("softmax_jvp", x)
    if not isinstance(v, Tensor) or v.shape != x.shape:
        shape = tuple(v.shape) if isinstance(v, Tensor) else type(v).__name__
        raise ValueError(f"softmax_jvp expects v of the same shape as x, {tuple(x.shape)}, got {shape}")
    s = softmax(x, dim)
    return s * (v - (s * v).sum(dim=dim, keepdim=True))


def softmax_jacobian(z: Tensor) -> Tensor:
    r"""The full Jacobian :math:`\operatorname{diag}(\mathbf s) - \mathbf s\mathbf s^\top` of one vector.

    For looking at, not for training: it has :math:`K^2` entries where `softmax_jvp` needs
    :math:`K`. Entry :math:`(i, j)` is :math:`\partial s_i / \partial z_j = s_i([i = j] - s_j)`.

    Args:
        z: logits of shape ``(K,)``.

    Returns:
        Shape ``(K, K)``.
    """
    if z.dim() != 1:
        raise ValueError(f"softmax_jacobian expects z of shape (K,), got {tuple(z.shape)}")
    s = softmax(z, dim=0)
    return torch.diag(s) - torch.outer(s, s)


class Sigmoid(nn.Module):
    r"""Applies `sigmoid` elementwise. Like ``torch.nn.Sigmoid``."""

    def forward(self, x: Tensor) -> Tensor:
        return sigmoid(x)


class Tanh(nn.Module):
    r"""Applies `tanh` elementwise. Like ``torch.nn.Tanh``."""

    def forward(self, x: Tensor) -> Tensor:
        return tanh(x)


class ReLU(nn.Module):
    r"""Applies `relu` elementwise. Like ``torch.nn.ReLU`` without its ``inplace`` option."""

    def forward(self, x: Tensor) -> Tensor:
        return relu(x)


class LeakyReLU(nn.Module):
    r"""Applies `leaky_relu` elementwise. Like ``torch.nn.LeakyReLU`` without ``inplace``.

    Args:
        negative_slope: :math:`\alpha`, the slope for negative inputs (default 0.01).
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class GELU(nn.Module):
    r"""Applies `gelu` elementwise. Like ``torch.nn.GELU``.

    Args:
        approximate: ``"none"`` (exact) or ``"tanh"``.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        _check_approximate(approximate)
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(nn.Module):
    r"""Applies `softmax` along ``dim``. Like ``torch.nn.Softmax``, but ``dim`` is required.

    Args:
        dim: the dimension whose entries become probabilities summing to 1.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
