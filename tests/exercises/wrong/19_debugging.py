"""Realistic wrong answers to exercise 19_debugging; each must lose points under nbgrader autograde."""

WRONG = {
    "initial_loss_check": {
        "takes C from the labels instead of the logits": '''def initial_loss_check(model, X, y, rtol=0.25):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        loss = F.cross_entropy(model(X), y).item()
    model.train(was_training)
    expected = math.log(int(y.max()) + 1)
    return loss, expected, abs(loss - expected) <= rtol * expected
''',
        "leaves dropout on (no eval mode)": '''def initial_loss_check(model, X, y, rtol=0.25):
    with torch.no_grad():
        logits = model(X)
        loss = F.cross_entropy(logits, y).item()
    expected = math.log(logits.shape[1])
    return loss, expected, abs(loss - expected) <= rtol * expected
''',
        "switches to eval mode and never switches back": '''def initial_loss_check(model, X, y, rtol=0.25):
    model.eval()
    with torch.no_grad():
        logits = model(X)
        loss = F.cross_entropy(logits, y).item()
    expected = math.log(logits.shape[1])
    return loss, expected, abs(loss - expected) <= rtol * expected
''',
        "an absolute tolerance instead of a relative one": '''def initial_loss_check(model, X, y, rtol=0.25):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = model(X)
        loss = F.cross_entropy(logits, y).item()
    model.train(was_training)
    expected = math.log(logits.shape[1])
    return loss, expected, abs(loss - expected) <= rtol
''',
        "log base 10 instead of the natural logarithm": '''def initial_loss_check(model, X, y, rtol=0.25):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = model(X)
        loss = F.cross_entropy(logits, y).item()
    model.train(was_training)
    expected = math.log10(logits.shape[1])
    return loss, expected, abs(loss - expected) <= rtol * expected
''',
    },
    "count_dead_units": {
        "counts zero outputs instead of units that are zero on every example": '''def count_dead_units(model, X):
    dead, handles = {}, []

    def make_hook(name):
        def hook(module, inputs, output):
            dead[name] = int((output == 0).sum())
        return hook

    for name, module in model.named_modules():
        if isinstance(module, nn.ReLU):
            handles.append(module.register_forward_hook(make_hook(name)))
    with torch.no_grad():
        model(X)
    for handle in handles:
        handle.remove()
    return dead
''',
        "a unit zero on any example counts as dead": '''def count_dead_units(model, X):
    dead, handles = {}, []

    def make_hook(name):
        def hook(module, inputs, output):
            dead[name] = int((output == 0).any(dim=0).sum())
        return hook

    for name, module in model.named_modules():
        if isinstance(module, nn.ReLU):
            handles.append(module.register_forward_hook(make_hook(name)))
    with torch.no_grad():
        model(X)
    for handle in handles:
        handle.remove()
    return dead
''',
        "forgets to remove the hooks": '''def count_dead_units(model, X):
    dead = {}

    def make_hook(name):
        def hook(module, inputs, output):
            dead[name] = int((output == 0).all(dim=0).sum())
        return hook

    for name, module in model.named_modules():
        if isinstance(module, nn.ReLU):
            module.register_forward_hook(make_hook(name))
    with torch.no_grad():
        model(X)
    return dead
''',
        "watches only the model's direct children": '''def count_dead_units(model, X):
    dead, handles = {}, []

    def make_hook(name):
        def hook(module, inputs, output):
            dead[name] = int((output == 0).all(dim=0).sum())
        return hook

    for name, module in model.named_children():
        if isinstance(module, nn.ReLU):
            handles.append(module.register_forward_hook(make_hook(name)))
    with torch.no_grad():
        model(X)
    for handle in handles:
        handle.remove()
    return dead
''',
    },
    "diagnose": {
        "tests for divergence with comparisons only, so NaN slips through": '''def diagnose(train_loss, val_loss):
    if train_loss[-1] > train_loss[0]:
        return "diverging"
    if train_loss[-1] > 0.9 * train_loss[0]:
        return "not learning"
    if val_loss[-1] > 1.2 * min(val_loss):
        return "overfitting"
    return "healthy"
''',
        "checks overfitting before not learning": '''def diagnose(train_loss, val_loss):
    if not all(math.isfinite(v) for v in train_loss) or train_loss[-1] > train_loss[0]:
        return "diverging"
    if val_loss[-1] > 1.2 * min(val_loss):
        return "overfitting"
    if train_loss[-1] > 0.9 * train_loss[0]:
        return "not learning"
    return "healthy"
''',
        "compares the validation loss with its first value, not its minimum": '''def diagnose(train_loss, val_loss):
    if not all(math.isfinite(v) for v in train_loss) or train_loss[-1] > train_loss[0]:
        return "diverging"
    if train_loss[-1] > 0.9 * train_loss[0]:
        return "not learning"
    if val_loss[-1] > 1.2 * val_loss[0]:
        return "overfitting"
    return "healthy"
''',
        "looks at the training loss for overfitting": '''def diagnose(train_loss, val_loss):
    if not all(math.isfinite(v) for v in train_loss) or train_loss[-1] > train_loss[0]:
        return "diverging"
    if train_loss[-1] > 0.9 * train_loss[0]:
        return "not learning"
    if train_loss[-1] > 1.2 * min(train_loss):
        return "overfitting"
    return "healthy"
''',
        "not learning means the loss did not fall at all": '''def diagnose(train_loss, val_loss):
    if not all(math.isfinite(v) for v in train_loss) or train_loss[-1] > train_loss[0]:
        return "diverging"
    if train_loss[-1] >= train_loss[0]:
        return "not learning"
    if val_loss[-1] > 1.2 * min(val_loss):
        return "overfitting"
    return "healthy"
''',
    },
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "initial_loss_check": {
        "takes C from the labels instead of the logits": "not from the labels",
        "leaves dropout on (no eval mode)": "dropout must be off",
        "switches to eval mode and never switches back": "put the model back in the mode it had",
        "an absolute tolerance instead of a relative one": "a relative tolerance",
        "log base 10 instead of the natural logarithm": "natural logarithm",
    },
    "count_dead_units": {
        "counts zero outputs instead of units that are zero on every example":
            "the number of zero outputs",
        "a unit zero on any example counts as dead": "0 on every example (.all(dim=0), not .any)",
        "forgets to remove the hooks": "remove your hooks",
        "watches only the model's direct children": "find nested ReLUs too",
    },
    "diagnose": {
        "tests for divergence with comparisons only, so NaN slips through":
            "comparisons with NaN are always False",
        "checks overfitting before not learning": "check 'not learning' before 'overfitting'",
        "compares the validation loss with its first value, not its minimum":
            "with the smallest one (0.5), not the first",
        "looks at the training loss for overfitting": "by the validation loss, not the training loss",
        "not learning means the loss did not fall at all": "even though it fell a little",
    },
}
