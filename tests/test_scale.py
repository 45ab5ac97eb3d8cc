"""dl_lib.scale: FLOP and memory counts against PyTorch's own counters, accumulation, checkpointing."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from dl_lib.scale import (
    CheckpointedSequential,
    accumulate_gradients,
    count_flops,
    matmul_throughput,
    saved_tensor_bytes,
    training_memory,
)


def mlp(widths, seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    layers = []
    for d_in, d_out in zip(widths[:-1], widths[1:], strict=True):
        layers += [nn.Linear(d_in, d_out), nn.Tanh()]
    return nn.Sequential(*layers[:-1]).to(dtype)


@pytest.mark.parametrize("widths,B", [([7, 5, 3], 4), ([16, 32, 32, 10], 9), ([3, 2], 1)])
def test_count_flops_matches_torch_flop_counter(widths, B):
    model = mlp(widths)
    X, y = torch.randn(B, widths[0], dtype=torch.float64), torch.randint(0, widths[-1], (B,))
    with FlopCounterMode(display=False) as forward_only:
        loss = nn.functional.cross_entropy(model(X), y)
    with FlopCounterMode(display=False) as both:
        nn.functional.cross_entropy(model(X), y).backward()
    ours = count_flops(model, B)
    assert ours.forward == forward_only.get_total_flops()
    assert ours.total == both.get_total_flops()
    assert ours.backward == both.get_total_flops() - forward_only.get_total_flops()
    assert loss.item() > 0


def test_count_flops_bad_input():
    with pytest.raises(ValueError, match="batch_size >= 1"):
        count_flops(mlp([3, 2]), 0)
    with pytest.raises(ValueError, match="nn.Linear layers"):
        count_flops(nn.ReLU(), 4)


def test_matmul_throughput_is_positive_and_checks_input():
    assert matmul_throughput(n=32, repeats=2) > 0
    with pytest.raises(ValueError, match="n >= 1"):
        matmul_throughput(n=0)


@pytest.mark.parametrize("name,opt", [("sgd", lambda p: torch.optim.SGD(p, lr=0.1)),
                                      ("momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
                                      ("rmsprop", lambda p: torch.optim.RMSprop(p)),
                                      ("adam", lambda p: torch.optim.Adam(p))])
def test_training_memory_matches_what_torch_allocates(name, opt):
    model = mlp([10, 20, 5])
    optimizer = opt(model.parameters())
    X, y = torch.randn(8, 10, dtype=torch.float64), torch.zeros(8, dtype=torch.long)
    nn.functional.cross_entropy(model(X), y).backward()
    optimizer.step()
    measured_state = sum(t.numel() * t.element_size() for s in optimizer.state.values()
                         for t in s.values() if torch.is_tensor(t) and t.dim() > 0)
    grads = sum(p.grad.numel() * p.grad.element_size() for p in model.parameters())
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    counted = training_memory(model, name)
    assert counted["parameters"] == params == (10 * 20 + 20 + 20 * 5 + 5) * 8
    assert counted["gradients"] == grads
    assert counted["optimizer state"] == measured_state
    assert counted["total"] == params + grads + measured_state


def test_training_memory_bytes_per_value_and_bad_input():
    model = mlp([4, 3])
    assert training_memory(model, "adam", bytes_per_value=2)["total"] == 4 * 15 * 2
    with pytest.raises(ValueError, match="optimizer must be one of"):
        training_memory(model, "lbfgs")
    with pytest.raises(ValueError, match="bytes_per_value"):
        training_memory(model, "sgd", bytes_per_value=0)


def test_saved_tensor_bytes_counts_what_backward_keeps():
    W = torch.randn(50, 40, dtype=torch.float64, requires_grad=True)
    X = torch.randn(30, 50, dtype=torch.float64)
    # W's gradient needs X, X needs none: X @ W saves X; tanh saves its output; the sum nothing.
    assert saved_tensor_bytes(lambda: torch.tanh(X @ W).sum()) == (30 * 50 + 30 * 40) * 8
    X.requires_grad_(True)  # now X's gradient needs W as well
    assert saved_tensor_bytes(lambda: torch.tanh(X @ W).sum()) == (30 * 50 + 50 * 40 + 30 * 40) * 8
    assert saved_tensor_bytes(lambda: torch.tanh(X @ W).sum(), exclude=[W]) == (30 * 50 + 30 * 40) * 8
    with torch.no_grad():
        assert saved_tensor_bytes(lambda: torch.tanh(X @ W).sum()) == 0


@pytest.mark.parametrize("micro", [1, 3, 8, 10, 25])
def test_accumulated_gradient_equals_the_full_batch_gradient(micro):
    model = mlp([6, 8, 3])
    X, y = torch.randn(10, 6, dtype=torch.float64), torch.randint(0, 3, (10,))
    loss = nn.functional.cross_entropy(model(X), y)
    reference = torch.autograd.grad(loss, list(model.parameters()))
    for p in model.parameters():
        p.grad = torch.full_like(p, 7.0)  # stale gradients must be cleared
    total = accumulate_gradients(model, nn.functional.cross_entropy, X, y, micro)
    for p, g in zip(model.parameters(), reference, strict=True):
        torch.testing.assert_close(p.grad, g, rtol=1e-6, atol=1e-6)
    assert abs(total - loss.item()) < 1e-9


def test_accumulate_gradients_bad_input():
    model = mlp([2, 2])
    X, y = torch.randn(4, 2, dtype=torch.float64), torch.zeros(4, dtype=torch.long)
    with pytest.raises(ValueError, match="micro_batch_size >= 1"):
        accumulate_gradients(model, nn.functional.cross_entropy, X, y, 0)
    with pytest.raises(ValueError, match="same number of rows"):
        accumulate_gradients(model, nn.functional.cross_entropy, X, y[:3], 2)


def _deep(seed, checkpointed, segments=4):
    torch.manual_seed(seed)
    layers = []
    for _ in range(12):
        layers += [nn.Linear(16, 16), nn.Tanh()]
    layers = [m.double() for m in layers]
    return CheckpointedSequential(*layers, segments=segments) if checkpointed else nn.Sequential(*layers)


def test_checkpointing_gives_the_same_gradients_with_less_saved():
    X = torch.randn(64, 16, dtype=torch.float64)
    plain, ckpt = _deep(0, False), _deep(0, True)
    plain(X).pow(2).mean().backward()
    ckpt(X).pow(2).mean().backward()
    for a, b in zip(plain.parameters(), ckpt.parameters(), strict=True):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-6, atol=1e-9)
    params = list(plain.parameters()) + list(ckpt.parameters())
    saved_plain = saved_tensor_bytes(lambda: plain(X).sum(), exclude=params)
    saved_ckpt = saved_tensor_bytes(lambda: ckpt(X).sum(), exclude=params)
    one = 64 * 16 * 8  # bytes of one activation
    assert saved_plain == 13 * one  # the input and the output of every tanh
    assert saved_ckpt == (4 + 3) * one  # each segment's input, and the last segment's 3 tanh outputs
    ckpt.eval()  # no checkpoint outside training; same outputs
    torch.testing.assert_close(ckpt(X), plain(X))


def test_checkpointed_sequential_bad_segments():
    with pytest.raises(ValueError, match="segments"):
        CheckpointedSequential(nn.Linear(2, 2), segments=2)
    with pytest.raises(ValueError, match="segments"):
        CheckpointedSequential(nn.Linear(2, 2), segments=0)
