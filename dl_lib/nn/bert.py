r"""A small BERT: a transformer encoder pre-trained by masked language modelling, then fine-tuned.

BERT (Devlin et al., 2019) reads the whole sequence at once (no causal mask), so each
position's representation depends on the words on both sides. It learns by filling in
blanks: :func:`mask_tokens` hides 15 % of the tokens and the model predicts them from the
rest. The encoder it learns is then reused, with a small new output layer, for a task
that has few labels.

The encoder is a stack of this book's :class:`~dl_lib.nn.TransformerEncoderLayer` with
GELU; the embedding adds a learned position vector to each token's vector and
normalizes the sum. Dimension names: B batch, T positions, C ``hidden_size``,
V ``vocab_size``.

Where it differs from BERT: the layers are pre-norm, with a final LayerNorm, as in GPT-2
(BERT's are post-norm), because pre-norm trains at a high learning rate without a
warm-up, which a budget of a few hundred steps needs; there are no segment (sentence
A/B) embeddings and no next-sentence prediction, which later work found unnecessary
(Liu et al., 2019).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from dl_lib.nn.transformer import LayerNorm, TransformerEncoder, TransformerEncoderLayer

__all__ = [
    "BertConfig",
    "BertEncoder",
    "BertForMaskedLM",
    "BertForSequenceClassification",
    "init_bert_weights",
    "mask_tokens",
]

#: The label that ``torch.nn.functional.cross_entropy`` ignores: positions not to predict.
IGNORE_INDEX = -100


@dataclass
class BertConfig:
    """The sizes of a small BERT; the names are ``transformers.BertConfig``'s."""

    vocab_size: int
    pad_token_id: int
    max_position_embeddings: int = 64
    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    intermediate_size: int = 256
    dropout: float = 0.1

    def __post_init__(self) -> None:
        if not 0 <= self.pad_token_id < self.vocab_size:
            raise ValueError(f"pad_token_id must lie in [0, {self.vocab_size}), got {self.pad_token_id}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"hidden_size ({self.hidden_size}) must be divisible by "
                             f"num_attention_heads ({self.num_attention_heads})")


def mask_tokens(
    ids: torch.Tensor,
    mask_id: int,
    vocab_size: int,
    special_ids: tuple[int, ...] = (),
    mask_prob: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""BERT's corruption: choose ``mask_prob`` of the tokens to predict, and hide most of them.

    Of the chosen tokens, 80 % become ``mask_id``, 10 % a random token and 10 % stay as
    they are, so that the model cannot tell from the input which positions are graded and
    must keep a good representation of every token. Special tokens are never chosen.

    Args:
        ids: (B, T) token ids.
        mask_id: the id of the ``[MASK]`` token.
        vocab_size: random replacements are drawn from ``[0, vocab_size)``, specials excluded.
        special_ids: ids never to choose (padding, ``[CLS]``, ...).
        mask_prob: the fraction of tokens to predict, in (0, 1).
        generator: for reproducible masks.

    Returns:
        ``(inputs, labels)``, both (B, T): the corrupted ids, and the original id at the
        chosen positions with ``-100`` (ignored by ``cross_entropy``) everywhere else.
    """
    if ids.dim() != 2 or ids.is_floating_point():
        raise ValueError(f"mask_tokens expects integer ids of shape (B, T), got {tuple(ids.shape)} {ids.dtype}")
    if not 0.0 < mask_prob < 1.0:
        raise ValueError(f"mask_prob must lie in (0, 1), got {mask_prob}")
    device = ids.device
    special = torch.isin(ids, torch.tensor(special_ids, dtype=ids.dtype, device=device))

    def uniform() -> torch.Tensor:
        return torch.rand(ids.shape, generator=generator).to(device)

    chosen = (uniform() < mask_prob) & ~special
    labels = ids.masked_fill(~chosen, IGNORE_INDEX)
    action = uniform()  # one draw decides: < 0.8 mask, < 0.9 random, else keep
    inputs = ids.masked_fill(chosen & (action < 0.8), mask_id)
    ordinary = torch.tensor([i for i in range(vocab_size) if i not in special_ids])
    random_ids = ordinary[torch.randint(len(ordinary), ids.shape, generator=generator)].to(device)
    swap = chosen & (action >= 0.8) & (action < 0.9)
    inputs = torch.where(swap, random_ids, inputs)
    return inputs, labels


def init_bert_weights(module: nn.Module) -> None:
    """BERT's initialization: weights normal(0, 0.02), biases zero, the padding embedding zero."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)
    if isinstance(module, nn.Embedding) and module.padding_idx is not None:
        nn.init.zeros_(module.weight[module.padding_idx])


class BertEncoder(nn.Module):
    r"""Token and position embeddings, a LayerNorm, then a stack of pre-norm encoder layers.

    ``forward(ids)`` maps (B, T) token ids to (B, T, C) contextual vectors; padding
    positions (``pad_token_id``) are hidden from attention.
    """

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        C = config.hidden_size
        self.word_embeddings = nn.Embedding(config.vocab_size, C, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, C)
        self.norm = LayerNorm(C, eps=1e-12)
        self.dropout = nn.Dropout(config.dropout)
        layer = TransformerEncoderLayer(C, config.num_attention_heads, config.intermediate_size,
                                        config.dropout, activation="gelu", batch_first=True, norm_first=True)
        self.encoder = TransformerEncoder(layer, config.num_hidden_layers, norm=LayerNorm(C, eps=1e-12))
        self.apply(init_bert_weights)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if ids.dim() != 2 or ids.is_floating_point():
            raise ValueError(f"BERT expects integer token ids of shape (B, T), got {tuple(ids.shape)} {ids.dtype}")
        B, T = ids.shape
        if T > self.config.max_position_embeddings:
            raise ValueError(f"{T} tokens exceed max_position_embeddings={self.config.max_position_embeddings}")
        positions = torch.arange(T, device=ids.device)
        x = self.dropout(self.norm(self.word_embeddings(ids) + self.position_embeddings(positions)))
        padding = ids == self.config.pad_token_id  # (B, T), True = ignore this key
        return self.encoder(x, src_key_padding_mask=padding)  # (B, T, C)


class BertForMaskedLM(nn.Module):
    r"""The encoder with BERT's masked-language-model head: dense, GELU, LayerNorm, then the
    output layer that shares its weight with the token embedding. ``forward(ids)`` -> (B, T, V)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.bert = BertEncoder(config)
        C = config.hidden_size
        self.transform = nn.Sequential(nn.Linear(C, C), nn.GELU(), LayerNorm(C, eps=1e-12))
        self.decoder = nn.Linear(C, config.vocab_size)
        self.decoder.weight = self.bert.word_embeddings.weight  # tied
        self.transform.apply(init_bert_weights)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(self.bert(ids)))

    def loss(self, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy on the chosen positions only (labels ``-100`` elsewhere)."""
        logits = self(inputs)  # (B, T, V)
        return F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=IGNORE_INDEX)


class BertForSequenceClassification(nn.Module):
    r"""The encoder, BERT's pooler (dense and tanh on the first, ``[CLS]``, position) and a
    linear classifier. ``forward(ids)`` -> (B, num_labels) logits.

    To fine-tune, load a pre-trained encoder with
    ``model.bert.load_state_dict(pretrained.bert.state_dict())``; the pooler and the
    classifier start from scratch.
    """

    def __init__(self, config: BertConfig, num_labels: int) -> None:
        super().__init__()
        if num_labels < 2:
            raise ValueError(f"num_labels must be >= 2, got {num_labels}")
        self.bert = BertEncoder(config)
        C = config.hidden_size
        self.pooler = nn.Sequential(nn.Linear(C, C), nn.Tanh())
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(C, num_labels)
        self.apply(init_bert_weights)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        cls = self.bert(ids)[:, 0]  # (B, C): the [CLS] position sums up the sequence
        return self.classifier(self.dropout(self.pooler(cls)))
