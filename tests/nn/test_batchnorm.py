"""dl_lib.nn.batchnorm against torch.nn.BatchNorm1d/2d: forward, gradients, running statistics, modes."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.nn.batchnorm import BatchNorm1d, BatchNorm2d, batch_norm

TOL = {"rtol": 1e-6, "atol": 1e-6}
PAIRS = {"1d": (BatchNorm1d, nn.BatchNorm1d), "2d": (BatchNorm2d, nn.BatchNorm2d)}
SHAPES = {"1d": [(8, 5), (6, 5, 7)], "2d": [(4, 5, 3, 3)]}
CASES = [(kind, shape) for kind in PAIRS for shape in SHAPES[kind]]


def _random(*shape, seed=0, scale=1.0, shift=0.0):
    generator = torch.Generator().manual_seed(seed)
    return scale * torch.randn(*shape, generator=generator, dtype=torch.float64) + shift


def _pair(kind, **kwargs):
    """Our layer and PyTorch's, same numbers: PyTorch's is loaded from our state_dict."""
    ours_cls, ref_cls = PAIRS[kind]
    ours = ours_cls(5, dtype=torch.float64, **kwargs)
    if ours.weight is not None:  # start away from the trivial gamma = 1, beta = 0
        with torch.no_grad():
            ours.weight.copy_(_random(5, seed=90, scale=0.5, shift=1.0))
            ours.bias.copy_(_random(5, seed=91))
    ref = ref_cls(5, dtype=torch.float64, **kwargs)
    ref.load_state_dict(ours.state_dict())
    return ours, ref


@pytest.mark.parametrize(("kind", "shape"), CASES)
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_training_steps_match_torch_forward_gradients_and_running_stats(kind, shape, momentum):
    ours, ref = _pair(kind, momentum=momentum)
    opt_ours = torch.optim.SGD(ours.parameters(), lr=0.1)
    opt_ref = torch.optim.SGD(ref.parameters(), lr=0.1)
    for step in range(4):
        x = _random(*shape, seed=step, scale=2.0, shift=3.0).requires_grad_()
        upstream = _random(*shape, seed=100 + step)
        y_ours, y_ref = ours(x), ref(x)
        assert_close(y_ours, y_ref, **TOL)
        grads_ours = torch.autograd.grad(y_ours, [x, ours.weight, ours.bias], upstream)
        grads_ref = torch.autograd.grad(y_ref, [x, ref.weight, ref.bias], upstream)
        for g_ours, g_ref in zip(grads_ours, grads_ref, strict=True):
            assert_close(g_ours, g_ref, **TOL)
        ours.weight.grad, ours.bias.grad = grads_ours[1], grads_ours[2]
        ref.weight.grad, ref.bias.grad = grads_ref[1], grads_ref[2]
        opt_ours.step()
        opt_ref.step()
        for name, value in ref.state_dict().items():
            assert_close(ours.state_dict()[name], value, **TOL, msg=f"{name} after step {step}")
    assert ours.num_batches_tracked.item() == 4
    ours.eval()
    ref.eval()
    x = _random(*shape, seed=50, scale=2.0, shift=3.0).requires_grad_()
    assert_close(ours(x), ref(x), **TOL)
    (g_ours,) = torch.autograd.grad(ours(x).sum(), x)
    (g_ref,) = torch.autograd.grad(ref(x).sum(), x)
    assert_close(g_ours, g_ref, **TOL)


def test_running_variance_is_unbiased_and_normalization_biased():
    layer = BatchNorm1d(1, momentum=1.0, affine=False, dtype=torch.float64)
    x = torch.tensor([[1.0], [3.0]], dtype=torch.float64)  # mean 2, biased var 1, unbiased var 2
    y = layer(x)
    assert_close(y, torch.tensor([[-1.0], [1.0]], dtype=torch.float64) / (1 + 1e-5) ** 0.5)
    assert_close(layer.running_mean, torch.tensor([2.0], dtype=torch.float64))
    assert_close(layer.running_var, torch.tensor([2.0], dtype=torch.float64))


def test_train_mode_depends_on_the_batch_eval_mode_does_not():
    layer = BatchNorm1d(3, dtype=torch.float64)
    a, b = _random(4, 3, seed=1), _random(4, 3, seed=2)
    first = layer(torch.cat([a, b[:1]]))[0]
    second = layer(torch.cat([a[:1], b]))[0]  # the same example a[0], in another batch
    assert not torch.allclose(first, second)
    layer.eval()
    assert_close(layer(torch.cat([a, b[:1]]))[0], layer(torch.cat([a[:1], b]))[0])


@pytest.mark.parametrize("kind", PAIRS)
def test_without_running_stats_uses_batch_statistics_in_both_modes(kind):
    ours, ref = _pair(kind, track_running_stats=False)
    assert ours.running_mean is None and ours.num_batches_tracked is None
    shape = SHAPES[kind][0]
    x = _random(*shape, seed=3, scale=3.0, shift=-1.0)
    for mode in (True, False):
        ours.train(mode)
        ref.train(mode)
        assert_close(ours(x), ref(x), **TOL)
    assert set(ours.state_dict()) == set(ref.state_dict()) == {"weight", "bias"}


@pytest.mark.parametrize("kind", PAIRS)
def test_without_affine_matches_torch(kind):
    ours, ref = _pair(kind, affine=False)
    assert ours.weight is None and list(ours.parameters()) == []
    x = _random(*SHAPES[kind][0], seed=4, scale=2.0)
    assert_close(ours(x), ref(x), **TOL)
    assert_close(ours.running_var, ref.running_var, **TOL)


@pytest.mark.parametrize("kind", PAIRS)
def test_state_dict_keys_and_defaults_are_pytorchs(kind):
    ours_cls, ref_cls = PAIRS[kind]
    ours, ref = ours_cls(6), ref_cls(6)
    assert list(ours.state_dict()) == list(ref.state_dict())
    for name, value in ref.state_dict().items():
        assert torch.equal(ours.state_dict()[name], value), name
        assert ours.state_dict()[name].dtype == value.dtype, name
    ref.load_state_dict(ours.state_dict())  # and back
    ours.load_state_dict(ref.state_dict())


def test_stateless_function_matches_F_batch_norm():
    x = _random(7, 4, 5, seed=5, scale=2.0, shift=1.0)
    weight, bias = _random(4, seed=6), _random(4, seed=7)
    rm_ours, rv_ours = _random(4, seed=8), _random(4, seed=9).abs() + 0.5
    rm_ref, rv_ref = rm_ours.clone(), rv_ours.clone()
    for training in (True, False):
        ours = batch_norm(x, rm_ours, rv_ours, weight, bias, training, 0.3, 1e-3)
        ref = F.batch_norm(x, rm_ref, rv_ref, weight, bias, training, 0.3, 1e-3)
        assert_close(ours, ref, **TOL)
        assert_close(rm_ours, rm_ref, **TOL)
        assert_close(rv_ours, rv_ref, **TOL)


def test_normalized_output_has_zero_mean_and_unit_variance_per_channel():
    layer = BatchNorm2d(3, affine=False, dtype=torch.float64)
    y = layer(_random(10, 3, 4, 4, seed=10, scale=5.0, shift=7.0))
    assert_close(y.mean(dim=(0, 2, 3)), torch.zeros(3, dtype=torch.float64), atol=1e-12, rtol=0)
    assert_close(y.var(dim=(0, 2, 3), unbiased=False), torch.ones(3, dtype=torch.float64), atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("layer", "shape", "message"),
    [
        (BatchNorm1d(4), (8, 3),
         r"BatchNorm1d\(4\) expects input of shape \(N, C\) or \(N, C, L\).*got \(8, 3\)"),
        (BatchNorm1d(4), (2, 4, 3, 3), r"BatchNorm1d\(4\).*got \(2, 4, 3, 3\)"),
        (BatchNorm2d(4), (8, 4), r"BatchNorm2d\(4\) expects input of shape \(N, C, H, W\).*got \(8, 4\)"),
        (BatchNorm1d(4), (1, 4), r"more than 1 value per feature"),
    ],
)
def test_bad_shapes_are_named(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer(torch.zeros(shape))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        BatchNorm1d(0)
    with pytest.raises(ValueError, match=r"momentum must be None or in \[0, 1\]"):
        BatchNorm2d(3, momentum=1.5)
    with pytest.raises(ValueError, match=r"running_mean of shape \(3,\)"):
        batch_norm(torch.zeros(2, 3), torch.zeros(4), torch.ones(3), training=True)
    with pytest.raises(ValueError, match="needs running_mean and running_var"):
        batch_norm(torch.zeros(2, 3), None, None, training=False)


def test_single_example_in_eval_mode_is_fine():
    layer = BatchNorm1d(4).eval()
    assert layer(torch.ones(1, 4)).shape == (1, 4)


def test_reset_running_stats():
    layer = BatchNorm1d(2)
    layer(_random(5, 2, seed=11).float())
    layer.reset_running_stats()
    assert torch.equal(layer.running_mean, torch.zeros(2)) and torch.equal(layer.running_var, torch.ones(2))
    assert layer.num_batches_tracked.item() == 0
