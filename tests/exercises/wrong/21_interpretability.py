"""Realistic wrong answers to exercise 21_interpretability; each must lose points under nbgrader autograde."""

WRONG = {
    "integrated_gradients": {
        "leaves the baseline out of the factor (x instead of x - baseline)": '''def integrated_gradients(model, X, target, baseline, steps=50):
    total = torch.zeros_like(X)
    for k in range(1, steps + 1):
        point = (baseline + k / steps * (X - baseline)).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(point).gather(1, target[:, None]).sum(), point)
        total += grad
    return (X * total / steps).detach()
''',
        "walks the path from zero, ignoring the baseline": '''def integrated_gradients(model, X, target, baseline, steps=50):
    total = torch.zeros_like(X)
    for k in range(1, steps + 1):
        point = (k / steps * X).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(point).gather(1, target[:, None]).sum(), point)
        total += grad
    return ((X - baseline) * total / steps).detach()
''',
        "left Riemann sum (alpha = 0 .. (m-1)/m) where the right one was asked": '''def integrated_gradients(model, X, target, baseline, steps=50):
    total = torch.zeros_like(X)
    for k in range(steps):
        point = (baseline + k / steps * (X - baseline)).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(point).gather(1, target[:, None]).sum(), point)
        total += grad
    return ((X - baseline) * total / steps).detach()
''',
        "forgets to divide by the number of steps": '''def integrated_gradients(model, X, target, baseline, steps=50):
    total = torch.zeros_like(X)
    for k in range(1, steps + 1):
        point = (baseline + k / steps * (X - baseline)).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(point).gather(1, target[:, None]).sum(), point)
        total += grad
    return ((X - baseline) * total).detach()
''',
        "explains the predicted class instead of the target": '''def integrated_gradients(model, X, target, baseline, steps=50):
    with torch.no_grad():
        predicted = model(X).argmax(dim=1)
    total = torch.zeros_like(X)
    for k in range(1, steps + 1):
        point = (baseline + k / steps * (X - baseline)).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(point).gather(1, predicted[:, None]).sum(), point)
        total += grad
    return ((X - baseline) * total / steps).detach()
''',
    },
    "completeness_gap": {
        "the sign flipped: change minus attributions": '''def completeness_gap(model, X, target, attributions, baseline):
    with torch.no_grad():
        change = (model(X) - model(baseline)).gather(1, target[:, None])[:, 0]
    return change - attributions.flatten(1).sum(dim=1)
''',
        "compares with F(x) alone, as if the baseline scored zero": '''def completeness_gap(model, X, target, attributions, baseline):
    with torch.no_grad():
        score = model(X).gather(1, target[:, None])[:, 0]
    return attributions.flatten(1).sum(dim=1) - score
''',
        "sums the attributions over the whole batch": '''def completeness_gap(model, X, target, attributions, baseline):
    with torch.no_grad():
        change = (model(X) - model(baseline)).gather(1, target[:, None])[:, 0]
    return attributions.sum() - change
''',
    },
    "fgsm": {
        "the sign of the step flipped (gradient descent on the loss)": '''def fgsm(model, X, y, eps):
    X_var = X.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(X_var), y), X_var)
    return (X - eps * grad.sign()).clamp(0, 1).detach()
''',
        "steps along the raw gradient instead of its sign": '''def fgsm(model, X, y, eps):
    X_var = X.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(X_var), y), X_var)
    return (X + eps * grad).clamp(0, 1).detach()
''',
        "forgets to clip to [0, 1]": '''def fgsm(model, X, y, eps):
    X_var = X.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(X_var), y), X_var)
    return (X + eps * grad.sign()).detach()
''',
    },
    "pgd_step": {
        "projects onto the L-inf ball when the L2 ball is asked": '''def pgd_step(model, X_adv, X, y, alpha, eps, norm="inf"):
    X_var = X_adv.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(X_var), y), X_var)
    shape = (-1,) + (1,) * (X.dim() - 1)
    step = grad.sign() if norm == "inf" else grad / grad.flatten(1).norm(dim=1).view(shape)
    delta = (X_adv + alpha * step - X).clamp(-eps, eps)
    return (X + delta).clamp(0, 1).detach()
''',
        "clips the adversarial image itself, not its change from X": '''def pgd_step(model, X_adv, X, y, alpha, eps, norm="inf"):
    X_var = X_adv.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(X_var), y), X_var)
    shape = (-1,) + (1,) * (X.dim() - 1)
    if norm == "inf":
        return (X_adv + alpha * grad.sign()).clamp(-eps, eps).clamp(0, 1).detach()
    new = X_adv + alpha * grad / grad.flatten(1).norm(dim=1).view(shape)
    length = new.flatten(1).norm(dim=1).view(shape)
    return (new * (eps / length).clamp(max=1.0)).clamp(0, 1).detach()
''',
        "L2: one length for the whole batch": '''def pgd_step(model, X_adv, X, y, alpha, eps, norm="inf"):
    X_var = X_adv.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(X_var), y), X_var)
    if norm == "inf":
        delta = (X_adv + alpha * grad.sign() - X).clamp(-eps, eps)
    else:
        delta = X_adv + alpha * grad / grad.norm() - X
        delta = delta * min(1.0, eps / delta.norm().item())
    return (X + delta).clamp(0, 1).detach()
''',
        "L2: always rescales the change to length eps, even inside the ball": '''def pgd_step(model, X_adv, X, y, alpha, eps, norm="inf"):
    X_var = X_adv.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(X_var), y), X_var)
    shape = (-1,) + (1,) * (X.dim() - 1)
    if norm == "inf":
        delta = (X_adv + alpha * grad.sign() - X).clamp(-eps, eps)
    else:
        delta = X_adv + alpha * grad / grad.flatten(1).norm(dim=1).view(shape) - X
        delta = delta * eps / delta.flatten(1).norm(dim=1).view(shape)
    return (X + delta).clamp(0, 1).detach()
''',
        "L2: steps along the sign of the gradient": '''def pgd_step(model, X_adv, X, y, alpha, eps, norm="inf"):
    X_var = X_adv.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(X_var), y), X_var)
    shape = (-1,) + (1,) * (X.dim() - 1)
    delta = X_adv + alpha * grad.sign() - X
    if norm == "inf":
        delta = delta.clamp(-eps, eps)
    else:
        delta = delta * (eps / delta.flatten(1).norm(dim=1).view(shape)).clamp(max=1.0)
    return (X + delta).clamp(0, 1).detach()
''',
    },
}

HINTS = {
    "integrated_gradients": {
        "leaves the baseline out of the factor (x instead of x - baseline)": "is (x - baseline), not x",
        "walks the path from zero, ignoring the baseline": "your path starts at zero, not at the baseline",
        "left Riemann sum (alpha = 0 .. (m-1)/m) where the right one was asked": "left Riemann sum",
        "forgets to divide by the number of steps": "forgot to divide the sum of the gradients by the number of steps",
        "explains the predicted class instead of the target": "attributions of the predicted class",
    },
    "completeness_gap": {
        "the sign flipped: change minus attributions": "the sign is flipped",
        "compares with F(x) alone, as if the baseline scored zero": "you subtracted F_c(x) alone",
        "sums the attributions over the whole batch": "sum of the attributions of the whole batch",
    },
    "fgsm": {
        "the sign of the step flipped (gradient descent on the loss)": "stepped against the gradient",
        "steps along the raw gradient instead of its sign": "not the raw gradient",
        "forgets to clip to [0, 1]": "clip the adversarial images to [0, 1]",
    },
    "pgd_step": {
        "projects onto the L-inf ball when the L2 ball is asked": "you clipped each pixel (the L-inf projection)",
        "clips the adversarial image itself, not its change from X": "you clipped X_adv itself",
        "L2: one length for the whole batch": "not one length for the whole batch",
        "L2: always rescales the change to length eps, even inside the ball": "rescaled to length eps, even those inside the ball",
        "L2: steps along the sign of the gradient": "your step follows the sign of the gradient",
    },
}
