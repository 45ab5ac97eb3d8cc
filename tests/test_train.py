"""Tests of dl_lib.train: accuracy, evaluate, fit and early stopping."""

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dl_lib.device import set_seed
from dl_lib.train import History, accuracy, evaluate, fit

CPU = torch.device("cpu")


def blobs(n_per_class: int = 20) -> tuple[torch.Tensor, torch.Tensor]:
    """Two well separated Gaussian blobs in the plane, centred at (-2, -2) and (2, 2)."""
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(2 * n_per_class, 2, generator=generator) * 0.5
    X[:n_per_class] -= 2.0
    X[n_per_class:] += 2.0
    y = torch.cat([torch.zeros(n_per_class), torch.ones(n_per_class)]).long()
    return X, y


# accuracy ------------------------------------------------------------------


def test_accuracy_multiclass_uses_argmax():
    y_hat = torch.tensor([[2.0, 1.0, 0.0], [-3.0, -1.0, -2.0], [0.0, 0.0, 5.0], [1.0, 2.0, 0.0]])
    y = torch.tensor([0, 1, 2, 0])  # the last one is wrong: argmax is 1
    assert accuracy(y_hat, y) == pytest.approx(0.75)


def test_accuracy_binary_thresholds_logits_at_zero():
    # Logits, not probabilities: 0.3 means class 1 (it would be 0 with a 0.5 threshold).
    y_hat = torch.tensor([0.3, -0.2, 2.0, -4.0, 0.1])
    y = torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0])
    assert accuracy(y_hat, y) == pytest.approx(3 / 5)


def test_accuracy_binary_column_is_thresholded_not_argmaxed():
    # An argmax over a single column would always give class 0 and accuracy 1/4.
    y_hat = torch.tensor([[0.5], [1.5], [0.2], [-1.0]])
    y = torch.tensor([[1.0], [1.0], [1.0], [0.0]])
    assert accuracy(y_hat, y) == 1.0


def test_accuracy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="y must have shape"):
        accuracy(torch.zeros(4, 3), torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match="y_hat must have shape"):
        accuracy(torch.zeros(2, 3, 4), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="0 or 1"):
        accuracy(torch.zeros(3), torch.tensor([0, 1, 2]))


# evaluate ------------------------------------------------------------------


def test_evaluate_weights_loss_by_example_and_restores_mode():
    X, y = blobs(5)  # 10 examples in batches of 4, 4, 2
    model = nn.Linear(2, 2)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    model.train()
    loss, acc = evaluate(model, loss_fn, loader, device=CPU)
    with torch.no_grad():
        y_hat = model(X)
        per_example = nn.functional.cross_entropy(y_hat, y, reduction="none")
        batch_means = [per_example[i : i + 4].mean() for i in range(0, 10, 4)]
    assert loss == pytest.approx(per_example.mean().item(), rel=1e-6)
    # The mean of batch means differs here, so the test can tell the two apart.
    assert abs(torch.stack(batch_means).mean().item() - loss) > 1e-4
    assert acc == pytest.approx(accuracy(y_hat, y))
    assert model.training


# fit -----------------------------------------------------------------------


def test_fit_separates_two_blobs():
    set_seed(0)
    X, y = blobs()
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    train_loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True)
    val_loader = DataLoader(TensorDataset(X, y), batch_size=16)
    history = fit(
        model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader,
        num_epochs=5, device=CPU, progress=False,
    )  # fmt: skip
    assert isinstance(history, History)
    for values in (history.train_loss, history.val_loss, history.train_metric, history.val_metric):
        assert len(values) == 5
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_metric[-1] == 1.0
    assert evaluate(model, nn.CrossEntropyLoss(), val_loader, device=CPU)[1] == 1.0
    assert not history.stopped_early
    assert history.best_epoch is not None and 0 <= history.best_epoch < 5
    assert history.seconds > 0
    assert history.as_dict()["train_loss"] == history.train_loss


def test_fit_with_progress_bar_and_scheduler_and_no_metric():
    X, y = blobs()
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    loader = DataLoader(TensorDataset(X, y), batch_size=40)
    history = fit(
        model, nn.CrossEntropyLoss(), optimizer, loader, num_epochs=3, metric=None,
        device=CPU, progress=True, scheduler=scheduler,
    )  # fmt: skip
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1.0 * 0.5**3)
    assert all(math.isnan(v) for v in history.val_loss + history.train_metric)
    assert history.best_epoch is None


# early stopping ------------------------------------------------------------
#
# One weight w, no bias. The training set (x=+1, y=1), (x=-1, y=0) is separable,
# so gradient descent pushes w up for ever. The validation set has x=+1 three
# times with y=1 and once with y=0; its loss 3 softplus(-w) + softplus(w) is
# smallest at w = ln 3. Validation loss therefore falls, then rises again.


def one_weight_problem() -> tuple[DataLoader, DataLoader]:
    train = TensorDataset(torch.tensor([[1.0], [-1.0]]), torch.tensor([[1.0], [0.0]]))
    val = TensorDataset(torch.ones(4, 1), torch.tensor([[1.0], [1.0], [1.0], [0.0]]))
    return DataLoader(train, batch_size=2), DataLoader(val, batch_size=4)


def train_one_weight(num_epochs: int, patience: int | None) -> tuple[nn.Module, History]:
    set_seed(0)
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    train_loader, val_loader = one_weight_problem()
    history = fit(
        model, nn.BCEWithLogitsLoss(), optimizer, train_loader, val_loader,
        num_epochs=num_epochs, device=CPU, patience=patience, progress=False,
    )  # fmt: skip
    return model, history


def test_early_stopping_stops_and_restores_best_weights():
    model, history = train_one_weight(num_epochs=50, patience=3)
    best = history.best_epoch
    assert history.stopped_early
    assert 0 < best < len(history.val_loss) - 1  # val loss fell, then rose
    assert best == min(range(len(history.val_loss)), key=history.val_loss.__getitem__)
    assert len(history.val_loss) == best + 1 + 3  # stopped after 3 epochs without improvement
    assert model.weight.item() == pytest.approx(math.log(3), abs=0.5)
    # The same deterministic run for best + 1 epochs ends at the weights of the best epoch.
    reference, _ = train_one_weight(num_epochs=best + 1, patience=None)
    torch.testing.assert_close(model.state_dict(), reference.state_dict())


def test_without_restore_best_keeps_last_weights():
    set_seed(0)
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)
    train_loader, val_loader = one_weight_problem()
    history = fit(
        model, nn.BCEWithLogitsLoss(), torch.optim.SGD(model.parameters(), lr=1.0),
        train_loader, val_loader, num_epochs=50, device=CPU, patience=3,
        restore_best=False, progress=False,
    )  # fmt: skip
    reference, _ = train_one_weight(num_epochs=len(history.val_loss), patience=None)
    torch.testing.assert_close(model.state_dict(), reference.state_dict())


# errors --------------------------------------------------------------------


def test_nan_loss_raises_floating_point_error():
    X, y = blobs()
    X[13, 0] = float("nan")  # in the second batch of 8
    model = nn.Linear(2, 2)
    loader = DataLoader(TensorDataset(X, y), batch_size=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError, match="epoch 1, batch 2"):
        fit(model, nn.CrossEntropyLoss(), optimizer, loader, device=CPU, progress=False)


def test_patience_without_val_loader_raises():
    model = nn.Linear(2, 2)
    loader = DataLoader(TensorDataset(*blobs()), batch_size=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="val_loader"):
        fit(model, nn.CrossEntropyLoss(), optimizer, loader, patience=2, progress=False)


@pytest.mark.parametrize("kwargs", [{"num_epochs": 0}, {"num_epochs": 2.5}, {"patience": 0}])
def test_fit_validates_counts(kwargs):
    model = nn.Linear(2, 2)
    loader = DataLoader(TensorDataset(*blobs()), batch_size=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        fit(model, nn.CrossEntropyLoss(), optimizer, loader, loader, progress=False, **kwargs)


def test_loss_without_reduction_is_rejected():
    model = nn.Linear(2, 2)
    loader = DataLoader(TensorDataset(*blobs()), batch_size=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="scalar"):
        fit(model, nn.CrossEntropyLoss(reduction="none"), optimizer, loader, progress=False)


# ---------------------------------------------------------------- bad input: the message a person reads


def _model_and_optimizer():
    model = nn.Linear(2, 2)
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


def test_fit_refuses_a_batch_that_is_not_a_pair():
    model, optimizer = _model_and_optimizer()
    triples = [(torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), torch.zeros(4))]
    with pytest.raises(ValueError, match="each batch must be a pair \\(X, y\\), got tuple"):
        fit(model, nn.CrossEntropyLoss(), optimizer, triples, num_epochs=1, progress=False)
    with pytest.raises(ValueError, match="each batch must be a pair \\(X, y\\), got Tensor"):
        fit(model, nn.CrossEntropyLoss(), optimizer, [torch.zeros(4, 2)], num_epochs=1, progress=False)


def test_fit_and_evaluate_refuse_an_empty_loader():
    model, optimizer = _model_and_optimizer()
    empty = DataLoader(TensorDataset(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long)), batch_size=4)
    with pytest.raises(ValueError, match="train_loader yielded no examples; fit needs at least one batch"):
        fit(model, nn.CrossEntropyLoss(), optimizer, empty, num_epochs=1, progress=False)
    with pytest.raises(ValueError, match="loader yielded no examples; evaluate needs at least one batch"):
        evaluate(model, nn.CrossEntropyLoss(), empty)


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_epochs=0), "num_epochs must be an integer >= 1, got 0"),
    (dict(num_epochs=2.5), "num_epochs must be an integer >= 1, got 2.5"),
    (dict(num_epochs=3, patience=0), "patience must be None or an integer >= 1, got 0"),
    (dict(num_epochs=3, patience=2), "patience \\(early stopping\\) needs a val_loader"),
])
def test_fit_refuses_bad_arguments(kwargs, message):
    model, optimizer = _model_and_optimizer()
    X, y = blobs(4)
    with pytest.raises(ValueError, match=message):
        fit(model, nn.CrossEntropyLoss(), optimizer, DataLoader(TensorDataset(X, y), batch_size=4),
            progress=False, **kwargs)


def test_fit_refuses_a_loss_that_is_not_one_number():
    model, optimizer = _model_and_optimizer()
    X, y = blobs(4)
    with pytest.raises(ValueError, match="loss_fn must return a scalar tensor"):
        fit(model, nn.CrossEntropyLoss(reduction="none"), optimizer, DataLoader(TensorDataset(X, y), batch_size=4),
            num_epochs=1, progress=False)
