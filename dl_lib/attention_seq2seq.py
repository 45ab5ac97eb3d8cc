r"""Sequence to sequence with attention: chapter 14's GRU decoder with additive attention, and a transformer.

Both plug into `dl_lib.seq2seq`: they are decoders (and an encoder) with its decoder API, so
`dl_lib.seq2seq.Seq2Seq`, `train_seq2seq`, `greedy_decode`, `beam_search` and `translate`
work on them unchanged.

- `AttentionDecoder` overrides one method of `dl_lib.seq2seq.Decoder`, ``context``: instead
  of the encoder's final state, every step reads a fresh weighted average of *all* the
  encoder's outputs, weighted by additive attention (Bahdanau et al., 2015) with the decoder's
  state as the query.
- `TransformerSeq2SeqEncoder` and `TransformerSeq2SeqDecoder` (Vaswani et al., 2017) embed the
  tokens, add sinusoidal positions and run `dl_lib.nn`'s transformer stacks. Under teacher
  forcing the decoder computes every target position at once (a causal mask hides the future);
  when generating, its state is the list of tokens written so far, and each step runs the
  decoder again over all of them.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from dl_lib.nn.attention import AdditiveAttention, causal_mask
from dl_lib.nn.transformer import (
    LayerNorm,
    SinusoidalPositionalEncoding,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from dl_lib.seq2seq import Decoder, Encoder, Memory, Seq2Seq

__all__ = [
    "AttentionDecoder",
    "TransformerSeq2SeqDecoder",
    "TransformerSeq2SeqEncoder",
    "alignment",
    "attention_seq2seq",
    "transformer_seq2seq",
]


class AttentionDecoder(Decoder):
    r"""Chapter 14's GRU `Decoder` whose context is recomputed at every step by additive attention.

    .. math:: c_t = \sum_j \alpha_{tj} h_j, \qquad
        \alpha_{t\cdot} = \operatorname{softmax}_j\big(w^\top \tanh(W_q s_{t-1} + W_k h_j)\big),

    with :math:`h_j` the encoder's output at source position :math:`j` and :math:`s_{t-1}` the
    decoder's top-layer state; padding gets weight 0. The weights of the last step are kept in
    ``last_weights`` ``(B, S)``, for drawing alignments.

    Args:
        as for `dl_lib.seq2seq.Decoder`, and attention_size: the hidden size of the scorer
        (default: hidden_size).
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_layers: int = 1,
                 attention_size: int | None = None, dropout: float = 0.0) -> None:
        super().__init__(vocab_size, embed_dim, hidden_size, num_layers, hidden_size, dropout)
        self.attention = AdditiveAttention(hidden_size, hidden_size, attention_size or hidden_size)
        self.last_weights: Tensor | None = None

    def context(self, state: Tensor, memory: Memory) -> Tensor:
        """Attend from the top-layer state ``state[-1]`` ``(B, H)`` over ``memory.outputs`` ``(B, S, H)``."""
        context, self.last_weights = self.attention(state[-1], memory.outputs, memory.outputs, memory.mask)
        return context  # (B, H)


def attention_seq2seq(src_vocab_size: int, tgt_vocab_size: int, embed_dim: int = 32, hidden_size: int = 64,
                      pad_id: int = 0) -> Seq2Seq:
    """Chapter 14's `Encoder` with an `AttentionDecoder`: the RNN encoder-decoder with attention."""
    return Seq2Seq(Encoder(src_vocab_size, embed_dim, hidden_size, pad_id=pad_id),
                   AttentionDecoder(tgt_vocab_size, embed_dim, hidden_size))


class _Embedding(nn.Module):
    """Token embedding plus sinusoidal positions. The embedding starts small (std ``embed_std``),
    so that the positions are not drowned out at the start of training."""

    def __init__(self, vocab_size: int, d_model: int, embed_std: float, max_len: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        nn.init.normal_(self.embed.weight, std=embed_std)
        self.positions = SinusoidalPositionalEncoding(d_model, max_len)

    def forward(self, ids: Tensor) -> Tensor:
        return self.positions(self.embed(ids))  # (B, T) -> (B, T, d_model)


class TransformerSeq2SeqEncoder(nn.Module):
    """Embed, add positions, run a pre-norm `TransformerEncoder`; padding is masked from attention.

    Shapes:
        ``forward(src, src_lengths)``: ``(B, S)`` ids, ``(B,)`` lengths -> `Memory` with
        ``outputs`` ``(B, S, d_model)``, ``mask`` ``(B, S)`` (True at real tokens) and, as
        ``state``, the mean of the real outputs ``(1, B, d_model)`` (the decoder does not use it).
    """

    def __init__(self, vocab_size: int, d_model: int = 32, nhead: int = 4, num_layers: int = 1,
                 dim_feedforward: int = 64, embed_std: float = 0.3, max_len: int = 128) -> None:
        super().__init__()
        self.embedding = _Embedding(vocab_size, d_model, embed_std, max_len)
        layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0, batch_first=True,
                                        norm_first=True)
        self.encoder = TransformerEncoder(layer, num_layers, LayerNorm(d_model))

    def forward(self, src: Tensor, src_lengths: Tensor) -> Memory:
        B, S = src.shape
        mask = torch.arange(S, device=src.device)[None, :] < src_lengths.to(src.device)[:, None]  # (B, S)
        outputs = self.encoder(self.embedding(src), src_key_padding_mask=~mask)  # (B, S, d_model)
        mean = (outputs * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)  # (B, d_model)
        return Memory(outputs, mean[None], mask)


class TransformerSeq2SeqDecoder(nn.Module):
    """Embed, add positions, run a pre-norm `TransformerDecoder` over the encoder's outputs, score tokens.

    Follows the decoder API of `dl_lib.seq2seq`: the *state* is the ``(B, t)`` tokens written so
    far (it starts empty), and `step` appends one token and runs the decoder over all of them.
    `forward` (teacher forcing) computes every position in one pass.
    """

    def __init__(self, vocab_size: int, d_model: int = 32, nhead: int = 4, num_layers: int = 1,
                 dim_feedforward: int = 64, embed_std: float = 0.3, max_len: int = 128) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = _Embedding(vocab_size, d_model, embed_std, max_len)
        layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout=0.0, batch_first=True,
                                        norm_first=True)
        self.decoder = TransformerDecoder(layer, num_layers, LayerNorm(d_model))
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, tgt_in: Tensor, memory: Memory) -> Tensor:
        """Teacher forcing: logits ``(B, T, V)`` for every position at once, each seeing only its past."""
        T = tgt_in.shape[1]
        y = self.decoder(self.embedding(tgt_in), memory.outputs, tgt_mask=~causal_mask(T, device=tgt_in.device),
                         memory_key_padding_mask=~memory.mask)  # (B, T, d_model)
        return self.head(y)

    def init_state(self, memory: Memory) -> Tensor:
        return torch.empty(memory.outputs.shape[0], 0, dtype=torch.long, device=memory.outputs.device)

    def step(self, tokens: Tensor, state: Tensor, memory: Memory) -> tuple[Tensor, Tensor]:
        state = torch.cat([state, tokens[:, None]], dim=1)  # (B, t): every token so far
        return self(state, memory)[:, -1], state  # the logits of the next token (B, V)

    def reorder_state(self, state: Tensor, index: Tensor) -> Tensor:
        return state.index_select(0, index)


def transformer_seq2seq(src_vocab_size: int, tgt_vocab_size: int, d_model: int = 32, nhead: int = 4,
                        num_layers: int = 1, dim_feedforward: int = 64) -> Seq2Seq:
    """A transformer encoder-decoder in chapter 14's `Seq2Seq` shell."""
    sizes = {"d_model": d_model, "nhead": nhead, "num_layers": num_layers, "dim_feedforward": dim_feedforward}
    return Seq2Seq(TransformerSeq2SeqEncoder(src_vocab_size, **sizes),
                   TransformerSeq2SeqDecoder(tgt_vocab_size, **sizes))


@torch.no_grad()
def alignment(model: Seq2Seq, src: Tensor, src_lengths: Tensor, bos_id: int, eos_id: int,
              max_len: int) -> tuple[list[int], Tensor]:
    """Greedy-decode one source with an `AttentionDecoder` and return its attention at every step.

    Args:
        src: ``(1, S)`` ids; src_lengths: ``(1,)``; the rest as in `dl_lib.seq2seq.greedy_decode`.

    Returns:
        ``(tokens, weights)``: the output ids (up to and without ``<eos>``) and their attention
        weights over the real source positions, ``(len(tokens) + 1, src_lengths[0])`` (the last
        row is the step that wrote ``<eos>``, when it was written).
    """
    if not isinstance(model.decoder, AttentionDecoder):
        raise ValueError(f"alignment needs a model with an AttentionDecoder, got {type(model.decoder).__name__}")
    if src.dim() != 2 or src.shape[0] != 1:
        raise ValueError(f"alignment decodes one source at a time: src must be (1, S), got {tuple(src.shape)}")
    was_training = model.training
    model.eval()
    memory = model.encode(src, src_lengths)
    state = model.decoder.init_state(memory)
    token, tokens, rows = torch.tensor([bos_id], device=src.device), [], []
    for _ in range(max_len):
        logits, state = model.decoder.step(token, state, memory)
        rows.append(model.decoder.last_weights[0, : int(src_lengths[0])])
        token = logits.argmax(dim=1)
        if token.item() == eos_id:
            break
        tokens.append(token.item())
    model.train(was_training)
    return tokens, torch.stack(rows)

