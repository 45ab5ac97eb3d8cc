r"""A GPT: a decoder-only transformer trained to predict the next token, with a key-value cache.

The layout and the parameter names are GPT-2's (Radford et al., 2019) (``wte``,
``wpe``, ``h.0.attn.c_attn``, ``ln_f``, ...), so that :func:`to_hf_gpt2` can hand the
weights to the Hugging Face ``transformers`` library's ``GPT2LMHeadModel``. Each block is
pre-norm: $x \leftarrow x + \mathrm{Attn}(\mathrm{LN}(x))$, then
$x \leftarrow x + \mathrm{MLP}(\mathrm{LN}(x))$, with a causal mask so that position $t$
sees only positions $\le t$.

Dimension names: B batch, T new positions, P past (cached) positions, C = ``n_embd``,
H = ``n_head``, D = C / H per head, V = ``vocab_size``.

Where it differs from GPT-2: the linear layers are ``torch.nn.Linear`` (weights stored as
``(out, in)``), where GPT-2's ``Conv1D`` stores ``(in, out)``; :func:`to_hf_gpt2`
transposes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from dl_lib.nn.attention import causal_mask, merge_heads, scaled_dot_product_attention, split_heads

__all__ = ["GPT", "GPTConfig", "KVCache", "to_hf_gpt2"]

#: One (keys, values) pair per layer, each of shape (B, H, P, D).
KVCache = list[tuple[torch.Tensor, torch.Tensor]]


@dataclass
class GPTConfig:
    """The sizes of a :class:`GPT`; the names are ``transformers.GPT2Config``'s."""

    vocab_size: int
    n_positions: int = 64  # the longest context, the block size
    n_embd: int = 128
    n_layer: int = 2
    n_head: int = 4
    dropout: float = 0.0

    def __post_init__(self) -> None:
        for name in ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head"):
            if getattr(self, name) < 1:
                raise ValueError(f"GPTConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention with a causal mask and an optional cache of past keys and values."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)  # queries, keys, values at once
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.attn_dropout = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None = None):
        B, T, C = x.shape
        q, k, v = (split_heads(t, self.n_head) for t in self.c_attn(x).split(C, dim=2))  # (B, H, T, D)
        if past is not None:  # prepend the cached keys and values: (B, H, P + T, D)
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        P = k.shape[2] - T
        allowed = causal_mask(P + T, device=x.device)[P:]  # (T, P + T): query i sits at position P + i
        p = self.attn_dropout if self.training else 0.0
        y = scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=p)  # (B, H, T, D)
        return self.resid_dropout(self.c_proj(merge_heads(y))), (k, v)  # (B, T, C)


class MLP(nn.Module):
    """The position-wise feed-forward network: C -> 4C -> C with GPT-2's tanh-approximated GELU."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    """One pre-norm transformer decoder block (no cross-attention)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, past=None):
        a, present = self.attn(self.ln_1(x), past)
        x = x + a
        return x + self.mlp(self.ln_2(x)), present


class GPT(nn.Module):
    r"""A decoder-only transformer language model with GPT-2's layout.

    ``forward(idx, past_key_values=None)`` takes token ids (B, T) and returns the logits
    (B, T, V) for the token after each position, and the keys and values of every layer
    (a :data:`KVCache`, each tensor (B, H, P + T, D)). Passing that cache back with only
    the next token gives the same logits as running the whole sequence again.

    The output layer shares its weight with the token embedding (``lm_head.weight is
    wte.weight``), as in GPT-2 (Press and Wolf, 2017).
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token embedding
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)  # learned position embedding
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        """GPT-2's initialization: normal(0, 0.02) weights, zero biases."""
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor, past_key_values: KVCache | None = None):
        if idx.dim() != 2 or idx.dtype != torch.long:
            raise ValueError(f"GPT expects token ids of shape (B, T) and dtype long, "
                             f"got {tuple(idx.shape)} {idx.dtype}")
        B, T = idx.shape
        P = 0 if past_key_values is None else past_key_values[0][0].shape[2]
        if P + T > self.config.n_positions:
            raise ValueError(f"sequence of {P + T} tokens exceeds the context of {self.config.n_positions}")
        if int(idx.max()) >= self.config.vocab_size or int(idx.min()) < 0:
            raise ValueError(f"token ids must lie in [0, {self.config.vocab_size}), "
                             f"got {int(idx.min())}..{int(idx.max())}")
        positions = torch.arange(P, P + T, device=idx.device)  # (T,)
        x = self.drop(self.wte(idx) + self.wpe(positions))  # (B, T, C)
        presents = []
        for i, block in enumerate(self.h):
            x, present = block(x, None if past_key_values is None else past_key_values[i])
            presents.append(present)
        return self.lm_head(self.ln_f(x)), presents  # (B, T, V)


def to_hf_gpt2(model: GPT, **config_kwargs):
    r"""The same network as a Hugging Face ``transformers.GPT2LMHeadModel``, built offline.

    The configuration is made from ``model.config`` (no download); ``config_kwargs`` add
    fields such as ``bos_token_id``. The weights are copied, transposing every linear
    layer of the blocks, because GPT-2's ``Conv1D`` stores them as (in, out).

    Returns:
        A ``GPT2LMHeadModel`` in eval mode on the model's device and dtype, with the same logits.
    """
    try:  # optional: the chapters extra installs it; dl_lib itself never needs it
        from transformers import GPT2Config, GPT2LMHeadModel
    except ImportError as error:
        raise ImportError("to_hf_gpt2 needs the Hugging Face `transformers` package: "
                          "pip install 'dl-lib[chapters]'") from error

    c = model.config
    config_kwargs = {"bos_token_id": None, "eos_token_id": None} | config_kwargs  # not GPT-2's 50256
    hf_config = GPT2Config(
        vocab_size=c.vocab_size, n_positions=c.n_positions, n_embd=c.n_embd, n_layer=c.n_layer,
        n_head=c.n_head, activation_function="gelu_new", layer_norm_epsilon=1e-5,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, **config_kwargs,
    )
    ref = next(model.parameters())
    hf = GPT2LMHeadModel(hf_config).to(device=ref.device, dtype=ref.dtype)  # before loading: no rounding
    ours = model.state_dict()
    state = {}
    for name, tensor in ours.items():
        is_block_linear = name.endswith((".c_attn.weight", ".c_proj.weight", ".c_fc.weight"))
        key = name if name.startswith("lm_head") else f"transformer.{name}"
        state[key] = tensor.t() if is_block_linear else tensor
    missing, unexpected = hf.load_state_dict(state, strict=False)
    if unexpected or any(not k.endswith(".attn.bias") and not k.endswith("masked_bias") for k in missing):
        raise RuntimeError(f"GPT-2 layout mismatch: missing {missing}, unexpected {unexpected}")
    return hf.eval()
