"""The restricted Boltzmann machine of Yelmen et al. (2021).

A Bernoulli-Bernoulli RBM: one binary visible unit per SNP, binary hidden units, no
connections inside a layer. Trained by contrastive divergence with centred gradients;
artificial haplotypes are drawn by block Gibbs sampling.

The defaults follow the authors' training script for the 805-SNP data ("Script Learning
Gene805", from gitlab.inria.fr/ml_genetics/public/artificial_genomes, as reproduced in the
public benchmark code of aehrc/genomator, ``code/bin/RBM_run.py``): 500 hidden units,
learning rate 0.01, no L2, minibatches of 500 drawn with replacement, 500 negative chains,
centred gradient updates [4]_, visible biases at the training log-odds, weights drawn with
standard deviation 1e-4, and *out-of-equilibrium* learning [5]_: every update's negative
chains start afresh from uniformly random haplotypes and run 50 Gibbs steps, and the
artificial genomes are drawn exactly that way (random start, 50 steps). A model trained
like this is a 50-step sampler, not an equilibrium one: its chains run much longer can
drift away from the data [5]_.

References
----------
.. [1] Yelmen B, Decelle A, Ongaro L, Marnetto D, Tallec C, Montinaro F, Furtlehner C,
   Pagani L, Jay F (2021). Creating artificial human genomes using generative neural
   networks. PLOS Genetics 17(2): e1009303. https://doi.org/10.1371/journal.pgen.1009303
.. [2] Tieleman T (2008). Training restricted Boltzmann machines using approximations to
   the likelihood gradient. ICML 2008 (persistent contrastive divergence).
.. [3] Hinton GE (2012). A practical guide to training restricted Boltzmann machines.
   In Neural Networks: Tricks of the Trade, LNCS 7700 (visible-bias initialisation).
.. [4] Melchior J, Fischer A, Wiskott L (2016). How to center deep Boltzmann machines.
   JMLR 17(99): 1-61 (centred gradient).
.. [5] Decelle A, Furtlehner C, Seoane B (2021). Equilibrium and non-equilibrium regimes
   in the learning of restricted Boltzmann machines. NeurIPS 2021.
"""

from __future__ import annotations

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
from ._training import Checkpointer, generator, run_epochs, seeded_init

# Sampling runs the chains in slices of this many haplotypes to bound memory.
_SAMPLE_CHUNK = 8192
# Standard deviation of the initial weights (the authors' var_init).
_WEIGHT_INIT_STD = 1e-4


@dataclass(frozen=True)
class RBMParams(Hyperparameters):
    """Hyperparameters of :class:`RBMGenerator`.

    Defaults for the 805-SNP data of Yelmen et al. (2021), from the authors' training
    script (see the module docstring): 500 hidden units, learning rate 0.01, no L2,
    minibatches of 500, 50 Gibbs steps per update from random chains, centred gradients.
    800 epochs is the epoch of the released 805-SNP RBM genomes
    (``RBM_AGs/805_SNP_RBM_AG_800Epochs.hapt`` in the same repository).
    """

    epochs: int = field(
        default=800,
        metadata={
            "help": "Passes over the training haplotypes (800 in the paper).",
            "min": 1,
            "max": 100_000,
        },
    )
    n_hidden: int = field(
        default=500,
        metadata={
            "help": "Number of binary hidden units (500 for 805 SNPs in the paper).",
            "min": 1,
            "max": 20_000,
        },
    )
    learning_rate: float = field(
        default=0.01,
        metadata={
            "help": "Step size of the contrastive-divergence updates.",
            "min": 1e-6,
            "max": 1.0,
        },
    )
    batch_size: int = field(
        default=500,
        metadata={
            "help": "Haplotypes per minibatch (and number of negative chains).",
            "min": 1,
            "max": 100_000,
        },
    )
    gibbs_steps: int = field(
        default=50,
        metadata={
            "help": "Gibbs steps per update (the k of CD-k / PCD-k).",
            "min": 1,
            "max": 10_000,
        },
    )
    chains: str = field(
        default="random",
        metadata={
            "help": (
                "Where each update's negative Gibbs chains start: 'random' (the paper's "
                "out-of-equilibrium learning: fresh uniformly random haplotypes, and "
                "samples drawn the same way with gibbs_steps steps), 'persistent' (PCD, "
                "kept between updates) or 'data' (CD, the minibatch)."
            ),
            "choices": ("random", "persistent", "data"),
        },
    )
    centered: bool = field(
        default=True,
        metadata={
            "help": (
                "Centred gradient updates (the authors' script): statistics taken around "
                "the minibatch means, a better-conditioned gradient (Melchior et al. 2016)."
            ),
        },
    )
    weight_decay: float = field(
        default=0.0,
        metadata={"help": "L2 penalty on the weights.", "min": 0.0, "max": 1.0},
    )
    sample_gibbs_steps: int = field(
        default=500,
        metadata={
            "help": (
                "Gibbs steps per synthetic haplotype for 'persistent' and 'data' chains "
                "(with 'random' chains sampling repeats training: gibbs_steps steps)."
            ),
            "min": 1,
            "max": 100_000,
        },
    )


@register
class RBMGenerator(HaplotypeGenerator):
    """Bernoulli restricted Boltzmann machine (Yelmen et al. 2021).

    Notes
    -----
    Energy :math:`E(v, h) = -a^T v - b^T h - v^T W h` with visible units ``v`` (one per
    SNP, 1 = alternate allele) and hidden units ``h``. Each update moves the parameters
    along the difference between data statistics (``v`` clamped, hidden probabilities)
    and model statistics estimated by ``gibbs_steps`` of block Gibbs sampling from
    random chains (the paper's out-of-equilibrium learning), persistent chains (PCD) or
    the minibatch itself (CD). With ``centered`` the statistics are taken around the
    minibatch means of ``v`` and ``h`` and the biases corrected accordingly [4]_.

    Visible biases start at the log-odds of the training allele frequencies [3]_, so the
    model reproduces allele frequencies from the first epoch and training spends its
    time on linkage and population structure.

    A synthetic haplotype is a Gibbs chain's visible layer, drawn from
    :math:`p(v \\mid h)` (Bernoulli) as the paper samples its artificial genomes. With
    random chains it starts from a uniformly random haplotype and runs ``gibbs_steps``
    steps, the procedure the model was trained to be; otherwise it starts from independent
    sites at the training frequencies and runs ``sample_gibbs_steps`` steps.

    For 10K-SNP windows the 2023 follow-up's script (TrainingGene10K.py) uses 2000
    hidden units, learning rate 0.001 and minibatches of 1252.
    """

    name = "rbm"
    description = "Restricted Boltzmann machine (Yelmen et al. 2021): binary units, contrastive divergence, Gibbs sampling."
    Params = RBMParams

    def __init__(
        self, params: Hyperparameters | dict[str, Any] | None = None, *, seed: int = 0
    ) -> None:
        super().__init__(params, seed=seed)
        self.weights_: torch.Tensor | None = None  # (n_variants, n_hidden)
        self.visible_bias_: torch.Tensor | None = None  # (n_variants,)
        self.hidden_bias_: torch.Tensor | None = None  # (n_hidden,)
        self.start_frequencies_: torch.Tensor | None = None  # (n_variants,) chain starts

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
        p: RBMParams = self.params  # type: ignore[assignment]
        data = torch.from_numpy(haplotypes).float()  # (n_haplotypes, n_variants)
        n_haplotypes, n_variants = data.shape
        batch_size = min(p.batch_size, n_haplotypes)
        rng = generator(self.seed)

        frequencies = data.mean(0).clamp(1e-3, 1 - 1e-3)
        self.start_frequencies_ = frequencies
        with seeded_init(self.seed):
            self.weights_ = _WEIGHT_INIT_STD * torch.randn(n_variants, p.n_hidden)
        self.visible_bias_ = torch.log(frequencies / (1 - frequencies))
        self.hidden_bias_ = torch.zeros(p.n_hidden)
        chains = self._chain_starts(batch_size, rng)

        checkpointer = Checkpointer(self, checkpoint_path)
        first_epoch = 0
        resumed = checkpointer.load()
        if resumed is not None:
            first_epoch = resumed["epoch"]
            chains = resumed["chains"]
            rng.set_state(resumed["rng"])

        # As the authors' script: ceil(n / batch) updates per epoch, each on a minibatch
        # drawn with replacement, so every update sees a full batch.
        updates_per_epoch = -(-n_haplotypes // batch_size)

        def train_one_epoch(epoch: int) -> dict[str, float]:
            nonlocal chains
            error = 0.0
            for _ in range(updates_per_epoch):
                visible = data[torch.randint(n_haplotypes, (batch_size,), generator=rng)]
                if p.chains == "data":
                    start = visible
                elif p.chains == "random":
                    start = self._chain_starts(batch_size, rng)
                else:
                    start = chains
                chains = self._gibbs(start, p.gibbs_steps, rng)
                error += self._update(visible, chains, p)
            return {"reconstruction_error": error / updates_per_epoch}

        def save(epochs_done: int) -> None:
            checkpointer.save(epoch=epochs_done, chains=chains, rng=rng.get_state())

        run_epochs(
            first_epoch=first_epoch,
            epochs=p.epochs,
            train_one_epoch=train_one_epoch,
            save=save,
            progress=progress,
            should_stop=should_stop,
            deadline=deadline,
        )

    def _update(self, visible: torch.Tensor, negative: torch.Tensor, p: RBMParams) -> float:
        """One contrastive-divergence step; returns the one-step reconstruction error.

        With ``p.centered`` the gradient is the centred one of Melchior et al. [4]_, in
        the form of the authors' script: the weight step uses statistics around the
        minibatch means of ``v`` and ``h``, and each bias step is corrected by the weight
        step times the other layer's mean.
        """
        assert (
            self.weights_ is not None
            and self.visible_bias_ is not None
            and self.hidden_bias_ is not None
        )
        hidden_data = self._hidden_probabilities(visible)  # (B, n_hidden)
        hidden_model = self._hidden_probabilities(negative)  # (C, n_hidden)
        visible_offset = visible.mean(0) if p.centered else torch.zeros(visible.shape[1])
        hidden_offset = hidden_data.mean(0) if p.centered else torch.zeros(hidden_data.shape[1])
        positive = (visible - visible_offset).T @ (hidden_data - hidden_offset) / visible.shape[0]
        negative_stats = (
            (negative - visible_offset).T @ (hidden_model - hidden_offset) / negative.shape[0]
        )  # (n_variants, n_hidden)
        weight_step = positive - negative_stats - p.weight_decay * self.weights_
        step = p.learning_rate
        self.weights_ += step * weight_step
        self.visible_bias_ += step * (
            visible.mean(0) - negative.mean(0) - weight_step @ hidden_offset
        )
        self.hidden_bias_ += step * (
            hidden_data.mean(0) - hidden_model.mean(0) - visible_offset @ weight_step
        )
        reconstruction = self._visible_probabilities(hidden_data)
        return float(((visible - reconstruction) ** 2).mean())

    def _hidden_probabilities(self, visible: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(visible @ self.weights_ + self.hidden_bias_)

    def _visible_probabilities(self, hidden: torch.Tensor) -> torch.Tensor:
        assert self.weights_ is not None
        return torch.sigmoid(hidden @ self.weights_.T + self.visible_bias_)

    def _chain_starts(self, count: int, rng: torch.Generator) -> torch.Tensor:
        """Where Gibbs chains start: uniformly random haplotypes for 'random' chains (the
        authors' script), else each SNP drawn independently at its training frequency."""
        assert self.start_frequencies_ is not None
        p: RBMParams = self.params  # type: ignore[assignment]
        if p.chains == "random":
            probabilities = torch.full_like(self.start_frequencies_, 0.5)
        else:
            probabilities = self.start_frequencies_
        return torch.bernoulli(probabilities.expand(count, -1), generator=rng)

    def _gibbs(self, visible: torch.Tensor, steps: int, rng: torch.Generator) -> torch.Tensor:
        """Run ``steps`` of block Gibbs sampling v -> h -> v; returns binary visibles."""
        for _ in range(steps):
            hidden = torch.bernoulli(self._hidden_probabilities(visible), generator=rng)
            visible = torch.bernoulli(self._visible_probabilities(hidden), generator=rng)
        return visible

    # -- sampling and state -----------------------------------------------------------
    def _sample(self, n: int, *, population: str | None, seed: int) -> np.ndarray:
        p: RBMParams = self.params  # type: ignore[assignment]
        assert self.visible_bias_ is not None
        rng = generator(seed)
        steps = p.gibbs_steps if p.chains == "random" else p.sample_gibbs_steps
        out = np.empty((n, self.visible_bias_.shape[0]), dtype=np.uint8)
        for begin in range(0, n, _SAMPLE_CHUNK):
            size = min(_SAMPLE_CHUNK, n - begin)
            visible = self._gibbs(self._chain_starts(size, rng), steps, rng)
            out[begin : begin + size] = visible.numpy().astype(np.uint8)
        return out

    def _state(self) -> dict[str, Any]:
        return {
            "weights": self.weights_,
            "visible_bias": self.visible_bias_,
            "hidden_bias": self.hidden_bias_,
            "start_frequencies": self.start_frequencies_,
        }

    def _load_state(self, state: dict[str, Any]) -> None:
        self.weights_ = state["weights"]
        self.visible_bias_ = state["visible_bias"]
        self.hidden_bias_ = state["hidden_bias"]
        self.start_frequencies_ = state["start_frequencies"]
