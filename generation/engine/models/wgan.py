"""The convolutional WGAN-GP of Yelmen et al. (2023) for long SNP windows.

References
----------
.. [1] Yelmen B, Decelle A, Boulos LL, Szatkownik A, Furtlehner C, Charpiat G, Jay F
   (2023). Deep convolutional and conditional neural networks for large-scale genomic
   data generation. PLOS Computational Biology 19(10): e1011584.
   https://doi.org/10.1371/journal.pcbi.1011584
.. [2] Gulrajani I, Ahmed F, Arjovsky M, Dumoulin V, Courville A (2017). Improved
   training of Wasserstein GANs. NeurIPS 2017 (gradient penalty).
.. [3] Lin Z, Khetan A, Fanti G, Oh S (2018). PacGAN: the power of two samples in
   generative adversarial networks. NeurIPS 2018 (packing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..base import (
    HaplotypeGenerator,
    Hyperparameters,
    PrivacyConfig,
    ProgressCallback,
    StopCheck,
    register,
)
from ._training import Checkpointer, deadline_passed, generator, run_epochs, seeded_init
from .wgan_networks import ConvCritic, ConvGenerator, n_stages, padded_length

# Sampling runs the generator on slices of this many haplotypes to bound memory.
_SAMPLE_CHUNK = 512


@dataclass(frozen=True)
class WGANParams(Hyperparameters):
    """Hyperparameters of :class:`WGANGenerator`, defaults as published.

    Source: the authors' ``WGAN/main_WGAN.py`` and ``WGAN/models_65K.py``
    (gitlab.inria.fr/ml_genetics/public/artificial_genomes, as copied into
    Shaked35/Genome-AC-GAN): channel multiplier 10, 2 noise channels per block, packing
    3, 10 critic updates per generator update, Adam(lr 5e-4, betas 0.5/0.9) for both
    networks, gradient penalty 10, LeakyReLU slope 0.01, real-score noise U(0, 0.1),
    batch size 16, 10001 epochs, and a latent length of 4 (``(n_padded + 1) /
    2**depth`` with 16383 padded SNPs and depth 12).
    """

    epochs: int = field(
        default=10_001,
        metadata={
            "help": "Passes over the training haplotypes (in critic minibatches).",
            "min": 1,
            "max": 1_000_000,
        },
    )
    batch_size: int = field(
        default=16,
        metadata={"help": "Haplotypes per minibatch, per packed slot.", "min": 1, "max": 10_000},
    )
    channels: int = field(
        default=10,
        metadata={
            "help": "Channel multiplier: every layer's width is a multiple of it (cost grows with its square).",
            "min": 1,
            "max": 64,
        },
    )
    noise_dim: int = field(
        default=2,
        metadata={
            "help": "Noise channels injected before each upsampling block.",
            "min": 1,
            "max": 64,
        },
    )
    latent_length: int = field(
        default=4,
        metadata={
            "help": "Length of the generator's input noise; the output is 4**k * latent_length - 1 SNPs.",
            "min": 2,
            "max": 64,
        },
    )
    pack: int = field(
        default=3,
        metadata={
            "help": "Haplotypes the critic judges together (PacGAN packing).",
            "min": 1,
            "max": 16,
        },
    )
    critic_iterations: int = field(
        default=10,
        metadata={"help": "Critic updates per generator update.", "min": 1, "max": 100},
    )
    gradient_penalty: float = field(
        default=10.0,
        metadata={"help": "Weight of the WGAN-GP gradient penalty.", "min": 0.0, "max": 1000.0},
    )
    generator_learning_rate: float = field(
        default=5e-4,
        metadata={"help": "Adam learning rate of the generator.", "min": 1e-7, "max": 1.0},
    )
    critic_learning_rate: float = field(
        default=5e-4,
        metadata={"help": "Adam learning rate of the critic.", "min": 1e-7, "max": 1.0},
    )
    beta1: float = field(
        default=0.5,
        metadata={"help": "Adam beta1 of both networks.", "min": 0.0, "max": 0.999},
    )
    beta2: float = field(
        default=0.9,
        metadata={"help": "Adam beta2 of both networks.", "min": 0.0, "max": 0.9999},
    )
    leaky_relu_slope: float = field(
        default=0.01,
        metadata={"help": "Negative slope of the LeakyReLU activations.", "min": 0.0, "max": 1.0},
    )
    label_noise: float = field(
        default=0.1,
        metadata={
            "help": "The critic's real score is weighted 1 - U(0, label_noise).",
            "min": 0.0,
            "max": 0.5,
        },
    )


@register
class WGANGenerator(HaplotypeGenerator):
    """Convolutional Wasserstein GAN with gradient penalty (Yelmen et al. 2023).

    Notes
    -----
    The generator starts from ``noise_dim`` channels of Gaussian noise of length
    ``latent_length`` and quadruples the length in each of ``k`` stages (two stride-2
    transposed convolutions each), giving ``4**k * latent_length - 1`` positions; before
    each stage it receives fresh noise channels and a trainable location-specific row,
    residual blocks follow every other stage, and a final convolution with a sigmoid
    gives each SNP's alternate-allele probability. The critic mirrors it with strided
    convolutions and instance normalisation and ends in a linear score. It judges
    ``pack`` haplotypes at once (PacGAN), which discourages mode collapse.

    The published networks have fixed depths (7 stages for 65,535 SNPs; 10K-SNP windows
    zero-padded to 16,383). Here the depth follows the window: the smallest ``k`` (at
    least 2) whose length covers the SNPs. Real haplotypes are zero-padded to that
    length; generated ones are masked to zero there before the critic sees them and
    cropped when sampled, so a 200-SNP test window and a 65K window use the same code.

    One addition to the published generator: a per-SNP offset on the output logits,
    started at the training allele log-odds (as the RBM's visible biases are, after
    Hinton's practical guide), so
    that short CPU schedules begin from the right allele frequencies and spend their
    time on haplotype structure. The published generator has to discover the
    frequencies through the critic, which takes thousands of epochs.

    Training (the authors' loop): per generator update, ``critic_iterations`` critic
    updates on fresh minibatches, loss ``mean C(fake) - (1 - u) mean C(real) +
    penalty * GP`` with ``u ~ U(0, label_noise)``; the generator minimises
    ``-mean C(fake)``. An epoch is as many critic minibatches as the training set holds.
    Synthetic alleles are Bernoulli draws from the sigmoid outputs (the authors
    rounded them).

    Not differentially private: BatchNorm mixes records within a batch and the gradient
    penalty needs per-record second derivatives, which DP-SGD in Opacus does not support.
    """

    name = "wgan"
    description = "Convolutional WGAN-GP for long SNP windows (Yelmen et al. 2023)."
    Params = WGANParams

    def __init__(
        self, params: Hyperparameters | dict[str, Any] | None = None, *, seed: int = 0
    ) -> None:
        super().__init__(params, seed=seed)
        self.generator_: ConvGenerator | None = None
        self.critic_: ConvCritic | None = None

    # -- training ---------------------------------------------------------------------
    def _fit(
        self,
        haplotypes: np.ndarray,
        populations: list[str] | None,
        *,
        privacy: PrivacyConfig | None,
        progress: ProgressCallback,
        should_stop: StopCheck,
        deadline: float | None,
        checkpoint_path: Path | None,
    ) -> None:
        p: WGANParams = self.params  # type: ignore[assignment]
        n_haplotypes, n_variants = haplotypes.shape
        self._build(n_variants)
        assert self.generator_ is not None and self.critic_ is not None
        rng = generator(self.seed)
        checkpointer = Checkpointer(self, checkpoint_path)
        first_epoch = 0
        resumed = checkpointer.load()  # rebuilds the networks when it restores them
        generator_opt, critic_opt = self._optimisers()
        if resumed is not None:
            first_epoch = resumed["epoch"]
            generator_opt.load_state_dict(resumed["generator_optimizer"])
            critic_opt.load_state_dict(resumed["critic_optimizer"])
            rng.set_state(resumed["rng"])
        gen, critic = self.generator_, self.critic_
        assert gen is not None and critic is not None

        length = padded_length(self._stages(n_variants), p.latent_length)
        data = torch.zeros(n_haplotypes, length)  # zero-padded windows
        data[:, :n_variants] = torch.from_numpy(haplotypes).float()
        mask = torch.zeros(length)
        mask[:n_variants] = 1.0
        if resumed is None:
            frequencies = data[:, :n_variants].mean(0).clamp(1e-3, 1 - 1e-3)
            with torch.no_grad():
                gen.output_bias[0, 0, :n_variants] = torch.log(frequencies / (1 - frequencies))
        batch_size = min(p.batch_size, n_haplotypes)
        critic_steps_per_epoch = max(1, math.ceil(n_haplotypes / batch_size))
        generator_steps_per_epoch = max(1, math.ceil(critic_steps_per_epoch / p.critic_iterations))

        def fakes(count: int) -> torch.Tensor:
            latent, noises = self._noise(count, rng)
            return torch.sigmoid(gen(latent, noises)) * mask  # (count, 1, L)

        def real_pack() -> torch.Tensor:
            # Each slot of the pack is its own random minibatch, as in the authors' loop.
            slots = [
                data[torch.randperm(n_haplotypes, generator=rng)[:batch_size]]
                for _ in range(p.pack)
            ]
            return torch.stack(slots, 1)  # (B, pack, L)

        def critic_step() -> tuple[float, float]:
            real = real_pack()
            with torch.no_grad():
                fake = fakes(batch_size * p.pack).view(batch_size, p.pack, length)
            critic_opt.zero_grad(set_to_none=True)
            score_real, score_fake = critic(real).mean(), critic(fake).mean()
            weight = 1 - float(torch.rand(1, generator=rng)) * p.label_noise
            loss = (
                score_fake
                - weight * score_real
                + p.gradient_penalty * self._gradient_penalty(real, fake, rng)
            )
            loss.backward()
            critic_opt.step()
            return float(loss.detach()), float((score_real - score_fake).detach())

        def generator_step() -> float:
            for parameter in critic.parameters():
                parameter.requires_grad_(False)
            generator_opt.zero_grad(set_to_none=True)
            loss = -critic(fakes(batch_size * p.pack).view(batch_size, p.pack, length)).mean()
            loss.backward()
            generator_opt.step()
            for parameter in critic.parameters():
                parameter.requires_grad_(True)
            return float(loss.detach())

        def train_one_epoch(epoch: int) -> dict[str, float]:
            gen.train()
            critic_total = distance_total = generator_total = 0.0
            critic_count = generator_count = 0
            for _ in range(generator_steps_per_epoch):
                if deadline_passed(deadline):
                    break
                for _ in range(p.critic_iterations):
                    loss, distance = critic_step()
                    critic_total += loss
                    distance_total += distance
                    critic_count += 1
                generator_total += generator_step()
                generator_count += 1
            return {
                "critic_loss": critic_total / max(critic_count, 1),
                "wasserstein_estimate": distance_total / max(critic_count, 1),
                "generator_loss": generator_total / max(generator_count, 1),
            }

        def save(epochs_done: int) -> None:
            checkpointer.save(
                epoch=epochs_done,
                generator_optimizer=generator_opt.state_dict(),
                critic_optimizer=critic_opt.state_dict(),
                rng=rng.get_state(),
            )

        run_epochs(
            first_epoch=first_epoch,
            epochs=p.epochs,
            train_one_epoch=train_one_epoch,
            save=save,
            progress=progress,
            should_stop=should_stop,
            deadline=deadline,
            checkpoint_every=5,
        )
        gen.eval()

    def _stages(self, n_variants: int) -> int:
        return n_stages(n_variants, self.params.latent_length)  # type: ignore[attr-defined]

    def _build(self, n_variants: int) -> None:
        stages = self._stages(n_variants)
        with seeded_init(self.seed):
            p: WGANParams = self.params  # type: ignore[assignment]
            self.generator_ = ConvGenerator(
                stages,
                channels=p.channels,
                latent_length=p.latent_length,
                noise_dim=p.noise_dim,
                slope=p.leaky_relu_slope,
            )
            self.critic_ = ConvCritic(
                stages,
                channels=p.channels,
                latent_length=p.latent_length,
                pack=p.pack,
                slope=p.leaky_relu_slope,
            )

    def _optimisers(self) -> tuple[torch.optim.Adam, torch.optim.Adam]:
        p: WGANParams = self.params  # type: ignore[assignment]
        assert self.generator_ is not None and self.critic_ is not None
        betas = (p.beta1, p.beta2)
        return (
            torch.optim.Adam(
                self.generator_.parameters(), lr=p.generator_learning_rate, betas=betas
            ),
            torch.optim.Adam(self.critic_.parameters(), lr=p.critic_learning_rate, betas=betas),
        )

    def _noise(self, count: int, rng: torch.Generator) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The generator's input noise and the noise channels injected at each stage."""
        p: WGANParams = self.params  # type: ignore[assignment]
        assert self.generator_ is not None
        latent = torch.randn(count, p.noise_dim, p.latent_length, generator=rng)
        noises = [
            torch.randn(count, p.noise_dim, length, generator=rng)
            for length in self.generator_.noise_lengths
        ]
        return latent, noises

    def _gradient_penalty(
        self, real: torch.Tensor, fake: torch.Tensor, rng: torch.Generator
    ) -> torch.Tensor:
        """Gulrajani et al.'s penalty on points between real and generated packs."""
        assert self.critic_ is not None
        alpha = torch.rand(real.shape[0], 1, 1, generator=rng)
        between = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        scores = self.critic_(between)
        (gradient,) = torch.autograd.grad(scores.sum(), between, create_graph=True)
        return ((gradient.flatten(1).norm(2, dim=1) - 1) ** 2).mean()

    # -- sampling and state -----------------------------------------------------------
    def _sample(self, n: int, *, population: str | None, seed: int) -> np.ndarray:
        assert self.generator_ is not None and self.n_variants_ is not None
        rng = generator(seed)
        self.generator_.eval()
        out = np.empty((n, self.n_variants_), dtype=np.uint8)
        with torch.no_grad():
            for begin in range(0, n, _SAMPLE_CHUNK):
                size = min(_SAMPLE_CHUNK, n - begin)
                latent, noises = self._noise(size, rng)
                probabilities = torch.sigmoid(self.generator_(latent, noises))[
                    :, 0, : self.n_variants_
                ]
                out[begin : begin + size] = (
                    torch.bernoulli(probabilities, generator=rng).numpy().astype(np.uint8)
                )
        return out

    def _state(self) -> dict[str, Any]:
        assert self.generator_ is not None and self.critic_ is not None
        return {"generator": self.generator_.state_dict(), "critic": self.critic_.state_dict()}

    def _load_state(self, state: dict[str, Any]) -> None:
        assert self.n_variants_ is not None
        self._build(self.n_variants_)
        assert self.generator_ is not None and self.critic_ is not None
        self.generator_.load_state_dict(state["generator"])
        self.critic_.load_state_dict(state["critic"])
        self.generator_.eval()
