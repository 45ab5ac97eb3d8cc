r"""The gradient check: derivatives by central differences, to test an engine's backward pass.

A gradient computed by backpropagation can be wrong in ways that still train a little (a
missing factor, a transposed product). Comparing it, element by element, with the slope that
two evaluations of the function measure catches such errors; it is how chapter 6 and the
tests check :class:`~dl_lib.autograd.Tensor` and :class:`~dl_lib.autograd.Value`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numerical_grad"]


def numerical_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    r"""The gradient of ``f`` at ``x`` by central differences, one element at a time.

    .. math::

        \frac{\partial f}{\partial x_i}
        \approx \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}

    The error is :math:`O(\varepsilon^2)` from truncation plus about
    :math:`\epsilon_\text{machine} |f| / \varepsilon` from rounding. It costs two evaluations
    of ``f`` per element of ``x``: fine for checking a gradient, far too slow for training.

    Args:
        f: maps an array of the shape of ``x`` to a number; it may read ``x`` but must not keep it.
        x: the point, a float64 array. It is perturbed in place and restored before returning.
        eps: the step :math:`\varepsilon`.

    Returns:
        An array of the shape of ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise ValueError(f"numerical_grad expects x as a float64 NumPy array, got {type(x).__name__}")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        f_plus = float(f(x))
        x[i] = saved - eps
        f_minus = float(f(x))
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
