r"""A scalar automatic-differentiation engine: every number remembers how it was made.

Each :class:`Value` holds a number (``data``), the derivative of the final output with
respect to it (``grad``), the values it was computed from (``_prev``) and a closure
(``_backward``) that applies the chain rule for the one operation that produced it:

.. math:: \frac{\partial L}{\partial a} \mathrel{+}= \frac{\partial L}{\partial c}\,
          \frac{\partial c}{\partial a} \qquad \text{for every input } a \text{ of } c = f(a, \dots)

:meth:`Value.backward` visits the graph in reverse topological order, so a node's
``grad`` is complete before it is passed on. Gradients are *added* (``+=``), because a
value used twice (``x * x``) receives a contribution along each use. This is reverse-mode
automatic differentiation, the algorithm behind ``torch.autograd`` (Linnainmaa 1970;
Rumelhart, Hinton & Williams 1986).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

__all__ = ["Value", "topo_order"]


def topo_order(root: Any) -> list:
    r"""Every node that ``root`` depends on, each after all of its inputs (``root`` last).

    A depth-first search that appends a node once all of its inputs (``_prev``) are
    appended, and visits each node once even when several nodes use it. Written with an
    explicit stack rather than recursion, so deep graphs do not hit Python's recursion limit.

    Args:
        root: a node with a ``_prev`` tuple of input nodes (a :class:`Value` or a ``Tensor``).

    Returns:
        A list of distinct nodes in topological order: inputs first, ``root`` last.
    """
    order, visited = [], set()
    stack = [(root, False)]  # (node, are its inputs already in `order`?)
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))  # comes back after all its inputs
            stack.extend((child, False) for child in node._prev)
    return order


class Value:
    r"""A scalar that records the operations applied to it, for reverse-mode autodiff.

    Args:
        data: the number (anything ``float()`` accepts).
        label: an optional name, shown by :func:`dl_lib.autograd.graph.draw`.

    Attributes:
        data: the value computed in the forward pass, a Python float.
        grad: :math:`\partial L / \partial\, \mathrm{data}` after ``L.backward()``; starts at 0.
    """

    def __init__(self, data: float, _children: Iterable[Value] = (), _op: str = "", label: str = ""):
        if isinstance(data, Value):
            raise TypeError("Value(data) expects a number, got a Value; use it directly")
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf has no inputs to pass its gradient to
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1, d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(a b)/da = b, d(a b)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n: float) -> Value:
        if not isinstance(n, (int, float)):
            raise TypeError(f"Value ** n expects a constant int or float n, got {type(n).__name__}")
        out = Value(self.data**n, (self,), f"**{n:g}")

        def _backward():  # d(a^n)/da = n a^(n-1)
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():  # d(e^a)/da = e^a, the output itself
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log expects a positive Value, got data={self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():  # d(ln a)/da = 1/a
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():  # d(tanh a)/da = 1 - tanh(a)^2
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        e = math.exp(-abs(self.data))  # never overflows
        out = Value(1 / (1 + e) if self.data >= 0 else e / (1 + e), (self,), "sigmoid")

        def _backward():  # d(sigma(a))/da = sigma(a) (1 - sigma(a))
            self.grad += out.data * (1 - out.data) * out.grad
        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():  # d(max(a, 0))/da = 1 if a > 0 else 0 (PyTorch's choice at 0)
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    # Composed from the primitives above: their gradients come for free.
    def __neg__(self) -> Value:  # -a
        return self * -1

    def __sub__(self, other: Value | float) -> Value:  # a - b
        return self + (-other)

    def __truediv__(self, other: Value | float) -> Value:  # a / b
        return self * other**-1

    def __radd__(self, other: float) -> Value:  # 2 + a
        return self + other

    def __rmul__(self, other: float) -> Value:  # 2 * a
        return self * other

    def __rsub__(self, other: float) -> Value:  # 2 - a
        return Value(other) - self

    def __rtruediv__(self, other: float) -> Value:  # 2 / a
        return Value(other) / self

    def backward(self) -> None:
        r"""Fill ``grad`` of every value this one depends on with :math:`\partial\,\mathrm{self}/\partial v`.

        Gradients accumulate: call it once per graph, or reset ``grad`` to 0 before calling again.
        """
        order = topo_order(self)
        self.grad = 1.0  # dL/dL
        for node in reversed(order):  # outputs before inputs
            node._backward()
