r"""A computational graph with the shape of every node and the rule that sends its gradient back.

Backpropagation is easiest to follow as a picture: boxes for the arrays of a forward pass,
arrows for "is used by", and next to every box the shape of the array and the formula of its
adjoint $\bar v = \partial \mathcal L / \partial v$, which always has the same shape as $v$.
:func:`computational_graph` draws any such graph from a list of :class:`GraphNode`;
:func:`mlp_graph_nodes` describes the two-layer perceptron trained in the backpropagation
chapter, and :func:`mlp_graph` draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["GraphNode", "computational_graph", "mlp_graph", "mlp_graph_nodes"]

KINDS = {  # kind of node -> box colour
    "data": "#DCEBF7",
    "parameter": "#E2F0D9",
    "operation": "#F4F4F4",
    "loss": "#FBE3D6",
}


@dataclass(frozen=True)
class GraphNode:
    """One array of a forward pass, placed on a grid.

    Attributes:
        name: the node's symbol, used by ``inputs`` of other nodes (``"A"``).
        formula: how the forward pass computes it (``"A = X W1ᵀ + b1"``); empty for a leaf.
        shape: its shape, symbols or numbers (``("N", "H")``, ``(32, 128)``; ``()`` is a scalar).
        column, row: where its box sits (columns grow to the right, rows upwards).
        kind: ``"data"``, ``"parameter"``, ``"operation"`` or ``"loss"`` (the box colour).
        inputs: the names of the nodes it is computed from (an arrow from each).
        adjoint: the backward rule of its gradient (``"Ā = H̄ ⊙ [A > 0]"``); empty for none.
    """

    name: str
    formula: str
    shape: tuple
    column: float
    row: float
    kind: str = "operation"
    inputs: tuple[str, ...] = ()
    adjoint: str = ""


def _shape_text(shape: tuple) -> str:
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _check(nodes: Sequence[GraphNode]) -> dict[str, GraphNode]:
    if not nodes:
        raise ValueError("computational_graph needs at least one GraphNode, got none")
    by_name: dict[str, GraphNode] = {}
    for node in nodes:
        if not isinstance(node, GraphNode):
            raise TypeError(f"computational_graph expects GraphNode objects, got {type(node).__name__}")
        if node.kind not in KINDS:
            raise ValueError(f"node {node.name!r}: kind must be one of {sorted(KINDS)}, got {node.kind!r}")
        if node.name in by_name:
            raise ValueError(f"two nodes are called {node.name!r}; names must be unique")
        by_name[node.name] = node
    for node in nodes:
        missing = [name for name in node.inputs if name not in by_name]
        if missing:
            raise ValueError(f"node {node.name!r} reads {missing}, which are not nodes of the graph")
    return by_name


def computational_graph(nodes: Sequence[GraphNode], title: str,
                        figsize: tuple[float, float] | None = None) -> Figure:
    r"""Draw a computational graph: a box per node with its formula, shape and adjoint.

    Solid arrows carry values forward (from each input to the node that reads it); a dashed
    arrow beside each carries the gradient back, the way backpropagation walks the graph, to
    every node except data (inputs and labels get no gradient).

    Args:
        nodes: the nodes, each with its grid position and the names of its inputs.
        title: the figure's title.
        figsize: the figure size in inches; None sizes it to the grid.

    Returns:
        The Matplotlib figure (describe it with :func:`dl_lib.book.describe`).

    Raises:
        ValueError: no nodes, a repeated name, an unknown kind, or an input that is not a node.
        TypeError: an entry that is not a :class:`GraphNode`.
    """
    by_name = _check(nodes)
    columns = [n.column for n in nodes]
    rows = [n.row for n in nodes]
    width, height = max(columns) - min(columns) + 1, max(rows) - min(rows) + 1
    if figsize is None:
        figsize = (min(2.6 * width + 0.6, 16.0), 1.25 * height + 1.0)
    fig, ax = plt.subplots(figsize=figsize)
    boxes = {}
    for node in nodes:
        lines = [node.formula or node.name, f"shape {_shape_text(node.shape)}"]
        if node.adjoint:
            lines.append(node.adjoint)
        boxes[node.name] = ax.text(
            node.column, node.row, "\n".join(lines), ha="center", va="center", fontsize=8,
            family="DejaVu Sans Mono",
            bbox={"boxstyle": "round,pad=0.45", "facecolor": KINDS[node.kind], "edgecolor": "0.35"},
        )
    for node in nodes:
        for name in node.inputs:
            source = by_name[name]
            patches = {"patchA": boxes[name].get_bbox_patch(),
                       "patchB": boxes[node.name].get_bbox_patch()}
            ax.annotate("", xy=(node.column, node.row), xytext=(source.column, source.row),
                        arrowprops={"arrowstyle": "-|>", "color": "0.2", "shrinkA": 0,
                                    "shrinkB": 0, "connectionstyle": "arc3,rad=0.0",
                                    **patches})
            if source.kind == "data":
                continue
            back = {"patchA": patches["patchB"], "patchB": patches["patchA"]}
            ax.annotate("", xy=(source.column, source.row), xytext=(node.column, node.row),
                        arrowprops={"arrowstyle": "-|>", "color": "#C0504D", "linestyle": "--",
                                    "shrinkA": 0, "shrinkB": 0,
                                    "connectionstyle": "arc3,rad=0.25", **back})
    ax.plot([], [], color="0.2", label="forward: value")
    ax.plot([], [], color="#C0504D", linestyle="--", label="backward: gradient")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_xlim(min(columns) - 0.6, max(columns) + 0.6)
    ax.set_ylim(min(rows) - 0.8, max(rows) + 0.6)
    ax.axis("off")
    ax.set_title(title)
    return fig


def mlp_graph_nodes(batch: int | str = "N", in_features: int | str = "D",
                    hidden: int | str = "H", classes: int | str = "C") -> list[GraphNode]:
    r"""The graph of a two-layer perceptron's loss, ``softmax_cross_entropy(relu(X W1ᵀ + b1) W2ᵀ + b2, y)``.

    Weights are stored ``(out_features, in_features)`` as in ``torch.nn.Linear`` and
    :class:`dl_lib.autograd.TensorLinear`. Sizes may be numbers or symbols.

    Raises:
        ValueError: a size that is a number below 1.
    """
    for name, size in {"batch": batch, "in_features": in_features, "hidden": hidden,
                       "classes": classes}.items():
        if not isinstance(size, (int, str)) or (isinstance(size, int) and size < 1):
            raise ValueError(f"mlp_graph_nodes: {name} must be a positive int or a symbol, got {size!r}")
    N, D, H, C = batch, in_features, hidden, classes
    return [
        GraphNode("X", "X: inputs", (N, D), 0, 0, "data"),
        GraphNode("W1", "W1: weight", (H, D), 0, 1.3, "parameter", adjoint="W̄1 = Āᵀ X"),
        GraphNode("b1", "b1: bias", (H,), 0, -1.3, "parameter", adjoint="b̄1 = Σₙ Ā"),
        GraphNode("A", "A = X W1ᵀ + b1", (N, H), 1, 0, inputs=("X", "W1", "b1"),
                  adjoint="Ā = H̄ ⊙ [A > 0]"),
        GraphNode("H", "H = relu(A)", (N, H), 2, 0, inputs=("A",), adjoint="H̄ = Z̄ W2"),
        GraphNode("W2", "W2: weight", (C, H), 2, 1.3, "parameter", adjoint="W̄2 = Z̄ᵀ H"),
        GraphNode("b2", "b2: bias", (C,), 2, -1.3, "parameter", adjoint="b̄2 = Σₙ Z̄"),
        GraphNode("Z", "Z = H W2ᵀ + b2", (N, C), 3, 0, inputs=("H", "W2", "b2"),
                  adjoint="Z̄ = (softmax(Z) − Y)/N"),
        GraphNode("y", "y: labels", (N,), 3, -1.3, "data"),
        GraphNode("L", "L = cross-entropy", (), 4, 0, "loss", inputs=("Z", "y"),
                  adjoint="L̄ = 1"),
    ]


def mlp_graph(batch: int | str = "N", in_features: int | str = "D", hidden: int | str = "H",
              classes: int | str = "C", title: str | None = None) -> Figure:
    """Draw :func:`mlp_graph_nodes` (see there); the title defaults to one naming the sizes."""
    nodes = mlp_graph_nodes(batch, in_features, hidden, classes)
    if title is None:
        title = (f"Computational graph of a two-layer MLP's loss "
                 f"(N={batch}, D={in_features}, H={hidden}, C={classes})")
    return computational_graph(nodes, title)
