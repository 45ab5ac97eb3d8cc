r"""Max and average pooling: summarise each small window of a feature map by one number.

Pooling slides a window over every channel separately, like a convolution with no weights, and
keeps the largest value (max pooling) or the mean (average pooling) of each window. With the
usual ``kernel_size=2, stride=2`` it halves the height and width, so later layers see a wider part
of the image, and a feature that moves by a pixel inside a window leaves a max-pooled output
unchanged. The windows come from the same `sliding_windows` as the convolution's patches, and
the output size follows the same `conv_output_size`. *Global* average pooling takes the mean of
each whole map, ``(N, C, H, W)`` -> ``(N, C)``, the head of networks without fully connected
layers.
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from dl_lib.nn.conv import IntPair, as_pair, sliding_windows

__all__ = [
    "AvgPool2d",
    "GlobalAvgPool2d",
    "MaxPool2d",
    "avg_pool2d",
    "global_avg_pool2d",
    "max_pool2d",
]


def _pool_windows(input: Tensor, kernel_size: IntPair, stride: IntPair | None, padding: IntPair,
                  pad_value: float, caller: str) -> Tensor:
    """Windows of shape (N, C, H_out, W_out, kH * kW); stride defaults to kernel_size, as in PyTorch."""
    kernel = as_pair(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else as_pair(stride, "stride", 1)
    pad = as_pair(padding, "padding", 0)
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(f"{caller}: padding must be at most half of kernel_size, "
                         f"got padding={padding!r} for kernel_size={kernel_size!r}")
    windows = sliding_windows(input, kernel, stride, pad, pad_value=pad_value, caller=caller)
    return windows.flatten(start_dim=-2)  # (N, C, H_out, W_out, kH, kW) -> (..., kH * kW)


def max_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0) -> Tensor:
    r"""The largest value of every ``kH x kW`` window, channel by channel.

    .. math:: Y_{n,c,i,j} = \max_{0 \le u < k_h,\ 0 \le v < k_w} X^\text{pad}_{n,\,c,\,i s_h + u,\, j s_w + v}

    The padding is :math:`-\infty`, so it is never the maximum. The gradient of each output goes
    to the input that was its window's maximum, and is zero for all the others; when a window
    holds the same maximum twice, PyTorch and we each send it to one of them, not necessarily
    the same one. Same semantics as ``torch.nn.functional.max_pool2d`` without ``dilation``,
    ``ceil_mode`` and ``return_indices``.

    Args:
        input: shape ``(N, C, H, W)``.
        kernel_size: an int or ``(kH, kW)``.
        stride: an int or a pair; None (the default) means ``kernel_size``: windows that do not overlap.
        padding: :math:`-\infty` rows and columns on each side, at most half the kernel.

    Returns:
        Shape ``(N, C, H_out, W_out)``, with ``H_out``, ``W_out`` as in `conv_output_size`.
    """
    windows = _pool_windows(input, kernel_size, stride, padding, -math.inf, "max_pool2d")
    return windows.max(dim=-1).values  # .values: the maxima; backward sends each gradient to its argmax


def avg_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0) -> Tensor:
    r"""The mean of every ``kH x kW`` window, channel by channel.

    .. math:: Y_{n,c,i,j} = \frac{1}{k_h k_w} \sum_{u=0}^{k_h - 1} \sum_{v=0}^{k_w - 1}
              X^\text{pad}_{n,\,c,\,i s_h + u,\, j s_w + v}

    The padding is zeros, and they count in the mean (PyTorch's default ``count_include_pad=True``).
    Every input in a window receives :math:`1/(k_h k_w)` of the window's gradient. Same semantics
    as ``torch.nn.functional.avg_pool2d`` with its defaults.

    Args and returns as in `max_pool2d`.
    """
    windows = _pool_windows(input, kernel_size, stride, padding, 0.0, "avg_pool2d")
    return windows.mean(dim=-1)


class _Pool2d(nn.Module):
    """What both pooling layers hold: the window's size, step and padding, checked at construction."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        for name in ("kernel_size", "stride", "padding"):  # fail here, not at the first forward
            as_pair(getattr(self, name), name, 0 if name == "padding" else 1)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    r"""`max_pool2d` as a layer (no parameters). Shapes: ``(N, C, H, W)`` -> ``(N, C, H_out, W_out)``."""

    def forward(self, input: Tensor) -> Tensor:
        return max_pool2d(input, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    r"""`avg_pool2d` as a layer (no parameters). Shapes: ``(N, C, H, W)`` -> ``(N, C, H_out, W_out)``."""

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding)


def global_avg_pool2d(input: Tensor) -> Tensor:
    r"""The mean of every channel over all its positions: ``(N, C, H, W)`` -> ``(N, C)``.

    .. math:: Y_{n,c} = \frac{1}{HW} \sum_{i=0}^{H-1} \sum_{j=0}^{W-1} X_{n,c,i,j}

    Average pooling whose window is the whole map (Lin et al., 2014): the head of a network that
    ends with it has no weight per position, so it works for any image size and any shift of
    the object. Each input gets :math:`1/(HW)` of its channel's gradient. Same values as
    ``torch.nn.functional.adaptive_avg_pool2d(input, 1).flatten(1)``.
    """
    if not isinstance(input, Tensor) or input.dim() != 4 or 0 in input.shape[2:]:
        shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"global_avg_pool2d: input must have shape (N, C, H, W) with H, W >= 1, "
                         f"got {shape}")
    return input.mean(dim=(2, 3))


class GlobalAvgPool2d(nn.Module):
    r"""`global_avg_pool2d` as a layer (no parameters). Shapes: ``(N, C, H, W)`` -> ``(N, C)``."""

    def forward(self, input: Tensor) -> Tensor:
        return global_avg_pool2d(input)
