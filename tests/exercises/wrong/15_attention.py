"""Realistic wrong answers to exercise 15_attention; each must lose points under nbgrader autograde."""

WRONG = {
    "attention": {
        "scales by d_k instead of sqrt(d_k)": '''def attention(Q, K, V, causal=False):
    d_k = Q.shape[-1]
    scores = Q @ K.transpose(-2, -1) / d_k
    if causal:
        L, S = scores.shape[-2:]
        scores = scores.masked_fill(torch.ones(L, S, dtype=torch.bool).triu(1), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ V, weights
''',
        "forgets the scaling": '''def attention(Q, K, V, causal=False):
    scores = Q @ K.transpose(-2, -1)
    if causal:
        L, S = scores.shape[-2:]
        scores = scores.masked_fill(torch.ones(L, S, dtype=torch.bool).triu(1), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ V, weights
''',
        "applies the mask after the softmax": '''def attention(Q, K, V, causal=False):
    d_k = Q.shape[-1]
    weights = torch.softmax(Q @ K.transpose(-2, -1) / math.sqrt(d_k), dim=-1)
    if causal:
        L, S = weights.shape[-2:]
        weights = weights.masked_fill(torch.ones(L, S, dtype=torch.bool).triu(1), 0.0)
    return weights @ V, weights
''',
        "masks the past instead of the future": '''def attention(Q, K, V, causal=False):
    d_k = Q.shape[-1]
    scores = Q @ K.transpose(-2, -1) / math.sqrt(d_k)
    if causal:
        L, S = scores.shape[-2:]
        scores = scores.masked_fill(torch.ones(L, S, dtype=torch.bool).tril(-1), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ V, weights
''',
        "softmax over the queries instead of the keys": '''def attention(Q, K, V, causal=False):
    d_k = Q.shape[-1]
    scores = Q @ K.transpose(-2, -1) / math.sqrt(d_k)
    if causal:
        L, S = scores.shape[-2:]
        scores = scores.masked_fill(torch.ones(L, S, dtype=torch.bool).triu(1), float("-inf"))
    weights = torch.softmax(scores, dim=-2)
    weights = torch.nan_to_num(weights)
    return weights @ V, weights
''',
    },
    "heads": {
        "reshapes straight to (B, h, T, d)": '''def split_heads(x, num_heads):
    B, T, E = x.shape
    return x.reshape(B, num_heads, T, E // num_heads)


def merge_heads(x):
    B, h, T, d = x.shape
    return x.reshape(B, T, h * d)
''',
        "interleaves the features (head i gets every h-th feature)": '''def split_heads(x, num_heads):
    B, T, E = x.shape
    return x.reshape(B, T, E // num_heads, num_heads).permute(0, 3, 1, 2)


def merge_heads(x):
    B, h, T, d = x.shape
    return x.permute(0, 2, 3, 1).reshape(B, T, h * d)
''',
        "merges without swapping the axes back": '''def split_heads(x, num_heads):
    B, T, E = x.shape
    return x.reshape(B, T, num_heads, E // num_heads).transpose(1, 2)


def merge_heads(x):
    B, h, T, d = x.shape
    return x.reshape(B, T, h * d)
''',
    },
    "positional_encoding": {
        "swaps sine and cosine": '''def positional_encoding(max_len, d_model):
    position = torch.arange(max_len, dtype=torch.float64)[:, None]
    frequency = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.cos(position * frequency)
    pe[:, 1::2] = torch.sin(position * frequency)
    return pe.float()
''',
        "uses i/d instead of 2i/d in the exponent": '''def positional_encoding(max_len, d_model):
    position = torch.arange(max_len, dtype=torch.float64)[:, None]
    frequency = 10000.0 ** (-torch.arange(0, d_model // 2, dtype=torch.float64) / d_model)
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(position * frequency)
    pe[:, 1::2] = torch.cos(position * frequency)
    return pe.float()
''',
        "a new frequency for every column, not every pair": '''def positional_encoding(max_len, d_model):
    position = torch.arange(max_len, dtype=torch.float64)[:, None]
    frequency = 10000.0 ** (-torch.arange(d_model, dtype=torch.float64) / d_model)
    angle = position * frequency
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle[:, 0::2])
    pe[:, 1::2] = torch.cos(angle[:, 1::2])
    return pe.float()
''',
        "multiplies by the frequency base instead of dividing": '''def positional_encoding(max_len, d_model):
    position = torch.arange(max_len, dtype=torch.float64)[:, None]
    frequency = 10000.0 ** (torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(position * frequency)
    pe[:, 1::2] = torch.cos(position * frequency)
    return pe.float()
''',
    },
}

HINTS = {
    "attention": {
        "scales by d_k instead of sqrt(d_k)": "divided by d_k instead of sqrt(d_k)",
        "forgets the scaling": "forgot to divide the scores by sqrt(d_k)",
        "applies the mask after the softmax": "mask was applied after the softmax",
        "masks the past instead of the future": "hides the past",
        "softmax over the queries instead of the keys": "runs over the queries",
    },
    "heads": {
        "reshapes straight to (B, h, T, d)": "straight to (B, h, T, d), which mixes positions",
        "interleaves the features (head i gets every h-th feature)": "every h-th feature",
        "merges without swapping the axes back": "without swapping the h and T axes back",
    },
    "positional_encoding": {
        "swaps sine and cosine": "sine and cosine are swapped",
        "uses i/d instead of 2i/d in the exponent": "uses i/d where it should be 2i/d",
        "a new frequency for every column, not every pair": "every column got its own frequency",
        "multiplies by the frequency base instead of dividing": "multiplied by 10000^(2i/d)",
    },
}
