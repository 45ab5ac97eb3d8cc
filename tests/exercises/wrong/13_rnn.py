"""Realistic wrong answers to exercise 13_rnn; each must lose points under nbgrader autograde."""

WRONG = {
    "rnn_step": {
        "transposed weights": '''def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(x @ W_ih + b_ih + h @ W_hh + b_hh)
''',
        "forgets the tanh": '''def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
''',
        "adds only one of the two biases": '''def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T)
''',
        "applies the tanh to the input part only": '''def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih) + h @ W_hh.T + b_hh
''',
    },
    "rnn_forward": {
        "never carries the state: every step starts from h0": '''def rnn_forward(X, h0, W_ih, W_hh, b_ih, b_hh):
    states = [rnn_step(x_t, h0, W_ih, W_hh, b_ih, b_hh) for x_t in X]
    return torch.stack(states), states[-1]
''',
        "states shifted by one: starts with h0, drops the last": '''def rnn_forward(X, h0, W_ih, W_hh, b_ih, b_hh):
    h, states = h0, []
    for x_t in X:
        states.append(h)
        h = rnn_step(x_t, h, W_ih, W_hh, b_ih, b_hh)
    return torch.stack(states), h
''',
        "returns the first state as the last": '''def rnn_forward(X, h0, W_ih, W_hh, b_ih, b_hh):
    h, states = h0, []
    for x_t in X:
        h = rnn_step(x_t, h, W_ih, W_hh, b_ih, b_hh)
        states.append(h)
    return torch.stack(states), states[0]
''',
        "reads the batch dimension as time": '''def rnn_forward(X, h0, W_ih, W_hh, b_ih, b_hh):
    h, states = h0, []
    for t in range(X.shape[1]):  # as if X were batch first, (B, T, I)
        h = rnn_step(X[:, t], h, W_ih, W_hh, b_ih, b_hh)
        states.append(h)
    return torch.stack(states), h
''',
    },
    "clip_by_global_norm": {
        "clips every tensor on its own": '''def clip_by_global_norm(grads, max_norm):
    total_norm = math.sqrt(sum(float((g**2).sum()) for g in grads))
    clipped = [g * min(1.0, max_norm / (float(g.norm()) + 1e-6)) for g in grads]
    return clipped, total_norm
''',
        "scales small gradients up to max_norm": '''def clip_by_global_norm(grads, max_norm):
    total_norm = math.sqrt(sum(float((g**2).sum()) for g in grads))
    scale = max_norm / (total_norm + 1e-6)
    return [g * scale for g in grads], total_norm
''',
        "adds the norms instead of the squares": '''def clip_by_global_norm(grads, max_norm):
    total_norm = sum(float(g.norm()) for g in grads)
    scale = min(1.0, max_norm / (total_norm + 1e-6))
    return [g * scale for g in grads], total_norm
''',
        "clips in place, changing the caller's gradients": '''def clip_by_global_norm(grads, max_norm):
    total_norm = math.sqrt(sum(float((g**2).sum()) for g in grads))
    scale = min(1.0, max_norm / (total_norm + 1e-6))
    for g in grads:
        g.mul_(scale)
    return grads, total_norm
''',
    },
    "softmax_with_temperature": {
        "temperature applied after the softmax": '''def softmax_with_temperature(logits, temperature):
    scaled = logits - logits.max(dim=1, keepdim=True).values
    e = scaled.exp()
    return e / e.sum(dim=1, keepdim=True) / temperature
''',
        "multiplies by the temperature": '''def softmax_with_temperature(logits, temperature):
    scaled = logits * temperature
    scaled = scaled - scaled.max(dim=1, keepdim=True).values
    e = scaled.exp()
    return e / e.sum(dim=1, keepdim=True)
''',
        "overflows: no maximum subtracted": '''def softmax_with_temperature(logits, temperature):
    e = (logits / temperature).exp()
    return e / e.sum(dim=1, keepdim=True)
''',
        "normalizes over the batch instead of the vocabulary": '''def softmax_with_temperature(logits, temperature):
    scaled = logits / temperature
    scaled = scaled - scaled.max(dim=0, keepdim=True).values
    e = scaled.exp()
    return e / e.sum(dim=0, keepdim=True)
''',
    },
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "rnn_step": {
        "transposed weights": "multiply by the transpose",
        "forgets the tanh": "you forgot the tanh",
        "adds only one of the two biases": "add both biases",
        "applies the tanh to the input part only": "must wrap the whole sum",
    },
    "rnn_forward": {
        "never carries the state: every step starts from h0": "carry the new state into the next step",
        "states shifted by one: starts with h0, drops the last": "not h0",
        "returns the first state as the last": "h_last is the first state",
        "reads the batch dimension as time": "X is time first",
    },
    "clip_by_global_norm": {
        "clips every tensor on its own": "not each tensor on its own",
        "scales small gradients up to max_norm": "not scaled up",
        "adds the norms instead of the squares": "the sum of the tensors' norms",
        "clips in place, changing the caller's gradients": "do not clip in place",
    },
    "softmax_with_temperature": {
        "temperature applied after the softmax": "you divided the probabilities by the temperature",
        "multiplies by the temperature": "you multiplied",
        "overflows: no maximum subtracted": "subtract each row's maximum",
        "normalizes over the batch instead of the vocabulary": "not over the batch",
    },
}
