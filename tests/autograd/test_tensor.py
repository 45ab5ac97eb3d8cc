"""dl_lib.autograd.Tensor against torch.autograd in float64: every op, broadcasting, the loss."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from dl_lib.autograd import Tensor, softmax_cross_entropy, unbroadcast

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _arrays(shapes, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    return [np.abs(a) + 0.5 for a in arrays] if positive else arrays


def _compare(f, shapes, seed=0, positive=False):
    """f(*inputs) in both engines: output and the gradient of sum(output * upstream) for each input."""
    arrays = _arrays(shapes, seed, positive)
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    refs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = f(*ours), f(*refs)
    assert out.shape == tuple(ref.shape)
    assert_close(torch.from_numpy(np.asarray(out.data)), ref.detach(), **TOL)
    upstream = np.random.default_rng(seed + 100).standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    for t, r in zip(ours, refs, strict=True):
        assert t.grad is not None and t.grad.shape == t.shape
        assert_close(torch.from_numpy(t.grad), r.grad, **TOL)


ELEMENTWISE = [
    ("add", lambda a, b: a + b),
    ("mul", lambda a, b: a * b),
    ("sub", lambda a, b: a - b),
    ("div", lambda a, b: a / b),
]
BROADCASTS = [
    ((4, 3), (4, 3)),
    ((4, 3), (3,)),  # (N, D) + (D,): a bias added to every row
    ((4, 1), (1, 3)),  # (N, 1) * (1, D): an outer product
    ((4, 3), (1, 3)),
    ((4, 3), ()),  # a scalar tensor
    ((2, 4, 3), (4, 1)),
]


@pytest.mark.parametrize(("name", "f"), ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
@pytest.mark.parametrize(("shape_a", "shape_b"), BROADCASTS, ids=str)
def test_broadcasting_elementwise_ops_match_torch(name, f, shape_a, shape_b):
    _compare(f, [shape_a, shape_b], positive=(name == "div"))
    _compare(lambda a, b: f(b, a), [shape_a, shape_b], positive=(name == "div"))


UNARY = [
    ("neg", lambda a: -a, False),
    ("relu", lambda a: a.relu(), False),
    ("tanh", lambda a: a.tanh(), False),
    ("exp", lambda a: a.exp(), False),
    ("log", lambda a: a.log(), True),
    ("pow_int", lambda a: a**3, False),
    ("pow_float", lambda a: a**0.5, True),
    ("scalar_add", lambda a: 2.0 + a, False),
    ("scalar_rsub", lambda a: 1.0 - a, False),
    ("scalar_mul", lambda a: a * 3.0, False),
    ("scalar_rdiv", lambda a: 2.0 / a, True),
    ("transpose", lambda a: a.T, False),
    ("reshape", lambda a: a.reshape(2, 6), False),
    ("reshape_flat", lambda a: a.reshape(-1), False),
]


@pytest.mark.parametrize(("name", "f", "positive"), UNARY, ids=[u[0] for u in UNARY])
def test_unary_ops_match_torch(name, f, positive):
    _compare(f, [(3, 4)], seed=1, positive=positive)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_sum_and_mean_match_torch(axis, keepdims, reduce):
    shape = (2, 3, 4) if axis == (0, 2) else (3, 4)

    def f(a):
        if isinstance(a, Tensor):
            return getattr(a, reduce)(axis=axis, keepdims=keepdims)
        dim = tuple(range(a.ndim)) if axis is None else axis
        return getattr(a, reduce)(dim=dim, keepdim=keepdims)

    _compare(f, [shape], seed=2)


@pytest.mark.parametrize(("shape_a", "shape_b"), [((4, 3), (3, 5)), ((1, 3), (3, 1)), ((5, 2), (2, 2))])
def test_matmul_matches_torch(shape_a, shape_b):
    _compare(lambda a, b: a @ b, [shape_a, shape_b], seed=3)


def test_matmul_skips_the_gradient_of_inputs_that_do_not_need_one():
    X = Tensor(np.ones((2, 3)))  # data: requires_grad=False
    W = Tensor(np.ones((3, 4)), requires_grad=True)
    (X @ W).sum().backward()
    assert X.grad is None
    np.testing.assert_array_equal(W.grad, np.full((3, 4), 2.0))


def test_a_composed_expression_with_reuse_matches_torch():
    def f(x, w, b):
        h = (x @ w + b).tanh()  # (5, 4)
        return (h * h + h).exp().mean(axis=0) * b - (h**2).sum(axis=0)

    _compare(f, [(5, 3), (3, 4), (4,)], seed=4)


def test_softmax_cross_entropy_matches_torch():
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((7, 4)) * 3
    targets = rng.integers(0, 4, 7)
    ours = Tensor(logits, requires_grad=True)
    loss = softmax_cross_entropy(ours, targets)
    loss.backward()
    ref = torch.tensor(logits, requires_grad=True)
    loss_ref = F.cross_entropy(ref, torch.from_numpy(targets))
    loss_ref.backward()
    assert loss.shape == ()
    assert_close(torch.tensor(loss.item(), dtype=torch.float64), loss_ref.detach(), **TOL)
    assert_close(torch.from_numpy(ours.grad), ref.grad, **TOL)
    # the stable gradient (softmax - onehot) / N, written out
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    np.testing.assert_allclose(ours.grad, (probs - np.eye(4)[targets]) / 7, atol=1e-12)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 800.0, 0.0]])
    ours = Tensor(logits, requires_grad=True)
    loss = softmax_cross_entropy(ours, [2, 1])
    loss.backward()
    ref = torch.tensor(logits, requires_grad=True)
    F.cross_entropy(ref, torch.tensor([2, 1])).backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(1000.0)
    assert_close(torch.from_numpy(ours.grad), ref.grad, **TOL)


def test_softmax_cross_entropy_with_one_row():
    ours = Tensor(np.array([[0.5, -1.0, 2.0]]), requires_grad=True)
    softmax_cross_entropy(ours, np.array([0])).backward()
    ref = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    F.cross_entropy(ref, torch.tensor([0])).backward()
    assert_close(torch.from_numpy(ours.grad), ref.grad, **TOL)


@pytest.mark.parametrize(
    ("grad_shape", "shape", "expected"),
    [((4, 3), (3,), np.full(3, 4.0)), ((4, 3), (4, 1), np.full((4, 1), 3.0)),
     ((4, 3), (1, 3), np.full((1, 3), 4.0)), ((4, 3), (), np.array(12.0)), ((4, 3), (4, 3), np.ones((4, 3))),
     ((2, 4, 3), (4, 1), np.full((4, 1), 6.0))],
)
def test_unbroadcast_sums_the_broadcast_axes(grad_shape, shape, expected):
    out = unbroadcast(np.ones(grad_shape), shape)
    assert out.shape == shape
    np.testing.assert_array_equal(out, expected)


def test_ndarray_on_the_left_calls_the_tensor_operation():
    t = Tensor(np.ones(3), requires_grad=True)
    out = np.arange(3.0) * t + np.ones(3)
    assert isinstance(out, Tensor)
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, np.arange(3.0))


def test_constants_do_not_join_the_graph():
    a = Tensor(np.ones(2))
    out = a * 2 + 1
    assert not out.requires_grad and out._prev == ()
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        out.sum().backward()


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), ValueError,
         r"\(N, K\) @ \(K, M\).*\(2, 3\) @ \(2, 3\)"),
        (lambda: Tensor(np.ones(3)) @ Tensor(np.ones((3, 2))), ValueError, "2-D operands"),
        (lambda: Tensor(np.ones((2, 2)), requires_grad=True).backward(), ValueError, "one-element tensor"),
        (lambda: Tensor(np.ones(2), requires_grad=True).backward(np.ones(3)), ValueError, r"shape \(2,\)"),
        (lambda: softmax_cross_entropy(Tensor(np.ones(3)), [0]), ValueError, r"logits of shape \(N, C\)"),
        (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), [0, 3]), ValueError, r"targets in \[0, 3\)"),
        (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), [0]), ValueError, r"shape \(2,\)"),
        (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), [0.0, 1.0]), ValueError, "integer targets"),
        (lambda: Tensor(np.ones(2)) ** Tensor(np.ones(2)), TypeError, "constant int or float"),
        (lambda: Tensor(np.ones((0, 2))).mean(), ValueError, "empty tensor"),
    ],
)
def test_bad_input_raises_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()
