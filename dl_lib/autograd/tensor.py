r"""A vectorized automatic-differentiation engine on NumPy arrays, big enough to train an MLP.

The same idea as :class:`dl_lib.autograd.Value`, with one node per *array* instead of one
per number: a matrix product of a ``(64, 64)`` batch with a ``(64, 128)`` weight is one node,
and its backward rule is two matrix products,

.. math:: Y = X W \quad\Rightarrow\quad \bar X = \bar Y W^\top, \qquad \bar W = X^\top \bar Y,

where :math:`\bar A = \partial L / \partial A` has the shape of :math:`A`. Operations that
broadcast send their gradient back through :func:`unbroadcast`, which sums it over the axes
the forward pass stretched. All data is float64. Names follow PyTorch (``requires_grad``,
``backward``, ``sum(axis, keepdims)``). The layers built on it are in :mod:`dl_lib.autograd.layers`,
the finite-difference check of its gradients in :mod:`dl_lib.autograd.gradcheck`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dl_lib.autograd.value import topo_order

__all__ = ["Tensor", "softmax_cross_entropy", "unbroadcast"]


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    r"""Sum ``grad`` over the axes that broadcasting added or stretched, so it gets ``shape`` back.

    If ``a`` of shape ``(D,)`` was added to every row of an ``(N, D)`` array, each element of
    ``a`` was used :math:`N` times, and its gradient is the sum of the :math:`N` row gradients.

    Args:
        grad: the gradient of the broadcast result, e.g. ``(N, D)``.
        shape: the shape of the operand before broadcasting, e.g. ``(D,)``, ``(1, D)`` or ``(N, 1)``.

    Returns:
        An array of shape ``shape``.
    """
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))  # axes broadcasting added in front
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=stretched, keepdims=True)  # axes of size 1 that were repeated


def _as_tensor(x: Tensor | np.ndarray | float) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _output(data: np.ndarray, inputs: tuple[Tensor, ...], op: str) -> Tensor:
    """The result of an operation; it joins the graph only if one of its inputs needs a gradient."""
    requires_grad = any(t.requires_grad for t in inputs)
    return Tensor(data, requires_grad, inputs if requires_grad else (), op)


class Tensor:
    r"""A float64 NumPy array that records the operations applied to it.

    Args:
        data: anything ``np.asarray`` accepts; a float64 array is used without copying.
        requires_grad: whether ``backward`` should fill ``grad`` for this tensor.

    Attributes:
        data: the float64 array.
        grad: :math:`\partial L / \partial\, \mathrm{data}`, same shape, after ``L.backward()``;
            None before. Gradients accumulate until reset to None (``TensorSGD.zero_grad``).
    """

    __array_ufunc__ = None  # `ndarray * Tensor` must call Tensor.__rmul__, not loop over elements

    def __init__(self, data, requires_grad: bool = False, _children: tuple = (), _op: str = ""):
        if isinstance(data, Tensor):
            raise TypeError("Tensor(data) expects an array or a number, got a Tensor; use it directly")
        self.data = np.asarray(data, dtype=np.float64)
        self.requires_grad = requires_grad
        self.grad: np.ndarray | None = None
        self._backward: Callable[[], None] = lambda: None
        self._prev = _children
        self._op = _op

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)

    def __repr__(self) -> str:
        return f"Tensor(shape={self.shape}, op={self._op or 'leaf'!r}, requires_grad={self.requires_grad})"

    def item(self) -> float:
        return self.data.item()

    def _accumulate(self, grad: np.ndarray) -> None:
        """Add a contribution to ``grad``: a tensor used twice receives one along each use."""
        if self.requires_grad:
            self.grad = np.array(grad) if self.grad is None else self.grad + grad

    def __add__(self, other: Tensor | np.ndarray | float) -> Tensor:
        other = _as_tensor(other)
        out = _output(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1, summed over the axes where a was broadcast
            self._accumulate(unbroadcast(out.grad, self.shape))
            other._accumulate(unbroadcast(out.grad, other.shape))
        out._backward = _backward
        return out

    def __mul__(self, other: Tensor | np.ndarray | float) -> Tensor:
        other = _as_tensor(other)
        out = _output(self.data * other.data, (self, other), "*")

        def _backward():  # d(a b)/da = b, elementwise, then un-broadcast
            self._accumulate(unbroadcast(out.grad * other.data, self.shape))
            other._accumulate(unbroadcast(out.grad * self.data, other.shape))
        out._backward = _backward
        return out

    def __pow__(self, n: float) -> Tensor:
        if not isinstance(n, (int, float)):
            raise TypeError(f"Tensor ** n expects a constant int or float n, got {type(n).__name__}")
        out = _output(self.data**n, (self,), f"**{n:g}")

        def _backward():  # d(a^n)/da = n a^(n-1)
            self._accumulate(n * self.data ** (n - 1) * out.grad)
        out._backward = _backward
        return out

    def __matmul__(self, other: Tensor | np.ndarray) -> Tensor:
        other = _as_tensor(other)
        if self.ndim != 2 or other.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(f"matmul expects 2-D operands of shapes (N, K) @ (K, M), "
                             f"got {self.shape} @ {other.shape}")
        out = _output(self.data @ other.data, (self, other), "@")

        def _backward():  # (N, K) @ (K, M): dA = G B^T is (N, K), dB = A^T G is (K, M)
            if self.requires_grad:  # skip the product nobody needs, e.g. for the input batch
                self._accumulate(out.grad @ other.data.T)
            if other.requires_grad:
                other._accumulate(self.data.T @ out.grad)
        out._backward = _backward
        return out

    def relu(self) -> Tensor:
        out = _output(np.maximum(self.data, 0), (self,), "relu")

        def _backward():  # 1 where a > 0, else 0 (PyTorch's choice at 0)
            self._accumulate((self.data > 0) * out.grad)
        out._backward = _backward
        return out

    def tanh(self) -> Tensor:
        out = _output(np.tanh(self.data), (self,), "tanh")

        def _backward():  # 1 - tanh(a)^2
            self._accumulate((1 - out.data**2) * out.grad)
        out._backward = _backward
        return out

    def exp(self) -> Tensor:
        out = _output(np.exp(self.data), (self,), "exp")

        def _backward():  # e^a, the output itself
            self._accumulate(out.data * out.grad)
        out._backward = _backward
        return out

    def log(self) -> Tensor:
        out = _output(np.log(self.data), (self,), "log")

        def _backward():  # 1 / a
            self._accumulate(out.grad / self.data)
        out._backward = _backward
        return out

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        out = _output(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum")

        def _backward():  # each summed element gets the gradient of its sum: copy G back
            grad = out.grad if keepdims or axis is None else np.expand_dims(out.grad, axis)
            self._accumulate(np.broadcast_to(grad, self.shape))
        out._backward = _backward
        return out

    def reshape(self, *shape: int) -> Tensor:
        out = _output(self.data.reshape(*shape), (self,), "reshape")

        def _backward():  # the same numbers in the old shape
            self._accumulate(out.grad.reshape(self.shape))
        out._backward = _backward
        return out

    @property
    def T(self) -> Tensor:  # noqa: N802 (NumPy's and PyTorch's name)
        out = _output(self.data.T, (self,), "T")

        def _backward():  # reversing the axes twice is the identity
            self._accumulate(out.grad.T)
        out._backward = _backward
        return out

    # Composed from the primitives above.
    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        if self.data.size == 0:
            raise ValueError(f"mean of an empty tensor of shape {self.shape} is undefined")
        total = self.sum(axis, keepdims)
        count = self.data.size // total.data.size  # how many elements went into each output
        return total * (1.0 / count)

    def __neg__(self) -> Tensor:
        return self * -1.0

    def __sub__(self, other):
        return self + (-_as_tensor(other))

    def __truediv__(self, other):
        return self * _as_tensor(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return _as_tensor(other) - self

    def __rtruediv__(self, other):
        return _as_tensor(other) / self

    def backward(self, gradient: np.ndarray | None = None) -> None:
        r"""Fill ``grad`` of every tensor with ``requires_grad`` that this one depends on.

        Args:
            gradient: :math:`\partial L / \partial\, \mathrm{self}`, shape of ``self``; may be
                omitted for a one-element tensor such as a loss (it is then 1).
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not depend on any tensor with requires_grad=True")
        if gradient is None:
            if self.data.size != 1:
                raise ValueError(f"backward() without a gradient needs a one-element tensor such as a "
                                 f"loss, got shape {self.shape}; pass gradient= of that shape")
            gradient = np.ones_like(self.data)
        gradient = np.asarray(gradient, dtype=np.float64)
        if gradient.shape != self.shape:
            raise ValueError(f"backward: gradient must have shape {self.shape}, got {gradient.shape}")
        self._accumulate(gradient)
        for node in reversed(topo_order(self)):  # outputs before inputs
            node._backward()


def softmax_cross_entropy(logits: Tensor, targets: np.ndarray | Sequence[int]) -> Tensor:
    r"""Mean cross-entropy of the softmax of ``logits``, as one node with the stable gradient.

    .. math::

        L = \frac{1}{N} \sum_{n=1}^{N} \Bigl(\log \sum_{c} e^{z_{nc}} - z_{n y_n}\Bigr),
        \qquad \frac{\partial L}{\partial z_{nc}} = \frac{\mathrm{softmax}(z_n)_c - [c = y_n]}{N}

    The forward pass subtracts each row's maximum before ``exp`` (log-sum-exp), so no logit
    overflows; the backward pass never divides by a probability. Same as
    ``torch.nn.functional.cross_entropy(logits, targets)``.

    Args:
        logits: shape ``(N, C)``.
        targets: class indices in ``[0, C)``, shape ``(N,)``.

    Returns:
        A one-element tensor of shape ``()``.
    """
    targets = np.asarray(targets)
    if logits.ndim != 2 or logits.shape[0] == 0:
        raise ValueError(f"softmax_cross_entropy expects logits of shape (N, C) with N >= 1, "
                         f"got {logits.shape}")
    N, C = logits.shape
    if targets.shape != (N,) or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"softmax_cross_entropy expects integer targets of shape ({N},), "
                         f"got {targets.dtype} {targets.shape}")
    if targets.min() < 0 or targets.max() >= C:
        raise ValueError(f"softmax_cross_entropy expects targets in [0, {C}), "
                         f"got values from {targets.min()} to {targets.max()}")
    shifted = logits.data - logits.data.max(axis=1, keepdims=True)  # (N, C), largest entry 0
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    rows = np.arange(N)
    out = _output(-log_probs[rows, targets].mean(), (logits,), "cross_entropy")

    def _backward():  # (softmax - onehot) / N
        grad = np.exp(log_probs)  # (N, C), the softmax
        grad[rows, targets] -= 1
        logits._accumulate(grad * (out.grad / N))
    out._backward = _backward
    return out
