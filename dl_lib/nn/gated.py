r"""Gated recurrent layers: the LSTM and the GRU, with PyTorch's parameter layout and gate order.

A vanilla recurrent layer rewrites its whole state at every step, :math:`h_t = \tanh(W x_t + U
h_{t-1} + b)`, so the gradient that flows back through :math:`T` steps is a product of
:math:`T` Jacobians and shrinks (or grows) geometrically. Gated layers keep a state that is
*updated additively* and let learned gates, numbers between 0 and 1, decide how much of the old
state to keep and how much new content to write. Where a gate stays near 1 the gradient passes
through almost unchanged, over hundreds of steps.

- The LSTM (Hochreiter & Schmidhuber, 1997; forget gate by Gers, Schmidhuber & Cummins, 2000)
  keeps a *cell state* :math:`c_t` beside the hidden state :math:`h_t`.
- The GRU (Cho et al., 2014) merges the two into one state and uses two gates.

``lstm_cell`` and ``gru_cell`` are one step as stateless functions; `LSTMCell`, `GRUCell` hold
the weights of one step; `LSTM` and `GRU` run a stack of layers over a whole sequence. The
parameters have ``torch.nn``'s names and shapes (``weight_ih_l0`` of shape ``(4H, I)`` with the
gates stacked in the order ``i, f, g, o`` for the LSTM and ``r, z, n`` for the GRU), so
``torch.nn.LSTM(...).load_state_dict(ours.state_dict())`` gives PyTorch the same layer.
Where they differ from PyTorch: batched input only, no ``bidirectional`` and no ``proj_size``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["GRU", "LSTM", "GRUCell", "LSTMCell", "gru_cell", "gru_gates", "init_forget_bias", "lstm_cell", "lstm_gates"]

GATES = {"lstm": 4, "gru": 3}  # how many blocks of hidden_size rows the weights stack


def _check_step(caller: str, x: Tensor, h: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                bias_ih: Tensor | None, bias_hh: Tensor | None, gates: int) -> None:
    """Shapes of one step: x (B, I), h (B, H), weight_ih (gates*H, I), weight_hh (gates*H, H)."""
    if weight_hh.dim() != 2 or weight_hh.shape[0] != gates * weight_hh.shape[1]:
        raise ValueError(f"{caller} expects weight_hh of shape ({gates}*H, H), got {tuple(weight_hh.shape)}")
    H = weight_hh.shape[1]
    if weight_ih.dim() != 2 or weight_ih.shape[0] != gates * H:
        raise ValueError(f"{caller} expects weight_ih of shape ({gates * H}, input_size) for H={H}, "
                         f"got {tuple(weight_ih.shape)}")
    if x.dim() != 2 or x.shape[1] != weight_ih.shape[1]:
        raise ValueError(f"{caller} expects input of shape (B, {weight_ih.shape[1]}), got {tuple(x.shape)}")
    if h.shape != (x.shape[0], H):
        raise ValueError(f"{caller} expects a state of shape ({x.shape[0]}, {H}), got {tuple(h.shape)}")
    for name, bias in [("bias_ih", bias_ih), ("bias_hh", bias_hh)]:
        if bias is not None and bias.shape != (gates * H,):
            raise ValueError(f"{caller} expects {name} of shape ({gates * H},), got {tuple(bias.shape)}")


def lstm_gates(x: Tensor, h: Tensor, weight_ih: Tensor, weight_hh: Tensor,
               bias_ih: Tensor | None = None, bias_hh: Tensor | None = None
               ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    r"""The LSTM's gates and candidate at one step, ``(i, f, g, o)``, each ``(B, H)``.

    The four blocks of rows of the weights give, in PyTorch's order, the input gate
    :math:`i`, the forget gate :math:`f`, the candidate :math:`g` (a tanh, in
    :math:`(-1, 1)`) and the output gate :math:`o` (sigmoids, in :math:`(0, 1)`).
    """
    _check_step("lstm_gates", x, h, weight_ih, weight_hh, bias_ih, bias_hh, gates=4)
    gates = F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=1)  # each (B, H), PyTorch's order
    return torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)


def lstm_cell(x: Tensor, state: tuple[Tensor, Tensor], weight_ih: Tensor,
              weight_hh: Tensor, bias_ih: Tensor | None = None,
              bias_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    r"""One LSTM step: the new hidden and cell states from the input and the old ones.

    .. math::
        \begin{aligned}
        i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) &&\text{input}\\
        f_t &= \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) &&\text{forget}\\
        g_t &= \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) &&\text{candidate}\\
        o_t &= \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) &&\text{output}\\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)
        \end{aligned}

    Args:
        x: the input at this step, shape ``(B, I)``.
        state: ``(h, c)``, each of shape ``(B, H)``.
        weight_ih: shape ``(4H, I)``: :math:`W_{ii}, W_{if}, W_{ig}, W_{io}` stacked.
        weight_hh: shape ``(4H, H)``, same gate order; biases ``(4H,)`` or None.

    Returns:
        ``(h_t, c_t)``, each of shape ``(B, H)``. Same as ``torch.nn.LSTMCell``.
    """
    h, c = state
    _check_step("lstm_cell", x, h, weight_ih, weight_hh, bias_ih, bias_hh, gates=4)
    if c.shape != h.shape:
        raise ValueError(f"lstm_cell expects h and c of the same shape, "
                         f"got {tuple(h.shape)} and {tuple(c.shape)}")
    i, f, g, o = lstm_gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)  # each (B, H)
    c = f * c + i * g  # keep part of the old memory, write part of the candidate
    h = o * torch.tanh(c)  # show part of the memory
    return h, c


def gru_gates(x: Tensor, h: Tensor, weight_ih: Tensor, weight_hh: Tensor,
              bias_ih: Tensor | None = None, bias_hh: Tensor | None = None
              ) -> tuple[Tensor, Tensor, Tensor]:
    r"""The GRU's reset gate, update gate and candidate at one step, ``(r, z, n)``."""
    _check_step("gru_gates", x, h, weight_ih, weight_hh, bias_ih, bias_hh, gates=3)
    x_r, x_z, x_n = F.linear(x, weight_ih, bias_ih).chunk(3, dim=1)  # each (B, H)
    h_r, h_z, h_n = F.linear(h, weight_hh, bias_hh).chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)  # the reset gate scales the recurrent part only
    return r, z, n


def gru_cell(x: Tensor, h: Tensor, weight_ih: Tensor, weight_hh: Tensor,
             bias_ih: Tensor | None = None, bias_hh: Tensor | None = None) -> Tensor:
    r"""One step of a GRU: the new hidden state from the input and the previous one.

    .. math::
        \begin{aligned}
        r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) &&\text{reset}\\
        z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) &&\text{update}\\
        n_t &= \tanh\big(W_{in} x_t + b_{in}
               + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) &&\text{candidate}\\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
        \end{aligned}

    PyTorch (like cuDNN) applies the reset gate *after* the recurrent product,
    bias :math:`b_{hn}` included; Cho et al. (2014) reset the state before it,
    :math:`W_{hn}(r_t \odot h_{t-1})`. Both work; we follow PyTorch, so that
    weights carry over.

    Args:
        x: shape ``(B, I)``; h: shape ``(B, H)``.
        weight_ih: ``(3H, I)``, gates in the order ``r, z, n``; weight_hh: ``(3H, H)``.
        bias_ih, bias_hh: shape ``(3H,)`` or None.

    Returns:
        :math:`h_t`, shape ``(B, H)``. Same as ``torch.nn.GRUCell``.
    """
    _check_step("gru_cell", x, h, weight_ih, weight_hh, bias_ih, bias_hh, gates=3)
    r, z, n = gru_gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)  # each (B, H)
    return (1 - z) * n + z * h  # z near 1: keep the old state


def _init_uniform(module: nn.Module, hidden_size: int) -> None:
    """PyTorch's default for recurrent layers: every parameter from U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(hidden_size)
    for p in module.parameters():
        nn.init.uniform_(p, -bound, bound)


def _check_sizes(caller: str, input_size: int, hidden_size: int, num_layers: int = 1) -> None:
    for name, value in [("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)]:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{caller}: {name} must be an int >= 1, got {value!r}")


class _Cell(nn.Module):
    """The weights of one recurrent step, named and shaped as in ``torch.nn.LSTMCell``/``GRUCell``."""

    kind = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        _check_sizes(type(self).__name__, input_size, hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = GATES[self.kind] * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows)) if bias else None
        self.bias_hh = nn.Parameter(torch.empty(rows)) if bias else None
        _init_uniform(self, hidden_size)

    def _zeros(self, x: Tensor) -> Tensor:
        if x.dim() != 2:
            raise ValueError(f"{type(self).__name__} expects input of shape (B, {self.input_size}), "
                             f"got {tuple(x.shape)}")
        return x.new_zeros(x.shape[0], self.hidden_size)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class LSTMCell(_Cell):
    r"""One LSTM step with its weights; see `lstm_cell` for the equations.

    Args:
        input_size: :math:`I`; hidden_size: :math:`H`; bias: whether to add ``bias_ih``, ``bias_hh``.

    Shapes:
        ``forward(x, state=None)``: x ``(B, I)``, state ``(h, c)`` each ``(B, H)`` (zeros when
        None) -> ``(h, c)``. Parameters as in ``torch.nn.LSTMCell``.
    """

    kind = "lstm"

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if state is None:
            state = (self._zeros(x), self._zeros(x))
        return lstm_cell(x, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class GRUCell(_Cell):
    r"""One GRU step with its weights; see `gru_cell` for the equations.

    Shapes:
        ``forward(x, h=None)``: x ``(B, I)``, h ``(B, H)`` (zeros when None) -> h ``(B, H)``.
        Parameters as in ``torch.nn.GRUCell``.
    """

    kind = "gru"

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        if h is None:
            h = self._zeros(x)
        return gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class _Stacked(nn.Module):
    """A stack of recurrent layers run over a whole sequence; the LSTM and the GRU share it."""

    kind = ""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size, hidden_size, num_layers)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1), got {dropout!r}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        rows = GATES[self.kind] * hidden_size
        for k in range(num_layers):  # layer k reads the input (k = 0) or the layer below
            setattr(self, f"weight_ih_l{k}", nn.Parameter(torch.empty(rows, input_size if k == 0 else hidden_size)))
            setattr(self, f"weight_hh_l{k}", nn.Parameter(torch.empty(rows, hidden_size)))
            if bias:
                setattr(self, f"bias_ih_l{k}", nn.Parameter(torch.empty(rows)))
                setattr(self, f"bias_hh_l{k}", nn.Parameter(torch.empty(rows)))
        _init_uniform(self, hidden_size)

    def layer_weights(self, k: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of layer ``k``."""
        return tuple(getattr(self, f"{name}_l{k}", None) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def _check_input(self, input: Tensor) -> Tensor:
        """The input as ``(T, B, I)``."""
        name, layout = type(self).__name__, "(B, T, I)" if self.batch_first else "(T, B, I)"
        if input.dim() != 3 or input.shape[2] != self.input_size:
            raise ValueError(f"{name} expects input of shape {layout} with I={self.input_size}, "
                             f"got {tuple(input.shape)}")
        if input.shape[0] == 0 or input.shape[1] == 0:
            raise ValueError(f"{name} expects a non-empty sequence and batch, got {tuple(input.shape)}")
        return input.transpose(0, 1) if self.batch_first else input

    def _check_state(self, state: Tensor, B: int, what: str) -> None:
        expected = (self.num_layers, B, self.hidden_size)
        if state.shape != expected:
            raise ValueError(f"{type(self).__name__} expects {what} of shape (num_layers, B, H) = {expected}, "
                             f"got {tuple(state.shape)}")

    def run(self, X: Tensor, states: list[tuple[Tensor, ...]]) -> tuple[Tensor, list[tuple[Tensor, ...]]]:
        """Every layer over the whole sequence X ``(T, B, I)``, from ``states[k]`` for layer ``k``.

        Returns the top layer's hidden states ``(T, B, H)`` and each layer's final state.
        """
        finals = []
        for k in range(self.num_layers):
            state, outputs = states[k], []
            for x_t in X:  # x_t: (B, I) for layer 0, (B, H) above
                state = self.step(x_t, state, *self.layer_weights(k))
                outputs.append(state[0])
            X = torch.stack(outputs)  # (T, B, H): the input of the next layer
            if self.dropout and self.training and k < self.num_layers - 1:
                X = F.dropout(X, self.dropout)  # between layers, as in torch.nn
            finals.append(state)
        return X, finals

    def extra_repr(self) -> str:
        extras = [f"num_layers={self.num_layers}"] if self.num_layers > 1 else []
        extras += ["bias=False"] * (not self.bias) + ["batch_first=True"] * self.batch_first
        extras += [f"dropout={self.dropout}"] if self.dropout else []
        return ", ".join([f"{self.input_size}, {self.hidden_size}", *extras])


class LSTM(_Stacked):
    r"""A stack of LSTM layers over a whole sequence (`lstm_cell` at every step of every layer).

    Args:
        input_size: :math:`I`; hidden_size: :math:`H`; num_layers: layers stacked, each reading
        the hidden states of the one below; bias: whether to use biases; batch_first: input and
        output as ``(B, T, *)`` instead of ``(T, B, *)``; dropout: applied to the outputs of every
        layer but the last, in training mode.

    Shapes:
        ``forward(input, state=None)``: input ``(T, B, I)`` (or ``(B, T, I)``), state
        ``(h_0, c_0)`` each ``(num_layers, B, H)`` (zeros when None) ->
        ``output, (h_n, c_n)``: output ``(T, B, H)`` holds the top layer's :math:`h_t` for every
        :math:`t`; ``h_n``, ``c_n`` ``(num_layers, B, H)`` hold every layer's last states.
        Parameters ``weight_ih_l{k}`` ``(4H, I or H)``, ``weight_hh_l{k}`` ``(4H, H)``,
        ``bias_ih_l{k}``, ``bias_hh_l{k}`` ``(4H,)``, as in ``torch.nn.LSTM``.
    """

    kind = "lstm"

    @staticmethod
    def step(x: Tensor, state: tuple[Tensor, Tensor], *weights: Tensor | None) -> tuple[Tensor, Tensor]:
        return lstm_cell(x, state, *weights)

    def forward(self, input: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        X = self._check_input(input)  # (T, B, I)
        B = X.shape[1]
        if state is None:
            zeros = X.new_zeros(self.num_layers, B, self.hidden_size)
            state = (zeros, zeros)
        h_0, c_0 = state
        self._check_state(h_0, B, "h_0")
        self._check_state(c_0, B, "c_0")
        output, finals = self.run(X, [(h_0[k], c_0[k]) for k in range(self.num_layers)])
        h_n = torch.stack([h for h, _ in finals])  # (num_layers, B, H)
        c_n = torch.stack([c for _, c in finals])
        return (output.transpose(0, 1) if self.batch_first else output), (h_n, c_n)


class GRU(_Stacked):
    r"""A stack of GRU layers over a whole sequence (`gru_cell` at every step of every layer).

    Arguments as for `LSTM`.

    Shapes:
        ``forward(input, h_0=None)``: input ``(T, B, I)`` (or ``(B, T, I)``), ``h_0``
        ``(num_layers, B, H)`` (zeros when None) -> ``output, h_n``: output ``(T, B, H)``,
        ``h_n`` ``(num_layers, B, H)``. Parameters with ``3H`` rows (``r, z, n``), as in
        ``torch.nn.GRU``.
    """

    kind = "gru"

    @staticmethod
    def step(x: Tensor, state: tuple[Tensor], *weights: Tensor | None) -> tuple[Tensor]:
        return (gru_cell(x, state[0], *weights),)  # a one-element tuple, like the LSTM's (h, c)

    def forward(self, input: Tensor, h_0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        X = self._check_input(input)  # (T, B, I)
        B = X.shape[1]
        if h_0 is None:
            h_0 = X.new_zeros(self.num_layers, B, self.hidden_size)
        self._check_state(h_0, B, "h_0")
        output, finals = self.run(X, [(h_0[k],) for k in range(self.num_layers)])
        h_n = torch.stack([h for (h,) in finals])  # (num_layers, B, H)
        return (output.transpose(0, 1) if self.batch_first else output), h_n


def init_forget_bias(lstm: nn.Module, value: float = 1.0) -> nn.Module:
    r"""Set the forget gate's bias of every LSTM layer in ``lstm`` to ``value``.

    At initialization the forget gate is :math:`f = \sigma(\text{small} + b_f)`. With
    PyTorch's default, :math:`b_f \approx 0`, so :math:`f \approx 0.5` and the cell state
    halves at every step: after 20 steps :math:`0.5^{20} \approx 10^{-6}` of the first
    input is left, and the gradient that would teach the network to keep it is just as
    small. A positive bias starts the gates open (:math:`\sigma(1) = 0.73`,
    :math:`\sigma(3) = 0.95`), so memory and gradients survive long enough for learning
    to begin (Gers et al., 2000; Jozefowicz et al., 2015). The two biases add up, so
    ``bias_ih``'s forget block is set to ``value`` and ``bias_hh``'s to 0; the other
    gates' biases stay as they are.

    Works on ``torch.nn.LSTM``, ``torch.nn.LSTMCell``, this module's `LSTM` and
    `LSTMCell` (forget gate: rows ``H`` to ``2H``), and any module containing them.

    Returns:
        ``lstm``, changed in place. Raises ``ValueError`` when it holds no LSTM bias.
    """
    found = 0
    with torch.no_grad():
        for module in lstm.modules():
            if not isinstance(module, (nn.LSTM, nn.LSTMCell, LSTM, LSTMCell)):
                continue
            for name, p in module.named_parameters(recurse=False):
                if name.startswith(("bias_ih", "bias_hh")):
                    H = p.shape[0] // 4
                    p[H : 2 * H] = value if name.startswith("bias_ih") else 0.0
                    found += 1
    if not found:
        name = type(lstm).__name__
        raise ValueError(f"init_forget_bias: {name} holds no LSTM layer with biases")
    return lstm
