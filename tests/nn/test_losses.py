"""dl_lib.nn.losses against torch.nn.functional: values and gradients in float64, extremes, errors."""

import math
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.nn import losses as L

TOL = {"rtol": 1e-6, "atol": 1e-6}
REDUCTIONS = ["mean", "sum", "none"]


def _random(*shape, seed=0, scale=1.0):
    generator = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(*shape, generator=generator, dtype=torch.float64)).requires_grad_()


def _classes(N, C, seed=0):
    return torch.randint(0, C, (N,), generator=torch.Generator().manual_seed(seed))


def _assert_same_value_and_grad(ours_fn, ref_fn, leaf, seed=99):
    """Same output and same gradient of <output, random upstream> with respect to ``leaf``."""
    ours, ref = ours_fn(), ref_fn()
    assert ours.shape == ref.shape
    assert_close(ours, ref, **TOL)
    upstream = torch.randn(ref.shape, generator=torch.Generator().manual_seed(seed), dtype=ref.dtype)
    (g_ours,) = torch.autograd.grad(ours, leaf, upstream)
    (g_ref,) = torch.autograd.grad(ref, leaf, upstream)
    assert_close(g_ours, g_ref, **TOL)


# ---------------------------------------------------------------- mse_loss


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(7,), (5, 3), (2, 3, 4)])
def test_mse_matches_torch(reduction, shape):
    y_hat, y = _random(*shape, seed=1), _random(*shape, seed=2).detach()
    _assert_same_value_and_grad(lambda: L.mse_loss(y_hat, y, reduction),
                                lambda: F.mse_loss(y_hat, y, reduction=reduction), y_hat)


def test_mse_tiny_example_by_hand():
    y_hat, y = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 5.0])
    assert L.mse_loss(y_hat, y).item() == pytest.approx(8 / 3)
    assert L.mse_loss(y_hat, y, "sum").item() == pytest.approx(8.0)
    assert_close(L.mse_loss(y_hat, y, "none"), torch.tensor([0.0, 4.0, 4.0]))


@pytest.mark.parametrize(("input_shape", "target_shape"), [((5,), (5, 1)), ((5, 1), (5,)), ((4,), ()),
                                                           ((3, 2), (2,))])
def test_mse_refuses_to_broadcast(input_shape, target_shape):
    with pytest.raises(ValueError, match=r"mse_loss expects input and target of the same shape.*"
                                         + "input " + re.escape(str(input_shape))):
        L.mse_loss(torch.zeros(input_shape), torch.zeros(target_shape))


def test_mse_broadcast_would_have_been_wrong():
    """The bug we refuse: torch computes an (N, N) mean that is not the MSE."""
    y_hat, y = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.0, 1.0, 2.0])
    with pytest.warns(UserWarning):
        broadcast = F.mse_loss(y_hat, y.reshape(3, 1))
    assert L.mse_loss(y_hat, y).item() == 0.0
    assert broadcast.item() == pytest.approx(4 / 3)  # mean over all pairs of (i - j)^2


def test_bad_reduction_is_named():
    with pytest.raises(ValueError, match=r"mse_loss: reduction must be one of .*got 'avg'"):
        L.mse_loss(torch.zeros(2), torch.zeros(2), reduction="avg")
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: reduction must be one of"):
        L.CrossEntropyLoss(reduction="batchmean")


# ---------------------------------------------------------------- binary cross-entropy on probabilities


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_torch(reduction):
    p = torch.sigmoid(_random(6, 3, seed=3, scale=3)).detach().requires_grad_()
    y = torch.rand(6, 3, generator=torch.Generator().manual_seed(4), dtype=torch.float64)  # soft targets
    _assert_same_value_and_grad(lambda: L.binary_cross_entropy(p, y, reduction),
                                lambda: F.binary_cross_entropy(p, y, reduction=reduction), p)


def test_bce_clamps_the_log_at_minus_100_like_torch():
    p = torch.tensor([0.0, 1.0, 0.0, 1.0, 1e-300], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    ours = L.binary_cross_entropy(p, y, "none")
    assert_close(ours, F.binary_cross_entropy(p, y, reduction="none"))
    assert_close(ours, torch.tensor([100.0, 100.0, 0.0, 0.0, 100.0], dtype=torch.float64))
    (grad,) = torch.autograd.grad(ours.sum(), p)
    assert torch.isfinite(grad).all()
    # the derivative of the clamped function: a clamped logarithm contributes 0 (torch: +-1e12)
    assert_close(grad, torch.tensor([0.0, 0.0, 1.0, -1.0, 0.0], dtype=torch.float64))


def test_bce_from_sigmoid_at_extreme_logit_is_finite_but_wrong():
    z, y = torch.tensor([-1000.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64)
    assert L.binary_cross_entropy(torch.sigmoid(z), y).item() == 100.0
    assert L.binary_cross_entropy_with_logits(z, y).item() == 1000.0


def test_bce_refuses_values_outside_0_1_and_shape_mismatch():
    with pytest.raises(ValueError, match=r"input probabilities in \[0, 1\]"):
        L.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"input probabilities in \[0, 1\]"):
        L.binary_cross_entropy(torch.tensor([math.nan]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy expects input and target of the same"):
        L.binary_cross_entropy(torch.full((4,), 0.5), torch.ones(4, 1))


# ---------------------------------------------------------------- binary cross-entropy on logits


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("scale", [1.0, 30.0, 1000.0])
def test_bce_with_logits_matches_torch(reduction, scale):
    z = _random(8, 2, seed=5, scale=scale)
    y = torch.rand(8, 2, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    _assert_same_value_and_grad(
        lambda: L.binary_cross_entropy_with_logits(z, y, reduction),
        lambda: F.binary_cross_entropy_with_logits(z, y, reduction=reduction), z)


def test_bce_with_logits_at_plus_minus_1000_and_at_zero():
    z = torch.tensor([-1000.0, 1000.0, -1000.0, 1000.0, 0.0, 0.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    ours = L.binary_cross_entropy_with_logits(z, y, "none")
    ln2 = math.log(2)
    assert_close(ours, torch.tensor([1000.0, 1000.0, 0.0, 0.0, ln2, ln2], dtype=torch.float64))
    (grad,) = torch.autograd.grad(ours.sum(), z)
    assert_close(grad, torch.sigmoid(z).detach() - y)  # includes 1/2 - y at the kink z = 0
    # the same in float32, where exp(1000) would be inf
    z32 = z.detach().float()
    assert_close(L.binary_cross_entropy_with_logits(z32, y.float(), "none"),
                 F.binary_cross_entropy_with_logits(z32, y.float(), reduction="none"))


def test_bce_with_logits_refuses_shape_mismatch():
    with pytest.raises(ValueError, match=r"got input \(4,\) and target \(4, 1\)"):
        L.binary_cross_entropy_with_logits(torch.zeros(4), torch.zeros(4, 1))


# ---------------------------------------------------------------- logsumexp and log_softmax


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 2)])
@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_logsumexp_matches_torch(keepdim, dim, scale):
    z = _random(3, 4, 5, seed=7, scale=scale)
    _assert_same_value_and_grad(lambda: L.logsumexp(z, dim, keepdim),
                                lambda: torch.logsumexp(z, dim, keepdim), z)


def test_logsumexp_shapes_and_infinities():
    z = torch.zeros(2, 3)
    assert L.logsumexp(z, 1).shape == (2,)
    assert L.logsumexp(z, 1, keepdim=True).shape == (2, 1)
    assert L.logsumexp(z, 0, keepdim=True).shape == (1, 3)
    assert_close(L.logsumexp(z, 1), torch.full((2,), math.log(3)))
    inf = math.inf
    rows = torch.tensor([[-inf, -inf], [inf, 1.0], [-inf, 0.0]])
    assert_close(L.logsumexp(rows, 1), torch.logsumexp(rows, 1))  # -inf, inf, 0; no NaN


def test_logsumexp_float32_large_logits_do_not_overflow():
    z = torch.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]])
    assert torch.isinf(torch.log(torch.exp(z).sum(1))).all()  # the naive formula fails
    assert_close(L.logsumexp(z, 1), torch.tensor([1000.0, -1000.0]) + math.log(2))


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_log_softmax_matches_torch(dim, scale):
    z = _random(4, 6, seed=8, scale=scale)
    _assert_same_value_and_grad(lambda: L.log_softmax(z, dim), lambda: F.log_softmax(z, dim), z)


# ---------------------------------------------------------------- nll_loss and cross_entropy


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(reduction):
    log_p = F.log_softmax(_random(7, 4, seed=9), 1).detach().requires_grad_()
    y = _classes(7, 4, seed=10)
    _assert_same_value_and_grad(lambda: L.nll_loss(log_p, y, reduction),
                                lambda: F.nll_loss(log_p, y, reduction=reduction), log_p)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("scale", [1.0, 1000.0])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 1.0])
def test_cross_entropy_matches_torch(reduction, scale, label_smoothing):
    z, y = _random(9, 5, seed=11, scale=scale), _classes(9, 5, seed=12)
    _assert_same_value_and_grad(
        lambda: L.cross_entropy(z, y, reduction, label_smoothing),
        lambda: F.cross_entropy(z, y, reduction=reduction, label_smoothing=label_smoothing), z)


def test_cross_entropy_tiny_example_and_single_row():
    z, y = torch.tensor([[2.0, 1.0, 0.0]]), torch.tensor([0])
    expected = math.log(math.exp(2) + math.exp(1) + 1) - 2
    assert L.cross_entropy(z, y).item() == pytest.approx(expected)
    # uniform logits: the loss is log C whatever the target
    assert L.cross_entropy(torch.zeros(4, 10), _classes(4, 10)).item() == pytest.approx(math.log(10))


def test_cross_entropy_extreme_logits_float32():
    z = torch.tensor([[1000.0, 0.0], [0.0, 1000.0], [-1000.0, 1000.0]], requires_grad=True)
    y = torch.tensor([0, 0, 0])
    ours = L.cross_entropy(z, y, reduction="none")
    assert_close(ours, torch.tensor([0.0, 1000.0, 2000.0]))
    (grad,) = torch.autograd.grad(ours.sum(), z)
    assert_close(grad, torch.tensor([[0.0, 0.0], [-1.0, 1.0], [-1.0, 1.0]]))


def test_cross_entropy_empty_batch_like_torch():
    z, y = torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)
    assert torch.isnan(L.cross_entropy(z, y))  # the mean of nothing, as in torch
    assert L.cross_entropy(z, y, "sum").item() == 0.0


@pytest.mark.parametrize(
    ("input_shape", "target", "message"),
    [
        ((4,), torch.tensor([0, 1, 2, 0]), r"input of shape \(N, K\), got \(4,\)"),
        ((4, 3), torch.tensor([[0], [1], [2], [0]]), r"target of shape \(N,\) = \(4,\).*got \(4, 1\)"),
        ((4, 3), torch.tensor([0.0, 1.0, 2.0, 0.0]), r"integer class indices.*torch.float32"),
        ((4, 3), torch.tensor([0, 1, 3, 0]), r"class indices in \[0, 3\), got values from 0 to 3"),
        ((4, 3), torch.tensor([0, -1, 2, 0]), r"class indices in \[0, 3\), got values from -1 to 2"),
    ],
)
def test_cross_entropy_and_nll_name_bad_targets(input_shape, target, message):
    for fn, name in ((L.cross_entropy, "cross_entropy"), (L.nll_loss, "nll_loss")):
        with pytest.raises(ValueError, match=name + " expects " + message):
            fn(torch.zeros(input_shape), target)


def test_label_smoothing_out_of_range():
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], got 1.5"):
        L.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), label_smoothing=1.5)


# ---------------------------------------------------------------- modules


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_modules_match_torch_modules(reduction):
    z, y_soft = _random(6, 3, seed=13, scale=4), torch.rand(6, 3, dtype=torch.float64)
    classes = _classes(6, 3, seed=14)
    same, sigmoid, log_softmax = (lambda z: z), torch.sigmoid, (lambda z: F.log_softmax(z, 1))
    pairs = [  # (ours, torch's, what the loss takes as input, target)
        (L.MSELoss(reduction), nn.MSELoss(reduction=reduction), same, y_soft),
        (L.BCELoss(reduction), nn.BCELoss(reduction=reduction), sigmoid, y_soft),
        (L.BCEWithLogitsLoss(reduction), nn.BCEWithLogitsLoss(reduction=reduction), same, y_soft),
        (L.NLLLoss(reduction), nn.NLLLoss(reduction=reduction), log_softmax, classes),
        (L.CrossEntropyLoss(reduction), nn.CrossEntropyLoss(reduction=reduction), same, classes),
        (L.CrossEntropyLoss(reduction, label_smoothing=0.2),
         nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.2), same, classes),
    ]
    for ours, ref, make_input, target in pairs:
        _assert_same_value_and_grad(lambda o=ours, f=make_input, t=target: o(f(z), t),
                                    lambda r=ref, f=make_input, t=target: r(f(z), t), z)
        assert repr(ours).startswith(type(ours).__name__ + "(reduction=")


def test_modules_have_no_parameters():
    assert list(L.CrossEntropyLoss().parameters()) == []
