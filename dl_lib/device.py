"""Where tensors live and how runs are made repeatable."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["device", "mps_available", "set_seed"]

_VALID = ("cpu", "cuda", "mps")


def device() -> torch.device:
    r"""The best device this machine offers: CUDA, then Apple MPS, then the CPU.

    The environment variable ``DL_LIB_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``)
    overrides the choice, for example to run a GPU machine's notebook on its CPU.

    Returns:
        A ``torch.device``. Library code never calls ``.cuda()``; it moves tensors
        with ``.to(dl_lib.device())`` or follows the device of its inputs.
    """
    override = os.environ.get("DL_LIB_DEVICE", "").strip()
    if override:
        kind = override.split(":", 1)[0]
        if kind not in _VALID:
            raise ValueError(
                f"DL_LIB_DEVICE must be one of {', '.join(_VALID)} (optionally with an index "
                f"such as cuda:1), got {override!r}"
            )
        if kind == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"DL_LIB_DEVICE={override!r} but this machine has no CUDA device")
        if kind == "mps" and not mps_available():
            raise RuntimeError(f"DL_LIB_DEVICE={override!r} but this machine has no MPS device")
        return torch.device(override)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def set_seed(seed: int, deterministic: bool = True) -> None:
    r"""Seed Python, NumPy and PyTorch (every device) so a run can be repeated.

    Args:
        seed: a non-negative integer.
        deterministic: also ask PyTorch for deterministic algorithms, so that two
            runs on the same machine give the same numbers bit for bit. Operations
            with no deterministic implementation then warn instead of failing.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"set_seed expects a non-negative integer seed, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds the CPU and every CUDA device
    if deterministic:
        # cuBLAS needs this workspace setting to be deterministic on CUDA >= 10.2.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    else:
        torch.use_deterministic_algorithms(False)
