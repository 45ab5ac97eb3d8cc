"""dl_lib.nn.attention against torch: scaled dot-product attention with masks, multi-head attention
loaded from and into torch.nn.MultiheadAttention (values and gradients in float64), the helpers,
kernel regression, additive attention and bad input."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from dl_lib.nn.attention import (
    AdditiveAttention,
    MultiheadAttention,
    attention_weights,
    causal_mask,
    kernel_regression,
    masked_softmax,
    merge_heads,
    padding_mask,
    scaled_dot_product_attention,
    split_heads,
)

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _random(*shape, seed=0, grad=True):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64, requires_grad=grad)


def _assert_same_values_and_grads(ours, ref, inputs, seed=99):
    assert ours.shape == ref.shape
    assert_close(ours, ref, **TOL)
    upstream = _random(*ref.shape, seed=seed, grad=False)
    grads_ours = torch.autograd.grad(ours, inputs, upstream, allow_unused=True)
    grads_ref = torch.autograd.grad(ref, inputs, upstream, allow_unused=True)
    for g_ours, g_ref in zip(grads_ours, grads_ref, strict=True):
        assert_close(g_ours, g_ref, **TOL)


def _bool_mask(*shape, seed):
    generator = torch.Generator().manual_seed(seed)
    mask = torch.rand(*shape, generator=generator) > 0.3
    mask[..., 0] = True  # every query may see at least one key
    return mask


MASKS = ["none", "bool", "float", "causal", "causal_rect", "padding", "scale"]


@pytest.mark.parametrize("case", MASKS)
def test_sdpa_matches_torch_values_and_gradients(case):
    B, h, L, S, d_k, d_v = 2, 3, 5, 5 if case != "causal_rect" else 7, 4, 6
    q, k, v = _random(B, h, L, d_k, seed=1), _random(B, h, S, d_k, seed=2), _random(B, h, S, d_v, seed=3)
    kwargs = {}
    if case == "bool":
        kwargs["attn_mask"] = _bool_mask(L, S, seed=4)
    elif case == "float":
        kwargs["attn_mask"] = _random(B, 1, L, S, seed=5, grad=False)
    elif case in ("causal", "causal_rect"):
        kwargs["is_causal"] = True
    elif case == "padding":
        tokens = torch.tensor([[5, 6, 7, 0, 0], [1, 2, 3, 4, 5]])
        kwargs["attn_mask"] = ~padding_mask(tokens, pad_id=0)[:, None, None, :]
    elif case == "scale":
        kwargs["scale"] = 0.3
    ours = scaled_dot_product_attention(q, k, v, **kwargs)
    ref = F.scaled_dot_product_attention(q, k, v, **kwargs)
    _assert_same_values_and_grads(ours, ref, [q, k, v])


def test_fully_masked_rows_give_zeros_like_torch():
    q, k, v = _random(1, 4, 3, seed=1), _random(1, 5, 3, seed=2), _random(1, 5, 2, seed=3)
    mask = torch.ones(4, 5, dtype=torch.bool)
    mask[2] = False
    ours = scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert torch.isfinite(ours).all()
    assert_close(ours, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), **TOL)
    assert torch.equal(ours[0, 2], torch.zeros(2, dtype=torch.float64))
    weights = attention_weights(q, k, mask)
    assert_close(weights.sum(-1), torch.tensor([[1.0, 1.0, 0.0, 1.0]], dtype=torch.float64))
    (grad,) = torch.autograd.grad(ours.sum(), q)
    assert torch.isfinite(grad).all()


def test_weights_are_a_distribution_and_causal_weights_ignore_the_future():
    q, k = _random(2, 6, 4, seed=1), _random(2, 6, 4, seed=2)
    weights = attention_weights(q, k, is_causal=True)
    assert_close(weights.sum(-1), torch.ones(2, 6, dtype=torch.float64))
    assert torch.equal(weights.triu(1), torch.zeros_like(weights))
    # changing a later key changes nothing for earlier queries
    k2 = k.detach().clone()
    k2[:, 4:] += 10
    assert_close(attention_weights(q, k2, is_causal=True)[:, :4, :4], weights[:, :4, :4])


def test_scaling_by_sqrt_dk_keeps_score_variance_near_one():
    d_k = 256
    q, k = _random(4000, d_k, seed=1, grad=False), _random(4000, d_k, seed=2, grad=False)
    raw = (q * k).sum(-1)
    assert 0.85 * d_k < raw.var() < 1.15 * d_k
    assert 0.85 < (raw / math.sqrt(d_k)).var() < 1.15


def test_causal_and_padding_masks():
    assert torch.equal(causal_mask(3), torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=torch.bool))
    assert torch.equal(causal_mask(2, 3), torch.tensor([[1, 0, 0], [1, 1, 0]], dtype=torch.bool))
    tokens = torch.tensor([[4, 5, 0], [7, 0, 0]])
    assert torch.equal(padding_mask(tokens, 0), torch.tensor([[0, 0, 1], [0, 1, 1]], dtype=torch.bool))


def test_masked_softmax_matches_softmax_over_the_kept_entries():
    scores = _random(3, 5, seed=1, grad=False)
    mask = torch.tensor([[1, 1, 0, 1, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    weights = masked_softmax(scores, mask)
    assert torch.equal(weights[~mask], torch.zeros(int((~mask).sum()), dtype=torch.float64))
    assert_close(weights[0, [0, 1, 3]], torch.softmax(scores[0, [0, 1, 3]], 0))
    assert_close(weights[1], torch.tensor([1.0, 0, 0, 0, 0], dtype=torch.float64))
    assert_close(weights[2], torch.softmax(scores[2], 0))


def test_split_and_merge_heads_are_inverse_and_split_the_feature_axis():
    x = torch.arange(2 * 3 * 8, dtype=torch.float64).reshape(2, 3, 8)
    heads = split_heads(x, 4)
    assert heads.shape == (2, 4, 3, 2)
    assert torch.equal(heads[1, 2, 0], x[1, 0, 4:6])  # head 2 holds features 4, 5 of each position
    assert torch.equal(merge_heads(heads), x)


def _pair(embed_dim=8, num_heads=2, batch_first=True, bias=True, seed=0):
    torch.manual_seed(seed)
    ours = MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=batch_first, dtype=torch.float64)
    ref = torch.nn.MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=batch_first,
                                      dtype=torch.float64)
    return ours, ref


def test_mha_same_seed_same_initial_weights_and_state_dict_keys():
    torch.manual_seed(3)
    ours = MultiheadAttention(12, 3, dtype=torch.float64)
    torch.manual_seed(3)
    ref = torch.nn.MultiheadAttention(12, 3, dtype=torch.float64)
    assert list(ours.state_dict()) == list(ref.state_dict())
    for name, tensor in ref.state_dict().items():
        assert_close(ours.state_dict()[name], tensor, rtol=1e-12, atol=1e-12)


MHA_CASES = [
    # (batch_first, bias, self-attention, masks)
    (True, True, True, "none"),
    (True, True, True, "causal"),
    (True, True, False, "padding"),
    (False, True, True, "both"),
    (True, False, False, "float"),
    (True, True, True, "per_head"),
]


@pytest.mark.parametrize("direction", ["torch_to_ours", "ours_to_torch"])
@pytest.mark.parametrize("case", MHA_CASES, ids=lambda c: "-".join(map(str, c)))
def test_mha_loads_both_ways_and_matches_values_weights_and_gradients(case, direction):
    batch_first, bias, self_attention, masks = case
    ours, ref = _pair(embed_dim=12, num_heads=3, batch_first=batch_first, bias=bias)
    source, target = (ref, ours) if direction == "torch_to_ours" else (ours, ref)
    with torch.no_grad():  # fresh, non-zero weights (including the biases)
        for p in source.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
    target.load_state_dict(source.state_dict())
    B, L, S, E = 2, 5, 5 if self_attention else 7, 12
    query = _random(B, L, E, seed=1)
    key = query if self_attention else _random(B, S, E, seed=2)
    value = query if self_attention else _random(B, S, E, seed=3)
    if not batch_first:
        query, key, value = (t.transpose(0, 1) for t in (query, key, value))
    kwargs = {}
    if masks == "causal":
        kwargs["attn_mask"] = ~causal_mask(L)
    if masks == "padding":
        kwargs["key_padding_mask"] = torch.tensor([[False] * (S - 2) + [True] * 2, [False] * S])
    if masks == "both":
        kwargs["attn_mask"] = ~causal_mask(L)
        kwargs["key_padding_mask"] = torch.tensor([[False] * (S - 1) + [True], [False] * S])
    if masks == "float":
        kwargs["attn_mask"] = _random(L, S, seed=4, grad=False)
    if masks == "per_head":
        kwargs["attn_mask"] = ~_bool_mask(B * 3, L, S, seed=5)
        kwargs["average_attn_weights"] = False
    out, weights = ours(query, key, value, **kwargs)
    out_ref, weights_ref = ref(query, key, value, **kwargs)
    assert_close(weights, weights_ref, **TOL)
    inputs = [query] + ([] if self_attention else [key, value]) + list(ours.parameters())
    inputs_ref = [query] + ([] if self_attention else [key, value]) + list(ref.parameters())
    assert out.shape == out_ref.shape
    assert_close(out, out_ref, **TOL)
    upstream = _random(*out.shape, seed=9, grad=False)
    for g, g_ref in zip(torch.autograd.grad(out, inputs, upstream),
                        torch.autograd.grad(out_ref, inputs_ref, upstream), strict=True):
        assert_close(g, g_ref, **TOL)


def test_mha_is_causal_without_mask_equals_the_explicit_causal_mask():
    ours, _ = _pair()
    x = _random(2, 6, 8, seed=1, grad=False)
    implicit, _ = ours(x, x, x, is_causal=True)
    explicit, _ = ours(x, x, x, attn_mask=~causal_mask(6))
    assert_close(implicit, explicit, rtol=1e-12, atol=1e-12)


def test_mha_padded_keys_change_nothing():
    ours, _ = _pair()
    x = _random(1, 6, 8, seed=1, grad=False)
    mask = torch.tensor([[False, False, False, False, True, True]])
    out, weights = ours(x, x, x, key_padding_mask=mask)
    short, _ = ours(x[:, :4], x[:, :4], x[:, :4])
    assert_close(out[:, :4], short, rtol=1e-12, atol=1e-12)
    assert torch.equal(weights[..., 4:], torch.zeros(1, 6, 2, dtype=torch.float64))


def test_mha_need_weights_false_and_dropout_only_in_training():
    torch.manual_seed(0)
    mha = MultiheadAttention(8, 2, dropout=0.5, batch_first=True, dtype=torch.float64)
    x = _random(2, 4, 8, seed=1, grad=False)
    mha.eval()
    out1, none = mha(x, x, x, need_weights=False)
    assert none is None
    assert_close(mha(x, x, x)[0], out1, rtol=0, atol=0)
    mha.train()
    assert not torch.allclose(mha(x, x, x)[0], out1)


def test_kernel_regression_is_a_weighted_average_and_sharpens_with_small_bandwidth():
    x_keys = torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64)
    y = torch.tensor([0.0, 10.0, 20.0, 30.0], dtype=torch.float64)
    y_hat, weights = kernel_regression(torch.tensor([1.0, 1.5], dtype=torch.float64), x_keys, y, bandwidth=0.5)
    assert_close(weights.sum(-1), torch.ones(2, dtype=torch.float64))
    by_hand = torch.exp(-((1.0 - x_keys) ** 2) / (2 * 0.25))
    assert_close(weights[0], by_hand / by_hand.sum())
    assert_close(y_hat[1], torch.tensor(15.0, dtype=torch.float64))  # halfway: symmetric weights
    sharp, _ = kernel_regression(torch.tensor([1.2], dtype=torch.float64), x_keys, y, bandwidth=0.01)
    assert_close(sharp, torch.tensor([10.0], dtype=torch.float64))  # nearest neighbour


def test_additive_attention_scores_and_mask():
    torch.manual_seed(0)
    att = AdditiveAttention(query_size=3, key_size=5, hidden_size=7).double()
    query, keys, values = _random(2, 3, seed=1), _random(2, 4, 5, seed=2), _random(2, 4, 6, seed=3)
    mask = torch.tensor([[True, True, True, False], [True, True, True, True]])
    context, weights = att(query, keys, values, mask)
    hidden = torch.tanh((query @ att.W_q.weight.T)[:, None, :] + keys @ att.W_k.weight.T)
    by_hand = (hidden @ att.w_v.weight.T).squeeze(-1).masked_fill(~mask, float("-inf")).softmax(-1)
    assert_close(weights, by_hand)
    assert weights[0, 3] == 0
    assert_close(context, (by_hand[:, :, None] * values).sum(1))
    assert context.shape == (2, 6)


def test_bad_input_is_refused_with_clear_messages():
    q = torch.randn(2, 3, 4)
    with pytest.raises(ValueError, match="same last dimension d_k"):
        scaled_dot_product_attention(q, torch.randn(2, 5, 3), torch.randn(2, 5, 4))
    with pytest.raises(ValueError, match="same number of positions S"):
        scaled_dot_product_attention(q, torch.randn(2, 5, 4), torch.randn(2, 6, 4))
    with pytest.raises(ValueError, match="same number of dimensions"):
        scaled_dot_product_attention(q, torch.randn(5, 4), torch.randn(5, 4))
    with pytest.raises(ValueError, match="boolean mask"):
        masked_softmax(q, torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match="positive multiple of num_heads=3"):
        MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="dropout must be in"):
        MultiheadAttention(8, 2, dropout=1.0)
    mha = MultiheadAttention(8, 2, batch_first=True)
    x = torch.randn(2, 5, 8)
    with pytest.raises(ValueError, match="expects 3-D"):
        mha(x[0], x[0], x[0])
    with pytest.raises(ValueError, match="embed_dim=8"):
        mha(torch.randn(2, 5, 6), torch.randn(2, 5, 6), torch.randn(2, 5, 6))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(5, 5\) or \(4, 5, 5\)"):
        mha(x, x, x, attn_mask=torch.zeros(5, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(B, S\) = \(2, 5\)"):
        mha(x, x, x, key_padding_mask=torch.zeros(5, 2, dtype=torch.bool))
    with pytest.raises(ValueError, match="boolean or floating point"):
        mha(x, x, x, key_padding_mask=torch.zeros(2, 5, dtype=torch.long))
    with pytest.raises(ValueError, match="divisible by num_heads=3"):
        split_heads(x, 3)
    with pytest.raises(ValueError, match=r"merge_heads expects \(B, num_heads, T, d\)"):
        merge_heads(x)
    with pytest.raises(ValueError, match="integer tokens of shape"):
        padding_mask(torch.randn(2, 3), 0)
    with pytest.raises(ValueError, match="non-negative sizes"):
        causal_mask(-1)
    with pytest.raises(ValueError, match="bandwidth must be > 0"):
        kernel_regression(torch.zeros(2), torch.zeros(3), torch.zeros(3), bandwidth=0)
    with pytest.raises(ValueError, match=r"x_query \(Q,\), x_keys \(K,\)"):
        kernel_regression(torch.zeros(2), torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError, match="AdditiveAttention expects"):
        AdditiveAttention(3, 5, 7)(torch.randn(2, 3), torch.randn(2, 4, 5), torch.randn(2, 3, 6))
