r"""A convolution window sliding over a multi-channel input, drawn by code.

One output value of a convolutional layer is the sum of the products of one filter, of shape
$(C, k, k)$, with the $k \times k$ window at the same place in every one of the $C$ input
channels, plus a bias. :func:`conv_window` draws the input channels as a stack of grids (with the
zero padding dashed), the window on each of them, the filter, and the output map with the value
the window produces; dashed outlines show where the window was before it slid by the stride.
:func:`window_cells` lists the input cells under the window, so that a test can check the picture
against :func:`dl_lib.nn.im2col`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from dl_lib.book import describe
from dl_lib.nn.conv import conv_output_size

__all__ = ["conv_window", "window_cells"]


def _check(in_channels: int, size: int, kernel_size: int, stride: int, padding: int,
           position: tuple[int, int]) -> int:
    """Check the arguments; return the output size."""
    for name, value, low, high in (("in_channels", in_channels, 1, 4), ("size", size, 1, 9),
                                   ("kernel_size", kernel_size, 1, 5), ("stride", stride, 1, 3),
                                   ("padding", padding, 0, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"conv_window: {name} must be an integer from {low} to {high} "
                             f"(what fits in the drawing), got {value!r}")
    if kernel_size > size + 2 * padding:
        raise ValueError(f"conv_window: a {kernel_size}x{kernel_size} kernel does not fit in a "
                         f"{size}x{size} input with padding {padding}")
    out = conv_output_size(size, kernel_size, stride, padding)
    if (not isinstance(position, tuple) or len(position) != 2
            or not all(isinstance(p, int) and 0 <= p < out for p in position)):
        raise ValueError(f"conv_window: position must be a pair (row, column) of the {out}x{out} "
                         f"output, each from 0 to {out - 1}, got {position!r}")
    return out


def window_cells(position: tuple[int, int], kernel_size: int, stride: int = 1,
                 padding: int = 0) -> list[tuple[int, int]]:
    """The input cells ``(row, column)`` under the window of output ``position``, row by row.

    Rows and columns count in the unpadded input, so a cell of the padding has a coordinate
    below 0 or at least the input size.
    """
    i, j = position
    top, left = i * stride - padding, j * stride - padding
    return [(top + u, left + v) for u in range(kernel_size) for v in range(kernel_size)]


CHANNEL_COLOURS = ["#DCEBF7", "#E2F0D9", "#FBE3D6", "#EDE3F5"]
WINDOW, OUTPUT = "#C00000", "#1F4E79"


def _grid(ax, x0: float, y0: float, rows: int, cols: int, colour: str, cell: float = 1.0,
          edge: str = "#7F7F7F", linestyle: str = "-", alpha: float = 1.0) -> None:
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(Rectangle((x0 + c * cell, y0 - (r + 1) * cell), cell, cell,
                                   facecolor=colour, edgecolor=edge, linewidth=0.8,
                                   linestyle=linestyle, alpha=alpha))


def conv_window(in_channels: int = 3, size: int = 6, kernel_size: int = 3, stride: int = 1,
                padding: int = 0, position: tuple[int, int] = (1, 2)) -> Figure:
    """Draw a ``kernel_size`` window of one filter over ``in_channels`` channels of a
    ``size x size`` input, at output ``position``, and the output map it fills.

    Returns the figure, described (its alt text starts with "Diagram:") for readers who cannot
    see it.
    """
    out = _check(in_channels, size, kernel_size, stride, padding, position)
    full = size + 2 * padding
    shift = 1.6  # how far each channel behind is drawn up and to the right
    fig, ax = plt.subplots(figsize=(10, 4.2))
    # The input: the back channel first, so the front one (channel 1) covers it.
    for ch in reversed(range(in_channels)):
        x0, y0 = ch * shift, full + ch * shift
        _grid(ax, x0, y0, full, full, "#FFFFFF", linestyle="--", edge="#BFBFBF")
        _grid(ax, x0 + padding, y0 - padding, size, size, CHANNEL_COLOURS[ch])
        for r, c in window_cells(position, kernel_size, stride, padding):
            ax.add_patch(Rectangle((x0 + c + padding, y0 - r - padding - 1), 1, 1,
                                   facecolor=WINDOW, alpha=0.25, edgecolor="none"))
        top, left = position[0] * stride, position[1] * stride
        ax.add_patch(Rectangle((x0 + left, y0 - top - kernel_size), kernel_size, kernel_size,
                               fill=False, edgecolor=WINDOW, linewidth=2.2))
        # Above the channel's top-left corner: the one place no channel in front covers.
        ax.text(x0, y0 + 0.1, f"channel {ch + 1}", fontsize=7, va="bottom", ha="left",
                color="#404040")
    # Where the window was before: dashed outlines one and two strides back, on channel 1.
    i, j = position
    for back in (1, 2):
        if j - back >= 0:
            left, top = (j - back) * stride, i * stride
            ax.add_patch(Rectangle((left, full - top - kernel_size), kernel_size, kernel_size,
                                   fill=False, edgecolor=WINDOW, linewidth=1.0,
                                   linestyle="--", alpha=0.9 / back))
    ax.text(full / 2, -0.8, f"input ({in_channels}, {size}, {size})"
            + (f", padding {padding} (dashed)" if padding else ""), ha="center", fontsize=9)
    # The filter: C slices of k x k, in the channels' colours.
    fx = full + in_channels * shift + 2.2
    fy = full / 2 + kernel_size / 2
    for ch in reversed(range(in_channels)):
        _grid(ax, fx + ch * 0.45, fy + ch * 0.45, kernel_size, kernel_size,
              CHANNEL_COLOURS[ch], edge=WINDOW)
    ax.text(fx + kernel_size / 2, fy - kernel_size - 0.8,
            f"one filter ({in_channels}, {kernel_size}, {kernel_size})", ha="center",
            fontsize=9)
    # The output map, with the value this window produces.
    ox = fx + kernel_size + in_channels * 0.45 + 3.4
    oy = full / 2 + out / 2
    _grid(ax, ox, oy, out, out, "#F2F2F2")
    ax.add_patch(Rectangle((ox + j, oy - i - 1), 1, 1, facecolor=OUTPUT, edgecolor=OUTPUT))
    ax.text(ox + out / 2, oy - out - 0.8, f"output map ({out}, {out})", ha="center",
            fontsize=9)
    window_centre = (position[1] * stride + kernel_size / 2,
                     full - position[0] * stride - kernel_size / 2)
    ax.add_patch(FancyArrowPatch(window_centre, (fx - 0.2, fy - kernel_size / 2),
                                 arrowstyle="-|>", mutation_scale=14, color=WINDOW,
                                 connectionstyle="arc3,rad=-0.2", linewidth=1.4))
    ax.add_patch(FancyArrowPatch((fx + kernel_size + in_channels * 0.45 + 0.2,
                                  fy - kernel_size / 2), (ox + j + 0.5, oy - i - 0.5),
                                 arrowstyle="-|>", mutation_scale=14, color=OUTPUT,
                                 linewidth=1.4))
    products = in_channels * kernel_size * kernel_size
    ax.text((fx + kernel_size + (in_channels - 1) * 0.45 + ox) / 2, fy - kernel_size / 2 - 0.4,
            f"sum of {products}\nproducts + b", ha="center", va="top", fontsize=9,
            color=OUTPUT)
    ax.set_xlim(-0.5, ox + out + 0.8)
    ax.set_ylim(-1.4, full + in_channels * shift + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"One filter at output position {position}: a {kernel_size}x{kernel_size} "
                 f"window through all {in_channels} channels, sliding by stride {stride}")
    fig.tight_layout()
    earlier = {0: "", 1: ", with a fainter dashed outline where it was one stride of "
               f"{stride} earlier", 2: ", with fainter dashed outlines where it was one and two "
               f"strides of {stride} earlier"}[min(j, 2)]
    pixels = "pixel" if padding == 1 else "pixels"
    described = (
        f"Diagram: a convolution window on a {in_channels}-channel {size} by {size} input"
        + (f" with {padding} {pixels} of zero padding drawn dashed" if padding else "")
        + f". The input's channels are drawn as a stack of grids; a red {kernel_size} by "
        f"{kernel_size} square marks the same window in every channel{earlier}. "
        "An arrow leads to one "
        f"filter of shape ({in_channels}, {kernel_size}, {kernel_size}), one slice per channel, "
        f"and another to the {out} by {out} output map, where the cell at row {position[0]}, "
        f"column {position[1]} (counting from 0) holds the sum of the {products} products "
        "plus the bias."
    )
    return describe(fig, described)
