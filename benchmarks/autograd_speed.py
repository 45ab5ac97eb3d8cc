"""One training step of the chapter-6 NumPy engine against the same MLP in PyTorch, on this CPU.

    .venv/bin/python benchmarks/autograd_speed.py

Both sides run the same work in float64: a 64-128-10 ReLU MLP on a batch of 64, mean
softmax cross-entropy, backward, and a plain SGD update, each on ONE thread (NumPy's BLAS
through threadpoolctl, PyTorch through ``torch.set_num_threads``): at these sizes extra
threads only wait for each other, and on a busy shared CPU a multithreaded BLAS can be a
hundred times slower. Each step is timed with ``time.perf_counter``; the result is the
median over many steps, after a warm-up.
The goal is a ratio (NumPy / PyTorch) within 3x: the NumPy engine pays Python's price
per operation, PyTorch pays its own dispatch overhead, and at these sizes neither is
dominated by arithmetic.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dl_lib.autograd import Tensor, TensorMLP, TensorSGD, softmax_cross_entropy  # noqa: E402

SIZES, BATCH, LR = (64, 128, 10), 64, 0.1


def _median_ms(step: Callable[[], None], repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def measure(repeats: int = 500, warmup: int = 50, seed: int = 0) -> dict:
    """Median milliseconds of one training step in each engine, and their ratio.

    Returns:
        ``{"numpy_step_ms", "torch_step_ms", "ratio"}`` with ``ratio = numpy / torch``
        (below 1 means the NumPy engine is faster).
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((BATCH, SIZES[0]))  # float64
    y = rng.integers(0, SIZES[-1], BATCH)

    model = TensorMLP(SIZES, generator=rng)
    optimizer = TensorSGD(model.parameters(), lr=LR)
    X_ours = Tensor(X)

    def numpy_step() -> None:
        loss = softmax_cross_entropy(model(X_ours), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    torch.manual_seed(seed)
    ref = torch.nn.Sequential(torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.ReLU(),
                              torch.nn.Linear(SIZES[1], SIZES[2])).double()
    ref_optimizer = torch.optim.SGD(ref.parameters(), lr=LR)
    X_ref, y_ref = torch.from_numpy(X), torch.from_numpy(y)

    def torch_step() -> None:
        loss = torch.nn.functional.cross_entropy(ref(X_ref), y_ref)
        ref_optimizer.zero_grad()
        loss.backward()
        ref_optimizer.step()

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            numpy_ms = _median_ms(numpy_step, repeats, warmup)
        torch_ms = _median_ms(torch_step, repeats, warmup)
    finally:
        torch.set_num_threads(threads)
    return {"numpy_step_ms": numpy_ms, "torch_step_ms": torch_ms, "ratio": numpy_ms / torch_ms}


if __name__ == "__main__":
    result = measure()
    print(f"one training step of a {'-'.join(map(str, SIZES))} MLP, batch {BATCH}, float64, one thread each")
    print(f"  NumPy engine (dl_lib.autograd.Tensor): {result['numpy_step_ms']:.3f} ms")
    print(f"  PyTorch (torch.autograd, torch.optim): {result['torch_step_ms']:.3f} ms")
    print(f"  ratio NumPy / PyTorch: {result['ratio']:.2f}  (goal: within 3x)")
