"""dl_lib.nn.activations against torch: values, explicit derivatives and autograd, in float64."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.nn import activations as A

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _inputs(seed=0):
    """Random values, the kink at 0, and huge inputs where a naive formula overflows."""
    generator = torch.Generator().manual_seed(seed)
    random = 4 * torch.randn(200, generator=generator, dtype=torch.float64)
    special = torch.tensor([0.0, 1e-12, -1e-12, 1.0, -1.0, 30.0, -30.0, 50.0, -50.0,
                            709.0, -709.0, 1000.0, -1000.0, 1e4, -1e4], dtype=torch.float64)
    return torch.cat([random, special]).requires_grad_()


# name -> (ours, our derivative, PyTorch's function)
ELEMENTWISE = {
    "sigmoid": (A.sigmoid, A.sigmoid_grad, torch.sigmoid),
    "tanh": (A.tanh, A.tanh_grad, torch.tanh),
    "relu": (A.relu, A.relu_grad, F.relu),
    "leaky_relu": (A.leaky_relu, A.leaky_relu_grad, F.leaky_relu),
    "leaky_relu_0.2": (
        lambda x: A.leaky_relu(x, 0.2),
        lambda x: A.leaky_relu_grad(x, 0.2),
        lambda x: F.leaky_relu(x, 0.2),
    ),
    "gelu": (A.gelu, A.gelu_grad, F.gelu),
    "gelu_tanh": (
        lambda x: A.gelu(x, approximate="tanh"),
        lambda x: A.gelu_grad(x, approximate="tanh"),
        lambda x: F.gelu(x, approximate="tanh"),
    ),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_values_match_torch(name):
    ours, _, ref = ELEMENTWISE[name]
    x = _inputs()
    y = ours(x)
    assert y.dtype == torch.float64 and y.shape == x.shape
    assert torch.isfinite(y).all(), f"{name} gave NaN or inf"
    assert_close(y, ref(x), **TOL)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_explicit_derivative_matches_torch_autograd(name):
    ours, grad, ref = ELEMENTWISE[name]
    x = _inputs(seed=1)
    (expected,) = torch.autograd.grad(ref(x).sum(), x)
    got = grad(x.detach())
    assert torch.isfinite(got).all(), f"{name}_grad gave NaN or inf"
    assert_close(got, expected, **TOL)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_autograd_through_our_forward_matches_torch(name):
    ours, _, ref = ELEMENTWISE[name]
    x = _inputs(seed=2)
    upstream = torch.randn(x.shape, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    (got,) = torch.autograd.grad(ours(x), x, upstream)
    (expected,) = torch.autograd.grad(ref(x), x, upstream)
    assert torch.isfinite(got).all()
    assert_close(got, expected, **TOL)


def test_hand_values():
    zero = torch.zeros(1, dtype=torch.float64)
    assert A.sigmoid(zero).item() == 0.5 and A.sigmoid_grad(zero).item() == 0.25
    assert A.tanh(zero).item() == 0.0 and A.tanh_grad(zero).item() == 1.0
    assert A.relu_grad(zero).item() == 0.0  # PyTorch's choice at the kink
    assert A.leaky_relu_grad(zero, 0.1).item() == pytest.approx(0.1)
    assert A.gelu_grad(zero).item() == 0.5
    x = torch.tensor([-2.0, 3.0])
    assert_close(A.leaky_relu(x, 0.1), torch.tensor([-0.2, 3.0]))
    assert_close(A.relu(x), torch.tensor([0.0, 3.0]))


def test_float32_huge_inputs_stay_finite():
    x = torch.tensor([-1e4, -100.0, 0.0, 100.0, 1e4], requires_grad=True)
    for f in (A.sigmoid, A.tanh, A.gelu):
        y = f(x)
        (g,) = torch.autograd.grad(y.sum(), x)
        assert y.dtype == torch.float32 and torch.isfinite(y).all() and torch.isfinite(g).all(), f
    assert A.sigmoid(x)[0].item() == 0.0 and A.sigmoid(x)[-1].item() == 1.0


def test_naive_sigmoid_really_breaks_autograd():
    """The reason for the where-form: the textbook formula's gradient is NaN at x = -1000."""
    x = torch.tensor([-1000.0], dtype=torch.float64, requires_grad=True)
    (g_naive,) = torch.autograd.grad((1 / (1 + torch.exp(-x))).sum(), x)
    (g_ours,) = torch.autograd.grad(A.sigmoid(x).sum(), x)
    assert torch.isnan(g_naive).all()
    assert g_ours.item() == 0.0


SOFTMAX_CASES = [((6,), 0), ((4, 7), -1), ((4, 7), 0), ((1, 5), 1), ((2, 3, 5), 1), ((2, 3, 5), -3)]


@pytest.mark.parametrize(("shape", "dim"), SOFTMAX_CASES)
def test_softmax_matches_torch_values_and_gradients(shape, dim):
    generator = torch.Generator().manual_seed(4)
    x = (3 * torch.randn(shape, generator=generator, dtype=torch.float64)).requires_grad_()
    ours, ref = A.softmax(x, dim), torch.softmax(x, dim)
    assert_close(ours, ref, **TOL)
    assert_close(ours.sum(dim), torch.ones_like(ours.sum(dim)))
    upstream = torch.randn(shape, generator=generator, dtype=torch.float64)
    (g_ours,) = torch.autograd.grad(ours, x, upstream)
    (g_ref,) = torch.autograd.grad(ref, x, upstream)
    assert_close(g_ours, g_ref, **TOL)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_softmax_huge_logits_no_nan(dtype):
    x = torch.tensor([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0], [0.0, 1.0, 2.0]], dtype=dtype)
    ours = A.softmax(x, dim=-1)
    assert torch.isfinite(ours).all()
    assert_close(ours, torch.softmax(x, -1), **TOL)
    assert_close(ours[0], ours[2])  # shifting a row changes nothing
    naive = torch.exp(x) / torch.exp(x).sum(-1, keepdim=True)
    assert torch.isnan(naive[0]).all()  # what the max subtraction prevents


def test_softmax_edge_cases():
    assert_close(A.softmax(torch.tensor([[0.0, -float("inf"), 0.0]]), -1), torch.tensor([[0.5, 0.0, 0.5]]))
    assert A.softmax(torch.zeros(0, 4), -1).shape == (0, 4)
    assert A.softmax(torch.zeros(3, 0), -1).shape == (3, 0)
    assert A.softmax(torch.tensor(2.0), 0).item() == 1.0
    x = torch.randn(3, 4)
    before = x.clone()
    A.softmax(x, -1)
    assert torch.equal(x, before), "softmax must not modify its input"


@pytest.mark.parametrize(("shape", "dim"), SOFTMAX_CASES)
def test_softmax_jvp_matches_torch_jvp(shape, dim):
    generator = torch.Generator().manual_seed(5)
    x = 3 * torch.randn(shape, generator=generator, dtype=torch.float64)
    v = torch.randn(shape, generator=generator, dtype=torch.float64)
    _, expected = torch.autograd.functional.jvp(lambda z: torch.softmax(z, dim), x, v)
    assert_close(A.softmax_jvp(x, v, dim), expected, **TOL)
    # the Jacobian is symmetric, so the JVP is also the VJP that backward computes
    _, vjp = torch.autograd.functional.vjp(lambda z: torch.softmax(z, dim), x, v)
    assert_close(A.softmax_jvp(x, v, dim), vjp, **TOL)


def test_softmax_jacobian_matches_autograd_and_jvp():
    z = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    J = A.softmax_jacobian(z)
    assert_close(J, torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0), z), **TOL)
    assert_close(J, J.T)
    assert_close(J.sum(dim=0), torch.zeros(4, dtype=torch.float64))  # softmax(z + c) = softmax(z)
    v = torch.tensor([0.3, 1.0, -2.0, 0.7], dtype=torch.float64)
    assert_close(J @ v, A.softmax_jvp(z, v, dim=0))


@pytest.mark.parametrize(
    ("ours", "ref", "x_shape"),
    [
        (A.Sigmoid(), nn.Sigmoid(), (4, 5)),
        (A.Tanh(), nn.Tanh(), (4, 5)),
        (A.ReLU(), nn.ReLU(), (4, 5)),
        (A.LeakyReLU(0.2), nn.LeakyReLU(0.2), (4, 5)),
        (A.LeakyReLU(), nn.LeakyReLU(), (4, 5)),
        (A.GELU(), nn.GELU(), (4, 5)),
        (A.GELU("tanh"), nn.GELU("tanh"), (4, 5)),
        (A.Softmax(dim=1), nn.Softmax(dim=1), (4, 5)),
        (A.Softmax(dim=0), nn.Softmax(dim=0), (4, 5)),
    ],
    ids=lambda p: repr(p) if isinstance(p, nn.Module) else str(p),
)
def test_modules_match_torch_modules(ours, ref, x_shape):
    x = torch.randn(x_shape, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    x.requires_grad_()
    y_ours, y_ref = ours(x), ref(x)
    assert_close(y_ours, y_ref, **TOL)
    upstream = torch.ones_like(y_ref) + torch.arange(y_ref.numel(), dtype=torch.float64).reshape(x_shape)
    assert_close(torch.autograd.grad(y_ours, x, upstream)[0], torch.autograd.grad(y_ref, x, upstream)[0])
    assert repr(ours) == repr(ref)  # same names, same arguments


def test_modules_train_in_a_network():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 8), A.GELU(), nn.Linear(8, 8), A.Tanh(), nn.Linear(8, 2), A.Softmax(-1))
    net(torch.randn(5, 3)).sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: A.sigmoid(torch.tensor([1, 2])),
         r"sigmoid expects a floating-point tensor, got torch.int64"),
        (lambda: A.relu([1.0, 2.0]), r"relu expects a floating-point tensor, got list"),
        (lambda: A.gelu(torch.zeros(2), approximate="erf"), r"approximate must be one of"),
        (lambda: A.GELU(approximate="fast"), r"approximate must be one of"),
        (lambda: A.softmax(torch.zeros(2, 3), dim=2), r"softmax: dim=2 is out of range.*\(2, 3\)"),
        (lambda: A.softmax(torch.zeros(2, 3), dim=None), r"dim=None is out of range"),
        (lambda: A.softmax_jvp(torch.zeros(2, 3), torch.zeros(3), -1), r"v of the same shape as x, \(2, 3\)"),
        (lambda: A.softmax_jacobian(torch.zeros(2, 3)), r"z of shape \(K,\), got \(2, 3\)"),
    ],
)
def test_bad_input_names_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()
