r"""Data sets for the book: the ones that ship, and a checked downloader for the ones that don't.

Every chapter runs on data that needs no network: scikit-learn's bundled sets
(:func:`digits`, :func:`breast_cancer`) and generators (:func:`two_moons`,
:func:`xor`). Each loader returns a :class:`DataSplits` holding train, validation
and test splits that are stratified (every class keeps its share in every split)
and fixed by a seed.

The big public sets (MNIST, Fashion-MNIST) are optional: :func:`mnist` fetches
them once with :func:`download`, which checks each file's SHA-256 and keeps it in
a cache, and reads them with :func:`load_idx`.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pooch
import torch
from sklearn import datasets as sk_datasets
from sklearn.model_selection import train_test_split
from torch import Tensor
from torch.utils.data import DataLoader, TensorDataset

from dl_lib.preprocessing import Standardizer

pooch.get_logger().setLevel("WARNING")  # no "Downloading ..." chatter in the book

__all__ = [
    "DataSplits", "stratified_split", "digits", "breast_cancer", "two_moons", "xor",
    "download", "sha256_of", "load_idx", "mnist", "MNIST_FILES", "FASHION_MNIST_FILES", "FASHION_CLASSES",
]

# The SHA-256 sums published for the original files (the same ones torchvision's
# dataset catalogue pins); `download` refuses any file that does not match.
_MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": (
        _MNIST_URL + "train-images-idx3-ubyte.gz",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte.gz": (
        _MNIST_URL + "train-labels-idx1-ubyte.gz",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte.gz": (
        _MNIST_URL + "t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte.gz": (
        _MNIST_URL + "t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}
_FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": (
        _FASHION_URL + "train-images-idx3-ubyte.gz",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
    "train-labels-idx1-ubyte.gz": (
        _FASHION_URL + "train-labels-idx1-ubyte.gz",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
    "t10k-images-idx3-ubyte.gz": (
        _FASHION_URL + "t10k-images-idx3-ubyte.gz",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
    "t10k-labels-idx1-ubyte.gz": (
        _FASHION_URL + "t10k-labels-idx1-ubyte.gz",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
}
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

_SPLITS = ("train", "val", "test")


@dataclass
class DataSplits:
    r"""A data set cut into train, validation and test splits.

    Attributes:
        train, val, test: ``TensorDataset`` s of ``(X, y)``; ``X`` is float32 of shape
            ``(N, *input_shape)``, ``y`` holds class indices (int64) of shape ``(N,)``.
        classes: the class names; ``classes[k]`` is the name of label ``k``.
        input_shape: the shape of one example, e.g. ``(64,)`` or ``(1, 28, 28)``.
    """

    train: TensorDataset
    val: TensorDataset
    test: TensorDataset
    classes: list
    input_shape: tuple

    def loaders(self, batch_size: int = 64, shuffle: bool = True, seed: int = 0,
                num_workers: int = 0) -> tuple[DataLoader, DataLoader, DataLoader]:
        r"""Three ``DataLoader`` s: train, val, test.

        Only the train loader shuffles (when ``shuffle``), from a generator seeded with
        ``seed``, so the same seed gives the same batches in every run. Validation
        and test batches always come in the stored order.
        """
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"loaders: batch_size must be a positive int, got {batch_size!r}")
        generator = torch.Generator().manual_seed(seed)
        train = DataLoader(self.train, batch_size=batch_size, shuffle=shuffle,
                           generator=generator, num_workers=num_workers)
        val, test = (DataLoader(split, batch_size=batch_size, shuffle=False,
                                num_workers=num_workers) for split in (self.val, self.test))
        return train, val, test

    def tensors(self, split: str) -> tuple[Tensor, Tensor]:
        r"""The whole of one split as ``(X, y)``; ``split`` is "train", "val" or "test"."""
        if split not in _SPLITS:
            raise ValueError(f"tensors: split must be one of {_SPLITS}, got {split!r}")
        X, y = getattr(self, split).tensors
        return X, y


def _check_fractions(caller: str, val_fraction: float, test_fraction: float) -> None:
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 <= value < 1:
            raise ValueError(f"{caller}: {name} must be in [0, 1), got {value}")
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"{caller}: val_fraction + test_fraction must be < 1, got "
                         f"{val_fraction} + {test_fraction} = {val_fraction + test_fraction}")


def _split_indices(index: np.ndarray, labels: np.ndarray, fraction: float,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``index`` into (rest, part) with ``fraction`` of it in ``part``, stratified."""
    if fraction == 0:
        return index, index[:0]
    try:
        rest, part = train_test_split(index, test_size=fraction, stratify=labels[index],
                                      random_state=seed)
    except ValueError as error:  # e.g. a split too small to hold one example per class
        raise ValueError(f"stratified_split: cannot stratify {len(index)} examples with "
                         f"fraction {fraction}: {error}") from None
    return np.sort(rest), np.sort(part)


def stratified_split(X, y, val_fraction: float = 0.15, test_fraction: float = 0.15,
                     seed: int = 0) -> tuple[tuple, tuple, tuple]:
    r"""Split ``(X, y)`` into train, val and test so each class keeps its share in each split.

    The test split is cut first, then the validation split from what remains, both
    with ``sklearn.model_selection.train_test_split(..., stratify=y)``.

    Args:
        X: features, a NumPy array or a tensor of shape ``(N, ...)``.
        y: class labels of shape ``(N,)``, same type as ``X``.
        val_fraction, test_fraction: shares of the N examples, each in [0, 1), sum < 1.
        seed: the same seed gives the same split.

    Returns:
        ``((X_train, y_train), (X_val, y_val), (X_test, y_test))``, of the type given;
        rows keep their original order within each split.
    """
    _check_fractions("stratified_split", val_fraction, test_fraction)
    if len(X) != len(y):
        raise ValueError(f"stratified_split: X and y must have the same length, "
                         f"got {len(X)} and {len(y)}")
    labels = y.cpu().numpy() if isinstance(y, Tensor) else np.asarray(y)
    _, counts = np.unique(labels, return_counts=True)
    if (val_fraction > 0 or test_fraction > 0) and counts.min() < 2:
        raise ValueError("stratified_split: every class needs at least 2 examples to "
                         f"stratify, the smallest has {counts.min()}")
    index = np.arange(len(y))
    rest, test = _split_indices(index, labels, test_fraction, seed)
    train, val = _split_indices(rest, labels, val_fraction / (1 - test_fraction), seed)
    take = (lambda i: torch.as_tensor(i)) if isinstance(X, Tensor) else (lambda i: i)
    return tuple((X[take(i)], y[take(i)]) for i in (train, val, test))


def _to_splits(parts, classes: list) -> DataSplits:
    """Wrap three NumPy ``(X, y)`` pairs as a DataSplits: X float32, y int64."""
    train, val, test = (TensorDataset(torch.as_tensor(X, dtype=torch.float32),
                                      torch.as_tensor(y, dtype=torch.int64)) for X, y in parts)
    return DataSplits(train, val, test, classes, tuple(train.tensors[0].shape[1:]))


def digits(val_fraction: float = 0.15, test_fraction: float = 0.15, seed: int = 0,
           flatten: bool = True, scale: bool = True) -> DataSplits:
    r"""scikit-learn's 8x8 handwritten digits: 1797 images, 10 classes, bundled (no download).

    Args:
        val_fraction, test_fraction: shares of the examples in val and test.
        seed: fixes the split.
        flatten: examples of shape ``(64,)``; otherwise images ``(1, 8, 8)``.
        scale: divide the pixels (0..16) by 16 so they lie in [0, 1].
    """
    _check_fractions("digits", val_fraction, test_fraction)
    data = sk_datasets.load_digits()
    X = data.images.astype(np.float32)  # (N, 8, 8), values 0..16
    if scale:
        X = X / 16
    X = X.reshape(len(X), 64) if flatten else X[:, None]  # (N, 64) or (N, 1, 8, 8)
    parts = stratified_split(X, data.target, val_fraction, test_fraction, seed)
    return _to_splits(parts, list(range(10)))


def breast_cancer(val_fraction: float = 0.15, test_fraction: float = 0.15, seed: int = 0,
                  standardize: bool = True) -> DataSplits:
    r"""scikit-learn's Wisconsin breast cancer set: 569 tumours, 30 features, 2 classes.

    With ``standardize``, every feature becomes :math:`(x - \mu) / \sigma`, with
    :math:`\mu, \sigma` computed on the train split alone: the model must not learn
    anything from the validation or test examples, not even their mean.
    """
    _check_fractions("breast_cancer", val_fraction, test_fraction)
    data = sk_datasets.load_breast_cancer()
    parts = stratified_split(data.data, data.target, val_fraction, test_fraction, seed)
    if standardize:  # statistics of the train split only (chapter 2's Standardizer)
        scaler = Standardizer().fit(torch.as_tensor(parts[0][0]))
        parts = [(scaler.transform(torch.as_tensor(X)).numpy(), y) for X, y in parts]
    return _to_splits(parts, list(data.target_names))  # ["malignant", "benign"]


def two_moons(n_samples: int = 400, noise: float = 0.2, val_fraction: float = 0.15,
              test_fraction: float = 0.15, seed: int = 0) -> DataSplits:
    r"""Two interleaving half circles in 2-D (``sklearn.datasets.make_moons``), 2 classes."""
    if not isinstance(n_samples, int) or n_samples < 4:
        raise ValueError(f"two_moons: n_samples must be an int >= 4, got {n_samples!r}")
    if noise < 0:
        raise ValueError(f"two_moons: noise must be >= 0, got {noise}")
    _check_fractions("two_moons", val_fraction, test_fraction)
    X, y = sk_datasets.make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    parts = stratified_split(X, y, val_fraction, test_fraction, seed)
    return _to_splits(parts, [0, 1])


def xor(n_per_corner: int = 50, noise: float = 0.1, seed: int = 0) -> tuple[Tensor, Tensor]:
    r"""The XOR problem: Gaussian blobs at the four corners of the unit square.

    The blob at corner :math:`(a, b)` has label :math:`a \oplus b` (1 when exactly one
    coordinate is 1). No straight line separates the classes.

    Returns:
        ``X`` float32 of shape ``(4 * n_per_corner, 2)`` and ``y`` float32 of shape
        ``(4 * n_per_corner,)`` with values 0 or 1, in random order.
    """
    if not isinstance(n_per_corner, int) or n_per_corner < 1:
        raise ValueError(f"xor: n_per_corner must be a positive int, got {n_per_corner!r}")
    if noise < 0:
        raise ValueError(f"xor: noise must be >= 0, got {noise}")
    generator = torch.Generator().manual_seed(seed)
    corners = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    centres = corners.repeat_interleave(n_per_corner, dim=0)  # (4n, 2)
    X = centres + noise * torch.randn(centres.shape, generator=generator)
    y = (centres[:, 0] != centres[:, 1]).float()  # (4n,)
    order = torch.randperm(len(y), generator=generator)
    return X[order], y[order]


def _cache_root(cache_dir: str | Path | None) -> Path:
    """``cache_dir``, else ``$DL_LIB_DATA``, else ``~/.cache/dl_lib``."""
    return Path(cache_dir or os.environ.get("DL_LIB_DATA") or Path.home() / ".cache" / "dl_lib")


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file, as 64 lowercase hex digits (read in 1 MB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_local(url: str, output_file: str, pooch_obj: object) -> None:
    """pooch's downloader for ``file://`` addresses: a copy (pooch itself knows HTTP, FTP and DOI)."""
    source = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    try:
        shutil.copyfile(source, output_file)
    except OSError as error:
        raise urllib.error.URLError(error) from error


def download(url: str, sha256: str, filename: str | None = None,
             cache_dir: str | Path | None = None) -> Path:
    r"""Fetch ``url`` into the cache once, check its SHA-256, and return its path.

    This is `pooch <https://www.fatiando.org/pooch>`_'s ``retrieve`` (the downloader SciPy and
    scikit-image use), with the book's cache folder and error messages. A cached file whose
    SHA-256 matches is returned without touching the network. Otherwise pooch writes the file
    to a temporary name next to its final place, checks it, and only then moves it into place,
    so the cache never holds a partial or corrupt file, and a failed update keeps the old one.

    Args:
        url: where to fetch from (``https://``, ``http://``, ``ftp://`` or ``file://``).
        sha256: the expected SHA-256 of the file, 64 hex digits; or, for checkpoints named the
            ``torch.hub`` way (``resnet18-f37072fd.pth``), a prefix of at least 8 hex digits.
        filename: the name in the cache; defaults to the last part of the URL.
        cache_dir: defaults to ``$DL_LIB_DATA``, else ``~/.cache/dl_lib``.

    Raises:
        ValueError: a malformed ``sha256``, or the fetched file's SHA-256 differs from it.
        RuntimeError: the URL could not be fetched.
    """
    sha256 = sha256.lower()
    if not 8 <= len(sha256) <= 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"download: sha256 must be 64 hex digits (or a prefix of at least 8), got {sha256!r}")
    filename = filename or Path(urllib.parse.urlparse(url).path).name
    if not filename:
        raise ValueError(f"download: cannot take a filename from url {url!r}; pass filename=")
    root = _cache_root(cache_dir)
    full = len(sha256) == 64
    path = root / filename
    if path.is_file() and sha256_of(path).startswith(sha256):
        return path
    try:
        fetched = pooch.retrieve(
            url, known_hash=f"sha256:{sha256}" if full else None, fname=filename, path=root,
            downloader=_copy_local if url.startswith("file:") else None, progressbar=False,
        )
    except ValueError as error:
        if "does not match the known hash" not in str(error):
            raise
        got = re.search(r"but got ([0-9a-f]{64})", str(error))
        raise ValueError(f"download: SHA-256 mismatch for {url}: expected {sha256}, "
                         f"got {got.group(1) if got else 'another hash'}") from None
    except OSError as error:  # URLError and requests' errors are OSErrors too
        raise RuntimeError(
            f"download: could not fetch {url}: {error}. Only the optional MNIST and Fashion-MNIST "
            "loaders and pre-trained checkpoints use the network; the book itself never needs it."
        ) from error
    if not full and not sha256_of(fetched).startswith(sha256):  # a hub-style prefix, checked after
        got = sha256_of(fetched)
        Path(fetched).unlink()
        raise ValueError(f"download: SHA-256 mismatch for {url}: expected a hash starting {sha256}, got {got}")
    return Path(fetched)


# IDX type codes (third byte of the magic number) and the big-endian dtypes they stand for.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_idx(path: str | Path) -> np.ndarray:
    r"""Read an IDX file, the format of MNIST, gzip-compressed (``.gz``) or not.

    Layout: a 4-byte magic number ``0x00 0x00 <type code> <ndim>``, then ``ndim``
    big-endian uint32 sizes, then the values, big-endian, in C order. MNIST's
    images have magic ``0x00000803`` (uint8, 3-D), its labels ``0x00000801``.

    Returns:
        An array of shape ``(size_0, ..., size_{ndim-1})`` in native byte order.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except gzip.BadGzipFile as error:
        raise ValueError(f"load_idx: {path} ends in .gz but is not gzip data: {error}") from None
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in _IDX_DTYPES:
        raise ValueError(f"load_idx: {path} is not an IDX file: magic number {data[:4].hex()}, "
                         "expected 0000 then a type code (08, 09, 0b, 0c, 0d, 0e) and ndim")
    dtype, ndim = np.dtype(_IDX_DTYPES[data[2]]), data[3]
    shape = tuple(int(size) for size in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    if len(data) - offset != dtype.itemsize * int(np.prod(shape)):
        raise ValueError(f"load_idx: {path} should hold {shape} values of type {dtype} "
                         f"but has {len(data) - offset} bytes of data")
    values = np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # big-endian on disk -> native order


def mnist(root: str | Path | None = None, fashion: bool = False, val_fraction: float = 0.1,
          seed: int = 0, files: dict | None = None) -> DataSplits:
    r"""MNIST digits, or Fashion-MNIST clothes: 28x28 grey images, 10 classes (downloads once).

    The official 10,000 test images are the test split; the validation split is a
    stratified ``val_fraction`` of the official 60,000 training images.

    Args:
        root: the cache directory (see :func:`download`); files go to ``root/mnist``
            or ``root/fashion-mnist``, since both sets use the same file names.
        fashion: load Fashion-MNIST instead of MNIST.
        val_fraction: share of the official training set held out for validation.
        seed: fixes the validation split.
        files: ``{filename: (url, sha256)}`` for the four files; defaults to
            :data:`MNIST_FILES` or :data:`FASHION_MNIST_FILES`.

    Returns:
        A DataSplits whose images are float32 ``(N, 1, 28, 28)`` in [0, 1].
    """
    _check_fractions("mnist", val_fraction, 0)
    name = "fashion-mnist" if fashion else "mnist"
    files = files if files is not None else (FASHION_MNIST_FILES if fashion else MNIST_FILES)
    if set(files) != set(MNIST_FILES):
        raise ValueError(f"mnist: files must have the keys {sorted(MNIST_FILES)}, "
                         f"got {sorted(files)}")
    cache = _cache_root(root) / name
    arrays = {key: load_idx(download(url, sha, key, cache)) for key, (url, sha) in files.items()}

    def images_and_labels(prefix: str) -> tuple[np.ndarray, np.ndarray]:
        images = arrays[f"{prefix}-images-idx3-ubyte.gz"]  # (N, 28, 28) uint8
        labels = arrays[f"{prefix}-labels-idx1-ubyte.gz"]  # (N,)
        if images.ndim != 3 or len(images) != len(labels):
            raise ValueError(f"mnist: {prefix} files hold images {images.shape} and labels "
                             f"{labels.shape}; expected (N, H, W) and (N,)")
        return images[:, None].astype(np.float32) / 255, labels  # (N, 1, 28, 28) in [0, 1]

    train, val, _ = stratified_split(*images_and_labels("train"), val_fraction, 0, seed)
    test = images_and_labels("t10k")
    return _to_splits([train, val, test], FASHION_CLASSES if fashion else list(range(10)))
