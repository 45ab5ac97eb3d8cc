r"""Sequence to sequence: a GRU encoder-decoder, teacher forcing, greedy decoding and beam search.

An *encoder* reads the source sequence and leaves a summary of it; a *decoder* writes the
target sequence one token at a time, each step conditioned on that summary and on the tokens
written so far (Sutskever, Vinyals & Le, 2014; Cho et al., 2014).

.. code-block:: text

    source ids (B, S) -embed-> (B, S, E) -GRU-> outputs (B, S, H), final state (L, B, H)
                                                              |  Memory(outputs, state, mask)
    <bos> y_1 ... y_{T-1}  -embed-> decoder.step, one token at a time -> logits (B, T, V)

**The decoder API** (what `greedy_decode`, `beam_search` and `Seq2Seq` rely on, and what a
decoder with attention overrides):

- ``decoder.init_state(memory) -> state``: the decoder's first state from the encoder's
  `Memory`; here the encoder's final state, a tensor ``(L, B, H)``.
- ``decoder.step(tokens, state, memory) -> (logits, state)``: one step; ``tokens`` ``(B,)``
  are the previous tokens, ``logits`` ``(B, V)`` score the next one.
- ``decoder.context(state, memory) -> (B, C)``: what `Decoder.step` reads of the source at
  each step; here always the encoder's final state. ``memory.outputs`` ``(B, S, H)`` and
  ``memory.mask`` ``(B, S)`` are there for a decoder that looks back at every source position
  (attention): overriding ``context`` alone turns this decoder into one with attention.
- ``decoder.reorder_state(state, index) -> state``: keep the batch rows ``index`` (beam search
  reorders and copies hypotheses); here ``state.index_select(1, index)``.
- ``decoder.forward(tgt_in, memory)``: teacher forcing, ``step`` over the given target inputs,
  logits ``(B, T, V)``. It calls ``init_state`` and ``step`` only, so a subclass that
  overrides those two gets teacher forcing, greedy decoding and beam search for free.

All tensors of a batch live on one device; the functions follow the model's device.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from dl_lib.nn.clip import clip_grad_norm
from dl_lib.seqdata import CharVocab, date_batches

__all__ = [
    "Decoder",
    "Encoder",
    "Memory",
    "Seq2Seq",
    "beam_search",
    "exact_match",
    "greedy_decode",
    "sequence_loss",
    "train_seq2seq",
    "translate",
]


class Memory(NamedTuple):
    """What the encoder leaves for the decoder.

    Attributes:
        outputs: the top layer's state at every source position, ``(B, S, H)``, zero at padding.
        state: every layer's state after the last real source token, ``(L, B, H)``.
        mask: ``(B, S)`` bool, True at real tokens and False at padding.
    """

    outputs: Tensor
    state: Tensor
    mask: Tensor


def _check_ids(caller: str, name: str, ids: Tensor, dim: int) -> None:
    if not isinstance(ids, Tensor) or ids.dim() != dim or ids.dtype != torch.long:
        shape = "(B,)" if dim == 1 else "(B, length)"
        got = f"{ids.dtype} {tuple(ids.shape)}" if isinstance(ids, Tensor) else type(ids).__name__
        raise ValueError(f"{caller} expects {name} as a LongTensor of shape {shape}, got {got}")


class Encoder(nn.Module):
    r"""Embed the source tokens and run a GRU over them, skipping the padding.

    Each row stops at its own length: the GRU runs on a *packed* batch
    (``torch.nn.utils.rnn.pack_padded_sequence``), so the final state is the state after the
    last real token, not after a tail of ``<pad>``. The GRU is ``torch.nn.GRU``, whose packed
    path is compiled; `dl_lib.nn.GRU` computes the same numbers (its tests check it) but one
    step at a time.

    Args:
        vocab_size: source vocabulary size; embed_dim: :math:`E`; hidden_size: :math:`H`;
        num_layers: :math:`L`; pad_id: the padding id (its embedding stays zero);
        dropout: between GRU layers.

    Shapes:
        ``forward(src, src_lengths)``: ``(B, S)`` ids, ``(B,)`` lengths -> `Memory`.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_layers: int = 1,
                 pad_id: int = 0, dropout: float = 0.0) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.rnn = nn.GRU(embed_dim, hidden_size, num_layers, batch_first=True, dropout=dropout)

    def forward(self, src: Tensor, src_lengths: Tensor) -> Memory:
        _check_ids("Encoder", "src", src, 2)
        _check_ids("Encoder", "src_lengths", src_lengths, 1)
        B, S = src.shape
        if src_lengths.shape != (B,) or src_lengths.min() < 1 or src_lengths.max() > S:
            raise ValueError(f"Encoder expects src_lengths of shape ({B},) with values in 1..{S}, "
                             f"got {src_lengths.tolist()}")
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(src), src_lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        outputs, state = self.rnn(packed)  # state (L, B, H): after each row's last real token
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=S)  # (B, S, H)
        mask = torch.arange(S, device=src.device)[None, :] < src_lengths.to(src.device)[:, None]  # (B, S)
        return Memory(outputs, state, mask)


class Decoder(nn.Module):
    r"""A GRU decoder fed with a fixed summary of the source; see the module's decoder API.

    Step :math:`t` reads the previous token :math:`y_{t-1}` and a *context vector*
    :math:`c_t`, updates its state and scores the next token (Cho et al., 2014):

    .. math::
        s_t = \mathrm{GRU}\big([\mathrm{embed}(y_{t-1});\ c_t],\ s_{t-1}\big), \qquad
        \mathrm{logits}_t = W [s_t;\ c_t] + b,

    with :math:`s_0` the encoder's final state. Here the context is the same at every step,
    the encoder's final top-layer state: the whole source reaches the decoder through one
    vector of :math:`H` numbers. `context` is the one method a decoder with attention
    replaces, to compute a fresh :math:`c_t` from every source position at every step.

    Args:
        vocab_size: target vocabulary size :math:`V`; embed_dim: :math:`E`; hidden_size and
        num_layers: as in the `Encoder` (they must match it); context_size: the size of
        :math:`c_t` (default: hidden_size); dropout: between GRU layers.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_layers: int = 1,
                 context_size: int | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        context_size = hidden_size if context_size is None else context_size
        self.vocab_size, self.context_size = vocab_size, context_size
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.GRU(embed_dim + context_size, hidden_size, num_layers, batch_first=True, dropout=dropout)
        self.head = nn.Linear(hidden_size + context_size, vocab_size)

    def init_state(self, memory: Memory) -> Tensor:
        """The first state: the encoder's final state ``(L, B, H)``."""
        return memory.state

    def context(self, state: Tensor, memory: Memory) -> Tensor:
        """The context :math:`c_t` ``(B, context_size)``: here the encoder's final top-layer state."""
        return memory.state[-1]

    def step(self, tokens: Tensor, state: Tensor, memory: Memory) -> tuple[Tensor, Tensor]:
        """One step: previous tokens ``(B,)``, state -> logits ``(B, V)``, new state."""
        c = self.context(state, memory)  # (B, C)
        x = torch.cat([self.embed(tokens), c], dim=1)  # (B, E + C)
        output, state = self.rnn(x[:, None], state)  # (B, 1, H), (L, B, H)
        return self.head(torch.cat([output[:, 0], c], dim=1)), state  # (B, V)

    def reorder_state(self, state: Tensor, index: Tensor) -> Tensor:
        """Keep (and repeat) the batch rows ``index`` of the state, for beam search."""
        return state.index_select(1, index)

    def forward(self, tgt_in: Tensor, memory: Memory) -> Tensor:
        """Teacher forcing: feed the true previous tokens ``tgt_in`` ``(B, T)``; logits ``(B, T, V)``."""
        _check_ids(type(self).__name__, "tgt_in", tgt_in, 2)
        state, logits = self.init_state(memory), []
        for t in range(tgt_in.shape[1]):
            step_logits, state = self.step(tgt_in[:, t], state, memory)  # the truth, not our guess
            logits.append(step_logits)
        return torch.stack(logits, dim=1)


class Seq2Seq(nn.Module):
    r"""An `Encoder` and a decoder (a `Decoder` or anything with the same API).

    Shapes:
        ``forward(src, src_lengths, tgt_in)``: ``(B, S)``, ``(B,)``, ``(B, T)`` -> logits
        ``(B, T, V)`` under teacher forcing. ``encode(src, src_lengths)`` -> `Memory`.
    """

    def __init__(self, encoder: Encoder, decoder: nn.Module) -> None:
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def encode(self, src: Tensor, src_lengths: Tensor) -> Memory:
        return self.encoder(src, src_lengths)

    def forward(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor) -> Tensor:
        return self.decoder(tgt_in, self.encode(src, src_lengths))


def sequence_loss(logits: Tensor, tgt_out: Tensor, pad_id: int) -> Tensor:
    r"""Mean cross-entropy per target token under teacher forcing, ignoring padding.

    .. math:: L = -\frac{1}{N} \sum_{b,t:\ y_{b,t} \neq \text{pad}} \log p_\theta(y_{b,t} \mid y_{b,<t}, x_b)

    where :math:`N` counts the real (non-pad) target tokens of the batch, so long and short
    targets weigh every token alike. Same as ``F.cross_entropy(logits.flatten(0, 1),
    tgt_out.flatten(), ignore_index=pad_id)``.

    Args:
        logits: ``(B, T, V)``; tgt_out: ``(B, T)`` the tokens to predict; pad_id: ignored id.
    """
    if logits.dim() != 3 or tgt_out.shape != logits.shape[:2]:
        raise ValueError(f"sequence_loss expects logits (B, T, V) and tgt_out (B, T), got "
                         f"{tuple(logits.shape)} and {tuple(tgt_out.shape)}")
    if not (tgt_out != pad_id).any():
        raise ValueError("sequence_loss: every target token is padding, nothing to learn from")
    return F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=pad_id)


def _check_decoding(caller: str, src: Tensor, src_lengths: Tensor, max_len: int) -> None:
    _check_ids(caller, "src", src, 2)
    _check_ids(caller, "src_lengths", src_lengths, 1)
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"{caller}: max_len must be an int >= 1, got {max_len!r}")


def _cut(tokens: Sequence[int], eos_id: int) -> list[int]:
    """The tokens before the first ``eos_id``."""
    tokens = list(tokens)
    return tokens[: tokens.index(eos_id)] if eos_id in tokens else tokens


@torch.no_grad()
def greedy_decode(model: Seq2Seq, src: Tensor, src_lengths: Tensor, bos_id: int,
                  eos_id: int, max_len: int) -> list[list[int]]:
    r"""Always take the most likely next token, :math:`y_t = \arg\max_v p(v \mid y_{<t}, x)`.

    Each step feeds the model its own previous choice (in training, teacher forcing fed
    it the truth). A row is finished at its first ``eos_id``; decoding stops when every
    row is, or after ``max_len`` steps.

    Returns:
        For each source row, the generated token ids without ``<bos>`` and ``<eos>``.
    """
    _check_decoding("greedy_decode", src, src_lengths, max_len)
    was_training = model.training
    model.eval()
    memory = model.encode(src, src_lengths)
    state = model.decoder.init_state(memory)
    tokens = torch.full((src.shape[0],), bos_id, dtype=torch.long, device=src.device)
    done = torch.zeros_like(tokens, dtype=torch.bool)
    out = []
    for _ in range(max_len):
        logits, state = model.decoder.step(tokens, state, memory)  # (B, V)
        tokens = logits.argmax(dim=1)
        out.append(tokens)
        done |= tokens == eos_id
        if done.all():
            break
    model.train(was_training)
    return [_cut(row, eos_id) for row in torch.stack(out, dim=1).tolist()]


def _repeat_memory(memory: Memory, k: int) -> Memory:
    """Each batch row ``k`` times in a row: ``(B, ...) -> (B * k, ...)`` (state: dimension 1)."""
    return Memory(memory.outputs.repeat_interleave(k, dim=0), memory.state.repeat_interleave(k, dim=1),
                  memory.mask.repeat_interleave(k, dim=0))


@torch.no_grad()
def beam_search(model: Seq2Seq, src: Tensor, src_lengths: Tensor, bos_id: int, eos_id: int,
                max_len: int, beam_size: int = 5) -> list[list[int]]:
    r"""Keep the ``beam_size`` most likely partial outputs at every step; return the best finished one.

    A hypothesis :math:`y_{1..t}` is scored by its log-probability
    :math:`\sum_{s \le t} \log p(y_s \mid y_{<s}, x)`. Every step extends each of the :math:`K`
    hypotheses by every token, and keeps the :math:`K` best of the :math:`K V` candidates.
    A hypothesis that has written ``<eos>`` is finished: it stays in the beam with its score
    (it can only be extended by ``<eos>`` at no cost). Greedy decoding is ``beam_size=1``.
    Scores are not normalized by length, which suits outputs of one length (like ISO dates);
    for free text a length penalty is usual (Wu et al., 2016).

    Returns:
        For each source row, the token ids of its highest-scoring hypothesis, without
        ``<bos>`` and ``<eos>``.
    """
    _check_decoding("beam_search", src, src_lengths, max_len)
    if isinstance(beam_size, bool) or not isinstance(beam_size, int) or beam_size < 1:
        raise ValueError(f"beam_search: beam_size must be an int >= 1, got {beam_size!r}")
    was_training = model.training
    model.eval()
    B, K, device = src.shape[0], beam_size, src.device
    memory = _repeat_memory(model.encode(src, src_lengths), K)  # every row K times: (B * K, ...)
    state = model.decoder.init_state(memory)
    tokens = torch.full((B * K,), bos_id, dtype=torch.long, device=device)
    scores = torch.full((B, K), -math.inf, device=device)
    scores[:, 0] = 0.0  # at the start the K copies are identical: expand only the first
    history = torch.empty(B, K, 0, dtype=torch.long, device=device)
    finished = torch.zeros(B, K, dtype=torch.bool, device=device)
    for _ in range(max_len):
        logits, state = model.decoder.step(tokens, state, memory)  # (B * K, V)
        log_probs = logits.log_softmax(dim=1).view(B, K, -1)  # (B, K, V)
        V = log_probs.shape[2]
        eos_only = torch.full((V,), -math.inf, device=device)
        eos_only[eos_id] = 0.0  # a finished hypothesis keeps its score and writes <eos> again
        log_probs = torch.where(finished[:, :, None], eos_only, log_probs)
        candidates = (scores[:, :, None] + log_probs).view(B, K * V)  # (B, K * V)
        scores, best = candidates.topk(K, dim=1)  # (B, K)
        beam, tokens = best // V, best % V  # which hypothesis each survivor extends, and by what
        rows = (torch.arange(B, device=device)[:, None] * K + beam).view(-1)  # (B * K,) in the flat batch
        state = model.decoder.reorder_state(state, rows)
        history = torch.cat([history.gather(1, beam[:, :, None].expand(-1, -1, history.shape[2])),
                             tokens[:, :, None]], dim=2)  # (B, K, t)
        finished = finished.gather(1, beam) | (tokens == eos_id)
        tokens = tokens.view(-1)
        if finished.all():
            break
    model.train(was_training)
    best_rows = history[torch.arange(B, device=device), scores.argmax(dim=1)]  # (B, t)
    return [_cut(row, eos_id) for row in best_rows.tolist()]


def translate(model: Seq2Seq, sources: Sequence[str], src_vocab: CharVocab, tgt_vocab: CharVocab,
              max_len: int, beam_size: int = 1, batch_size: int = 512) -> list[str]:
    """Decode strings: greedy for ``beam_size=1``, else `beam_search`; returns the target strings."""
    if not sources:
        raise ValueError("translate needs at least one source string")
    device = next(model.parameters()).device
    out = []
    for start in range(0, len(sources), batch_size):
        chunk = sources[start : start + batch_size]
        batch = date_batches([(s, "") for s in chunk], src_vocab, tgt_vocab)
        src, lengths = batch.src.to(device), batch.src_lengths.to(device)
        if beam_size == 1:
            ids = greedy_decode(model, src, lengths, tgt_vocab.bos_id, tgt_vocab.eos_id, max_len)
        else:
            ids = beam_search(model, src, lengths, tgt_vocab.bos_id, tgt_vocab.eos_id, max_len, beam_size)
        out += [tgt_vocab.decode(row) for row in ids]
    return out


def exact_match(predictions: Sequence[str], targets: Sequence[str]) -> float:
    """The fraction of predictions equal to their target, character for character."""
    if len(predictions) != len(targets) or not targets:
        raise ValueError(f"exact_match needs equally many predictions and targets (at least one), "
                         f"got {len(predictions)} and {len(targets)}")
    return sum(p == t for p, t in zip(predictions, targets, strict=True)) / len(targets)


def train_seq2seq(model: Seq2Seq, pairs: Sequence[tuple[str, str]], src_vocab: CharVocab, tgt_vocab: CharVocab,
                  num_steps: int, batch_size: int = 64, lr: float = 3e-3, max_norm: float = 1.0, seed: int = 0,
                  loss_fn: Callable[[Tensor, Tensor, int], Tensor] = sequence_loss,
                  progress: bool = True) -> list[float]:
    r"""Train under teacher forcing with Adam and gradient clipping, on random minibatches of ``pairs``.

    Every step draws ``batch_size`` pairs (from a generator seeded with ``seed``), pads them with
    `dl_lib.seqdata.date_batches`, computes the logits of every target position given the true
    previous tokens, and takes one Adam step on `sequence_loss` after clipping the gradient's
    global norm to ``max_norm`` (`dl_lib.nn.clip_grad_norm`).

    Returns:
        The training loss of every step.
    """
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"train_seq2seq: num_steps must be an int >= 1, got {num_steps!r}")
    if not 1 <= batch_size <= len(pairs):
        raise ValueError(f"train_seq2seq: batch_size must be in 1..{len(pairs)} (the number of pairs), "
                         f"got {batch_size}")
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    losses = []
    for _ in tqdm(range(num_steps), desc="train_seq2seq", unit="step", disable=not progress):
        picks = torch.randint(0, len(pairs), (batch_size,), generator=generator).tolist()
        batch = date_batches([pairs[i] for i in picks], src_vocab, tgt_vocab)
        logits = model(batch.src.to(device), batch.src_lengths.to(device), batch.tgt_in.to(device))
        loss = loss_fn(logits, batch.tgt_out.to(device), tgt_vocab.pad_id)
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm(model.parameters(), max_norm)
        optimizer.step()
        losses.append(loss.item())
    return losses
