r"""Checks a training script can call: the debugging recipe of chapter 19, one function per step.

A broken training script rarely crashes. It runs, prints losses, and ends with a model that is
worse than it should be, and nothing says why. Each function here tests one thing that must hold
when training is correct, and returns a :class:`CheckResult` that says what it measured, whether
that passed and, when it did not, what the usual causes are:

- before training: :func:`check_initial_loss` (the loss of an untrained classifier is about
  :math:`\ln C`), :func:`overfit_one_batch` (the model and loss can drive the loss of a few
  examples to zero), :func:`near_duplicates` (no validation example also sits in the training
  set), :func:`lr_range_test` (which learning rates make progress and where training blows up);
- during training: :class:`LayerMonitor` (forward and backward hooks recording each layer's
  activation and gradient statistics, dead and saturated units, update-to-weight ratios),
  :class:`StaleGradientCheck` (no gradient survives an optimizer step), :func:`first_nonfinite`
  (where a NaN or infinity first appears, forward or backward);
- after training: :func:`diagnose_history` (diverging, not learning, not generalizing,
  overfitting) and :func:`check_repeatable` (evaluating twice gives the same numbers and leaves
  the model unchanged);
- for reproducibility: :func:`fingerprint` and :func:`reproducibility_info`.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import platform
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

__all__ = [
    "CheckResult", "TrainingCheckError", "expected_initial_loss", "check_initial_loss",
    "overfit_one_batch", "LRRangeResult", "lr_range_test", "activation_stats", "LayerMonitor", "StaleGradientCheck",
    "first_nonfinite", "diagnose_history", "check_repeatable", "near_duplicates", "fingerprint",
    "reproducibility_info",
]

LossFn = Callable[[Tensor, Tensor], Tensor]
MakeOptimizer = Callable[[Iterable[nn.Parameter]], torch.optim.Optimizer]


class TrainingCheckError(AssertionError):
    """Raised by :meth:`CheckResult.raise_if_failed` and by strict checks during training."""


@dataclass
class CheckResult:
    r"""The outcome of one check.

    Attributes:
        name: which check ran, e.g. ``"initial loss"``.
        passed: whether what it measured is what correct training gives.
        message: what it measured, and when it failed the usual causes.
        value: the main number measured (a loss, a fraction), NaN when there is none.
        details: everything else it measured (curves, per-layer numbers, a label).
    """

    name: str
    passed: bool
    message: str
    value: float = math.nan
    details: dict = field(default_factory=dict)

    def raise_if_failed(self) -> CheckResult:
        """Raise :class:`TrainingCheckError` with the message when the check failed; else return self."""
        if not self.passed:
            raise TrainingCheckError(f"{self.name}: {self.message}")
        return self

    def __str__(self) -> str:
        return f"[{'pass' if self.passed else 'FAIL'}] {self.name}: {self.message}"


def _model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter or buffer (the CPU for a model without any)."""
    for tensor in [*model.parameters(), *model.buffers()]:
        return tensor.device
    return torch.device("cpu")


def _check_batch(caller: str, X: Tensor, y: Tensor) -> None:
    if not isinstance(X, Tensor) or not isinstance(y, Tensor):
        raise TypeError(f"{caller}: X and y must be tensors, got {type(X).__name__} and {type(y).__name__}")
    if X.ndim == 0 or len(X) == 0 or len(X) != len(y):
        raise ValueError(f"{caller}: X and y need the same number N >= 1 of examples, got shapes "
                         f"{tuple(X.shape)} and {tuple(y.shape)}")


def _scalar_loss(caller: str, loss: Tensor) -> Tensor:
    if not isinstance(loss, Tensor) or loss.ndim != 0:
        shape = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(f"{caller}: loss_fn must return a scalar (reduction='mean'), got {shape}")
    return loss


def expected_initial_loss(num_classes: int) -> float:
    r"""The cross-entropy of a classifier that gives every class the same probability: :math:`\ln C`.

    An untrained network with small random weights outputs logits close to each other, so its
    softmax is close to uniform, :math:`p_k \approx 1/C`, and the loss of every example is
    :math:`-\ln(1/C) = \ln C` whatever its label. A binary classifier with one logit near 0 (for
    ``BCEWithLogitsLoss``) predicts :math:`\sigma(0) = 1/2`: :math:`\ln 2`, the case :math:`C = 2`.

    Args:
        num_classes: :math:`C \ge 2`.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"expected_initial_loss: num_classes must be an int >= 2, got {num_classes!r}")
    return math.log(num_classes)


def check_initial_loss(model: nn.Module, loss_fn: LossFn, X: Tensor, y: Tensor,
                       num_classes: int | None = None, rtol: float = 0.3) -> CheckResult:
    r"""Is the untrained model's loss on ``(X, y)`` within ``rtol`` of :math:`\ln C`?

    The model runs in eval mode without gradients (and gets its train/eval mode back). A loss
    far above :math:`\ln C` means confident wrong guesses before any learning: inputs that are
    not standardized, too large initial weights, or a loss summed instead of averaged.

    Args:
        model: an untrained classifier returning logits ``(N, C)``, or ``(N,)`` / ``(N, 1)`` for two classes.
        loss_fn: e.g. ``nn.CrossEntropyLoss()``; must return the batch mean.
        X, y: a batch of inputs and targets (moved to the model's device).
        num_classes: :math:`C`; None reads it from the shape of the model's output.
        rtol: the relative deviation from :math:`\ln C` that still passes.
    """
    _check_batch("check_initial_loss", X, y)
    if not rtol > 0:
        raise ValueError(f"check_initial_loss: rtol must be > 0, got {rtol!r}")
    device, was_training = _model_device(model), model.training
    try:
        with torch.no_grad():
            y_hat = model.eval()(X.to(device))
            loss = _scalar_loss("check_initial_loss", loss_fn(y_hat, y.to(device))).item()
    finally:
        model.train(was_training)
    if num_classes is None:
        num_classes = y_hat.shape[1] if y_hat.ndim == 2 and y_hat.shape[1] >= 2 else 2
    expected = expected_initial_loss(num_classes)
    passed = abs(loss - expected) <= rtol * expected
    message = f"loss at initialization {loss:.3f}, expected about ln {num_classes} = {expected:.3f}"
    if not passed and loss > expected:
        message += ("; the untrained model is confidently wrong: standardize the inputs, shrink the "
                    "initial weights of the last layer, or average the loss instead of summing it")
    elif not passed:
        message += "; lower than chance before training: is the target visible in the inputs?"
    return CheckResult("initial loss", passed, message, loss, {"expected": expected, "num_classes": num_classes})


def overfit_one_batch(model: nn.Module, loss_fn: LossFn, X: Tensor, y: Tensor,
                      make_optimizer: MakeOptimizer | None = None, num_steps: int = 200,
                      target_loss: float = 0.05) -> CheckResult:
    r"""Can a copy of ``model`` drive its loss on the one small batch ``(X, y)`` below ``target_loss``?

    Any network with more parameters than the batch has examples should memorize it. When it
    cannot, the fault is in the model, the loss or how they meet (a softmax before a loss that
    expects logits, targets of the wrong shape or type, a learning rate that diverges), not in
    the amount of data. The copy is trained in eval mode, so dropout is off and batch
    normalization does not depend on the batch; ``model`` itself is not changed.

    Args:
        model: the network to test. loss_fn: the training loss (batch mean).
        X, y: a small batch, e.g. 16 to 64 examples.
        make_optimizer: builds the optimizer from the copy's parameters; None means
            ``torch.optim.Adam(params, lr=0.01)``.
        num_steps: optimizer steps on the batch. target_loss: the loss that counts as memorized.
    """
    _check_batch("overfit_one_batch", X, y)
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"overfit_one_batch: num_steps must be an int >= 1, got {num_steps!r}")
    if not target_loss > 0:
        raise ValueError(f"overfit_one_batch: target_loss must be > 0, got {target_loss!r}")
    trial = copy.deepcopy(model).eval()
    device = _model_device(trial)
    X, y = X.to(device), y.to(device)
    optimizer = (make_optimizer or (lambda params: torch.optim.Adam(params, lr=0.01)))(trial.parameters())
    losses = []
    for step in range(num_steps):
        loss = _scalar_loss("overfit_one_batch", loss_fn(trial(X), y))
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            return CheckResult("overfit one batch", False, f"the loss became {losses[-1]} at step {step + 1}: "
                               "the learning rate is too large or an operation overflows", losses[-1],
                               {"losses": losses})
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        final = loss_fn(trial(X), y).item()
    losses.append(final)
    passed = final <= target_loss
    message = f"loss on {len(X)} examples went from {losses[0]:.3f} to {final:.3g} in {num_steps} steps"
    if not passed:
        message += (f", not below {target_loss}: the model cannot memorize one batch; check the last "
                    "layer and the loss (logits, not probabilities), the targets and the learning rate")
    return CheckResult("overfit one batch", passed, message, final, {"losses": losses})


@dataclass
class LRRangeResult:
    r"""What :func:`lr_range_test` measured.

    Attributes:
        lrs: the learning rate of each step, growing geometrically.
        losses: the smoothed training loss after each step.
        lr_at_min: the learning rate where the smoothed loss was lowest.
        suggested_lr: ``lr_at_min / 10``, a safe starting point for training.
        diverged_at: the learning rate where the loss exceeded ``diverge_factor`` times its
            minimum (or stopped being finite), None when it never did.
    """

    lrs: list[float]
    losses: list[float]
    lr_at_min: float
    suggested_lr: float
    diverged_at: float | None


def lr_range_test(model: nn.Module, loss_fn: LossFn, loader: Iterable, make_optimizer: MakeOptimizer | None = None,
                  lr_min: float = 1e-5, lr_max: float = 10.0, num_steps: int = 100, beta: float = 0.9,
                  diverge_factor: float = 4.0) -> LRRangeResult:
    r"""Train a copy of ``model`` while the learning rate grows from ``lr_min`` to ``lr_max``.

    Step :math:`t = 0, \dots, T-1` uses :math:`\eta_t = \eta_\min (\eta_\max / \eta_\min)^{t / (T - 1)}`
    (Smith, 2017). The loss is smoothed by an exponential moving average with bias correction,
    :math:`\bar\ell_t = \big(\beta m_{t-1} + (1 - \beta)\ell_t\big) / (1 - \beta^{t+1})`. Too small
    a rate leaves the loss flat, a good one makes it fall, too large a one makes it blow up; the
    test stops there. ``model`` itself is not changed.

    Args:
        model, loss_fn: the network and its training loss (batch mean).
        loader: yields training batches ``(X, y)``; it is cycled when it runs out.
        make_optimizer: builds the optimizer from parameters (its ``lr`` is overwritten at
            every step); None means plain SGD.
        lr_min, lr_max: the range, ``0 < lr_min < lr_max``. num_steps: :math:`T \ge 2`.
        beta: the smoothing, in ``[0, 1)``. diverge_factor: stop once the smoothed loss
            exceeds this multiple of its minimum, ``> 1``.
    """
    if not 0 < lr_min < lr_max:
        raise ValueError(f"lr_range_test: need 0 < lr_min < lr_max, got lr_min={lr_min!r}, lr_max={lr_max!r}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 2:
        raise ValueError(f"lr_range_test: num_steps must be an int >= 2, got {num_steps!r}")
    if not 0 <= beta < 1 or not diverge_factor > 1:
        raise ValueError(f"lr_range_test: need 0 <= beta < 1 and diverge_factor > 1, got {beta!r}, {diverge_factor!r}")
    trial = copy.deepcopy(model).train()
    device = _model_device(trial)
    optimizer = (make_optimizer or (lambda params: torch.optim.SGD(params, lr=lr_min)))(trial.parameters())
    lrs, losses, average, best, diverged_at, batches = [], [], 0.0, math.inf, None, iter(loader)
    for t in range(num_steps):
        lr = lr_min * (lr_max / lr_min) ** (t / (num_steps - 1))
        try:
            X, y = next(batches)
        except StopIteration:  # start the loader again
            batches = iter(loader)
            X, y = next(batches)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = _scalar_loss("lr_range_test", loss_fn(trial(X.to(device)), y.to(device)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        average = beta * average + (1 - beta) * loss.item()
        smoothed = average / (1 - beta ** (t + 1))
        if not math.isfinite(smoothed) or smoothed > diverge_factor * best:
            diverged_at = lr
            break
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
    if not losses:
        raise ValueError(f"lr_range_test: the loss was not finite even at lr_min={lr_min}")
    lr_at_min = lrs[int(np.argmin(losses))]
    return LRRangeResult(lrs, losses, lr_at_min, lr_at_min / 10, diverged_at)


def activation_stats(a: Tensor, module: nn.Module) -> dict[str, float]:
    r"""Statistics of one layer's output ``a`` of shape ``(N, units, ...)``, by the layer's type.

    Always the ``mean`` and ``std`` of all entries. For ``nn.ReLU``, ``dead``: the share of
    units (indexed by dimension 1; channels for images) that output 0 for every example and
    position of the batch. For ``nn.Tanh`` and ``nn.Sigmoid``, ``saturated``: the share of
    outputs within 0.01 of the bounds, where the derivative is nearly 0.
    """
    if not isinstance(a, Tensor) or not a.is_floating_point() or not isinstance(module, nn.Module):
        raise TypeError(f"activation_stats expects a floating-point tensor and an nn.Module, got "
                        f"{type(a).__name__} and {type(module).__name__}")
    a = a.detach()
    a = a.float() if a.dtype in (torch.float16, torch.bfloat16) else a  # statistics in full precision
    stats = {"mean": a.mean().item(), "std": a.std().item() if a.numel() > 1 else 0.0}
    if isinstance(module, nn.ReLU) and a.ndim >= 2:
        per_unit = a.transpose(0, 1).reshape(a.shape[1], -1)  # (units, N * positions)
        stats["dead"] = (per_unit <= 0).all(dim=1).float().mean().item()
    elif isinstance(module, nn.Tanh):
        stats["saturated"] = (a.abs() > 0.99).float().mean().item()
    elif isinstance(module, nn.Sigmoid):
        stats["saturated"] = ((a < 0.01) | (a > 0.99)).float().mean().item()
    return stats


class LayerMonitor:
    r"""Forward and backward hooks that record each layer's activation and gradient statistics.

    Inside ``with LayerMonitor(model, optimizer) as monitor:`` every forward pass that builds a
    graph (a training step; evaluation under ``torch.no_grad()`` is skipped) appends one row per
    watched layer to ``monitor.activations``: ``step``, ``layer``, ``mean``, ``std`` and, for ReLU
    layers, ``dead`` (the share of units that output 0 on the whole batch) or, for tanh and
    sigmoid, ``saturated``. The forward hook also hooks the layer's output tensor, so the
    backward pass appends the standard deviation and norm of the gradient of the loss with
    respect to that output to ``monitor.gradients``. Given the optimizer,
    every ``step()`` appends :math:`\lVert \Delta w \rVert / \lVert w \rVert` per parameter to
    ``monitor.updates``; around :math:`10^{-3}` is healthy, much larger means too large a
    learning rate. Leaving the ``with`` block removes every hook.

    Args:
        model: the network; its submodules of ``layer_types`` are watched (by their names in
            ``model.named_modules()``).
        optimizer: optional; the optimizer that trains ``model``.
        layer_types: which modules to watch.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                 layer_types: tuple[type, ...] = (nn.Linear, nn.Conv2d, nn.ReLU, nn.Tanh, nn.Sigmoid)) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"LayerMonitor: model must be an nn.Module, got {type(model).__name__}")
        self.layers = {name: m for name, m in model.named_modules() if isinstance(m, layer_types)}
        if not self.layers:
            raise ValueError(f"LayerMonitor: the model has no layer of types {[t.__name__ for t in layer_types]}")
        self.model, self.optimizer, self.handles = model, optimizer, []
        self.step, self.activations, self.gradients, self.updates = 0, [], [], []
        self._before: dict[str, Tensor] = {}

    def __enter__(self) -> LayerMonitor:
        self.handles.append(self.model.register_forward_pre_hook(self._count_step))
        for name, module in self.layers.items():
            self.handles.append(module.register_forward_hook(self._forward_hook(name)))
        if self.optimizer is not None:
            self.handles.append(self.optimizer.register_step_pre_hook(self._before_step))
            self.handles.append(self.optimizer.register_step_post_hook(self._after_step))
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def _count_step(self, module: nn.Module, args: tuple) -> None:
        if torch.is_grad_enabled():
            self.step += 1

    def _forward_hook(self, name: str) -> Callable:
        def hook(module: nn.Module, args: tuple, output: Tensor) -> None:
            if torch.is_grad_enabled() and isinstance(output, Tensor):
                self.activations.append({"step": self.step, "layer": name, **activation_stats(output, module)})
                if output.requires_grad:  # the backward hook: autograd calls it with d loss / d output
                    output.register_hook(self._backward_hook(name, self.step))
        return hook

    def _backward_hook(self, name: str, step: int) -> Callable[[Tensor], None]:
        def hook(grad: Tensor) -> None:
            g = grad.detach()
            g = g.float() if g.dtype in (torch.float16, torch.bfloat16) else g
            self.gradients.append({"step": step, "layer": name, "std": g.std().item(), "norm": g.norm().item()})
        return hook

    def _named_parameters(self) -> Iterable[tuple[str, nn.Parameter]]:
        return ((name, p) for name, p in self.model.named_parameters() if p.requires_grad)

    def _before_step(self, optimizer: torch.optim.Optimizer, args: tuple, kwargs: dict) -> None:
        self._before = {name: p.detach().clone() for name, p in self._named_parameters()}

    def _after_step(self, optimizer: torch.optim.Optimizer, args: tuple, kwargs: dict) -> None:
        for name, p in self._named_parameters():
            w = self._before[name]
            ratio = ((p.detach() - w).norm() / w.norm().clamp_min(1e-12)).item()
            self.updates.append({"step": self.step, "parameter": name, "ratio": ratio})


class StaleGradientCheck:
    r"""Catch a training loop that forgot ``optimizer.zero_grad()``.

    PyTorch *adds* each backward pass's gradient to ``p.grad``. After ``optimizer.step()`` the
    gradient must be cleared, or the next step follows the sum of every gradient so far. Inside
    ``with StaleGradientCheck(model, optimizer):`` a hook on every parameter looks at ``p.grad``
    just before a new gradient is added: if the optimizer has stepped since the last backward
    pass and ``p.grad`` is still non-zero, the gradient is stale. (Several backward passes
    between two steps, gradient accumulation on purpose, are allowed.)

    Args:
        model: the network. optimizer: the optimizer that steps it.
        strict: raise :class:`TrainingCheckError` at the first stale gradient; otherwise only
            record it in ``self.stale`` (parameter names, one entry per occurrence).
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, strict: bool = True) -> None:
        if not isinstance(model, nn.Module) or not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError("StaleGradientCheck expects an nn.Module and a torch.optim.Optimizer, got "
                            f"{type(model).__name__} and {type(optimizer).__name__}")
        self.model, self.optimizer, self.strict = model, optimizer, strict
        self.stale: list[str] = []
        self.handles: list = []
        self._stepped: dict[str, bool] = {}

    def __enter__(self) -> StaleGradientCheck:
        self.handles.append(self.optimizer.register_step_post_hook(self._after_step))
        for name, p in self.model.named_parameters():
            if p.requires_grad:
                self._stepped[name] = False
                self.handles.append(p.register_hook(self._grad_hook(name, p)))
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def _after_step(self, optimizer: torch.optim.Optimizer, args: tuple, kwargs: dict) -> None:
        self._stepped = dict.fromkeys(self._stepped, True)

    def _grad_hook(self, name: str, p: nn.Parameter) -> Callable[[Tensor], None]:
        def hook(grad: Tensor) -> None:
            if self._stepped[name] and p.grad is not None and bool(p.grad.any()):
                self.stale.append(name)
                if self.strict:
                    raise TrainingCheckError(
                        f"the gradient of {name!r} from before the last optimizer.step() is still there: "
                        "call optimizer.zero_grad() once per step, before loss.backward()")
            self._stepped[name] = False
        return hook

    def result(self) -> CheckResult:
        """The outcome so far, as a :class:`CheckResult`."""
        message = (f"{len(self.stale)} stale gradients, first in {self.stale[0]!r}: zero_grad() is missing"
                   if self.stale else "every backward pass after a step started from a zero gradient")
        return CheckResult("stale gradients", not self.stale, message, float(len(self.stale)))


def _nonfinite(value: object) -> bool:
    tensors = value if isinstance(value, (tuple, list)) else (value,)
    return any(isinstance(t, Tensor) and t.is_floating_point() and not bool(torch.isfinite(t).all())
               for t in tensors)


def _watch(found: dict[str, str], name: str, phase: str) -> Callable:
    """A hook recording ``name`` under ``phase`` when what arrives is finite and what leaves is not."""
    def hook(module: nn.Module, arriving: object, leaving: object) -> None:
        if phase not in found and not _nonfinite(arriving) and _nonfinite(leaving):
            found[phase] = name
    return hook


def _hooked_pass(model: nn.Module, X: Tensor, y: Tensor | None, loss_fn: LossFn | None) -> dict[str, str]:
    """Forward (then loss and backward) with hooks on every leaf module; where values stopped being finite."""
    found: dict[str, str] = {}
    leaves = {name or type(model).__name__: m for name, m in model.named_modules() if not list(m.children())}
    order: list[str] = []  # the leaves in the order the forward pass runs them
    handles = [m.register_forward_pre_hook(lambda mod, args, name=name: order.append(name))
               for name, m in leaves.items()]
    handles += [m.register_forward_hook(_watch(found, name, "forward")) for name, m in leaves.items()]
    for name, m in leaves.items():
        watch = _watch(found, name, "backward")  # wants (arriving, leaving) = (grad_output, grad_input)
        handles.append(m.register_full_backward_hook(lambda mod, gi, go, watch=watch: watch(mod, go, gi)))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Full backward hook is firing")  # inputs need no gradient
            output = model(X)
            if "forward" in found or y is None:
                return found
            loss = _scalar_loss("first_nonfinite", loss_fn(output, y))
            if not torch.isfinite(loss):
                found["loss"] = "loss"
                return found
            params = [(name, p) for name in dict.fromkeys(reversed(order))  # nearest the output first
                      for p in leaves[name].parameters(recurse=False) if p.requires_grad]
            if loss.requires_grad and params:
                grads = torch.autograd.grad(loss, [p for _, p in params], allow_unused=True)
                bad = [name for (name, _), g in zip(params, grads, strict=True) if g is not None and _nonfinite(g)]
                if bad and "backward" not in found:  # no input gradient broke first: a weight gradient did
                    found["backward"] = bad[0]
    finally:
        for handle in handles:
            handle.remove()
    return found


def first_nonfinite(model: nn.Module, X: Tensor, y: Tensor | None = None, loss_fn: LossFn | None = None) -> CheckResult:
    r"""Where does a NaN or an infinity first appear: in the input, a layer's output, the loss, or a gradient?

    Forward hooks on every leaf module record, in the order the modules run, the first one whose
    output is not finite although its input was. With ``y`` and ``loss_fn`` the loss is computed
    and differentiated too (``torch.autograd.grad``, so ``.grad`` is untouched), and backward hooks
    report the first module, in backward order, whose input gradient is not finite although the
    gradient arriving at its output was (or else the module nearest the output whose weight
    gradient is not finite). ``torch.autograd.detect_anomaly()`` answers the same question for
    single operations, at a higher cost.

    Returns:
        A :class:`CheckResult` that passes when everything was finite; ``details["where"]`` is
        ``"input"``, ``"forward"``, ``"loss"``, ``"backward"`` or None, ``details["module"]`` the
        module's name.
    """
    if not isinstance(X, Tensor):
        raise TypeError(f"first_nonfinite: X must be a tensor, got {type(X).__name__}")
    if (y is None) != (loss_fn is None):
        raise ValueError("first_nonfinite: pass both y and loss_fn to check the loss and the backward pass, or neither")
    device = _model_device(model)
    X = X.to(device)
    if _nonfinite(X):
        rows = (~torch.isfinite(X.reshape(len(X), -1))).any(dim=1).nonzero()[:, 0].tolist()
        return CheckResult("first non-finite", False, f"the input itself is not finite, in rows {rows[:10]}",
                           details={"where": "input", "module": None, "rows": rows})
    found = _hooked_pass(model, X, None if y is None else y.to(device), loss_fn)
    for where in ("forward", "loss", "backward"):
        if where in found:
            message = f"first non-finite value in the {where} pass, at {found[where]!r}"
            return CheckResult("first non-finite", False, message, details={"where": where, "module": found[where]})
    return CheckResult("first non-finite", True, "inputs, outputs, loss and gradients are finite",
                       details={"where": None, "module": None})


def _series(history: object, key: str) -> list[float]:
    values = history.get(key, []) if isinstance(history, Mapping) else getattr(history, key, [])
    return [float(v) for v in values]


def diagnose_history(history: object, num_classes: int | None = None, chance: float | None = None,
                     min_improvement: float = 0.1, overfit_tolerance: float = 0.25, window: int = 3) -> CheckResult:
    r"""Name what went wrong in a training history, if anything.

    The rules, in this order (the first that applies wins):

    1. **diverging**: a training loss is NaN or infinite, or the last one exceeds the first;
    2. **not learning**: the last training loss is not ``min_improvement`` (a fraction) below
       where training started: below the first epoch's loss and, given ``num_classes``, below
       :math:`\ln C`, the loss of guessing uniformly;
    3. **not generalizing**: given ``chance`` and a validation metric, the last validation metric
       is within 0.05 of chance although the training loss fell: the model fits the training
       examples and nothing carries over (labels that do not belong to their inputs);
    4. **overfitting**: the validation loss, averaged over the last ``window`` epochs (to
       smooth out noise), exceeds the lowest such average by more than ``overfit_tolerance``
       of it;
    5. **healthy** otherwise.

    Args:
        history: a ``dl_lib.train.History`` or a mapping with ``train_loss`` and optionally
            ``val_loss`` and ``val_metric`` lists (one entry per epoch, at least two epochs).
        num_classes: :math:`C` for a classifier trained with cross-entropy, or None.
        chance: the validation accuracy of always guessing the most common class, or None.
        min_improvement, overfit_tolerance: the thresholds of rules 2 and 4, in (0, 1).
        window: the number of epochs averaged in rule 4, >= 1.

    Returns:
        A :class:`CheckResult`, passed only when healthy; ``details["label"]`` is the diagnosis.
    """
    train, val, metric = (_series(history, k) for k in ("train_loss", "val_loss", "val_metric"))
    if len(train) < 2:
        raise ValueError(f"diagnose_history needs a train_loss of at least two epochs, got {len(train)}")
    if not 0 < min_improvement < 1 or not 0 < overfit_tolerance < 1:
        raise ValueError("diagnose_history: min_improvement and overfit_tolerance must lie in (0, 1), got "
                         f"{min_improvement!r} and {overfit_tolerance!r}")
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"diagnose_history: window must be an int >= 1, got {window!r}")
    start = train[0] if num_classes is None else min(train[0], expected_initial_loss(num_classes))
    val = [v for v in val if not math.isnan(v)]
    smooth = np.convolve(val, np.ones(window) / window, mode="valid") if len(val) > window else np.array([])
    if not all(math.isfinite(v) for v in train) or train[-1] > train[0]:
        label, why = "diverging", f"the training loss went from {train[0]:.3g} to {train[-1]:.3g}"
    elif train[-1] > (1 - min_improvement) * start:
        label, why = "not learning", f"the training loss ended at {train[-1]:.3g}, starting from {start:.3g}"
    elif chance is not None and metric and not math.isnan(metric[-1]) and metric[-1] <= chance + 0.05:
        label, why = "not generalizing", (f"the training loss fell to {train[-1]:.3g} but the validation "
                                          f"metric is {metric[-1]:.3g}, chance is {chance:.3g}")
    elif len(smooth) and smooth[-1] > (1 + overfit_tolerance) * smooth.min():
        best = int(np.argmin(smooth)) + window  # the last epoch of the best window, counted from 1
        label, why = "overfitting", (f"the validation loss (mean of {window} epochs) was lowest, "
                                     f"{smooth.min():.3g}, up to epoch {best}, and rose to {smooth[-1]:.3g}")
    else:
        label, why = "healthy", f"the training loss fell from {train[0]:.3g} to {train[-1]:.3g}"
    return CheckResult("history", label == "healthy", f"{label}: {why}", train[-1], {"label": label})


def check_repeatable(evaluate: Callable[[], object], model: nn.Module | None = None, atol: float = 0.0) -> CheckResult:
    r"""Does evaluating twice give the same numbers, and leave the model as it was?

    An evaluation must be a function of the weights alone. If two calls of ``evaluate`` differ,
    something random runs in it: dropout left on (the model was not put in eval mode) or a
    random augmentation applied to the validation data. If the model's parameters or buffers
    change, evaluation trained it: batch normalization in train mode updates its running
    statistics from the validation batches.

    Args:
        evaluate: a function of no arguments returning a number, a tensor or a tuple of them.
        model: the model ``evaluate`` uses, to check that its state does not change; or None.
        atol: the largest absolute difference still counted as equal.
    """
    if not callable(evaluate):
        raise TypeError(f"check_repeatable: evaluate must be callable, got {type(evaluate).__name__}")
    before = fingerprint(model) if model is not None else None
    first, second = evaluate(), evaluate()
    to_tensor = lambda r: torch.cat([torch.as_tensor(v, dtype=torch.float64).reshape(-1).cpu()  # noqa: E731
                                     for v in (r if isinstance(r, (tuple, list)) else (r,))])
    difference = (to_tensor(first) - to_tensor(second)).abs().max().item()
    changed = model is not None and fingerprint(model) != before
    problems = []
    if difference > atol:
        problems.append(f"two evaluations differ by up to {difference:.3g}: dropout or a random "
                        "transform is active during evaluation")
    if changed:
        problems.append("evaluation changed the model's parameters or buffers (batch norm in train mode?)")
    message = "; ".join(problems) or "two evaluations agree and the model is unchanged"
    return CheckResult("repeatable evaluation", not problems, message, difference, {"model_changed": changed})


def near_duplicates(X_train: Tensor, X_other: Tensor, max_distance: float = 1e-6) -> CheckResult:
    r"""The share of rows of ``X_other`` that have a copy in ``X_train`` (within ``max_distance``).

    A validation or test example that also sits in the training set measures memory, not
    generalization, and makes the model look better than it is: *data leakage*. Copies arrive
    when a data set is oversampled or augmented before it is split, or holds the same record
    twice. Each row's nearest training row is found by Euclidean distance (``torch.cdist``).

    Args:
        X_train: shape ``(N, ...)``. X_other: shape ``(M, ...)`` with the same trailing shape.
        max_distance: the distance below which two rows count as copies, ``>= 0``.
    """
    if not isinstance(X_train, Tensor) or not isinstance(X_other, Tensor):
        raise TypeError("near_duplicates: X_train and X_other must be tensors")
    if X_train.ndim == 0 or X_other.ndim == 0 or X_train.shape[1:] != X_other.shape[1:] or not len(X_train):
        raise ValueError(f"near_duplicates: X_train and X_other need the same shape per example, got "
                         f"{tuple(X_train.shape)} and {tuple(X_other.shape)}")
    if not max_distance >= 0:
        raise ValueError(f"near_duplicates: max_distance must be >= 0, got {max_distance!r}")
    A = X_train.reshape(len(X_train), -1).double()
    B = X_other.reshape(len(X_other), -1).double().to(A.device)
    nearest = torch.cdist(B, A).min(dim=1).values if len(B) else torch.zeros(0, dtype=torch.float64)
    copies = int((nearest <= max_distance).sum())
    share = copies / max(len(B), 1)
    message = f"{copies} of {len(B)} examples ({share:.1%}) have a copy in the training set"
    if copies:
        message += ": data leakage; split first, then oversample or augment the training split only"
    return CheckResult("near duplicates", copies == 0, message, share, {"nearest": nearest})


def fingerprint(model: nn.Module) -> str:
    r"""A short hash of every parameter and buffer of ``model``: equal fingerprints, bit-identical models.

    Two runs are reproduced exactly when their trained models have the same fingerprint; any
    difference, even in the last bit of one weight, changes it.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"fingerprint: model must be an nn.Module, got {type(model).__name__}")
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def reproducibility_info() -> dict[str, object]:
    r"""What a run's numbers depend on besides the seed: versions, threads, determinism settings, device."""
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "machine": platform.machine(),
        "threads": torch.get_num_threads(),
        "deterministic algorithms": torch.are_deterministic_algorithms_enabled(),
        "cudnn.benchmark": torch.backends.cudnn.benchmark,
        "CUBLAS_WORKSPACE_CONFIG": os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
    }
