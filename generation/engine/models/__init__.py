"""Model kinds; importing this package registers each of them by name."""

from . import (  # noqa: F401  (each module registers its model kind)
    autoregressive,
    gan,  # Yelmen et al. 2021
    rbm,  # Yelmen et al. 2021
    wgan,  # Yelmen et al. 2023
)
