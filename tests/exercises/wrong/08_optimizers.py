"""Realistic wrong answers to exercise 08_optimizers; each must lose points under nbgrader autograde."""

SGD_HEAD = '''@torch.no_grad()
def sgd_step(param, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
'''
RMSPROP_HEAD = '''@torch.no_grad()
def rmsprop_step(param, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
'''
ADAM_HEAD = '''@torch.no_grad()
def adam_step(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              decoupled_weight_decay=False):
'''
RMSPROP_INIT = '''    if not state:
        state["step"] = 0
        state["square_avg"] = torch.zeros_like(param)
        if centered:
            state["grad_avg"] = torch.zeros_like(param)
        if momentum > 0:
            state["momentum_buffer"] = torch.zeros_like(param)
    state["step"] += 1
    if weight_decay != 0:
        grad = grad + weight_decay * param
'''
ADAM_INIT = '''    beta1, beta2 = betas
    if not state:
        state["step"] = 0
        state["exp_avg"] = torch.zeros_like(param)
        state["exp_avg_sq"] = torch.zeros_like(param)
'''

WRONG = {
    "sgd_step": {
        "moves with the old velocity (update order)": SGD_HEAD + '''    if weight_decay != 0:
        grad = grad + weight_decay * param
    if momentum != 0:
        old = state.get("momentum_buffer", torch.zeros_like(param)).clone()
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = grad.clone()
        else:
            state["momentum_buffer"].mul_(momentum).add_((1 - dampening) * grad)
        grad = grad + momentum * state["momentum_buffer"] if nesterov else old
    param.sub_(lr * grad)
''',
        "the other convention: lr inside the velocity": SGD_HEAD + '''    if weight_decay != 0:
        grad = grad + weight_decay * param
    if momentum == 0:
        param.sub_(lr * grad)
        return
    buf = state.setdefault("momentum_buffer", torch.zeros_like(param))
    buf.mul_(momentum).sub_(lr * (1 - dampening) * grad)
    param.add_(buf + momentum * buf if nesterov else buf)
''',
        "returns the new parameter instead of updating it in place": SGD_HEAD + '''    if weight_decay != 0:
        grad = grad + weight_decay * param
    if momentum != 0:
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = grad.clone()
        else:
            state["momentum_buffer"].mul_(momentum).add_((1 - dampening) * grad)
        velocity = state["momentum_buffer"]
        grad = grad + momentum * velocity if nesterov else velocity
    param = param - lr * grad
    return param
''',
        "Nesterov ignored: always steps along the velocity": SGD_HEAD + '''    if weight_decay != 0:
        grad = grad + weight_decay * param
    if momentum != 0:
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = grad.clone()
        else:
            state["momentum_buffer"].mul_(momentum).add_((1 - dampening) * grad)
        grad = state["momentum_buffer"]
    param.sub_(lr * grad)
''',
        "dampening applied to the first velocity too": SGD_HEAD + '''    if weight_decay != 0:
        grad = grad + weight_decay * param
    if momentum != 0:
        buf = state.setdefault("momentum_buffer", torch.zeros_like(param))
        buf.mul_(momentum).add_((1 - dampening) * grad)
        grad = grad + momentum * buf if nesterov else buf
    param.sub_(lr * grad)
''',
        "weight decay added after the velocity, not inside it": SGD_HEAD + '''    if momentum != 0:
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = grad.clone()
        else:
            state["momentum_buffer"].mul_(momentum).add_((1 - dampening) * grad)
        velocity = state["momentum_buffer"]
        grad = grad + momentum * velocity if nesterov else velocity
    param.sub_(lr * (grad + weight_decay * param))
''',
    },
    "rmsprop_step": {
        "square root missing": RMSPROP_HEAD + RMSPROP_INIT + '''    s = state["square_avg"].mul_(alpha).add_((1 - alpha) * grad * grad)
    r = (s - state["grad_avg"].mul_(alpha).add_((1 - alpha) * grad) ** 2 if centered else s) + eps
    if momentum > 0:
        param.sub_(lr * state["momentum_buffer"].mul_(momentum).add_(grad / r))
    else:
        param.sub_(lr * grad / r)
''',
        "alpha and 1 - alpha swapped": RMSPROP_HEAD + RMSPROP_INIT + '''    s = state["square_avg"].mul_(1 - alpha).add_(alpha * grad * grad)
    if centered:
        a = state["grad_avg"].mul_(1 - alpha).add_(alpha * grad)
        r = (s - a * a).sqrt() + eps
    else:
        r = s.sqrt() + eps
    if momentum > 0:
        param.sub_(lr * state["momentum_buffer"].mul_(momentum).add_(grad / r))
    else:
        param.sub_(lr * grad / r)
''',
        "eps inside the square root": RMSPROP_HEAD + RMSPROP_INIT + '''    s = state["square_avg"].mul_(alpha).add_((1 - alpha) * grad * grad)
    if centered:
        a = state["grad_avg"].mul_(alpha).add_((1 - alpha) * grad)
        r = (s - a * a + eps).sqrt()
    else:
        r = (s + eps).sqrt()
    if momentum > 0:
        param.sub_(lr * state["momentum_buffer"].mul_(momentum).add_(grad / r))
    else:
        param.sub_(lr * grad / r)
''',
        "divides by the old average": RMSPROP_HEAD + RMSPROP_INIT + '''    old = state["square_avg"].clone()
    s = state["square_avg"].mul_(alpha).add_((1 - alpha) * grad * grad)
    if centered:
        a = state["grad_avg"].mul_(alpha).add_((1 - alpha) * grad)
        r = (s - a * a).sqrt() + eps
    else:
        r = old.sqrt() + eps
    if momentum > 0:
        param.sub_(lr * state["momentum_buffer"].mul_(momentum).add_(grad / r))
    else:
        param.sub_(lr * grad / r)
''',
        "centered: subtracts the mean, not its square": RMSPROP_HEAD + RMSPROP_INIT + '''    s = state["square_avg"].mul_(alpha).add_((1 - alpha) * grad * grad)
    if centered:
        a = state["grad_avg"].mul_(alpha).add_((1 - alpha) * grad)
        r = (s - a).abs().sqrt() + eps
    else:
        r = s.sqrt() + eps
    if momentum > 0:
        param.sub_(lr * state["momentum_buffer"].mul_(momentum).add_(grad / r))
    else:
        param.sub_(lr * grad / r)
''',
        "momentum accumulates the raw gradient": RMSPROP_HEAD + RMSPROP_INIT + '''    s = state["square_avg"].mul_(alpha).add_((1 - alpha) * grad * grad)
    if centered:
        a = state["grad_avg"].mul_(alpha).add_((1 - alpha) * grad)
        r = (s - a * a).sqrt() + eps
    else:
        r = s.sqrt() + eps
    if momentum > 0:
        param.sub_(lr * state["momentum_buffer"].mul_(momentum).add_(grad) / r)
    else:
        param.sub_(lr * grad / r)
''',
    },
    "adam_step": {
        "no bias correction": ADAM_HEAD + ADAM_INIT + '''    state["step"] += 1
    if weight_decay != 0 and decoupled_weight_decay:
        param.mul_(1 - lr * weight_decay)
    elif weight_decay != 0:
        grad = grad + weight_decay * param
    m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * grad)
    v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * grad * grad)
    param.sub_(lr * m / (v.sqrt() + eps))
''',
        "eps inside the square root": ADAM_HEAD + ADAM_INIT + '''    state["step"] += 1
    t = state["step"]
    if weight_decay != 0 and decoupled_weight_decay:
        param.mul_(1 - lr * weight_decay)
    elif weight_decay != 0:
        grad = grad + weight_decay * param
    m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * grad)
    v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * grad * grad)
    param.sub_(lr * (m / (1 - beta1**t)) / (v / (1 - beta2**t) + eps).sqrt())
''',
        "t counted from 0: corrects before counting the step": ADAM_HEAD + ADAM_INIT + '''    t = state["step"] + 1e-12  # avoid dividing by zero at the first step
    state["step"] += 1
    if weight_decay != 0 and decoupled_weight_decay:
        param.mul_(1 - lr * weight_decay)
    elif weight_decay != 0:
        grad = grad + weight_decay * param
    m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * grad)
    v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * grad * grad)
    param.sub_(lr * (m / (1 - beta1**t)) / ((v / (1 - beta2**t)).sqrt() + eps))
''',
        "stores the corrected moments": ADAM_HEAD + ADAM_INIT + '''    state["step"] += 1
    t = state["step"]
    if weight_decay != 0 and decoupled_weight_decay:
        param.mul_(1 - lr * weight_decay)
    elif weight_decay != 0:
        grad = grad + weight_decay * param
    m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * grad).div_(1 - beta1**t)
    v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * grad * grad).div_(1 - beta2**t)
    param.sub_(lr * m / (v.sqrt() + eps))
''',
        "AdamW decay without the learning rate": ADAM_HEAD + ADAM_INIT + '''    state["step"] += 1
    t = state["step"]
    if weight_decay != 0 and decoupled_weight_decay:
        param.mul_(1 - weight_decay)
    elif weight_decay != 0:
        grad = grad + weight_decay * param
    m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * grad)
    v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * grad * grad)
    param.sub_(lr * (m / (1 - beta1**t)) / ((v / (1 - beta2**t)).sqrt() + eps))
''',
        "decoupled flag ignored: always the L2 penalty": ADAM_HEAD + ADAM_INIT + '''    state["step"] += 1
    t = state["step"]
    if weight_decay != 0:
        grad = grad + weight_decay * param
    m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * grad)
    v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * grad * grad)
    param.sub_(lr * (m / (1 - beta1**t)) / ((v / (1 - beta2**t)).sqrt() + eps))
''',
        "calls the library instead of writing the rule": '''import torch.optim.adam
from torch.optim.adam import adam as _adam


@torch.no_grad()
def adam_step(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              decoupled_weight_decay=False):
    if not state:
        state["step"] = torch.tensor(0.0, dtype=torch.float64)
        state["exp_avg"] = torch.zeros_like(param)
        state["exp_avg_sq"] = torch.zeros_like(param)
    _adam([param], [grad], [state["exp_avg"]], [state["exp_avg_sq"]], [], [state["step"]], foreach=False,
          amsgrad=False, beta1=betas[0], beta2=betas[1], lr=lr, weight_decay=weight_decay, eps=eps,
          maximize=False, decoupled_weight_decay=decoupled_weight_decay)
''',
    },
    "cosine_annealing": {
        "forgets eta_min": '''def cosine_annealing(step, lr, T_max, eta_min=0.0):
    progress = min(step, T_max) / T_max
    return 0.5 * lr * (1 + math.cos(math.pi * progress))
''',
        "keeps following the cosine after the end": '''def cosine_annealing(step, lr, T_max, eta_min=0.0):
    return eta_min + 0.5 * (lr - eta_min) * (1 + math.cos(math.pi * step / T_max))
''',
        "missing the factor 1/2": '''def cosine_annealing(step, lr, T_max, eta_min=0.0):
    progress = min(step, T_max) / T_max
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * progress))
''',
        "off by one: step + 1": '''def cosine_annealing(step, lr, T_max, eta_min=0.0):
    progress = min(step + 1, T_max) / T_max
    return eta_min + 0.5 * (lr - eta_min) * (1 + math.cos(math.pi * progress))
''',
    },
}

WRONG["predict"] = {
    "takes Adam's step as lr times the gradient": """ADAM_FIRST_STEP = 0.01 * 1000
MOMENTUM_SPEEDUP = 10.0
""",
    "forgets the bias correction": """ADAM_FIRST_STEP = 0.01 * 0.1 / 0.001**0.5
MOMENTUM_SPEEDUP = 10.0
""",
    "thinks momentum only smooths, never lengthens the step": """ADAM_FIRST_STEP = 0.01
MOMENTUM_SPEEDUP = 1.0
""",
    "takes the momentum itself as the factor": """ADAM_FIRST_STEP = 0.01
MOMENTUM_SPEEDUP = 0.9
""",
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "sgd_step": {
        "moves with the old velocity (update order)": "update the velocity first",
        "the other convention: lr inside the velocity": "keep the learning rate out of the velocity",
        "returns the new parameter instead of updating it in place": "update param in place",
        "Nesterov ignored: always steps along the velocity": "step along g + momentum * b",
        "dampening applied to the first velocity too": "without the factor 1 - dampening",
        "weight decay added after the velocity, not inside it": "before it enters the velocity",
    },
    "rmsprop_step": {
        "square root missing": "the square root is missing",
        "alpha and 1 - alpha swapped": "alpha and 1 - alpha are swapped",
        "eps inside the square root": "eps is added after the square root",
        "divides by the old average": "divided by the old square_avg",
        "centered: subtracts the mean, not its square": "the square of the gradient average",
        "momentum accumulates the raw gradient": "not the raw gradient",
    },
    "adam_step": {
        "no bias correction": "the bias correction is missing",
        "eps inside the square root": "eps is added after the square root",
        "t counted from 0: corrects before counting the step": "t counts from 1",
        "stores the corrected moments": "store the uncorrected m and v",
        "AdamW decay without the learning rate": "leaves out the learning rate",
        "decoupled flag ignored: always the L2 penalty": "is Adam's L2 penalty",
        "calls the library instead of writing the rule": "write the rule yourself",
    },
    "cosine_annealing": {
        "forgets eta_min": "add eta_min",
        "keeps following the cosine after the end": "stays at eta_min",
        "missing the factor 1/2": "the factor 1/2",
        "off by one: step + 1": "not step + 1",
    },
    "predict": {
        "takes Adam's step as lr times the gradient": "the step of plain SGD",
        "forgets the bias correction": "forgets the bias correction",
        "thinks momentum only smooths, never lengthens the step": "momentum does not only smooth",
        "takes the momentum itself as the factor": "g / (1 - 0.9)",
    },
}
