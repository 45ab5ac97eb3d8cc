"""Realistic wrong answers to exercise 18_gans; each must lose points under nbgrader autograde."""

WRONG = {
    "discriminator_loss": {
        "passes logits where probabilities belong: log of the raw logits": '''def discriminator_loss(real_logits, fake_logits):
    return -(torch.log(real_logits).mean() + torch.log(1 - fake_logits).mean())
''',
        "takes the log of a sigmoid: inf once the sigmoid rounds to 0": '''def discriminator_loss(real_logits, fake_logits):
    return -(torch.log(torch.sigmoid(real_logits)).mean() + torch.log(1 - torch.sigmoid(fake_logits)).mean())
''',
        "swaps the labels: real as 0, fake as 1": '''def discriminator_loss(real_logits, fake_logits):
    return F.softplus(real_logits).mean() + F.softplus(-fake_logits).mean()
''',
        "averages real and fake together, wrong when the batches differ in size": '''def discriminator_loss(real_logits, fake_logits):
    return 2 * torch.cat([F.softplus(-real_logits).flatten(), F.softplus(fake_logits).flatten()]).mean()
''',
    },
    "generator_loss": {
        "the saturating (minimax) loss": '''def generator_loss(fake_logits):
    return -F.softplus(fake_logits).mean()
''',
        "applies a sigmoid to the logits first: probabilities where logits belong": '''def generator_loss(fake_logits):
    return F.softplus(-torch.sigmoid(fake_logits)).mean()
''',
        "flips the sign: the generator helps the discriminator": '''def generator_loss(fake_logits):
    return -F.softplus(-fake_logits).mean()
''',
        "log of a sigmoid: inf for very negative logits": '''def generator_loss(fake_logits):
    return -torch.log(torch.sigmoid(fake_logits)).mean()
''',
    },
    "frechet_distance": {
        "takes the square root elementwise": '''def frechet_distance(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (t.double() for t in (mu1, sigma1, mu2, sigma2))
    cross = (sigma1 @ sigma2).clamp(min=0).sqrt()
    return (mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - 2 * cross.trace()
''',
        "multiplies the two square roots: tr(sqrt(S1) sqrt(S2)), right only when they commute": '''def frechet_distance(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (t.double() for t in (mu1, sigma1, mu2, sigma2))

    def sqrtm_psd(A):
        eigenvalues, V = torch.linalg.eigh(A)
        return V @ torch.diag(eigenvalues.clamp(min=0).sqrt()) @ V.T

    cross = sqrtm_psd(sigma1) @ sqrtm_psd(sigma2)
    return (mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - 2 * cross.trace()
''',
        "forgets the factor 2 on the cross term": '''def frechet_distance(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (t.double() for t in (mu1, sigma1, mu2, sigma2))

    def sqrtm_psd(A):
        eigenvalues, V = torch.linalg.eigh(A)
        return V @ torch.diag(eigenvalues.clamp(min=0).sqrt()) @ V.T

    root1 = sqrtm_psd(sigma1)
    cross = sqrtm_psd(root1 @ sigma2 @ root1)
    return (mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - cross.trace()
''',
        "uses the distance between the means, not its square": '''def frechet_distance(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (t.double() for t in (mu1, sigma1, mu2, sigma2))

    def sqrtm_psd(A):
        eigenvalues, V = torch.linalg.eigh(A)
        return V @ torch.diag(eigenvalues.clamp(min=0).sqrt()) @ V.T

    root1 = sqrtm_psd(sigma1)
    cross = sqrtm_psd(root1 @ sigma2 @ root1)
    return (mu1 - mu2).norm() + sigma1.trace() + sigma2.trace() - 2 * cross.trace()
''',
        "no clamp: nan from a singular covariance": '''def frechet_distance(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (t.double() for t in (mu1, sigma1, mu2, sigma2))

    def sqrtm_psd(A):
        eigenvalues, V = torch.linalg.eigh(A)
        return V @ torch.diag(eigenvalues.sqrt()) @ V.T

    root1 = sqrtm_psd(sigma1)
    cross = sqrtm_psd(root1 @ sigma2 @ root1)
    return (mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - 2 * cross.trace()
''',
    },
    "modes_covered": {
        "counts a point for every centre within reach, not only the nearest": '''def modes_covered(samples, centers, max_distance, min_count=1):
    distances = torch.cdist(samples.double(), centers.double())
    counts = (distances <= max_distance).sum(dim=0)
    return int((counts >= min_count).sum())
''',
        "ignores max_distance: every point counts for its nearest mode": '''def modes_covered(samples, centers, max_distance, min_count=1):
    nearest = torch.cdist(samples.double(), centers.double()).argmin(dim=1)
    counts = torch.bincount(nearest, minlength=centers.shape[0])
    return int((counts >= min_count).sum())
''',
        "strict inequalities: a point exactly at the radius, or a mode with exactly min_count, is missed": '''def modes_covered(samples, centers, max_distance, min_count=1):
    distances = torch.cdist(samples.double(), centers.double())
    nearest_distance, nearest = distances.min(dim=1)
    counts = torch.bincount(nearest[nearest_distance < max_distance], minlength=centers.shape[0])
    return int((counts > min_count).sum())
''',
        "returns the number of counted points instead of the number of modes": '''def modes_covered(samples, centers, max_distance, min_count=1):
    distances = torch.cdist(samples.double(), centers.double())
    nearest_distance, nearest = distances.min(dim=1)
    counts = torch.bincount(nearest[nearest_distance <= max_distance], minlength=centers.shape[0])
    return int(counts[counts >= min_count].sum())
''',
    },
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "discriminator_loss": {
        "passes logits where probabilities belong: log of the raw logits": "the inputs are logits, not probabilities",
        "takes the log of a sigmoid: inf once the sigmoid rounds to 0": "the log of a sigmoid that rounded to 0",
        "swaps the labels: real as 0, fake as 1": "did you swap the labels",
        "averages real and fake together, wrong when the batches differ in size":
            "average each half over its own batch",
    },
    "generator_loss": {
        "the saturating (minimax) loss": "this is the minimax loss",
        "applies a sigmoid to the logits first: probabilities where logits belong":
            "a sigmoid applied to the logits first",
        "flips the sign: the generator helps the discriminator": "the sign is flipped",
        "log of a sigmoid: inf for very negative logits": "the log of a sigmoid that rounded to 0",
    },
    "frechet_distance": {
        "takes the square root elementwise": "not the square roots of the entries",
        "multiplies the two square roots: tr(sqrt(S1) sqrt(S2)), right only when they commute":
            "right only when the covariances commute",
        "forgets the factor 2 on the cross term": "the cross term needs its factor 2",
        "uses the distance between the means, not its square": "the formula takes its square",
        "no clamp: nan from a singular covariance": "clamp negative eigenvalues to 0",
    },
    "modes_covered": {
        "counts a point for every centre within reach, not only the nearest":
            "each point counts only for its nearest centre",
        "ignores max_distance: every point counts for its nearest mode": "only within max_distance",
        "strict inequalities: a point exactly at the radius, or a mode with exactly min_count, is missed":
            "min_count means at least",
        "returns the number of counted points instead of the number of modes": "not how many points count",
    },
}
