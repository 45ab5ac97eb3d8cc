r"""Preparing tabular data for a network: one-hot codes, missing values, standardization, a Dataset.

Every step that learns something from the data (a column mean, a standard deviation)
learns it from the training split alone and then applies the same numbers to the
validation and test splits. Fitting on all the data would let the model peek at the
examples it is later judged on: that is *leakage*.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

__all__ = ["one_hot", "impute_mean", "Standardizer", "TabularDataset"]


def _check_matrix(name: str, X: Tensor, caller: str) -> None:
    """Raise unless ``X`` is a floating-point tensor of shape (N, d) with N >= 1."""
    if not isinstance(X, Tensor) or X.ndim != 2 or X.shape[0] == 0:
        shape = tuple(X.shape) if isinstance(X, Tensor) else type(X).__name__
        raise ValueError(f"{caller} expects {name} of shape (N, d) with N >= 1, got {shape}")
    if not X.is_floating_point():
        raise ValueError(f"{caller} expects a floating-point {name}, got dtype {X.dtype}")


def one_hot(labels: Tensor, num_classes: int | None = None) -> Tensor:
    r"""Turn class indices into one-hot rows, as ``torch.nn.functional.one_hot`` does.

    .. math:: \mathrm{onehot}(y)_k = [\,y = k\,], \qquad k = 0, \dots, K - 1

    Args:
        labels: integer class indices in ``[0, K)``, any shape ``(*)``.
        num_classes: :math:`K`; None means ``labels.max() + 1`` (PyTorch writes -1).

    Returns:
        An int64 tensor of shape ``(*, K)`` holding a single 1 in each row.
    """
    if not isinstance(labels, Tensor) or labels.is_floating_point() or labels.is_complex():
        kind = labels.dtype if isinstance(labels, Tensor) else type(labels).__name__
        raise ValueError(f"one_hot expects labels as an integer tensor, got {kind}")
    if labels.numel() > 0 and labels.min() < 0:
        raise ValueError(f"one_hot expects labels >= 0, got {labels.min().item()}")
    if num_classes is None:
        if labels.numel() == 0:
            raise ValueError("one_hot cannot infer num_classes from empty labels; pass num_classes")
        num_classes = int(labels.max()) + 1
    if labels.numel() > 0 and labels.max() >= num_classes:
        raise ValueError(f"one_hot: labels must be < num_classes = {num_classes}, "
                         f"got {labels.max().item()}")
    classes = torch.arange(num_classes, device=labels.device)  # (K,)
    return (labels.long().unsqueeze(-1) == classes).long()  # (*, 1) vs (K,) -> (*, K)


def impute_mean(X_train: Tensor, *X_others: Tensor) -> tuple[Tensor, ...]:
    r"""Fill missing values (NaN) with the mean of their column *in the training split*.

    .. math:: \mu_j = \frac{1}{|O_j|} \sum_{i \in O_j} x_{ij}, \qquad
              O_j = \{i : x_{ij} \text{ is observed in the training split}\}

    Every NaN in column :math:`j`, in the training split and in every other split,
    becomes :math:`\mu_j`. Like ``sklearn.impute.SimpleImputer(strategy="mean")``.

    Args:
        X_train: the training features, shape ``(N, d)``, NaN where missing.
        *X_others: other splits (validation, test), each of shape ``(M, d)``.

    Returns:
        New tensors, ``(X_train, *X_others)`` with every NaN filled; the inputs are untouched.
    """
    _check_matrix("X_train", X_train, "impute_mean")
    for X in X_others:
        _check_matrix("X_others", X, "impute_mean")
        if X.shape[1] != X_train.shape[1]:
            raise ValueError(f"impute_mean: every split needs d = {X_train.shape[1]} columns "
                             f"as X_train, got shape {tuple(X.shape)}")
    empty = torch.isnan(X_train).all(dim=0).nonzero().flatten().tolist()
    if empty:
        raise ValueError(f"impute_mean: columns {empty} of X_train have no observed value")
    mu = torch.nanmean(X_train, dim=0)  # (d,), from the training split only
    return tuple(torch.where(torch.isnan(X), mu, X) for X in (X_train, *X_others))


class Standardizer:
    r"""Rescale every column to mean 0 and standard deviation 1, with statistics from ``fit``.

    .. math:: z_{ij} = \frac{x_{ij} - \mu_j}{\sigma_j}, \qquad
              \mu_j = \frac{1}{N}\sum_i x_{ij}, \qquad
              \sigma_j = \sqrt{\frac{1}{N}\sum_i (x_{ij} - \mu_j)^2}

    The standard deviation is the population one (divide by :math:`N`, ``unbiased=False``),
    as in ``sklearn.preprocessing.StandardScaler``. A column whose values are all equal
    has :math:`\sigma_j = 0`; it gets :math:`\sigma_j = 1`, so it becomes all zeros
    instead of NaN.

    Attributes:
        mean_: :math:`\mu`, shape ``(d,)``, set by ``fit``.
        scale_: :math:`\sigma` with constant columns set to 1, shape ``(d,)``.
    """

    def __init__(self) -> None:
        self.mean_: Tensor | None = None
        self.scale_: Tensor | None = None

    def fit(self, X: Tensor) -> Standardizer:
        """Learn the column means and standard deviations of ``X`` (N, d); returns self."""
        _check_matrix("X", X, "Standardizer.fit")
        if torch.isnan(X).any():
            raise ValueError("Standardizer.fit: X contains NaN; impute missing values first")
        self.mean_ = X.mean(dim=0)  # (d,)
        std = X.std(dim=0, unbiased=False)  # (d,), population standard deviation
        constant = (X == X[0]).all(dim=0)  # (d,), columns whose values are all equal
        self.scale_ = torch.where(constant, torch.ones_like(std), std)
        return self

    def transform(self, X: Tensor) -> Tensor:
        """Standardize ``X`` (M, d) with the statistics learned by ``fit``; returns a new tensor."""
        if self.mean_ is None:
            raise RuntimeError("Standardizer.transform called before fit")
        _check_matrix("X", X, "Standardizer.transform")
        if X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"Standardizer.transform expects X of shape (M, {self.mean_.shape[0]}) "
                             f"as in fit, got {tuple(X.shape)}")
        return (X - self.mean_) / self.scale_  # (M, d) - (d,): broadcast over the rows

    def fit_transform(self, X: Tensor) -> Tensor:
        """``fit(X)`` then ``transform(X)``: only ever call it on the training split."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: Tensor) -> Tensor:
        r"""Undo ``transform``: :math:`x = z\,\sigma + \mu`."""
        if self.mean_ is None:
            raise RuntimeError("Standardizer.inverse_transform called before fit")
        return Z * self.scale_ + self.mean_


class TabularDataset(Dataset):
    r"""Rows of a table as a ``torch.utils.data.Dataset``: item ``i`` is ``(X[i], y[i])``.

    Args:
        X: features, shape ``(N, d)``: a tensor, a NumPy array or a pandas DataFrame.
            Stored as ``dtype`` (float32 by default).
        y: targets, shape ``(N,)``. Integer targets (class indices) are stored as int64,
            anything else as ``dtype``.
        dtype: the floating-point type of the features.
    """

    def __init__(self, X, y, dtype: torch.dtype = torch.float32) -> None:
        # as_tensor copies only when it must: a tensor already of `dtype` (on its device) is
        # kept as it is, so the dataset then shares its memory with the caller's X.
        X = torch.as_tensor(X if isinstance(X, Tensor) else np.array(X), dtype=dtype)
        y = torch.as_tensor(y if isinstance(y, Tensor) else np.array(y))
        if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
            raise ValueError(f"TabularDataset expects X of shape (N, d) and y of shape (N,), "
                             f"got X {tuple(X.shape)} and y {tuple(y.shape)}")
        is_integer = not (y.is_floating_point() or y.is_complex() or y.dtype == torch.bool)
        self.X = X
        self.y = y.long() if is_integer else y.to(dtype)

    @classmethod
    def from_frame(cls, frame, target: str, dtype: torch.dtype = torch.float32) -> TabularDataset:
        """Use the column ``target`` of a pandas DataFrame as y and all other columns as X."""
        if target not in frame.columns:
            raise ValueError(f"TabularDataset.from_frame: no column {target!r} in the frame")
        return cls(frame.drop(columns=target).to_numpy(), frame[target].to_numpy(), dtype)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        return self.X[i], self.y[i]
