"""The book's figures: one style, and the plots every chapter needs.

Every function returns its figure or axes and never calls ``plt.show()``, so a
chapter can add to the plot, save it or `glue` it. In a notebook, end the line
with ``;`` or assign the result (``fig = training_curves(history)``), otherwise
Jupyter shows the figure twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import cycler
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from torch import Tensor, nn

from dl_lib.train import History, predicted_class

__all__ = ["COLORS", "decision_boundary", "image_grid", "training_curves", "use_style", "WRONG_COLOR"]

# Okabe & Ito's palette: distinguishable with every common kind of colour blindness.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
WRONG_COLOR = "#D62728"  # captions of misclassified images


def use_style() -> None:
    """Set Matplotlib's defaults to the book's style (call once, in the setup cell)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.fontsize": 10,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=COLORS),
            "lines.linewidth": 2.0,
            "image.cmap": "viridis",
        }
    )


def _as_numpy(x: Tensor | np.ndarray | Sequence) -> np.ndarray:
    """A NumPy copy of a tensor (from any device) or of an array-like."""
    if isinstance(x, Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _history_dict(history: History | Mapping) -> dict:
    """Accept a `History` or its ``as_dict()`` (e.g. read back from JSON)."""
    return history.as_dict() if isinstance(history, History) else dict(history)


def _plot_train_val(ax: Axes, epochs: np.ndarray, train: list, val: list, name: str) -> None:
    """Draw one panel: the train curve, and the val curve when there is one."""
    ax.plot(epochs, train, marker="o", markersize=3, label="train")
    if not np.all(np.isnan(np.asarray(val, dtype=float))):
        ax.plot(epochs, val, marker="o", markersize=3, label="validation")
    ax.set_title(name.capitalize())
    ax.set_xlabel("epoch")
    ax.set_ylabel(name)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def training_curves(
    history: History | Mapping, metric_name: str = "accuracy", axes: Sequence[Axes] | None = None
) -> Figure:
    """Loss and metric, train and validation, against the epoch (counted from 1).

    Args:
        history: what `dl_lib.train.fit` returned, or its ``as_dict()``.
        metric_name: the name of the metric, used for the right panel's title and label.
        axes: two axes to draw into (loss, metric); None makes a new figure.

    Returns:
        The figure. A dashed vertical line marks the best epoch when it is known;
        the metric panel is hidden when the run had no metric (all NaN).
    """
    h = _history_dict(history)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    elif len(axes) != 2:
        raise ValueError(f"axes must be two axes (loss, metric), got {len(axes)}")
    epochs = np.arange(1, len(h["train_loss"]) + 1)
    _plot_train_val(axes[0], epochs, h["train_loss"], h["val_loss"], "loss")
    _plot_train_val(axes[1], epochs, h["train_metric"], h["val_metric"], metric_name)
    for ax in axes:
        if h.get("best_epoch") is not None:
            best = h["best_epoch"] + 1
            ax.axvline(best, color="gray", linestyle="--", label=f"best epoch ({best})")
        ax.legend()
    if np.all(np.isnan(np.asarray(h["train_metric"], dtype=float))):
        axes[1].set_visible(False)
    return axes[0].figure


def _as_images(images: Tensor | np.ndarray) -> np.ndarray:
    """Bring images to shape (N, H, W) for grey or (N, H, W, 3) for colour."""
    X = _as_numpy(images)
    if X.ndim == 2:  # (N, D), flattened square images such as sklearn's digits (N, 64)
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1]:
            raise ValueError(
                f"images of shape (N, D) need D to be a square number, got D = {X.shape[1]}"
            )
        return X.reshape(X.shape[0], side, side)
    if X.ndim == 3:  # (N, H, W)
        return X
    if X.ndim == 4 and X.shape[1] == 1:  # (N, 1, H, W)
        return X[:, 0]
    if X.ndim == 4 and X.shape[1] == 3:  # (N, 3, H, W) -> (N, H, W, 3) for imshow
        return X.transpose(0, 2, 3, 1)
    raise ValueError(
        "images must have shape (N, H, W), (N, 1, H, W), (N, 3, H, W) or (N, D) with D square, "
        f"got {X.shape}"
    )


def _caption(label: object, prediction: object) -> tuple[str, str]:
    """Caption text and colour of one image; red when the prediction is wrong."""
    if prediction is None:
        return f"{label}", "black"
    if label is None:
        return f"pred {prediction}", "black"
    color = "black" if label == prediction else WRONG_COLOR
    return f"label {label}\npred {prediction}", color


def _as_list(values: Tensor | np.ndarray | Sequence | None, n: int, name: str) -> list:
    """Captions as a list of n Python values (or n Nones)."""
    if values is None:
        return [None] * n
    values = _as_numpy(values).reshape(-1).tolist()
    if len(values) != n:
        raise ValueError(f"{name} must have one entry per image ({n}), got {len(values)}")
    return values


def image_grid(
    images: Tensor | np.ndarray,
    labels: Tensor | np.ndarray | Sequence | None = None,
    predictions: Tensor | np.ndarray | Sequence | None = None,
    ncols: int = 8,
    cmap: str = "gray_r",
    title: str | None = None,
) -> Figure:
    """Show images in a grid, captioned with their label and the model's prediction.

    Args:
        images: shape ``(N, H, W)``, ``(N, 1, H, W)``, ``(N, 3, H, W)`` (colour, values
            in [0, 1] or uint8), or ``(N, D)`` with ``D`` a square number, e.g. the
            ``(N, 64)`` rows of scikit-learn's digits.
        labels: the true class of each image (numbers or names), or None.
        predictions: the predicted class of each image, or None; the caption turns
            red when it differs from the label.
        ncols: images per row, >= 1.
        cmap: colour map for grey images (``"gray_r"``: dark ink on white paper).
        title: title above the grid, or None.

    Returns:
        The figure, with one axes per cell of the grid.
    """
    X = _as_images(images)
    N = X.shape[0]
    if N == 0:
        raise ValueError("images is empty; image_grid needs at least one image")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be an integer >= 1, got {ncols!r}")
    labels = _as_list(labels, N, "labels")
    predictions = _as_list(predictions, N, "predictions")
    ncols = min(ncols, N)
    nrows = math.ceil(N / ncols)
    has_captions = labels[0] is not None or predictions[0] is not None
    height = 1.6 if has_captions else 1.2
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(1.2 * ncols, height * nrows), squeeze=False, layout="constrained"
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= N:
            continue
        ax.imshow(X[i], cmap=cmap)
        if has_captions:
            text, color = _caption(labels[i], predictions[i])
            ax.set_title(text, color=color, fontsize=9)
    if title is not None:
        fig.suptitle(title)
    return fig


def _predict_grid(predict: Callable[[Tensor], Tensor], grid: np.ndarray) -> np.ndarray:
    """Predicted class of every grid point; a model runs in eval mode on its own device."""
    X = torch.tensor(grid, dtype=torch.float32)
    is_module = isinstance(predict, nn.Module)
    if is_module:
        was_training = predict.training
        predict.eval()
        parameter = next(predict.parameters(), None)
        if parameter is not None:
            X = X.to(parameter.device)
    try:
        with torch.no_grad():
            scores = torch.as_tensor(predict(X))
    finally:
        if is_module:
            predict.train(was_training)
    return _as_numpy(predicted_class(scores))


def _grid_around(X: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """A resolution x resolution grid covering the points X (N, 2), with a 10% margin."""
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 1e-3  # 1e-3: a margin even if all equal
    x1 = np.linspace(X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], resolution)
    x2 = np.linspace(X[:, 1].min() - pad[1], X[:, 1].max() + pad[1], resolution)
    return np.meshgrid(x1, x2)  # each (resolution, resolution)


def decision_boundary(
    predict: Callable[[Tensor], Tensor],
    X: Tensor | np.ndarray,
    y: Tensor | np.ndarray,
    ax: Axes | None = None,
    resolution: int = 200,
    title: str | None = None,
) -> Axes:
    """Colour the plane by the class a model predicts, and draw the data on top.

    Args:
        predict: maps a float32 tensor of points, shape ``(M, 2)``, to logits of
            shape ``(M, C)`` (class = argmax) or binary logits of shape ``(M,)`` or
            ``(M, 1)`` (class = logit > 0). A ``nn.Module`` is run in eval mode on
            the device of its parameters.
        X: the points, shape ``(N, 2)``.
        y: their classes 0, 1, ..., shape ``(N,)``.
        ax: the axes to draw into; None makes a new figure.
        resolution: grid points along each axis, >= 2.
        title: the title; None gives "Decision boundary".

    Returns:
        The axes.
    """
    X, y = _as_numpy(X).astype(float), _as_numpy(y).reshape(-1).astype(int)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, 2) with N >= 1, got {X.shape}")
    if y.shape[0] != X.shape[0] or y.min() < 0:
        raise ValueError(
            f"y must hold one class index >= 0 per point, shape ({X.shape[0]},), got {y.shape}"
        )
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    if ax is None:
        _, ax = plt.subplots()
    xx1, xx2 = _grid_around(X, resolution)
    classes = _predict_grid(predict, np.column_stack([xx1.ravel(), xx2.ravel()]))
    num_classes = int(max(classes.max(), y.max())) + 1
    colors = [COLORS[k % len(COLORS)] for k in range(num_classes)]
    levels = np.arange(num_classes + 1) - 0.5  # one band per class, centred on its index
    ax.contourf(
        xx1, xx2, classes.reshape(xx1.shape), levels=levels, cmap=ListedColormap(colors), alpha=0.25
    )
    for k in np.unique(y):
        ax.scatter(
            X[y == k, 0],
            X[y == k, 1],
            s=20,
            color=colors[k],
            edgecolors="white",
            linewidths=0.5,
            label=f"class {k}",
        )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("Decision boundary" if title is None else title)
    ax.legend()
    return ax
