r"""Attention: a soft, differentiable lookup of values by the similarity of a query to keys.

A dictionary lookup returns the value whose key *equals* the query. Attention returns a
weighted average of *all* the values, weighted by how well each key matches the query:

.. math:: \operatorname{attention}(\mathbf q, K, V) = \sum_j \alpha_j \mathbf v_j,
    \qquad \boldsymbol\alpha = \operatorname{softmax}_j\bigl(s(\mathbf q, \mathbf k_j)\bigr).

The score :math:`s` is what distinguishes the variants written here, in the order the book
meets them: a Gaussian kernel of the distance (`kernel_regression`, Nadaraya 1964 and Watson
1964), a small network (`AdditiveAttention`, Bahdanau et al. 2015) and the scaled dot product
(`scaled_dot_product_attention`, Vaswani et al. 2017), which `MultiheadAttention` runs in
several subspaces at once.

Two mask conventions meet here, both PyTorch's. The functions follow
``torch.nn.functional.scaled_dot_product_attention``: a boolean ``attn_mask`` is ``True`` where
a query *may* attend to a key. The modules follow ``torch.nn.MultiheadAttention``: a boolean
``attn_mask`` or ``key_padding_mask`` is ``True`` where attention is *forbidden*. A float mask
is added to the scores in both. `causal_mask` and `padding_mask` build the usual ones.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from dl_lib.nn.activations import softmax
from dl_lib.nn.dropout import dropout
from dl_lib.nn.mlp import Linear, linear

__all__ = [
    "AdditiveAttention",
    "MultiheadAttention",
    "attention_weights",
    "causal_mask",
    "kernel_regression",
    "masked_softmax",
    "merge_heads",
    "padding_mask",
    "scaled_dot_product_attention",
    "split_heads",
]


def kernel_regression(x_query: Tensor, x_keys: Tensor, y_values: Tensor,
                      bandwidth: float = 1.0) -> tuple[Tensor, Tensor]:
    r"""Nadaraya-Watson kernel regression: attention with a Gaussian kernel as the score.

    .. math:: \hat y(x) = \sum_j \alpha_j(x)\, y_j, \qquad
        \alpha_j(x) = \operatorname{softmax}_j\Bigl(-\frac{(x - x_j)^2}{2h^2}\Bigr).

    The query is :math:`x`, the keys are the training inputs :math:`x_j`, the values their
    targets :math:`y_j`; the bandwidth :math:`h` sets how sharp the lookup is.

    Args:
        x_query: shape ``(Q,)``; x_keys: shape ``(K,)``; y_values: shape ``(K,)``.
        bandwidth: :math:`h > 0`.

    Returns:
        ``(y_hat, weights)``: shapes ``(Q,)`` and ``(Q, K)``, each row of weights sums to 1.
    """
    if x_query.dim() != 1 or x_keys.dim() != 1 or y_values.shape != x_keys.shape:
        raise ValueError(f"kernel_regression expects x_query (Q,), x_keys (K,) and y_values (K,), got "
                         f"{tuple(x_query.shape)}, {tuple(x_keys.shape)}, {tuple(y_values.shape)}")
    if not bandwidth > 0:
        raise ValueError(f"kernel_regression: bandwidth must be > 0, got {bandwidth!r}")
    scores = -((x_query[:, None] - x_keys[None, :]) ** 2) / (2 * bandwidth**2)  # (Q, K)
    weights = softmax(scores, dim=-1)
    return weights @ y_values, weights


def masked_softmax(scores: Tensor, mask: Tensor | None = None) -> Tensor:
    r"""Softmax over the last dimension, ignoring the positions where ``mask`` is ``False``.

    Forbidden positions get a score of :math:`-\infty`, hence weight :math:`e^{-\infty} = 0`.
    The softmax itself is chapter 4's (`dl_lib.nn.softmax`), here in PyTorch's fused form,
    which computes the same numbers in one pass over the scores.
    A row with no allowed position at all gets weights 0 everywhere (not NaN), as in
    ``torch.nn.functional.scaled_dot_product_attention``. Scores that are already
    :math:`-\infty` (from a float mask) count as forbidden too.

    Args:
        scores: shape ``(*, S)``, floating point.
        mask: boolean, broadcastable to ``scores``; ``True`` where a position takes part.

    Returns:
        Same shape as ``scores``; each row sums to 1, or to 0 when it is entirely masked.
    """
    if mask is not None:
        if mask.dtype != torch.bool:
            raise ValueError(f"masked_softmax expects a boolean mask, got {mask.dtype}")
        scores = scores.masked_fill(~mask, float("-inf"))
    empty_row = torch.isneginf(scores).all(dim=-1, keepdim=True)  # no key may be attended to
    weights = torch.softmax(scores.masked_fill(empty_row, 0.0), dim=-1)  # 0 instead of -inf: no NaN
    return weights.masked_fill(empty_row, 0.0)


def causal_mask(L: int, S: int | None = None, device: torch.device | str | None = None) -> Tensor:
    r"""The boolean ``(L, S)`` mask that lets query :math:`i` see keys :math:`j \le i` only.

    ``True`` on and below the diagonal (allowed), the convention of
    ``scaled_dot_product_attention``; a module's ``attn_mask`` wants its negation,
    ``~causal_mask(T)``. With ``S != L`` the diagonal starts at the top left, as PyTorch's
    ``is_causal=True`` does.
    """
    S = L if S is None else S
    if L < 0 or S < 0:
        raise ValueError(f"causal_mask expects non-negative sizes, got L={L}, S={S}")
    return torch.ones(L, S, dtype=torch.bool, device=device).tril()


def padding_mask(tokens: Tensor, pad_id: int) -> Tensor:
    """The ``(B, S)`` boolean mask that is ``True`` at padding tokens, for ``key_padding_mask``.

    This is the convention of ``torch.nn.MultiheadAttention`` and the transformer layers
    (``True`` = ignore this key). For `scaled_dot_product_attention` use
    ``~padding_mask(tokens, pad_id)[:, None, None, :]``, shape ``(B, 1, 1, S)``.
    """
    if tokens.dim() != 2 or tokens.is_floating_point():
        raise ValueError(f"padding_mask expects integer tokens of shape (B, S), got "
                         f"{tuple(tokens.shape)} of {tokens.dtype}")
    return tokens == pad_id


def _check_qkv(query: Tensor, key: Tensor, value: Tensor) -> None:
    if query.dim() < 2 or key.dim() != query.dim() or value.dim() != query.dim():
        raise ValueError(f"scaled_dot_product_attention expects query (*, L, d_k), key (*, S, d_k) "
                         f"and value (*, S, d_v) with the same number of dimensions, got "
                         f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"scaled_dot_product_attention: query and key must have the same last "
                         f"dimension d_k, got {tuple(query.shape)} and {tuple(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: key and value must have the same number "
                         f"of positions S, got {tuple(key.shape)} and {tuple(value.shape)}")


def attention_weights(query: Tensor, key: Tensor, attn_mask: Tensor | None = None,
                      is_causal: bool = False, scale: float | None = None) -> Tensor:
    r"""The attention weights :math:`\operatorname{softmax}(QK^\top / \sqrt{d_k} + M)`.

    Args:
        query: shape ``(*, L, d_k)``; key: shape ``(*, S, d_k)``.
        attn_mask: boolean (``True`` = may attend) or float (added to the scores),
            broadcastable to ``(*, L, S)``.
        is_causal: also forbid query :math:`i` to see keys :math:`j > i` (`causal_mask`).
        scale: the factor of the scores; ``None`` means :math:`1/\sqrt{d_k}`.

    Returns:
        Shape ``(*, L, S)``: row :math:`i` is the distribution of query :math:`i` over the keys.
    """
    d_k = query.shape[-1]
    scale = 1 / math.sqrt(d_k) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale  # (*, L, d_k) @ (*, d_k, S) -> (*, L, S)
    allowed = None
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            allowed = attn_mask
        else:
            scores = scores + attn_mask
    if is_causal:
        causal = causal_mask(scores.shape[-2], scores.shape[-1], device=scores.device)
        allowed = causal if allowed is None else allowed & causal
    return masked_softmax(scores, allowed)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None) -> Tensor:
    r"""Scaled dot-product attention (Vaswani et al., 2017).

    .. math:: \operatorname{Attention}(Q, K, V) =
        \operatorname{softmax}\Bigl(\frac{QK^\top}{\sqrt{d_k}} + M\Bigr) V

    Dividing by :math:`\sqrt{d_k}` keeps the scores' variance near 1 whatever the width: the
    dot product of two vectors of :math:`d_k` independent unit-variance entries has variance
    :math:`d_k`, and a softmax of large scores saturates to one-hot with vanishing gradients.

    Args:
        query: shape ``(*, L, d_k)``, e.g. ``(B, heads, L, d_k)``.
        key: shape ``(*, S, d_k)``; value: shape ``(*, S, d_v)``.
        attn_mask: boolean (``True`` = may attend) or float (added), broadcastable to
            ``(*, L, S)``.
        dropout_p: dropout on the weights (applied whenever > 0, as PyTorch's function does).
        is_causal: forbid each query to see later keys.
        scale: ``None`` for :math:`1/\sqrt{d_k}`.

    Returns:
        Shape ``(*, L, d_v)``. Same as ``torch.nn.functional.scaled_dot_product_attention``
        (its fully masked rows give 0 too); the dropout masks differ.
    """
    _check_qkv(query, key, value)
    weights = attention_weights(query, key, attn_mask, is_causal, scale)  # (*, L, S)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value  # (*, L, S) @ (*, S, d_v) -> (*, L, d_v)


def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """``(B, T, E)`` -> ``(B, num_heads, T, E // num_heads)``: head ``h`` gets features ``h*d:(h+1)*d``."""
    if x.dim() != 3 or x.shape[-1] % num_heads != 0:
        raise ValueError(f"split_heads expects (B, T, E) with E divisible by num_heads={num_heads}, "
                         f"got {tuple(x.shape)}")
    B, T, E = x.shape
    return x.view(B, T, num_heads, E // num_heads).transpose(1, 2)  # (B, T, h, d) -> (B, h, T, d)


def merge_heads(x: Tensor) -> Tensor:
    """``(B, num_heads, T, d)`` -> ``(B, T, num_heads * d)``, the inverse of `split_heads`."""
    if x.dim() != 4:
        raise ValueError(f"merge_heads expects (B, num_heads, T, d), got {tuple(x.shape)}")
    B, h, T, d = x.shape
    return x.transpose(1, 2).reshape(B, T, h * d)  # (B, T, h, d) -> (B, T, h * d)


def _additive(mask: Tensor | None, dtype: torch.dtype, name: str) -> Tensor | None:
    """A module mask (bool ``True`` = forbidden, or float) as scores to add: -inf or the float."""
    if mask is None:
        return None
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, float("-inf"))
    if not mask.is_floating_point():
        raise ValueError(f"{name} must be boolean or floating point, got {mask.dtype}")
    return mask.to(dtype)


class MultiheadAttention(nn.Module):
    r"""Multi-head attention (Vaswani et al., 2017), laid out like ``torch.nn.MultiheadAttention``.

    .. math:: \operatorname{MultiHead}(Q, K, V) = [\mathrm{head}_1; \dots; \mathrm{head}_h] W^O,
        \qquad \mathrm{head}_i = \operatorname{Attention}(Q W_i^Q, K W_i^K, V W_i^V).

    Each head attends in its own :math:`d = E/h`-dimensional subspace, so one head can follow
    position while another follows content, at the cost of one :math:`E`-wide head. The three
    input projections are stacked in ``in_proj_weight`` ``(3E, E)`` (rows: query, key, value),
    as in PyTorch, so ``torch_mha.load_state_dict(ours.state_dict())`` and back both work and
    the same seed initialises both alike.

    Args:
        embed_dim: :math:`E`; num_heads: :math:`h`, must divide :math:`E`.
        dropout: dropout on the attention weights in training.
        bias: biases in the input and output projections.
        batch_first: inputs ``(B, T, E)`` if True, else ``(T, B, E)`` (PyTorch's default).

    Shapes:
        query ``(B, L, E)``, key and value ``(B, S, E)`` (batch first) -> output ``(B, L, E)``
        and weights ``(B, L, S)`` (averaged over heads) or ``(B, h, L, S)``.

    Differences from PyTorch: no ``kdim``/``vdim``/``add_bias_kv``; a fully masked query gets
    zeros rather than NaN; ``is_causal=True`` builds the causal mask when none is given.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 batch_first: bool = False, device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads != 0:
            raise ValueError(f"MultiheadAttention: embed_dim={embed_dim} must be a positive multiple "
                             f"of num_heads={num_heads}")
        if not 0 <= dropout < 1:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1), got {dropout!r}")
        factory = {"device": device, "dtype": dtype}
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim, **factory))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dim, **factory)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **factory)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: Xavier-uniform input projections, zero biases."""
        nn.init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            nn.init.zeros_(self.in_proj_bias)
            nn.init.zeros_(self.out_proj.bias)

    def _mask(self, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool,
              B: int, L: int, S: int, dtype: torch.dtype) -> Tensor | None:
        """Every mask as one float tensor added to the scores, broadcastable to (B, h, L, S)."""
        total = _additive(attn_mask, dtype, "attn_mask")
        if total is not None:
            if total.shape == (B * self.num_heads, L, S):
                total = total.view(B, self.num_heads, L, S)
            elif total.shape != (L, S):
                raise ValueError(f"attn_mask must have shape ({L}, {S}) or ({B * self.num_heads}, "
                                 f"{L}, {S}), got {tuple(attn_mask.shape)}")
        padding = _additive(key_padding_mask, dtype, "key_padding_mask")
        if padding is not None:
            if padding.shape != (B, S):
                raise ValueError(f"key_padding_mask must have shape (B, S) = ({B}, {S}), got "
                                 f"{tuple(key_padding_mask.shape)}")
            padding = padding[:, None, None, :]  # (B, 1, 1, S): the same keys hidden from every query
            total = padding if total is None else total + padding
        if is_causal:
            future = _additive(~causal_mask(L, S, device=self.in_proj_weight.device), dtype, "")
            total = future if total is None else total + future
        return total

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None,
                average_attn_weights: bool = True, is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        if query.dim() != 3 or key.dim() != 3 or value.dim() != 3 or key.shape != value.shape:
            raise ValueError(f"MultiheadAttention expects 3-D query, key and value (key and value of "
                             f"the same shape), got {tuple(query.shape)}, {tuple(key.shape)}, "
                             f"{tuple(value.shape)}")
        if not self.batch_first:  # (T, B, E) -> (B, T, E)
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        B, L, E = query.shape
        S = key.shape[1]
        if E != self.embed_dim or key.shape[-1] != E or key.shape[0] != B:
            raise ValueError(f"MultiheadAttention(embed_dim={self.embed_dim}) got query "
                             f"{tuple(query.shape)} and key {tuple(key.shape)} (batch first)")
        W_q, W_k, W_v = self.in_proj_weight.chunk(3)  # each (E, E)
        b_q, b_k, b_v = self.in_proj_bias.chunk(3) if self.in_proj_bias is not None else (None,) * 3
        q = split_heads(linear(query, W_q, b_q), self.num_heads)  # (B, h, L, d)
        k = split_heads(linear(key, W_k, b_k), self.num_heads)  # (B, h, S, d)
        v = split_heads(linear(value, W_v, b_v), self.num_heads)  # (B, h, S, d)
        mask = self._mask(attn_mask, key_padding_mask, is_causal, B, L, S, q.dtype)
        weights = attention_weights(q, k, mask)  # (B, h, L, S)
        heads = dropout(weights, self.dropout, self.training) @ v  # (B, h, L, d)
        out = self.out_proj(merge_heads(heads))  # (B, L, E)
        if not self.batch_first:
            out = out.transpose(0, 1)  # (L, B, E)
        if not need_weights:
            return out, None
        return out, weights.mean(dim=1) if average_attn_weights else weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"


class AdditiveAttention(nn.Module):
    r"""Additive attention (Bahdanau et al., 2015): a one-hidden-layer network scores each key.

    .. math:: s(\mathbf q, \mathbf k_j) = \mathbf w_v^\top \tanh(W_q \mathbf q + W_k \mathbf k_j),
        \qquad \mathbf c = \sum_j \operatorname{softmax}_j(s_j)\, \mathbf v_j.

    Queries and keys may have different sizes, since each has its own projection.

    Args:
        query_size, key_size: the sizes of a query and of a key; hidden_size: of the scorer.

    Shapes:
        query ``(B, query_size)``, keys ``(B, S, key_size)``, values ``(B, S, d_v)``, optional
        boolean ``mask`` ``(B, S)`` (``True`` = may attend) -> context ``(B, d_v)`` and
        weights ``(B, S)``.
    """

    def __init__(self, query_size: int, key_size: int, hidden_size: int) -> None:
        super().__init__()
        self.W_q = Linear(query_size, hidden_size, bias=False)
        self.W_k = Linear(key_size, hidden_size, bias=False)
        self.w_v = Linear(hidden_size, 1, bias=False)

    def forward(self, query: Tensor, keys: Tensor, values: Tensor,
                mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if query.dim() != 2 or keys.dim() != 3 or values.shape[:2] != keys.shape[:2]:
            raise ValueError(f"AdditiveAttention expects query (B, q), keys (B, S, k) and values "
                             f"(B, S, v), got {tuple(query.shape)}, {tuple(keys.shape)}, "
                             f"{tuple(values.shape)}")
        return self.attend(query, self.W_k(keys), values, mask)

    def attend(self, query: Tensor, projected_keys: Tensor, values: Tensor,
               mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """`forward` with the keys already projected, ``W_k(keys)`` ``(B, S, hidden)``.

        A decoder queries the same keys at every output step: it projects them once.
        """
        hidden = torch.tanh(self.W_q(query)[:, None, :] + projected_keys)  # (B, 1, H) + (B, S, H)
        scores = self.w_v(hidden).squeeze(-1)  # (B, S)
        weights = masked_softmax(scores, mask)  # (B, S)
        context = (weights[:, :, None] * values).sum(dim=1)  # (B, v)
        return context, weights
