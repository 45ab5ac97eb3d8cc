"""Realistic wrong answers to exercise 08_optimizers; each must lose points under nbgrader autograde."""
WRONG = {
    "momentum_step": {
        "moves with the old velocity (update order)": '''def momentum_step(param, grad, velocity, lr, momentum):
    new_param = param - lr * velocity
    new_velocity = momentum * velocity + grad
    return new_param, new_velocity
''',
        "sign error: velocity sums minus the gradient": '''def momentum_step(param, grad, velocity, lr, momentum):
    new_velocity = momentum * velocity - grad
    new_param = param - lr * new_velocity
    return new_param, new_velocity
''',
        "dampening applied: (1 - momentum) * grad": '''def momentum_step(param, grad, velocity, lr, momentum):
    new_velocity = momentum * velocity + (1 - momentum) * grad
    new_param = param - lr * new_velocity
    return new_param, new_velocity
''',
        "the other convention: lr inside the velocity": '''def momentum_step(param, grad, velocity, lr, momentum):
    new_velocity = momentum * velocity - lr * grad
    new_param = param + new_velocity
    return new_param, new_velocity
''',
        "updates the velocity in place": '''def momentum_step(param, grad, velocity, lr, momentum):
    velocity.mul_(momentum).add_(grad)
    return param - lr * velocity, velocity
''',
    },
    "rmsprop_step": {
        "square root missing": '''def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
    new_square_avg = alpha * square_avg + (1 - alpha) * grad**2
    new_param = param - lr * grad / (new_square_avg + eps)
    return new_param, new_square_avg
''',
        "alpha and 1 - alpha swapped": '''def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
    new_square_avg = (1 - alpha) * square_avg + alpha * grad**2
    new_param = param - lr * grad / (torch.sqrt(new_square_avg) + eps)
    return new_param, new_square_avg
''',
        "eps inside the square root": '''def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
    new_square_avg = alpha * square_avg + (1 - alpha) * grad**2
    new_param = param - lr * grad / torch.sqrt(new_square_avg + eps)
    return new_param, new_square_avg
''',
        "divides by the old average": '''def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
    new_param = param - lr * grad / (torch.sqrt(square_avg) + eps)
    new_square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return new_param, new_square_avg
''',
    },
    "adam_step": {
        "no bias correction": '''def adam_step(param, grad, m, v, t, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad**2
    new_param = param - lr * new_m / (torch.sqrt(new_v) + eps)
    return new_param, new_m, new_v
''',
        "eps inside the square root": '''def adam_step(param, grad, m, v, t, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad**2
    m_hat = new_m / (1 - beta1**t)
    v_hat = new_v / (1 - beta2**t)
    new_param = param - lr * m_hat / torch.sqrt(v_hat + eps)
    return new_param, new_m, new_v
''',
        "t counted from 0: uses t + 1": '''def adam_step(param, grad, m, v, t, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    t = t + 1
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad**2
    m_hat = new_m / (1 - beta1**t)
    v_hat = new_v / (1 - beta2**t)
    new_param = param - lr * m_hat / (torch.sqrt(v_hat) + eps)
    return new_param, new_m, new_v
''',
        "returns the corrected moments": '''def adam_step(param, grad, m, v, t, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    m = (beta1 * m + (1 - beta1) * grad) / (1 - beta1**t)
    v = (beta2 * v + (1 - beta2) * grad**2) / (1 - beta2**t)
    new_param = param - lr * m / (torch.sqrt(v) + eps)
    return new_param, m, v
''',
        "v corrected with beta1": '''def adam_step(param, grad, m, v, t, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad**2
    m_hat = new_m / (1 - beta1**t)
    v_hat = new_v / (1 - beta1**t)
    new_param = param - lr * m_hat / (torch.sqrt(v_hat) + eps)
    return new_param, new_m, new_v
''',
    },
    "cosine_lr": {
        "forgets lr_min": '''def cosine_lr(step, total, lr_max, lr_min=0.0):
    if step >= total:
        return float(lr_min)
    return 0.5 * lr_max * (1 + math.cos(math.pi * step / total))
''',
        "keeps following the cosine after the end": '''def cosine_lr(step, total, lr_max, lr_min=0.0):
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * step / total))
''',
        "missing the factor 1/2": '''def cosine_lr(step, total, lr_max, lr_min=0.0):
    if step >= total:
        return float(lr_min)
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * step / total))
''',
        "off by one: step + 1": '''def cosine_lr(step, total, lr_max, lr_min=0.0):
    if step >= total:
        return float(lr_min)
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * (step + 1) / total))
''',
    },
}
