"""dl_lib.autograd.gradcheck: central differences agree with the engine's backward pass and are exact for quadratics."""

import numpy as np
import pytest

from dl_lib.autograd import Tensor, numerical_grad, softmax_cross_entropy


def test_gradients_match_central_differences():
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 4, 5)
    W = rng.standard_normal((3, 4))
    b = rng.standard_normal(4)

    def loss_of(W_array):
        return softmax_cross_entropy((Tensor(X) @ Tensor(W_array) + b).tanh(), y).item()

    W_t = Tensor(W.copy(), requires_grad=True)
    softmax_cross_entropy((Tensor(X) @ W_t + b).tanh(), y).backward()
    numeric = numerical_grad(loss_of, W)
    np.testing.assert_allclose(W_t.grad, numeric, rtol=1e-6, atol=1e-8)


def test_numerical_grad_restores_its_input_and_is_exact_for_quadratics():
    x = np.array([1.0, -2.0, 0.5])
    before = x.copy()
    g = numerical_grad(lambda v: float((v**2).sum()), x, eps=1e-3)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-9)
    with pytest.raises(ValueError, match="float64 NumPy array"):
        numerical_grad(lambda v: 0.0, np.zeros(3, dtype=np.float32))
