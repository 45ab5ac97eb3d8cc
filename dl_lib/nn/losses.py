r"""Loss functions: how wrong a network's output is, as one number to minimise.

Each loss here is the negative log-likelihood of the targets under a distribution that the
network's output parameterises (Fisher, 1922):

- :func:`mse_loss`: a Gaussian with mean :math:`\hat y` (regression);
- :func:`binary_cross_entropy` and :func:`binary_cross_entropy_with_logits`: a Bernoulli
  with probability :math:`p = \sigma(z)` (two classes);
- :func:`nll_loss` and :func:`cross_entropy`: a categorical distribution
  :math:`\mathrm{softmax}(\mathbf{z})` over :math:`C` classes (Bridle, 1990).

The losses that take logits go through :func:`logsumexp`, which never overflows, so they stay
finite where the textbook formulas return ``inf`` or ``nan``. Arguments follow PyTorch
(``input``, ``target``, ``reduction``); unlike PyTorch, every loss refuses an ``input`` and a
``target`` whose shapes differ instead of broadcasting them.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "CrossEntropyLoss",
    "LOG_CLAMP",
    "log_softmax",
    "logsumexp",
    "mse_loss",
    "MSELoss",
    "nll_loss",
    "NLLLoss",
    "reduce_loss",
    "REDUCTIONS",
]

REDUCTIONS = ("mean", "sum", "none")
LOG_CLAMP = -100.0  # PyTorch's binary_cross_entropy clamps log(p) and log(1 - p) at -100


def reduce_loss(loss: Tensor, reduction: str, caller: str) -> Tensor:
    """Average (``"mean"``), add up (``"sum"``) or keep (``"none"``) the per-example losses."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{caller}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _check_same_shape(input: Tensor, target: Tensor, caller: str) -> None:
    """Refuse to broadcast: a loss compares each prediction with its own target only."""
    if input.shape != target.shape:
        raise ValueError(
            f"{caller} expects input and target of the same shape, got input {tuple(input.shape)} "
            f"and target {tuple(target.shape)}; broadcasting them would compare predictions with "
            f"other examples' targets (reshape one of them, e.g. target.reshape(input.shape))"
        )


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Mean squared error: :math:`\frac{1}{N}\sum_i (\hat y_i - y_i)^2`.

    Up to constants it is the negative log-likelihood of :math:`y` under a Gaussian with
    mean :math:`\hat y` and fixed variance :math:`\sigma^2` (Gauss, 1809):
    :math:`-\log p(y \mid \hat y) = \frac{(y - \hat y)^2}{2\sigma^2} + \frac12 \log(2\pi\sigma^2)`.

    Differs from PyTorch: ``torch.nn.functional.mse_loss`` only *warns* when the shapes differ
    and then broadcasts, so predictions of shape ``(N,)`` against targets of shape ``(N, 1)``
    give an ``(N, N)`` matrix of every prediction minus every target, whose mean is a
    plausible-looking but wrong number. Here that raises a ``ValueError``.

    Args:
        input: predictions :math:`\hat y`, any shape.
        target: targets :math:`y`, the same shape as ``input``.
        reduction: ``"mean"`` (over all elements), ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or the squared errors with the shape of ``input`` for ``"none"``.
    """
    _check_same_shape(input, target, "mse_loss")
    return reduce_loss((input - target) ** 2, reduction, "mse_loss")


def _clamped_log(p: Tensor) -> Tensor:
    """``log(p)``, at least ``LOG_CLAMP``; its gradient is 0 (never NaN) where the clamp acts."""
    positive = p > 0
    safe = torch.where(positive, p, torch.ones_like(p))  # log(1) = 0: no -inf, no 0 * inf
    return torch.where(positive, torch.log(safe), torch.full_like(p, LOG_CLAMP)).clamp(min=LOG_CLAMP)


def binary_cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Binary cross-entropy on probabilities: :math:`-[y \log p + (1 - y) \log(1 - p)]`.

    The negative log-likelihood of :math:`y \in \{0, 1\}` under a Bernoulli distribution with
    :math:`P(y = 1) = p`; soft targets in :math:`[0, 1]` are allowed. As in PyTorch, each
    logarithm is clamped at :math:`-100`, so a confidently wrong :math:`p = 0` costs 100,
    not :math:`\infty`.

    Differs from PyTorch: the gradient here is the derivative of the clamped function, so a
    logarithm that is clamped (:math:`p < e^{-100}` or :math:`1 - p < e^{-100}`, which includes
    :math:`p = 0` and :math:`p = 1`) contributes 0 to it, while PyTorch's hand-written backward
    returns :math:`(p - y) / \max(p(1 - p), 10^{-12})` everywhere, about :math:`\pm 10^{12}` for a
    confidently wrong :math:`p`. Away from 0 and 1 the two agree. Prefer
    :func:`binary_cross_entropy_with_logits`, which needs no clamp. PyTorch's ``weight``
    argument is not supported.

    Args:
        input: probabilities :math:`p \in [0, 1]`, any shape.
        target: targets in :math:`[0, 1]`, the same shape as ``input``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
    """
    _check_same_shape(input, target, "binary_cross_entropy")
    if not bool(((input >= 0) & (input <= 1)).all()):
        raise ValueError("binary_cross_entropy expects input probabilities in [0, 1]; "
                         "for logits use binary_cross_entropy_with_logits")
    loss = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    return reduce_loss(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Binary cross-entropy on logits :math:`z`, with :math:`p = \sigma(z)`, in a form that never overflows.

    Substituting :math:`\log \sigma(z) = -\log(1 + e^{-z})` and :math:`\log(1 - \sigma(z)) =
    -z - \log(1 + e^{-z})` into :func:`binary_cross_entropy` gives
    :math:`z - zy + \log(1 + e^{-z})`, and writing :math:`\log(1 + e^{-z})` as
    :math:`\max(-z, 0) + \log(1 + e^{-|z|})` gives

    .. math:: \ell(z, y) = \max(z, 0) - z y + \log\left(1 + e^{-|z|}\right),

    where the exponent is never positive. At :math:`z = \pm 1000` the loss is exact, where
    ``log(sigmoid(z))`` gives :math:`-\infty`. Its gradient is :math:`\sigma(z) - y`.
    (``torch.maximum`` splits the gradient evenly at the kink :math:`z = 0`, so the
    gradient there is :math:`\tfrac12 - y`, the right value.) PyTorch's ``weight`` and
    ``pos_weight`` are not supported.

    Args:
        input: logits :math:`z`, any shape.
        target: targets in :math:`[0, 1]`, the same shape as ``input``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
    """
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    z, y = input, target
    loss = torch.maximum(z, torch.zeros_like(z)) - z * y + torch.log1p(torch.exp(-z.abs()))
    return reduce_loss(loss, reduction, "binary_cross_entropy_with_logits")


def logsumexp(input: Tensor, dim: int | tuple[int, ...], keepdim: bool = False) -> Tensor:
    r"""The log-sum-exp trick: :math:`\log \sum_j e^{z_j}` without overflow.

    With :math:`m = \max_j z_j`,

    .. math:: \log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m},

    and every :math:`e^{z_j - m}` lies in :math:`(0, 1]` with at least one equal to 1, so the
    sum neither overflows nor underflows to 0. The shift :math:`m` is a constant for the
    gradient, which is :math:`\mathrm{softmax}(\mathbf{z})`. A max of :math:`\pm\infty` is
    replaced by 0 (as in PyTorch), so a row of :math:`-\infty` gives :math:`-\infty`, not NaN.

    Args:
        input: any shape.
        dim: the dimension (or dimensions) to reduce.
        keepdim: keep the reduced dimensions with size 1.

    Returns:
        ``input``'s shape without ``dim`` (or with size 1 there if ``keepdim``).
    """
    m = input.amax(dim=dim, keepdim=True).detach()  # (..., 1, ...)
    m = torch.where(m.isinf(), torch.zeros_like(m), m)
    out = m + torch.log(torch.exp(input - m).sum(dim=dim, keepdim=True))
    return out if keepdim else out.squeeze(dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    r"""Logarithm of the softmax, computed stably: :math:`z_k - \log \sum_j e^{z_j}`.

    :math:`\mathrm{softmax}(\mathbf{z})_k = e^{z_k} / \sum_j e^{z_j}` turns logits into
    probabilities (Bridle, 1990). Taking ``log(softmax(z))`` literally fails twice: the
    exponentials overflow for large logits, and a probability that underflows to 0 has
    logarithm :math:`-\infty`. Subtracting :func:`logsumexp` avoids both.

    Args:
        input: logits, any shape.
        dim: the dimension that holds the classes.

    Returns:
        Log-probabilities, the shape of ``input``.
    """
    return input - logsumexp(input, dim=dim, keepdim=True)


def _check_class_targets(input: Tensor, target: Tensor, caller: str) -> None:
    """Scores of shape (N, K) and integer class indices of shape (N,) in [0, K)."""
    if input.ndim != 2:
        raise ValueError(f"{caller} expects input of shape (N, K), got {tuple(input.shape)}")
    N, C = input.shape
    if target.shape != (N,):
        raise ValueError(f"{caller} expects target of shape (N,) = ({N},) for input of shape "
                         f"{tuple(input.shape)}, got {tuple(target.shape)}")
    if target.dtype.is_floating_point or target.dtype.is_complex or target.dtype == torch.bool:
        raise ValueError(f"{caller} expects integer class indices as target, got dtype {target.dtype} "
                         "(PyTorch also accepts class probabilities; this implementation does not)")
    if N > 0 and not bool(((target >= 0) & (target < C)).all()):
        raise ValueError(f"{caller} expects class indices in [0, {C}), got values from "
                         f"{int(target.min())} to {int(target.max())}")


def nll_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Negative log-likelihood of the target classes: :math:`-\log p_{i, y_i}` for each example.

    Args:
        input: log-probabilities, shape ``(N, K)``, e.g. from :func:`log_softmax`.
        target: class indices :math:`y_i \in \{0, \dots, C-1\}`, integer tensor of shape ``(N,)``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (shape ``(N,)``).

    PyTorch's ``weight`` and ``ignore_index`` are not supported, nor inputs with extra
    dimensions ``(N, C, d_1, ...)``.
    """
    _check_class_targets(input, target, "nll_loss")
    picked = input.gather(1, target.long().unsqueeze(1)).squeeze(1)  # (N, 1) -> (N,): log p[i, y_i]
    return reduce_loss(-picked, reduction, "nll_loss")


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    r"""Cross-entropy from logits: :func:`nll_loss` of :func:`log_softmax`.

    .. math:: \ell_i = -\log \mathrm{softmax}(\mathbf{z}_i)_{y_i}
                     = \log \sum_j e^{z_{ij}} - z_{i y_i}

    the negative log-likelihood of class :math:`y_i` under a categorical distribution.
    With label smoothing :math:`\varepsilon` (Szegedy et al., 2016) the target is the mixture
    of the one-hot vector (weight :math:`1 - \varepsilon`) and the uniform distribution
    (weight :math:`\varepsilon`), which gives
    :math:`\ell_i = (1 - \varepsilon)\,\ell_i^{\text{one-hot}} - \frac{\varepsilon}{C} \sum_c \log p_{ic}`,
    as in PyTorch.

    Args:
        input: logits :math:`\mathbf{z}`, shape ``(N, K)``.
        target: class indices, integer tensor of shape ``(N,)``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (shape ``(N,)``).
        label_smoothing: :math:`\varepsilon \in [0, 1]`.
    """
    _check_class_targets(input, target, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    log_p = log_softmax(input, dim=1)  # (N, K)
    loss = nll_loss(log_p, target, reduction="none")  # (N,)
    if label_smoothing > 0:
        loss = (1 - label_smoothing) * loss - label_smoothing * log_p.mean(dim=1)
    return reduce_loss(loss, reduction, "cross_entropy")


class _Loss(nn.Module):
    """A loss module: holds ``reduction`` and calls its function in ``forward``."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, "
                             f"got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`: ``MSELoss()(input, target)``."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return mse_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Module form of :func:`binary_cross_entropy` (input: probabilities)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits` (input: logits)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, self.reduction)


class NLLLoss(_Loss):
    """Module form of :func:`nll_loss` (input: log-probabilities)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return nll_loss(input, target, self.reduction)


class CrossEntropyLoss(_Loss):
    """Module form of :func:`cross_entropy` (input: logits of shape ``(N, K)``)."""

    def __init__(self, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return cross_entropy(input, target, self.reduction, self.label_smoothing)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, label_smoothing={self.label_smoothing}"
