"""dl_lib.recommend: the generated shop, the matrices, the baseline and matrix factorization."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from dl_lib.metrics import recall_at_k
from dl_lib.recommend import (
    MatrixFactorization,
    fit_implicit,
    interaction_matrix,
    mask_seen,
    popularity_scores,
    split_per_user,
    synthetic_interactions,
)


def test_synthetic_interactions_shapes_and_determinism():
    pairs, segment, category = synthetic_interactions(n_users=50, n_items=40, n_segments=4, per_user=6, seed=3)
    assert pairs.shape == (300, 2) and segment.shape == (50,) and category.shape == (40,)
    matrix = interaction_matrix(pairs, 50, 40)
    assert (matrix.sum(dim=1) == 6).all(), "each user buys per_user distinct items"
    again = synthetic_interactions(n_users=50, n_items=40, n_segments=4, per_user=6, seed=3)[0]
    assert torch.equal(pairs, again)
    assert not torch.equal(pairs, synthetic_interactions(n_users=50, n_items=40, n_segments=4, per_user=6)[0])


def test_users_prefer_their_segment():
    pairs, segment, category = synthetic_interactions(seed=0)
    share = (segment[pairs[:, 0]] == category[pairs[:, 1]]).double().mean()
    assert share > 0.4, "with affinity 2.5 and 6 segments, most purchases are in the user's segment"


def test_split_per_user_partitions():
    matrix = interaction_matrix(synthetic_interactions(n_users=30, n_items=50, per_user=8)[0], 30, 50)
    train, test = split_per_user(matrix, n_test=3)
    assert torch.equal(train | test, matrix) and not (train & test).any()
    assert (test.sum(dim=1) == 3).all()


def test_mask_and_popularity():
    train = torch.tensor([[True, False, True], [False, False, True]])
    assert_close(popularity_scores(train), torch.tensor([[1.0, 0.0, 2.0], [1.0, 0.0, 2.0]], dtype=torch.float64))
    masked = mask_seen(popularity_scores(train), train)
    assert masked[0, 0] == float("-inf") and masked[1, 0] == 1.0


def test_matrix_factorization_matches_embedding_arithmetic():
    torch.manual_seed(0)
    model = MatrixFactorization(5, 7, dim=3).double()
    with torch.no_grad():
        model.item_bias.normal_()
    users, items = torch.tensor([0, 4, 2]), torch.tensor([6, 0, 3])
    U, V = model.users.weight, model.items.weight
    expected = nn.functional.embedding(users, U).mul(nn.functional.embedding(items, V)).sum(1) + model.item_bias[items]
    assert_close(model(users, items), expected, atol=1e-6, rtol=1e-6)
    assert_close(model.all_scores()[users, items], model(users, items), atol=1e-6, rtol=1e-6)
    assert model.all_scores().shape == (5, 7)


def test_fit_implicit_beats_popularity():
    torch.manual_seed(0)
    pairs, _, _ = synthetic_interactions(n_users=300, n_items=150, seed=1)
    train, test = split_per_user(interaction_matrix(pairs, 300, 150), n_test=5)
    model = MatrixFactorization(300, 150)
    losses = fit_implicit(model, train, num_epochs=15)
    assert losses[-1] < losses[0]
    with torch.no_grad():
        learned = recall_at_k(mask_seen(model.all_scores(), train), test, 10)
    baseline = recall_at_k(mask_seen(popularity_scores(train), train), test, 10)
    assert learned > baseline + 0.03, (learned, baseline)


@pytest.mark.parametrize("call, message", [
    (lambda: synthetic_interactions(n_users=0), "n_users"),
    (lambda: synthetic_interactions(n_items=5, per_user=6), "exceeds"),
    (lambda: interaction_matrix(torch.tensor([[0, 1]]).float(), 2, 2), "LongTensor"),
    (lambda: interaction_matrix(torch.tensor([[0, 5]]), 2, 2), "out of range"),
    (lambda: split_per_user(torch.zeros(2, 2), 1), "bool"),
    (lambda: split_per_user(torch.zeros(2, 2, dtype=torch.bool), 0), "n_test"),
    (lambda: mask_seen(torch.zeros(2, 2), torch.zeros(2, 3, dtype=torch.bool)), "same shape"),
    (lambda: popularity_scores(torch.zeros(3)), "2-D"),
    (lambda: MatrixFactorization(3, 0), "n_items"),
    (lambda: fit_implicit(MatrixFactorization(3, 4), torch.zeros(3, 5, dtype=torch.bool)), "matching"),
    (lambda: fit_implicit(MatrixFactorization(3, 4), torch.zeros(3, 4, dtype=torch.bool), negatives=0),
     "negatives"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
