r"""Decoding a language model: greedy choice, temperature, top-k and top-p (nucleus) sampling.

A causal language model gives, for the next position, a vector of logits $z$ over the
vocabulary. The functions here turn it into a token: the filters set the logits of the
tokens that may not be drawn to $-\infty$, so that the softmax gives them probability
zero, and :func:`sample_next` draws from what is left. :func:`generate` repeats this,
feeding each new token back to the model, with or without a key-value cache.
"""

from __future__ import annotations

import torch

__all__ = ["generate", "greedy", "sample_next", "top_k_filter", "top_p_filter"]


def _check_logits(logits: torch.Tensor, name: str) -> None:
    if not isinstance(logits, torch.Tensor) or logits.dim() < 1 or logits.shape[-1] == 0:
        raise ValueError(f"{name} expects logits of shape (..., vocab_size), got {getattr(logits, 'shape', logits)}")


def greedy(logits: torch.Tensor) -> torch.Tensor:
    r"""The most probable token, $\arg\max_i z_i$, for each row of ``logits`` (..., V) -> (...)."""
    _check_logits(logits, "greedy")
    return logits.argmax(dim=-1)


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    r"""Keep the ``k`` largest logits of each row and set the others to $-\infty$.

    Tokens tied with the $k$-th largest are kept too, as in ``transformers``'
    ``TopKLogitsWarper``.

    Args:
        logits: (..., V).
        k: how many tokens to keep, ``1 <= k``; a ``k`` above V keeps them all.
    """
    _check_logits(logits, "top_k_filter")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"top_k_filter needs an int k >= 1, got {k!r}")
    k = min(k, logits.shape[-1])
    kth_largest = logits.topk(k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth_largest, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    r"""Nucleus filtering: keep the fewest most probable tokens whose probabilities sum to at least ``p``.

    Sort the probabilities in decreasing order, $\pi_{(1)} \ge \pi_{(2)} \ge \dots$; token
    $(j)$ is kept when the tokens before it hold less than $p$,
    $\sum_{i<j} \pi_{(i)} < p$. So the token that crosses the threshold is kept, and the
    most probable token always is (Holtzman et al., 2020).

    Args:
        logits: (..., V).
        p: the probability mass to keep, ``0 < p <= 1``.
    """
    _check_logits(logits, "top_p_filter")
    if not 0.0 < p <= 1.0:
        raise ValueError(f"top_p_filter needs 0 < p <= 1, got {p!r}")
    sorted_logits, order = logits.sort(dim=-1, descending=True)  # (..., V) each
    probs = sorted_logits.softmax(dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs  # what the more probable tokens already hold
    remove_sorted = mass_before >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)  # back to vocabulary order
    return logits.masked_fill(remove, float("-inf"))


def sample_next(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""Draw one token per row from $\mathrm{softmax}(z / T)$, after optional top-k and top-p filters.

    Args:
        logits: (B, V), the model's logits for the next position.
        temperature: $T \ge 0$. Below 1 sharpens the distribution, above 1 flattens it;
            ``0`` means greedy decoding (the argmax, no randomness).
        top_k: keep only the ``top_k`` most probable tokens (:func:`top_k_filter`).
        top_p: keep only the nucleus of mass ``top_p`` (:func:`top_p_filter`), applied
            after the temperature.
        generator: a seeded ``torch.Generator`` for reproducible draws.

    Returns:
        (B,) token ids.
    """
    if logits.dim() != 2:
        raise ValueError(f"sample_next expects logits of shape (B, V), got {tuple(logits.shape)}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if temperature == 0:
        return greedy(logits)
    logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = logits.softmax(dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator)[:, 0]


@torch.no_grad()
def generate(
    model: torch.nn.Module,
    idx: torch.Tensor,
    max_new_tokens: int,
    use_cache: bool = True,
    **sampling,
) -> torch.Tensor:
    r"""Extend each row of ``idx`` by ``max_new_tokens`` tokens drawn from ``model``.

    ``model(idx, past_key_values)`` must return ``(logits, present_key_values)`` like
    :class:`dl_lib.nn.GPT`. Without a cache, every step runs the whole sequence through
    the model again; with one, each step feeds only the newest token and reuses the keys
    and values of the positions before it.

    Args:
        model: a causal language model.
        idx: (B, T0) prompt token ids.
        max_new_tokens: how many tokens to add.
        use_cache: reuse past keys and values (same tokens, less work).
        **sampling: passed to :func:`sample_next` (``temperature``, ``top_k``, ``top_p``,
            ``generator``).

    Returns:
        (B, T0 + max_new_tokens) token ids.
    """
    if idx.dim() != 2 or idx.shape[1] == 0:
        raise ValueError(f"generate expects a prompt of shape (B, T0) with T0 >= 1, got {tuple(idx.shape)}")
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    past, step_input = None, idx
    for _ in range(max_new_tokens):
        if use_cache:
            logits, past = model(step_input, past)
        else:
            logits, _ = model(idx)
        next_id = sample_next(logits[:, -1], **sampling)  # (B,)
        idx = torch.cat([idx, next_id[:, None]], dim=1)
        step_input = next_id[:, None]  # (B, 1): all the cache needs next time
    return idx
