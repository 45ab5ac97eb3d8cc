"""Realistic wrong answers to exercise 20_hardware_scale; each must lose points under nbgrader autograde."""

WRONG = {
    "training_memory_bytes": {
        "assumes 4 bytes per number whatever the dtype": '''def training_memory_bytes(model, optimizer):
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in copies:
        raise ValueError(optimizer)
    values = sum(p.numel() * 4 for p in model.parameters() if p.requires_grad)
    return int((2 + copies[optimizer]) * values)
''',
        "forgets the gradients": '''def training_memory_bytes(model, optimizer):
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in copies:
        raise ValueError(optimizer)
    values = sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)
    return int((1 + copies[optimizer]) * values)
''',
        "counts frozen parameters too": '''def training_memory_bytes(model, optimizer):
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    if optimizer not in copies:
        raise ValueError(optimizer)
    values = sum(p.numel() * p.element_size() for p in model.parameters())
    return int((2 + copies[optimizer]) * values)
''',
        "falls back to SGD for an unknown optimizer": '''def training_memory_bytes(model, optimizer):
    copies = {"sgd": 0, "momentum": 1, "adam": 2}
    values = sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)
    return int((2 + copies.get(optimizer, 0)) * values)
''',
    },
    "accumulate_gradients": {
        "does not scale the micro-batch losses (K times the gradient)": '''def accumulate_gradients(model, loss_fn, X, y, micro_batch_size):
    model.zero_grad()
    N, total = len(X), 0.0
    for start in range(0, N, micro_batch_size):
        X_k, y_k = X[start:start + micro_batch_size], y[start:start + micro_batch_size]
        loss = loss_fn(model(X_k), y_k)
        loss.backward()
        total += loss.item() * len(X_k) / N
    return total
''',
        "divides by the number of micro-batches instead of weighting by N_k / N": '''def accumulate_gradients(model, loss_fn, X, y, micro_batch_size):
    model.zero_grad()
    N, total = len(X), 0.0
    K = -(-N // micro_batch_size)
    for start in range(0, N, micro_batch_size):
        X_k, y_k = X[start:start + micro_batch_size], y[start:start + micro_batch_size]
        loss = loss_fn(model(X_k), y_k) / K
        loss.backward()
        total += loss.item()
    return total
''',
        "keeps the stale gradients of the previous step": '''def accumulate_gradients(model, loss_fn, X, y, micro_batch_size):
    N, total = len(X), 0.0
    for start in range(0, N, micro_batch_size):
        X_k, y_k = X[start:start + micro_batch_size], y[start:start + micro_batch_size]
        loss = loss_fn(model(X_k), y_k) * (len(X_k) / N)
        loss.backward()
        total += loss.item()
    return total
''',
    },
    "ring_all_reduce_sim": {
        "the naive exchange: every process sends its whole tensor to every other": '''def ring_all_reduce_sim(tensors):
    p = len(tensors)
    total = torch.stack(tensors).sum(0)
    return [total.clone() for _ in range(p)], [(p - 1) * t.numel() for t in tensors]
''',
        "adds in the all-gather instead of replacing (double counts)": '''def ring_all_reduce_sim(tensors):
    p = len(tensors)
    chunks = [list(torch.tensor_split(t.clone(), p)) for t in tensors]
    sent = [0] * p
    for phase in range(2):
        for s in range(p - 1):
            offset = -s if phase == 0 else 1 - s
            messages = [(r, (r + offset) % p, chunks[r][(r + offset) % p].clone()) for r in range(p)]
            for r, c, m in messages:
                chunks[(r + 1) % p][c] = chunks[(r + 1) % p][c] + m
                sent[r] += m.numel()
    return [torch.cat(c) for c in chunks], sent
''',
        "equal chunks of n // p with the remainder in the last chunk": '''def ring_all_reduce_sim(tensors):
    p = len(tensors)
    n = tensors[0].numel()
    size = n // p
    bounds = [(k * size, (k + 1) * size if k < p - 1 else n) for k in range(p)]
    chunks = [[t[a:b].clone() for a, b in bounds] for t in tensors]
    sent = [0] * p
    for s in range(p - 1):
        messages = [(r, (r - s) % p, chunks[r][(r - s) % p].clone()) for r in range(p)]
        for r, c, m in messages:
            chunks[(r + 1) % p][c] = chunks[(r + 1) % p][c] + m
            sent[r] += m.numel()
    for s in range(p - 1):
        messages = [(r, (r + 1 - s) % p, chunks[r][(r + 1 - s) % p].clone()) for r in range(p)]
        for r, c, m in messages:
            chunks[(r + 1) % p][c] = m
            sent[r] += m.numel()
    return [torch.cat(c) for c in chunks], sent
''',
        "modifies the callers' tensors in place": '''def ring_all_reduce_sim(tensors):
    p = len(tensors)
    chunks = [list(torch.tensor_split(t, p)) for t in tensors]
    sent = [0] * p
    for s in range(p - 1):
        messages = [(r, (r - s) % p, chunks[r][(r - s) % p].clone()) for r in range(p)]
        for r, c, m in messages:
            chunks[(r + 1) % p][c] += m
            sent[r] += m.numel()
    for s in range(p - 1):
        messages = [(r, (r + 1 - s) % p, chunks[r][(r + 1 - s) % p].clone()) for r in range(p)]
        for r, c, m in messages:
            chunks[(r + 1) % p][c].copy_(m)
            sent[r] += m.numel()
    return [torch.cat(c) for c in chunks], sent
''',
    },
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "training_memory_bytes": {
        "assumes 4 bytes per number whatever the dtype": "use p.element_size()",
        "forgets the gradients": "add one gradient per parameter",
        "counts frozen parameters too": "leave out parameters with requires_grad=False",
        "falls back to SGD for an unknown optimizer": "must raise ValueError",
    },
    "accumulate_gradients": {
        "does not scale the micro-batch losses (K times the gradient)":
            "scale each micro-batch's loss by 4/12",
        "divides by the number of micro-batches instead of weighting by N_k / N":
            "not by 1 / (number of micro-batches)",
        "keeps the stale gradients of the previous step": "zero the gradients first",
    },
    "ring_all_reduce_sim": {
        "the naive exchange: every process sends its whole tensor to every other":
            "the naive exchange",
        "adds in the all-gather instead of replacing (double counts)": "replace in the all-gather",
        "equal chunks of n // p with the remainder in the last chunk":
            "first n mod p chunks are one element longer",
        "modifies the callers' tensors in place": "do not modify the input tensors",
    },
}
