"""Realistic wrong answers to exercise 01_what_is_dl; each must lose points under nbgrader autograde."""

WRONG = {
    "left_right_symmetry": {
        "mirrors top to bottom (flips the rows)": '''def left_right_symmetry(images):
    mirror = images.flip(dims=(1,))
    difference = (images - mirror).abs().sum(dim=(1, 2))
    total = (images + mirror).sum(dim=(1, 2))
    total = torch.where(total > 0, total, torch.ones_like(total))
    return 1 - difference / total
''',
        "flips the batch dimension": '''def left_right_symmetry(images):
    mirror = torch.flip(images, dims=[0])
    difference = (images - mirror).abs().sum(dim=(1, 2))
    total = (images + mirror).sum(dim=(1, 2))
    total = torch.where(total > 0, total, torch.ones_like(total))
    return 1 - difference / total
''',
        "divides by the ink instead of ink plus mirrored ink": '''def left_right_symmetry(images):
    mirror = images.flip(dims=(2,))
    difference = (images - mirror).abs().sum(dim=(1, 2))
    ink = images.sum(dim=(1, 2))
    ink = torch.where(ink > 0, ink, torch.ones_like(ink))
    return 1 - difference / ink
''',
        "NaN for a blank image": '''def left_right_symmetry(images):
    mirror = images.flip(dims=(2,))
    difference = (images - mirror).abs().sum(dim=(1, 2))
    total = (images + mirror).sum(dim=(1, 2))
    return 1 - difference / total
''',
        "forgets the absolute value": '''def left_right_symmetry(images):
    mirror = images.flip(dims=(2,))
    difference = (images - mirror).sum(dim=(1, 2))
    total = (images + mirror).sum(dim=(1, 2))
    total = torch.where(total > 0, total, torch.ones_like(total))
    return 1 - difference / total
''',
        "mirrors in place with a slice assignment (modifies the input)": '''def left_right_symmetry(images):
    W = images.shape[2]
    difference = torch.zeros(images.shape[0], dtype=images.dtype)
    for j in range(W // 2):
        left, right = images[:, :, j].clone(), images[:, :, W - 1 - j].clone()
        difference += 2 * (left - right).abs().sum(dim=1)
        images[:, :, j], images[:, :, W - 1 - j] = right, left
    total = 2 * images.sum(dim=(1, 2))
    total = torch.where(total > 0, total, torch.ones_like(total))
    return 1 - difference / total
''',
    },
    "row_transitions": {
        "strictly greater than the threshold": '''def row_transitions(images, threshold):
    ink = images > threshold
    changes = ink[:, :, 1:] != ink[:, :, :-1]
    return changes.sum(dim=(1, 2))
''',
        "counts only paper-to-ink steps": '''def row_transitions(images, threshold):
    ink = images >= threshold
    starts = ink[:, :, 1:] & ~ink[:, :, :-1]
    return starts.sum(dim=(1, 2))
''',
        "counts down the columns": '''def row_transitions(images, threshold):
    ink = images >= threshold
    changes = ink[:, 1:, :] != ink[:, :-1, :]
    return changes.sum(dim=(1, 2))
''',
        "compares raw intensities instead of ink/paper": '''def row_transitions(images, threshold):
    changes = images[:, :, 1:] != images[:, :, :-1]
    return changes.sum(dim=(1, 2))
''',
        "counts the image border as paper": '''def row_transitions(images, threshold):
    ink = (images >= threshold).long()
    padded = torch.nn.functional.pad(ink, (1, 1))
    changes = padded[:, :, 1:] != padded[:, :, :-1]
    return changes.sum(dim=(1, 2))
''',
        "returns one count per row": '''def row_transitions(images, threshold):
    ink = images >= threshold
    changes = ink[:, :, 1:] != ink[:, :, :-1]
    return changes.sum(dim=2)
''',
        "returns floats": '''def row_transitions(images, threshold):
    ink = (images >= threshold).float()
    return (ink[:, :, 1:] - ink[:, :, :-1]).abs().sum(dim=(1, 2))
''',
    },
    "accuracy": {
        "argmax with keepdim broadcasts to an N x N table": '''def accuracy(logits, y):
    if logits.shape[0] == 0:
        raise ValueError("empty batch")
    predicted = logits.argmax(dim=1, keepdim=True)
    return (predicted == y).float().mean().item()
''',
        "argmax over the examples instead of the classes": '''def accuracy(logits, y):
    if logits.shape[0] == 0:
        raise ValueError("empty batch")
    predicted = logits.argmax(dim=0)
    return (predicted[: len(y)] == y[: len(predicted)]).float().mean().item()
''',
        "returns a tensor": '''def accuracy(logits, y):
    if logits.shape[0] == 0:
        raise ValueError("empty batch")
    return (logits.argmax(dim=1) == y).float().mean()
''',
        "NaN instead of an error on an empty batch": '''def accuracy(logits, y):
    return (logits.argmax(dim=1) == y).float().mean().item()
''',
        "counts correct predictions instead of the fraction": '''def accuracy(logits, y):
    if logits.shape[0] == 0:
        raise ValueError("empty batch")
    return float((logits.argmax(dim=1) == y).sum())
''',
        "takes the largest logit's value, not its index": '''def accuracy(logits, y):
    if logits.shape[0] == 0:
        raise ValueError("empty batch")
    predicted = logits.max(dim=1).values.round().long()
    return (predicted == y).float().mean().item()
''',
    },
    "prediction": {
        "counts the image border as transitions": '''SEVEN = torch.tensor(
    [
        [1.0, 1.0, 1.0, 1.0, 1.0],
        [0.0, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0, 0.0],
    ]
)
predicted_transitions = 10
predicted_symmetry = 1 - 4 / 18
''',
        "divides by the ink of the image alone": '''SEVEN = torch.tensor(
    [
        [1.0, 1.0, 1.0, 1.0, 1.0],
        [0.0, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0, 0.0],
    ]
)
predicted_transitions = 8
predicted_symmetry = 1 - 4 / 9
''',
        "counts one transition per stroke": '''SEVEN = torch.tensor(
    [
        [1.0, 1.0, 1.0, 1.0, 1.0],
        [0.0, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0, 0.0],
    ]
)
predicted_transitions = 4
predicted_symmetry = 1 - 4 / 18
''',
    },
}

# The phrase each failing test's message must show, in the student's terms.
HINTS = {
    "left_right_symmetry": {
        "mirrors top to bottom (flips the rows)": "instead of the columns",
        "flips the batch dimension": "not the batch",
        "divides by the ink instead of ink plus mirrored ink": "plus its mirror, not of the image alone",
        "NaN for a blank image": "a blank image must give 1, not NaN",
        "forgets the absolute value": "take the absolute value",
        "mirrors in place with a slice assignment (modifies the input)": "do not modify images in place",
    },
    "row_transitions": {
        "strictly greater than the threshold": "x >= threshold is ink",
        "counts only paper-to-ink steps": "count ink-to-paper steps too",
        "counts down the columns": "not down the columns",
        "compares raw intensities instead of ink/paper": "not the raw intensities",
        "counts the image border as paper": "the image border is not a transition",
        "returns one count per row": "one total per image",
        "returns floats": "expected torch.int64",
    },
    "accuracy": {
        "argmax with keepdim broadcasts to an N x N table": "drop keepdim",
        "argmax over the examples instead of the classes": "over the classes (dim=1), not over the examples",
        "returns a tensor": "return a Python float",
        "NaN instead of an error on an empty batch": "an empty batch must raise ValueError",
        "counts correct predictions instead of the fraction": "not their count",
        "takes the largest logit's value, not its index": "not its value",
    },
    "prediction": {
        "counts the image border as transitions": "the image border is not a transition",
        "divides by the ink of the image alone": "plus its mirror, not the image alone",
        "counts one transition per stroke": "paper to ink and back",
    },
}
