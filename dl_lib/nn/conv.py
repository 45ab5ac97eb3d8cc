r"""Two-dimensional convolution, written twice: as loops one can read, and as one matrix product.

A convolutional layer slides a small stack of filters over an image. At every position it takes
the patch under the filter and computes a weighted sum, so each output channel is a map of how
strongly one filter responds where. Like PyTorch (and every deep learning library), we compute the
*cross-correlation* and call it convolution: the filter is not flipped.

``conv2d_loops`` spells this out position by position. ``conv2d`` computes the same numbers with
*im2col*: cut every patch out of the image, lay the patches side by side as the columns of one
matrix, and multiply that matrix by the filters. ``Conv2d`` holds the weights, laid out as in
``torch.nn.Conv2d``, so ``torch_conv.load_state_dict(ours.state_dict())`` gives PyTorch the same
layer.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["Conv2d", "conv2d", "conv2d_loops", "conv_output_size", "im2col", "sliding_windows"]

IntPair = int | tuple[int, int]


def as_pair(value: IntPair, name: str, minimum: int) -> tuple[int, int]:
    """``3 -> (3, 3)``; ``(3, 1)`` stays; anything else, or a value below ``minimum``, is an error."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return pair


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    r"""The length of a convolution's output along one spatial dimension.

    .. math:: n_\text{out} = \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1

    The padded input has :math:`n + 2p` positions; a kernel of size :math:`k` with dilation
    :math:`d` spans :math:`d(k - 1) + 1` of them, so it fits in
    :math:`n + 2p - d(k - 1)` places, of which every :math:`s`-th is used. Pooling layers follow
    the same formula (Dumoulin & Visin, 2016, derive it case by case).

    Args:
        size: :math:`n`, the input's height or width.
        kernel_size: :math:`k`; stride: :math:`s`; padding: :math:`p` zeros on *each* side;
        dilation: :math:`d`, the spacing between the kernel's taps.

    Returns:
        :math:`n_\text{out}`, an int >= 1. Raises ``ValueError`` when the kernel does not fit.
    """
    for name, value, minimum in [("size", size, 1), ("kernel_size", kernel_size, 1), ("stride", stride, 1),
                                 ("padding", padding, 0), ("dilation", dilation, 1)]:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ValueError(f"conv_output_size: {name} must be an int >= {minimum}, got {value!r}")
    span = dilation * (kernel_size - 1) + 1
    if span > size + 2 * padding:
        raise ValueError(f"conv_output_size: kernel of size {span} is larger than the padded input "
                         f"{size} + 2*{padding} = {size + 2 * padding}")
    return (size + 2 * padding - span) // stride + 1


def _check_conv2d(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """Shapes for conv2d: input (N, C, H, W), weight (O, C, kh, kw), bias (O,)."""
    if input.dim() != 4:
        raise ValueError(f"conv2d expects input of shape (N, C, H, W), got {tuple(input.shape)}")
    if weight.dim() != 4:
        raise ValueError(f"conv2d expects weight of shape (out_channels, in_channels, kH, kW), "
                         f"got {tuple(weight.shape)}")
    if input.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d: input has {input.shape[1]} channels (shape {tuple(input.shape)}) but "
                         f"weight of shape {tuple(weight.shape)} expects {weight.shape[1]}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"conv2d expects bias of shape ({weight.shape[0]},) for weight of shape "
                         f"{tuple(weight.shape)}, got {tuple(bias.shape)}")


def _pad(input: Tensor, padding: tuple[int, int], value: float = 0.0) -> Tensor:
    """Surround each (H, W) image with ``padding`` rows and columns of ``value``: (N, C, H + 2ph, W + 2pw)."""
    N, C, H, W = input.shape
    ph, pw = padding
    padded = input.new_full((N, C, H + 2 * ph, W + 2 * pw), value)
    padded[:, :, ph : ph + H, pw : pw + W] = input  # autograd sends the gradient back to the middle
    return padded


def _check_fits(caller: str, shape: torch.Size, kernel: tuple[int, int], padding: tuple[int, int],
                dilation: tuple[int, int]) -> None:
    """Raise a clear error when the (dilated) kernel is larger than the padded (H, W) of ``shape``."""
    H, W = shape[2] + 2 * padding[0], shape[3] + 2 * padding[1]
    span_h, span_w = dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1
    if span_h > H or span_w > W:
        raise ValueError(f"{caller}: kernel of size {span_h}x{span_w} is larger than the padded input "
                         f"{H}x{W} (input {tuple(shape)}, padding {padding})")


def output_hw(shape: torch.Size, kernel_size: IntPair, stride: IntPair = 1, padding: IntPair = 0,
              dilation: IntPair = 1, caller: str = "conv2d") -> tuple[int, int]:
    """``(H_out, W_out)`` for an input of ``shape`` (N, C, H, W), by `conv_output_size` along each axis."""
    (kh, kw), (sh, sw) = as_pair(kernel_size, "kernel_size", 1), as_pair(stride, "stride", 1)
    (ph, pw), (dh, dw) = as_pair(padding, "padding", 0), as_pair(dilation, "dilation", 1)
    _check_fits(caller, shape, (kh, kw), (ph, pw), (dh, dw))
    return conv_output_size(shape[2], kh, sh, ph, dh), conv_output_size(shape[3], kw, sw, pw, dw)


def sliding_windows(input: Tensor, kernel_size: IntPair, stride: IntPair = 1, padding: IntPair = 0,
                    dilation: IntPair = 1, pad_value: float = 0.0, caller: str = "conv2d") -> Tensor:
    r"""Every window a kernel sees as it slides over the padded input, as a view (no copy).

    Window :math:`(i, j)` starts at row :math:`i s_h` and column :math:`j s_w` of the padded input
    and takes every :math:`d`-th pixel, :math:`k_h \times k_w` of them. ``Tensor.unfold`` builds
    each window as a strided view, so this costs no memory until the windows are used.

    Args:
        input: shape ``(N, C, H, W)``.
        kernel_size, stride, padding, dilation: ints or ``(height, width)`` pairs.
        pad_value: the value of the padding (0 for convolution, :math:`-\infty` for max pooling).
        caller: the name used in error messages.

    Returns:
        Shape ``(N, C, H_out, W_out, kH, kW)``, with ``H_out``, ``W_out`` as in `conv_output_size`.
    """
    if input.dim() != 4:
        raise ValueError(f"{caller} expects input of shape (N, C, H, W), got {tuple(input.shape)}")
    (kh, kw), (sh, sw) = as_pair(kernel_size, "kernel_size", 1), as_pair(stride, "stride", 1)
    (ph, pw), (dh, dw) = as_pair(padding, "padding", 0), as_pair(dilation, "dilation", 1)
    _check_fits(caller, input.shape, (kh, kw), (ph, pw), (dh, dw))
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # extent of the (dilated) kernel
    padded = _pad(input, (ph, pw), pad_value)
    windows = padded.unfold(2, span_h, sh).unfold(3, span_w, sw)  # (N, C, H_out, W_out, span_h, span_w)
    return windows[..., ::dh, ::dw]  # keep every d-th tap: (N, C, H_out, W_out, kH, kW)


def im2col(input: Tensor, kernel_size: IntPair, stride: IntPair = 1, padding: IntPair = 0,
           dilation: IntPair = 1) -> Tensor:
    r"""Lay every patch of ``input`` out as one column: the matrix that turns convolution into a product.

    Column :math:`l` (for output position :math:`l = i W_\text{out} + j`) holds the
    :math:`C k_h k_w` input values the kernel sees at :math:`(i, j)`, ordered channel first, then
    kernel row, then kernel column: the order of ``weight.reshape(O, C * kH * kW)``. Same result
    as ``torch.nn.functional.unfold``.

    Args:
        input: shape ``(N, C, H, W)``; the other arguments as in `sliding_windows`.

    Returns:
        Shape ``(N, C * kH * kW, H_out * W_out)``.
    """
    windows = sliding_windows(input, kernel_size, stride, padding, dilation)  # (N, C, H_out, W_out, kH, kW)
    N, C, H_out, W_out, kh, kw = windows.shape
    columns = windows.permute(0, 1, 4, 5, 2, 3)  # (N, C, kH, kW, H_out, W_out)
    return columns.reshape(N, C * kh * kw, H_out * W_out)  # this reshape copies: each pixel, once per patch


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
           padding: IntPair = 0, dilation: IntPair = 1) -> Tensor:
    r"""2-D convolution (cross-correlation) by im2col and one matrix product.

    .. math::

        Y_{n,o,i,j} = b_o + \sum_{c=1}^{C} \sum_{u=0}^{k_h - 1} \sum_{v=0}^{k_w - 1}
        w_{o,c,u,v}\, X^\text{pad}_{n,\,c,\,i s_h + u d_h,\, j s_w + v d_w}

    With the patches as columns of :math:`P` (`im2col`, shape ``(N, C kH kW, L)``) and the
    filters as the rows of a matrix (``weight`` reshaped to ``(O, C kH kW)``), all outputs are
    one matrix product of that matrix with :math:`P`, plus :math:`b`.
    Gradients come from autograd through these operations. Same semantics as
    ``torch.nn.functional.conv2d`` without ``groups`` (LeCun et al., 1989; Chellapilla et al., 2006).

    Args:
        input: :math:`X`, shape ``(N, C, H, W)``.
        weight: :math:`W`, shape ``(O, C, kH, kW)``: ``O`` filters, each ``C x kH x kW``.
        bias: :math:`b`, shape ``(O,)``, or None.
        stride, padding, dilation: ints or ``(height, width)`` pairs; padding adds zeros on each side.

    Returns:
        Shape ``(N, O, H_out, W_out)``, with ``H_out``, ``W_out`` as in `conv_output_size`.
    """
    _check_conv2d(input, weight, bias)
    N, (C_out, _, kh, kw) = input.shape[0], weight.shape
    H_out, W_out = output_hw(input.shape, (kh, kw), stride, padding, dilation)
    P = im2col(input, (kh, kw), stride, padding, dilation)  # (N, C*kH*kW, L), L = H_out * W_out
    Y = weight.reshape(C_out, -1) @ P  # (O, C*kH*kW) @ (N, C*kH*kW, L) -> (N, O, L)
    if bias is not None:
        Y = Y + bias[:, None]  # (O, 1) broadcasts over the L positions
    return Y.reshape(N, C_out, H_out, W_out)


def conv2d_loops(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
                 padding: IntPair = 0, dilation: IntPair = 1) -> Tensor:
    r"""The same convolution as `conv2d`, one output number at a time: slow, but it reads like the formula.

    For every image :math:`n`, filter :math:`o` and output position :math:`(i, j)`: cut the patch
    the filter sees out of the padded input, multiply it elementwise by the filter, add it all up
    and add the bias. Autograd differentiates this too, so it can check `conv2d` both ways.

    Args and returns as in `conv2d`.
    """
    _check_conv2d(input, weight, bias)
    N, (C_out, _, kh, kw) = input.shape[0], weight.shape
    H_out, W_out = output_hw(input.shape, (kh, kw), stride, padding, dilation, caller="conv2d_loops")
    (sh, sw), (dh, dw) = as_pair(stride, "stride", 1), as_pair(dilation, "dilation", 1)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # rows and columns one patch covers
    X = _pad(input, as_pair(padding, "padding", 0))  # (N, C, H + 2ph, W + 2pw)
    Y = input.new_zeros(N, C_out, H_out, W_out)
    for n in range(N):  # every image
        for o in range(C_out):  # every filter
            for i in range(H_out):  # every output position
                for j in range(W_out):
                    top, left = i * sh, j * sw  # the patch's corner in the padded input
                    patch = X[n, :, top : top + span_h : dh, left : left + span_w : dw]  # (C, kH, kW)
                    y = (patch * weight[o]).sum()  # elementwise product with the filter, summed
                    Y[n, o, i, j] = y if bias is None else y + bias[o]
    return Y


class Conv2d(nn.Module):
    r"""A convolutional layer: ``out_channels`` filters, each ``in_channels x kH x kW``, applied by `conv2d`.

    Every output channel shares one filter across all positions of the image (parameter sharing),
    so the layer has :math:`O (C k_h k_w + 1)` parameters whatever the image size. Initialisation
    follows PyTorch: weight and bias from :math:`\mathcal{U}(-1/\sqrt{C k_h k_w}, 1/\sqrt{C k_h k_w})`,
    so with the same seed this layer and ``torch.nn.Conv2d`` start with the same numbers.

    Args:
        in_channels: :math:`C`; out_channels: :math:`O`; kernel_size: an int or ``(kH, kW)``.
        stride, padding, dilation: as in `conv2d`.
        bias: whether to learn a bias per output channel.

    Shapes:
        input ``(N, C, H, W)`` -> output ``(N, O, H_out, W_out)``. Unlike PyTorch, no ``groups``,
        no ``padding="same"`` and only zero padding.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntPair, stride: IntPair = 1,
                 padding: IntPair = 0, dilation: IntPair = 1, bias: bool = True,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        if in_channels < 1 or out_channels < 1:
            raise ValueError(f"Conv2d expects in_channels and out_channels >= 1, "
                             f"got {in_channels} and {out_channels}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.stride, self.padding = as_pair(stride, "stride", 1), as_pair(padding, "padding", 0)
        self.dilation = as_pair(dilation, "dilation", 1)
        factory = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, *self.kernel_size, **factory))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_channels, **factory))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight, then the bias, from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C * kH * kW."""
        bound = 1 / math.sqrt(self.weight[0].numel())
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        text += f", stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text + ("" if self.bias is not None else ", bias=False")
