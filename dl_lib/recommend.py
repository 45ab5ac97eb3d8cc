r"""Recommendations from implicit feedback: who bought what, and nothing else.

- `synthetic_interactions`: a generated shop (users with tastes, items with categories and a
  long-tailed popularity), so that the chapter knows the truth behind its data.
- `interaction_matrix`, `split_per_user`, `mask_seen`: the (users, items) bool matrix, a
  held-out share of each user's items, and the rule never to recommend what was bought.
- `popularity_scores`: the baseline every recommender must beat: everyone gets the best sellers.
- `MatrixFactorization` and `fit_implicit`: a learned embedding per user and per item, score
  :math:`u_a^\top v_i + b_i`, trained to tell bought items from randomly drawn ones.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = [
    "MatrixFactorization", "fit_implicit", "interaction_matrix", "mask_seen", "popularity_scores",
    "split_per_user", "synthetic_interactions",
]


def synthetic_interactions(n_users: int = 600, n_items: int = 300, n_segments: int = 6, per_user: int = 20,
                           affinity: float = 2.5, popularity_exponent: float = 1.0,
                           seed: int = 0) -> tuple[Tensor, Tensor, Tensor]:
    r"""A generated shop: each user buys ``per_user`` distinct items, drawn by taste and popularity.

    Item :math:`i` has a category :math:`c_i` (uniform over ``n_segments``) and a popularity
    :math:`\pi_i \propto r_i^{-\alpha}` for a random popularity rank :math:`r_i` (Zipf's law,
    :math:`\alpha` = ``popularity_exponent``). User :math:`a` belongs to a segment :math:`s_a`
    (uniform) and picks items without replacement with probability
    :math:`\propto \pi_i \exp(\text{affinity} \cdot [c_i = s_a])`.

    Returns:
        ``(pairs, user_segment, item_category)``: ``pairs`` LongTensor ``(n_users * per_user, 2)``
        of (user, item), and the hidden segment of each user and category of each item.
    """
    for name, value in [("n_users", n_users), ("n_items", n_items), ("n_segments", n_segments),
                        ("per_user", per_user)]:
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"synthetic_interactions: {name} must be a positive int, got {value!r}")
    if per_user > n_items:
        raise ValueError(f"synthetic_interactions: per_user={per_user} exceeds n_items={n_items}")
    gen = torch.Generator().manual_seed(seed)
    item_category = torch.randint(0, n_segments, (n_items,), generator=gen)
    ranks = torch.randperm(n_items, generator=gen).to(torch.float64) + 1
    popularity = ranks ** -popularity_exponent
    user_segment = torch.randint(0, n_segments, (n_users,), generator=gen)
    match = (user_segment[:, None] == item_category[None, :]).to(torch.float64)
    weights = popularity[None, :] * torch.exp(affinity * match)
    items = torch.multinomial(weights, per_user, replacement=False, generator=gen)
    users = torch.arange(n_users).repeat_interleave(per_user)
    return torch.stack([users, items.reshape(-1)], dim=1), user_segment, item_category


def interaction_matrix(pairs: Tensor, n_users: int, n_items: int) -> Tensor:
    """The (n_users, n_items) bool matrix with True where a (user, item) pair occurs."""
    if not isinstance(pairs, Tensor) or pairs.dim() != 2 or pairs.shape[1] != 2 or pairs.dtype != torch.long:
        raise ValueError("interaction_matrix: pairs must be a LongTensor of shape (n, 2) of (user, item), "
                         f"got {getattr(pairs, 'dtype', type(pairs))} {tuple(getattr(pairs, 'shape', ()))}")
    if len(pairs) and (pairs.min() < 0 or pairs[:, 0].max() >= n_users or pairs[:, 1].max() >= n_items):
        raise ValueError(f"interaction_matrix: ids out of range for {n_users} users and {n_items} items")
    matrix = torch.zeros(n_users, n_items, dtype=torch.bool)
    matrix[pairs[:, 0], pairs[:, 1]] = True
    return matrix


def split_per_user(matrix: Tensor, n_test: int = 5, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Hold out ``n_test`` random items of every user who has more than ``n_test``.

    Returns:
        ``(train, test)``, two bool matrices of the shape of ``matrix`` that add up to it.
    """
    if not isinstance(matrix, Tensor) or matrix.dtype != torch.bool or matrix.dim() != 2:
        raise ValueError("split_per_user: matrix must be a 2-D bool tensor (see interaction_matrix)")
    if not isinstance(n_test, int) or n_test < 1:
        raise ValueError(f"split_per_user: n_test must be a positive int, got {n_test!r}")
    gen = torch.Generator().manual_seed(seed)
    test = torch.zeros_like(matrix)
    for user in range(matrix.shape[0]):
        items = torch.nonzero(matrix[user])[:, 0]
        if len(items) > n_test:
            test[user, items[torch.randperm(len(items), generator=gen)[:n_test]]] = True
    return matrix & ~test, test


def mask_seen(scores: Tensor, seen: Tensor) -> Tensor:
    """A copy of ``scores`` with ``-inf`` wherever ``seen`` is True: never recommend what was bought."""
    if not isinstance(scores, Tensor) or not isinstance(seen, Tensor) or scores.shape != seen.shape:
        raise ValueError("mask_seen: scores and seen must be tensors of the same shape")
    return scores.masked_fill(seen.bool(), float("-inf"))


def popularity_scores(train: Tensor) -> Tensor:
    """Every user gets the same scores: how many users bought each item (the best-seller list)."""
    if not isinstance(train, Tensor) or train.dim() != 2:
        raise ValueError("popularity_scores: train must be a 2-D (users, items) tensor")
    counts = train.to(torch.float64).sum(dim=0)
    return counts.expand(train.shape[0], -1).clone()


class MatrixFactorization(nn.Module):
    r"""Score :math:`s_{ai} = u_a^\top v_i + b_i` from learned embeddings.

    :math:`u_a \in \mathbb{R}^d` is user :math:`a`'s embedding, :math:`v_i` item :math:`i`'s,
    :math:`b_i` a per-item bias that can learn popularity. Embeddings start at
    :math:`\mathcal N(0, 0.1^2)`, biases at 0.
    """

    def __init__(self, n_users: int, n_items: int, dim: int = 8) -> None:
        super().__init__()
        for name, value in [("n_users", n_users), ("n_items", n_items), ("dim", dim)]:
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"MatrixFactorization: {name} must be a positive int, got {value!r}")
        self.users = nn.Embedding(n_users, dim)
        self.items = nn.Embedding(n_items, dim)
        self.item_bias = nn.Parameter(torch.zeros(n_items))
        nn.init.normal_(self.users.weight, std=0.1)
        nn.init.normal_(self.items.weight, std=0.1)

    def forward(self, users: Tensor, items: Tensor) -> Tensor:
        """Scores of the pairs ``(users[j], items[j])``: LongTensors of one shape, scores of that shape."""
        return (self.users(users) * self.items(items)).sum(dim=-1) + self.item_bias[items]

    def all_scores(self) -> Tensor:
        """The (n_users, n_items) matrix of every score."""
        return self.users.weight @ self.items.weight.T + self.item_bias


def fit_implicit(model: MatrixFactorization, train: Tensor, num_epochs: int = 20, lr: float = 0.02,
                 negatives: int = 4, weight_decay: float = 1e-2, batch_size: int = 2048,
                 seed: int = 0) -> list[float]:
    r"""Train on implicit feedback: bought pairs are positives, random items negatives.

    Each epoch, every bought (user, item) pair is a positive example and ``negatives`` items
    drawn uniformly for the same user are negatives (a drawn item may have been bought; with
    many items that is rare). The loss is the binary cross-entropy of the scores,
    minimized with Adam, plus ``weight_decay`` times the squared norms of the embeddings used.

    Returns:
        The mean loss of each epoch.
    """
    if not isinstance(train, Tensor) or train.dtype != torch.bool or train.shape != (
            model.users.num_embeddings, model.items.num_embeddings):
        raise ValueError("fit_implicit: train must be a bool (users, items) matrix matching the model")
    if not isinstance(negatives, int) or negatives < 1:
        raise ValueError(f"fit_implicit: negatives must be a positive int, got {negatives!r}")
    device = model.item_bias.device
    gen = torch.Generator().manual_seed(seed)
    pos = torch.nonzero(train)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(num_epochs):
        users = pos[:, 0].repeat(1 + negatives)
        items = torch.cat([pos[:, 1], torch.randint(0, train.shape[1], (len(pos) * negatives,), generator=gen)])
        targets = torch.cat([torch.ones(len(pos)), torch.zeros(len(pos) * negatives)])
        order = torch.randperm(len(users), generator=gen)
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            u, i, t = users[idx].to(device), items[idx].to(device), targets[idx].to(device)
            loss = nn.functional.binary_cross_entropy_with_logits(model(u, i), t)
            penalty = weight_decay * (model.users(u).pow(2).sum(1) + model.items(i).pow(2).sum(1)).mean()
            optimizer.zero_grad()
            (loss + penalty).backward()
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / len(order))
    return losses
