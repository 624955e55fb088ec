"""The fully connected GAN of Yelmen et al. (2021), with optional DP-SGD (Opacus).

References
----------
.. [1] Yelmen B, Decelle A, Ongaro L, Marnetto D, Tallec C, Montinaro F, Furtlehner C,
   Pagani L, Jay F (2021). Creating artificial human genomes using generative neural
   networks. PLOS Genetics 17(2): e1009303. https://doi.org/10.1371/journal.pgen.1009303
.. [2] Abadi M, Chu A, Goodfellow I, McMahan HB, Mironov I, Talwar K, Zhang L (2016).
   Deep learning with differential privacy. ACM CCS 2016 (DP-SGD).
.. [3] Xie L, Lin K, Wang S, Wang F, Zhou J (2018). Differentially private generative
   adversarial network. arXiv:1802.06739 (privatising only the discriminator).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..base import (
    EngineError,
    HaplotypeGenerator,
    Hyperparameters,
    PrivacyConfig,
    ProgressCallback,
    StopCheck,
    register,
)
from ._dp import IndividualDPSGD, quiet_opacus
from ._training import Checkpointer, generator, run_epochs, seeded_init


@dataclass(frozen=True)
class GANParams(Hyperparameters):
    """Hyperparameters of :class:`GANGenerator`, defaults as published.

    Source: the authors' script ``GAN_AGs/GAN_AGs.py`` (gitlab.inria.fr/ml_genetics/
    public/artificial_genomes; the same values are kept by public ports such as
    priyansh-26/PrivacyProtectedArtificialGenomes ``modules/constants/training.py``):
    latent size 600, LeakyReLU slope 0.01, generator learning rate 1e-4,
    discriminator learning rate 8e-4, batch size 32, L2 1e-4 on the hidden layers,
    real labels ``1 - U(0, 0.1)`` and real inputs blurred by ``U(0, 0.1)``. The released
    805-SNP genomes were generated at epoch 20000 (``805_SNP_GAN_AG_20000epochs.hapt``).
    """

    epochs: int = field(
        default=20_000,
        metadata={
            "help": "Passes over the training haplotypes (20000 for the paper's 805-SNP genomes).",
            "min": 1,
            "max": 1_000_000,
        },
    )
    latent_size: int = field(
        default=600,
        metadata={
            "help": "Length of the Gaussian noise vector fed to the generator.",
            "min": 1,
            "max": 100_000,
        },
    )
    batch_size: int = field(
        default=32,
        metadata={
            "help": "Haplotypes per minibatch (with privacy: expected haplotypes, two per sampled individual).",
            "min": 2,
            "max": 100_000,
        },
    )
    generator_learning_rate: float = field(
        default=1e-4,
        metadata={"help": "Adam learning rate of the generator.", "min": 1e-7, "max": 1.0},
    )
    discriminator_learning_rate: float = field(
        default=8e-4,
        metadata={"help": "Adam learning rate of the discriminator.", "min": 1e-7, "max": 1.0},
    )
    leaky_relu_slope: float = field(
        default=0.01,
        metadata={"help": "Negative slope of the LeakyReLU activations.", "min": 0.0, "max": 1.0},
    )
    l2: float = field(
        default=1e-4,
        metadata={
            "help": "L2 penalty on the hidden layers' weights (Keras l2).",
            "min": 0.0,
            "max": 1.0,
        },
    )
    label_noise: float = field(
        default=0.1,
        metadata={
            "help": "Real labels are 1 - U(0, label_noise) (one-sided label smoothing).",
            "min": 0.0,
            "max": 0.5,
        },
    )
    input_noise: float = field(
        default=0.1,
        metadata={
            "help": "Real alleles are moved U(0, input_noise) towards the other allele.",
            "min": 0.0,
            "max": 0.5,
        },
    )


def _generator_network(n_variants: int, p: GANParams) -> nn.Sequential:
    """latent -> n//1.2 -> n//1.1 -> n logits (the paper's generator)."""
    hidden1, hidden2 = max(1, int(n_variants // 1.2)), max(1, int(n_variants // 1.1))
    return nn.Sequential(
        nn.Linear(p.latent_size, hidden1),
        nn.LeakyReLU(p.leaky_relu_slope),
        nn.Linear(hidden1, hidden2),
        nn.LeakyReLU(p.leaky_relu_slope),
        nn.Linear(hidden2, n_variants),
    )


def _discriminator_network(n_variants: int, p: GANParams) -> nn.Sequential:
    """n -> n//2 -> n//3 -> 1 logit (the paper's discriminator); acts on the last axis."""
    hidden1, hidden2 = max(1, n_variants // 2), max(1, n_variants // 3)
    return nn.Sequential(
        nn.Linear(n_variants, hidden1),
        nn.LeakyReLU(p.leaky_relu_slope),
        nn.Linear(hidden1, hidden2),
        nn.LeakyReLU(p.leaky_relu_slope),
        nn.Linear(hidden2, 1),
    )


def _adam(network: nn.Sequential, learning_rate: float, l2: float) -> torch.optim.Adam:
    """Adam with the paper's L2 on the hidden layers' kernels only.

    Keras' ``l2(l)`` adds ``l * sum(W**2)`` to the loss, i.e. ``2 * l * W`` to the
    gradient, which is Adam's coupled ``weight_decay``. Under DP-SGD the decay is added
    after clipping and noise: it does not depend on the data, so privacy is unaffected.
    """
    linears = [m for m in network if isinstance(m, nn.Linear)]
    decayed = [layer.weight for layer in linears[:-1]]
    plain = [q for q in network.parameters() if all(q is not d for d in decayed)]
    return torch.optim.Adam(
        [{"params": decayed, "weight_decay": 2 * l2}, {"params": plain, "weight_decay": 0.0}],
        lr=learning_rate,
    )


@register
class GANGenerator(HaplotypeGenerator):
    """Fully connected GAN (Yelmen et al. 2021); DP-SGD on the discriminator when asked.

    Notes
    -----
    The generator maps 600 Gaussian numbers through two LeakyReLU layers of
    ``n_variants // 1.2`` and ``n_variants // 1.1`` units to one output per SNP; the
    discriminator has LeakyReLU layers of ``n_variants // 2`` and ``n_variants // 3``
    units and one sigmoid output. Both use Adam; each minibatch gives one discriminator
    update (real and generated haplotypes) and one generator update.

    Two departures from the published Keras script, both needed to sample by Bernoulli
    draws: the generator's output layer is a sigmoid (probabilities of the alternate
    allele) instead of ``tanh`` followed by rounding, and the real-input blur moves each
    allele towards the other one (0 -> U(0, 0.1), 1 -> 1 - U(0, 0.1)) instead of
    subtracting U(0, 0.1), which would leave real zeros outside the sigmoid's range and
    let the discriminator spot fakes by sign. The script also updates the discriminator
    twice per minibatch (real, then fake); here it takes one step on both, which is what
    DP-SGD needs (one noisy step per sampled batch).

    Differential privacy (``fit(..., privacy=PrivacyConfig(...))``): only the
    discriminator reads training data, so only it is trained with DP-SGD (Opacus,
    Poisson sampling, per-record clipping, Gaussian noise, RDP accountant). The
    generator learns from the discriminator's already privatised parameters, and what it
    produces is post-processing, so the guarantee covers the released genomes [3]_. The
    privacy unit is the individual: one DP record is an individual's two haplotypes
    (rows ``2i`` and ``2i + 1``), paired with two generated haplotypes, and its loss sums
    over all four. The noise is calibrated for ``epochs`` passes; training stops there
    (or earlier at the deadline, spending less).
    """

    name = "gan"
    description = "Fully connected GAN (Yelmen et al. 2021); optional DP-SGD on the discriminator."
    Params = GANParams
    supports_dp = True

    def __init__(
        self, params: Hyperparameters | dict[str, Any] | None = None, *, seed: int = 0
    ) -> None:
        super().__init__(params, seed=seed)
        self.generator_: nn.Sequential | None = None
        self.discriminator_: nn.Sequential | None = None

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
        p: GANParams = self.params  # type: ignore[assignment]
        n_haplotypes, n_variants = haplotypes.shape
        with seeded_init(self.seed):
            self.generator_ = _generator_network(n_variants, p)
            self.discriminator_ = _discriminator_network(n_variants, p)
        generator_opt = _adam(self.generator_, p.generator_learning_rate, p.l2)
        adam_d = _adam(self.discriminator_, p.discriminator_learning_rate, p.l2)
        rng = generator(self.seed)

        checkpointer = Checkpointer(self, checkpoint_path)
        first_epoch = 0
        resumed = checkpointer.load()
        if resumed is not None:
            _check_same_privacy(resumed, privacy, checkpoint_path)
            first_epoch = resumed["epoch"]
            # _restore rebuilt the networks; the optimisers must follow the new objects.
            assert self.generator_ is not None and self.discriminator_ is not None
            generator_opt = _adam(self.generator_, p.generator_learning_rate, p.l2)
            adam_d = _adam(self.discriminator_, p.discriminator_learning_rate, p.l2)
            generator_opt.load_state_dict(resumed["generator_optimizer"])
            adam_d.load_state_dict(resumed["discriminator_optimizer"])
            rng.set_state(resumed["rng"])

        data = torch.from_numpy(haplotypes).float()  # (n_haplotypes, n_variants)
        if privacy is None:
            batches, discriminator, discriminator_opt = (
                self._plain_batches(data, p, rng),
                self.discriminator_,
                adam_d,
            )
            private = None
        else:
            private = IndividualDPSGD(
                module=self.discriminator_,
                optimizer=adam_d,
                haplotypes=data,
                individuals_per_batch=max(1, p.batch_size // 2),
                epochs=p.epochs,
                privacy=privacy,
                seed=self.seed,
                resumed=resumed,
            )
            batches, discriminator, discriminator_opt = (
                private.batches,
                private.module,
                private.optimizer,
            )

        step = _AdversarialStep(
            self.generator_, discriminator, generator_opt, discriminator_opt, p, rng, private
        )

        def train_one_epoch(epoch: int) -> dict[str, float]:
            d_total = g_total = 0.0
            count = 0
            for real in batches():
                d_total += step.discriminator(real)
                g_total += step.generator(p.batch_size)
                count += 1
            return {
                "discriminator_loss": d_total / max(count, 1),
                "generator_loss": g_total / max(count, 1),
            }

        def save(epochs_done: int) -> None:
            extra: dict[str, Any] = {}
            if private is not None:
                self._record_privacy(private)
                extra = private.checkpoint()
            checkpointer.save(
                epoch=epochs_done,
                generator_optimizer=generator_opt.state_dict(),
                discriminator_optimizer=adam_d.state_dict(),
                rng=rng.get_state(),
                privacy=None if privacy is None else dataclasses.asdict(privacy),
                **extra,
            )

        run_epochs(
            first_epoch=first_epoch,
            epochs=p.epochs,
            train_one_epoch=train_one_epoch,
            save=save,
            progress=progress,
            should_stop=should_stop,
            deadline=deadline,
            epsilon=(lambda: None) if private is None else private.epsilon,
        )
        if private is not None:
            self._record_privacy(private)
            private.close()

    def _plain_batches(
        self, data: torch.Tensor, p: GANParams, rng: torch.Generator
    ) -> Callable[[], list[torch.Tensor]]:
        """Shuffled minibatches of single haplotypes, (B, 1, n_variants); the remainder
        is dropped, as in the published script."""
        n_haplotypes = data.shape[0]
        batch_size = min(p.batch_size, n_haplotypes)

        def batches() -> list[torch.Tensor]:
            order = torch.randperm(n_haplotypes, generator=rng)
            n_batches = max(1, n_haplotypes // batch_size)
            return [
                data[order[i * batch_size : (i + 1) * batch_size]].unsqueeze(1)
                for i in range(n_batches)
            ]

        return batches

    def _record_privacy(self, private: IndividualDPSGD) -> None:
        self.epsilon_spent_ = private.epsilon()
        self.delta_ = private.delta

    # -- sampling and state -----------------------------------------------------------
    def _sample(self, n: int, *, population: str | None, seed: int) -> np.ndarray:
        assert self.generator_ is not None
        p: GANParams = self.params  # type: ignore[assignment]
        rng = generator(seed)
        self.generator_.eval()
        with torch.no_grad():
            latent = torch.randn(n, p.latent_size, generator=rng)
            probabilities = torch.sigmoid(self.generator_(latent))  # (n, n_variants)
            alleles = torch.bernoulli(probabilities, generator=rng)
        return alleles.numpy().astype(np.uint8)

    def _state(self) -> dict[str, Any]:
        assert self.generator_ is not None and self.discriminator_ is not None
        return {
            "generator": self.generator_.state_dict(),
            "discriminator": self.discriminator_.state_dict(),
        }

    def _load_state(self, state: dict[str, Any]) -> None:
        assert self.n_variants_ is not None
        p: GANParams = self.params  # type: ignore[assignment]
        self.generator_ = _generator_network(self.n_variants_, p)
        self.discriminator_ = _discriminator_network(self.n_variants_, p)
        self.generator_.load_state_dict(state["generator"])
        self.discriminator_.load_state_dict(state["discriminator"])


class _AdversarialStep:
    """One discriminator update and one generator update, as in the paper's loop."""

    def __init__(
        self,
        generator_net: nn.Sequential,
        discriminator: nn.Module,
        generator_opt: torch.optim.Optimizer,
        discriminator_opt: torch.optim.Optimizer,
        p: GANParams,
        rng: torch.Generator,
        private: IndividualDPSGD | None,
    ) -> None:
        self.generator_net = generator_net
        self.discriminator_net = discriminator
        self.generator_opt = generator_opt
        self.discriminator_opt = discriminator_opt
        self.p = p
        self.rng = rng
        self.private = private

    @contextlib.contextmanager
    def _discriminator_frozen(self) -> Iterator[None]:
        if self.private is not None:
            with self.private.paused():
                yield
            return
        parameters = list(self.discriminator_net.parameters())
        for parameter in parameters:
            parameter.requires_grad_(False)
        try:
            yield
        finally:
            for parameter in parameters:
                parameter.requires_grad_(True)

    def _fake(self, count: int) -> torch.Tensor:
        latent = torch.randn(count, self.p.latent_size, generator=self.rng)
        return torch.sigmoid(self.generator_net(latent))  # (count, n_variants)

    def discriminator(self, real: torch.Tensor) -> float:
        """Update on ``real`` records (B, k, n_variants) and as many generated haplotypes.

        Each record's loss sums over its k real and k generated haplotypes, so under
        DP-SGD the per-record gradient that Opacus clips is the individual's.
        """
        p, rng = self.p, self.rng
        records, per_record, n_variants = real.shape
        self.discriminator_opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = self._fake(records * per_record).view(records, per_record, n_variants)
        blur = torch.rand(real.shape, generator=rng) * p.input_noise
        real_input = real + (1 - 2 * real) * blur
        logits = self.discriminator_net(torch.cat([real_input, fake], dim=1)).squeeze(-1)  # (B, 2k)
        real_labels = 1 - torch.rand(records, per_record, generator=rng) * p.label_noise
        labels = torch.cat([real_labels, torch.zeros(records, per_record)], dim=1)
        losses = F.binary_cross_entropy_with_logits(logits, labels, reduction="none").sum(1)  # (B,)
        loss = losses.sum() / max(records, 1)
        with quiet_opacus():
            loss.backward()
            self.discriminator_opt.step()
        return float(loss.detach()) / max(per_record, 1)

    def generator(self, count: int) -> float:
        """Update the generator to fool the (frozen) discriminator on ``count`` fakes."""
        with self._discriminator_frozen():
            self.generator_opt.zero_grad(set_to_none=True)
            logits = self.discriminator_net(self._fake(count).unsqueeze(1)).view(-1)
            loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
            loss.backward()
            self.generator_opt.step()
        return float(loss.detach())


def _check_same_privacy(
    resumed: dict[str, Any], privacy: PrivacyConfig | None, path: Path | None
) -> None:
    saved = resumed.get("privacy")
    wanted = None if privacy is None else dataclasses.asdict(privacy)
    if saved != wanted:
        raise EngineError(
            f"checkpoint {path} was trained with privacy settings {saved}, not {wanted}: "
            "resume with the same settings or delete it"
        )
