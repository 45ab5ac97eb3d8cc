"""The GPT against Hugging Face's GPT-2 (same logits and gradients) and its key-value cache."""

from __future__ import annotations

import os

import pytest
import torch
import torch.nn.functional as F

from dl_lib.nn import GPT, GPTConfig, to_hf_gpt2
from dl_lib.sampling import generate

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def random_gpt(seed: int = 0, **sizes) -> GPT:
    """A float64 GPT whose every parameter (LayerNorms and biases too) is random, not the init."""
    torch.manual_seed(seed)
    config = GPTConfig(**({"vocab_size": 37, "n_positions": 16, "n_embd": 24, "n_layer": 2, "n_head": 3} | sizes))
    model = GPT(config).double()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
    return model


def test_init_ties_weights_and_follows_gpt2():
    model = GPT(GPTConfig(vocab_size=50))
    assert model.lm_head.weight is model.wte.weight
    assert abs(model.h[0].mlp.c_fc.weight.std().item() - 0.02) < 0.004
    assert model.h[0].attn.c_attn.bias.abs().max() == 0


@pytest.mark.parametrize("sizes", [{}, {"n_layer": 1, "n_head": 1}, {"n_embd": 32, "n_head": 4, "n_layer": 3}])
def test_same_logits_and_gradients_as_transformers_gpt2(sizes):
    ours = random_gpt(**sizes)
    hf = to_hf_gpt2(ours)
    idx = torch.randint(0, ours.config.vocab_size, (3, 11), generator=torch.Generator().manual_seed(1))
    logits, _ = ours(idx)
    hf_logits = hf(idx).logits
    torch.testing.assert_close(logits, hf_logits, atol=1e-6, rtol=0)
    # gradients: every parameter of ours against the matching one of GPT-2 (transposed for Conv1D)
    target = torch.randint(0, ours.config.vocab_size, (3, 11), generator=torch.Generator().manual_seed(2))
    F.cross_entropy(logits.flatten(0, 1), target.flatten()).backward()
    F.cross_entropy(hf_logits.flatten(0, 1), target.flatten()).backward()
    hf_params = dict(hf.named_parameters())
    for name, p in ours.named_parameters():
        theirs = hf_params[f"transformer.{name}"].grad
        if name.endswith((".c_attn.weight", ".c_proj.weight", ".c_fc.weight")):
            theirs = theirs.t()
        torch.testing.assert_close(p.grad, theirs, atol=1e-6, rtol=0, msg=name)


def test_kv_cache_gives_the_logits_of_recomputing():
    model = random_gpt()
    idx = torch.randint(0, 37, (2, 12), generator=torch.Generator().manual_seed(3))
    full, cache = model(idx)
    assert len(cache) == 2 and cache[0][0].shape == (2, 3, 12, 8)
    logits, past = model(idx[:, :5])  # a prompt of 5, then one token at a time
    steps = [logits]
    for t in range(5, 12):
        logits, past = model(idx[:, t : t + 1], past)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-10, rtol=0)
    for (k, v), (k_full, v_full) in zip(past, cache, strict=True):
        torch.testing.assert_close(k, k_full)
        torch.testing.assert_close(v, v_full)


def test_the_future_does_not_leak():
    model = random_gpt()
    idx = torch.randint(0, 37, (1, 10), generator=torch.Generator().manual_seed(4))
    changed = idx.clone()
    changed[0, 6:] = (changed[0, 6:] + 1) % 37
    torch.testing.assert_close(model(idx)[0][:, :6], model(changed)[0][:, :6])
    assert not torch.allclose(model(idx)[0][:, 6:], model(changed)[0][:, 6:])


def test_greedy_generation_matches_transformers_generate():
    model = random_gpt().eval()
    hf = to_hf_gpt2(model)
    prompt = torch.tensor([[3, 1, 4, 1, 5]])
    ours = generate(model, prompt, 8, temperature=0)
    theirs = hf.generate(prompt, max_new_tokens=8, do_sample=False, pad_token_id=0,
                         attention_mask=torch.ones_like(prompt))
    assert torch.equal(ours, theirs)
    assert torch.equal(ours, generate(model, prompt, 8, use_cache=False, temperature=0))


def test_export_keeps_dtype_and_training_mode_is_eval():
    model = GPT(GPTConfig(vocab_size=20, n_positions=8, n_embd=16, n_layer=1, n_head=2))
    hf = to_hf_gpt2(model, bos_token_id=1)
    assert not hf.training and next(hf.parameters()).dtype == torch.float32
    assert hf.config.bos_token_id == 1 and hf.config.eos_token_id is None
    idx = torch.tensor([[1, 2, 3]])
    with torch.no_grad():
        torch.testing.assert_close(model(idx)[0], hf(idx).logits, atol=1e-5, rtol=0)


def test_bad_input():
    with pytest.raises(ValueError, match="divisible by n_head"):
        GPTConfig(vocab_size=10, n_embd=10, n_head=3)
    with pytest.raises(ValueError, match="vocab_size must be >= 1"):
        GPTConfig(vocab_size=0)
    model = GPT(GPTConfig(vocab_size=10, n_positions=4, n_embd=8, n_layer=1, n_head=2))
    with pytest.raises(ValueError, match="exceeds the context of 4"):
        model(torch.zeros(1, 5, dtype=torch.long))
    _, past = model(torch.zeros(1, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="exceeds the context of 4"):
        model(torch.zeros(1, 2, dtype=torch.long), past)
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        model(torch.tensor([[3, 10]]))
    with pytest.raises(ValueError, match=r"shape \(B, T\) and dtype long"):
        model(torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"dtype long"):
        model(torch.zeros(1, 4))
