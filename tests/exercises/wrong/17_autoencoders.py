"""Realistic wrong answers to exercise 17_autoencoders; each must lose points under nbgrader autograde."""

WRONG = {
    "reparameterize": {
        "scales the noise by the variance instead of the standard deviation": '''def reparameterize(mu, logvar, eps):
    return mu + torch.exp(logvar) * eps
''',
        "treats logvar as the standard deviation": '''def reparameterize(mu, logvar, eps):
    return mu + logvar * eps
''',
        "forgets the exponential: half the log-variance as the standard deviation": '''def reparameterize(mu, logvar, eps):
    return mu + 0.5 * logvar * eps
''',
        "draws new noise instead of using eps": '''def reparameterize(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
''',
        "detaches the sample, so no gradient reaches the encoder": '''def reparameterize(mu, logvar, eps):
    with torch.no_grad():
        z = mu + torch.exp(0.5 * logvar) * eps
    return z
''',
        "detaches mu and logvar": '''def reparameterize(mu, logvar, eps):
    return mu.detach() + torch.exp(0.5 * logvar.detach()) * eps
''',
    },
    "gaussian_kl": {
        "the KL sign flipped": '''def gaussian_kl(mu, logvar):
    return 0.5 * (1.0 + logvar - mu.square() - torch.exp(logvar)).sum(dim=-1)
''',
        "a mean over the latent dimensions where a sum belongs": '''def gaussian_kl(mu, logvar):
    return 0.5 * (mu.square() + torch.exp(logvar) - logvar - 1.0).mean(dim=-1)
''',
        "sums over the batch too, returning one number": '''def gaussian_kl(mu, logvar):
    return 0.5 * (mu.square() + torch.exp(logvar) - logvar - 1.0).sum()
''',
        "uses logvar as the variance": '''def gaussian_kl(mu, logvar):
    var = logvar.abs() + 1e-8
    return 0.5 * (mu.square() + var - torch.log(var) - 1.0).sum(dim=-1)
''',
        "forgets the -1": '''def gaussian_kl(mu, logvar):
    return 0.5 * (mu.square() + torch.exp(logvar) - logvar).sum(dim=-1)
''',
        "forgets the factor 1/2": '''def gaussian_kl(mu, logvar):
    return (mu.square() + torch.exp(logvar) - logvar - 1.0).sum(dim=-1)
''',
        "sums over the batch dimension instead of the latent one": '''def gaussian_kl(mu, logvar):
    return 0.5 * (mu.square() + torch.exp(logvar) - logvar - 1.0).sum(dim=0)
''',
    },
    "negative_elbo": {
        "a mean over the pixels where a sum belongs": '''def negative_elbo(logits, x, mu, logvar, beta=1.0):
    reconstruction = F.binary_cross_entropy_with_logits(logits, x)
    return reconstruction + beta * gaussian_kl(mu, logvar).mean()
''',
        "probabilities passed where logits belong": '''def negative_elbo(logits, x, mu, logvar, beta=1.0):
    probs = torch.sigmoid(logits)
    reconstruction = F.binary_cross_entropy_with_logits(probs, x, reduction="none").sum(dim=1)
    return (reconstruction + beta * gaussian_kl(mu, logvar)).mean()
''',
        "sums over the batch instead of averaging": '''def negative_elbo(logits, x, mu, logvar, beta=1.0):
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    return reconstruction + beta * gaussian_kl(mu, logvar).sum()
''',
        "weights the reconstruction by beta instead of the KL term": '''def negative_elbo(logits, x, mu, logvar, beta=1.0):
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    return (beta * reconstruction + gaussian_kl(mu, logvar)).mean()
''',
        "forgets beta": '''def negative_elbo(logits, x, mu, logvar, beta=1.0):
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    return (reconstruction + gaussian_kl(mu, logvar)).mean()
''',
        "subtracts the KL term (the ELBO's sign mixed up)": '''def negative_elbo(logits, x, mu, logvar, beta=1.0):
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    return (reconstruction - beta * gaussian_kl(mu, logvar)).mean()
''',
        "swaps the target and the input of the cross-entropy": '''def negative_elbo(logits, x, mu, logvar, beta=1.0):
    reconstruction = F.binary_cross_entropy_with_logits(x, torch.sigmoid(logits), reduction="none").sum(dim=1)
    return (reconstruction + beta * gaussian_kl(mu, logvar)).mean()
''',
    },
}

# The phrase that the failing test's message shows the student for each wrong answer above.
HINTS = {
    "reparameterize": {
        "scales the noise by the variance instead of the standard deviation":
            "scale the noise by exp(0.5 * logvar)",
        "treats logvar as the standard deviation": "used logvar as the standard deviation",
        "forgets the exponential: half the log-variance as the standard deviation": "take its exponential",
        "draws new noise instead of using eps": "do not draw new noise",
        "detaches the sample, so no gradient reaches the encoder": "torch.no_grad()",
        "detaches mu and logvar": "do not detach them",
    },
    "gaussian_kl": {
        "the KL sign flipped": "the sign is flipped",
        "a mean over the latent dimensions where a sum belongs": "a mean over the latent dimensions",
        "sums over the batch too, returning one number": "the sum ran over the batch too",
        "uses logvar as the variance": "is logvar used as the variance",
        "forgets the -1": "the -1 inside the sum is missing",
        "forgets the factor 1/2": "the factor 1/2 is missing",
        "sums over the batch dimension instead of the latent one": "the sum ran over the batch (dim 0)",
    },
    "negative_elbo": {
        "a mean over the pixels where a sum belongs": "the mean over the 4 pixels",
        "probabilities passed where logits belong": "pass the logits themselves",
        "sums over the batch instead of averaging": "the mean over the batch, not the sum",
        "weights the reconstruction by beta instead of the KL term": "weight only the KL term by beta",
        "forgets beta": "beta = 2 had no effect",
        "subtracts the KL term (the ELBO's sign mixed up)": "the KL term was subtracted",
        "swaps the target and the input of the cross-entropy": "the input and the target are swapped",
    },
}
