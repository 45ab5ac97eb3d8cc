"""Realistic wrong answers to exercise 10_hyperparameters; each must lose points under nbgrader autograde."""
WRONG = {
    "log_uniform": {
        "uniform instead of log-uniform": '''def log_uniform(low, high, size, generator=None):
    if not 0 < low < high:
        raise ValueError("need 0 < low < high")
    r = torch.rand(size, generator=generator, dtype=torch.float64)
    return low + r * (high - low)
''',
        "log10 bounds, natural exp: out of range": '''def log_uniform(low, high, size, generator=None):
    if not 0 < low < high:
        raise ValueError("need 0 < low < high")
    r = torch.rand(size, generator=generator, dtype=torch.float64)
    return torch.exp(math.log10(low) + r * (math.log10(high) - math.log10(low)))
''',
        "natural-log bounds, base-10 power": '''def log_uniform(low, high, size, generator=None):
    if not 0 < low < high:
        raise ValueError("need 0 < low < high")
    r = torch.rand(size, generator=generator, dtype=torch.float64)
    return 10 ** (math.log(low) + r * (math.log(high) - math.log(low)))
''',
        "off by the exponent: no log(low) offset": '''def log_uniform(low, high, size, generator=None):
    if not 0 < low < high:
        raise ValueError("need 0 < low < high")
    r = torch.rand(size, generator=generator, dtype=torch.float64)
    return torch.exp(r * math.log(high / low))
''',
        "returns the logarithms, never exponentiates": '''def log_uniform(low, high, size, generator=None):
    if not 0 < low < high:
        raise ValueError("need 0 < low < high")
    r = torch.rand(size, generator=generator, dtype=torch.float64)
    return math.log(low) + r * (math.log(high) - math.log(low))
''',
        "ignores the generator": '''def log_uniform(low, high, size, generator=None):
    if not 0 < low < high:
        raise ValueError("need 0 < low < high")
    r = torch.rand(size, dtype=torch.float64)
    return torch.exp(math.log(low) + r * (math.log(high) - math.log(low)))
''',
        "no check of the bounds": '''def log_uniform(low, high, size, generator=None):
    r = torch.rand(size, generator=generator, dtype=torch.float64)
    return torch.exp(math.log(low) + r * (math.log(high) - math.log(low)))
''',
    },
    "grid": {
        "zip instead of the product": '''def grid(params):
    names = list(params)
    return [dict(zip(names, values)) for values in zip(*params.values())]
''',
        "drops the last value of each list": '''def grid(params):
    names = list(params)
    return [dict(zip(names, values)) for values in itertools.product(*(v[:-1] for v in params.values()))]
''',
        "one hyperparameter at a time, not every combination": '''def grid(params):
    names = list(params)
    base = {name: values[0] for name, values in params.items()}
    configs = [dict(base)]
    for name in names:
        for value in params[name][1:]:
            configs.append({**base, name: value})
    return configs
''',
        "first hyperparameter changes fastest": '''def grid(params):
    names = list(params)[::-1]
    combos = itertools.product(*(params[n] for n in names))
    return [{name: dict(zip(names, values))[name] for name in params} for values in combos]
''',
    },
    "expected_improvement": {
        "sign error: best - mu": '''def expected_improvement(mu, sigma, best, xi=0.0):
    improvement = best - mu - xi
    positive = sigma > 0
    safe_sigma = torch.where(positive, sigma, torch.ones_like(sigma))
    z = improvement / safe_sigma
    pdf = torch.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    ei = improvement * torch.special.ndtr(z) + safe_sigma * pdf
    return torch.where(positive, ei, improvement.clamp_min(0))
''',
        "missing the sigma * pdf term": '''def expected_improvement(mu, sigma, best, xi=0.0):
    improvement = mu - best - xi
    positive = sigma > 0
    safe_sigma = torch.where(positive, sigma, torch.ones_like(sigma))
    z = improvement / safe_sigma
    ei = improvement * torch.special.ndtr(z)
    return torch.where(positive, ei, improvement.clamp_min(0))
''',
        "sigma = 0 not handled: NaN": '''def expected_improvement(mu, sigma, best, xi=0.0):
    improvement = mu - best - xi
    z = improvement / sigma
    pdf = torch.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    return improvement * torch.special.ndtr(z) + sigma * pdf
''',
        "xi added instead of subtracted": '''def expected_improvement(mu, sigma, best, xi=0.0):
    improvement = mu - best + xi
    positive = sigma > 0
    safe_sigma = torch.where(positive, sigma, torch.ones_like(sigma))
    z = improvement / safe_sigma
    pdf = torch.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    ei = improvement * torch.special.ndtr(z) + safe_sigma * pdf
    return torch.where(positive, ei, improvement.clamp_min(0))
''',
        "variance where the standard deviation belongs": '''def expected_improvement(mu, sigma, best, xi=0.0):
    improvement = mu - best - xi
    variance = sigma**2
    positive = variance > 0
    safe = torch.where(positive, variance, torch.ones_like(variance))
    z = improvement / safe
    pdf = torch.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    ei = improvement * torch.special.ndtr(z) + safe * pdf
    return torch.where(positive, ei, improvement.clamp_min(0))
''',
        "probability of improvement, not EI": '''def expected_improvement(mu, sigma, best, xi=0.0):
    improvement = mu - best - xi
    positive = sigma > 0
    safe_sigma = torch.where(positive, sigma, torch.ones_like(sigma))
    return torch.where(positive, torch.special.ndtr(improvement / safe_sigma), (improvement > 0).double())
''',
    },
    "gp_posterior_mean": {
        "forgets the noise on the diagonal": '''def gp_posterior_mean(X, y, X_star, length_scale, noise):
    def rbf(A, B):
        return torch.exp(-(torch.cdist(A, B) ** 2) / (2 * length_scale**2))

    return rbf(X_star, X) @ torch.linalg.solve(rbf(X, X), y)
''',
        "kernel without the factor 2": '''def gp_posterior_mean(X, y, X_star, length_scale, noise):
    def rbf(A, B):
        return torch.exp(-(torch.cdist(A, B) ** 2) / length_scale**2)

    K = rbf(X, X) + noise * torch.eye(X.shape[0], dtype=X.dtype)
    return rbf(X_star, X) @ torch.linalg.solve(K, y)
''',
        "distance instead of squared distance": '''def gp_posterior_mean(X, y, X_star, length_scale, noise):
    def rbf(A, B):
        return torch.exp(-torch.cdist(A, B) / (2 * length_scale**2))

    K = rbf(X, X) + noise * torch.eye(X.shape[0], dtype=X.dtype)
    return rbf(X_star, X) @ torch.linalg.solve(K, y)
''',
        "noise variance squared": '''def gp_posterior_mean(X, y, X_star, length_scale, noise):
    def rbf(A, B):
        return torch.exp(-(torch.cdist(A, B) ** 2) / (2 * length_scale**2))

    K = rbf(X, X) + noise**2 * torch.eye(X.shape[0], dtype=X.dtype)
    return rbf(X_star, X) @ torch.linalg.solve(K, y)
''',
        "adds the noise to y, not to the kernel": '''def gp_posterior_mean(X, y, X_star, length_scale, noise):
    def rbf(A, B):
        return torch.exp(-(torch.cdist(A, B) ** 2) / (2 * length_scale**2))

    K = rbf(X, X) + 1e-9 * torch.eye(X.shape[0], dtype=X.dtype)
    return rbf(X_star, X) @ torch.linalg.solve(K, y + noise)
''',
    },
}

WRONG["expected_improvement"]["ignores xi"] = '''def expected_improvement(mu, sigma, best, xi=0.0):
    improvement = mu - best
    positive = sigma > 0
    safe_sigma = torch.where(positive, sigma, torch.ones_like(sigma))
    z = improvement / safe_sigma
    pdf = torch.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    ei = improvement * torch.special.ndtr(z) + safe_sigma * pdf
    return torch.where(positive, ei, improvement.clamp_min(0))
'''

WRONG["predictions"] = {
    "the share of a uniform draw, not of a log-uniform one": '''share_below = 0.01
distinct_grid = 4
distinct_random = 16
''',
    "the grid counted as 16 different learning rates": '''share_below = 0.5
distinct_grid = 16
distinct_random = 16
''',
    "random search counted like the grid": '''share_below = 0.5
distinct_grid = 4
distinct_random = 4
''',
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "log_uniform": {
        "uniform instead of log-uniform": "uniform in the value, not in its logarithm",
        "log10 bounds, natural exp: out of range": "use different bases",
        "natural-log bounds, base-10 power": "use different bases",
        "off by the exponent: no log(low) offset": "add math.log(low)",
        "returns the logarithms, never exponentiates": "look like the logarithms",
        "ignores the generator": "pass generator=generator",
        "no check of the bounds": "check 0 < low < high",
    },
    "grid": {
        "zip instead of the product": "zip pairs the i-th values",
        "drops the last value of each list": "the last value of each list",
        "one hyperparameter at a time, not every combination": "one hyperparameter at a time",
        "first hyperparameter changes fastest": "fastest, not the first",
    },
    "expected_improvement": {
        "sign error: best - mu": "not best - mu",
        "missing the sigma * pdf term": "sigma * phi(z) is missing",
        "sigma = 0 not handled: NaN": "sigma = 0 must not give NaN",
        "xi added instead of subtracted": "xi is added",
        "variance where the standard deviation belongs": "the variance where the standard deviation",
        "probability of improvement, not EI": "probability of improvement",
        "ignores xi": "it ignores xi",
    },
    "gp_posterior_mean": {
        "forgets the noise on the diagonal": "the noise is missing",
        "kernel without the factor 2": "the 2 in 2 * length_scale**2 is missing",
        "distance instead of squared distance": "the distance is not squared",
        "noise variance squared": "the noise is squared",
        "adds the noise to y, not to the kernel": "added to y",
    },
    "predictions": {
        "the share of a uniform draw, not of a log-uniform one": "each decade gets the same share",
        "the grid counted as 16 different learning rates": "only 4 distinct values",
        "random search counted like the grid": "almost surely all differ",
    },
}
