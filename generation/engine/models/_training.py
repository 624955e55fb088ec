"""The epoch loop rules the paper's models share: stop, deadline, checkpoint, resume.

One place decides what ``should_stop``, ``deadline`` and ``checkpoint_path`` mean, so
the RBM, the GAN and the WGAN behave alike for the site and the CLI:

- ``should_stop()`` is asked before every epoch; when it says so the model saves a
  checkpoint and raises :class:`~generation.engine.base.TrainingCancelled`.
- Past ``deadline`` (a ``time.monotonic()`` value) training ends quietly and the model
  keeps what it has learnt.
- With ``checkpoint_path`` the model writes its state every few epochs and at the end;
  when the file exists at the start it resumes from it. A Celery worker that dies mid-run
  is restarted by the broker, finds the checkpoint and carries on.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

from ..base import (
    EngineError,
    HaplotypeGenerator,
    Progress,
    ProgressCallback,
    StopCheck,
    TrainingCancelled,
)


def deadline_passed(deadline: float | None) -> bool:
    """True when ``time.monotonic()`` has reached ``deadline``."""
    return deadline is not None and time.monotonic() >= deadline


@contextlib.contextmanager
def seeded_init(seed: int) -> Iterator[None]:
    """Seed PyTorch's global generator for layer initialisation, then restore it.

    ``nn.Linear`` and ``nn.Conv1d`` draw their initial weights from the global generator;
    forking it keeps a model reproducible from its own seed without disturbing the
    caller's random state.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def generator(seed: int) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with ``seed``."""
    return torch.Generator().manual_seed(seed)


class Checkpointer:
    """Writes and reads one model's training checkpoint (or does nothing without a path).

    Parameters
    ----------
    model : HaplotypeGenerator
        The model being fitted; its ``_checkpoint()`` supplies the saved state.
    path : pathlib.Path or None
        Where the checkpoint lives; ``None`` turns checkpointing off.
    """

    def __init__(self, model: HaplotypeGenerator, path: Path | None) -> None:
        self.model = model
        self.path = path
        self._started = time.monotonic()
        self._seconds_before = model.train_seconds_

    def load(self) -> dict[str, Any] | None:
        """The checkpoint written by an earlier run of the same model, or ``None``.

        Restores the model's weights and bookkeeping (via ``_restore``) and returns the
        whole checkpoint so the caller can restore its optimisers, generators and epoch.
        """
        if self.path is None or not self.path.exists():
            return None
        state = torch.load(self.path, map_location="cpu", weights_only=False)
        model = self.model
        if state.get("model") != model.name:
            raise EngineError(
                f"checkpoint {self.path} belongs to model '{state.get('model')}', not "
                f"'{model.name}': delete it or choose another checkpoint path"
            )
        mine, theirs = model.params.to_dict(), dict(state.get("params") or {})
        differing = sorted(name for name in mine if mine[name] != theirs.get(name))
        if differing:
            raise EngineError(
                f"checkpoint {self.path} was written with different hyperparameters "
                f"({', '.join(differing)}): resume with the same settings or delete it"
            )
        if state.get("n_variants") != model.n_variants_ or state.get("seed") != model.seed:
            raise EngineError(
                f"checkpoint {self.path} was written for {state.get('n_variants')} SNPs "
                f"and seed {state.get('seed')}; this run has {model.n_variants_} SNPs and "
                f"seed {model.seed}"
            )
        # fit() adds this call's time to the restored total when _fit returns.
        model._restore(state)
        self._seconds_before = model.train_seconds_
        self._started = time.monotonic()
        return state

    def save(self, **extra: Any) -> None:
        """Write the checkpoint atomically (a worker killed mid-write keeps the old one)."""
        if self.path is None:
            return
        state = self.model._checkpoint(**extra)
        state["train_seconds"] = self._seconds_before + (time.monotonic() - self._started)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        torch.save(state, partial)
        os.replace(partial, self.path)


def run_epochs(
    *,
    first_epoch: int,
    epochs: int,
    train_one_epoch: Callable[[int], dict[str, float]],
    save: Callable[[int], None],
    progress: ProgressCallback,
    should_stop: StopCheck,
    deadline: float | None,
    epsilon: Callable[[], float | None] = lambda: None,
    checkpoint_every: int = 10,
    checkpoint_seconds: float = 300.0,
) -> int:
    """Run epochs ``first_epoch .. epochs - 1`` under the shared stop rules.

    Parameters
    ----------
    first_epoch : int
        Epochs already done (0, or the epoch stored in a checkpoint).
    epochs : int
        Planned number of epochs.
    train_one_epoch : callable
        ``train_one_epoch(epoch) -> metrics``; may return early past the deadline.
    save : callable
        ``save(epochs_done)`` writes a checkpoint (a no-op without a checkpoint path).
    progress, should_stop, deadline
        As passed to :meth:`HaplotypeGenerator._fit`.
    epsilon : callable
        Privacy spent so far, reported with each progress step (DP models).
    checkpoint_every, checkpoint_seconds
        Save every ``checkpoint_every`` epochs or once ``checkpoint_seconds`` have passed
        since the last save, whichever comes first, and always at the end.

    Returns
    -------
    int
        Epochs done when the loop ended.
    """
    epoch = first_epoch
    last_save = time.monotonic()
    while epoch < epochs:
        if should_stop():
            save(epoch)
            raise TrainingCancelled(f"training cancelled after {epoch} of {epochs} epochs")
        if deadline_passed(deadline):
            break
        metrics = train_one_epoch(epoch)
        epoch += 1
        progress(Progress(step=epoch, total_steps=epochs, metrics=metrics, epsilon=epsilon()))
        due = epoch % checkpoint_every == 0 or time.monotonic() - last_save >= checkpoint_seconds
        if due and epoch < epochs:
            save(epoch)
            last_save = time.monotonic()
    save(epoch)
    return epoch
