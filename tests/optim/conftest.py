"""The parity harness of the optimizer tests: ours and torch.optim's step the same network side by side."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

NUM_STEPS = 25


def small_network(seed: int = 0) -> nn.Module:
    """A 2-layer MLP in float64: 5 inputs, 8 tanh units, 3 logits."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def fixed_batches(num_steps: int, seed: int = 1) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``num_steps`` batches of 16 examples, the same on every call."""
    generator = torch.Generator().manual_seed(seed)
    return [(torch.randn(16, 5, generator=generator, dtype=torch.float64),
             torch.randint(0, 3, (16,), generator=generator)) for _ in range(num_steps)]


def train(model: nn.Module, optimizer: torch.optim.Optimizer, batches, scheduler=None) -> None:
    for X, y in batches:
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()


def assert_same_parameters(ours: nn.Module, ref: nn.Module, start: nn.Module | None = None) -> float:
    """Parameters agree to 1e-6; with ``start``, also check that training moved them. Returns the max diff."""
    worst = 0.0
    for (name, a), b in zip(ours.named_parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6, msg=lambda m, name=name: f"{name}: {m}")
        worst = max(worst, (a - b).abs().max().item())
    if start is not None:
        pairs = zip(ours.parameters(), start.parameters(), strict=True)
        moved = max((a - s).abs().max().item() for a, s in pairs)
        assert moved > 1e-4, f"the parameters hardly moved ({moved:.1e}): the test would prove nothing"
    return worst


@pytest.fixture
def compare():
    """compare(ours_class, torch_class, **hyper): train both NUM_STEPS steps, assert equal parameters."""

    def run(ours_class, torch_class, num_steps: int = NUM_STEPS, **hyper) -> float:
        start = small_network()
        ours, ref = copy.deepcopy(start), copy.deepcopy(start)
        batches = fixed_batches(num_steps)
        train(ours, ours_class(ours.parameters(), **hyper), batches)
        train(ref, torch_class(ref.parameters(), **hyper), batches)
        return assert_same_parameters(ours, ref, start)

    return run
