"""Realistic wrong answers to exercise 16_language_models; each must lose points under nbgrader autograde."""

WRONG = {
    "learn_merges": {
        "ignores how often each word occurs": '''def learn_merges(word_counts, num_merges):
    words = [tuple(word) for word in word_counts]
    merges = []
    for _ in range(num_merges):
        pairs = Counter()
        for symbols in words:
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += 1
        if not pairs:
            break
        top = max(pairs.values())
        best = min(pair for pair, count in pairs.items() if count == top)
        merges.append(best)
        new_words = []
        for symbols in words:
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    merged.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            new_words.append(tuple(merged))
        words = new_words
    return merges
''',
        "breaks ties by dictionary order (Counter.most_common) instead of the smallest pair": '''def learn_merges(word_counts, num_merges):
    words = {tuple(word): count for word, count in word_counts.items()}
    merges = []
    for _ in range(num_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best = pairs.most_common(1)[0][0]
        merges.append(best)
        merged_words = {}
        for symbols, count in words.items():
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    merged.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            merged_words[tuple(merged)] = count
        words = merged_words
    return merges
''',
        "counts the pairs once and takes the top ones, never recounting after a merge": '''def learn_merges(word_counts, num_merges):
    pairs = Counter()
    for word, count in word_counts.items():
        for pair in zip(word, word[1:]):
            pairs[pair] += count
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    return [pair for pair, _ in ranked[:num_merges]]
''',
        "merges with str.replace on space-separated symbols, which also matches inside longer symbols": '''def learn_merges(word_counts, num_merges):
    words = {" ".join(word): count for word, count in word_counts.items()}
    merges = []
    for _ in range(num_merges):
        pairs = Counter()
        for word, count in words.items():
            symbols = word.split()
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += count
        if not pairs:
            break
        top = max(pairs.values())
        best = min(pair for pair, count in pairs.items() if count == top)
        merges.append(best)
        words = {word.replace(" ".join(best), "".join(best)): count for word, count in words.items()}
    return merges
''',
    },
    "top_p_filter": {
        "drops the token that crosses the threshold": '''def top_p_filter(logits, p):
    sorted_logits, order = logits.sort(dim=-1, descending=True)
    probs = sorted_logits.softmax(dim=-1)
    remove_sorted = probs.cumsum(dim=-1) > p
    remove_sorted[..., 0] = False
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
''',
        "returns the filtered logits in sorted order, not vocabulary order": '''def top_p_filter(logits, p):
    sorted_logits, order = logits.sort(dim=-1, descending=True)
    probs = sorted_logits.softmax(dim=-1)
    remove_sorted = (probs.cumsum(dim=-1) - probs) >= p
    return sorted_logits.masked_fill(remove_sorted, float("-inf"))
''',
        "accumulates the logits instead of the probabilities": '''def top_p_filter(logits, p):
    sorted_logits, order = logits.sort(dim=-1, descending=True)
    mass_before = sorted_logits.cumsum(dim=-1) - sorted_logits
    remove_sorted = mass_before >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
''',
        "sorts in increasing order and keeps the least probable tokens": '''def top_p_filter(logits, p):
    sorted_logits, order = logits.sort(dim=-1)
    probs = sorted_logits.softmax(dim=-1)
    remove_sorted = (probs.cumsum(dim=-1) - probs) >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
''',
        "filters over the whole tensor instead of each row": '''def top_p_filter(logits, p):
    flat = logits.reshape(-1)
    sorted_logits, order = flat.sort(descending=True)
    probs = sorted_logits.softmax(dim=-1)
    remove_sorted = (probs.cumsum(dim=-1) - probs) >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove.reshape(logits.shape), float("-inf"))
''',
    },
    "cached_attention_step": {
        "scales the scores by d instead of sqrt(d)": '''def cached_attention_step(q, k, v, k_cache, v_cache):
    k_all = torch.cat([k_cache, k], dim=1)
    v_all = torch.cat([v_cache, v], dim=1)
    scores = q @ k_all.transpose(1, 2) / q.shape[-1]
    return scores.softmax(dim=-1) @ v_all, k_all, v_all
''',
        "attends to the cache only, appending the new key and value afterwards": '''def cached_attention_step(q, k, v, k_cache, v_cache):
    if k_cache.shape[1] == 0:
        out = v.clone()
    else:
        scores = q @ k_cache.transpose(1, 2) / math.sqrt(q.shape[-1])
        out = scores.softmax(dim=-1) @ v_cache
    return out, torch.cat([k_cache, k], dim=1), torch.cat([v_cache, v], dim=1)
''',
        "takes the softmax over the query dimension": '''def cached_attention_step(q, k, v, k_cache, v_cache):
    k_all = torch.cat([k_cache, k], dim=1)
    v_all = torch.cat([v_cache, v], dim=1)
    scores = q @ k_all.transpose(1, 2) / math.sqrt(q.shape[-1])
    return scores.softmax(dim=1) @ v_all, k_all, v_all
''',
        "puts the new key first and the values last: keys and values no longer line up": '''def cached_attention_step(q, k, v, k_cache, v_cache):
    k_all = torch.cat([k, k_cache], dim=1)
    v_all = torch.cat([v_cache, v], dim=1)
    scores = q @ k_all.transpose(1, 2) / math.sqrt(q.shape[-1])
    return scores.softmax(dim=-1) @ v_all, k_all, v_all
''',
    },
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "learn_merges": {
        "ignores how often each word occurs": "weight each pair by its word's count",
        "breaks ties by dictionary order (Counter.most_common) instead of the smallest pair":
            "on a tie take the smallest pair",
        "counts the pairs once and takes the top ones, never recounting after a merge":
            "count the pairs again after every merge",
        "merges with str.replace on space-separated symbols, which also matches inside longer symbols":
            "merge whole symbols",
    },
    "top_p_filter": {
        "drops the token that crosses the threshold": "the 0.3 that makes the sum cross p was dropped",
        "returns the filtered logits in sorted order, not vocabulary order":
            "scatter it back to vocabulary order",
        "accumulates the logits instead of the probabilities": "not the logits themselves",
        "sorts in increasing order and keeps the least probable tokens":
            "sort from most to least probable",
        "filters over the whole tensor instead of each row": "filter each row on its own",
    },
    "cached_attention_step": {
        "scales the scores by d instead of sqrt(d)": "divided by d = 2; divide by sqrt(d)",
        "attends to the cache only, appending the new key and value afterwards":
            "own key and value are missing",
        "takes the softmax over the query dimension": "take it over the keys",
        "puts the new key first and the values last: keys and values no longer line up":
            "the cache first, the new key last",
    },
}
