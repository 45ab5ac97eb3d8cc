"""dl_lib: the reference implementations of *Deep Learning by Doing*.

Every chapter imports this package; every function in it is tested against
PyTorch where PyTorch has the same thing.

The core a chapter's first cell needs (:func:`setup`, :func:`device`, :func:`set_seed`,
:func:`show`) is here; every module and subpackage is reachable as an attribute
(``dl_lib.data``, ``dl_lib.nn``), imported the first time it is used, so that
``import dl_lib`` stays fast. Chapters import one way: ``from dl_lib import data`` or
``from dl_lib.nn import Conv2d`` (a subpackage re-exports all of its modules' names).
"""

from __future__ import annotations

import importlib
from typing import Any

import torch

from dl_lib.device import device, set_seed
from dl_lib.show import show

# Every module and subpackage but ``device`` and ``show``, whose main function carries their name.
MODULES = (
    "adversarial", "attention_seq2seq", "autograd", "book", "bpe", "data", "ddp_worker", "debugging", "diagrams",
    "distributed", "features", "generative", "gradient_descent", "hpo", "interpret", "metrics", "nn", "optim", "plot",
    "preprocessing", "previews", "recommend", "regularization", "sampling", "scale", "seq2seq", "seqdata", "train",
    "transfer",
)

__all__ = ["device", "set_seed", "setup", "show", *MODULES]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a module of the library on first use: ``dl_lib.data`` works after ``import dl_lib``."""
    if name in MODULES:
        return importlib.import_module(f"dl_lib.{name}")
    raise AttributeError(f"module 'dl_lib' has no attribute {name!r}; its modules are {', '.join(MODULES)}")


def setup(seed: int = 0, quiet: bool = False) -> torch.device:
    r"""What every chapter's first cell does: seed everything, style the plots, pick the device.

    In a notebook it also makes every figure's image carry its alt text
    (:func:`dl_lib.book.register_alt_text`).

    Args:
        seed: passed to :func:`set_seed`.
        quiet: do not print the device and the versions.

    Returns:
        The device chosen by :func:`device`.
    """
    from dl_lib.book import register_alt_text
    from dl_lib.plot import use_style

    set_seed(seed)
    use_style()
    register_alt_text()
    chosen = device()
    if not quiet:
        print(f"dl_lib {__version__} · torch {torch.__version__} · device: {chosen}")
    return chosen
