"""Training and evaluation loops: the one `fit` every chapter uses.

A chapter writes its training loop by hand once, to see the five steps
(forward, loss, zero_grad, backward, step); after that it calls `fit`, which
runs the same five steps and adds what a real run needs: a progress bar, a
validation pass per epoch, early stopping, and a loud error when the loss
stops being a number.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from dl_lib.device import device as default_device

__all__ = ["accuracy", "evaluate", "fit", "History", "predicted_class"]

Metric = Callable[[Tensor, Tensor], float]


def predicted_class(y_hat: Tensor) -> Tensor:
    r"""Turn model outputs into class indices.

    Args:
        y_hat: logits of shape ``(N, C)`` with ``C >= 2`` (the class is the argmax),
            or binary logits of shape ``(N,)`` or ``(N, 1)`` (the class is
            ``y_hat > 0``, that is probability ``sigmoid(y_hat) > 0.5``).

    Returns:
        A ``(N,)`` integer tensor of class indices.
    """
    if y_hat.ndim == 2 and y_hat.shape[1] >= 2:
        return y_hat.argmax(dim=1)
    if y_hat.ndim == 1 or (y_hat.ndim == 2 and y_hat.shape[1] == 1):
        return (y_hat.reshape(-1) > 0).long()
    raise ValueError(
        f"y_hat must have shape (N, C) for C classes or (N,) / (N, 1) for binary logits, "
        f"got {tuple(y_hat.shape)}"
    )


def accuracy(y_hat: Tensor, y: Tensor) -> float:
    r"""Fraction of examples whose predicted class equals the target.

    .. math:: \mathrm{acc} = \frac{1}{N} \sum_{i=1}^{N} [\hat c_i = y_i]

    The predicted class :math:`\hat c_i` is ``argmax`` over the classes for
    multi-class logits. For binary classification the model outputs one
    **logit** per example (the input of ``nn.BCEWithLogitsLoss``), and the
    predicted class is 1 when the logit is above 0, i.e. when
    :math:`\sigma(\hat y_i) > 0.5`. Do not pass probabilities: the threshold is 0.

    Args:
        y_hat: logits, shape ``(N, C)``, or binary logits, shape ``(N,)`` or ``(N, 1)``.
        y: class indices, shape ``(N,)`` (or ``(N, 1)``); 0 or 1 for binary.

    Returns:
        The accuracy as a Python float in ``[0, 1]``.
    """
    c_hat = predicted_class(y_hat)  # checks the shape of y_hat
    N = c_hat.shape[0]
    if N == 0:
        raise ValueError("accuracy needs at least one example, got y_hat with N = 0")
    if y.ndim > 2 or y.numel() != N:
        raise ValueError(
            f"y must have shape (N,) or (N, 1) with N = {N} as in y_hat, got {tuple(y.shape)}"
        )
    y = y.reshape(-1)
    is_binary = y_hat.ndim == 1 or y_hat.shape[1] == 1
    if is_binary and not bool(((y == 0) | (y == 1)).all()):
        raise ValueError("binary y_hat (one logit per example) needs targets y that are 0 or 1")
    return (c_hat == y.long()).float().mean().item()


@dataclass
class History:
    r"""What happened during `fit`, one entry per epoch.

    Attributes:
        train_loss: mean training loss of each epoch (see `fit` for how it is averaged).
        val_loss: validation loss after each epoch; NaN when there was no validation set.
        train_metric: the metric on the training examples of each epoch.
        val_metric: the metric on the validation set after each epoch (or NaN).
        best_epoch: 0-based epoch with the lowest validation loss, None without validation.
        stopped_early: True when early stopping ended training before ``num_epochs``.
        seconds: wall-clock duration of the whole run.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """The history as a plain dictionary (for pandas, JSON or `glue`)."""
        return dataclasses.asdict(self)


def _unpack(batch: object, device: torch.device) -> tuple[Tensor, Tensor]:
    """Check that a batch is a pair (X, y) and move both tensors to ``device``."""
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        raise ValueError(f"each batch must be a pair (X, y), got {type(batch).__name__}")
    X, y = batch
    return X.to(device), y.to(device)


def _check_loss(loss: Tensor) -> None:
    """Check that ``loss_fn`` returned one number, as with ``reduction='mean'``."""
    if not isinstance(loss, Tensor) or loss.ndim != 0:
        shape = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(
            f"loss_fn must return a scalar tensor (the batch mean, reduction='mean'), got {shape}"
        )


def _metric_over(metric: Metric | None, outputs: list[Tensor], targets: list[Tensor]) -> float:
    """The metric over all examples of a pass (NaN when there is no metric)."""
    if metric is None:
        return math.nan
    return float(metric(torch.cat(outputs), torch.cat(targets)))


def evaluate(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    loader: Iterable,
    metric: Metric | None = accuracy,
    device: torch.device | str | None = None,
) -> tuple[float, float]:
    r"""Mean loss and metric of ``model`` on every example of ``loader``.

    The loss is weighted by example, not by batch:
    :math:`L = \sum_b n_b \ell_b / \sum_b n_b`, where :math:`\ell_b` is the mean
    loss of batch :math:`b` and :math:`n_b` its size, so a small last batch does
    not count as much as a full one. The metric is computed once, on the
    outputs of all examples together.

    Args:
        model: the network; it runs in eval mode without gradients and is put
            back in the train/eval mode it had before.
        loss_fn: returns the mean loss of a batch, e.g. ``nn.CrossEntropyLoss()``.
        loader: yields batches ``(X, y)``, e.g. a ``DataLoader``.
        metric: ``metric(y_hat, y) -> float`` over all examples, or None for none (NaN).
        device: where to run; None means ``dl_lib.device()``. The model is moved there.

    Returns:
        ``(loss, metric)`` as Python floats.
    """
    device = default_device() if device is None else torch.device(device)
    was_training = model.training
    model.to(device).eval()
    total_loss, count, outputs, targets = 0.0, 0, [], []
    try:
        with torch.no_grad():
            for batch in loader:
                X, y = _unpack(batch, device)
                y_hat = model(X)
                loss = loss_fn(y_hat, y)
                _check_loss(loss)
                total_loss += loss.item() * y.shape[0]
                count += y.shape[0]
                outputs.append(y_hat)
                targets.append(y)
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("loader yielded no examples; evaluate needs at least one batch")
    return total_loss / count, _metric_over(metric, outputs, targets)


def _train_epoch(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    loader: Iterable,
    metric: Metric | None,
    device: torch.device,
    epoch: int,
) -> tuple[float, float]:
    """One pass over ``loader`` with an optimizer step per batch; returns (loss, metric)."""
    model.train()
    total_loss, count, outputs, targets = 0.0, 0, [], []
    for i, batch in enumerate(loader):
        X, y = _unpack(batch, device)
        y_hat = model(X)
        loss = loss_fn(y_hat, y)
        _check_loss(loss)
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(
                f"training loss became {value} in epoch {epoch + 1}, batch {i + 1} "
                "(both counted from 1); try a smaller learning rate or check the inputs for NaN"
            )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += value * y.shape[0]
        count += y.shape[0]
        outputs.append(y_hat.detach())
        targets.append(y)
    if count == 0:
        raise ValueError("train_loader yielded no examples; fit needs at least one batch")
    return total_loss / count, _metric_over(metric, outputs, targets)


def _check_fit_args(num_epochs: int, patience: int | None, val_loader: object) -> None:
    """Reject arguments that would make `fit` do something other than intended."""
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be an integer >= 1, got {num_epochs!r}")
    if patience is None:
        return
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ValueError(f"patience must be None or an integer >= 1, got {patience!r}")
    if val_loader is None:
        raise ValueError("patience (early stopping) needs a val_loader to watch the val loss")


def _step_scheduler(scheduler: object, loss: float) -> None:
    """Step a learning-rate scheduler once; ReduceLROnPlateau also needs the loss."""
    if scheduler is None:
        return
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(loss)
    else:
        scheduler.step()


def _postfix(history: History, metric_name: str) -> dict[str, str]:
    """The latest numbers of ``history``, formatted for the progress bar."""
    latest = {
        "train_loss": history.train_loss[-1],
        f"train_{metric_name}": history.train_metric[-1],
        "val_loss": history.val_loss[-1],
        f"val_{metric_name}": history.val_metric[-1],
    }
    return {key: f"{value:.4f}" for key, value in latest.items() if not math.isnan(value)}


def fit(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    train_loader: Iterable,
    val_loader: Iterable | None = None,
    num_epochs: int = 10,
    metric: Metric | None = accuracy,
    device: torch.device | str | None = None,
    patience: int | None = None,
    restore_best: bool = True,
    progress: bool = True,
    scheduler: object | None = None,
) -> History:
    r"""Train ``model`` for ``num_epochs`` epochs and record what happened.

    Each batch runs forward, loss, ``zero_grad``, backward, ``step``. The train
    loss of an epoch is the example-weighted mean of the batch losses *as they
    were computed during training*, in train mode and with the weights of that
    moment, so it is not the loss of the final weights of the epoch (that would
    need a second pass). After each epoch the model is evaluated on
    ``val_loader`` with `evaluate` and ``scheduler`` (if any) is stepped once.

    Early stopping: with ``patience`` set, training stops once the validation
    loss has not improved (strictly decreased) for ``patience`` epochs in a row.
    With ``restore_best`` the model then gets back the weights of its best
    epoch, from a deep copy of its ``state_dict`` kept aside during training.
    Without ``patience`` the model keeps its final weights, but
    ``History.best_epoch`` is still recorded when there is a ``val_loader``.

    Args:
        model: the network; it is moved to ``device``.
        loss_fn: returns the mean loss of a batch, e.g. ``nn.CrossEntropyLoss()``.
        optimizer: built on ``model.parameters()``.
        train_loader: yields batches ``(X, y)``; a new pass each epoch.
        val_loader: yields validation batches ``(X, y)``, or None.
        num_epochs: the most epochs to train, an integer >= 1.
        metric: ``metric(y_hat, y) -> float`` over all examples of a pass
            (default `accuracy`), or None for regression (recorded as NaN).
        device: where to train; None means ``dl_lib.device()``. Batches are moved there.
        patience: epochs without val-loss improvement before stopping, >= 1, or None.
        restore_best: with early stopping, load the best epoch's weights at the end.
        progress: show a progress bar over epochs.
        scheduler: a learning-rate scheduler stepped once per epoch, or None.
            ``ReduceLROnPlateau`` is stepped with the val loss (the train loss without validation).

    Returns:
        A `History`. Raises ``FloatingPointError`` as soon as a training loss is NaN or inf.
    """
    _check_fit_args(num_epochs, patience, val_loader)
    device = default_device() if device is None else torch.device(device)
    model.to(device)
    history, metric_name = History(), getattr(metric, "__name__", "metric")
    best_loss, best_state, bad_epochs = math.inf, None, 0
    start = time.perf_counter()
    with tqdm(range(num_epochs), desc="fit", unit="epoch", disable=not progress) as bar:
        for epoch in bar:
            train = _train_epoch(model, loss_fn, optimizer, train_loader, metric, device, epoch)
            val = (math.nan, math.nan)
            if val_loader is not None:
                val = evaluate(model, loss_fn, val_loader, metric, device)
            history.train_loss.append(train[0])
            history.train_metric.append(train[1])
            history.val_loss.append(val[0])
            history.val_metric.append(val[1])
            _step_scheduler(scheduler, train[0] if val_loader is None else val[0])
            bar.set_postfix(_postfix(history, metric_name))
            if val[0] < best_loss:  # NaN never counts as an improvement
                best_loss, bad_epochs, history.best_epoch = val[0], 0, epoch
                if patience is not None:
                    best_state = copy.deepcopy(model.state_dict())
            else:
                bad_epochs += 1
            if patience is not None and bad_epochs >= patience:
                history.stopped_early = epoch + 1 < num_epochs  # not early on the last epoch
                break
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    history.seconds = time.perf_counter() - start
    return history
