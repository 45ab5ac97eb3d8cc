"""Realistic wrong answers to exercise 02_data; each must lose points under nbgrader autograde."""

WRONG = {
    "standardize": {
        "fits the statistics on train and test together (leakage)": '''def standardize(train, test):
    """Standardize train (N, d) and test (M, d) with the mean and population std of train."""
    both = torch.cat([train, test])
    mu = both.mean(dim=0)
    sigma = both.std(dim=0, unbiased=False)
    sigma = torch.where(sigma == 0, torch.ones_like(sigma), sigma)
    return (train - mu) / sigma, (test - mu) / sigma
''',
        "sample standard deviation (divides by N - 1, torch.std's default)": '''def standardize(train, test):
    """Standardize train (N, d) and test (M, d) with the mean and population std of train."""
    mu = train.mean(dim=0)
    sigma = train.std(dim=0)
    sigma = torch.where(sigma == 0, torch.ones_like(sigma), sigma)
    return (train - mu) / sigma, (test - mu) / sigma
''',
        "no special case for a constant column (NaN)": '''def standardize(train, test):
    """Standardize train (N, d) and test (M, d) with the mean and population std of train."""
    mu = train.mean(dim=0)
    sigma = train.std(dim=0, unbiased=False)
    return (train - mu) / sigma, (test - mu) / sigma
''',
        "modifies the inputs in place": '''def standardize(train, test):
    """Standardize train (N, d) and test (M, d) with the mean and population std of train."""
    mu = train.mean(dim=0)
    sigma = train.std(dim=0, unbiased=False)
    sigma[sigma == 0] = 1.0
    train -= mu
    train /= sigma
    test -= mu
    test /= sigma
    return train, test
''',
    },
    "one_hot": {
        "width from the largest label instead of num_classes": '''def one_hot(labels, num_classes):
    """One-hot encode labels (N,) with values in [0, num_classes) into an int64 tensor (N, num_classes)."""
    if len(labels) > 0 and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("labels out of range")
    width = int(labels.max()) + 1
    return (labels.unsqueeze(1) == torch.arange(width)).long()
''',
        "float rows from the identity matrix": '''def one_hot(labels, num_classes):
    """One-hot encode labels (N,) with values in [0, num_classes) into an int64 tensor (N, num_classes)."""
    if len(labels) > 0 and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("labels out of range")
    return torch.eye(num_classes)[labels]
''',
        "no range check (a negative label silently picks the last row)": '''def one_hot(labels, num_classes):
    """One-hot encode labels (N,) with values in [0, num_classes) into an int64 tensor (N, num_classes)."""
    return torch.eye(num_classes, dtype=torch.int64)[labels]
''',
        "off-by-one width (num_classes - 1 columns)": '''def one_hot(labels, num_classes):
    """One-hot encode labels (N,) with values in [0, num_classes) into an int64 tensor (N, num_classes)."""
    if len(labels) > 0 and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("labels out of range")
    out = torch.zeros(len(labels), num_classes - 1, dtype=torch.int64)
    for i, label in enumerate(labels.tolist()):
        if label < num_classes - 1:
            out[i, label] = 1
    return out
''',
    },
    "impute": {
        "fills the test split with the test split's own means": '''def impute(train, test):
    """Replace NaN in train (N, d) and test (M, d) by the column means of the observed train values."""
    mu_train = torch.nanmean(train, dim=0)
    mu_test = torch.nanmean(test, dim=0)
    return torch.where(torch.isnan(train), mu_train, train), torch.where(torch.isnan(test), mu_test, test)
''',
        "one global mean over all columns": '''def impute(train, test):
    """Replace NaN in train (N, d) and test (M, d) by the column means of the observed train values."""
    mu = torch.nanmean(train)
    return torch.where(torch.isnan(train), mu, train), torch.where(torch.isnan(test), mu, test)
''',
        "counts missing values as zeros in the mean": '''def impute(train, test):
    """Replace NaN in train (N, d) and test (M, d) by the column means of the observed train values."""
    mu = torch.nan_to_num(train, nan=0.0).mean(dim=0)
    return torch.where(torch.isnan(train), mu, train), torch.where(torch.isnan(test), mu, test)
''',
        "writes into the inputs": '''def impute(train, test):
    """Replace NaN in train (N, d) and test (M, d) by the column means of the observed train values."""
    mu = torch.nanmean(train, dim=0)
    for X in (train, test):
        rows, cols = torch.nonzero(torch.isnan(X), as_tuple=True)
        X[rows, cols] = mu[cols]
    return train, test
''',
    },
    "batches": {
        "always drops the last partial batch": '''def batches(X, y, batch_size, drop_last=False):
    """Yield (X[i:i + batch_size], y[i:i + batch_size]) for i = 0, batch_size, 2 * batch_size, ..."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    for start in range(0, len(y) - batch_size + 1, batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
''',
        "off-by-one stop (loses the last full batch too)": '''def batches(X, y, batch_size, drop_last=False):
    """Yield (X[i:i + batch_size], y[i:i + batch_size]) for i = 0, batch_size, 2 * batch_size, ..."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    stop = len(y) - batch_size if drop_last else len(y)
    for start in range(0, stop, batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
''',
        "ignores drop_last": '''def batches(X, y, batch_size, drop_last=False):
    """Yield (X[i:i + batch_size], y[i:i + batch_size]) for i = 0, batch_size, 2 * batch_size, ..."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    for start in range(0, len(y), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
''',
        "N // B + 1 batches (empty one if B divides N)": '''def batches(X, y, batch_size, drop_last=False):
    """Yield (X[i:i + batch_size], y[i:i + batch_size]) for i = 0, batch_size, 2 * batch_size, ..."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    num_batches = len(y) // batch_size if drop_last else len(y) // batch_size + 1
    for b in range(num_batches):
        yield X[b * batch_size:(b + 1) * batch_size], y[b * batch_size:(b + 1) * batch_size]
''',
    },
}

# The phrase each failing test's message must show, in the student's terms.
HINTS = {
    "standardize": {
        "fits the statistics on train and test together (leakage)": "leaks the test set",
        "sample standard deviation (divides by N - 1, torch.std's default)": "not N - 1",
        "no special case for a constant column (NaN)": "a constant column must become zeros",
        "modifies the inputs in place": "do not modify the inputs in place",
    },
    "one_hot": {
        "width from the largest label instead of num_classes": "not the largest label + 1",
        "float rows from the identity matrix": "expected int64",
        "no range check (a negative label silently picks the last row)": "must refuse a label outside",
        "off-by-one width (num_classes - 1 columns)": "not num_classes - 1",
    },
    "impute": {
        "fills the test split with the test split's own means": "not the test split's own",
        "one global mean over all columns": "not one global mean",
        "counts missing values as zeros in the mean": "not a zero",
        "writes into the inputs": "do not modify the inputs",
    },
    "batches": {
        "always drops the last partial batch": "keep the last, partial batch",
        "off-by-one stop (loses the last full batch too)": "never a full one",
        "ignores drop_last": "drop the last partial batch",
        "N // B + 1 batches (empty one if B divides N)": "no empty batch",
    },
}

WRONG["predict"] = {
    "divides without subtracting the mean": """Z_TEST = 7.0
LAST_BATCH_SIZE = 40
STATS_FROM = "train"
""",
    "subtracts the mean but does not divide": """Z_TEST = 4.0
LAST_BATCH_SIZE = 40
STATS_FROM = "train"
""",
    "assumes every batch is full": """Z_TEST = 2.0
LAST_BATCH_SIZE = 64
STATS_FROM = "train"
""",
    "gives the number of batches": """Z_TEST = 2.0
LAST_BATCH_SIZE = 16
STATS_FROM = "train"
""",
    "standardizes the test split with its own statistics": """Z_TEST = 2.0
LAST_BATCH_SIZE = 40
STATS_FROM = "test"
""",
    "pools both splits": """Z_TEST = 2.0
LAST_BATCH_SIZE = 40
STATS_FROM = "all"
""",
}
HINTS["predict"] = {
    "divides without subtracting the mean": "divides without subtracting the mean",
    "subtracts the mean but does not divide": "forgets to divide by the standard deviation",
    "assumes every batch is full": "not every batch is full",
    "gives the number of batches": "the number of batches, not the size of the last one",
    "standardizes the test split with its own statistics": "the test split's own statistics",
    "pools both splits": "leak the test set",
}
