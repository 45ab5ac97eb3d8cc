"""dl_lib.autograd.Value against torch.autograd in float64: every operation, forward and backward."""

import math
import sys

import pytest
import torch
from torch.testing import assert_close

from dl_lib.autograd import Value, topo_order

# (name, our function, PyTorch's function) on two inputs a, b; b > 0 where log or a power needs it.
OPERATIONS = [
    ("add", lambda a, b: a + b, lambda a, b: a + b),
    ("mul", lambda a, b: a * b, lambda a, b: a * b),
    ("sub", lambda a, b: a - b, lambda a, b: a - b),
    ("div", lambda a, b: a / b, lambda a, b: a / b),
    ("neg", lambda a, b: -a, lambda a, b: -a),
    ("pow_int", lambda a, b: a**3, lambda a, b: a**3),
    ("pow_float", lambda a, b: b**1.5, lambda a, b: b**1.5),
    ("pow_negative", lambda a, b: b**-2, lambda a, b: b**-2),
    ("exp", lambda a, b: a.exp(), lambda a, b: a.exp()),
    ("log", lambda a, b: b.log(), lambda a, b: b.log()),
    ("tanh", lambda a, b: a.tanh(), lambda a, b: a.tanh()),
    ("relu", lambda a, b: a.relu(), lambda a, b: a.relu()),
    ("sigmoid", lambda a, b: a.sigmoid(), lambda a, b: a.sigmoid()),
    ("radd", lambda a, b: 2.5 + a, lambda a, b: 2.5 + a),
    ("rmul", lambda a, b: -1.5 * a, lambda a, b: -1.5 * a),
    ("rsub", lambda a, b: 2.0 - a, lambda a, b: 2.0 - a),
    ("rdiv", lambda a, b: 3.0 / b, lambda a, b: 3.0 / b),
]


def _check(f_ours, f_torch, a_value, b_value, upstream=1.0):
    """Compare output and input gradients of f(a, b) * upstream with PyTorch's."""
    a, b = Value(a_value), Value(b_value)
    out = f_ours(a, b) * upstream
    out.backward()
    a_ref = torch.tensor(a_value, dtype=torch.float64, requires_grad=True)
    b_ref = torch.tensor(b_value, dtype=torch.float64, requires_grad=True)
    ref = f_torch(a_ref, b_ref) * upstream
    grads = torch.autograd.grad(ref, [a_ref, b_ref], allow_unused=True)
    grads = [torch.zeros((), dtype=torch.float64) if g is None else g for g in grads]
    assert_close(torch.tensor(out.data, dtype=torch.float64), ref.detach(), rtol=1e-6, atol=1e-6)
    assert_close(torch.tensor(a.grad, dtype=torch.float64), grads[0], rtol=1e-6, atol=1e-6)
    assert_close(torch.tensor(b.grad, dtype=torch.float64), grads[1], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("name", "f_ours", "f_torch"), OPERATIONS, ids=[op[0] for op in OPERATIONS])
@pytest.mark.parametrize(("a_value", "b_value"), [(-1.3, 0.7), (0.4, 2.2), (2.1, 0.05)])
def test_every_operation_matches_torch(name, f_ours, f_torch, a_value, b_value):
    _check(f_ours, f_torch, a_value, b_value, upstream=-0.8)  # upstream != 1 exercises the chain rule


def test_a_neuron_matches_torch():
    values = {"x1": 2.0, "x2": -0.5, "w1": -3.0, "w2": 1.2, "b": 1.7}
    ours = {k: Value(v, label=k) for k, v in values.items()}
    out = (ours["x1"] * ours["w1"] + ours["x2"] * ours["w2"] + ours["b"]).tanh()
    out.backward()
    ref = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    out_ref = (ref["x1"] * ref["w1"] + ref["x2"] * ref["w2"] + ref["b"]).tanh()
    out_ref.backward()
    assert out.data == pytest.approx(out_ref.item(), abs=1e-12)
    for k in values:
        assert ours[k].grad == pytest.approx(ref[k].grad.item(), abs=1e-10), k


def test_reused_nodes_accumulate_gradients():
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1 = 7
    y.backward()
    assert x.grad == pytest.approx(7.0)
    z = Value(-2.0)
    w = (z * z * z).tanh() + z.exp() * z  # z is used five times
    w.backward()
    z_ref = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)
    ((z_ref * z_ref * z_ref).tanh() + z_ref.exp() * z_ref).backward()
    assert z.grad == pytest.approx(z_ref.grad.item(), abs=1e-12)


def test_a_small_expression_by_hand():
    a, b = Value(2.0), Value(-3.0)
    c = a * b + b**2  # c = -6 + 9 = 3; dc/da = b = -3; dc/db = a + 2b = -4
    c.backward()
    assert (c.data, a.grad, b.grad) == (3.0, -3.0, -4.0)


def test_sigmoid_is_stable_for_large_inputs():
    for x, expected in [(800.0, 1.0), (-800.0, 0.0)]:
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert s.data == pytest.approx(expected) and v.grad == 0.0
    assert Value(0.0).sigmoid().data == 0.5


def test_relu_gradient_at_zero_is_zero_like_torch():
    x = Value(0.0)
    x.relu().backward()
    x_ref = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    x_ref.relu().backward()
    assert x.grad == x_ref.grad.item() == 0.0


def test_backward_accumulates_until_reset():
    x = Value(1.5)
    y = x * 2
    y.backward()
    y.backward()
    assert x.grad == 4.0  # two calls add up, as leaves do in PyTorch


def test_topo_order_puts_each_node_once_after_its_inputs():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c  # c and a are reached along two paths
    order = topo_order(e)
    assert len(order) == len({id(n) for n in order}) == 5
    assert order[-1] is e
    where = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for child in node._prev:
            assert where[id(child)] < where[id(node)]


def test_topo_order_handles_graphs_deeper_than_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(sys.getrecursionlimit() + 500):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Value(0.0).log(), ValueError, "log expects a positive Value"),
        (lambda: Value(-1.0).log(), ValueError, "log expects a positive Value"),
        (lambda: Value(2.0) ** Value(2.0), TypeError, "constant int or float"),
        (lambda: Value(Value(1.0)), TypeError, "expects a number"),
        (lambda: Value("abc"), ValueError, "could not convert"),
    ],
)
def test_bad_input_raises_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_ops_record_the_graph():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    assert c._prev == (a, b) and c._op == "*"
    assert (a + 1)._op == "+" and a.tanh()._op == "tanh" and (a**2)._op == "**2"
    assert math.isclose((a / b).data, 0.5)
