"""dl_lib.nn.perceptron: the step, Rosenblatt's rule, convergence on separable data, XOR."""

import itertools

import pytest
import torch
from torch.testing import assert_close

from dl_lib.nn import heaviside, perceptron_predict, perceptron_step, train_perceptron

XOR_X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
XOR_y = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)


def test_heaviside_is_one_from_zero_on_and_keeps_dtype():
    z = torch.tensor([-2.0, -1e-12, 0.0, 3.0], dtype=torch.float64)
    out = heaviside(z)
    assert out.dtype == torch.float64
    assert out.tolist() == [0.0, 0.0, 1.0, 1.0]
    assert_close(out, torch.heaviside(z, torch.tensor(1.0, dtype=torch.float64)))


def test_perceptron_predict_by_hand():
    X = torch.tensor([[1.0, 1.0], [0.0, 0.0], [2.0, -1.0]])
    w, b = torch.tensor([1.0, 2.0]), -1.5
    # z = [1.5, -1.5, -1.5]
    assert perceptron_predict(X, w, b).tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match=r"X of shape \(N, d\).*got X \(3, 2\) and w \(3,\)"):
        perceptron_predict(X, torch.zeros(3), 0.0)


def test_perceptron_step_follows_rosenblatts_rule():
    w, b = torch.tensor([1.0, -1.0]), torch.tensor(0.0)
    x = torch.tensor([1.0, 2.0])  # z = -1, predicts 0
    w_new, b_new = perceptron_step(w, b, x, 1.0, lr=0.5)  # should have fired: move towards x
    assert_close(w_new, torch.tensor([1.5, 0.0]))
    assert_close(b_new, torch.tensor(0.5))
    assert_close(w, torch.tensor([1.0, -1.0]))  # inputs untouched
    assert_close(b, torch.tensor(0.0))
    w_new, b_new = perceptron_step(w, b, x, 0.0, lr=0.5)  # right already: no change
    assert_close(w_new, w)
    assert_close(b_new, b)
    x = torch.tensor([2.0, 1.0])  # z = 1, predicts 1, label 0: move away from x
    w_new, b_new = perceptron_step(w, b, x, 0.0, lr=1.0)
    assert_close(w_new, torch.tensor([-1.0, -2.0]))
    assert_close(b_new, torch.tensor(-1.0))
    with pytest.raises(ValueError, match=r"got w \(2,\) and x \(3,\)"):
        perceptron_step(w, b, torch.zeros(3), 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_converges_on_separable_data(seed):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(200, 2, generator=generator, dtype=torch.float64)
    X = X[(X @ torch.tensor([2.0, -1.0], dtype=torch.float64) + 0.3).abs() > 0.2]  # keep a margin
    y = (X @ torch.tensor([2.0, -1.0], dtype=torch.float64) + 0.3 > 0).to(torch.float64)
    w, b, errors = train_perceptron(X, y, num_epochs=50, seed=seed)
    assert len(errors) == 50
    assert errors[-1] == 0
    assert (perceptron_predict(X, w, b) == y).all()
    assert w.dtype == torch.float64 and w.shape == (2,) and b.shape == ()


@pytest.mark.parametrize("seed", range(5))
def test_perceptron_never_solves_xor(seed):
    X, y = XOR_X.repeat(10, 1), XOR_y.repeat(10)
    _, _, errors = train_perceptron(X, y, num_epochs=100, seed=seed)
    assert min(errors) >= len(y) // 4  # at best 3 of the 4 corners right: accuracy <= 75 %


def test_no_line_gets_more_than_three_xor_corners():
    grid = torch.linspace(-2, 2, 21, dtype=torch.float64)
    best = max(
        int((perceptron_predict(XOR_X, torch.stack([w1, w2]), b) == XOR_y).sum())
        for w1, w2, b in itertools.product(grid, grid, grid)
    )
    assert best == 3


def test_train_perceptron_rejects_bad_inputs():
    with pytest.raises(ValueError, match=r"y of shape \(N,\)"):
        train_perceptron(torch.zeros(4, 2), torch.zeros(3), num_epochs=1)
    with pytest.raises(ValueError, match="floating-point"):
        train_perceptron(torch.zeros(4, 2, dtype=torch.long), torch.zeros(4), num_epochs=1)
