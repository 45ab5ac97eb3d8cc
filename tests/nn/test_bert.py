"""The small BERT: masking statistics, the encoder against torch.nn.TransformerEncoder, the heads."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dl_lib.nn import BertConfig, BertEncoder, BertForMaskedLM, BertForSequenceClassification, mask_tokens

PAD, CLS, MASK, V = 0, 1, 2, 40


def config(**kw) -> BertConfig:
    return BertConfig(**({"vocab_size": V, "pad_token_id": PAD, "max_position_embeddings": 12, "hidden_size": 16,
                          "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 32,
                          "dropout": 0.0} | kw))


def test_mask_tokens_proportions_and_labels():
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(3, V, (400, 50), generator=gen)
    ids[:, 0], ids[:, -5:] = CLS, PAD
    inputs, labels = mask_tokens(ids, MASK, V, special_ids=(PAD, CLS, MASK), mask_prob=0.15, generator=gen)
    chosen = labels != -100
    ordinary = (ids != PAD) & (ids != CLS)
    assert not (chosen & ~ordinary).any(), "special tokens must never be chosen"
    assert abs(chosen.sum().item() / ordinary.sum().item() - 0.15) < 0.01
    assert torch.equal(labels[chosen], ids[chosen])
    assert torch.equal(inputs[~chosen], ids[~chosen]), "unchosen tokens stay as they are"
    masked = (inputs == MASK) & chosen
    kept = (inputs == ids) & chosen
    swapped = chosen & ~masked & ~kept
    n = chosen.sum().item()
    assert abs(masked.sum().item() / n - 0.8) < 0.02
    assert abs(swapped.sum().item() / n - 0.1) < 0.02  # random tokens (a few equal the original by chance)
    assert not torch.isin(inputs[swapped], torch.tensor([PAD, CLS, MASK])).any()
    again = mask_tokens(ids, MASK, V, special_ids=(PAD, CLS, MASK), generator=torch.Generator().manual_seed(0))
    first = mask_tokens(ids, MASK, V, special_ids=(PAD, CLS, MASK), generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(again, first, strict=True))


def test_encoder_matches_torch_transformer_encoder_forward_and_backward():
    torch.manual_seed(0)
    ours = BertEncoder(config()).double()
    with torch.no_grad():
        for p in ours.parameters():
            p.normal_(0.0, 0.3)
    layer = nn.TransformerEncoderLayer(16, 4, 32, 0.0, activation="gelu", batch_first=True, norm_first=True,
                                       dtype=torch.float64)
    ref_encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(16, eps=1e-12, dtype=torch.float64),
                                        enable_nested_tensor=False)
    ref_encoder.load_state_dict(ours.encoder.state_dict())
    ids = torch.randint(3, V, (3, 9), generator=torch.Generator().manual_seed(1))
    ids[0, 6:] = PAD
    out = ours(ids)
    x = nn.functional.layer_norm(ours.word_embeddings(ids) + ours.position_embeddings(torch.arange(9)), (16,),
                                 ours.norm.weight, ours.norm.bias, 1e-12)
    ref = ref_encoder(x, src_key_padding_mask=ids == PAD)
    keep = ids != PAD
    torch.testing.assert_close(out[keep], ref[keep], atol=1e-6, rtol=0)
    upstream = torch.randn(out.shape, dtype=torch.float64) * keep[..., None]
    grads = torch.autograd.grad(out, list(ours.encoder.parameters()), upstream)
    ref_grads = torch.autograd.grad(ref, list(ref_encoder.parameters()), upstream)
    for g, r in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(g, r, atol=1e-6, rtol=0)


def test_padding_does_not_change_the_other_positions():
    model = BertEncoder(config()).eval()
    ids = torch.tensor([[CLS, 5, 6, 7]])
    padded = torch.tensor([[CLS, 5, 6, 7, PAD, PAD]])
    torch.testing.assert_close(model(ids), model(padded)[:, :4], atol=1e-6, rtol=0)


def test_mlm_head_is_tied_and_loss_ignores_unchosen_positions():
    model = BertForMaskedLM(config())
    assert model.decoder.weight is model.bert.word_embeddings.weight
    ids = torch.randint(3, V, (2, 8), generator=torch.Generator().manual_seed(0))
    assert model(ids).shape == (2, 8, V)
    labels = torch.full_like(ids, -100)
    labels[0, 3] = 7
    logits = model(ids)
    expected = nn.functional.cross_entropy(logits[0, 3][None], torch.tensor([7]))
    torch.testing.assert_close(model.loss(ids, labels), expected)
    assert abs(model(ids).std().item()) < 1.0, "BERT's init (std 0.02) keeps the first logits small"


def test_classifier_reads_the_first_position_and_loads_a_pretrained_encoder():
    mlm = BertForMaskedLM(config())
    clf = BertForSequenceClassification(config(), num_labels=3).eval()
    clf.bert.load_state_dict(mlm.bert.state_dict())
    ids = torch.randint(3, V, (4, 7), generator=torch.Generator().manual_seed(0))
    ids[:, 0] = CLS
    assert clf(ids).shape == (4, 3)
    torch.testing.assert_close(clf.bert(ids), mlm.bert(ids))
    hidden = clf.bert(ids)[:, 0]
    torch.testing.assert_close(clf(ids), clf.classifier(clf.pooler(hidden)))


def test_bad_input():
    with pytest.raises(ValueError, match="pad_token_id must lie in"):
        BertConfig(vocab_size=10, pad_token_id=10)
    with pytest.raises(ValueError, match="divisible by num_attention_heads"):
        BertConfig(vocab_size=10, pad_token_id=0, hidden_size=10, num_attention_heads=4)
    with pytest.raises(ValueError, match="num_labels must be >= 2"):
        BertForSequenceClassification(config(), num_labels=1)
    model = BertEncoder(config())
    with pytest.raises(ValueError, match="exceed max_position_embeddings=12"):
        model(torch.zeros(1, 13, dtype=torch.long))
    with pytest.raises(ValueError, match=r"integer token ids of shape \(B, T\)"):
        model(torch.zeros(1, 4))
    with pytest.raises(ValueError, match="mask_prob must lie in"):
        mask_tokens(torch.zeros(2, 3, dtype=torch.long), MASK, V, mask_prob=0.0)
    with pytest.raises(ValueError, match=r"integer ids of shape \(B, T\)"):
        mask_tokens(torch.zeros(3, dtype=torch.long), MASK, V)
