"""Greedy, temperature, top-k and top-p decoding against ``transformers``' logits processors."""

from __future__ import annotations

import os

import pytest
import torch

from dl_lib.sampling import generate, greedy, sample_next, top_k_filter, top_p_filter

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from transformers import TopKLogitsWarper, TopPLogitsWarper  # noqa: E402


@pytest.mark.parametrize("k", [1, 2, 5, 9, 50])
def test_top_k_matches_transformers(k):
    logits = torch.randn(6, 9, generator=torch.Generator().manual_seed(k), dtype=torch.float64)
    torch.testing.assert_close(top_k_filter(logits, k), TopKLogitsWarper(k)(None, logits))
    assert (top_k_filter(logits, k) > float("-inf")).sum(dim=1).eq(min(k, 9)).all()


def test_top_k_keeps_ties():
    logits = torch.tensor([[3.0, 1.0, 3.0, 0.0]])
    assert torch.equal(top_k_filter(logits, 1).isfinite(), torch.tensor([[True, False, True, False]]))


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.9, 0.99, 1.0])
def test_top_p_matches_transformers(p):
    logits = torch.randn(8, 20, generator=torch.Generator().manual_seed(int(p * 100)), dtype=torch.float64) * 2
    torch.testing.assert_close(top_p_filter(logits, p), TopPLogitsWarper(p)(None, logits))


def test_top_p_keeps_the_token_that_crosses_the_threshold():
    logits = torch.tensor([0.5, 0.3, 0.15, 0.05]).log()[None]  # probabilities 0.5, 0.3, 0.15, 0.05
    kept = top_p_filter(logits, 0.7).isfinite()[0].tolist()
    assert kept == [True, True, False, False]  # 0.5 < 0.7, so the 0.3 that crosses it stays
    assert top_p_filter(logits, 0.5).isfinite()[0].tolist() == [True, False, False, False]
    assert top_p_filter(logits, 0.01).isfinite()[0].tolist() == [True, False, False, False]
    assert top_p_filter(logits, 1.0).isfinite()[0].all()
    # in vocabulary order, not sorted order
    shuffled = logits[:, [2, 0, 3, 1]]
    assert top_p_filter(shuffled, 0.7).isfinite()[0].tolist() == [False, True, False, True]


def test_greedy_and_zero_temperature():
    logits = torch.tensor([[0.1, 2.0, -1.0], [5.0, 0.0, 4.9]])
    assert greedy(logits).tolist() == [1, 0]
    assert sample_next(logits, temperature=0).tolist() == [1, 0]


def test_temperature_changes_the_distribution_as_expected():
    logits = torch.tensor([[1.0, 0.0, -1.0]]).repeat(20000, 1)
    def freq(t):
        return torch.bincount(sample_next(logits, t, generator=torch.Generator().manual_seed(0)), minlength=3) / 20000

    for t in (0.5, 1.0, 2.0):
        torch.testing.assert_close(freq(t), (logits[0] / t).softmax(0), atol=0.015, rtol=0)
    assert freq(0.5)[0] > freq(1.0)[0] > freq(2.0)[0]


def test_sampling_respects_the_filters_and_the_generator():
    logits = torch.randn(500, 30, generator=torch.Generator().manual_seed(1))
    draws = sample_next(logits, top_k=3, generator=torch.Generator().manual_seed(0))
    assert torch.isin(draws[:, None], logits.topk(3).indices).any(dim=1).all()
    nucleus = top_p_filter(logits, 0.6).isfinite()
    draws = sample_next(logits, top_p=0.6, generator=torch.Generator().manual_seed(0))
    assert nucleus[torch.arange(500), draws].all()
    again = sample_next(logits, top_p=0.6, generator=torch.Generator().manual_seed(0))
    assert torch.equal(draws, again)


class Bigram(torch.nn.Module):
    """A toy model with the GPT interface: next-token logits from the last token; the 'cache' counts steps."""

    def __init__(self, V: int = 7) -> None:
        super().__init__()
        self.table = torch.randn(V, V, generator=torch.Generator().manual_seed(0))

    def forward(self, idx, past=None):
        seen = idx.shape[1] + (0 if past is None else past)
        return self.table[idx], seen


def test_generate_with_and_without_cache():
    model, prompt = Bigram(), torch.tensor([[1, 2], [3, 4]])
    a = generate(model, prompt, 6, use_cache=True, temperature=0)
    b = generate(model, prompt, 6, use_cache=False, temperature=0)
    assert a.shape == (2, 8) and torch.equal(a, b) and torch.equal(a[:, :2], prompt)
    expected = prompt[:, -1]
    for t in range(6):
        expected = model.table[expected].argmax(-1)
        assert torch.equal(a[:, 2 + t], expected)
    c = generate(model, prompt, 6, temperature=1.0, top_k=3, generator=torch.Generator().manual_seed(0))
    d = generate(model, prompt, 6, use_cache=False, temperature=1.0, top_k=3,
                 generator=torch.Generator().manual_seed(0))
    assert torch.equal(c, d)
    assert torch.equal(generate(model, prompt, 0), prompt)


def test_bad_input():
    logits = torch.randn(2, 5)
    with pytest.raises(ValueError, match="k >= 1"):
        top_k_filter(logits, 0)
    with pytest.raises(ValueError, match="0 < p <= 1"):
        top_p_filter(logits, 0.0)
    with pytest.raises(ValueError, match="0 < p <= 1"):
        top_p_filter(logits, 1.5)
    with pytest.raises(ValueError, match="temperature must be >= 0"):
        sample_next(logits, temperature=-1)
    with pytest.raises(ValueError, match=r"shape \(B, V\)"):
        sample_next(torch.randn(5))
    with pytest.raises(ValueError, match="vocab_size"):
        greedy(torch.randn(3, 0))
    with pytest.raises(ValueError, match=r"\(B, T0\)"):
        generate(Bigram(), torch.tensor([1, 2]), 3)
    with pytest.raises(ValueError, match="max_new_tokens"):
        generate(Bigram(), torch.tensor([[1, 2]]), -1)
