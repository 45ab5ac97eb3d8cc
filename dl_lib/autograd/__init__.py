"""Automatic differentiation from scratch: a scalar engine, a NumPy engine, its layers, a gradient check, a drawing.

- :mod:`~dl_lib.autograd.value`: :class:`Value`, one number per node, and :func:`topo_order`;
- :mod:`~dl_lib.autograd.tensor`: :class:`Tensor`, one NumPy array per node, with
  :func:`unbroadcast` and :func:`softmax_cross_entropy`;
- :mod:`~dl_lib.autograd.layers`: :class:`TensorLinear`, :class:`TensorMLP` and :class:`TensorSGD`,
  enough to train an MLP on :class:`Tensor` (``dl_lib.nn`` and ``dl_lib.optim`` are the PyTorch ones);
- :mod:`~dl_lib.autograd.gradcheck`: :func:`numerical_grad`, derivatives by central differences;
- :mod:`~dl_lib.autograd.graph`: :func:`draw` and :func:`layout` of a computational graph.
"""

from dl_lib.autograd.gradcheck import numerical_grad
from dl_lib.autograd.graph import draw, layout
from dl_lib.autograd.layers import TensorLinear, TensorMLP, TensorSGD
from dl_lib.autograd.tensor import Tensor, softmax_cross_entropy, unbroadcast
from dl_lib.autograd.value import Value, topo_order

__all__ = [
    "Tensor",
    "TensorLinear",
    "TensorMLP",
    "TensorSGD",
    "Value",
    "draw",
    "layout",
    "numerical_grad",
    "softmax_cross_entropy",
    "topo_order",
    "unbroadcast",
]
