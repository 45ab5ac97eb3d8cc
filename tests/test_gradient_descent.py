"""dl_lib.gradient_descent against torch.optim.SGD, autograd and the closed-form least-squares solution."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from dl_lib.gradient_descent import (
    gradient_descent,
    gradient_noise,
    least_squares,
    linear_regression_loss_grad,
    minibatch_sgd,
    minibatches,
)


def _regression(N=64, d=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(N, d, generator=generator, dtype=torch.float64)
    X[:, -1] = 1.0  # a bias column, as in the book
    w_true = torch.randn(d, generator=generator, dtype=torch.float64)
    y = X @ w_true + 0.3 * torch.randn(N, generator=generator, dtype=torch.float64)
    return X, y


def _logistic_loss_grad(X, y, w):
    """A non-quadratic loss whose gradient comes from autograd: binary cross-entropy on logits."""
    w = w.detach().requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(X @ w, y)
    (grad,) = torch.autograd.grad(loss, w)
    return loss.detach(), grad


# linear_regression_loss_grad


@pytest.mark.parametrize(("N", "d"), [(10, 3), (1, 2), (7, 1)])
def test_loss_and_gradient_match_autograd(N, d):
    X, y = _regression(N, d, seed=N)
    w = torch.randn(d, dtype=torch.float64, generator=torch.Generator().manual_seed(1), requires_grad=True)
    loss, grad = linear_regression_loss_grad(X, y, w.detach())
    ref = F.mse_loss(X @ w, y)
    (ref_grad,) = torch.autograd.grad(ref, w)
    assert loss.shape == () and grad.shape == (d,)
    assert_close(loss, ref.detach())
    assert_close(grad, ref_grad)


def test_loss_and_gradient_tiny_example_by_hand():
    X = torch.tensor([[1.0, 1.0], [2.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([1.0, 2.0], dtype=torch.float64)
    loss, grad = linear_regression_loss_grad(X, y, torch.zeros(2, dtype=torch.float64))
    assert_close(loss, torch.tensor(2.5, dtype=torch.float64))
    assert_close(grad, torch.tensor([-5.0, -3.0], dtype=torch.float64))


@pytest.mark.parametrize(
    ("X_shape", "y_shape", "w_shape"),
    [
        ((5, 2), (5,), (3,)),  # w too long
        ((5, 2), (4,), (2,)),  # y too short
        ((5,), (5,), (1,)),  # X not a matrix
        ((5, 2), (5, 1), (2,)),  # y a column: would broadcast to (5, 5) silently
        ((0, 2), (0,), (2,)),  # no examples: the mean is undefined
    ],
)
def test_loss_grad_names_the_shapes(X_shape, y_shape, w_shape):
    with pytest.raises(ValueError, match=r"X of shape \(N, d\).*got X"):
        linear_regression_loss_grad(torch.zeros(X_shape), torch.zeros(y_shape), torch.zeros(w_shape))


# least_squares


def test_least_squares_solves_the_normal_equations():
    X, y = _regression(100, 4)
    w = least_squares(X, y)
    assert_close(w, torch.linalg.solve(X.T @ X, X.T @ y))
    _, grad = linear_regression_loss_grad(X, y, w)
    assert grad.abs().max() < 1e-12


def test_least_squares_rejects_bad_shapes():
    with pytest.raises(ValueError, match="least_squares expects X of shape"):
        least_squares(torch.zeros(5, 2), torch.zeros(4))


# gradient_descent


def test_gradient_descent_reaches_the_closed_form_solution():
    X, y = _regression(200, 3)
    H = 2 / 200 * X.T @ X
    L = torch.linalg.eigvalsh(H).max().item()
    path = gradient_descent(lambda w: linear_regression_loss_grad(X, y, w)[1], torch.zeros(3, dtype=X.dtype),
                            lr=1 / L, num_steps=2000)
    assert path.shape == (2001, 3)
    assert_close(path[-1], least_squares(X, y), rtol=0, atol=1e-8)


def test_gradient_descent_matches_torch_sgd_full_batch():
    X, y = _regression(30, 3, seed=2)
    w0 = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    path = gradient_descent(lambda w: linear_regression_loss_grad(X, y, w)[1], w0, lr=0.05, num_steps=25)
    w = torch.nn.Parameter(w0.clone())
    optimizer = torch.optim.SGD([w], lr=0.05)
    for t in range(25):
        assert_close(path[t], w.detach(), rtol=0, atol=1e-6)
        optimizer.zero_grad()
        F.mse_loss(X @ w, y).backward()
        optimizer.step()
    assert_close(path[-1], w.detach())


def test_gradient_descent_on_a_quadratic_step_by_hand():
    # L(w) = w^2 (gradient 2w): with lr = 0.25 every step halves w.
    path = gradient_descent(lambda w: 2 * w, torch.tensor([8.0]), lr=0.25, num_steps=3)
    assert_close(path, torch.tensor([[8.0], [4.0], [2.0], [1.0]]))


def test_gradient_descent_diverges_above_two_over_L():
    H = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    L = torch.linalg.eigvalsh(H).max().item()
    w0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
    below = gradient_descent(lambda w: H @ w, w0, lr=0.99 * 2 / L, num_steps=3000)
    above = gradient_descent(lambda w: H @ w, w0, lr=1.01 * 2 / L, num_steps=3000)
    assert below[-1].norm() < 1e-6 < 1e6 < above[-1].norm()


def test_gradient_descent_stops_at_tolerance_and_keeps_w0():
    w0 = torch.tensor([1.0, -2.0], dtype=torch.float64)
    path = gradient_descent(lambda w: w, w0, lr=0.5, num_steps=1000, tol=1e-3)
    assert path[-1].norm() <= 1e-3 < path[-2].norm()  # stopped at the first point within tol
    assert len(path) < 20
    assert_close(w0, torch.tensor([1.0, -2.0], dtype=torch.float64))
    assert gradient_descent(lambda w: w, w0, lr=0.5, num_steps=0).shape == (1, 2)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lr": 0.0}, "lr must be a positive number"),
    ({"lr": -0.1}, "lr must be a positive number"),
    ({"num_steps": -1}, "num_steps must be an integer >= 0"),
    ({"num_steps": 2.5}, "num_steps must be an integer >= 0"),
])
def test_gradient_descent_rejects_bad_arguments(kwargs, message):
    args = {"lr": 0.1, "num_steps": 3} | kwargs
    with pytest.raises(ValueError, match=message):
        gradient_descent(lambda w: w, torch.zeros(2), **args)


def test_gradient_descent_rejects_a_gradient_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"gradient of the shape of w0, \(2,\), got \(3,\)"):
        gradient_descent(lambda w: torch.zeros(3), torch.zeros(2), lr=0.1, num_steps=1)


# minibatches


@pytest.mark.parametrize(("N", "batch_size"), [(10, 4), (12, 4), (7, 1), (5, 8), (1, 1)])
def test_minibatches_cover_every_index_once(N, batch_size):
    batches = list(minibatches(N, batch_size, generator=torch.Generator().manual_seed(0)))
    assert len(batches) == math.ceil(N / batch_size)
    assert [len(b) for b in batches[:-1]] == [batch_size] * (len(batches) - 1)
    assert len(batches[-1]) == N - batch_size * (len(batches) - 1)
    assert torch.equal(torch.cat(batches).sort().values, torch.arange(N))
    assert all(b.dtype == torch.int64 for b in batches)


def test_minibatches_without_shuffle_keep_the_order():
    batches = [b.tolist() for b in minibatches(10, 4, shuffle=False)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_minibatches_shuffle_like_torch_randperm():
    order = torch.cat(list(minibatches(20, 6, generator=torch.Generator().manual_seed(3))))
    assert torch.equal(order, torch.randperm(20, generator=torch.Generator().manual_seed(3)))
    generator = torch.Generator().manual_seed(3)
    first, second = (torch.cat(list(minibatches(20, 6, generator=generator))) for _ in range(2))
    assert not torch.equal(first, second)  # a new order every epoch


@pytest.mark.parametrize(("N", "batch_size", "message"), [
    (0, 4, "N must be an integer >= 1"),
    (10, 0, "batch_size must be an integer >= 1"),
    (10, True, "batch_size must be an integer >= 1"),
    (10, 2.0, "batch_size must be an integer >= 1"),
])
def test_minibatches_reject_bad_arguments(N, batch_size, message):
    with pytest.raises(ValueError, match=message):
        minibatches(N, batch_size)  # raised at the call, not at the first batch


# minibatch_sgd


@pytest.mark.parametrize("batch_size", [1, 7, 16, 50, 80])
def test_minibatch_sgd_matches_torch_sgd_on_the_same_batches(batch_size):
    X, y = _regression(50, 3, seed=batch_size)
    w0 = torch.tensor([0.2, -0.3, 0.1], dtype=torch.float64)
    lr, num_epochs, seed = 0.02, 4, 11
    w, history = minibatch_sgd(X, y, linear_regression_loss_grad, w0, lr, batch_size, num_epochs, seed)

    param = torch.nn.Parameter(w0.clone())
    optimizer = torch.optim.SGD([param], lr=lr)
    generator = torch.Generator().manual_seed(seed)
    ref_losses = []
    for _ in range(num_epochs):
        for batch in minibatches(50, batch_size, generator=generator):
            loss = F.mse_loss(X[batch] @ param, y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            ref_losses.append(loss.detach())
    steps = num_epochs * math.ceil(50 / batch_size)
    assert history["w"].shape == (steps + 1, 3) and history["loss"].shape == (steps,)
    assert_close(w, param.detach(), rtol=0, atol=1e-6)
    assert_close(history["loss"], torch.stack(ref_losses))
    assert_close(history["w"][0], w0)


def test_minibatch_sgd_matches_torch_sgd_on_a_non_quadratic_loss():
    generator = torch.Generator().manual_seed(5)
    X = torch.randn(40, 4, generator=generator, dtype=torch.float64)
    y = (torch.rand(40, generator=generator, dtype=torch.float64) < 0.5).double()
    w0 = torch.zeros(4, dtype=torch.float64)
    w, _ = minibatch_sgd(X, y, _logistic_loss_grad, w0, lr=0.5, batch_size=8, num_epochs=10, seed=2)

    param = torch.nn.Parameter(w0.clone())
    optimizer = torch.optim.SGD([param], lr=0.5)
    batches = torch.Generator().manual_seed(2)
    for _ in range(10):
        for batch in minibatches(40, 8, generator=batches):
            optimizer.zero_grad()
            F.binary_cross_entropy_with_logits(X[batch] @ param, y[batch]).backward()
            optimizer.step()
    assert_close(w, param.detach(), rtol=0, atol=1e-6)


def test_minibatch_sgd_full_batch_reaches_the_closed_form_solution():
    X, y = _regression(64, 3, seed=4)
    w, history = minibatch_sgd(X, y, linear_regression_loss_grad, torch.zeros(3, dtype=X.dtype),
                               lr=0.2, batch_size=64, num_epochs=1500)
    assert len(history["loss"]) == 1500  # one step per epoch
    assert_close(w, least_squares(X, y), rtol=0, atol=1e-8)


def test_minibatch_sgd_with_constant_lr_hovers_near_the_solution():
    X, y = _regression(256, 2, seed=6)
    w_star = least_squares(X, y)
    w, history = minibatch_sgd(X, y, linear_regression_loss_grad, torch.zeros(2, dtype=X.dtype),
                               lr=0.02, batch_size=1, num_epochs=8)
    distances = (history["w"][-256:] - w_star).norm(dim=1)
    assert distances.max() < 0.5  # close to the minimum ...
    assert distances.min() > 1e-6  # ... but the noise never lets it settle


def test_minibatch_sgd_without_shuffle_is_deterministic_and_seed_free():
    X, y = _regression(20, 2, seed=8)
    w0 = torch.zeros(2, dtype=torch.float64)
    a, _ = minibatch_sgd(X, y, linear_regression_loss_grad, w0, 0.1, 6, 2, seed=0, shuffle=False)
    b, _ = minibatch_sgd(X, y, linear_regression_loss_grad, w0, 0.1, 6, 2, seed=99, shuffle=False)
    c, _ = minibatch_sgd(X, y, linear_regression_loss_grad, w0, 0.1, 6, 2, seed=99)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_minibatch_sgd_rejects_bad_arguments():
    X, y = _regression(10, 2)
    w0 = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        minibatch_sgd(X, y, linear_regression_loss_grad, w0, 0.0, 2, 1)
    with pytest.raises(ValueError, match="num_epochs must be an integer >= 1"):
        minibatch_sgd(X, y, linear_regression_loss_grad, w0, 0.1, 2, 0)
    with pytest.raises(ValueError, match="same number of examples, got 10 and 9"):
        minibatch_sgd(X, y[:9], linear_regression_loss_grad, w0, 0.1, 2, 1)


# gradient_noise


@pytest.mark.parametrize("batch_size", [1, 4, 16])
def test_gradient_noise_follows_the_sampling_formula(batch_size):
    X, y = _regression(256, 2, seed=9)
    w = torch.tensor([1.0, -1.0], dtype=torch.float64)
    per_example = 2 * (X @ w - y)[:, None] * X  # (N, d)
    trace = per_example.var(dim=0, unbiased=False).sum().item()
    expected = trace / batch_size * (256 - batch_size) / 255
    measured = gradient_noise(X, y, linear_regression_loss_grad, w, batch_size, num_batches=2000, seed=1)
    assert abs(measured / expected - 1) < 0.15


def test_gradient_noise_is_the_mean_over_the_batches_sgd_draws():
    X, y = _regression(10, 2, seed=10)
    w = torch.tensor([0.5, 0.5], dtype=torch.float64)
    _, full = linear_regression_loss_grad(X, y, w)
    generator = torch.Generator().manual_seed(4)
    batches = [b for _ in range(2) for b in minibatches(10, 4, generator=generator) if len(b) == 4]
    expected = sum((linear_regression_loss_grad(X[b], y[b], w)[1] - full).pow(2).sum().item()
                   for b in batches[:3]) / 3
    measured = gradient_noise(X, y, linear_regression_loss_grad, w, 4, num_batches=3, seed=4)
    assert measured == pytest.approx(expected)


def test_gradient_noise_is_zero_when_every_example_agrees():
    X, _ = _regression(32, 2)
    w = torch.tensor([0.3, 0.7], dtype=torch.float64)
    assert gradient_noise(X, X @ w, linear_regression_loss_grad, w, 4, 20) == pytest.approx(0.0, abs=1e-24)


@pytest.mark.parametrize("batch_size", [0, 32, 40])
def test_gradient_noise_rejects_batch_sizes_outside_1_to_N_minus_1(batch_size):
    X, y = _regression(32, 2)
    with pytest.raises(ValueError, match="batch_size must be an integer from 1 to N - 1 = 31"):
        gradient_noise(X, y, linear_regression_loss_grad, torch.zeros(2, dtype=X.dtype), batch_size, 10)
