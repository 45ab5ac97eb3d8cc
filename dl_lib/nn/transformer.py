r"""The transformer's parts (Vaswani et al., 2017): layer normalization, positional encodings, layers.

A transformer layer alternates two sublayers, each wrapped in a residual connection and a layer
normalization: multi-head attention, which mixes information *across positions*, and a
position-wise feed-forward network, which transforms each position on its own. Attention does
not know the order of its inputs (permuting the keys permutes nothing in the output), so the
position of each token is added to its embedding by a positional encoding.

The layers follow ``torch.nn.TransformerEncoderLayer`` and ``torch.nn.TransformerDecoderLayer``
argument for argument and parameter name for parameter name, so a state dict moves between them
in both directions. ``norm_first=False`` is the paper's *post-norm* layer,
:math:`x \leftarrow \operatorname{LN}(x + f(x))`; ``norm_first=True`` the *pre-norm* layer,
:math:`x \leftarrow x + f(\operatorname{LN}(x))` (Xiong et al., 2020), which GPT-2 uses and
which trains deep stacks without a learning-rate warm-up.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dl_lib.nn.attention import MultiheadAttention
from dl_lib.nn.dropout import Dropout
from dl_lib.nn.mlp import Linear

__all__ = [
    "LayerNorm",
    "LearnedPositionalEncoding",
    "SinusoidalPositionalEncoding",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "layer_norm",
    "sinusoidal_positional_encoding",
]


def layer_norm(x: Tensor, normalized_shape: tuple[int, ...] | int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    r"""Layer normalization (Ba et al., 2016): standardize each example over its features.

    With :math:`\mu` and :math:`\sigma^2` the mean and the biased variance over the last
    ``len(normalized_shape)`` dimensions of one example,

    .. math:: y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta.

    Unlike batch normalization, nothing is averaged over the batch: training and evaluation
    compute the same thing, and a sequence of any length normalizes each position alone.

    Args:
        x: shape ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalize over, e.g. ``(E,)``.
        weight, bias: :math:`\gamma` and :math:`\beta` of shape ``normalized_shape``, or None.
        eps: :math:`\epsilon`.

    Returns:
        Same shape as ``x``. Same as ``torch.nn.functional.layer_norm``.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if len(shape) == 0 or tuple(x.shape[x.dim() - len(shape):]) != shape:
        raise ValueError(f"layer_norm: input of shape {tuple(x.shape)} does not end with "
                         f"normalized_shape {shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {tuple(t.shape)}")
    dims = tuple(range(-len(shape), 0))
    mean = x.mean(dim=dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)  # biased, as in the paper and PyTorch
    y = (x - mean) / torch.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


class LayerNorm(nn.Module):
    r"""Layer normalization with learned :math:`\gamma` (``weight``) and :math:`\beta` (``bias``).

    See `layer_norm`. Parameters are named and initialised (ones, zeros) as in
    ``torch.nn.LayerNorm``.

    Shapes:
        input ``(*, *normalized_shape)`` -> output the same shape.
    """

    def __init__(self, normalized_shape: tuple[int, ...] | int, eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if len(shape) == 0 or min(shape) <= 0:
            raise ValueError(f"LayerNorm expects a non-empty positive normalized_shape, got {normalized_shape!r}")
        self.normalized_shape, self.eps = shape, eps
        factory = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.ones(shape, **factory)) if elementwise_affine else None
        self.bias = nn.Parameter(torch.zeros(shape, **factory)) if elementwise_affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


def sinusoidal_positional_encoding(max_len: int, d_model: int, base: float = 10000.0) -> Tensor:
    r"""The fixed positional encoding of Vaswani et al. (2017), shape ``(max_len, d_model)``.

    .. math:: \mathrm{PE}_{p, 2i} = \sin\bigl(p / b^{2i/d}\bigr), \qquad
        \mathrm{PE}_{p, 2i+1} = \cos\bigl(p / b^{2i/d}\bigr), \qquad b = 10000.

    Each pair of columns is a clock turning at its own speed, from one turn every
    :math:`2\pi` positions down to one every :math:`2\pi b` positions. Shifting the position
    by :math:`k` rotates every pair by a fixed angle, a linear map that does not depend on
    :math:`p`, which makes relative positions easy for attention to read.

    Args:
        max_len: the number of positions :math:`p = 0, \dots, \text{max\_len} - 1`.
        d_model: :math:`d`, the embedding width (an odd width drops the last cosine).
        base: :math:`b`.

    Returns:
        Float32 tensor of shape ``(max_len, d_model)``, entries in :math:`[-1, 1]`.
    """
    if max_len <= 0 or d_model <= 0:
        raise ValueError(f"sinusoidal_positional_encoding expects positive sizes, got "
                         f"max_len={max_len}, d_model={d_model}")
    position = torch.arange(max_len, dtype=torch.float64)[:, None]  # (max_len, 1)
    frequency = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)  # (ceil(d/2),)
    angle = position * frequency  # (max_len, ceil(d/2))
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe.float()


class SinusoidalPositionalEncoding(nn.Module):
    """Add `sinusoidal_positional_encoding` to a batch of embeddings (then dropout, as in the paper).

    The table is a buffer (saved with the model, moved by ``.to``), not a parameter.

    Shapes:
        input ``(B, T, d_model)`` with ``T <= max_len`` -> output the same shape.
    """

    def __init__(self, d_model: int, max_len: int = 512, dropout: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model))
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or x.shape[1] > self.pe.shape[0] or x.shape[2] != self.pe.shape[1]:
            raise ValueError(f"SinusoidalPositionalEncoding expects (B, T <= {self.pe.shape[0]}, "
                             f"{self.pe.shape[1]}), got {tuple(x.shape)}")
        return self.dropout(x + self.pe[: x.shape[1]].to(x.dtype))  # (T, d) broadcasts over B


class LearnedPositionalEncoding(nn.Module):
    r"""A learned vector per position, added to the embeddings (as in BERT and GPT).

    ``weight`` has shape ``(max_len, d_model)``, initialised from :math:`\mathcal N(0, 0.02^2)`
    like GPT-2's. It can represent anything the sinusoids can, but cannot extrapolate: a
    position beyond ``max_len`` has no vector, and one never seen in training an untrained one.

    Shapes:
        input ``(B, T, d_model)`` with ``T <= max_len`` -> output the same shape.
    """

    def __init__(self, d_model: int, max_len: int = 512, dropout: float = 0.0) -> None:
        super().__init__()
        if max_len <= 0 or d_model <= 0:
            raise ValueError(f"LearnedPositionalEncoding expects positive sizes, got "
                             f"d_model={d_model}, max_len={max_len}")
        self.weight = nn.Parameter(torch.randn(max_len, d_model) * 0.02)
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or x.shape[1] > self.weight.shape[0] or x.shape[2] != self.weight.shape[1]:
            raise ValueError(f"LearnedPositionalEncoding expects (B, T <= {self.weight.shape[0]}, "
                             f"{self.weight.shape[1]}), got {tuple(x.shape)}")
        return self.dropout(x + self.weight[: x.shape[1]])


def _activation(activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """Chapter 4's ReLU or GELU (exact), in PyTorch's fused form for speed; or any callable."""
    if callable(activation):
        return activation
    if activation == "relu":
        return torch.relu
    if activation == "gelu":
        return F.gelu
    raise ValueError(f"activation must be 'relu', 'gelu' or a callable, got {activation!r}")


class _TransformerLayer(nn.Module):
    """What the encoder and decoder layers share: the constructor, self-attention, feed-forward."""

    _cross_attention = False  # the decoder layer also attends to the encoder's output

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        # Created in PyTorch's order, so that one seed initialises both layers alike.
        self.self_attn = MultiheadAttention(d_model, nhead, dropout, bias, batch_first, **factory)
        if self._cross_attention:
            self.multihead_attn = MultiheadAttention(d_model, nhead, dropout, bias, batch_first, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, layer_norm_eps, bias=bias, **factory)
        if self._cross_attention:
            self.norm3 = LayerNorm(d_model, layer_norm_eps, bias=bias, **factory)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        if self._cross_attention:
            self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def _sa_block(self, x: Tensor, mask: Tensor | None, padding: Tensor | None, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, key_padding_mask=padding, attn_mask=mask, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))  # (*, d_model)
        return (self.dropout3 if self._cross_attention else self.dropout2)(x)


class TransformerEncoderLayer(_TransformerLayer):
    r"""One encoder layer: self-attention, then a feed-forward network, each with residual and norm.

    Post-norm (``norm_first=False``, the paper's):

    .. math:: x \leftarrow \operatorname{LN}_1(x + \operatorname{SA}(x)), \qquad
        x \leftarrow \operatorname{LN}_2(x + \operatorname{FF}(x)),

    pre-norm (``norm_first=True``): :math:`x \leftarrow x + \operatorname{SA}(\operatorname{LN}_1(x))`,
    :math:`x \leftarrow x + \operatorname{FF}(\operatorname{LN}_2(x))`, with
    :math:`\operatorname{FF}(x) = W_2\, \mathrm{act}(W_1 x + b_1) + b_2`.

    Args and parameter names as ``torch.nn.TransformerEncoderLayer``: d_model, nhead,
    dim_feedforward, dropout, activation (``"relu"``, ``"gelu"`` or a callable),
    layer_norm_eps, batch_first, norm_first, bias.

    Shapes:
        src ``(B, T, d_model)`` (batch first) or ``(T, B, d_model)``; ``src_mask`` ``(T, T)``
        (``True`` = forbidden, or float); ``src_key_padding_mask`` ``(B, T)`` (``True`` = pad).
        ``is_causal=True`` without ``src_mask`` builds the causal mask (PyTorch needs the mask).
    """

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerDecoderLayer(_TransformerLayer):
    r"""One decoder layer: masked self-attention, cross-attention to the encoder, feed-forward.

    Post-norm (``norm_first=False``):

    .. math:: x \leftarrow \operatorname{LN}_1(x + \operatorname{SA}(x)), \quad
        x \leftarrow \operatorname{LN}_2(x + \operatorname{CA}(x, m)), \quad
        x \leftarrow \operatorname{LN}_3(x + \operatorname{FF}(x)),

    and pre-norm moves each LN inside its residual branch, as in `TransformerEncoderLayer`. In
    cross-attention the queries come from the decoder and the keys and values from the
    encoder's output :math:`m` (``memory``): this is where the output looks at the input.

    Args and parameter names as ``torch.nn.TransformerDecoderLayer``.

    Shapes:
        tgt ``(B, T, d_model)``, memory ``(B, S, d_model)`` (batch first); ``tgt_mask`` ``(T, T)``,
        ``memory_mask`` ``(T, S)``; padding masks ``(B, T)`` and ``(B, S)``, ``True`` = pad.
    """

    _cross_attention = True

    def _mha_block(self, x: Tensor, memory: Tensor, mask: Tensor | None, padding: Tensor | None,
                   is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, memory, memory, key_padding_mask=padding, attn_mask=mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x))


def _clones(layer: nn.Module, num_layers: int) -> nn.ModuleList:
    if num_layers <= 0:
        raise ValueError(f"num_layers must be positive, got {num_layers}")
    return nn.ModuleList(copy.deepcopy(layer) for _ in range(num_layers))


class TransformerEncoder(nn.Module):
    """A stack of ``num_layers`` copies of ``encoder_layer``, then an optional final ``norm``.

    The layers start as identical copies, as in ``torch.nn.TransformerEncoder`` (whose state dict
    keys, ``layers.0.…`` and ``norm.…``, these are); a pre-norm stack needs the final norm.
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: nn.Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, mask, src_key_padding_mask, is_causal)
        return self.norm(x) if self.norm is not None else x


class TransformerDecoder(nn.Module):
    """A stack of ``num_layers`` copies of ``decoder_layer``, then an optional final ``norm``."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: nn.Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                      memory_key_padding_mask, tgt_is_causal, memory_is_causal)
        return self.norm(x) if self.norm is not None else x
