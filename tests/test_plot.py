"""Tests of dl_lib.plot: the figures have the panels, lines and labels they promise."""

import math

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from dl_lib.plot import (
    COLORS,
    WRONG_COLOR,
    decision_boundary,
    image_grid,
    training_curves,
    use_style,
)
from dl_lib.train import History


@pytest.fixture(autouse=True)
def agg_backend():
    """Draw off-screen, with the book's style, and close every figure afterwards."""
    plt.switch_backend("Agg")
    with mpl.rc_context():
        use_style()
        yield
    plt.close("all")


def make_history(with_val: bool = True) -> History:
    nan = math.nan
    return History(
        train_loss=[1.0, 0.6, 0.4, 0.3],
        val_loss=[1.1, 0.7, 0.6, 0.65] if with_val else [nan] * 4,
        train_metric=[0.5, 0.7, 0.8, 0.9],
        val_metric=[0.4, 0.6, 0.75, 0.7] if with_val else [nan] * 4,
        best_epoch=2 if with_val else None,
    )


def test_use_style_sets_the_book_defaults():
    assert mpl.rcParams["axes.spines.top"] is False
    assert mpl.rcParams["axes.grid"] is True
    assert mpl.rcParams["savefig.bbox"] == "tight"
    assert mpl.rcParams["axes.prop_cycle"].by_key()["color"] == COLORS


def test_training_curves_draws_two_panels_with_best_epoch():
    fig = training_curves(make_history(), metric_name="accuracy")
    assert len(fig.axes) == 2
    loss_ax, metric_ax = fig.axes
    for ax in fig.axes:
        assert len(ax.lines) == 3  # train, validation, best-epoch marker
        assert ax.get_title() and ax.get_xlabel() == "epoch" and ax.get_ylabel()
        assert len(ax.get_legend().get_texts()) == 3
        np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3, 4])  # 1-based
        np.testing.assert_array_equal(ax.lines[2].get_xdata(), [3, 3])  # best_epoch 2 -> 3
    assert metric_ax.get_ylabel() == "accuracy"
    np.testing.assert_array_equal(loss_ax.lines[1].get_ydata(), [1.1, 0.7, 0.6, 0.65])


def test_training_curves_without_validation_and_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    returned = training_curves(make_history(with_val=False).as_dict(), "acc", axes=axes)
    assert returned is fig
    assert [len(ax.lines) for ax in axes] == [1, 1]
    with pytest.raises(ValueError, match="axes"):
        training_curves(make_history(), axes=[axes[0]])


def test_image_grid_reshapes_flat_square_images():
    images = np.random.default_rng(0).random((10, 64))  # like sklearn's digits
    labels = np.arange(10)
    predictions = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 0])  # the last one is wrong
    fig = image_grid(images, labels, predictions, ncols=4, title="Digits")
    assert len(fig.axes) == 12  # 3 rows of 4
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 10
    assert shown[0].images[0].get_array().shape == (8, 8)
    assert shown[0].get_title() == "label 0\npred 0"
    assert mpl.colors.same_color(shown[9].title.get_color(), WRONG_COLOR)
    assert not mpl.colors.same_color(shown[8].title.get_color(), WRONG_COLOR)
    assert fig.get_suptitle() == "Digits"


@pytest.mark.parametrize("shape", [(5, 7, 6), (5, 1, 7, 6), (5, 3, 7, 6)])
def test_image_grid_accepts_image_shapes(shape):
    fig = image_grid(torch.rand(shape), ncols=8)
    assert len(fig.axes) == 5
    assert fig.axes[0].images[0].get_array().shape[:2] == (7, 6)


def test_image_grid_rejects_bad_shapes_and_lengths():
    with pytest.raises(ValueError, match="square"):
        image_grid(np.zeros((4, 63)))
    with pytest.raises(ValueError, match="images must have shape"):
        image_grid(np.zeros((4, 2, 8, 8)))
    with pytest.raises(ValueError, match="labels"):
        image_grid(np.zeros((4, 8, 8)), labels=[0, 1, 2])


def test_decision_boundary_binary_logits():
    X = torch.tensor([[-1.0, -1.0], [-0.5, -1.0], [1.0, 1.0], [0.5, 1.5]])
    y = torch.tensor([0, 0, 1, 1])
    model = nn.Linear(2, 1)  # (M, 1) logits
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 1.0]]))
        model.bias.zero_()
    model.train()
    ax = decision_boundary(model, X, y, resolution=50)
    assert model.training  # put back in train mode
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "Decision boundary"
    assert len(ax.collections) >= 3  # the filled contour and one scatter per class
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_boundary_three_classes_from_a_function():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 3.0], [-3.0, -2.0], [3.0, -2.0]])
    y = np.repeat(np.arange(3), 10)
    X = centres[y] + rng.normal(scale=0.5, size=(30, 2))

    def predict(points: torch.Tensor) -> torch.Tensor:  # nearest centre wins
        assert points.dtype == torch.float32 and points.shape == (40 * 40, 2)
        return -torch.cdist(points, torch.tensor(centres, dtype=torch.float32))

    fig, ax = plt.subplots()
    returned = decision_boundary(predict, X, y, ax=ax, resolution=40, title="Three classes")
    assert returned is ax
    assert ax.get_title() == "Three classes"
    assert len(ax.get_legend().get_texts()) == 3
    with pytest.raises(ValueError, match="X must have shape"):
        decision_boundary(predict, X[:, :1], y)
