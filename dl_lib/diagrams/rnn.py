r"""An unrolled recurrent network: one cell, the same weights, applied at every time step.

A recurrent network is a loop, $h_t = \tanh(x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b)$, and a
loop is hard to picture. Unrolled over $T$ steps it becomes a deep feed-forward graph whose
layers share their weights: :func:`unrolled_rnn` draws the folded cell with its self-loop next
to the $T$ copies, with the shape of every array and the name of the weight on every arrow.
:func:`unrolled_rnn_edges` lists the arrows, so that a test can check the picture against the
dependencies of a real :class:`dl_lib.nn.RNN` (which inputs each hidden state depends on).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from dl_lib.book import describe

__all__ = ["unrolled_rnn", "unrolled_rnn_edges"]


def _check(steps: int, batch: int | str, input_size: int | str, hidden_size: int | str) -> None:
    if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= 8:
        raise ValueError(f"steps must be an integer from 1 to 8 (the copies drawn), got {steps!r}")
    for name, value in (("batch", batch), ("input_size", input_size), ("hidden_size", hidden_size)):
        if isinstance(value, bool) or not (isinstance(value, str) and value.strip()
                                           or isinstance(value, int) and value > 0):
            raise ValueError(f"{name} must be a positive integer or a symbol such as 'B', got {value!r}")


def unrolled_rnn_edges(steps: int, outputs: bool = True) -> list[tuple[str, str, str]]:
    """The arrows of the unrolled network: ``(source, target, weight)`` for ``steps`` steps.

    Nodes are ``"x1"``, ``"h0"``, ``"h1"``, ``"y1"``, ...; ``weight`` is the shared matrix on the
    arrow (``"W_ih"``, ``"W_hh"``, ``"W_hy"``). ``h0`` is the initial state.
    """
    _check(steps, "B", "D", "H")
    edges = []
    for t in range(1, steps + 1):
        edges.append((f"x{t}", f"h{t}", "W_ih"))
        edges.append((f"h{t - 1}", f"h{t}", "W_hh"))
        if outputs:
            edges.append((f"h{t}", f"y{t}", "W_hy"))
    return edges


def _box(ax, x: float, y: float, text: str, shape: str, colour: str) -> None:
    ax.add_patch(FancyBboxPatch((x - 0.38, y - 0.27), 0.76, 0.54, boxstyle="round,pad=0.02",
                                facecolor=colour, edgecolor="#333333", linewidth=1.2))
    ax.text(x, y + 0.07, text, ha="center", va="center", fontsize=12)
    ax.text(x, y - 0.15, shape, ha="center", va="center", fontsize=7.5, color="#444444")


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], label: str,
           colour: str, **kwargs) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12,
                                 color=colour, linewidth=1.4, **kwargs))
    (x0, y0), (x1, y1) = start, end
    ax.text((x0 + x1) / 2 + 0.05, (y0 + y1) / 2 + 0.07, label, fontsize=8.5, color=colour,
            ha="left" if x0 == x1 else "center", va="bottom")


COLOURS = {"x": "#DCEBF7", "h": "#E2F0D9", "y": "#FBE3D6",
           "W_ih": "#1F4E79", "W_hh": "#C00000", "W_hy": "#7F6000"}
LABELS = {"W_ih": "$W_{ih}$", "W_hh": "$W_{hh}$", "W_hy": "$W_{hy}$"}


def unrolled_rnn(steps: int = 4, batch: int | str = "B", input_size: int | str = "D",
                 hidden_size: int | str = "H", outputs: bool = True) -> Figure:
    r"""Draw a recurrent network folded (a cell with a loop) and unrolled over ``steps`` steps.

    Each box is an array with its shape: inputs $x_t$ ``(batch, input_size)``, hidden states
    $h_t$ ``(batch, hidden_size)`` and, with ``outputs``, outputs $y_t$. Every arrow of one
    colour is the same weight matrix: the unrolled network is deep in time but has the
    parameters of one cell. Returns the figure, described for readers who cannot see it.
    """
    _check(steps, batch, input_size, hidden_size)
    x_shape, h_shape = f"({batch}, {input_size})", f"({batch}, {hidden_size})"
    fig, ax = plt.subplots(figsize=(2.2 + 1.45 * (steps + 1), 3.4 if outputs else 2.6))
    top = 2 if outputs else 1
    # The folded cell on the left, its loop drawn as an arc back into itself.
    _box(ax, 0, 0, "$x_t$", x_shape, COLOURS["x"])
    _box(ax, 0, 1, "$h_t$", h_shape, COLOURS["h"])
    _arrow(ax, (0, 0.27), (0, 0.73), LABELS["W_ih"], COLOURS["W_ih"])
    ax.add_patch(FancyArrowPatch((0.38, 1.1), (0.38, 0.9), connectionstyle="arc3,rad=-1.6",
                                 arrowstyle="-|>", mutation_scale=12, color=COLOURS["W_hh"],
                                 linewidth=1.4))
    ax.text(0.72, 1.0, LABELS["W_hh"], color=COLOURS["W_hh"], fontsize=8.5, va="center")
    if outputs:
        _box(ax, 0, 2, r"$\hat y_t$", "", COLOURS["y"])
        _arrow(ax, (0, 1.27), (0, 1.73), LABELS["W_hy"], COLOURS["W_hy"])
    ax.text(0, top + 0.55, "folded", ha="center", fontsize=10, style="italic")
    ax.text(1.25, 1, "=", ha="center", va="center", fontsize=22)
    # The unrolled copies.
    position = {"h0": (2.1, 1)}
    _box(ax, 2.1, 1, "$h_0$", h_shape, "#FFFFFF")
    for t in range(1, steps + 1):
        column = 2.1 + 1.45 * t
        position.update({f"x{t}": (column, 0), f"h{t}": (column, 1), f"y{t}": (column, 2)})
        _box(ax, column, 0, f"$x_{{{t}}}$", x_shape, COLOURS["x"])
        _box(ax, column, 1, f"$h_{{{t}}}$", h_shape, COLOURS["h"])
        if outputs:
            _box(ax, column, 2, rf"$\hat y_{{{t}}}$", "", COLOURS["y"])
    for source, target, weight in unrolled_rnn_edges(steps, outputs):
        (x0, y0), (x1, y1) = position[source], position[target]
        if y0 == y1:  # h_{t-1} -> h_t, left to right
            start, end = (x0 + 0.38, y0), (x1 - 0.38, y1)
        else:  # upwards
            start, end = (x0, y0 + 0.27), (x1, y1 - 0.27)
        _arrow(ax, start, end, LABELS[weight], COLOURS[weight])
    ax.text(2.1 + 1.45 * (steps + 1) / 2, top + 0.55, f"unrolled over T = {steps} steps",
            ha="center", fontsize=10, style="italic")
    ax.set_xlim(-0.6, 2.1 + 1.45 * steps + 0.6)
    ax.set_ylim(-0.45, top + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("A recurrent network, folded and unrolled in time: the same weights at every step")
    fig.tight_layout()
    described = (
        f"Diagram of a recurrent network. Left, folded: an input x_t of shape {x_shape} enters "
        f"a hidden state h_t of shape {h_shape} through W_ih, and h_t feeds back into itself "
        f"through W_hh. Right, the same network unrolled over {steps} steps: a row of inputs "
        f"x_1 to x_{steps}, a row of hidden states h_0 to h_{steps} linked left to right by "
        "W_hh arrows, each x_t feeding h_t through W_ih"
        + (", and each h_t producing an output y_t through W_hy" if outputs else "")
        + "; arrows of one colour are the same shared weight matrix."
    )
    return describe(fig, described)
