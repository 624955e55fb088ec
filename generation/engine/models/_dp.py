"""DP-SGD with Opacus where the privacy unit is the individual.

One DP record is one individual's two haplotypes (rows ``2i`` and ``2i + 1`` of the
haplotype matrix, see :mod:`generation.engine.genotypes`), so per-record clipping bounds
what any one person contributes to an update. Batches are drawn by Poisson sampling,
the noise multiplier is calibrated by ``make_private_with_epsilon`` for the planned
epochs, and the RDP accountant keeps the ledger (saved in checkpoints, so a resumed run
continues the same ledger).

References
----------
.. [1] Abadi M, Chu A, Goodfellow I, McMahan HB, Mironov I, Talwar K, Zhang L (2016).
   Deep learning with differential privacy. ACM CCS 2016.
.. [2] Mironov I (2017). Renyi differential privacy. IEEE CSF 2017.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from ..base import EngineError, PrivacyConfig
from ._training import generator


@contextlib.contextmanager
def quiet_opacus() -> Iterator[None]:
    """Silence two expected warnings: Opacus' hooks fire on a first layer whose inputs
    need no gradient, and the noise comes from a seeded (not secure) generator."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Full backward hook is firing", category=UserWarning
        )
        warnings.filterwarnings("ignore", message="Secure RNG turned off", category=UserWarning)
        yield


class IndividualDPSGD:
    """A module and its optimiser made private by Opacus, one record per individual.

    Parameters
    ----------
    module : torch.nn.Module
        The network that reads training data. Its per-record loss must sum over the
        record's haplotypes: inputs arrive as ``(batch, 2, n_variants)``.
    optimizer : torch.optim.Optimizer
        Its optimiser (data-independent extras such as weight decay are added after the
        noise, which is post-processing).
    haplotypes : torch.Tensor, float, shape (2 * n_individuals, n_variants)
    individuals_per_batch : int
        Expected batch size; the sampling rate is ``1 / ceil(n / individuals_per_batch)``.
    epochs : int
        Planned epochs, the horizon the noise is calibrated for.
    privacy : PrivacyConfig
    seed : int
        Seeds the Poisson sampler and the noise (``seed + 1`` and ``seed + 2``).
    resumed : dict, optional
        A checkpoint written with :meth:`checkpoint`: continues its ledger and generators.

    Raises
    ------
    EngineError
        For what cannot be made private: an odd number of haplotype rows, fewer than two
        individuals, layers Opacus cannot compute per-record gradients for, a budget the
        planned epochs cannot meet, or a checkpoint trained with another noise level.
    """

    def __init__(
        self,
        *,
        module: nn.Module,
        optimizer: torch.optim.Optimizer,
        haplotypes: torch.Tensor,
        individuals_per_batch: int,
        epochs: int,
        privacy: PrivacyConfig,
        seed: int,
        resumed: dict[str, Any] | None = None,
    ) -> None:
        from opacus import PrivacyEngine
        from opacus.validators import ModuleValidator
        from torch.utils.data import DataLoader, TensorDataset

        n_haplotypes, n_variants = haplotypes.shape
        if n_haplotypes % 2:
            raise EngineError(
                "differential privacy protects individuals, two haplotypes each: expected an "
                f"even number of haplotype rows (2i, 2i+1 per individual); found {n_haplotypes}"
            )
        n_individuals = n_haplotypes // 2
        if n_individuals < 2:
            raise EngineError(
                f"differential privacy needs at least 2 individuals; found {n_individuals}"
            )
        problems = ModuleValidator.validate(module, strict=False)
        if problems:
            raise EngineError(
                "this network cannot be trained with DP-SGD: " + "; ".join(map(str, problems))
            )
        self.delta = privacy.delta_for(n_individuals)
        self.loader_rng = generator(seed + 1)
        self.noise_rng = generator(seed + 2)
        if resumed is not None:
            self.loader_rng.set_state(resumed["loader_rng"])
            self.noise_rng.set_state(resumed["noise_rng"])
        records = haplotypes.reshape(n_individuals, 2, n_variants)
        loader = DataLoader(
            TensorDataset(records), batch_size=individuals_per_batch, generator=self.loader_rng
        )
        self._rdp_per_step: dict[tuple[float, float], np.ndarray] = {}
        with quiet_opacus():
            self.engine = PrivacyEngine(accountant="rdp")
        try:
            with quiet_opacus():
                self.module, self.optimizer, self.loader = self.engine.make_private_with_epsilon(
                    module=module,
                    optimizer=optimizer,
                    data_loader=loader,
                    target_epsilon=privacy.target_epsilon,
                    target_delta=self.delta,
                    epochs=epochs,
                    max_grad_norm=privacy.max_grad_norm,
                    poisson_sampling=True,
                    noise_generator=self.noise_rng,
                )
        except ValueError as error:
            raise EngineError(
                f"cannot reach target_epsilon={privacy.target_epsilon} at "
                f"delta={self.delta:.3g} over {epochs} epochs of {len(loader)} batches: "
                f"{error} Raise target_epsilon or lower epochs."
            ) from None
        if resumed is not None:
            if resumed.get("noise_multiplier") != self.optimizer.noise_multiplier:
                raise EngineError(
                    "the checkpoint was trained with another noise multiplier; delete it to restart"
                )
            self.engine.accountant.load_state_dict(resumed["accountant"])

    def batches(self) -> list[torch.Tensor]:
        """One epoch of Poisson-sampled batches of individuals, (B, 2, n_variants)."""
        return [batch for (batch,) in self.loader]

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Run the module on data-independent inputs (e.g. a generator's update through
        a discriminator) without per-record gradients and without touching its weights."""
        parameters = [q for q in self.module.parameters() if q.requires_grad]
        for parameter in parameters:
            parameter.requires_grad_(False)
        self.module.disable_hooks()
        try:
            yield
        finally:
            for parameter in parameters:
                parameter.requires_grad_(True)
            self.module.enable_hooks()

    def epsilon(self) -> float:
        """Epsilon spent so far at ``delta``, as Opacus' RDP accountant computes it.

        RDP composes additively over identical steps, so the per-step RDP curve is
        computed once and scaled by the step count; the accountant's own
        ``get_epsilon`` recomputes it on every call (about half a second each).
        """
        from opacus.accountants.analysis import rdp as rdp_analysis

        history = self.engine.accountant.history
        if not history:
            return 0.0
        orders = self.engine.accountant.DEFAULT_ALPHAS
        total = np.zeros(len(orders))
        for noise_multiplier, sample_rate, steps in history:
            key = (noise_multiplier, sample_rate)
            if key not in self._rdp_per_step:
                self._rdp_per_step[key] = np.asarray(
                    rdp_analysis.compute_rdp(
                        q=sample_rate, noise_multiplier=noise_multiplier, steps=1, orders=orders
                    )
                )
            total = total + steps * self._rdp_per_step[key]
        epsilon, _ = rdp_analysis.get_privacy_spent(orders=orders, rdp=total, delta=self.delta)
        return float(epsilon)

    def checkpoint(self) -> dict[str, Any]:
        """What a resumed run needs to continue the same ledger and random streams."""
        return {
            "accountant": self.engine.accountant.state_dict(),
            "noise_multiplier": self.optimizer.noise_multiplier,
            "loader_rng": self.loader_rng.get_state(),
            "noise_rng": self.noise_rng.get_state(),
        }

    def close(self) -> None:
        """Remove Opacus' hooks from the module."""
        self.module._close()
