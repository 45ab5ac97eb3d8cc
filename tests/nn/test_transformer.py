"""dl_lib.nn.transformer against torch: LayerNorm, the encoder and decoder layers (pre- and
post-norm) and their stacks, loaded from torch's state dicts and compared in float64, forward and
backward; positional encodings by hand; bad input."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.nn.attention import causal_mask
from dl_lib.nn.transformer import (
    LayerNorm,
    LearnedPositionalEncoding,
    SinusoidalPositionalEncoding,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    layer_norm,
    sinusoidal_positional_encoding,
)

TOL = {"rtol": 1e-6, "atol": 1e-6}
D = torch.float64


def _random(*shape, seed=0, grad=True):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=D, requires_grad=grad)


def _randomize(module, seed):
    """Non-trivial weights everywhere (torch starts biases and norms at 0 and 1)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=generator, dtype=D) * 0.3 + (1.0 if p.dim() == 1 else 0))


def _grads_match(out, out_ref, inputs, inputs_ref, seed=99):
    assert out.shape == out_ref.shape
    assert_close(out, out_ref, **TOL)
    upstream = _random(*out.shape, seed=seed, grad=False)
    grads = torch.autograd.grad(out, inputs, upstream)
    grads_ref = torch.autograd.grad(out_ref, inputs_ref, upstream)
    for g, g_ref in zip(grads, grads_ref, strict=True):
        assert_close(g, g_ref, **TOL)


@pytest.mark.parametrize("shape", [(6,), (3, 4)])
@pytest.mark.parametrize("affine,bias", [(True, True), (True, False), (False, False)])
def test_layer_norm_matches_torch(shape, affine, bias):
    ours = LayerNorm(shape, eps=1e-5, elementwise_affine=affine, bias=bias, dtype=D)
    ref = nn.LayerNorm(shape, eps=1e-5, elementwise_affine=affine, bias=bias, dtype=D)
    assert list(ours.state_dict()) == list(ref.state_dict())
    _randomize(ref, seed=1)
    ours.load_state_dict(ref.state_dict())
    x = _random(2, 5, *shape, seed=2) * 3 + 1
    _grads_match(ours(x), ref(x), [x, *ours.parameters()], [x, *ref.parameters()])


def test_layer_norm_function_standardizes_each_example_over_its_features():
    x = torch.tensor([[1.0, 2.0, 3.0, 6.0], [10.0, 10.0, 10.0, 14.0]], dtype=D)
    y = layer_norm(x, 4, eps=0.0)
    assert_close(y.mean(-1), torch.zeros(2, dtype=D))
    assert_close(y.var(-1, unbiased=False), torch.ones(2, dtype=D))
    assert_close(y[0], (x[0] - 3) / math.sqrt(3.5))  # mean 3, biased variance (4+1+0+9)/4
    assert_close(layer_norm(x, (4,)), F.layer_norm(x, (4,)))


def test_sinusoidal_encoding_by_hand_and_relative_positions_are_rotations():
    pe = sinusoidal_positional_encoding(50, 6)
    assert pe.shape == (50, 6) and pe.dtype == torch.float32
    p = torch.arange(50, dtype=torch.float64)
    assert_close(pe[:, 0].double(), torch.sin(p))  # frequency 1 for the first pair
    assert_close(pe[:, 1].double(), torch.cos(p))
    assert_close(pe[:, 4].double(), torch.sin(p / 10000 ** (4 / 6)), rtol=1e-6, atol=1e-6)
    # PE[p + k] is a fixed rotation of PE[p] for every pair of columns: the same for every p
    k, i = 3, 1
    w = 1 / 10000 ** (2 * i / 6)
    rotation = torch.tensor([[math.cos(k * w), -math.sin(k * w)], [math.sin(k * w), math.cos(k * w)]])
    pair = pe[:, 2 * i : 2 * i + 2]
    assert_close(pair[:-k] @ rotation, pair[k:], rtol=1e-5, atol=1e-5)
    odd = sinusoidal_positional_encoding(4, 5)
    assert odd.shape == (4, 5)
    q = torch.arange(4, dtype=torch.float64)
    assert_close(odd[:, 4].double(), torch.sin(q / 10000 ** (4 / 5)))  # the last column is a sine


def test_positional_encoding_modules_add_their_table():
    x = torch.zeros(2, 7, 8)
    sinus = SinusoidalPositionalEncoding(8, max_len=16)
    assert_close(sinus(x), sinusoidal_positional_encoding(7, 8).expand(2, 7, 8))
    assert "pe" in sinus.state_dict() and not list(sinus.parameters())
    torch.manual_seed(0)
    learned = LearnedPositionalEncoding(8, max_len=16)
    assert learned.weight.shape == (16, 8) and 0.01 < learned.weight.std() < 0.03
    assert_close(learned(x), learned.weight[:7].expand(2, 7, 8))
    (grad,) = torch.autograd.grad(learned(x).sum(), learned.weight)
    assert torch.equal(grad[:7], torch.full((7, 8), 2.0)) and torch.equal(grad[7:], torch.zeros(9, 8))


def _layer_pair(kind, norm_first, activation="relu", batch_first=True, bias=True, seed=0):
    kwargs = dict(d_model=12, nhead=3, dim_feedforward=20, dropout=0.0, activation=activation,
                  batch_first=batch_first, norm_first=norm_first, bias=bias, dtype=D)
    ours_cls, ref_cls = {"encoder": (TransformerEncoderLayer, nn.TransformerEncoderLayer),
                         "decoder": (TransformerDecoderLayer, nn.TransformerDecoderLayer)}[kind]
    ours, ref = ours_cls(**kwargs), ref_cls(**kwargs)
    assert list(ours.state_dict()) == list(ref.state_dict())
    _randomize(ref, seed)
    ours.load_state_dict(ref.state_dict())
    return ours, ref


LAYER_CASES = [
    # (norm_first, activation, batch_first, bias, masks)
    (False, "relu", True, True, "none"),
    (True, "relu", True, True, "none"),
    (False, "gelu", True, True, "causal"),
    (True, "gelu", True, True, "padding"),
    (False, "relu", False, True, "both"),
    (True, "relu", False, False, "both"),
]


def _case_id(case):
    return "-".join(["pre" if case[0] else "post", case[1], "bf" if case[2] else "tbf",
                     "bias" if case[3] else "nobias", case[4]])


def _masks(masks, B, T):
    attn = ~causal_mask(T) if masks in ("causal", "both") else None
    padding = None
    if masks in ("padding", "both"):
        padding = torch.zeros(B, T, dtype=torch.bool)
        padding[0, -2:] = True
    return attn, padding


@pytest.mark.parametrize("case", LAYER_CASES, ids=_case_id)
def test_encoder_layer_matches_torch_forward_and_backward(case):
    norm_first, activation, batch_first, bias, masks = case
    ours, ref = _layer_pair("encoder", norm_first, activation, batch_first, bias)
    B, T = 2, 6
    x = _random(B, T, 12, seed=1)
    src = x if batch_first else x.transpose(0, 1)
    attn, padding = _masks(masks, B, T)
    out = ours(src, src_mask=attn, src_key_padding_mask=padding)
    out_ref = ref(src, src_mask=attn, src_key_padding_mask=padding)
    _grads_match(out, out_ref, [x, *ours.parameters()], [x, *ref.parameters()])


@pytest.mark.parametrize("case", LAYER_CASES, ids=_case_id)
def test_decoder_layer_matches_torch_forward_and_backward(case):
    norm_first, activation, batch_first, bias, masks = case
    ours, ref = _layer_pair("decoder", norm_first, activation, batch_first, bias)
    B, T, S = 2, 5, 7
    y, m = _random(B, T, 12, seed=1), _random(B, S, 12, seed=2)
    tgt, memory = (y, m) if batch_first else (y.transpose(0, 1), m.transpose(0, 1))
    attn, padding = _masks(masks, B, T)
    memory_padding = None
    if masks in ("padding", "both"):
        memory_padding = torch.zeros(B, S, dtype=torch.bool)
        memory_padding[1, -3:] = True
    kwargs = dict(tgt_mask=attn, tgt_key_padding_mask=padding, memory_key_padding_mask=memory_padding)
    out, out_ref = ours(tgt, memory, **kwargs), ref(tgt, memory, **kwargs)
    _grads_match(out, out_ref, [y, m, *ours.parameters()], [y, m, *ref.parameters()])


def test_decoder_layer_memory_mask_matches_torch():
    ours, ref = _layer_pair("decoder", norm_first=False)
    y, m = _random(2, 4, 12, seed=1), _random(2, 6, 12, seed=2)
    memory_mask = torch.zeros(4, 6, dtype=torch.bool)
    memory_mask[:, 3] = True
    kwargs = dict(tgt_mask=~causal_mask(4), memory_mask=memory_mask)
    _grads_match(ours(y, m, **kwargs), ref(y, m, **kwargs), [y, m], [y, m])


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
def test_eval_mode_without_grad_matches_torch(kind):
    ours, ref = _layer_pair(kind, norm_first=False)
    ours.eval(), ref.eval()
    x = _random(2, 6, 12, seed=1, grad=False)
    with torch.no_grad():
        if kind == "encoder":
            assert_close(ours(x), ref(x), **TOL)
        else:
            memory = _random(2, 3, 12, seed=2, grad=False)
            assert_close(ours(x, memory, tgt_mask=~causal_mask(6)), ref(x, memory, tgt_mask=~causal_mask(6)),
                         **TOL)


def test_is_causal_alone_equals_the_causal_mask():
    ours, _ = _layer_pair("encoder", norm_first=True)
    x = _random(2, 6, 12, seed=1, grad=False)
    assert_close(ours(x, is_causal=True), ours(x, src_mask=~causal_mask(6)), rtol=1e-12, atol=1e-12)
    # and the first positions do not see the later ones
    changed = x.clone()
    changed[:, 4:] += 5
    assert_close(ours(changed, is_causal=True)[:, :4], ours(x, is_causal=True)[:, :4])


def test_same_seed_gives_same_initial_layers_as_torch():
    for ours_cls, ref_cls in [(TransformerEncoderLayer, nn.TransformerEncoderLayer),
                              (TransformerDecoderLayer, nn.TransformerDecoderLayer)]:
        torch.manual_seed(7)
        ours = ours_cls(8, 2, dim_feedforward=16, dtype=D)
        torch.manual_seed(7)
        ref = ref_cls(8, 2, dim_feedforward=16, dtype=D)
        for name, tensor in ref.state_dict().items():
            assert_close(ours.state_dict()[name], tensor, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("norm_first", [False, True], ids=["post", "pre"])
def test_stacks_match_torch_encoder_and_decoder(norm_first):
    layer_kwargs = dict(d_model=12, nhead=3, dim_feedforward=20, dropout=0.0, batch_first=True,
                        norm_first=norm_first, dtype=D)
    norm = (lambda cls: cls(12, dtype=D)) if norm_first else (lambda cls: None)
    encoder = TransformerEncoder(TransformerEncoderLayer(**layer_kwargs), 2, norm(LayerNorm))
    encoder_ref = nn.TransformerEncoder(nn.TransformerEncoderLayer(**layer_kwargs), 2, norm(nn.LayerNorm),
                                        enable_nested_tensor=False)
    decoder = TransformerDecoder(TransformerDecoderLayer(**layer_kwargs), 2, norm(LayerNorm))
    decoder_ref = nn.TransformerDecoder(nn.TransformerDecoderLayer(**layer_kwargs), 2, norm(nn.LayerNorm))
    for ours, ref, seed in [(encoder, encoder_ref, 1), (decoder, decoder_ref, 2)]:
        assert list(ours.state_dict()) == list(ref.state_dict())
        _randomize(ref, seed)
        ours.load_state_dict(ref.state_dict())
    src, tgt = _random(2, 7, 12, seed=3), _random(2, 5, 12, seed=4)
    padding = torch.zeros(2, 7, dtype=torch.bool)
    padding[1, -2:] = True
    memory = encoder(src, src_key_padding_mask=padding)
    memory_ref = encoder_ref(src, src_key_padding_mask=padding)
    out = decoder(tgt, memory, tgt_mask=~causal_mask(5), memory_key_padding_mask=padding)
    out_ref = decoder_ref(tgt, memory_ref, tgt_mask=~causal_mask(5), memory_key_padding_mask=padding)
    _grads_match(out, out_ref, [src, tgt, *encoder.parameters(), *decoder.parameters()],
                 [src, tgt, *encoder_ref.parameters(), *decoder_ref.parameters()])


def test_dropout_acts_in_training_only():
    torch.manual_seed(0)
    layer = TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5, batch_first=True)
    x = torch.randn(2, 5, 8)
    layer.eval()
    assert torch.equal(layer(x), layer(x))
    layer.train()
    assert not torch.allclose(layer(x), layer.eval()(x))


def test_bad_input_is_refused_with_clear_messages():
    with pytest.raises(ValueError, match=r"does not end with normalized_shape \(4,\)"):
        layer_norm(torch.randn(2, 5), 4)
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\)"):
        layer_norm(torch.randn(2, 4), 4, weight=torch.ones(3))
    with pytest.raises(ValueError, match="non-empty positive normalized_shape"):
        LayerNorm(0)
    with pytest.raises(ValueError, match="positive sizes"):
        sinusoidal_positional_encoding(0, 8)
    with pytest.raises(ValueError, match=r"T <= 4"):
        SinusoidalPositionalEncoding(8, max_len=4)(torch.zeros(1, 5, 8))
    with pytest.raises(ValueError, match=r"T <= 4, 8\)"):
        LearnedPositionalEncoding(8, max_len=4)(torch.zeros(1, 3, 6))
    with pytest.raises(ValueError, match="activation must be 'relu', 'gelu' or a callable"):
        TransformerEncoderLayer(8, 2, activation="swish")
    with pytest.raises(ValueError, match="positive multiple of num_heads=3"):
        TransformerDecoderLayer(8, 3)
    with pytest.raises(ValueError, match="num_layers must be positive"):
        TransformerEncoder(TransformerEncoderLayer(8, 2), 0)
    layer = TransformerEncoderLayer(8, 2, batch_first=True)
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(B, S\) = \(2, 5\)"):
        layer(torch.randn(2, 5, 8), src_key_padding_mask=torch.zeros(2, 4, dtype=torch.bool))
