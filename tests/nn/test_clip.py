"""dl_lib.nn.clip against torch.nn.utils.clip_grad_norm_: the global norm, the scaling, errors."""

import math

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from dl_lib.nn.clip import clip_grad_norm, grad_norm


def _two_models(scale: float, seed: int = 0):
    torch.manual_seed(seed)
    a = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3), nn.Linear(3, 2, bias=False)).double()
    b = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3), nn.Linear(3, 2, bias=False)).double()
    b.load_state_dict(a.state_dict())
    X = torch.randn(6, 4, dtype=torch.float64)
    for m in (a, b):
        (scale * m(X)).square().sum().backward()
    return a, b


@pytest.mark.parametrize("max_norm", [1e-3, 0.5, 3.0, 1e6])
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.5, math.inf])
def test_matches_torch(max_norm, norm_type):
    ours, ref = _two_models(scale=5.0)
    total = clip_grad_norm(ours.parameters(), max_norm, norm_type)
    total_ref = torch.nn.utils.clip_grad_norm_(ref.parameters(), max_norm, norm_type)
    assert_close(total, total_ref, atol=1e-6, rtol=1e-12)
    for p, q in zip(ours.parameters(), ref.parameters(), strict=True):
        assert_close(p.grad, q.grad, atol=1e-6, rtol=0)


def test_clipping_is_global_and_keeps_direction():
    model, _ = _two_models(scale=5.0)
    before = torch.cat([p.grad.flatten() for p in model.parameters()])
    total = clip_grad_norm(model.parameters(), 1.0)
    after = torch.cat([p.grad.flatten() for p in model.parameters()])
    assert total.item() == pytest.approx(before.norm().item())
    assert after.norm().item() == pytest.approx(1.0, rel=1e-5)
    assert_close(after / after.norm(), before / before.norm())  # same direction
    # a second call with room to spare leaves the (now small) gradient alone
    clip_grad_norm(model.parameters(), 2.0)
    assert_close(torch.cat([p.grad.flatten() for p in model.parameters()]), after)


def test_small_gradients_untouched_and_single_tensor():
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    w.grad = torch.tensor([0.3, 0.4])
    assert clip_grad_norm(w, 1.0).item() == pytest.approx(0.5)
    assert_close(w.grad, torch.tensor([0.3, 0.4]))
    w.grad = torch.tensor([3.0, 4.0])
    assert clip_grad_norm([w], 1.0).item() == pytest.approx(5.0)
    assert_close(w.grad, torch.tensor([0.6, 0.8]), atol=1e-6, rtol=0)


def test_parameters_without_grad_are_skipped():
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    b.grad = torch.tensor([6.0, 8.0])
    assert grad_norm([a, b]).item() == pytest.approx(10.0)
    assert grad_norm([a]).item() == 0.0
    assert clip_grad_norm([a], 1.0).item() == 0.0


def test_errors_and_nonfinite():
    w = torch.zeros(2, requires_grad=True)
    w.grad = torch.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="total norm of the gradients is inf"):
        clip_grad_norm([w], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm must be a positive number, got 0"):
        clip_grad_norm([w], 0)
    with pytest.raises(ValueError, match="norm_type must be >= 1 or inf, got 0.5"):
        grad_norm([w], 0.5)
