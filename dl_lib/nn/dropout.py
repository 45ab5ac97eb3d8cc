r"""Dropout (Srivastava et al., 2014): during training, zero each activation with probability p.

A network trained with dropout cannot rely on any single unit being there, so units learn
features that are useful on their own, and the network behaves like an average over the
:math:`2^n` thinned networks that share its weights. Surviving activations are divided by
:math:`1 - p` during training ("inverted" dropout), so their expected value is unchanged and
evaluation needs no rescaling: in eval mode dropout is the identity.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["Dropout", "dropout"]


def _check_p(p: float) -> None:
    """Dropout probabilities must lie in [0, 1): p = 1 would drop everything and divide by 0."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
        raise ValueError(f"dropout probability p must be a number in [0, 1), got {p!r}")


def dropout(
    x: Tensor, p: float = 0.5, training: bool = True, generator: torch.Generator | None = None
) -> Tensor:
    r"""Inverted dropout: zero each element with probability ``p``, scale the rest by :math:`1/(1-p)`.

    In training, with a fresh mask :math:`m_i \sim \mathrm{Bernoulli}(1 - p)` per element,

    .. math:: y_i = \frac{m_i\, x_i}{1 - p}, \qquad \mathbb{E}[y_i] = x_i,
        \qquad \frac{\partial y_i}{\partial x_i} = \frac{m_i}{1 - p}.

    The mask is drawn as :math:`m_i = [u_i \ge p]` with
    ``u = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device)``,
    so a seeded ``generator`` gives a reproducible mask. Out of training (``training=False``)
    or with ``p = 0`` the input is returned unchanged.

    Args:
        x: any shape, floating point.
        p: the probability of dropping an element, in :math:`[0, 1)`.
        training: drop (True) or pass ``x`` through (False).
        generator: the random generator for the mask, on the device of ``x``; None uses
            PyTorch's global one.

    Returns:
        Same shape and dtype as ``x``. Same semantics as ``torch.nn.functional.dropout``,
        except that ``p = 1`` is refused (PyTorch returns zeros) and the random masks differ.
    """
    _check_p(p)
    if not isinstance(x, Tensor) or not x.is_floating_point():
        kind = x.dtype if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"dropout expects a floating-point tensor x, got {kind}")
    if not training or p == 0:
        return x
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    mask = (u >= p).to(x.dtype)  # 1 keeps the element (probability 1 - p), 0 drops it
    return x * mask / (1 - p)


class Dropout(nn.Module):
    r"""Dropout as a layer: drops in train mode (``model.train()``), identity in eval mode.

    See :func:`dropout` for the rule. ``Dropout(p)`` has no parameters and no buffers, so it
    drops into any ``nn.Sequential`` in place of ``torch.nn.Dropout(p)``.

    Args:
        p: the probability of dropping an element, in :math:`[0, 1)`.

    Shapes:
        input any shape -> output the same shape.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        _check_p(p)
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
