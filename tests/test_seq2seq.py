"""dl_lib.seq2seq: the encoder skips padding, teacher forcing is stepping, greedy and beam search decode right."""

import itertools
import math

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from dl_lib.seq2seq import (
    Decoder,
    Encoder,
    Memory,
    Seq2Seq,
    beam_search,
    exact_match,
    greedy_decode,
    sequence_loss,
    train_seq2seq,
    translate,
)
from dl_lib.seqdata import date_batches, date_pairs, date_vocabs

PAD, BOS, EOS = 0, 1, 2


def _model(src_vocab=12, tgt_vocab=7, E=5, H=6, L=1, seed=0):
    torch.manual_seed(seed)
    return Seq2Seq(Encoder(src_vocab, E, H, num_layers=L, pad_id=PAD), Decoder(tgt_vocab, E, H, num_layers=L))


def _batch(seed=0, B=4, S=7, vocab=12):
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, S + 1, (B,), generator=gen)
    lengths[0] = S  # at least one full row
    src = torch.randint(3, vocab, (B, S), generator=gen)
    src[torch.arange(S)[None, :] >= lengths[:, None]] = PAD
    return src, lengths


@pytest.mark.parametrize("L", [1, 2])
def test_encoder_skips_the_padding(L):
    model = _model(L=L)
    src, lengths = _batch()
    memory = model.encode(src, lengths)
    B, S = src.shape
    assert memory.outputs.shape == (B, S, 6) and memory.state.shape == (L, B, 6)
    assert torch.equal(memory.mask, torch.arange(S)[None, :] < lengths[:, None])
    for b in range(B):  # each row alone, without padding, gives the same final state and outputs
        row = src[b : b + 1, : lengths[b]]
        outputs, state = model.encoder.rnn(model.encoder.embed(row))
        assert_close(memory.state[:, b], state[:, 0], rtol=1e-5, atol=1e-6)
        assert_close(memory.outputs[b, : lengths[b]], outputs[0], rtol=1e-5, atol=1e-6)
        assert torch.all(memory.outputs[b, lengths[b] :] == 0)


def test_teacher_forcing_is_stepping_through_the_true_tokens():
    model = _model()
    src, lengths = _batch()
    tgt_in = torch.tensor([[BOS, 3, 4, 5], [BOS, 6, 6, 3], [BOS, 4, 3, 3], [BOS, 5, 5, 5]])
    logits = model(src, lengths, tgt_in)
    assert logits.shape == (4, 4, 7)
    memory = model.encode(src, lengths)
    state = memory.state
    for t in range(4):
        step_logits, state = model.decoder.step(tgt_in[:, t], state, memory)
        assert_close(logits[:, t], step_logits)
    # the first step sees only <bos>, the context and the encoder's state: later tokens change nothing
    changed = tgt_in.clone()
    changed[:, 2:] = 3
    assert_close(model(src, lengths, changed)[:, :2], logits[:, :2])


def test_the_context_is_the_hook_for_attention():
    """A subclass that replaces only `context` changes every step, teacher forcing and decoding alike."""

    class MeanContext(Decoder):
        def context(self, state, memory):
            mask = memory.mask[:, :, None].to(memory.outputs.dtype)  # (B, S, 1)
            return (memory.outputs * mask).sum(1) / mask.sum(1)  # mean over the real positions

    torch.manual_seed(0)
    encoder, plain = Encoder(12, 5, 6), Decoder(7, 5, 6)
    mean = MeanContext(7, 5, 6)
    mean.load_state_dict(plain.state_dict())
    src, lengths = _batch()
    tgt_in = torch.full((4, 3), BOS)
    logits_plain = Seq2Seq(encoder, plain)(src, lengths, tgt_in)
    assert not torch.allclose(logits_plain, Seq2Seq(encoder, mean)(src, lengths, tgt_in))
    assert len(greedy_decode(Seq2Seq(encoder, mean), src, lengths, BOS, EOS, 4)) == 4


def test_sequence_loss_ignores_padding_and_averages_over_tokens():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 5, generator=gen, dtype=torch.float64)
    tgt_out = torch.tensor([[3, 4, EOS, PAD], [3, EOS, PAD, PAD]])
    log_p = logits.log_softmax(-1)
    picked = [log_p[0, 0, 3], log_p[0, 1, 4], log_p[0, 2, EOS], log_p[1, 0, 3], log_p[1, 1, EOS]]
    assert_close(sequence_loss(logits, tgt_out, PAD), -torch.stack(picked).mean())
    changed = logits.clone()
    changed[0, 3] = 100.0  # the padded position does not count
    assert_close(sequence_loss(changed, tgt_out, PAD), sequence_loss(logits, tgt_out, PAD))


def test_sequence_loss_errors():
    with pytest.raises(ValueError, match=r"logits \(B, T, V\) and tgt_out \(B, T\)"):
        sequence_loss(torch.zeros(2, 4, 5), torch.zeros(2, 3, dtype=torch.long), PAD)
    with pytest.raises(ValueError, match="every target token is padding"):
        sequence_loss(torch.zeros(2, 3, 5), torch.zeros(2, 3, dtype=torch.long), PAD)


def test_greedy_is_beam_search_of_width_one():
    for seed in range(3):
        model = _model(seed=seed)
        src, lengths = _batch(seed)
        greedy = greedy_decode(model, src, lengths, BOS, EOS, max_len=6)
        assert greedy == beam_search(model, src, lengths, BOS, EOS, max_len=6, beam_size=1)
        assert all(EOS not in row for row in greedy)
        assert all(len(row) <= 6 for row in greedy)


def test_greedy_feeds_back_its_own_choice():
    model = _model(seed=1)
    src, lengths = _batch(1)
    out = greedy_decode(model, src, lengths, BOS, EOS, max_len=5)
    memory = model.encode(src[:1], lengths[:1])
    state, token, expected = memory.state, torch.tensor([BOS]), []
    with torch.no_grad():
        for _ in range(5):
            logits, state = model.decoder.step(token, state, memory)
            token = logits.argmax(1)
            if token.item() == EOS:
                break
            expected.append(token.item())
    assert out[0] == expected


def _log_prob(model, src, lengths, tokens):
    """log p(tokens, then <eos> unless the sequence is max_len long) under the model, for one source row."""
    memory = model.encode(src, lengths)
    state, prev, total = memory.state, torch.tensor([BOS]), 0.0
    with torch.no_grad():
        for tok in tokens:
            logits, state = model.decoder.step(prev, state, memory)
            total += logits.log_softmax(1)[0, tok].item()
            prev = torch.tensor([tok])
            if tok == EOS:
                break
    return total


def test_wide_beam_search_finds_the_most_likely_output():
    """With K = V^(max_len - 1) beams the search is exhaustive; compare with brute force."""
    model = _model(tgt_vocab=4, seed=2)  # tokens: pad, bos, eos, a
    src, lengths = _batch(2, B=2)
    max_len = 3
    for b in range(2):
        s, n = src[b : b + 1], lengths[b : b + 1]
        best, best_score = None, -math.inf
        for seq in itertools.product(range(4), repeat=max_len):
            seq = list(seq)
            if EOS in seq:
                seq = seq[: seq.index(EOS) + 1]
            score = _log_prob(model, s, n, seq)
            if score > best_score + 1e-9:
                best, best_score = [t for t in seq if t != EOS], score
        found = beam_search(model, s, n, BOS, EOS, max_len=max_len, beam_size=16)[0]
        assert found == best


class _Scripted(nn.Module):
    """A decoder whose next-token probabilities are fixed by a table: greedy goes wrong, beam search not.

    Tokens: 0 pad, 1 bos, 2 eos, 3 a, 4 b. After <bos>: a 0.55, b 0.45. After a: a 0.5, b 0.5.
    After b: a 0.95, b 0.05. After two tokens: <eos>. Greedy picks a, a (0.275); the best is b, a (0.4275).
    """

    def init_state(self, memory: Memory):
        return torch.zeros(1, memory.state.shape[1], 1)  # (1, B, 1): the step count

    def step(self, tokens, state, memory):
        t = int(state[0, 0, 0])
        table = {BOS: [0, 0, 0, 0.55, 0.45], 3: [0, 0, 0, 0.5, 0.5], 4: [0, 0, 0, 0.95, 0.05]}
        probs = torch.tensor([table[int(tok)] if t < 2 else [0, 0, 1.0, 0, 0] for tok in tokens])
        return probs.clamp_min(1e-12).log(), state + 1

    def reorder_state(self, state, index):
        return state.index_select(1, index)


def test_beam_search_beats_greedy_where_greedy_commits_too_early():
    model = Seq2Seq(Encoder(12, 5, 6), _Scripted())
    src, lengths = _batch(B=2)
    assert greedy_decode(model, src, lengths, BOS, EOS, max_len=5) == [[3, 3], [3, 3]]
    assert beam_search(model, src, lengths, BOS, EOS, max_len=5, beam_size=2) == [[4, 3], [4, 3]]


def test_decoding_errors():
    model = _model()
    src, lengths = _batch()
    with pytest.raises(ValueError, match="max_len must be an int >= 1"):
        greedy_decode(model, src, lengths, BOS, EOS, max_len=0)
    with pytest.raises(ValueError, match="beam_size must be an int >= 1"):
        beam_search(model, src, lengths, BOS, EOS, max_len=3, beam_size=0)
    with pytest.raises(ValueError, match=r"src as a LongTensor of shape \(B, length\)"):
        greedy_decode(model, src.float(), lengths, BOS, EOS, max_len=3)
    with pytest.raises(ValueError, match=r"src_lengths of shape \(4,\) with values in 1..7"):
        model.encode(src, torch.tensor([7, 0, 3, 2]))
    with pytest.raises(ValueError, match=r"tgt_in as a LongTensor"):
        model(src, lengths, torch.zeros(4, 3))


def test_exact_match():
    assert exact_match(["1997-03-03", "2001-01-01"], ["1997-03-03", "2001-01-02"]) == 0.5
    with pytest.raises(ValueError, match="equally many predictions and targets"):
        exact_match(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="equally many"):
        exact_match([], [])


def test_training_on_dates_lowers_the_loss_and_translate_decodes_strings():
    src_vocab, tgt_vocab = date_vocabs()
    pairs = date_pairs(200, seed=0)
    torch.manual_seed(0)
    model = Seq2Seq(Encoder(len(src_vocab), 8, 16, pad_id=src_vocab.pad_id), Decoder(len(tgt_vocab), 8, 16))
    batch = date_batches(pairs[:64], src_vocab, tgt_vocab)
    before = sequence_loss(model(batch.src, batch.src_lengths, batch.tgt_in), batch.tgt_out, tgt_vocab.pad_id).item()
    losses = train_seq2seq(model, pairs, src_vocab, tgt_vocab, num_steps=25, batch_size=16, lr=2e-2, progress=False)
    assert len(losses) == 25
    after = sequence_loss(model(batch.src, batch.src_lengths, batch.tgt_in), batch.tgt_out, tgt_vocab.pad_id).item()
    assert after < before - 0.3, (before, after)
    out = translate(model, [s for s, _ in pairs[:5]], src_vocab, tgt_vocab, max_len=11, beam_size=1)
    beam = translate(model, [s for s, _ in pairs[:5]], src_vocab, tgt_vocab, max_len=11, beam_size=3)
    assert len(out) == len(beam) == 5 and all(isinstance(s, str) and len(s) <= 11 for s in out + beam)
    assert set("".join(out)) <= set("0123456789-")
    with pytest.raises(ValueError, match="batch_size must be in 1..200"):
        train_seq2seq(model, pairs, src_vocab, tgt_vocab, num_steps=1, batch_size=500)
    with pytest.raises(ValueError, match="num_steps must be an int >= 1"):
        train_seq2seq(model, pairs, src_vocab, tgt_vocab, num_steps=0)
    with pytest.raises(ValueError, match="at least one source string"):
        translate(model, [], src_vocab, tgt_vocab, max_len=3)
