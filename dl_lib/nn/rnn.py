r"""The vanilla recurrent network, with PyTorch's parameter names, and backpropagation through time.

A recurrent layer reads a sequence one step at a time and keeps a hidden state
:math:`h_t`, its memory of everything read so far (Elman, 1990):

.. math::
    h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}), \qquad \phi = \tanh \text{ or ReLU}.

- :func:`rnn_cell` is one step as a stateless function; `RNNCell` holds its weights;
  `RNN` runs a stack of layers over whole sequences. Parameters have ``torch.nn``'s
  names and shapes (``weight_ih_l0`` ``(H, I)``, ``weight_hh_l0`` ``(H, H)``,
  ``bias_ih_l0``, ``bias_hh_l0`` ``(H,)``), so one ``state_dict`` loads into both.
  Where they differ from ``torch.nn.RNN``: no ``bidirectional``, no ``dropout``, no
  packed sequences.
- :func:`bptt` is backpropagation through time written out for one layer, the
  recursion that autograd runs for us; it also returns :math:`\partial L / \partial h_t`
  for every :math:`t`, which is how the book measures vanishing and exploding gradients.
- `RecurrentLM` puts an embedding below and a linear read-out above any recurrent
  layer with ``batch_first=True``, for next-token prediction.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["RNN", "RNNCell", "RecurrentLM", "bptt", "rnn_cell"]

NONLINEARITIES = {"tanh": torch.tanh, "relu": torch.relu}


def _check_nonlinearity(caller: str, nonlinearity: str) -> None:
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(
            f"{caller}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
        )


def rnn_cell(
    x: Tensor,
    h: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    r"""One step of a vanilla RNN.

    .. math:: h_t = \phi(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})

    Args:
        x: the input at this step, ``(B, I)``.
        h: the previous hidden state, ``(B, H)``.
        weight_ih: ``(H, I)``; weight_hh: ``(H, H)``.
        bias_ih, bias_hh: ``(H,)`` or None.
        nonlinearity: ``"tanh"`` (the default, as in PyTorch) or ``"relu"``.

    Returns:
        The new hidden state, ``(B, H)``. Same as ``torch.nn.RNNCell``.
    """
    _check_nonlinearity("rnn_cell", nonlinearity)
    H = weight_hh.shape[0]
    if weight_hh.dim() != 2 or weight_hh.shape[1] != H:
        raise ValueError(
            f"rnn_cell expects weight_hh of shape (H, H), got {tuple(weight_hh.shape)}"
        )
    if weight_ih.dim() != 2 or weight_ih.shape[0] != H:
        raise ValueError(
            f"rnn_cell expects weight_ih of shape ({H}, I), "
            f"got {tuple(weight_ih.shape)}"
        )
    if x.dim() != 2 or x.shape[1] != weight_ih.shape[1]:
        raise ValueError(
            f"rnn_cell expects x of shape (B, {weight_ih.shape[1]}), "
            f"got {tuple(x.shape)}"
        )
    if h.shape != (x.shape[0], H):
        raise ValueError(
            f"rnn_cell expects h of shape ({x.shape[0]}, {H}), got {tuple(h.shape)}"
        )
    pre = F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)  # (B, H)
    return NONLINEARITIES[nonlinearity](pre)


def _check_size(caller: str, name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{caller}: {name} must be an int >= 1, got {value!r}")


def _reset_uniform(module: nn.Module, hidden_size: int) -> None:
    """PyTorch's default for recurrent layers: every parameter from U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(hidden_size)
    for p in module.parameters():
        nn.init.uniform_(p, -bound, bound)


class RNNCell(nn.Module):
    r"""One recurrent step with its weights; see :func:`rnn_cell`.

    Args:
        input_size: :math:`I`; hidden_size: :math:`H`; bias: use ``bias_ih`` and ``bias_hh``;
        nonlinearity: ``"tanh"`` or ``"relu"``.

    Shapes:
        ``forward(x, h=None)``: x ``(B, I)`` or ``(I,)``, h ``(B, H)`` or ``(H,)`` (zeros when
        None) -> h ``(B, H)`` or ``(H,)``. Parameters as in ``torch.nn.RNNCell``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        for name, value in [("input_size", input_size), ("hidden_size", hidden_size)]:
            _check_size("RNNCell", name, value)
        _check_nonlinearity("RNNCell", nonlinearity)
        self.input_size, self.hidden_size, self.bias, self.nonlinearity = (
            input_size,
            hidden_size,
            bias,
            nonlinearity,
        )
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size)) if bias else None
        self.bias_hh = nn.Parameter(torch.empty(hidden_size)) if bias else None
        _reset_uniform(self, hidden_size)

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        unbatched = x.dim() == 1
        if unbatched:  # (I,) -> (1, I), and back at the end
            x, h = x[None], (None if h is None else h[None])
        if h is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
        h = rnn_cell(
            x,
            h,
            self.weight_ih,
            self.weight_hh,
            self.bias_ih,
            self.bias_hh,
            self.nonlinearity,
        )
        return h[0] if unbatched else h

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, bias={self.bias}, nonlinearity={self.nonlinearity!r}"


class RNN(nn.Module):
    r"""A stack of vanilla recurrent layers run over whole sequences (:func:`rnn_cell` at every step).

    Layer :math:`k` reads the hidden states of layer :math:`k - 1` (layer 0 reads the input),
    each from its own initial state.

    Args:
        input_size: :math:`I`; hidden_size: :math:`H`; num_layers: layers stacked;
        nonlinearity: ``"tanh"`` or ``"relu"``; bias: use biases; batch_first: input and output
        as ``(B, T, *)`` instead of ``(T, B, *)``.

    Shapes:
        ``forward(input, h_0=None)``: input ``(T, B, I)`` (``(B, T, I)`` if batch_first, or
        ``(T, I)`` unbatched), ``h_0`` ``(num_layers, B, H)`` (``(num_layers, H)`` unbatched; zeros
        when None) -> ``(output, h_n)``: output ``(T, B, H)``, the top layer's :math:`h_t` at
        every step; ``h_n`` ``(num_layers, B, H)``, every layer's last state. Same as
        ``torch.nn.RNN``, whose parameters ``weight_ih_l{k}`` ``(H, I or H)``, ``weight_hh_l{k}``
        ``(H, H)``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` ``(H,)`` it has.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
    ) -> None:
        super().__init__()
        for name, value in [
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("num_layers", num_layers),
        ]:
            _check_size("RNN", name, value)
        _check_nonlinearity("RNN", nonlinearity)
        self.input_size, self.hidden_size, self.num_layers = (
            input_size,
            hidden_size,
            num_layers,
        )
        self.nonlinearity, self.bias, self.batch_first = nonlinearity, bias, batch_first
        for k in range(num_layers):
            below = (
                input_size if k == 0 else hidden_size
            )  # layer k reads the input or layer k - 1
            setattr(
                self, f"weight_ih_l{k}", nn.Parameter(torch.empty(hidden_size, below))
            )
            setattr(
                self,
                f"weight_hh_l{k}",
                nn.Parameter(torch.empty(hidden_size, hidden_size)),
            )
            if bias:
                setattr(self, f"bias_ih_l{k}", nn.Parameter(torch.empty(hidden_size)))
                setattr(self, f"bias_hh_l{k}", nn.Parameter(torch.empty(hidden_size)))
        _reset_uniform(self, hidden_size)

    def layer(self, k: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of layer ``k``."""
        return tuple(
            getattr(self, f"{name}_l{k}", None)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )

    def forward(
        self, input: Tensor, h_0: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        unbatched = input.dim() == 2
        X = (
            input[:, None]
            if unbatched
            else (input.transpose(0, 1) if self.batch_first else input)
        )
        if (
            X.dim() != 3
            or X.shape[2] != self.input_size
            or X.shape[0] == 0
            or X.shape[1] == 0
        ):
            layout = "(B, T, I)" if self.batch_first else "(T, B, I)"
            raise ValueError(
                f"RNN expects input of shape {layout} or (T, I) with I={self.input_size} "
                f"and T, B >= 1, got {tuple(input.shape)}"
            )
        T, B, _ = X.shape
        if h_0 is None:
            h_0 = X.new_zeros(self.num_layers, B, self.hidden_size)
        given = tuple(h_0.shape)
        if unbatched and h_0.dim() == 2:
            h_0 = h_0[:, None]  # (L, H) -> (L, 1, H)
        if h_0.shape != (self.num_layers, B, self.hidden_size):
            expected = (
                (self.num_layers, self.hidden_size)
                if unbatched
                else (self.num_layers, B, self.hidden_size)
            )
            raise ValueError(
                f"RNN expects h_0 of shape (num_layers, {'' if unbatched else 'B, '}H)"
                f" = {expected}, got {given}"
            )
        finals = []
        for k in range(self.num_layers):
            h, states = h_0[k], []
            for t in range(T):
                h = rnn_cell(
                    X[t], h, *self.layer(k), nonlinearity=self.nonlinearity
                )  # (B, H)
                states.append(h)
            X = torch.stack(
                states
            )  # (T, B, H): this layer's states, the next layer's input
            finals.append(h)
        h_n = torch.stack(finals)  # (num_layers, B, H)
        if unbatched:
            return X[:, 0], h_n[:, 0]
        return (X.transpose(0, 1) if self.batch_first else X), h_n

    def extra_repr(self) -> str:
        extras = [f"num_layers={self.num_layers}"] * (self.num_layers > 1)
        extras += [f"nonlinearity={self.nonlinearity!r}"] * (
            self.nonlinearity != "tanh"
        )
        extras += ["bias=False"] * (not self.bias) + [
            "batch_first=True"
        ] * self.batch_first
        return ", ".join([f"{self.input_size}, {self.hidden_size}", *extras])


def bptt(
    X: Tensor,
    H: Tensor,
    h_0: Tensor,
    grad_H: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    nonlinearity: str = "tanh",
) -> dict[str, Tensor]:
    r"""Backpropagation through time for one recurrent layer, written out.

    Forward: :math:`h_t = \phi(a_t)`, :math:`a_t = W_{ih} x_t + W_{hh} h_{t-1} + b`.
    Given :math:`g_t = \partial L / \partial h_t`, what the loss sends to each state
    directly, walk back from :math:`t = T`, adding what flows back from the future:

    .. math::
        \frac{\partial L}{\partial h_t} = g_t + \delta_{t+1} W_{hh}, \qquad
        \delta_t = \frac{\partial L}{\partial h_t} \odot \phi'(a_t),

    and every step adds its share to the weights:
    :math:`\partial L/\partial W_{hh} \mathrel{+}= \delta_t^\top h_{t-1}`,
    :math:`\partial L/\partial W_{ih} \mathrel{+}= \delta_t^\top x_t`,
    :math:`\partial L/\partial b \mathrel{+}= \sum_B \delta_t`.

    Args:
        X: the inputs ``(T, B, I)``.
        H: the states the forward pass computed ``(T, B, H)``.
        h_0: the initial state ``(B, H)``.
        grad_H: :math:`g_t` for every step ``(T, B, H)`` (zeros where the loss
            does not read the state).
        weight_ih: ``(H, I)``; weight_hh: ``(H, H)``.
        nonlinearity: ``"tanh"`` (:math:`\phi' = 1 - h^2`) or ``"relu"``
            (:math:`\phi' = [h > 0]`).

    Returns:
        The gradients ``{"weight_ih", "weight_hh", "bias", "X", "h_0"}``
        (``"bias"`` is that of ``bias_ih`` and of ``bias_hh`` alike), and
        ``"states"`` ``(T + 1, B, H)``: the total :math:`\partial L / \partial h_t`
        for :math:`t = 0, \dots, T`.
    """
    _check_nonlinearity("bptt", nonlinearity)
    if (
        X.dim() != 3
        or H.dim() != 3
        or H.shape[:2] != X.shape[:2]
        or grad_H.shape != H.shape
    ):
        raise ValueError(
            "bptt expects X (T, B, I), H and grad_H (T, B, H) with the same T and B, "
            "got "
            f"{tuple(X.shape)}, {tuple(H.shape)}, {tuple(grad_H.shape)}"
        )
    if h_0.shape != H.shape[1:]:
        raise ValueError(
            f"bptt expects h_0 of shape {tuple(H.shape[1:])}, got {tuple(h_0.shape)}"
        )
    T = X.shape[0]
    prev = torch.cat([h_0[None], H[:-1]])  # (T, B, H): h_{t-1} for every t
    d_act = (
        1 - H**2 if nonlinearity == "tanh" else (H > 0).to(H.dtype)
    )  # phi'(a_t) from h_t
    grads = {
        "weight_ih": torch.zeros_like(weight_ih),
        "weight_hh": torch.zeros_like(weight_hh),
        "bias": H.new_zeros(H.shape[2]),
        "X": torch.zeros_like(X),
    }
    states = [None] * (T + 1)
    from_future = torch.zeros_like(h_0)  # dL/dh_T through later steps: none
    for t in reversed(range(T)):
        states[t + 1] = grad_H[t] + from_future  # everything L receives through h_t
        delta = states[t + 1] * d_act[t]  # (B, H): dL/da_t
        grads["weight_hh"] += delta.T @ prev[t]
        grads["weight_ih"] += delta.T @ X[t]
        grads["bias"] += delta.sum(0)
        grads["X"][t] = delta @ weight_ih
        from_future = delta @ weight_hh  # (B, H): dL/dh_{t-1} through h_t
    states[0] = from_future
    grads["h_0"] = from_future
    grads["states"] = torch.stack(states)
    return grads


class RecurrentLM(nn.Module):
    r"""Next-token prediction around a recurrent layer: embed, recur, read out.

    Args:
        vocab_size: :math:`V`.
        rnn: any recurrent module with ``batch_first=True`` whose ``forward(x, state)``
            returns ``(output, state)``: this module's `RNN`, ``torch.nn.RNN``, ``GRU`` or ``LSTM``.
            The embedding has ``rnn.input_size`` dimensions.

    Shapes:
        ``forward(idx, state=None)``: idx ``(B, T)`` token ids -> ``(logits, state)``:
        logits ``(B, T, V)``, the scores of the token after each position, and the final
        state, to pass back in for the next chunk (truncated BPTT) or the next sampled token
        (``dl_lib.sampling.generate`` feeds it one token at a time).
    """

    def __init__(self, vocab_size: int, rnn: nn.Module) -> None:
        super().__init__()
        _check_size("RecurrentLM", "vocab_size", vocab_size)
        if not getattr(rnn, "batch_first", False):
            raise ValueError(
                "RecurrentLM needs a recurrent layer built with batch_first=True"
            )
        self.embed = nn.Embedding(vocab_size, rnn.input_size)
        self.rnn = rnn
        self.head = nn.Linear(rnn.hidden_size, vocab_size)

    def forward(
        self, idx: Tensor, state: Tensor | tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor | tuple[Tensor, Tensor]]:
        if idx.dim() != 2:
            raise ValueError(
                f"RecurrentLM expects token ids of shape (B, T), got {tuple(idx.shape)}"
            )
        output, state = self.rnn(self.embed(idx), state)  # (B, T, H)
        return self.head(output), state  # (B, T, V)
