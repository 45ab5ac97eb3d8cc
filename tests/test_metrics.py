"""dl_lib.metrics against scikit-learn's metrics where they exist, plus edge cases and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_curve

from dl_lib.metrics import (
    average_precision,
    bayes_threshold,
    best_threshold,
    decision_cost,
    detection_delay,
    expected_calibration_error,
    precision_recall,
    recall_at_k,
    reliability_curve,
    sensitivity_at_specificity,
)


@pytest.fixture(params=[0, 1, 2])
def scored(request):
    """Scores with ties (rounded) and imbalanced labels."""
    gen = np.random.default_rng(request.param)
    labels = (gen.random(300) < 0.2).astype(np.int64)
    scores = np.round(1 / (1 + np.exp(-(gen.normal(size=300) + 1.5 * labels))), 2)
    return torch.tensor(scores), torch.tensor(labels)


def test_average_precision_matches_sklearn(scored):
    scores, labels = scored
    assert average_precision(scores, labels) == pytest.approx(average_precision_score(labels, scores), abs=1e-12)


def test_precision_recall_matches_sklearn(scored):
    scores, labels = scored
    precision, recall, thresholds = precision_recall(scores, labels)
    p, r, t = precision_recall_curve(labels.numpy(), scores.numpy())
    # scikit-learn orders by increasing threshold and appends (1, 0); it may drop thresholds past full recall
    n = len(t)
    np.testing.assert_allclose(precision.numpy()[::-1][-n:], p[:-1], atol=1e-12)
    np.testing.assert_allclose(recall.numpy()[::-1][-n:], r[:-1], atol=1e-12)
    np.testing.assert_allclose(thresholds.numpy()[::-1][-n:], t, atol=1e-12)


@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.95, 0.99, 1.0])
def test_sensitivity_at_specificity_matches_roc_curve(scored, target):
    scores, labels = scored
    fpr, tpr, thr = roc_curve(labels.numpy(), scores.numpy(), drop_intermediate=False)
    ok = 1 - fpr >= target - 1e-12
    sens, threshold = sensitivity_at_specificity(scores, labels, target)
    assert sens == pytest.approx(tpr[ok].max(), abs=1e-12)
    flagged = scores >= threshold
    assert (~flagged[labels == 0]).double().mean() >= target - 1e-12
    assert flagged[labels == 1].double().mean().item() == pytest.approx(sens, abs=1e-12)


def test_sensitivity_at_specificity_edges():
    labels = torch.tensor([0, 0, 1, 1])
    exact = torch.tensor([0.1, 0.2, 0.8, 0.9], dtype=torch.float64)
    assert sensitivity_at_specificity(exact, labels, 1.0) == (1.0, 0.8)
    # the highest score is a negative: full specificity means flagging nothing
    sens, thr = sensitivity_at_specificity(torch.tensor([0.1, 0.95, 0.8, 0.9]), labels, 1.0)
    assert sens == 0.0 and thr == math.inf


@pytest.mark.parametrize("n_bins", [5, 10])
def test_reliability_curve_matches_sklearn(scored, n_bins):
    scores, labels = scored
    mean_p, frac, counts = reliability_curve(scores, labels, n_bins)
    prob_true, prob_pred = calibration_curve(labels.numpy(), scores.numpy(), n_bins=n_bins, strategy="uniform")
    np.testing.assert_allclose(mean_p.numpy(), prob_pred, atol=1e-12)
    np.testing.assert_allclose(frac.numpy(), prob_true, atol=1e-12)
    assert int(counts.sum()) == len(scores)


def test_expected_calibration_error_by_hand():
    probs = torch.tensor([0.15, 0.15, 0.85, 0.85, 0.95], dtype=torch.float64)
    labels = torch.tensor([0, 1, 1, 1, 0])
    # bins (0.1, 0.2]: mean 0.15, frequency 0.5; (0.8, 0.9]: 0.85 and 1; (0.9, 1]: 0.95 and 0
    expected = 2 / 5 * abs(0.5 - 0.15) + 2 / 5 * abs(1 - 0.85) + 1 / 5 * 0.95
    assert expected_calibration_error(probs, labels, n_bins=10) == pytest.approx(expected, abs=1e-12)
    perfect = torch.tensor([0.25] * 4 + [0.75] * 4)
    assert expected_calibration_error(perfect, torch.tensor([1, 0, 0, 0, 1, 1, 1, 0]), 4) == pytest.approx(0.0)


def test_costs_and_thresholds(scored):
    scores, labels = scored
    threshold, cost = best_threshold(scores, labels, cost_fp=1.0, cost_fn=20.0)
    assert cost == pytest.approx(decision_cost(scores, labels, threshold, 1.0, 20.0))
    candidates = [math.inf, *torch.unique(scores).tolist()]
    brute = min(decision_cost(scores, labels, t, 1.0, 20.0) for t in candidates)
    assert cost == pytest.approx(brute)
    assert bayes_threshold(1.0, 20.0) == pytest.approx(1 / 21)
    # expensive false alarms: flag nothing
    assert best_threshold(torch.tensor([0.2, 0.8]), torch.tensor([0, 1]), cost_fp=1.0, cost_fn=0.0)[0] == math.inf


def test_recall_at_k_by_hand():
    scores = torch.tensor([[0.9, 0.1, 0.8, 0.3], [0.1, 0.2, 0.3, 0.4], [0.5, 0.5, 0.5, 0.5]])
    relevant = torch.tensor([[False, True, True, False], [True, False, False, False], [False] * 4])
    # user 0: top-2 = {0, 2}, one of two relevant; user 1: top-2 = {3, 2}, none; user 2 has none: left out
    assert recall_at_k(scores, relevant, 2) == pytest.approx(0.25)
    assert recall_at_k(scores, relevant, 4) == pytest.approx(1.0)
    masked = scores.clone()
    masked[0, 0] = float("-inf")
    assert recall_at_k(scores, relevant, 1) == 0.0
    assert recall_at_k(masked, relevant, 1) == pytest.approx(0.25)  # item 2 moves up for user 0


def test_detection_delay():
    alarms = torch.tensor([False, True, False, False, False, True, True])
    assert detection_delay(alarms, 3) == (2, 1)
    assert detection_delay(alarms, 5) == (0, 1)
    assert detection_delay(torch.zeros(5, dtype=torch.bool), 2) == (None, 0)


@pytest.mark.parametrize("call, message", [
    (lambda: average_precision(torch.tensor([0.1, 0.2]), torch.tensor([0, 2])), "labels must be 0 or 1"),
    (lambda: average_precision(torch.tensor([0.1, 0.2]), torch.tensor([0, 1, 1])), "same length"),
    (lambda: average_precision(torch.tensor([0.1, 0.2]), torch.tensor([0, 0])), "no positive labels"),
    (lambda: average_precision(torch.tensor([0.1, float("nan")]), torch.tensor([0, 1])), "NaN"),
    (lambda: average_precision(torch.tensor([]), torch.tensor([])), "empty"),
    (lambda: sensitivity_at_specificity(torch.tensor([0.1, 0.2]), torch.tensor([0, 1]), 1.5), r"in \[0, 1\]"),
    (lambda: sensitivity_at_specificity(torch.tensor([0.1, 0.2]), torch.tensor([1, 1]), 0.9), "both positive"),
    (lambda: reliability_curve(torch.tensor([0.1, 2.0]), torch.tensor([0, 1])), "sigmoid"),
    (lambda: reliability_curve(torch.tensor([0.1, 0.2]), torch.tensor([0, 1]), 0), "n_bins"),
    (lambda: bayes_threshold(-1.0, 1.0), "non-negative"),
    (lambda: bayes_threshold(0.0, 0.0), "not both 0"),
    (lambda: recall_at_k(torch.zeros(2, 3), torch.zeros(2, 4, dtype=torch.bool), 1), "same shape"),
    (lambda: recall_at_k(torch.zeros(2, 3), torch.ones(2, 3, dtype=torch.bool), 4), "k must be"),
    (lambda: recall_at_k(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.bool), 1), "no user"),
    (lambda: detection_delay(torch.tensor([0, 1]), 0), "bool"),
    (lambda: detection_delay(torch.tensor([False, True]), 2), "onset"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
