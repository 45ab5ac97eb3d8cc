r"""Hand-engineered features of small grey images: what a person decides to measure.

Before deep learning, a vision system was mostly its features: numbers a person
designed to describe an image (how much ink, where it sits, whether the shape is
symmetric, how many strokes a line crosses), fed to a simple classifier. Chapter 1
builds such features for scikit-learn's 8x8 digits and compares them with a network
that learns its own features from the raw pixels.

Every function takes images of shape ``(N, H, W)``, ``(N, 1, H, W)`` or flattened
``(N, H * W)`` with a square number of pixels (the digits' ``(N, 64)`` rows), and
returns one row of features per image. Pixels are ink intensities: 0 is blank paper,
larger is darker (the digits from ``dl_lib.data.digits`` lie in [0, 1]).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "as_images",
    "ink",
    "row_sums",
    "column_sums",
    "left_right_asymmetry",
    "top_bottom_asymmetry",
    "row_strokes",
    "column_strokes",
    "centroid",
    "handcrafted_features",
    "feature_names",
]


def as_images(X: Tensor) -> Tensor:
    r"""Bring a batch of grey images to shape ``(N, H, W)``.

    Args:
        X: shape ``(N, H, W)``, ``(N, 1, H, W)``, or ``(N, D)`` with ``D`` a square
            number (a flattened square image, e.g. ``(N, 64)`` for 8x8 digits).

    Returns:
        A view of ``X`` with shape ``(N, H, W)``.
    """
    X = torch.as_tensor(X)
    if X.ndim == 2:
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1] or side == 0:
            raise ValueError(
                f"features expect flattened images of shape (N, D) with D a square number, "
                f"got {tuple(X.shape)}"
            )
        return X.reshape(X.shape[0], side, side)  # (N, D) -> (N, H, W)
    if X.ndim == 3:
        return X
    if X.ndim == 4 and X.shape[1] == 1:
        return X[:, 0]  # (N, 1, H, W) -> (N, H, W)
    raise ValueError(
        f"features expect images of shape (N, H, W), (N, 1, H, W) or (N, D) with D square, "
        f"got {tuple(X.shape)}"
    )


def ink(X: Tensor) -> Tensor:
    r"""Total ink of each image, :math:`\sum_{i,j} x_{ij}`: a bold 8 has more than a thin 1.

    Returns:
        Shape ``(N,)``.
    """
    return as_images(X).sum(dim=(1, 2))


def row_sums(X: Tensor) -> Tensor:
    r"""Ink in each row, :math:`r_i = \sum_j x_{ij}`: the image's profile seen from the side.

    Returns:
        Shape ``(N, H)``; entry ``[n, i]`` is the ink in row ``i`` (row 0 at the top).
    """
    return as_images(X).sum(dim=2)


def column_sums(X: Tensor) -> Tensor:
    r"""Ink in each column, :math:`c_j = \sum_i x_{ij}`: the profile seen from below.

    Returns:
        Shape ``(N, W)``; entry ``[n, j]`` is the ink in column ``j`` (column 0 on the left).
    """
    return as_images(X).sum(dim=1)


def left_right_asymmetry(X: Tensor) -> Tensor:
    r"""How much an image differs from its mirror image, mirrored left to right.

    .. math:: a = \frac{1}{HW} \sum_{i,j} \lvert x_{ij} - x_{i,\,W-1-j} \rvert

    It is 0 for an image with a vertical axis of symmetry (a 0, an 8) and larger for
    a lopsided one (a 7, a 4).

    Returns:
        Shape ``(N,)``.
    """
    X = as_images(X)
    return (X - X.flip(dims=(2,))).abs().mean(dim=(1, 2))  # flip the columns


def top_bottom_asymmetry(X: Tensor) -> Tensor:
    r"""How much an image differs from its mirror image, mirrored top to bottom.

    .. math:: a = \frac{1}{HW} \sum_{i,j} \lvert x_{ij} - x_{H-1-i,\,j} \rvert

    Returns:
        Shape ``(N,)``; 0 for a shape with a horizontal axis of symmetry (a 0, a 3, an 8).
    """
    X = as_images(X)
    return (X - X.flip(dims=(1,))).abs().mean(dim=(1, 2))  # flip the rows


def stroke_runs(B: Tensor) -> Tensor:
    """Number of runs of True along the last dimension of a boolean tensor."""
    starts = B[..., 1:] & ~B[..., :-1]  # a run starts where ink follows paper
    return B[..., 0].long() + starts.sum(dim=-1)  # a run may also start at the border


def row_strokes(X: Tensor, threshold: float = 0.5) -> Tensor:
    r"""Number of strokes a horizontal line crosses in each row.

    A pixel is ink when :math:`x_{ij} \ge` ``threshold``; a stroke is a run of
    neighbouring ink pixels. The middle rows of a 0 cross two strokes, those of a 1 one.

    Args:
        X: images, see `as_images`.
        threshold: the intensity from which a pixel counts as ink.

    Returns:
        Shape ``(N, H)``, in the floating-point type of ``X`` so it stacks with other features.
    """
    X = as_images(X)
    dtype = X.dtype if X.is_floating_point() else torch.get_default_dtype()
    return stroke_runs(X >= threshold).to(dtype)


def column_strokes(X: Tensor, threshold: float = 0.5) -> Tensor:
    r"""Number of strokes a vertical line crosses in each column (see `row_strokes`).

    Returns:
        Shape ``(N, W)``.
    """
    return row_strokes(as_images(X).transpose(1, 2), threshold)


def centroid(X: Tensor) -> Tensor:
    r"""Centre of mass of the ink, in pixels.

    .. math::

        \bar\imath = \frac{\sum_{ij} i\,x_{ij}}{\sum_{ij} x_{ij}}, \qquad
        \bar\jmath = \frac{\sum_{ij} j\,x_{ij}}{\sum_{ij} x_{ij}}

    A blank image has its centroid at the middle of the image, :math:`((H-1)/2, (W-1)/2)`.

    Returns:
        Shape ``(N, 2)``: the row (0 at the top) and the column (0 on the left).
    """
    X = as_images(X)
    N, H, W = X.shape
    dtype = X.dtype if X.is_floating_point() else torch.get_default_dtype()
    rows = torch.arange(H, dtype=dtype, device=X.device)
    cols = torch.arange(W, dtype=dtype, device=X.device)
    total = X.sum(dim=(1, 2))  # (N,)
    safe = torch.where(total > 0, total, torch.ones_like(total))  # no 0 / 0 for a blank image
    centre = torch.stack([(row_sums(X) * rows).sum(dim=1), (column_sums(X) * cols).sum(dim=1)], dim=1)
    middle = torch.tensor([(H - 1) / 2, (W - 1) / 2], dtype=dtype, device=X.device)
    return torch.where((total > 0)[:, None], centre / safe[:, None], middle)  # (N, 2)


def handcrafted_features(X: Tensor, threshold: float = 0.5) -> Tensor:
    r"""All the features of this module side by side, one row per image.

    The columns are, in order: ink (1), row sums (H), column sums (W), left-right and
    top-bottom asymmetry (2), row strokes (H), column strokes (W) and the centroid (2),
    so ``2 H + 2 W + 5`` numbers in all: 37 for an 8x8 digit instead of its 64 pixels.
    `feature_names` gives their names.

    Args:
        X: images, see `as_images`.
        threshold: passed to `row_strokes` and `column_strokes`.

    Returns:
        Shape ``(N, 2 H + 2 W + 5)``.
    """
    X = as_images(X)
    if not X.is_floating_point():
        X = X.to(torch.get_default_dtype())
    columns = [
        ink(X)[:, None],  # (N, 1)
        row_sums(X),  # (N, H)
        column_sums(X),  # (N, W)
        left_right_asymmetry(X)[:, None],  # (N, 1)
        top_bottom_asymmetry(X)[:, None],  # (N, 1)
        row_strokes(X, threshold),  # (N, H)
        column_strokes(X, threshold),  # (N, W)
        centroid(X),  # (N, 2)
    ]
    return torch.cat(columns, dim=1)


def feature_names(height: int = 8, width: int = 8) -> list[str]:
    """The names of the columns of `handcrafted_features` for images of the given size."""
    if height < 1 or width < 1:
        raise ValueError(f"feature_names expects a positive height and width, got {height}, {width}")
    return (
        ["ink"]
        + [f"row_sum_{i}" for i in range(height)]
        + [f"column_sum_{j}" for j in range(width)]
        + ["left_right_asymmetry", "top_bottom_asymmetry"]
        + [f"row_strokes_{i}" for i in range(height)]
        + [f"column_strokes_{j}" for j in range(width)]
        + ["centroid_row", "centroid_column"]
    )
