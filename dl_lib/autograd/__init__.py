"""Automatic differentiation from scratch: a scalar engine, a NumPy engine, and a graph drawing."""

from dl_lib.autograd.graph import draw, layout
from dl_lib.autograd.tensor import (
    MLP,
    SGD,
    Linear,
    Tensor,
    numerical_grad,
    softmax_cross_entropy,
    unbroadcast,
)
from dl_lib.autograd.value import Value, topo_order

__all__ = [
    "MLP",
    "SGD",
    "Linear",
    "Tensor",
    "Value",
    "draw",
    "layout",
    "numerical_grad",
    "softmax_cross_entropy",
    "topo_order",
    "unbroadcast",
]
