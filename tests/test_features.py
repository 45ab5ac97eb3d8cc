"""dl_lib.features: each hand-made feature against a plain loop over pixels, in float64."""

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from dl_lib.features import (
    as_images,
    centroid,
    column_strokes,
    column_sums,
    feature_names,
    handcrafted_features,
    ink,
    left_right_asymmetry,
    row_strokes,
    row_sums,
    top_bottom_asymmetry,
)

# A 4x4 "7": a bar on top, then a diagonal stroke down to the left.
SEVEN = torch.tensor(
    [
        [1.0, 1.0, 1.0, 1.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
    ],
    dtype=torch.float64,
)
# A 4x4 "0": a ring, symmetric both ways.
ZERO = torch.tensor(
    [
        [0.0, 1.0, 1.0, 0.0],
        [1.0, 0.0, 0.0, 1.0],
        [1.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 1.0, 0.0],
    ],
    dtype=torch.float64,
)


def _images(N=5, H=6, W=7, seed=0):
    generator = torch.Generator().manual_seed(seed)
    X = torch.rand(N, H, W, generator=generator, dtype=torch.float64)
    return X * (X > 0.4)  # some paper, some ink of varying darkness


def _runs_by_loop(row: np.ndarray) -> int:
    count, inside = 0, False
    for is_ink in row:
        if is_ink and not inside:
            count += 1
        inside = bool(is_ink)
    return count


def test_tiny_examples_by_hand():
    X = torch.stack([SEVEN, ZERO])
    assert_close(ink(X), torch.tensor([7.0, 8.0], dtype=torch.float64))
    assert_close(row_sums(X)[0], torch.tensor([4.0, 1.0, 1.0, 1.0], dtype=torch.float64))
    assert_close(column_sums(X)[0], torch.tensor([1.0, 3.0, 2.0, 1.0], dtype=torch.float64))
    assert_close(row_strokes(X)[1], torch.tensor([1.0, 2.0, 2.0, 1.0], dtype=torch.float64))
    assert_close(column_strokes(X)[0], torch.tensor([1.0, 2.0, 1.0, 1.0], dtype=torch.float64))
    # The ring equals its mirror images; the 7 differs from its mirror in 6 of 16 pixels.
    assert_close(left_right_asymmetry(X), torch.tensor([6 / 16, 0.0], dtype=torch.float64))
    assert_close(top_bottom_asymmetry(X)[1], torch.tensor(0.0, dtype=torch.float64))
    assert_close(centroid(X)[1], torch.tensor([1.5, 1.5], dtype=torch.float64))
    # ink at rows 0,0,0,0,1,2,3 and columns 0,1,2,3,2,1,1
    assert_close(centroid(X)[0], torch.tensor([6 / 7, 10 / 7], dtype=torch.float64))


def test_sums_and_asymmetries_match_loops():
    X = _images()
    N, H, W = X.shape
    x = X.numpy()
    rows = np.array([[x[n, i, :].sum() for i in range(H)] for n in range(N)])
    cols = np.array([[x[n, :, j].sum() for j in range(W)] for n in range(N)])
    lr = np.array([np.mean([abs(x[n, i, j] - x[n, i, W - 1 - j]) for i in range(H) for j in range(W)])
                   for n in range(N)])
    tb = np.array([np.mean([abs(x[n, i, j] - x[n, H - 1 - i, j]) for i in range(H) for j in range(W)])
                   for n in range(N)])
    assert_close(row_sums(X), torch.from_numpy(rows))
    assert_close(column_sums(X), torch.from_numpy(cols))
    assert_close(ink(X), torch.from_numpy(rows.sum(axis=1)))
    assert_close(left_right_asymmetry(X), torch.from_numpy(lr))
    assert_close(top_bottom_asymmetry(X), torch.from_numpy(tb))


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.9])
def test_strokes_match_a_loop_and_torch_diff(threshold):
    X = _images(seed=1)
    B = (X >= threshold).numpy()
    by_loop = [[_runs_by_loop(B[n, i]) for i in range(X.shape[1])] for n in range(X.shape[0])]
    assert_close(row_strokes(X, threshold), torch.tensor(by_loop, dtype=torch.float64))
    # A stroke starts where the padded binary row steps from 0 to 1.
    padded = torch.nn.functional.pad((X >= threshold).long(), (1, 0))
    by_diff = (torch.diff(padded, dim=2) == 1).sum(dim=2).double()
    assert_close(row_strokes(X, threshold), by_diff)
    assert_close(column_strokes(X, threshold), row_strokes(X.transpose(1, 2), threshold))


def test_stroke_threshold_is_inclusive():
    X = torch.full((1, 1, 3), 0.5)
    X[0, 0, 1] = 0.0
    assert row_strokes(X, threshold=0.5).tolist() == [[2.0]]
    assert row_strokes(X, threshold=0.51).tolist() == [[0.0]]


def test_centroid_matches_weighted_mean_and_handles_blank_images():
    X = _images(N=3, H=5, W=4, seed=2)
    X[1] = 0.0  # a blank image
    ii, jj = torch.meshgrid(torch.arange(5.0, dtype=torch.float64),
                            torch.arange(4.0, dtype=torch.float64), indexing="ij")
    for n in (0, 2):
        expected = torch.stack([(X[n] * ii).sum(), (X[n] * jj).sum()]) / X[n].sum()
        assert_close(centroid(X)[n], expected)
    assert_close(centroid(X)[1], torch.tensor([2.0, 1.5], dtype=torch.float64))
    assert torch.isfinite(centroid(X)).all()


def test_flat_and_channel_layouts_give_the_same_features():
    X = _images(N=4, H=8, W=8, seed=3)
    reference = handcrafted_features(X)
    assert_close(handcrafted_features(X.reshape(4, 64)), reference)
    assert_close(handcrafted_features(X[:, None]), reference)
    assert as_images(X.reshape(4, 64)).shape == (4, 8, 8)


def test_handcrafted_features_stack_every_feature_in_order():
    X = _images(N=3, H=6, W=5, seed=4)
    F = handcrafted_features(X, threshold=0.6)
    names = feature_names(6, 5)
    assert F.shape == (3, 2 * 6 + 2 * 5 + 5) == (3, len(names))
    assert F.dtype == torch.float64
    assert_close(F[:, names.index("ink")], ink(X))
    assert_close(F[:, names.index("row_sum_2")], row_sums(X)[:, 2])
    assert_close(F[:, names.index("column_sum_4")], column_sums(X)[:, 4])
    assert_close(F[:, names.index("top_bottom_asymmetry")], top_bottom_asymmetry(X))
    assert_close(F[:, names.index("row_strokes_5")], row_strokes(X, 0.6)[:, 5])
    assert_close(F[:, names.index("column_strokes_0")], column_strokes(X, 0.6)[:, 0])
    assert_close(F[:, -2:], centroid(X))
    assert len(feature_names()) == 37


def test_integer_images_give_float_features():
    X = torch.tensor([[[0, 16], [16, 16]]])
    F = handcrafted_features(X, threshold=8)
    assert F.is_floating_point()
    assert F[0, 0].item() == 48.0
    assert row_strokes(X, 8).tolist() == [[1.0, 1.0]]


def test_features_do_not_modify_their_input():
    X = _images(seed=5)
    before = X.clone()
    handcrafted_features(X)
    assert torch.equal(X, before)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((5, 63), r"\(N, D\) with D a square number, got \(5, 63\)"),
        ((5,), r"\(N, H, W\), \(N, 1, H, W\) or \(N, D\).*got \(5,\)"),
        ((2, 3, 8, 8), r"got \(2, 3, 8, 8\)"),
        ((2, 0), r"D a square number, got \(2, 0\)"),
    ],
)
def test_bad_shapes_name_the_expected_shape(shape, message):
    with pytest.raises(ValueError, match=message):
        handcrafted_features(torch.zeros(shape))


def test_feature_names_rejects_empty_images():
    with pytest.raises(ValueError, match="positive height and width"):
        feature_names(0, 8)
