r"""The worker chapter 20 starts in several processes: ``torchrun --nproc_per_node=2 -m dl_lib.ddp_worker OUT``.

Each process joins a gloo process group and, in turn,

1. trains the same seeded MLP with ``DistributedDataParallel`` on its shard of one combined
   batch (float64) and saves its final weights: every replica, and :func:`train` run in one
   process on the whole batch, end with the same weights;
2. sums a tensor with :func:`dl_lib.distributed.ring_all_reduce` and with ``dist.all_reduce``;
3. times ``all_reduce`` for messages of growing size (the communication cost);
4. times training steps of a wider MLP, for the speed-up against one process.

Rank 0 writes the results to ``OUT/results.pt``, each rank its weights to ``OUT/rankR.pt``;
``--quick`` runs only parts 1 and 2.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from dl_lib.distributed import ring_all_reduce

__all__ = ["batch", "main", "make_mlp", "train"]


def make_mlp(widths: list[int], seed: int, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """Linear layers of the given widths with ReLU between them; the same seed, the same weights."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for d_in, d_out in zip(widths[:-1], widths[1:], strict=True):
        layers += [nn.Linear(d_in, d_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1]).to(dtype)


def batch(n: int, d_in: int, num_classes: int, seed: int, dtype: torch.dtype = torch.float64
          ) -> tuple[Tensor, Tensor]:
    """A seeded synthetic classification batch: inputs (n, d_in) and labels (n,)."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d_in, generator=gen, dtype=dtype)
    return X, torch.randint(0, num_classes, (n,), generator=gen)


def train(model: nn.Module, X: Tensor, y: Tensor, steps: int, lr: float = 0.1) -> list[float]:
    """Plain full-batch training with SGD and momentum; returns the loss of every step."""
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()  # under DDP, this also averages the gradients over the processes
        opt.step()
        losses.append(loss.item())
    return losses


def _timed_steps(model: nn.Module, X: Tensor, y: Tensor, steps: int) -> float:
    train(model, X, y, 2)  # warm-up
    dist.barrier()
    start = time.perf_counter()
    train(model, X, y, steps)
    return (time.perf_counter() - start) / steps


def main(out: str, quick: bool = False) -> None:
    """Run the four parts (only the first two when ``quick``) and save the results in ``out``."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    results: dict = {"world_size": world}

    # 1. DDP: each process trains on its contiguous shard of the combined batch.
    X, y = batch(64 * world, 20, 4, seed=0)
    shard = slice(rank * 64, (rank + 1) * 64)
    model = DistributedDataParallel(make_mlp([20, 32, 32, 4], seed=0))
    results["losses"] = train(model, X[shard], y[shard], steps=20)
    torch.save(model.module.state_dict(), Path(out) / f"rank{rank}.pt")

    # 2. The ring against the library's all-reduce.
    gen = torch.Generator().manual_seed(100 + rank)
    mine = torch.randn(1001, generator=gen, dtype=torch.float64)
    ours, reference = ring_all_reduce(mine.clone()), mine.clone()
    dist.all_reduce(reference)
    results["ring_max_error"] = (ours - reference).abs().max().item()

    if quick:
        _finish(rank, results, out)
        return

    # 3. Communication: fastest of 5 all_reduce calls, float32 messages of 2**10 .. 2**22 values.
    results["comm"] = []
    for k in range(10, 23, 2):
        message, times = torch.ones(2**k), []
        for _ in range(5):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(message)
            times.append(time.perf_counter() - start)
        results["comm"].append((4 * 2**k, min(times)))  # the least disturbed by other programs

    # 4. Speed: a wider float32 MLP, the combined batch of 512 rows split over the processes.
    widths = [256, 512, 512, 10]
    Xw, yw = batch(512, 256, 10, seed=1, dtype=torch.float32)
    rows = 512 // world
    wide = DistributedDataParallel(make_mlp(widths, seed=1, dtype=torch.float32))
    results["ddp_step_s"] = _timed_steps(wide, Xw[rank * rows:(rank + 1) * rows], yw[rank * rows:(rank + 1) * rows], 10)
    results["grad_bytes"] = 4 * sum(p.numel() for p in wide.parameters())

    _finish(rank, results, out)


def _finish(rank: int, results: dict, out: str) -> None:
    if rank == 0:
        torch.save(results, Path(out) / "results.pt")
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    args = sys.argv[1:]
    if not 1 <= len(args) <= 2 or not os.path.isdir(args[0]) or args[1:] not in ([], ["--quick"]):
        sys.exit(f"usage: torchrun --nproc_per_node=N -m dl_lib.ddp_worker OUT_DIR [--quick] "
                 f"(OUT_DIR an existing folder); got {args}")
    main(args[0], quick=args[1:] == ["--quick"])
