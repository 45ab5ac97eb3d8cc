"""dl_lib.debugging: each check against PyTorch's own numbers, on the bugs it exists for, and its errors."""

import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from dl_lib.debugging import (
    CheckResult,
    LayerMonitor,
    StaleGradientCheck,
    TrainingCheckError,
    activation_stats,
    check_initial_loss,
    check_repeatable,
    diagnose_history,
    expected_initial_loss,
    fingerprint,
    first_nonfinite,
    lr_range_test,
    near_duplicates,
    overfit_one_batch,
    reproducibility_info,
)


def _mlp(d_in=4, hidden=16, C=3, seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, C)).to(dtype)


def _batch(N=32, d_in=4, C=3, seed=0, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(N, d_in, generator=generator, dtype=dtype), torch.randint(C, (N,), generator=generator)


# ---------------------------------------------------------------- loss at initialization

@pytest.mark.parametrize("C", [2, 3, 10, 1000])
def test_expected_initial_loss_is_the_cross_entropy_of_uniform_logits(C):
    y = torch.arange(7) % C
    reference = F.cross_entropy(torch.zeros(7, C, dtype=torch.float64), y).item()
    assert abs(expected_initial_loss(C) - reference) < 1e-12
    if C == 2:  # one logit at 0 with a sigmoid: the same value
        bce = F.binary_cross_entropy_with_logits(torch.zeros(7, dtype=torch.float64), y.double()).item()
        assert abs(expected_initial_loss(2) - bce) < 1e-12


@pytest.mark.parametrize("bad", [1, 0, -3, 2.0, True, "10"])
def test_expected_initial_loss_rejects_bad_class_counts(bad):
    with pytest.raises(ValueError, match="num_classes must be an int >= 2"):
        expected_initial_loss(bad)


def test_check_initial_loss_measures_the_loss_pytorch_computes_and_restores_the_mode():
    model, (X, y) = _mlp(), _batch()
    model.train()
    result = check_initial_loss(model, nn.CrossEntropyLoss(), X, y)
    with torch.no_grad():
        reference = F.cross_entropy(model.eval()(X), y).item()
    model.train()
    assert isinstance(result, CheckResult) and result.passed, result
    assert abs(result.value - reference) < 1e-12 and result.details["num_classes"] == 3
    assert model.training, "the model's train mode must be restored"


def test_check_initial_loss_fails_on_unscaled_inputs_and_on_summed_losses():
    model, (X, y) = _mlp(), _batch()
    unscaled = check_initial_loss(model, nn.CrossEntropyLoss(), 1000 * X, y)
    summed = check_initial_loss(model, nn.CrossEntropyLoss(reduction="sum"), X, y)
    assert not unscaled.passed and "standardize" in unscaled.message
    assert not summed.passed and summed.value > 10 * math.log(3)
    with pytest.raises(TrainingCheckError, match="initial loss"):
        unscaled.raise_if_failed()


def test_check_initial_loss_reads_binary_logits():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 1), nn.Flatten(0)).double()
    X, _ = _batch()
    y = (X[:, 0] > 0).double()
    result = check_initial_loss(model, nn.BCEWithLogitsLoss(), X, y)
    assert result.details["num_classes"] == 2 and abs(result.details["expected"] - math.log(2)) < 1e-12


def test_check_initial_loss_errors():
    model, (X, y) = _mlp(), _batch()
    with pytest.raises(ValueError, match="same number N >= 1"):
        check_initial_loss(model, nn.CrossEntropyLoss(), X, y[:5])
    with pytest.raises(ValueError, match="rtol must be > 0"):
        check_initial_loss(model, nn.CrossEntropyLoss(), X, y, rtol=0)
    with pytest.raises(ValueError, match="must return a scalar"):
        check_initial_loss(model, nn.CrossEntropyLoss(reduction="none"), X, y)
    with pytest.raises(TypeError, match="must be tensors"):
        check_initial_loss(model, nn.CrossEntropyLoss(), X.numpy(), y)


# ---------------------------------------------------------------- overfit one batch

def test_overfit_one_batch_memorizes_and_leaves_the_model_alone():
    model, (X, y) = _mlp(hidden=64), _batch()
    before = fingerprint(model)
    result = overfit_one_batch(model, nn.CrossEntropyLoss(), X, y)
    assert result.passed and result.value < 0.05, result
    assert fingerprint(model) == before
    assert result.details["losses"][0] == pytest.approx(F.cross_entropy(model(X), y).item())


def test_overfit_one_batch_catches_a_double_softmax_above_its_floor():
    model = nn.Sequential(_mlp(hidden=64), nn.Softmax(dim=1))
    X, y = _batch()
    result = overfit_one_batch(model, nn.CrossEntropyLoss(), X, y)
    floor = math.log(1 + 2 / math.e)  # three classes
    assert not result.passed and result.value >= floor - 1e-9, result


def test_overfit_one_batch_reports_divergence():
    model, (X, y) = _mlp(hidden=64), _batch()
    result = overfit_one_batch(model, nn.CrossEntropyLoss(), 1e3 * X, y,
                               make_optimizer=lambda p: torch.optim.SGD(p, lr=1e6))
    assert not result.passed


def test_overfit_one_batch_errors():
    model, (X, y) = _mlp(), _batch()
    with pytest.raises(ValueError, match="num_steps must be an int >= 1"):
        overfit_one_batch(model, nn.CrossEntropyLoss(), X, y, num_steps=0)
    with pytest.raises(ValueError, match="target_loss must be > 0"):
        overfit_one_batch(model, nn.CrossEntropyLoss(), X, y, target_loss=0)


# ---------------------------------------------------------------- learning-rate range test

def test_lr_range_test_grows_geometrically_stops_at_divergence_and_keeps_the_model():
    model = _mlp(hidden=32)
    batches = [_batch(seed=s) for s in range(4)]
    before = fingerprint(model)
    result = lr_range_test(model, nn.CrossEntropyLoss(), batches, lr_min=1e-4, lr_max=1e4, num_steps=80)
    ratios = torch.tensor(result.lrs[1:]) / torch.tensor(result.lrs[:-1])
    assert_close(ratios, torch.full_like(ratios, (1e4 / 1e-4) ** (1 / 79)))
    assert result.diverged_at is not None and len(result.lrs) < 80
    assert result.suggested_lr == pytest.approx(result.lr_at_min / 10)
    assert min(result.losses) == result.losses[result.lrs.index(result.lr_at_min)]
    assert fingerprint(model) == before


def test_lr_range_test_errors():
    model, batch = _mlp(), [_batch()]
    with pytest.raises(ValueError, match="0 < lr_min < lr_max"):
        lr_range_test(model, nn.CrossEntropyLoss(), batch, lr_min=1.0, lr_max=0.1)
    with pytest.raises(ValueError, match="num_steps must be an int >= 2"):
        lr_range_test(model, nn.CrossEntropyLoss(), batch, num_steps=1)
    with pytest.raises(ValueError, match="beta"):
        lr_range_test(model, nn.CrossEntropyLoss(), batch, beta=1.0)


# ---------------------------------------------------------------- hooks

def test_layer_monitor_matches_autograd_and_manual_statistics():
    model, (X, y) = _mlp(), _batch()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    captured = {}
    handle = model[1].register_forward_hook(lambda m, a, out: captured.update(relu=out))
    with LayerMonitor(model, optimizer) as monitor:
        loss = F.cross_entropy(model(X), y)
        reference_grad = torch.autograd.grad(loss, captured["relu"], retain_graph=True)[0]
        before = model[0].weight.detach().clone()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    handle.remove()
    relu = captured["relu"]
    row = [r for r in monitor.activations if r["layer"] == "1"][0]
    assert row["step"] == 1 and abs(row["mean"] - relu.mean().item()) < 1e-12
    assert abs(row["dead"] - (relu <= 0).all(dim=0).double().mean().item()) < 1e-12
    grad_row = [g for g in monitor.gradients if g["layer"] == "1"][0]
    assert abs(grad_row["norm"] - reference_grad.norm().item()) < 1e-9
    assert abs(grad_row["std"] - reference_grad.std().item()) < 1e-9
    update = [u for u in monitor.updates if u["parameter"] == "0.weight"][0]
    expected = ((model[0].weight.detach() - before).norm() / before.norm()).item()
    assert abs(update["ratio"] - expected) < 1e-9
    assert not model[1]._forward_hooks and not model._forward_pre_hooks, "hooks must be removed"


def test_layer_monitor_counts_dead_units_and_saturation_and_skips_no_grad_passes():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh()).double()
    with torch.no_grad():
        model[0].bias[:2] = -100.0  # two units that are negative for every input
        model[2].weight.mul_(1000.0)  # tanh pushed to its bounds
    X = torch.randn(20, 3, dtype=torch.float64)
    with LayerMonitor(model) as monitor:
        with torch.no_grad():
            model(X)
        assert monitor.activations == []
        model(X).sum().backward()
    rows = {r["layer"]: r for r in monitor.activations}
    assert rows["1"]["dead"] == 0.5 and rows["3"]["saturated"] > 0.5


def test_activation_stats_counts_dead_channels_of_images():
    a = torch.rand(5, 4, 3, 3, dtype=torch.float64)  # (N, C, H, W)
    a[:, 1] = 0.0  # channel 1 is zero everywhere: dead
    a[0, 2, 0, 0] = 0.0  # channel 2 is zero at one position only: alive
    stats = activation_stats(a, nn.ReLU())
    assert stats["dead"] == 0.25 and abs(stats["mean"] - a.mean().item()) < 1e-12
    assert "dead" not in activation_stats(a, nn.Linear(3, 3)) and "saturated" not in activation_stats(a, nn.ReLU())
    with pytest.raises(TypeError, match="floating-point tensor and an nn.Module"):
        activation_stats(torch.zeros(3, 2, dtype=torch.long), nn.ReLU())


def test_layer_monitor_errors():
    with pytest.raises(TypeError, match="nn.Module"):
        LayerMonitor("model")
    with pytest.raises(ValueError, match="no layer of types"):
        LayerMonitor(nn.Sequential(nn.Flatten()))


def test_stale_gradient_check_catches_a_missing_zero_grad_and_allows_accumulation():
    model, (X, y) = _mlp(), _batch()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with StaleGradientCheck(model, optimizer) as check:  # two backward passes per step: allowed
        for _ in range(3):
            optimizer.zero_grad()
            F.cross_entropy(model(X[:16]), y[:16]).backward()
            F.cross_entropy(model(X[16:]), y[16:]).backward()
            optimizer.step()
    assert check.result().passed
    with StaleGradientCheck(model, optimizer) as check:
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
        with pytest.raises(TrainingCheckError, match="zero_grad"):
            F.cross_entropy(model(X), y).backward()
    with StaleGradientCheck(model, optimizer, strict=False) as check:
        for _ in range(2):
            F.cross_entropy(model(X), y).backward()
            optimizer.step()
    assert not check.result().passed and len(check.stale) == 4  # every parameter, once
    F.cross_entropy(model(X), y).backward()  # outside the block the hooks are gone: no error
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        StaleGradientCheck(model, "sgd")


# ---------------------------------------------------------------- NaN finder

class _Prototypes(nn.Module):
    def __init__(self, prototypes):
        super().__init__()
        self.prototypes = nn.Parameter(prototypes.clone())

    def forward(self, X):
        return -torch.sqrt(((X[:, None, :] - self.prototypes[None]) ** 2).sum(dim=2))


def test_first_nonfinite_finds_the_input_forward_loss_and_backward_origin():
    X, y = _batch()
    model = _mlp()
    assert first_nonfinite(model, X, y, nn.CrossEntropyLoss()).passed
    X_nan = X.clone()
    X_nan[5, 2] = float("nan")
    result = first_nonfinite(model, X_nan)
    assert result.details["where"] == "input" and result.details["rows"] == [5]

    class Log(nn.Module):
        def forward(self, h):
            return torch.log(h)  # log of ReLU outputs: -inf at zeros

    broken = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), Log(), nn.Linear(8, 3)).double()
    result = first_nonfinite(broken, X)
    assert result.details == {"where": "forward", "module": "2"}, result

    prototypes = nn.Sequential(nn.Identity(), _Prototypes(X[:3]))
    result = first_nonfinite(prototypes, X, y, nn.CrossEntropyLoss())
    assert result.details["where"] == "backward" and result.details["module"] == "1", result
    with warnings.catch_warnings():  # anomaly mode warns about its cost and prints the forward trace
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly(), pytest.raises(RuntimeError, match="returned nan"):
            F.cross_entropy(prototypes(X), y).backward()  # PyTorch agrees: NaN in the backward pass


def test_first_nonfinite_errors():
    model, (X, y) = _mlp(), _batch()
    with pytest.raises(ValueError, match="both y and loss_fn"):
        first_nonfinite(model, X, y)
    with pytest.raises(TypeError, match="must be a tensor"):
        first_nonfinite(model, [1.0])


# ---------------------------------------------------------------- history, evaluation, leakage

@pytest.mark.parametrize("history, kwargs, label", [
    ({"train_loss": [2.3, 1.0, 0.5], "val_loss": [2.3, 1.1, 0.6]}, {}, "healthy"),
    ({"train_loss": [2.3, 1.0, float("nan")]}, {}, "diverging"),
    ({"train_loss": [2.3, 3.0, 4.0]}, {}, "diverging"),
    ({"train_loss": [2.3, 2.2, 2.15]}, {}, "not learning"),
    ({"train_loss": [4.0, 3.0, 2.9]}, {"num_classes": 10}, "not learning"),  # worse than guessing
    ({"train_loss": [2.3, 1.0, 0.5], "val_metric": [0.1, 0.12, 0.1]}, {"chance": 0.1}, "not generalizing"),
    ({"train_loss": [2.3, 1, .5, .3, .2, .1, .05], "val_loss": [2.3, 1, .5, .6, .8, 1.0, 1.2]}, {}, "overfitting"),
    ({"train_loss": [2.3, 1, .5, .3, .2, .1, .05], "val_loss": [2.3, 1, .5, .4, .45, .4, .42]}, {}, "healthy"),
])
def test_diagnose_history_rules(history, kwargs, label):
    result = diagnose_history(history, **kwargs)
    assert result.details["label"] == label, result
    assert result.passed == (label == "healthy")


def test_diagnose_history_reads_a_fit_history_and_rejects_bad_input():
    from dl_lib.train import History

    history = History(train_loss=[1.0, 0.5], val_loss=[1.0, 0.6], val_metric=[0.5, 0.8])
    assert diagnose_history(history).passed
    with pytest.raises(ValueError, match="at least two epochs"):
        diagnose_history({"train_loss": [1.0]})
    with pytest.raises(ValueError, match="must lie in"):
        diagnose_history(history, min_improvement=1.5)
    with pytest.raises(ValueError, match="window"):
        diagnose_history(history, window=0)


def test_check_repeatable_catches_dropout_and_batch_norm_in_train_mode():
    X, _ = _batch()
    torch.manual_seed(0)
    dropout = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5)).double()
    batch_norm = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8)).double()
    assert not check_repeatable(lambda: dropout(X).sum().item(), dropout).passed
    result = check_repeatable(lambda: batch_norm(X).sum().item(), batch_norm)
    assert not result.passed and result.details["model_changed"]
    batch_norm.eval()
    dropout.eval()
    assert check_repeatable(lambda: (batch_norm(X).sum().item(), dropout(X).mean()), batch_norm).passed
    with pytest.raises(TypeError, match="callable"):
        check_repeatable(3.0)


def test_near_duplicates_counts_copies_with_cdist():
    X_train, _ = _batch(N=50)
    X_other = torch.cat([X_train[:7], X_train[:3] + 1e-9, torch.randn(10, 4, dtype=torch.float64)])
    result = near_duplicates(X_train, X_other)
    assert not result.passed and result.value == pytest.approx(10 / 20)
    assert_close(result.details["nearest"], torch.cdist(X_other, X_train).min(dim=1).values)
    assert near_duplicates(X_train, X_other[10:]).passed
    with pytest.raises(ValueError, match="same shape per example"):
        near_duplicates(X_train, X_other[:, :2])
    with pytest.raises(ValueError, match="max_distance must be >= 0"):
        near_duplicates(X_train, X_other, max_distance=-1)


# ---------------------------------------------------------------- reproducibility

def test_fingerprint_is_equal_for_equal_weights_and_changes_with_one_bit():
    a, b = _mlp(seed=3), _mlp(seed=3)
    assert fingerprint(a) == fingerprint(b) and len(fingerprint(a)) == 16
    with torch.no_grad():
        b[0].weight[0, 0] = torch.nextafter(b[0].weight[0, 0], torch.tensor(math.inf, dtype=torch.float64))
    assert fingerprint(a) != fingerprint(b)
    with pytest.raises(TypeError, match="nn.Module"):
        fingerprint({"weight": torch.zeros(2)})


def test_reproducibility_info_lists_what_runs_depend_on():
    info = reproducibility_info()
    assert info["torch"] == torch.__version__ and info["threads"] == torch.get_num_threads()
    assert isinstance(info["deterministic algorithms"], bool)
