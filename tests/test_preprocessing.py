"""dl_lib.preprocessing against scikit-learn and torch: one-hot, mean imputation, standardization."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler
from torch.testing import assert_close
from torch.utils.data import DataLoader

from dl_lib.preprocessing import Standardizer, TabularDataset, impute_mean, one_hot

F64 = torch.float64


def _random(seed: int, *shape: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=F64)


# ---------------------------------------------------------------- one_hot


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4)])
def test_one_hot_matches_torch(seed, shape):
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 6, shape, generator=generator)
    assert_close(one_hot(labels), F.one_hot(labels))
    assert_close(one_hot(labels, num_classes=9), F.one_hot(labels, num_classes=9))
    assert one_hot(labels, 9).dtype == torch.int64


def test_one_hot_by_hand_and_small_dtypes():
    out = one_hot(torch.tensor([2, 0, 1], dtype=torch.uint8), num_classes=4)
    assert out.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]
    assert one_hot(torch.tensor([0, 0])).shape == (2, 1)  # only class 0 seen: width 1
    assert one_hot(torch.zeros(0, dtype=torch.long), num_classes=3).shape == (0, 3)


def test_one_hot_rejects_bad_labels():
    with pytest.raises(ValueError, match="integer tensor"):
        one_hot(torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=">= 0, got -1"):
        one_hot(torch.tensor([0, -1, 2]))
    with pytest.raises(ValueError, match="< num_classes = 3, got 3"):
        one_hot(torch.tensor([0, 3]), num_classes=3)
    with pytest.raises(ValueError, match="empty labels"):
        one_hot(torch.zeros(0, dtype=torch.long))


# ---------------------------------------------------------------- impute_mean


def _with_holes(seed: int, n: int, d: int, fraction: float = 0.2) -> torch.Tensor:
    X = _random(seed, n, d)
    generator = torch.Generator().manual_seed(seed + 100)
    X[torch.rand(n, d, generator=generator) < fraction] = float("nan")
    return X


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_impute_mean_matches_sklearn_with_train_statistics(seed):
    train, val, test = _with_holes(seed, 40, 5), _with_holes(seed + 1, 9, 5), _with_holes(seed + 2, 11, 5)
    before = [t.clone() for t in (train, val, test)]
    imputer = SimpleImputer(strategy="mean").fit(train.numpy())
    filled = impute_mean(train, val, test)
    assert len(filled) == 3
    for ours, original in zip(filled, (train, val, test), strict=True):
        assert_close(ours, torch.from_numpy(imputer.transform(original.numpy())), atol=1e-6, rtol=1e-6)
        assert not torch.isnan(ours).any()
    for t, b in zip((train, val, test), before, strict=True):  # the inputs are not modified
        assert_close(t, b, equal_nan=True)


def test_impute_mean_by_hand_uses_train_means_not_test_means():
    nan = float("nan")
    train = torch.tensor([[1.0, 10.0], [3.0, nan], [nan, 20.0]])
    test = torch.tensor([[nan, nan], [100.0, 200.0]])
    train_filled, test_filled = impute_mean(train, test)
    assert train_filled.tolist() == [[1.0, 10.0], [3.0, 15.0], [2.0, 20.0]]
    assert test_filled.tolist() == [[2.0, 15.0], [100.0, 200.0]]
    (alone,) = impute_mean(train)
    assert_close(alone, train_filled)


def test_impute_mean_rejects_bad_input():
    with pytest.raises(ValueError, match=r"columns \[1\] of X_train have no observed value"):
        impute_mean(torch.tensor([[1.0, float("nan")], [2.0, float("nan")]]))
    with pytest.raises(ValueError, match=r"d = 2 columns.*got shape \(1, 3\)"):
        impute_mean(torch.ones(3, 2), torch.ones(1, 3))
    with pytest.raises(ValueError, match=r"X_train of shape \(N, d\).*got \(4,\)"):
        impute_mean(torch.ones(4))
    with pytest.raises(ValueError, match="floating-point"):
        impute_mean(torch.ones(3, 2, dtype=torch.long))


# ---------------------------------------------------------------- Standardizer


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_standardizer_matches_sklearn(seed):
    train = _random(seed, 50, 6) * torch.tensor([1e-3, 1.0, 10.0, 1e3, 0.5, 2.0], dtype=F64) + 7.0
    test = _random(seed + 10, 13, 6)
    scaler = StandardScaler().fit(train.numpy())
    ours = Standardizer().fit(train)
    assert_close(ours.mean_, torch.from_numpy(scaler.mean_), atol=1e-6, rtol=1e-6)
    assert_close(ours.scale_, torch.from_numpy(scaler.scale_), atol=1e-6, rtol=1e-6)
    for X in (train, test):
        assert_close(ours.transform(X), torch.from_numpy(scaler.transform(X.numpy())), atol=1e-6, rtol=1e-6)
    Z = ours.transform(train)
    assert_close(Z.mean(dim=0), torch.zeros(6, dtype=F64), atol=1e-9, rtol=0)
    assert_close(Z.std(dim=0, unbiased=False), torch.ones(6, dtype=F64))
    assert_close(ours.inverse_transform(ours.transform(test)), test)


def test_standardizer_population_std_by_hand():
    X = torch.tensor([[1.0], [2.0], [3.0]], dtype=F64)
    Z = Standardizer().fit_transform(X)
    sigma = (2 / 3) ** 0.5  # divide by N = 3, not N - 1 = 2
    assert_close(Z, torch.tensor([[-1 / sigma], [0.0], [1 / sigma]], dtype=F64))


def test_standardizer_constant_column_becomes_zeros_like_sklearn():
    X = torch.cat([_random(0, 20, 2), torch.full((20, 1), 0.1, dtype=F64)], dim=1)
    ours = Standardizer().fit(X)
    assert ours.scale_[2] == 1.0
    Z = ours.transform(X)
    assert torch.isfinite(Z).all()
    assert_close(Z, torch.from_numpy(StandardScaler().fit_transform(X.numpy())), atol=1e-6, rtol=1e-6)
    assert_close(Z[:, 2], torch.zeros(20, dtype=F64), atol=1e-12, rtol=0)


def test_standardizer_keeps_float32_and_passes_gradients():
    X = _random(5, 30, 3).float()
    scaler = Standardizer().fit(X)
    assert scaler.transform(X).dtype == torch.float32
    Z = _random(6, 4, 3).float().requires_grad_()
    scaler.transform(Z).sum().backward()
    assert_close(Z.grad, (1 / scaler.scale_).expand(4, 3))


def test_standardizer_rejects_bad_input():
    with pytest.raises(RuntimeError, match="before fit"):
        Standardizer().transform(torch.ones(2, 2))
    scaler = Standardizer().fit(torch.randn(5, 3))
    with pytest.raises(ValueError, match=r"shape \(M, 3\) as in fit, got \(2, 4\)"):
        scaler.transform(torch.ones(2, 4))
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit(torch.tensor([[1.0], [float("nan")]]))
    with pytest.raises(ValueError, match=r"X of shape \(N, d\).*got \(5,\)"):
        Standardizer().fit(torch.ones(5))


# ---------------------------------------------------------------- TabularDataset


def test_tabular_dataset_items_dtypes_and_loader():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 3
    ds = TabularDataset(X, y)
    assert len(ds) == 10
    x3, y3 = ds[3]
    assert x3.tolist() == [6.0, 7.0] and x3.dtype == torch.float32
    assert y3.item() == 0 and y3.dtype == torch.int64
    batches = list(DataLoader(ds, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert_close(batches[1][0], torch.tensor(X[4:8], dtype=torch.float32))
    regression = TabularDataset(torch.ones(3, 2), torch.tensor([0.5, 1.5, 2.5]), dtype=F64)
    assert regression.X.dtype == F64 and regression.y.dtype == F64


def test_tabular_dataset_from_frame_and_errors():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "label": [1, 0]})
    ds = TabularDataset.from_frame(frame, target="label")
    assert ds.X.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert ds.y.tolist() == [1, 0]
    with pytest.raises(ValueError, match="no column 'target'"):
        TabularDataset.from_frame(frame, target="target")
    with pytest.raises(ValueError, match=r"got X \(3, 2\) and y \(2,\)"):
        TabularDataset(torch.ones(3, 2), torch.ones(2))


def test_tabular_dataset_shares_a_tensor_of_its_dtype_and_copies_anything_else():
    from dl_lib.preprocessing import TabularDataset

    X32, y = torch.zeros(3, 2), torch.arange(3)
    assert TabularDataset(X32, y).X is X32  # as_tensor returns the same object: no copy
    X64 = torch.zeros(3, 2, dtype=torch.float64)
    converted = TabularDataset(X64, y).X
    assert converted.dtype == torch.float32 and converted.data_ptr() != X64.data_ptr()
