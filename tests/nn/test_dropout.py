"""dl_lib.nn.dropout against PyTorch's semantics: scaling, statistics, gradients, modes, errors."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.nn.dropout import Dropout, dropout


def _x(*shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64) + 3.0  # never 0


def test_eval_mode_is_the_identity():
    x = _x(10, 7)
    assert dropout(x, 0.5, training=False) is x
    assert_close(dropout(x, 0.5, training=False), F.dropout(x, 0.5, training=False))
    layer = Dropout(0.3).eval()
    assert torch.equal(layer(x), x)


def test_p_zero_is_the_identity_in_training():
    x = _x(50)
    assert torch.equal(dropout(x, 0.0, training=True), x)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fraction_dropped_is_p_like_torch(p):
    x = _x(200_000, seed=1)
    ours = dropout(x, p, training=True, generator=torch.Generator().manual_seed(2))
    torch.manual_seed(3)
    ref = F.dropout(x, p, training=True)
    # Binomial standard deviation of the fraction: sqrt(p (1 - p) / n) < 0.0012; allow 5 of them.
    assert abs((ours == 0).double().mean().item() - p) < 0.006
    assert abs((ours == 0).double().mean().item() - (ref == 0).double().mean().item()) < 0.008


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_survivors_are_scaled_by_one_over_one_minus_p_exactly(p):
    x = _x(1000, seed=4)
    y = dropout(x, p, training=True, generator=torch.Generator().manual_seed(5))
    kept = y != 0
    assert 0 < kept.sum() < len(x)
    assert_close(y[kept], x[kept] / (1 - p), rtol=0, atol=1e-12)
    ref = F.dropout(x, p, training=True)  # PyTorch's survivors carry the same factor
    assert_close(ref[ref != 0], x[ref != 0] / (1 - p), rtol=0, atol=1e-12)


def test_expected_value_is_preserved():
    x = torch.full((400_000,), 2.0, dtype=torch.float64)
    y = dropout(x, 0.4, training=True, generator=torch.Generator().manual_seed(6))
    assert abs(y.mean().item() - 2.0) < 0.02  # std of the mean: 2 * sqrt(0.4 / 0.6 / n) ~ 0.003


@pytest.mark.parametrize("p", [0.25, 0.6])
def test_gradient_is_mask_over_one_minus_p(p):
    x = _x(300, seed=7).requires_grad_()
    y = dropout(x, p, training=True, generator=torch.Generator().manual_seed(8))
    upstream = _x(300, seed=9)
    (grad,) = torch.autograd.grad(y, x, upstream)
    mask = (y != 0).double()
    assert_close(grad, upstream * mask / (1 - p), rtol=1e-6, atol=1e-6)


def test_same_generator_seed_gives_the_same_mask_and_uses_the_documented_draw():
    x = _x(64, seed=10)
    a = dropout(x, 0.5, generator=torch.Generator().manual_seed(11))
    b = dropout(x, 0.5, generator=torch.Generator().manual_seed(11))
    assert torch.equal(a, b)
    u = torch.rand(64, generator=torch.Generator().manual_seed(11), dtype=torch.float64)
    assert torch.equal(a != 0, u >= 0.5)


def test_module_drops_in_train_mode_and_matches_torch_module_behaviour():
    x = _x(5000, seed=12)
    ours, ref = Dropout(0.5), nn.Dropout(0.5)
    assert ours.training and ref.training
    assert 0.45 < (ours(x) == 0).double().mean().item() < 0.55
    assert len(list(ours.parameters())) == 0 and ours.state_dict() == ref.state_dict() == {}
    ours.eval()
    ref.eval()
    assert_close(ours(x), ref(x))
    assert "p=0.5" in repr(ours)


def test_keeps_shape_dtype_and_float32():
    x = _x(2, 3, 4).float()
    y = dropout(x, 0.3, generator=torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.dtype == torch.float32


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5, True, "0.5"])
def test_bad_p_is_refused(p):
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\)"):
        dropout(torch.ones(3), p)
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\)"):
        Dropout(p)


def test_integer_input_is_refused():
    with pytest.raises(ValueError, match="floating-point tensor"):
        dropout(torch.ones(3, dtype=torch.long), 0.5)
