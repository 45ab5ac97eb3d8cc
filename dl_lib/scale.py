r"""What a training step costs, and three ways to change the bill (chapter 20).

Floating-point operations and memory counted for networks of ``nn.Linear`` layers, the
bytes autograd keeps for the backward pass measured, gradient accumulation (a large batch's
update from small micro-batches) and activation checkpointing (memory traded for recomputation).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

__all__ = [
    "CheckpointedSequential",
    "FlopCount",
    "accumulate_gradients",
    "count_flops",
    "matmul_throughput",
    "saved_tensor_bytes",
    "training_memory",
]

# Optimizer state per parameter, in copies of the parameter (torch.optim's buffers).
STATE_COPIES = {"sgd": 0, "momentum": 1, "rmsprop": 1, "adagrad": 1, "adam": 2, "adamw": 2}


@dataclass(frozen=True)
class FlopCount:
    """Floating-point operations of one training step, split into its two passes."""

    forward: int
    backward: int

    @property
    def total(self) -> int:
        return self.forward + self.backward


def _linear_layers(model: nn.Module) -> list[nn.Linear]:
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not layers:
        raise ValueError(f"count_flops counts nn.Linear layers, and {type(model).__name__} has none")
    return layers


def count_flops(model: nn.Module, batch_size: int) -> FlopCount:
    r"""Count the multiply-adds of a training step on a network of ``nn.Linear`` layers.

    A layer with weight of shape ``(out, in)`` on a batch of :math:`B` rows computes
    :math:`XW^\top`: :math:`B \cdot \text{in} \cdot \text{out}` multiply-adds, 2 FLOPs each.
    Backward needs the weight's gradient :math:`G^\top X` (the same count) and, for every layer
    but the first (whose input is data), the input's gradient :math:`GW` (the same again): the
    backward pass costs about twice the forward. Biases and activations are left out; they are
    linear in the width, not quadratic. The rule matches ``torch.utils.flop_counter``.

    Args:
        model: a network whose layers that compute are ``nn.Linear``, applied in order.
        batch_size: :math:`B`, rows in the batch.

    Returns:
        A :class:`FlopCount` with ``forward``, ``backward`` and ``total``.
    """
    if batch_size < 1:
        raise ValueError(f"count_flops expects batch_size >= 1, got {batch_size}")
    per_layer = [2 * batch_size * m.in_features * m.out_features for m in _linear_layers(model)]
    forward = sum(per_layer)
    backward = 2 * forward - per_layer[0]  # no gradient for the data itself
    return FlopCount(forward=forward, backward=backward)


def matmul_throughput(n: int = 512, repeats: int = 20, dtype: torch.dtype = torch.float32,
                      device: torch.device | str = "cpu") -> float:
    r"""Measure this machine's matrix-multiply speed, in FLOP per second.

    Multiplies two :math:`n \times n` matrices ``repeats`` times (:math:`2n^3` FLOPs each) after
    one warm-up product, and divides by the fastest of three timed rounds.
    """
    if n < 1 or repeats < 1:
        raise ValueError(f"matmul_throughput expects n >= 1 and repeats >= 1, got n={n}, repeats={repeats}")
    A = torch.randn(n, n, device=device).to(dtype)
    B = torch.randn(n, n, device=device).to(dtype)
    A @ B  # warm-up: allocations and kernel selection happen here
    best = float("inf")
    for _ in range(3):
        if torch.cuda.is_available() and A.is_cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            A @ B
        if A.is_cuda:
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 * repeats / best


def training_memory(model: nn.Module, optimizer: str = "adam", bytes_per_value: int | None = None
                    ) -> dict[str, int]:
    r"""Bytes a training step keeps for the model itself, whatever the batch.

    Parameters, one gradient per parameter, and the optimizer's state: none for plain SGD, one
    buffer per parameter for momentum, RMSprop and Adagrad, two (:math:`m` and :math:`v`) for Adam.
    Activations depend on the batch and are measured by :func:`saved_tensor_bytes`.

    Args:
        model: the network.
        optimizer: one of ``"sgd"``, ``"momentum"``, ``"rmsprop"``, ``"adagrad"``, ``"adam"``,
            ``"adamw"``.
        bytes_per_value: bytes per number; by default the parameters' own element size.

    Returns:
        ``{"parameters", "gradients", "optimizer state", "total"}`` in bytes.
    """
    if optimizer not in STATE_COPIES:
        raise ValueError(f"training_memory: optimizer must be one of {sorted(STATE_COPIES)}, got {optimizer!r}")
    params = [p for p in model.parameters() if p.requires_grad]
    if bytes_per_value is None:
        values = sum(p.numel() * p.element_size() for p in params)
    else:
        if bytes_per_value < 1:
            raise ValueError(f"training_memory expects bytes_per_value >= 1, got {bytes_per_value}")
        values = sum(p.numel() for p in params) * bytes_per_value
    parts = {"parameters": values, "gradients": values, "optimizer state": STATE_COPIES[optimizer] * values}
    return parts | {"total": sum(parts.values())}


def saved_tensor_bytes(fn: Callable[[], Tensor], exclude: list[Tensor] | tuple = ()) -> int:
    r"""Run ``fn`` and measure the bytes autograd saves for the backward pass.

    Every tensor an operation keeps for its gradient passes through
    ``torch.autograd.graph.saved_tensors_hooks``; we add up the distinct storages, leaving out
    those of ``exclude`` (usually the parameters, which live in memory anyway).

    Args:
        fn: a function of no arguments that builds the graph, e.g. ``lambda: loss_fn(model(X), y)``.
        exclude: tensors whose storage is not counted.
    """
    skip = {t.untyped_storage().data_ptr() for t in exclude}
    seen: dict[int, int] = {}

    def pack(t: Tensor) -> Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in skip:
            seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(seen.values())


def accumulate_gradients(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor], X: Tensor,
                         y: Tensor, micro_batch_size: int) -> float:
    r"""Fill ``.grad`` with the gradient of the mean loss on the whole batch, one micro-batch at a time.

    With a mean loss, the batch's gradient is the average of the micro-batches' gradients
    weighted by their sizes: :math:`\nabla \frac{1}{N}\sum_i \ell_i = \sum_k \frac{N_k}{N}
    \nabla \bar\ell_k`. So each micro-batch's loss is scaled by :math:`N_k / N` before its
    ``backward()``, and the gradients add up in ``.grad``. Only one micro-batch's activations
    are alive at a time. (Batch normalization breaks the equality: its statistics are per batch.)

    Args:
        model: the network; its gradients are zeroed first.
        loss_fn: a loss that averages over the batch, ``loss_fn(y_hat, y)``.
        X: inputs, shape ``(N, ...)``; y: targets, shape ``(N, ...)``.
        micro_batch_size: rows per backward pass; the last micro-batch may be smaller.

    Returns:
        The mean loss on the whole batch, as a float.
    """
    if micro_batch_size < 1:
        raise ValueError(f"accumulate_gradients expects micro_batch_size >= 1, got {micro_batch_size}")
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"accumulate_gradients expects X and y with the same number of rows (> 0), "
                         f"got {len(X)} and {len(y)}")
    model.zero_grad(set_to_none=True)
    N, total = len(X), 0.0
    for start in range(0, N, micro_batch_size):
        X_k, y_k = X[start:start + micro_batch_size], y[start:start + micro_batch_size]
        loss = loss_fn(model(X_k), y_k) * (len(X_k) / N)  # weight N_k / N
        loss.backward()  # adds into .grad
        total += loss.item()
    return total


class CheckpointedSequential(nn.Sequential):
    r"""An ``nn.Sequential`` that keeps only the inputs of its segments for the backward pass.

    The layers are cut into ``segments`` runs of about equal length. In training, each run but
    the last executes under ``torch.utils.checkpoint.checkpoint``: its intermediate
    activations are dropped after the forward pass and recomputed during backward. Memory for
    activations falls from one tensor per layer to about one per segment, for one extra forward
    pass of compute (Chen et al., 2016, "Training deep nets with sublinear memory cost").
    """

    def __init__(self, *layers: nn.Module, segments: int = 2) -> None:
        super().__init__(*layers)
        if not 1 <= segments <= len(layers):
            raise ValueError(f"CheckpointedSequential needs 1 <= segments <= {len(layers)} layers, got {segments}")
        self.segments = segments

    def forward(self, x: Tensor) -> Tensor:
        layers = list(self)
        bounds = [round(i * len(layers) / self.segments) for i in range(self.segments + 1)]
        for k, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            run = nn.Sequential(*layers[start:stop])
            if self.training and torch.is_grad_enabled() and k < self.segments - 1:
                x = checkpoint(run, x, use_reentrant=False)  # recomputed in backward
            else:
                x = run(x)
        return x
