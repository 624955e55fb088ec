"""The interface every haplotype generator shares, and the registry of model kinds.

Shaped like a scikit-learn estimator: hyperparameters are a frozen dataclass stored
untouched, ``fit(haplotypes) -> self``, learned state lives in attributes ending with
``_``, and a seed makes a run reproducible. The site, the CLI and the benchmark only
speak this interface, so they treat every model alike.
"""

from __future__ import annotations

import dataclasses
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .genotypes import check_haplotypes


class EngineError(ValueError):
    """A request the engine refuses: bad hyperparameters, unusable data, bad DP settings."""


class TrainingCancelled(Exception):
    """Raised inside ``fit`` when ``should_stop`` says so; the last checkpoint is kept."""


@dataclass(frozen=True)
class PrivacyConfig:
    """Differential privacy for DP-SGD training (Opacus).

    ``target_delta`` defaults (``None``) to ``1 / (10 * n_individuals)``, below 1/n as the
    usual guidance asks; privacy is per individual (both haplotypes of a person form one
    privacy unit).
    """

    target_epsilon: float
    target_delta: float | None = None
    max_grad_norm: float = 1.0

    def __post_init__(self) -> None:
        if not (self.target_epsilon > 0):
            raise EngineError(f"target_epsilon must be > 0; found {self.target_epsilon}")
        if self.target_delta is not None and not (0 < self.target_delta < 1):
            raise EngineError(f"target_delta must be in (0, 1); found {self.target_delta}")
        if not (self.max_grad_norm > 0):
            raise EngineError(f"max_grad_norm must be > 0; found {self.max_grad_norm}")

    def delta_for(self, n_individuals: int) -> float:
        return self.target_delta if self.target_delta is not None else 1.0 / (10 * n_individuals)


@dataclass
class Progress:
    """One progress report from ``fit``: shown live in the site and the CLI."""

    step: int
    total_steps: int
    metrics: dict[str, float] = field(default_factory=dict)
    epsilon: float | None = None

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0


ProgressCallback = Callable[[Progress], None]
StopCheck = Callable[[], bool]


TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})


@dataclass(frozen=True)
class Hyperparameters:
    """Base for each model's hyperparameters; subclasses add fields with defaults.

    Each field may carry ``metadata={"help": ..., "min": ..., "max": ..., "choices": ...}``;
    :meth:`validate` enforces them and the site builds its form from them. ``"zero"`` says
    what a value of 0 stands for (shown beside it on the run page).
    """

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            meta = spec.metadata
            if "min" in meta and value < meta["min"]:
                raise EngineError(f"{spec.name} must be >= {meta['min']}; found {value}")
            if "max" in meta and value > meta["max"]:
                raise EngineError(f"{spec.name} must be <= {meta['max']}; found {value}")
            if "choices" in meta and value not in meta["choices"]:
                raise EngineError(
                    f"{spec.name} must be one of {', '.join(map(str, meta['choices']))}; found {value}"
                )

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> Hyperparameters:
        values = dict(values or {})
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise EngineError(
                f"unknown hyperparameter(s) {', '.join(unknown)}; expected some of "
                f"{', '.join(known)}"
            )
        return cls(**{name: cls.typed(name, value) for name, value in values.items()})

    @classmethod
    def typed(cls, name: str, value: Any) -> Any:
        """``value`` as the type of hyperparameter ``name``; text as a command line gives it.

        Booleans accept true/false, yes/no, on/off, 1/0 (``bool("false")`` would be True).
        Names the model does not have come back unchanged: :meth:`from_dict` refuses them
        with the list of known ones.

        >>> from generation.engine.models.rbm import RBMParams
        >>> RBMParams.typed("centered", "no"), RBMParams.typed("epochs", "5")
        (False, 5)
        """
        spec = {f.name: f for f in dataclasses.fields(cls)}.get(name)
        if spec is None:
            return value
        kind = type(spec.default)
        if kind is bool and isinstance(value, str):
            word = value.strip().lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                raise EngineError(f"{name} expects true or false; found {value!r}")
            return word in TRUE_WORDS
        if kind not in (int, float, str, bool):
            return value
        try:
            return kind(value)
        except (TypeError, ValueError):
            expected = {int: "an integer", float: "a number"}.get(kind, f"a {kind.__name__}")
            raise EngineError(f"{name} expects {expected}; found {value!r}") from None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class HaplotypeGenerator(ABC):
    """A generative model of haplotypes (see :mod:`generation.engine.genotypes`).

    Subclasses set ``name``, ``Params`` (a :class:`Hyperparameters` subclass) and the
    capability flags, and implement ``_fit``, ``_sample``, ``_state`` and
    ``_load_state``.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    Params: ClassVar[type[Hyperparameters]]
    supports_conditional: ClassVar[bool] = False
    supports_dp: ClassVar[bool] = False

    def __init__(self, params: Hyperparameters | dict[str, Any] | None = None, *, seed: int = 0) -> None:
        self.params = params if isinstance(params, Hyperparameters) else self.Params.from_dict(params)
        self.seed = seed
        self.n_variants_: int | None = None
        self.populations_: list[str] | None = None
        self.epsilon_spent_: float | None = None
        self.delta_: float | None = None
        self.train_seconds_: float = 0.0

    # -- public interface -------------------------------------------------------------
    def fit(
        self,
        haplotypes: np.ndarray,
        populations: list[str] | None = None,
        *,
        privacy: PrivacyConfig | None = None,
        progress: ProgressCallback | None = None,
        should_stop: StopCheck | None = None,
        max_seconds: float | None = None,
        checkpoint_path: str | Path | None = None,
    ) -> HaplotypeGenerator:
        """Fit on ``haplotypes`` (uint8, (n_haplotypes, n_variants)); labels per row.

        ``populations`` holds one label per haplotype row; a conditional model learns to
        sample per population from it. With ``checkpoint_path`` the model saves its state
        as it trains and, when the file exists, resumes from it.
        """
        haplotypes = check_haplotypes(haplotypes)
        if haplotypes.shape[0] < 2:
            raise EngineError(f"expected at least 2 training haplotypes; found {haplotypes.shape[0]}")
        if populations is not None and len(populations) != haplotypes.shape[0]:
            raise EngineError(
                f"expected one population label per haplotype ({haplotypes.shape[0]}); "
                f"found {len(populations)}"
            )
        if privacy is not None and not self.supports_dp:
            raise EngineError(
                f"model '{self.name}' cannot be trained with differential privacy; choose one of "
                f"{', '.join(n for n, c in REGISTRY.items() if c.supports_dp)}"
            )
        self.n_variants_ = haplotypes.shape[1]
        if populations is not None and self.supports_conditional:
            self.populations_ = sorted(set(populations))
        started = time.monotonic()
        self._fit(
            haplotypes,
            populations if self.supports_conditional else None,
            privacy=privacy,
            progress=progress or (lambda _: None),
            should_stop=should_stop or (lambda: False),
            deadline=None if max_seconds is None else started + max_seconds,
            checkpoint_path=None if checkpoint_path is None else Path(checkpoint_path),
        )
        self.train_seconds_ += time.monotonic() - started
        return self

    def sample(self, n: int, *, population: str | None = None, seed: int | None = None) -> np.ndarray:
        """Draw ``n`` haplotypes, uint8 of shape (n, n_variants)."""
        if self.n_variants_ is None:
            raise EngineError("the model is not fitted: call fit() or load() first")
        if n < 1:
            raise EngineError(f"n must be >= 1; found {n}")
        if population is not None:
            if not self.supports_conditional or not self.populations_:
                raise EngineError(f"model '{self.name}' was not trained conditionally on populations")
            if population not in self.populations_:
                raise EngineError(
                    f"unknown population {population!r}; this model knows {', '.join(self.populations_)}"
                )
        rng_seed = self.seed + 1 if seed is None else seed
        return check_haplotypes(self._sample(n, population=population, seed=rng_seed), n_variants=self.n_variants_)

    def save(self, path: str | Path) -> None:
        import torch

        torch.save(self._checkpoint(), Path(path))

    @classmethod
    def load(cls, path: str | Path) -> HaplotypeGenerator:
        import torch

        state = torch.load(Path(path), map_location="cpu", weights_only=False)
        model_cls = get_generator_class(state["model"]) if cls is HaplotypeGenerator else cls
        model = model_cls(state["params"], seed=state["seed"])
        model._restore(state)
        return model

    # -- for subclasses ---------------------------------------------------------------
    def _checkpoint(self, **extra: Any) -> dict[str, Any]:
        return {
            "model": self.name,
            "params": self.params.to_dict(),
            "seed": self.seed,
            "n_variants": self.n_variants_,
            "populations": self.populations_,
            "epsilon_spent": self.epsilon_spent_,
            "delta": self.delta_,
            "train_seconds": self.train_seconds_,
            "state": self._state(),
            **extra,
        }

    def _restore(self, checkpoint: dict[str, Any]) -> None:
        self.n_variants_ = checkpoint["n_variants"]
        self.populations_ = checkpoint["populations"]
        self.epsilon_spent_ = checkpoint["epsilon_spent"]
        self.delta_ = checkpoint["delta"]
        self.train_seconds_ = checkpoint.get("train_seconds", 0.0)
        self._load_state(checkpoint["state"])

    @abstractmethod
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
    ) -> None: ...

    @abstractmethod
    def _sample(self, n: int, *, population: str | None, seed: int) -> np.ndarray: ...

    @abstractmethod
    def _state(self) -> dict[str, Any]: ...

    @abstractmethod
    def _load_state(self, state: dict[str, Any]) -> None: ...


REGISTRY: dict[str, type[HaplotypeGenerator]] = {}


def register(cls: type[HaplotypeGenerator]) -> type[HaplotypeGenerator]:
    """Class decorator: make a model kind available by its ``name``."""
    REGISTRY[cls.name] = cls
    return cls


def get_generator_class(name: str) -> type[HaplotypeGenerator]:
    from . import models  # noqa: F401  (registers every model kind)

    try:
        return REGISTRY[name]
    except KeyError:
        raise EngineError(f"unknown model {name!r}; choose one of {', '.join(sorted(REGISTRY))}") from None


def available_generators() -> dict[str, type[HaplotypeGenerator]]:
    from . import models  # noqa: F401

    return dict(sorted(REGISTRY.items()))
