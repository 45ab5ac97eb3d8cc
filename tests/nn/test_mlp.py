"""dl_lib.nn.mlp against torch.nn: values and gradients in float64, parameter counts, errors."""

import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.nn import MLP, Linear, count_parameters, linear, mlp_parameter_count


def _random(*shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("input_shape", [(5, 3), (3,), (2, 4, 3)])
def test_linear_matches_torch_values_and_gradients(use_bias, input_shape):
    X = _random(*input_shape, seed=1)
    weight = _random(4, 3, seed=2)
    bias = _random(4, seed=3) if use_bias else None
    ours = linear(X, weight, bias)
    ref = F.linear(X, weight, bias)
    assert ours.shape == (*input_shape[:-1], 4)
    assert_close(ours, ref)

    upstream = _random(*ref.shape, seed=4).detach()
    inputs = [X, weight] + ([bias] if use_bias else [])
    grads_ours = torch.autograd.grad(ours, inputs, upstream)
    grads_ref = torch.autograd.grad(ref, inputs, upstream)
    for g_ours, g_ref in zip(grads_ours, grads_ref, strict=True):
        assert_close(g_ours, g_ref)


def test_linear_tiny_example_by_hand():
    X = torch.tensor([[1.0, 2.0]])
    weight = torch.tensor([[3.0, -1.0], [0.5, 0.5], [0.0, 2.0]])  # (out=3, in=2)
    bias = torch.tensor([1.0, 0.0, -4.0])
    assert_close(linear(X, weight, bias), torch.tensor([[2.0, 1.5, 0.0]]))


@pytest.mark.parametrize(
    ("X_shape", "weight_shape", "bias_shape", "message"),
    [
        # weight given as (in, out) = (4, 3) for an input with 4 features
        ((5, 4), (4, 3), (4,), r"input of shape \(\*, 3\).*got \(5, 4\)"),
        ((5, 3), (3,), None, r"weight of shape \(out_features, in_features\), got \(3,\)"),
        ((5, 3), (4, 3), (3,), r"bias of shape \(4,\).*got \(3,\)"),
        ((), (4, 3), None, r"input of shape \(\*, 3\).*got \(\)"),
    ],
)
def test_linear_names_the_shapes_on_mismatch(X_shape, weight_shape, bias_shape, message):
    bias = torch.zeros(bias_shape) if bias_shape is not None else None
    with pytest.raises(ValueError, match=message):
        linear(torch.zeros(X_shape), torch.zeros(weight_shape), bias)


@pytest.mark.parametrize("use_bias", [True, False])
def test_Linear_state_dict_loads_into_torch_and_matches(use_bias):
    ours = Linear(6, 3, bias=use_bias, dtype=torch.float64)
    ref = nn.Linear(6, 3, bias=use_bias, dtype=torch.float64)
    ref.load_state_dict(ours.state_dict())
    X = _random(7, 6, seed=5)
    y_ours, y_ref = ours(X), ref(X)
    assert_close(y_ours, y_ref)
    y_ours.square().sum().backward()
    y_ref.square().sum().backward()
    assert_close(ours.weight.grad, ref.weight.grad)
    if use_bias:
        assert_close(ours.bias.grad, ref.bias.grad)
    else:
        assert ours.bias is None
    assert repr(ours).endswith(repr(ref)[len("Linear"):])


def test_Linear_initialises_like_torch():
    torch.manual_seed(123)
    ours = Linear(50, 20)
    torch.manual_seed(123)
    ref = nn.Linear(50, 20)
    assert_close(ours.weight, ref.weight)
    assert_close(ours.bias, ref.bias)
    bound = 1 / 50**0.5
    assert ours.weight.abs().max() <= bound and ours.bias.abs().max() <= bound
    assert ours.weight.std() > 0.5 * bound  # really spread over the interval, not zeros


def _torch_sequential(sizes, activation):
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(n_in, n_out, dtype=torch.float64), activation()]
    return nn.Sequential(*layers[:-1])


@pytest.mark.parametrize("sizes", [[2, 1], [2, 2, 1], [8, 16, 5, 3]])
@pytest.mark.parametrize("activation", [nn.ReLU, nn.Tanh, nn.Sigmoid])
def test_MLP_matches_torch_sequential(sizes, activation):
    ours = MLP(sizes, activation).double()
    ref = _torch_sequential(sizes, activation)
    ref.load_state_dict(ours.layers.state_dict())
    X = _random(10, sizes[0], seed=6)
    y_ours, y_ref = ours(X), ref(X)
    assert y_ours.shape == (10, sizes[-1])
    assert_close(y_ours, y_ref)
    y_ours.sum().backward()
    y_ref.sum().backward()
    for (name, p_ours), p_ref in zip(ours.layers.named_parameters(), ref.parameters(), strict=True):
        assert_close(p_ours.grad, p_ref.grad, msg=name)


def test_MLP_has_no_activation_after_the_last_layer():
    model = MLP([3, 4, 2], nn.ReLU)
    assert isinstance(model.layers[-1], Linear)
    with torch.no_grad():  # make every output negative: a trailing ReLU would clip them to 0
        model.layers[-1].bias.fill_(-100.0)
    assert (model(torch.randn(5, 3)) < 0).all()


@pytest.mark.parametrize("sizes", [[3], [], [3, 0, 1], [2, 2.5, 1], [4, -2, 1]])
def test_MLP_rejects_bad_sizes(sizes):
    message = r"MLP expects at least two positive integer layer sizes \(input and output\), got "
    with pytest.raises(ValueError, match=message + re.escape(str(list(sizes)))):
        MLP(sizes)
    with pytest.raises(ValueError, match="layer sizes"):
        mlp_parameter_count(sizes)


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [([2, 1], 3), ([2, 2, 1], 9), ([64, 32, 10], 64 * 32 + 32 + 32 * 10 + 10), ([1, 8, 1], 25)],
)
def test_parameter_count_formula_and_count_parameters_agree_with_torch(sizes, expected):
    assert mlp_parameter_count(sizes) == expected
    assert count_parameters(MLP(sizes)) == expected
    ref = _torch_sequential(sizes, nn.ReLU)
    assert count_parameters(ref) == sum(p.numel() for p in ref.parameters()) == expected


def test_count_parameters_trainable_only():
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    model[0].requires_grad_(False)
    assert count_parameters(model) == 15 + 8
    assert count_parameters(model, trainable_only=True) == 8
    assert count_parameters(nn.Conv2d(3, 8, kernel_size=3)) == 8 * 3 * 3 * 3 + 8


def test_Linear_rejects_negative_sizes():
    with pytest.raises(ValueError, match="Linear expects non-negative sizes, got in_features=-1, out_features=3"):
        Linear(-1, 3)
