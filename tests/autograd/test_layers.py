"""dl_lib.autograd.layers: an MLP on the NumPy engine against torch.nn and torch.optim.SGD, in float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from dl_lib.autograd import Tensor, TensorLinear, TensorMLP, TensorSGD, softmax_cross_entropy

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _torch_mlp(model: TensorMLP) -> torch.nn.Sequential:
    layers = []
    for layer in model.layers:
        linear = torch.nn.Linear(*layer.weight.shape[::-1]).double()
        state = {"weight": torch.tensor(layer.weight.data), "bias": torch.tensor(layer.bias.data)}
        linear.load_state_dict(state)
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def test_a_whole_mlp_loss_and_its_gradients_match_torch():
    rng = np.random.default_rng(6)
    model = TensorMLP([8, 16, 12, 5], generator=rng)
    X, y = rng.standard_normal((10, 8)), rng.integers(0, 5, 10)
    loss = softmax_cross_entropy(model(Tensor(X)), y)
    loss.backward()
    ref = _torch_mlp(model)
    loss_ref = F.cross_entropy(ref(torch.from_numpy(X)), torch.from_numpy(y))
    loss_ref.backward()
    assert_close(torch.tensor(loss.item(), dtype=torch.float64), loss_ref.detach(), **TOL)
    for ours, theirs in zip(model.parameters(), ref.parameters(), strict=True):
        assert_close(torch.from_numpy(ours.grad), theirs.grad, **TOL)


def test_sgd_steps_like_torch_optim_sgd():
    rng = np.random.default_rng(7)
    model = TensorMLP([4, 6, 3], generator=rng)
    ref = _torch_mlp(model)
    optimizer, ref_optimizer = TensorSGD(model.parameters(), lr=0.3), torch.optim.SGD(ref.parameters(), lr=0.3)
    for _ in range(5):
        X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
        optimizer.zero_grad()
        softmax_cross_entropy(model(Tensor(X)), y).backward()
        optimizer.step()
        ref_optimizer.zero_grad()
        F.cross_entropy(ref(torch.from_numpy(X)), torch.from_numpy(y)).backward()
        ref_optimizer.step()
    for ours, theirs in zip(model.parameters(), ref.parameters(), strict=True):
        assert_close(torch.from_numpy(ours.data), theirs.detach(), **TOL)


def test_linear_initialisation_and_shapes():
    layer = TensorLinear(50, 7, generator=np.random.default_rng(0))
    assert layer.weight.shape == (7, 50) and layer.bias.shape == (7,)
    assert np.abs(layer.weight.data).max() <= 1 / np.sqrt(50)
    assert layer(Tensor(np.zeros((3, 50)))).shape == (3, 7)
    assert len(TensorLinear(2, 3, bias=False).parameters()) == 1


def test_sgd_does_not_write_into_the_callers_array():
    array = np.ones(3)
    p = Tensor(array, requires_grad=True)
    (p * 2).sum().backward()
    TensorSGD([p], lr=0.5).step()
    np.testing.assert_array_equal(array, np.ones(3))
    np.testing.assert_array_equal(p.data, np.zeros(3))


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: TensorLinear(4, 2)(Tensor(np.ones((3, 5)))), ValueError, r"input of shape \(N, 4\), got \(3, 5\)"),
        (lambda: TensorLinear(0, 2), ValueError, "positive sizes"),
        (lambda: TensorMLP([3]), ValueError, "at least two layer sizes"),
        (lambda: TensorSGD([], lr=0.0), ValueError, "positive learning rate"),
    ],
)
def test_bad_input_raises_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()
