"""Realistic wrong answers to exercise 22_applications; each must lose points under nbgrader autograde."""

WRONG = {
    "recall_at_k": {
        "recommends items the user has already bought": '''def recall_at_k(scores, relevant, seen, k):
    users = relevant.any(dim=1)
    top = torch.topk(scores[users], k, dim=1).indices
    hits = torch.gather(relevant[users], 1, top).sum(dim=1).float()
    return (hits / relevant[users].sum(dim=1)).mean().item()
''',
        "divides by k (precision at k) instead of the number of relevant items": '''def recall_at_k(scores, relevant, seen, k):
    masked = scores.masked_fill(seen, float("-inf"))
    users = relevant.any(dim=1)
    top = torch.topk(masked[users], k, dim=1).indices
    hits = torch.gather(relevant[users], 1, top).sum(dim=1).float()
    return (hits / k).mean().item()
''',
        "averages over every user, also those with nothing held out": '''def recall_at_k(scores, relevant, seen, k):
    masked = scores.masked_fill(seen, float("-inf"))
    top = torch.topk(masked, k, dim=1).indices
    hits = torch.gather(relevant, 1, top).sum(dim=1).float()
    return (hits / relevant.sum(dim=1).clamp(min=1)).mean().item()
''',
        "ranks counted from zero but compared with <= k: k + 1 items": '''def recall_at_k(scores, relevant, seen, k):
    masked = scores.masked_fill(seen, float("-inf"))
    users = relevant.any(dim=1)
    ranks = torch.argsort(torch.argsort(masked[users], dim=1, descending=True), dim=1)  # 0 = best
    shown = ranks <= k
    hits = (shown & relevant[users]).sum(dim=1).float()
    return (hits / relevant[users].sum(dim=1)).mean().item()
''',
        "masks the caller's scores in place": '''def recall_at_k(scores, relevant, seen, k):
    masked = scores.masked_fill_(seen, float("-inf"))
    users = relevant.any(dim=1)
    top = torch.topk(masked[users], k, dim=1).indices
    hits = torch.gather(relevant[users], 1, top).sum(dim=1).float()
    return (hits / relevant[users].sum(dim=1)).mean().item()
''',
    },
    "cheapest_threshold": {
        "flags score > t instead of score >= t": '''def cheapest_threshold(scores, labels, cost_fp, cost_fn):
    labels = labels.bool()
    best = None
    for t in sorted(set(scores.tolist()) | {math.inf}, reverse=True):
        flagged = scores > t
        cost = cost_fp * int((flagged & ~labels).sum()) + cost_fn * int((~flagged & labels).sum())
        if best is None or cost < best[1]:
            best = (float(t), float(cost))
    return best
''',
        "never considers flagging nothing (math.inf left out)": '''def cheapest_threshold(scores, labels, cost_fp, cost_fn):
    labels = labels.bool()
    best = None
    for t in sorted(set(scores.tolist()), reverse=True):
        flagged = scores >= t
        cost = cost_fp * int((flagged & ~labels).sum()) + cost_fn * int((~flagged & labels).sum())
        if best is None or cost < best[1]:
            best = (float(t), float(cost))
    return best
''',
        "swaps the two costs": '''def cheapest_threshold(scores, labels, cost_fp, cost_fn):
    labels = labels.bool()
    best = None
    for t in sorted(set(scores.tolist()) | {math.inf}, reverse=True):
        flagged = scores >= t
        cost = cost_fn * int((flagged & ~labels).sum()) + cost_fp * int((~flagged & labels).sum())
        if best is None or cost < best[1]:
            best = (float(t), float(cost))
    return best
''',
        "returns the lowest of equally cheap thresholds": '''def cheapest_threshold(scores, labels, cost_fp, cost_fn):
    labels = labels.bool()
    best = None
    for t in sorted(set(scores.tolist()) | {math.inf}):
        flagged = scores >= t
        cost = cost_fp * int((flagged & ~labels).sum()) + cost_fn * int((~flagged & labels).sum())
        if best is None or cost < best[1]:
            best = (float(t), float(cost))
    return best
''',
    },
    "recommend": {
        "leaves out the item bias": '''def recommend(user_emb, item_emb, item_bias, seen, k):
    scores = user_emb @ item_emb.T
    scores = scores.masked_fill(seen, float("-inf"))
    return torch.topk(scores, k, dim=1).indices
''',
        "recommends items already seen": '''def recommend(user_emb, item_emb, item_bias, seen, k):
    scores = user_emb @ item_emb.T + item_bias
    return torch.topk(scores, k, dim=1).indices
''',
        "returns the top k in item order, not best first": '''def recommend(user_emb, item_emb, item_bias, seen, k):
    scores = (user_emb @ item_emb.T + item_bias).masked_fill(seen, float("-inf"))
    return torch.topk(scores, k, dim=1).indices.sort(dim=1).values
''',
    },
}

HINTS = {
    "recall_at_k": {
        "recommends items the user has already bought": "mask the items a user has seen",
        "divides by k (precision at k) instead of the number of relevant items":
            "that is precision at k",
        "averages over every user, also those with nothing held out":
            "leave such users out of the mean",
        "ranks counted from zero but compared with <= k: k + 1 items": "holds k + 1 items",
        "masks the caller's scores in place": "changed the caller's scores in place",
    },
    "cheapest_threshold": {
        "flags score > t instead of score >= t": "is flagged (score >= t)",
        "never considers flagging nothing (math.inf left out)": "include math.inf",
        "swaps the two costs": "cost_fp and cost_fn are swapped",
        "returns the lowest of equally cheap thresholds": "return the highest",
    },
    "recommend": {
        "leaves out the item bias": "leave out the item bias",
        "recommends items already seen": "already seen item 0",
        "returns the top k in item order, not best first": "in item order",
    },
}
