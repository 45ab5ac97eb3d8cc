r"""Batch normalization (Ioffe & Szegedy, 2015): standardize each feature over the batch, then rescale.

In training, each feature (each channel, for images) is standardized with the mean and variance
of the current mini-batch and then scaled and shifted by two learned vectors, :math:`\gamma` and
:math:`\beta`. Because a test example must not depend on the batch it arrives in, the layer also
keeps running averages of the batch statistics and uses those in evaluation. The modules
follow ``torch.nn.BatchNorm1d`` and ``torch.nn.BatchNorm2d`` exactly, buffers included, so
``torch_bn.load_state_dict(ours.state_dict())`` gives PyTorch the same layer.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["BatchNorm1d", "BatchNorm2d", "batch_norm"]


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    r"""Normalize ``x`` per feature (dimension 1) with batch or running statistics.

    In training, with :math:`\mu_c` and :math:`\sigma_c^2` the mean and the *biased* variance of
    feature :math:`c` over the :math:`n` values it takes in the batch (all dimensions but 1),

    .. math::

        \hat x = \frac{x - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}}, \qquad y = \gamma_c \hat x + \beta_c,

    and, if running statistics are given, they are updated in place with the *unbiased* variance:
    :math:`\bar\mu_c \leftarrow (1 - m)\bar\mu_c + m\mu_c`,
    :math:`\bar\sigma^2_c \leftarrow (1 - m)\bar\sigma^2_c + m\,\sigma_c^2\, n/(n - 1)`.
    In evaluation, :math:`\bar\mu_c` and :math:`\bar\sigma^2_c` replace the batch statistics.
    Gradients flow through :math:`\mu_c` and :math:`\sigma^2_c` (autograd), as in the paper.

    Args:
        x: shape ``(N, C)`` or ``(N, C, *)``, e.g. ``(N, C, L)`` or ``(N, C, H, W)``.
        running_mean, running_var: shape ``(C,)``, or None (then training must be True).
        weight, bias: :math:`\gamma` and :math:`\beta`, shape ``(C,)``, or None for 1 and 0.
        training: use and record the batch statistics (True) or use the running ones (False).
        momentum: :math:`m`, the weight of the new batch in the running averages.
        eps: :math:`\epsilon`, added to the variance for numerical stability.

    Returns:
        Same shape as ``x``. Same semantics as ``torch.nn.functional.batch_norm``.
    """
    if x.dim() < 2:
        raise ValueError(f"batch_norm expects input of shape (N, C) or (N, C, *), got {tuple(x.shape)}")
    C = x.shape[1]
    for name, t in [("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)]:
        if t is not None and t.shape != (C,):
            raise ValueError(f"batch_norm expects {name} of shape ({C},) for input {tuple(x.shape)}, "
                             f"got {tuple(t.shape)}")
    dims = [0, *range(2, x.dim())]  # every dimension but the feature dimension 1
    shape = [1, C] + [1] * (x.dim() - 2)  # (1, C, 1, ...) broadcasts per feature
    if training:
        n = x.numel() // C  # values per feature in this batch
        if n < 2:
            raise ValueError(f"batch_norm in training needs more than 1 value per feature, "
                             f"got input of shape {tuple(x.shape)}")
        mean = x.mean(dim=dims)  # (C,)
        var = x.var(dim=dims, unbiased=False)  # (C,) biased: divides by n
        if running_mean is not None and running_var is not None:
            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(momentum * mean)
                running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))  # unbiased
    elif running_mean is None or running_var is None:
        raise ValueError("batch_norm in evaluation (training=False) needs running_mean and running_var")
    else:
        mean, var = running_mean, running_var
    x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        x_hat = x_hat * weight.reshape(shape)
    if bias is not None:
        x_hat = x_hat + bias.reshape(shape)
    return x_hat


class _BatchNorm(nn.Module):
    r"""What BatchNorm1d and BatchNorm2d share; they differ only in the input shapes they accept.

    Args:
        num_features: :math:`C`, the size of dimension 1 of the input.
        eps: :math:`\epsilon`, added to the variance.
        momentum: the weight :math:`m` of each new batch in the running averages; None uses
            the plain average of all batches so far (:math:`m = 1/t` at batch :math:`t`).
        affine: learn :math:`\gamma` (``weight``, starts at 1) and :math:`\beta` (``bias``, starts at 0).
        track_running_stats: keep ``running_mean`` (starts at 0), ``running_var`` (starts at 1)
            and ``num_batches_tracked``, and use them in eval mode; without, every forward pass
            uses the statistics of its own batch, even in eval mode.
    """

    _ndims: tuple[int, ...] = ()  # the input dimensions the subclass accepts
    _expected = ""  # the same, as shapes, for error messages

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"num_features must be a positive integer, got {num_features!r}")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"momentum must be None or in [0, 1], got {momentum!r}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        factory = {"device": device, "dtype": dtype}
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features, **factory))
            self.bias = nn.Parameter(torch.zeros(num_features, **factory))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **factory))
            self.register_buffer("running_var", torch.ones(num_features, **factory))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Forget the running statistics: mean 0, variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() not in self._ndims or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects input of shape "
                             f"{self._expected} with C = {self.num_features}, got {tuple(x.shape)}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative average: batch t gets weight 1/t
                momentum = 1 / self.num_batches_tracked.item()
        use_batch_stats = self.training or not self.track_running_stats
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          use_batch_stats, momentum if momentum is not None else 0.0, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    r"""Batch normalization of ``(N, C)`` features or ``(N, C, L)`` sequences, as ``torch.nn.BatchNorm1d``.

    Statistics are taken per feature :math:`c` over the batch (and over the length :math:`L`).
    See :func:`batch_norm` for the math and :class:`_BatchNorm` for the arguments.

    Shapes:
        input ``(N, C)`` or ``(N, C, L)`` -> output the same shape.
    """

    _ndims = (2, 3)
    _expected = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    r"""Batch normalization of ``(N, C, H, W)`` images, per channel, as ``torch.nn.BatchNorm2d``.

    Statistics are taken per channel :math:`c` over the batch and all :math:`H \times W` positions.
    See :func:`batch_norm` for the math and :class:`_BatchNorm` for the arguments.

    Shapes:
        input ``(N, C, H, W)`` -> output the same shape.
    """

    _ndims = (4,)
    _expected = "(N, C, H, W)"
