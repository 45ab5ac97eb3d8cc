r"""Draw a computational graph with Matplotlib alone (no Graphviz needed).

Nodes are placed in columns by their distance from the output: the output on the right,
each input one column left of the first operation that reads it. Within a column, nodes
are sorted by the height of the nodes that consume them, which keeps most arrows straight.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from dl_lib.autograd.value import topo_order

__all__ = ["draw", "layout"]

LEAF_COLOR, OP_COLOR, ROOT_COLOR = "#DCEBF7", "#F4F4F4", "#FBE3D6"


def layout(root: Any) -> dict[Any, tuple[float, float]]:
    r"""The position ``(column, row)`` of every node of the graph that ends in ``root``.

    Args:
        root: a :class:`~dl_lib.autograd.Value` or :class:`~dl_lib.autograd.Tensor`.

    Returns:
        ``{node: (x, y)}``; ``x`` counts columns from the left (the output has the largest),
        ``y`` is centred on 0 within each column.
    """
    order = topo_order(root)  # inputs first, root last
    distance = {root: 0}  # the longest path from a node to the output
    for node in reversed(order):
        for child in node._prev:
            distance[child] = max(distance.get(child, 0), distance[node] + 1)
    width = max(distance.values())
    consumers = defaultdict(list)
    for node in order:
        for child in set(node._prev):
            consumers[child].append(node)
    columns = defaultdict(list)
    for node in order:
        columns[width - distance[node]].append(node)
    position = {}
    for x in range(width, -1, -1):  # right to left: consumers are placed before their inputs
        nodes = columns[x]
        height = {n: np.mean([position[c][1] for c in consumers[n]]) if consumers[n] else 0.0 for n in nodes}
        nodes = sorted(nodes, key=lambda n: -height[n])  # highest consumers first
        for i, node in enumerate(nodes):
            position[node] = (float(x), (len(nodes) - 1) / 2 - i)
    return position


def _text(node: Any) -> str:
    """Three lines: name and operation, then data and grad (a scalar) or the shape (an array)."""
    label = getattr(node, "label", "")
    title = " ".join(part for part in (label, f"[{node._op}]" if node._op else "") if part) or "leaf"
    if np.ndim(node.data) == 0:
        grad = node.grad if node.grad is not None else float("nan")
        return f"{title}\ndata {float(node.data):.4f}\ngrad {float(grad):.4f}"
    return f"{title}\nshape {tuple(node.data.shape)}\n" + ("grad ✓" if node.grad is not None else "grad —")


def draw(root: Any, ax: Axes | None = None, title: str | None = None) -> Axes:
    r"""Draw the computational graph that ends in ``root``, one box per node.

    Every box shows the node's label and operation (``[*]``, ``[tanh]``; leaves have none),
    its ``data`` and its ``grad`` (for a ``Tensor``, its shape and whether it has a gradient).
    Arrows point from inputs to the operation that uses them; an input used twice by the same
    operation (``a * a``) gets two arrows.

    Args:
        root: the output node, a :class:`~dl_lib.autograd.Value` or :class:`~dl_lib.autograd.Tensor`.
        ax: the axes to draw into; None makes a figure sized to the graph.
        title: the title; None gives "Computational graph".

    Returns:
        The axes.
    """
    position = layout(root)
    n_columns = int(max(x for x, _ in position.values())) + 1
    n_rows = max(Counter(x for x, _ in position.values()).values())
    if ax is None:
        _, ax = plt.subplots(figsize=(min(2.1 * n_columns + 0.5, 16), 1.1 * n_rows + 1.2))
    boxes = {}
    for node, (x, y) in position.items():
        color = ROOT_COLOR if node is root else OP_COLOR if node._prev else LEAF_COLOR
        boxes[node] = ax.text(x, y, _text(node), ha="center", va="center", fontsize=8, family="monospace",
                              bbox={"boxstyle": "round,pad=0.4", "facecolor": color, "edgecolor": "0.4"})
    for node in position:
        for child, count in Counter(node._prev).items():
            skips = position[node][0] - position[child][0] > 1  # would cross the boxes in between
            for k in range(count):  # a * a: two arrows, bent apart
                bend = 0.25 * (k - (count - 1) / 2) + (0.35 if skips else 0.0)
                ax.annotate("", xy=position[node], xytext=position[child],
                            arrowprops={"arrowstyle": "-|>", "color": "0.35", "shrinkA": 0, "shrinkB": 0,
                                        "patchA": boxes[child].get_bbox_patch(),
                                        "patchB": boxes[node].get_bbox_patch(),
                                        "connectionstyle": f"arc3,rad={bend}"})
    ys = [y for _, y in position.values()]
    ax.set_xlim(-0.6, n_columns - 0.4)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.axis("off")
    ax.set_title("Computational graph" if title is None else title)
    return ax
