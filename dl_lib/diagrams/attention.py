r"""Attention's query, key and value flow, drawn with the numbers of a real computation.

Scaled dot-product attention turns $n$ token vectors $X$ into queries $Q = XW_Q$, keys
$K = XW_K$ and values $V = XW_V$, scores every query against every key,
$S = QK^\top/\sqrt{d_k}$, turns each row of scores into weights with a softmax,
$A = \operatorname{softmax}(S)$, and returns the weighted averages of the values, $AV$.
:func:`attention_flow` draws that pipeline as matrices with their shapes, the weight matrix
$A$ as a heat map of the weights :func:`dl_lib.nn.attention_weights` computes for a small
random example; :func:`attention_example` returns those arrays, so a test can check the
picture against PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionPatch

from dl_lib.book import describe
from dl_lib.nn import attention_weights

__all__ = ["attention_example", "attention_flow"]


def attention_example(tokens: Sequence[str], d_model: int = 6, d_k: int = 4,
                      seed: int = 0) -> dict[str, torch.Tensor]:
    """Random embeddings of ``tokens`` and projections, and every array of one attention pass.

    Returns a dict with ``X`` ``(n, d_model)``, ``W_Q``, ``W_K``, ``W_V`` ``(d_model, d_k)``,
    ``Q``, ``K``, ``V`` ``(n, d_k)``, ``scores`` and ``weights`` ``(n, n)`` (each row sums to 1)
    and ``output`` ``(n, d_k)``; float64, from a generator seeded by ``seed``.
    """
    if isinstance(tokens, str) or not 2 <= len(tokens) <= 8 or not all(
            isinstance(t, str) and t for t in tokens):
        raise ValueError(f"tokens must be a list of 2 to 8 non-empty strings, got {tokens!r}")
    for name, value in (("d_model", d_model), ("d_k", d_k)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 8:
            raise ValueError(f"{name} must be an integer from 1 to 8 (columns drawn), got {value!r}")
    generator = torch.Generator().manual_seed(seed)
    n = len(tokens)
    X = torch.randn(n, d_model, generator=generator, dtype=torch.float64)
    W_Q, W_K, W_V = (torch.randn(d_model, d_k, generator=generator, dtype=torch.float64)
                     / d_model ** 0.5 for _ in range(3))
    Q, K, V = X @ W_Q, X @ W_K, X @ W_V
    weights = attention_weights(Q, K)
    return {"X": X, "W_Q": W_Q, "W_K": W_K, "W_V": W_V, "Q": Q, "K": K, "V": V,
            "scores": Q @ K.T / d_k ** 0.5, "weights": weights, "output": weights @ V}


def _matrix(ax, values: torch.Tensor, title: str, shape: str, cmap: str,
            rows: Sequence[str] | None = None) -> None:
    ax.imshow(values.numpy(), cmap=cmap, aspect="equal")
    ax.grid(False)
    ax.set_title(f"{title}\n{shape}" if shape else title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks(range(len(rows)) if rows else [])
    if rows:
        ax.set_yticklabels(rows, fontsize=8)


def attention_flow(tokens: Sequence[str] = ("the", "cat", "sat", "down"), d_model: int = 6,
                   d_k: int = 4, seed: int = 0) -> Figure:
    r"""Draw scaled dot-product attention on ``tokens``: X, then Q, K, V, then A, then AV.

    The token vectors and projections are random (:func:`attention_example`); the picture is
    about the flow and the shapes, not about what a trained model attends to. The weight map
    prints each weight; every row (one query) sums to 1.
    """
    arrays = attention_example(tokens, d_model, d_k, seed)
    n = len(tokens)
    fig = plt.figure(figsize=(11, 5.2))
    grid = fig.add_gridspec(3, 5, width_ratios=[d_model, d_k, 0.1, n, d_k],
                            height_ratios=[1, 1, 1], wspace=0.6, hspace=0.9,
                            left=0.06, right=0.98, top=0.82, bottom=0.1)
    ax_x = fig.add_subplot(grid[:, 0])
    _matrix(ax_x, arrays["X"], "tokens X", f"({n}, {d_model})", "Greys", list(tokens))
    colours = {"Q": "Blues", "K": "Oranges", "V": "Greens"}
    for row, name in enumerate("QKV"):
        ax = fig.add_subplot(grid[row, 1])
        _matrix(ax, arrays[name], f"{name} = X W_{name} {(n, d_k)}", "", colours[name])
    ax_a = fig.add_subplot(grid[:, 3])
    weights = arrays["weights"]
    ax_a.imshow(weights.numpy(), cmap="Purples", vmin=0, vmax=1)
    ax_a.grid(False)
    for i in range(n):
        for j in range(n):
            ax_a.text(j, i, f"{weights[i, j].item():.2f}", ha="center", va="center", fontsize=8,
                      color="white" if weights[i, j] > 0.6 else "black")
    ax_a.set_title(f"A = softmax(Q Kᵀ / √{d_k})\n({n}, {n}): rows sum to 1", fontsize=9)
    ax_a.set_xticks(range(n))
    ax_a.set_xticklabels(list(tokens), fontsize=8)
    ax_a.set_yticks(range(n))
    ax_a.set_yticklabels(list(tokens), fontsize=8)
    ax_a.set_xlabel("rows: queries, columns: keys", fontsize=8)
    ax_out = fig.add_subplot(grid[:, 4])
    _matrix(ax_out, arrays["output"], "output A V", f"({n}, {d_k})", "Greens", list(tokens))
    fig.suptitle("Scaled dot-product attention: queries meet keys, the weights mix the values")
    arrow = {"arrowstyle": "-|>", "color": "#333333", "lw": 1.3}
    ax_q, ax_k, ax_v = fig.axes[1:4]
    for start, end in ((ax_x, ax_q), (ax_x, ax_k), (ax_x, ax_v), (ax_q, ax_a), (ax_k, ax_a),
                       (ax_a, ax_out), (ax_v, ax_out)):
        fig.add_artist(ConnectionPatch(
            (1.02, 0.5), (-0.04, 0.5), "axes fraction", "axes fraction", axesA=start,
            axesB=end, **arrow))
    strongest = int(weights[0].argmax())
    described = (
        f"Diagram of scaled dot-product attention on the {n} tokens {', '.join(tokens)}. "
        f"The token matrix X of shape ({n}, {d_model}) is projected three ways into queries Q, "
        f"keys K and values V, each of shape ({n}, {d_k}). Q and K meet in the weight matrix "
        f"A = softmax(Q K transposed / sqrt({d_k})), an {n} by {n} heat map whose rows sum to 1 "
        f"(the query '{tokens[0]}' puts its largest weight, "
        f"{weights[0, strongest].item():.2f}, on '{tokens[strongest]}'). "
        f"A and V give the output A V of shape ({n}, {d_k})."
    )
    return describe(fig, described)
