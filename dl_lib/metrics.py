r"""Metrics that applied work is judged by, beyond accuracy.

Scores and labels are 1-D tensors (or anything ``torch.as_tensor`` accepts); labels are 0/1
with 1 the positive class (a malignant tumour, a fraudulent payment). A higher score means
"more likely positive", and an example is *flagged* when its score is at least the threshold.

- `sensitivity_at_specificity`: the share of positives caught when at least a given share of
  negatives must be left alone (screening tests are specified this way).
- `precision_recall`: precision and recall at every threshold, and `average_precision`, the
  area-like summary used when positives are rare (fraud).
- `reliability_curve` and `expected_calibration_error`: do predicted probabilities match the
  frequencies observed?
- `decision_cost`, `bayes_threshold` and `best_threshold`: decisions that weigh a missed
  positive and a false alarm by what each costs.
- `recall_at_k`: the share of a user's held-out items found in the top ``k`` recommendations.
- `detection_delay`: how many steps after a fault began an alarm first went off, and how many
  alarms went off before it.

Each is checked against scikit-learn where scikit-learn has it (tests/test_metrics.py).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "average_precision", "bayes_threshold", "best_threshold", "decision_cost", "detection_delay",
    "expected_calibration_error", "precision_recall", "recall_at_k", "reliability_curve",
    "sensitivity_at_specificity",
]


def _scores_and_labels(caller: str, scores: object, labels: object) -> tuple[Tensor, Tensor]:
    """Validate a pair of 1-D score and 0/1 label vectors; return them as float64 and bool."""
    scores, labels = torch.as_tensor(scores), torch.as_tensor(labels)
    if scores.dim() != 1 or labels.dim() != 1 or len(scores) != len(labels):
        raise ValueError(f"{caller}: scores and labels must be 1-D of the same length, "
                         f"got shapes {tuple(scores.shape)} and {tuple(labels.shape)}")
    if len(scores) == 0:
        raise ValueError(f"{caller}: scores and labels are empty")
    scores = scores.detach().to(torch.float64).cpu()
    if not torch.isfinite(scores).all():
        raise ValueError(f"{caller}: scores contain NaN or infinite values")
    labels = labels.detach().cpu()
    if not ((labels == 0) | (labels == 1)).all():
        raise ValueError(f"{caller}: labels must be 0 or 1, got values {sorted(set(labels.tolist()))[:5]}")
    return scores, labels.bool()


def _counts_above(scores: Tensor, labels: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Distinct thresholds (descending) and the true and false positives at each (score >= threshold)."""
    order = torch.argsort(scores, descending=True, stable=True)
    s, y = scores[order], labels[order].to(torch.float64)
    tp, fp = torch.cumsum(y, 0), torch.cumsum(1 - y, 0)
    last = torch.ones(len(s), dtype=torch.bool)  # last position of each distinct score
    last[:-1] = s[1:] != s[:-1]
    return s[last], tp[last], fp[last]


def sensitivity_at_specificity(scores: object, labels: object, specificity: float) -> tuple[float, float]:
    r"""The highest sensitivity reachable while keeping at least ``specificity``.

    Sensitivity (recall, true-positive rate) is :math:`TP / P`, specificity (true-negative
    rate) is :math:`TN / N`. Among all thresholds, flag ``score >= t``, keep those whose
    specificity is at least the target and return the best sensitivity with its threshold.
    Flagging nothing (threshold :math:`+\infty`) always qualifies.

    Returns:
        ``(sensitivity, threshold)``.
    """
    scores, labels = _scores_and_labels("sensitivity_at_specificity", scores, labels)
    if not 0.0 <= specificity <= 1.0:
        raise ValueError(f"sensitivity_at_specificity: specificity must be in [0, 1], got {specificity}")
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("sensitivity_at_specificity: needs both positive and negative labels")
    thresholds, tp, fp = _counts_above(scores, labels)
    ok = 1.0 - fp / n_neg >= specificity - 1e-12
    if not ok.any():
        return 0.0, math.inf
    best = int(torch.nonzero(ok)[-1])  # sensitivity grows as the threshold falls
    return float(tp[best] / n_pos), float(thresholds[best])


def precision_recall(scores: object, labels: object) -> tuple[Tensor, Tensor, Tensor]:
    r"""Precision :math:`TP / (TP + FP)` and recall :math:`TP / P` at every distinct threshold.

    Returns:
        ``(precision, recall, thresholds)``, float64 tensors ordered by decreasing threshold
        (increasing recall), one entry per distinct score.
    """
    scores, labels = _scores_and_labels("precision_recall", scores, labels)
    n_pos = int(labels.sum())
    if n_pos == 0:
        raise ValueError("precision_recall: no positive labels, so recall is undefined")
    thresholds, tp, fp = _counts_above(scores, labels)
    return tp / (tp + fp), tp / n_pos, thresholds


def average_precision(scores: object, labels: object) -> float:
    r""":math:`\mathrm{AP} = \sum_k (R_k - R_{k-1})\, P_k`, precision weighted by each gain in recall.

    The same step-wise sum as ``sklearn.metrics.average_precision_score`` (no interpolation).
    A random ranking scores about the share of positives; a perfect one scores 1.
    """
    precision, recall, _ = precision_recall(scores, labels)
    gains = torch.diff(recall, prepend=recall.new_zeros(1))
    return float((gains * precision).sum())


def _check_probabilities(caller: str, probs: object, labels: object, n_bins: int) -> tuple[Tensor, Tensor]:
    probs, labels = _scores_and_labels(caller, probs, labels)
    if ((probs < 0) | (probs > 1)).any():
        raise ValueError(f"{caller}: probabilities must lie in [0, 1]; apply a sigmoid to logits first")
    if not isinstance(n_bins, int) or n_bins < 1:
        raise ValueError(f"{caller}: n_bins must be a positive int, got {n_bins!r}")
    return probs, labels


def _bins(probs: Tensor, n_bins: int) -> Tensor:
    """Bin of each probability: ``n_bins`` equal-width bins ``[0, e_1], (e_1, e_2], ..., (e_{n-1}, 1]``."""
    edges = torch.as_tensor(np.linspace(0.0, 1.0, n_bins + 1)[1:-1])  # numpy's edges, as scikit-learn's
    return torch.searchsorted(edges, probs)  # a value on an edge goes to the lower bin


def reliability_curve(probs: object, labels: object, n_bins: int = 10) -> tuple[Tensor, Tensor, Tensor]:
    r"""Mean predicted probability against observed frequency of positives, per bin.

    [0, 1] is cut into ``n_bins`` equal-width bins (a value on an edge belongs to the lower
    bin, as in ``sklearn.calibration.calibration_curve``); empty bins are left out. A calibrated model's
    points lie on the diagonal: of the examples given 0.8, four in five are positive.

    Returns:
        ``(mean_predicted, fraction_positive, counts)`` for the non-empty bins, in order.
    """
    probs, labels = _check_probabilities("reliability_curve", probs, labels, n_bins)
    bins = _bins(probs, n_bins)
    counts = torch.bincount(bins, minlength=n_bins).to(torch.float64)
    sum_p = torch.bincount(bins, weights=probs, minlength=n_bins)
    sum_y = torch.bincount(bins, weights=labels.to(torch.float64), minlength=n_bins)
    keep = counts > 0
    return sum_p[keep] / counts[keep], sum_y[keep] / counts[keep], counts[keep].long()


def expected_calibration_error(probs: object, labels: object, n_bins: int = 10) -> float:
    r""":math:`\mathrm{ECE} = \sum_b \frac{n_b}{n} \,\lvert \bar y_b - \bar p_b \rvert`.

    The gap between the observed frequency :math:`\bar y_b` and the mean predicted probability
    :math:`\bar p_b` of each bin of :func:`reliability_curve`, weighted by the bin's share of
    the examples. 0 for a perfectly calibrated model.
    """
    mean_p, frac, counts = reliability_curve(probs, labels, n_bins)
    weights = counts.to(torch.float64) / counts.sum()
    return float((weights * (frac - mean_p).abs()).sum())


def _check_costs(caller: str, cost_fp: float, cost_fn: float) -> None:
    if not (cost_fp >= 0 and cost_fn >= 0) or cost_fp + cost_fn == 0 or not math.isfinite(cost_fp + cost_fn):
        raise ValueError(f"{caller}: costs must be finite, non-negative and not both 0, "
                         f"got cost_fp={cost_fp}, cost_fn={cost_fn}")


def decision_cost(scores: object, labels: object, threshold: float, cost_fp: float, cost_fn: float) -> float:
    r"""Total cost of flagging ``score >= threshold``: :math:`c_{FP}\,FP + c_{FN}\,FN`."""
    scores, labels = _scores_and_labels("decision_cost", scores, labels)
    _check_costs("decision_cost", cost_fp, cost_fn)
    flagged = scores >= threshold
    fp, fn = int((flagged & ~labels).sum()), int((~flagged & labels).sum())
    return cost_fp * fp + cost_fn * fn


def bayes_threshold(cost_fp: float, cost_fn: float) -> float:
    r"""The probability above which flagging costs less on average: :math:`c_{FP} / (c_{FP} + c_{FN})`.

    Flagging an example that is positive with probability :math:`p` costs
    :math:`(1 - p)\,c_{FP}` on average, letting it pass costs :math:`p\,c_{FN}`; flag when the
    first is smaller. Valid only for calibrated probabilities.
    """
    _check_costs("bayes_threshold", cost_fp, cost_fn)
    return cost_fp / (cost_fp + cost_fn)


def best_threshold(scores: object, labels: object, cost_fp: float, cost_fn: float) -> tuple[float, float]:
    r"""The threshold with the smallest :func:`decision_cost` on these examples.

    Tries every distinct score and :math:`+\infty` (flag nothing); ties go to the highest
    threshold. Choose it on validation data, then apply it to new data.

    Returns:
        ``(threshold, cost)``.
    """
    scores, labels = _scores_and_labels("best_threshold", scores, labels)
    _check_costs("best_threshold", cost_fp, cost_fn)
    thresholds, tp, fp = _counts_above(scores, labels)
    fn = int(labels.sum()) - tp
    costs = torch.cat([torch.tensor([cost_fn * float(labels.sum())], dtype=torch.float64),
                       cost_fp * fp + cost_fn * fn])
    best = int(torch.argmin(costs))  # first minimum: the highest threshold
    threshold = math.inf if best == 0 else float(thresholds[best - 1])
    return threshold, float(costs[best])


def recall_at_k(scores: Tensor, relevant: Tensor, k: int) -> float:
    r"""Mean over users of :math:`|\mathrm{top}_k \cap \mathrm{relevant}| \,/\, |\mathrm{relevant}|`.

    Args:
        scores: ``(users, items)``, higher is recommended first. Mask items that must not be
            recommended (already bought) with ``-inf`` beforehand.
        relevant: ``(users, items)`` bool, the held-out items of each user. Users with none
            are left out of the mean.
        k: how many items each user is shown.
    """
    if not isinstance(scores, Tensor) or not isinstance(relevant, Tensor) or scores.dim() != 2 \
            or scores.shape != relevant.shape:
        raise ValueError("recall_at_k: scores and relevant must be tensors of the same shape (users, items), "
                         f"got {getattr(scores, 'shape', type(scores))} and "
                         f"{getattr(relevant, 'shape', type(relevant))}")
    if not isinstance(k, int) or not 1 <= k <= scores.shape[1]:
        raise ValueError(f"recall_at_k: k must be an int in [1, {scores.shape[1]}], got {k!r}")
    relevant = relevant.bool()
    users = relevant.any(dim=1)
    if not users.any():
        raise ValueError("recall_at_k: no user has a relevant item")
    top = torch.topk(scores[users], k, dim=1).indices
    hits = torch.gather(relevant[users], 1, top).sum(dim=1).to(torch.float64)
    return float((hits / relevant[users].sum(dim=1)).mean())


def detection_delay(alarms: object, onset: int) -> tuple[int | None, int]:
    r"""Steps from the fault's ``onset`` to the first alarm at or after it, and the false alarms before.

    Args:
        alarms: 1-D bool, one entry per time step, True where the detector raised an alarm.
        onset: the index of the first faulty step.

    Returns:
        ``(delay, false_alarms)``: ``delay`` is None when no alarm follows the onset.
    """
    alarms = torch.as_tensor(alarms)
    if alarms.dim() != 1 or alarms.dtype != torch.bool:
        raise ValueError(f"detection_delay: alarms must be a 1-D bool tensor, got {alarms.dtype} "
                         f"of shape {tuple(alarms.shape)}")
    if not isinstance(onset, int) or not 0 <= onset < len(alarms):
        raise ValueError(f"detection_delay: onset must be an int in [0, {len(alarms) - 1}], got {onset!r}")
    false_alarms = int(alarms[:onset].sum())
    after = torch.nonzero(alarms[onset:])
    return (int(after[0]) if len(after) else None), false_alarms
