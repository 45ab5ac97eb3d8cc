r"""Data parallelism with ``torch.distributed``: a launcher and an all-reduce from scratch (chapter 20).

Code that runs in several processes must live in a file the processes can import, so the
worker of chapter 20 is the module :mod:`dl_lib.ddp_worker`, started by :func:`launch` the way
users start theirs, with ``torchrun``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = ["LaunchError", "LaunchResult", "chunk_bounds", "free_port", "launch", "ring_all_reduce"]


class LaunchError(RuntimeError):
    """A multi-process run failed, also on its retry; the message carries what the processes printed."""


@dataclass(frozen=True)
class LaunchResult:
    """A finished multi-process run: what it printed, how many attempts and seconds it took."""

    stdout: str
    stderr: str
    attempts: int
    seconds: float


def free_port() -> int:
    """A TCP port on this machine that no process listens on (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(module: str, args: list[str] | tuple[str, ...] = (), nproc: int = 2, timeout: float = 120,
           retries: int = 1) -> LaunchResult:
    r"""Run ``python -m module args`` in ``nproc`` processes with ``torchrun``, on this machine.

    The same command a user types, ``torchrun --nproc_per_node=nproc -m module ...``, with the
    rendezvous on a free local port and one thread per process (processes, not threads, use
    the cores). A run that fails or hangs is reported with the tail of what it printed and
    started again, up to ``retries`` times; a process group can abort for reasons outside the
    program (a port taken between choosing and binding it, a slow start).

    Args:
        module: an importable module with a ``__main__`` block (a notebook cannot be one).
        args: its command-line arguments.
        nproc: number of processes (the world size).
        timeout: seconds before an attempt counts as hung and is stopped.
        retries: further attempts after a failure.

    Raises:
        LaunchError: when every attempt failed; the message holds the last one's output.
    """
    if nproc < 1 or retries < 0 or timeout <= 0:
        raise ValueError(f"launch expects nproc >= 1, retries >= 0 and timeout > 0, "
                         f"got nproc={nproc}, retries={retries}, timeout={timeout}")
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    start, report = time.perf_counter(), ""
    for attempt in range(1, retries + 2):
        command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", f"--nproc_per_node={nproc}",
                   "--rdzv_backend=c10d", f"--rdzv_endpoint=127.0.0.1:{free_port()}", "-m", module, *args]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired as hung:
            report = f"attempt {attempt} hung for more than {timeout} s; it printed:\n{_tail(hung.stderr)}"
        else:
            if done.returncode == 0:
                return LaunchResult(done.stdout, done.stderr, attempt, time.perf_counter() - start)
            report = f"attempt {attempt} exited with status {done.returncode}; it printed:\n{_tail(done.stderr)}"
        if attempt <= retries:
            warnings.warn(f"launch({module!r}): {report}\nretrying", RuntimeWarning, stacklevel=2)
    raise LaunchError(f"launch({module!r}, nproc={nproc}) failed {retries + 1} time(s): {report}")


def _tail(text: str | bytes | None, lines: int = 20) -> str:
    """The end of what the workers printed, before torchrun's own traceback, and its root cause."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    text = text or ""
    head, marker, launcher = text.rpartition("Traceback (most recent call last):")
    if marker and "torch/distributed" in launcher and "Root Cause" in launcher:
        cause = [line.strip() for line in launcher.splitlines() if line.strip().startswith(("rank", "exitcode"))]
        return "\n".join(head.splitlines()[-lines:] + ["torchrun: " + ", ".join(cause)])
    return "\n".join(text.splitlines()[-lines:])


def chunk_bounds(numel: int, world_size: int) -> list[tuple[int, int]]:
    r"""Cut ``numel`` elements into ``world_size`` contiguous chunks, as ``torch.tensor_split`` does.

    The first ``numel % world_size`` chunks get one element more than the rest.

    Returns:
        ``[(start, stop), ...]``, one pair per chunk, covering ``0 .. numel`` in order.
    """
    if world_size < 1 or numel < 0:
        raise ValueError(f"chunk_bounds expects numel >= 0 and world_size >= 1, got {numel} and {world_size}")
    size, extra = divmod(numel, world_size)
    stops = [(k + 1) * size + min(k + 1, extra) for k in range(world_size)]
    return list(zip([0, *stops[:-1]], stops, strict=True))


def ring_all_reduce(tensor: Tensor) -> Tensor:
    r"""Sum ``tensor`` over every process in place, with the ring algorithm, on point-to-point calls.

    Each of the :math:`p` processes cuts its tensor into :math:`p` chunks and talks only to its
    neighbours, sending to rank :math:`r+1` and receiving from rank :math:`r-1`.
    *Reduce-scatter*, :math:`p-1` steps: at step :math:`s` send chunk :math:`r-s`, receive chunk
    :math:`r-s-1` and add it to your own; afterwards rank :math:`r` holds the full sum of chunk
    :math:`r+1`. *All-gather*, :math:`p-1` steps: pass the finished chunks around the ring,
    overwriting. Every process sends :math:`2(p-1)/p` times the tensor, whatever :math:`p`: the
    bandwidth-optimal schedule (Patarasuk and Yuan, 2009). ``dist.all_reduce`` gives the same sums.

    Args:
        tensor: this process's contribution, of the same shape on every process; a process group
            must be initialized.

    Returns:
        ``tensor``, now holding the sum.
    """
    if not dist.is_initialized():
        raise RuntimeError("ring_all_reduce needs torch.distributed.init_process_group first")
    rank, p = dist.get_rank(), dist.get_world_size()
    flat = tensor.view(-1)  # chunks are views: writing into them writes into tensor
    chunks = [flat[a:b] for a, b in chunk_bounds(flat.numel(), p)]
    right, left = (rank + 1) % p, (rank - 1) % p
    for s in range(p - 1):  # reduce-scatter
        send, recv = chunks[(rank - s) % p], chunks[(rank - s - 1) % p]
        incoming = torch.empty_like(recv)
        request = dist.isend(send.clone(), right)
        dist.recv(incoming, left)
        request.wait()
        recv += incoming
    for s in range(p - 1):  # all-gather
        send, recv = chunks[(rank + 1 - s) % p], chunks[(rank - s) % p]
        request = dist.isend(send.clone(), right)
        dist.recv(recv, left)  # overwrite: this chunk is finished elsewhere
        request.wait()
    return tensor
