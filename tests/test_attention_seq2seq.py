"""dl_lib.attention_seq2seq: the attention decoder and the transformer plug into dl_lib.seq2seq's API;
step-by-step decoding equals teacher forcing; attention ignores padding."""

import pytest
import torch
from torch.testing import assert_close

from dl_lib.attention_seq2seq import (
    AttentionDecoder,
    alignment,
    attention_seq2seq,
    transformer_seq2seq,
)
from dl_lib.seq2seq import Decoder, Encoder, Seq2Seq, beam_search, greedy_decode
from dl_lib.seqdata import date_batches, date_pairs, date_vocabs

SRC_VOCAB, TGT_VOCAB = date_vocabs()


def _batch(n=4, seed=0):
    return date_batches(date_pairs(n, seed=seed), SRC_VOCAB, TGT_VOCAB)


@pytest.mark.parametrize("kind", ["rnn", "transformer"])
def test_stepwise_decoding_equals_teacher_forcing(kind):
    torch.manual_seed(0)
    model = (attention_seq2seq(len(SRC_VOCAB), len(TGT_VOCAB)) if kind == "rnn"
             else transformer_seq2seq(len(SRC_VOCAB), len(TGT_VOCAB), num_layers=2)).double().eval()
    batch = _batch()
    forced = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
    memory = model.encode(batch.src, batch.src_lengths)
    state, steps = model.decoder.init_state(memory), []
    for t in range(batch.tgt_in.shape[1]):
        logits, state = model.decoder.step(batch.tgt_in[:, t], state, memory)
        steps.append(logits)
    assert forced.shape == (4, batch.tgt_in.shape[1], len(TGT_VOCAB))
    assert_close(torch.stack(steps, 1), forced, rtol=1e-10, atol=1e-10)


def test_attention_weights_sum_to_one_and_ignore_padding():
    torch.manual_seed(0)
    model = attention_seq2seq(len(SRC_VOCAB), len(TGT_VOCAB))
    batch = _batch(6, seed=3)
    model(batch.src, batch.src_lengths, batch.tgt_in)
    weights = model.decoder.last_weights  # (B, S)
    assert_close(weights.sum(1), torch.ones(6))
    padding = batch.src == SRC_VOCAB.pad_id
    assert padding.any() and torch.equal(weights[padding], torch.zeros(int(padding.sum())))


def test_padding_does_not_change_the_transformer_output():
    torch.manual_seed(0)
    model = transformer_seq2seq(len(SRC_VOCAB), len(TGT_VOCAB)).double().eval()
    pairs = date_pairs(8, seed=5)
    alone = date_batches(pairs[:1], SRC_VOCAB, TGT_VOCAB)
    together = date_batches(pairs, SRC_VOCAB, TGT_VOCAB)
    assert together.src.shape[1] > alone.src.shape[1]  # the first row gets padded in the batch
    single = model(alone.src, alone.src_lengths, alone.tgt_in)
    batched = model(together.src, together.src_lengths, together.tgt_in)[:1]
    assert_close(batched, single, rtol=1e-10, atol=1e-10)


def test_greedy_and_beam_search_run_on_both_models_and_agree_with_beam_one():
    batch = _batch(5, seed=2)
    models = (attention_seq2seq(len(SRC_VOCAB), len(TGT_VOCAB)), transformer_seq2seq(len(SRC_VOCAB), len(TGT_VOCAB)))
    for model in models:
        greedy = greedy_decode(model, batch.src, batch.src_lengths, TGT_VOCAB.bos_id, TGT_VOCAB.eos_id, 12)
        beam = beam_search(model, batch.src, batch.src_lengths, TGT_VOCAB.bos_id, TGT_VOCAB.eos_id, 12, beam_size=1)
        assert len(greedy) == 5 and greedy == beam
        wide = beam_search(model, batch.src, batch.src_lengths, TGT_VOCAB.bos_id, TGT_VOCAB.eos_id, 12, beam_size=3)
        assert len(wide) == 5


def test_alignment_rows_cover_the_real_source_and_bad_input():
    torch.manual_seed(0)
    model = attention_seq2seq(len(SRC_VOCAB), len(TGT_VOCAB))
    batch = _batch(1)
    tokens, weights = alignment(model, batch.src, batch.src_lengths, TGT_VOCAB.bos_id, TGT_VOCAB.eos_id, 12)
    assert weights.shape[1] == int(batch.src_lengths[0]) and weights.shape[0] in (len(tokens), len(tokens) + 1)
    assert_close(weights.sum(1), torch.ones(weights.shape[0]))
    with pytest.raises(ValueError, match="one source at a time"):
        two = _batch(2)
        alignment(model, two.src, two.src_lengths, TGT_VOCAB.bos_id, TGT_VOCAB.eos_id, 12)
    plain = Seq2Seq(Encoder(len(SRC_VOCAB), 8, 8), Decoder(len(TGT_VOCAB), 8, 8))
    with pytest.raises(ValueError, match="needs a model with an AttentionDecoder"):
        alignment(plain, batch.src, batch.src_lengths, TGT_VOCAB.bos_id, TGT_VOCAB.eos_id, 12)
    assert isinstance(model.decoder, AttentionDecoder)
