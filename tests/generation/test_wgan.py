"""The convolutional WGAN-GP of Yelmen et al. (2023) on short windows."""

from __future__ import annotations

import numpy as np
import pytest

from generation.engine.base import (
    EngineError,
    HaplotypeGenerator,
    PrivacyConfig,
    Progress,
    TrainingCancelled,
    get_generator_class,
)
from generation.engine.models.wgan import WGANGenerator
from generation.engine.models.wgan_networks import n_stages, padded_length

# Narrow networks and one critic update per generator update keep CPU tests short.
SMALL = {"epochs": 1, "channels": 1, "batch_size": 32, "pack": 2, "critic_iterations": 1}


def small_wgan(seed: int = 3, **overrides: object) -> WGANGenerator:
    return WGANGenerator({**SMALL, **overrides}, seed=seed)


@pytest.fixture(scope="module")
def window(make_haplotypes) -> np.ndarray:
    """40 individuals x 200 SNPs: not a length the networks produce, so it is padded."""
    return make_haplotypes(n_individuals=40, n_variants=200, seed=4)


def test_wgan_is_registered_under_its_name() -> None:
    assert get_generator_class("wgan") is WGANGenerator


def test_published_defaults() -> None:
    params = WGANGenerator().params
    assert (params.channels, params.noise_dim) == (10, 2)
    assert (params.pack, params.critic_iterations) == (3, 10)
    assert (params.generator_learning_rate, params.critic_learning_rate) == (5e-4, 5e-4)
    assert (params.beta1, params.beta2, params.gradient_penalty) == (0.5, 0.9, 10.0)


@pytest.mark.parametrize(
    ("n_variants", "length"), [(200, 255), (255, 255), (256, 1023), (805, 1023), (10_000, 16_383)]
)
def test_windows_are_padded_to_the_next_length_the_networks_produce(
    n_variants: int, length: int
) -> None:
    assert padded_length(n_stages(n_variants, 4), 4) == length


def test_samples_are_binary_haplotypes_cropped_to_the_window(window) -> None:
    synthetic = small_wgan().fit(window).sample(50)
    assert synthetic.shape == (50, 200)
    assert synthetic.dtype == np.uint8
    assert set(np.unique(synthetic)) <= {0, 1}


def test_very_short_windows_work_too(make_haplotypes) -> None:
    tiny = make_haplotypes(n_individuals=20, n_variants=7, seed=1)
    assert small_wgan().fit(tiny).sample(4).shape == (4, 7)


def test_allele_frequencies_follow_the_training_set(window, af_r2) -> None:
    model = small_wgan(epochs=2).fit(window)
    assert af_r2(window, model.sample(600)) > 0.6


def test_same_seed_gives_the_same_genomes(window) -> None:
    first = small_wgan(seed=11).fit(window).sample(20, seed=5)
    second = small_wgan(seed=11).fit(window).sample(20, seed=5)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, small_wgan(seed=11).fit(window).sample(20, seed=6))


def test_saved_model_samples_the_same_genomes(window, tmp_path) -> None:
    model = small_wgan().fit(window)
    model.save(tmp_path / "wgan.pt")
    loaded = HaplotypeGenerator.load(tmp_path / "wgan.pt")
    assert isinstance(loaded, WGANGenerator)
    np.testing.assert_array_equal(loaded.sample(20, seed=9), model.sample(20, seed=9))


def test_cancel_saves_a_checkpoint_and_a_restart_resumes_from_it(window, tmp_path) -> None:
    checkpoint = tmp_path / "run.ckpt"
    steps: list[int] = []
    with pytest.raises(TrainingCancelled):
        small_wgan(epochs=2).fit(
            window,
            checkpoint_path=checkpoint,
            should_stop=lambda: len(steps) >= 1,
            progress=lambda p: steps.append(p.step),
        )
    assert checkpoint.exists()
    resumed_steps: list[Progress] = []
    resumed = small_wgan(epochs=2).fit(
        window, checkpoint_path=checkpoint, progress=resumed_steps.append
    )
    assert [p.step for p in resumed_steps] == [2]
    uninterrupted = small_wgan(epochs=2).fit(window)
    np.testing.assert_array_equal(resumed.sample(20, seed=1), uninterrupted.sample(20, seed=1))


def test_deadline_stops_training_early_without_error(window) -> None:
    steps: list[Progress] = []
    model = small_wgan(epochs=100_000).fit(window, max_seconds=0.5, progress=steps.append)
    assert len(steps) < 100_000
    assert model.sample(5).shape == (5, 200)


@pytest.mark.parametrize(
    ("field", "value"), [("channels", 0), ("latent_length", 1), ("critic_iterations", 0)]
)
def test_invalid_hyperparameters_name_the_field(field: str, value: object) -> None:
    with pytest.raises(EngineError, match=field):
        WGANGenerator({field: value})


def test_differential_privacy_is_refused_with_a_clear_message(window) -> None:
    with pytest.raises(
        EngineError, match=r"'wgan' cannot be trained with differential privacy.*gan"
    ):
        small_wgan().fit(window, privacy=PrivacyConfig(target_epsilon=3.0))
