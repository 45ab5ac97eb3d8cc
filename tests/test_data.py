"""Tests for dl_lib.data: splits, bundled sets, the downloader and the IDX reader, all offline."""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_digits

from dl_lib import data

N_DIGITS = 1797


# ---------------------------------------------------------------- stratified_split


def _digit_labels() -> np.ndarray:
    return load_digits().target


@pytest.mark.parametrize("val_fraction, test_fraction", [(0.15, 0.15), (0.2, 0.1), (0.1, 0.3)])
def test_split_sizes_and_class_proportions(val_fraction, test_fraction):
    y = _digit_labels()
    X = np.arange(len(y))[:, None]  # each row is its own index, to trace it later
    (X_tr, y_tr), (X_val, y_val), (X_te, y_te) = data.stratified_split(
        X, y, val_fraction, test_fraction, seed=0)
    assert len(y_tr) + len(y_val) + len(y_te) == len(y)
    assert abs(len(y_te) - test_fraction * len(y)) <= 1
    assert abs(len(y_val) - val_fraction * len(y)) <= 1
    share = np.bincount(y) / len(y)
    # The test split is one stratified cut of the whole set: each class count is within
    # 1 example of its share. Val and train come from a second cut of the remainder, so
    # the two roundings can add up, but stay below 2 examples.
    def deviation(split_y):
        return np.abs(np.bincount(split_y, minlength=10) - share * len(split_y)).max()

    assert deviation(y_te) <= 1
    assert deviation(y_val) < 2 and deviation(y_tr) < 2
    # rows are kept with their labels, and no row lands in two splits
    for split_X, split_y in ((X_tr, y_tr), (X_val, y_val), (X_te, y_te)):
        np.testing.assert_array_equal(y[split_X[:, 0]], split_y)
    rows = np.concatenate([X_tr[:, 0], X_val[:, 0], X_te[:, 0]])
    assert len(np.unique(rows)) == len(y)


def test_split_is_fixed_by_seed():
    y = _digit_labels()
    X = np.arange(len(y))
    first = data.stratified_split(X, y, seed=3)
    again = data.stratified_split(X, y, seed=3)
    other = data.stratified_split(X, y, seed=4)
    for (a, _), (b, _) in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[2][0], other[2][0])


def test_split_keeps_tensor_type():
    y = torch.tensor(_digit_labels())
    X = torch.arange(len(y), dtype=torch.float32)[:, None]
    parts = data.stratified_split(X, y, 0.2, 0.2, seed=0)
    for split_X, split_y in parts:
        assert isinstance(split_X, torch.Tensor) and isinstance(split_y, torch.Tensor)
        torch.testing.assert_close(y[split_X[:, 0].long()], split_y)


def test_split_with_no_val_or_test():
    y = _digit_labels()
    (X_tr, _), (X_val, _), (X_te, y_te) = data.stratified_split(y, y, 0.0, 0.2)
    assert len(X_val) == 0 and len(X_tr) + len(X_te) == len(y)


@pytest.mark.parametrize("kwargs, message", [
    (dict(val_fraction=1.5), r"val_fraction must be in \[0, 1\), got 1.5"),
    (dict(test_fraction=-0.1), r"test_fraction must be in \[0, 1\), got -0.1"),
    (dict(val_fraction=0.5, test_fraction=0.5), r"val_fraction \+ test_fraction must be < 1"),
])
def test_split_rejects_bad_fractions(kwargs, message):
    y = _digit_labels()
    with pytest.raises(ValueError, match="stratified_split: " + message):
        data.stratified_split(y, y, **kwargs)


def test_split_rejects_bad_lengths_and_tiny_classes():
    with pytest.raises(ValueError, match="same length, got 10 and 9"):
        data.stratified_split(np.zeros(10), np.zeros(9))
    y = np.array([0] * 10 + [1])  # class 1 has a single example
    with pytest.raises(ValueError, match="at least 2 examples"):
        data.stratified_split(np.zeros(11), y)
    y = np.repeat(np.arange(10), 2)  # 20 examples, 10 classes: 15% is 3 rows < 10 classes
    with pytest.raises(ValueError, match="cannot stratify"):
        data.stratified_split(np.zeros(20), y)


# ---------------------------------------------------------------- bundled data sets


@pytest.mark.parametrize("flatten, shape", [(True, (64,)), (False, (1, 8, 8))])
def test_digits_shapes_dtypes_ranges(flatten, shape):
    splits = data.digits(flatten=flatten)
    assert splits.input_shape == shape
    assert splits.classes == list(range(10))
    total = 0
    for name in ("train", "val", "test"):
        X, y = splits.tensors(name)
        assert X.shape[1:] == shape and X.dtype == torch.float32
        assert y.shape == (len(X),) and y.dtype == torch.int64
        assert X.min() == 0 and X.max() == 1
        assert set(y.tolist()) == set(range(10))
        total += len(X)
    assert total == N_DIGITS
    assert data.digits(scale=False).tensors("train")[0].max() == 16


def test_digits_split_is_fixed_by_seed():
    a, b, c = data.digits(seed=0), data.digits(seed=0), data.digits(seed=1)
    torch.testing.assert_close(a.tensors("test"), b.tensors("test"))
    assert not torch.equal(a.tensors("test")[0], c.tensors("test")[0])


def test_digits_rejects_bad_fraction():
    with pytest.raises(ValueError, match=r"digits: val_fraction must be in \[0, 1\), got 1.5"):
        data.digits(val_fraction=1.5)


def test_loaders_batches_and_order():
    splits = data.digits()
    train, val, test = splits.loaders(batch_size=64, seed=0)
    X, y = next(iter(train))
    assert X.shape == (64, 64) and y.shape == (64,)
    # same seed, same batches; another seed, other batches
    first = torch.cat([y for _, y in splits.loaders(batch_size=64, seed=0)[0]])
    again = torch.cat([y for _, y in splits.loaders(batch_size=64, seed=0)[0]])
    other = torch.cat([y for _, y in splits.loaders(batch_size=64, seed=1)[0]])
    torch.testing.assert_close(first, again)
    assert not torch.equal(first, other)
    # one loader keeps drawing from its generator: each epoch has a new order
    epoch_1, epoch_2 = (torch.cat([y for _, y in train]) for _ in range(2))
    assert not torch.equal(epoch_1, epoch_2)
    # the train loader does shuffle; shuffle=False keeps the stored order
    assert not torch.equal(first, splits.tensors("train")[1])
    unshuffled = torch.cat([y for _, y in splits.loaders(shuffle=False)[0]])
    torch.testing.assert_close(unshuffled, splits.tensors("train")[1])
    # val and test batches come in the stored order
    for loader, name in ((val, "val"), (test, "test")):
        X_all = torch.cat([X for X, _ in loader])
        torch.testing.assert_close(X_all, splits.tensors(name)[0])


def test_tensors_rejects_unknown_split():
    with pytest.raises(ValueError, match="split must be one of"):
        data.digits().tensors("validation")


def test_breast_cancer_standardized_on_train_only():
    splits = data.breast_cancer(seed=0)
    assert splits.classes == ["malignant", "benign"]
    assert splits.input_shape == (30,)
    X_tr = splits.tensors("train")[0].double()
    torch.testing.assert_close(X_tr.mean(0), torch.zeros(30, dtype=torch.float64),
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(X_tr.std(0, unbiased=False), torch.ones(30, dtype=torch.float64),
                               atol=1e-5, rtol=0)
    # the test split was shifted by the train statistics, not its own
    X_te = splits.tensors("test")[0].double()
    assert X_te.mean(0).abs().max() > 0.05
    # and the numbers are exactly (x - train mean) / train std
    raw = load_breast_cancer()
    (R_tr, _), _, (R_te, _) = data.stratified_split(raw.data, raw.target, seed=0)
    expected = (R_te - R_tr.mean(0)) / R_tr.std(0)
    np.testing.assert_allclose(X_te.numpy(), expected, rtol=1e-5, atol=1e-5)
    raw_test = data.breast_cancer(standardize=False).tensors("test")[0]
    np.testing.assert_allclose(raw_test.numpy(), R_te, rtol=1e-6)


def test_two_moons():
    splits = data.two_moons(n_samples=200, noise=0.1, seed=0)
    sizes = [len(splits.tensors(name)[1]) for name in ("train", "val", "test")]
    assert sum(sizes) == 200 and sizes[2] == 30
    assert splits.input_shape == (2,) and splits.classes == [0, 1]
    assert splits.tensors("train")[1].dtype == torch.int64
    with pytest.raises(ValueError, match="two_moons: noise must be >= 0"):
        data.two_moons(noise=-1)


def test_xor_labels():
    X, y = data.xor(n_per_corner=25, noise=0.0, seed=0)
    assert X.shape == (100, 2) and y.shape == (100,)
    assert X.dtype == torch.float32 and y.dtype == torch.float32
    torch.testing.assert_close(y, (X[:, 0] != X[:, 1]).float())
    assert sorted(set(map(tuple, X.tolist()))) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    X, y = data.xor(n_per_corner=50, noise=0.1, seed=0)
    corners = X.round()  # noise 0.1 is 5 standard deviations from the decision lines
    torch.testing.assert_close(y, (corners[:, 0] != corners[:, 1]).float())
    assert y.sum() == 100
    torch.testing.assert_close(data.xor(seed=0), data.xor(seed=0))


# ---------------------------------------------------------------- download


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _serve(tmp_path: Path, content: bytes, name: str = "blob.bin") -> str:
    source = tmp_path / "server" / name
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(content)
    return source.as_uri()


def test_download_fetches_verifies_and_caches(tmp_path):
    content = b"some bytes " * 1000
    url = _serve(tmp_path, content)
    cache = tmp_path / "cache"
    path = data.download(url, _sha(content), cache_dir=cache)
    assert path == cache / "blob.bin" and path.read_bytes() == content
    # the second call reads the cache, not the URL: the source is gone
    (tmp_path / "server" / "blob.bin").unlink()
    assert data.download(url, _sha(content), cache_dir=cache) == path
    assert sorted(p.name for p in cache.iterdir()) == ["blob.bin"]


def test_download_wrong_hash_leaves_nothing(tmp_path):
    url = _serve(tmp_path, b"good")
    cache = tmp_path / "cache"
    wrong = "0" * 64
    with pytest.raises(ValueError, match=f"{url}.*expected {wrong}, got {_sha(b'good')}"):
        data.download(url, wrong, cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_download_mismatch_keeps_existing_file(tmp_path):
    cache = tmp_path / "cache"
    good = data.download(_serve(tmp_path, b"good"), _sha(b"good"), cache_dir=cache)
    url = _serve(tmp_path, b"evil")  # the server now serves other bytes
    with pytest.raises(ValueError, match="SHA-256 mismatch"):
        data.download(url, _sha(b"new"), cache_dir=cache)
    assert good.read_bytes() == b"good"
    assert sorted(p.name for p in cache.iterdir()) == ["blob.bin"]


def test_download_replaces_corrupt_cached_file(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "blob.bin").write_bytes(b"half a fi")
    path = data.download(_serve(tmp_path, b"half a file"), _sha(b"half a file"), cache_dir=cache)
    assert path.read_bytes() == b"half a file"


def test_download_network_error_says_book_is_offline(tmp_path):
    url = (tmp_path / "missing.bin").as_uri()
    with pytest.raises(RuntimeError, match="missing.bin.*never needs"):
        data.download(url, "0" * 64, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_download_honours_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_LIB_DATA", str(tmp_path / "env-cache"))
    path = data.download(_serve(tmp_path, b"x"), _sha(b"x"), filename="renamed.bin")
    assert path == tmp_path / "env-cache" / "renamed.bin"


def test_download_rejects_malformed_hash(tmp_path):
    with pytest.raises(ValueError, match="sha256 must be 64 hex digits"):
        data.download(_serve(tmp_path, b"x"), "abc", cache_dir=tmp_path)


def test_published_file_tables():
    for table, prefix in ((data.MNIST_FILES, "https://ossci-datasets.s3.amazonaws.com/mnist/"),
                          (data.FASHION_MNIST_FILES,
                           "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")):
        assert sorted(table) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                                 "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
        for name, (url, sha) in table.items():
            assert url == prefix + name
            assert len(sha) == 64 and int(sha, 16) >= 0


# ---------------------------------------------------------------- load_idx and mnist


_IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D}


def write_idx(path: Path, array: np.ndarray) -> bytes:
    """Write ``array`` in IDX format (gzipped if the name ends in .gz); return the file bytes."""
    header = struct.pack(">BBBB", 0, 0, _IDX_CODES[array.dtype], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    content = gzip.compress(raw) if path.suffix == ".gz" else raw
    path.write_bytes(content)
    return content


@pytest.mark.parametrize("name", ["images.idx", "images.idx.gz"])
@pytest.mark.parametrize("array", [
    np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
    np.array([-1, 0, 70000], dtype=np.int32),
    np.array([[0.5, -2.25]], dtype=np.float32),
])
def test_load_idx_round_trip(tmp_path, name, array):
    write_idx(tmp_path / name, array)
    loaded = data.load_idx(tmp_path / name)
    assert loaded.dtype == array.dtype and loaded.shape == array.shape
    np.testing.assert_array_equal(loaded, array)


def test_load_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="not an IDX file: magic number 01020801"):
        data.load_idx(tmp_path / "bad.idx")
    (tmp_path / "short.idx").write_bytes(struct.pack(">BBBBI", 0, 0, 8, 1, 5) + b"abc")
    with pytest.raises(ValueError, match=r"should hold \(5,\)"):
        data.load_idx(tmp_path / "short.idx")
    (tmp_path / "fake.idx.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="not gzip data"):
        data.load_idx(tmp_path / "fake.idx.gz")


def _fixture_files(tmp_path: Path, n_train: int = 20, n_test: int = 10) -> dict:
    rng = np.random.default_rng(0)
    server = tmp_path / "server"
    server.mkdir()
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.arange(n_train, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.arange(n_test, dtype=np.uint8) % 10,
    }
    files = {}
    for name, array in arrays.items():
        content = write_idx(server / name, array)
        files[name] = ((server / name).as_uri(), _sha(content))
    return files


def test_mnist_from_fixture_files(tmp_path):
    files = _fixture_files(tmp_path)
    splits = data.mnist(root=tmp_path / "cache", val_fraction=0.5, seed=0, files=files)
    assert splits.input_shape == (1, 28, 28) and splits.classes == list(range(10))
    sizes = {name: len(splits.tensors(name)[0]) for name in ("train", "val", "test")}
    assert sizes == {"train": 10, "val": 10, "test": 10}
    for name in ("train", "val", "test"):
        X, y = splits.tensors(name)
        assert X.shape[1:] == (1, 28, 28) and X.dtype == torch.float32
        assert 0 <= X.min() and X.max() <= 1 and y.dtype == torch.int64
    # the official test set is the test split, in its order, scaled by 1/255
    raw_test = data.load_idx(tmp_path / "cache" / "mnist" / "t10k-images-idx3-ubyte.gz")
    torch.testing.assert_close(splits.tensors("test")[0][:, 0],
                               torch.tensor(raw_test, dtype=torch.float32) / 255)
    assert sorted(splits.tensors("val")[1].tolist()) == list(range(10))  # stratified


def test_fashion_mnist_uses_own_cache_and_names(tmp_path):
    files = _fixture_files(tmp_path)
    splits = data.mnist(root=tmp_path / "cache", fashion=True, val_fraction=0.5, files=files)
    assert splits.classes[0] == "T-shirt/top" and len(splits.classes) == 10
    assert (tmp_path / "cache" / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file()
    assert not (tmp_path / "cache" / "mnist").exists()


def test_mnist_rejects_incomplete_files(tmp_path):
    files = _fixture_files(tmp_path)
    del files["t10k-labels-idx1-ubyte.gz"]
    with pytest.raises(ValueError, match="mnist: files must have the keys"):
        data.mnist(root=tmp_path / "cache", files=files)


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "64", None])
def test_loaders_refuse_a_bad_batch_size(batch_size):
    splits = data.digits()
    with pytest.raises(ValueError, match=f"loaders: batch_size must be a positive int, got {batch_size!r}"):
        splits.loaders(batch_size=batch_size)
