r"""Dropout's thinned networks: the full network and a few of the subnetworks dropout trains.

In training, dropout removes each hidden unit with probability ``p``, independently for every
example and step; what remains is a *thinned* network, and training visits a different one
every step. :func:`thinned_masks` draws the masks with :func:`dl_lib.nn.dropout` itself (so the
picture shows exactly what the layer would drop with that generator), and
:func:`thinned_networks` draws the full network beside the thinned ones: a dropped unit is a
crossed-out circle, and every connection into or out of it is gone.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from dl_lib.nn import dropout

__all__ = ["thinned_masks", "thinned_networks"]


def _check_sizes(layer_sizes: Sequence[int]) -> list[int]:
    sizes = list(layer_sizes)
    if len(sizes) < 3:
        raise ValueError(
            "layer_sizes needs an input, at least one hidden layer and an output, "
            f"got {layer_sizes!r}"
        )
    if not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 12 for n in sizes):
        raise ValueError(f"each layer size must be an integer from 1 to 12, got {layer_sizes!r}")
    return sizes


def thinned_masks(
    layer_sizes: Sequence[int], p: float, n_networks: int, seed: int = 0
) -> list[list[torch.Tensor]]:
    """The keep-masks of ``n_networks`` thinned networks, one boolean tensor per layer.

    Hidden layers are masked by :func:`dl_lib.nn.dropout` (applied to ones, with a generator
    seeded by ``seed``, one layer after the other); input and output units are always kept.
    """
    sizes = _check_sizes(layer_sizes)
    if not isinstance(n_networks, int) or n_networks < 1:
        raise ValueError(f"n_networks must be a positive integer, got {n_networks!r}")
    generator = torch.Generator().manual_seed(seed)
    masks = []
    for _ in range(n_networks):
        network = [torch.ones(sizes[0], dtype=torch.bool)]
        for n in sizes[1:-1]:
            kept = dropout(torch.ones(n), p, training=True, generator=generator) != 0
            network.append(kept)
        network.append(torch.ones(sizes[-1], dtype=torch.bool))
        masks.append(network)
    return masks


def _draw(ax, sizes: list[int], mask: list[torch.Tensor], title: str) -> None:
    height = max(sizes)
    position = [
        [(column, (height - n) / 2 + row) for row in range(n)]
        for column, n in enumerate(sizes)
    ]
    for column in range(len(sizes) - 1):
        for i, (x0, y0) in enumerate(position[column]):
            for j, (x1, y1) in enumerate(position[column + 1]):
                if mask[column][i] and mask[column + 1][j]:
                    ax.plot([x0, x1], [y0, y1], color="0.45", linewidth=0.8, zorder=1)
    colours = ["#DCEBF7"] + ["#E2F0D9"] * (len(sizes) - 2) + ["#FBE3D6"]
    for column, points in enumerate(position):
        for i, (x, y) in enumerate(points):
            kept = bool(mask[column][i])
            ax.scatter(
                x,
                y,
                s=260,
                facecolor=colours[column] if kept else "white",
                edgecolor="black" if kept else "0.6",
                linestyle="-" if kept else "--",
                zorder=2,
            )
            if not kept:
                ax.plot(x, y, marker="x", color="#C00000", markersize=9, zorder=3)
    ax.set_title(title, fontsize=10)
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-0.7, height - 0.3)
    ax.set_xticks(range(len(sizes)))
    names = ["input"] + [f"hidden {k}" for k in range(1, len(sizes) - 1)] + ["output"]
    ax.set_xticklabels(names, fontsize=8)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def thinned_networks(
    layer_sizes: Sequence[int] = (4, 6, 6, 3), p: float = 0.5, n_networks: int = 3,
    seed: int = 0,
) -> Figure:
    """Draw the full network and ``n_networks`` thinned networks with dropout rate ``p``.

    Returns the figure: the first panel is the network used in evaluation, each further panel
    one training step's thinned network (masks from :func:`thinned_masks`), titled with the
    number of hidden units it kept.
    """
    sizes = _check_sizes(layer_sizes)
    masks = thinned_masks(sizes, p, n_networks, seed)
    full = [torch.ones(n, dtype=torch.bool) for n in sizes]
    fig, axes = plt.subplots(
        1, n_networks + 1, figsize=(3.2 * (n_networks + 1), 3.2), layout="constrained"
    )
    hidden = sum(sizes[1:-1])
    _draw(axes[0], sizes, full, f"Full network (evaluation)\nall {hidden} hidden units")
    for k, (ax, mask) in enumerate(zip(axes[1:], masks), start=1):
        kept = sum(int(m.sum()) for m in mask[1:-1])
        _draw(ax, sizes, mask, f"Training step {k}: thinned\n{kept} of {hidden} hidden kept")
    fig.suptitle(f"Dropout with p = {p}: each step trains a different thinned network")
    return fig
