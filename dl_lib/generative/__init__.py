"""Generative models: autoencoders and VAEs (chapter 17), GANs and the Fréchet distance (chapter 18)."""

from dl_lib.generative.autoencoder import VAE, Autoencoder, corrupt, reconstruction_error, train_vae
from dl_lib.generative.fid import feature_frechet_distance, frechet_distance, gaussian_statistics, sqrtm_psd
from dl_lib.generative.gan import (
    GENERATOR_LOSSES,
    discriminator_loss,
    gan_step,
    generator_loss,
    mode_counts,
    modes_covered,
    ring_of_gaussians,
)
from dl_lib.generative.vae import gaussian_kl, negative_elbo, reparameterize

__all__ = [
    # chapter 17: autoencoders and variational autoencoders
    "Autoencoder",
    "VAE",
    "corrupt",
    "gaussian_kl",
    "negative_elbo",
    "reconstruction_error",
    "reparameterize",
    "train_vae",
    # chapter 18: generative adversarial networks and the Fréchet distance
    "GENERATOR_LOSSES",
    "discriminator_loss",
    "feature_frechet_distance",
    "frechet_distance",
    "gan_step",
    "gaussian_statistics",
    "generator_loss",
    "mode_counts",
    "modes_covered",
    "ring_of_gaussians",
    "sqrtm_psd",
]
