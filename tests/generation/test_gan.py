"""The fully connected GAN of Yelmen et al. (2021), with and without DP-SGD."""

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
from generation.engine.models.gan import GANGenerator

SMALL = {"epochs": 4, "latent_size": 32}


def small_gan(seed: int = 3, **overrides: object) -> GANGenerator:
    return GANGenerator({**SMALL, **overrides}, seed=seed)


def test_gan_is_registered_and_offers_differential_privacy() -> None:
    assert get_generator_class("gan") is GANGenerator
    assert GANGenerator.supports_dp


def test_published_defaults() -> None:
    params = GANGenerator().params
    assert (params.latent_size, params.batch_size) == (600, 32)
    assert (params.generator_learning_rate, params.discriminator_learning_rate) == (1e-4, 8e-4)
    assert (params.leaky_relu_slope, params.l2, params.label_noise) == (0.01, 1e-4, 0.1)


def test_samples_are_binary_haplotypes_of_the_training_width(cohort_haplotypes) -> None:
    synthetic = small_gan().fit(cohort_haplotypes).sample(50)
    assert synthetic.shape == (50, cohort_haplotypes.shape[1])
    assert synthetic.dtype == np.uint8
    assert set(np.unique(synthetic)) <= {0, 1}


def test_allele_frequencies_follow_the_training_set(cohort_haplotypes, af_r2) -> None:
    model = small_gan(epochs=25).fit(cohort_haplotypes)
    assert af_r2(cohort_haplotypes, model.sample(600)) > 0.5


def test_same_seed_gives_the_same_genomes(cohort_haplotypes) -> None:
    first = small_gan(seed=11).fit(cohort_haplotypes).sample(40, seed=5)
    second = small_gan(seed=11).fit(cohort_haplotypes).sample(40, seed=5)
    other = small_gan(seed=12).fit(cohort_haplotypes).sample(40, seed=5)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_saved_model_samples_the_same_genomes(cohort_haplotypes, tmp_path) -> None:
    model = small_gan().fit(cohort_haplotypes)
    model.save(tmp_path / "gan.pt")
    loaded = HaplotypeGenerator.load(tmp_path / "gan.pt")
    assert isinstance(loaded, GANGenerator)
    np.testing.assert_array_equal(loaded.sample(30, seed=9), model.sample(30, seed=9))


def test_cancel_saves_a_checkpoint_and_a_restart_resumes_from_it(
    cohort_haplotypes, tmp_path
) -> None:
    checkpoint = tmp_path / "run.ckpt"
    steps: list[int] = []
    with pytest.raises(TrainingCancelled):
        small_gan().fit(
            cohort_haplotypes,
            checkpoint_path=checkpoint,
            should_stop=lambda: len(steps) >= 2,
            progress=lambda p: steps.append(p.step),
        )
    assert checkpoint.exists()

    resumed_steps: list[Progress] = []
    resumed = small_gan().fit(
        cohort_haplotypes, checkpoint_path=checkpoint, progress=resumed_steps.append
    )
    assert [p.step for p in resumed_steps] == [3, 4]
    uninterrupted = small_gan().fit(cohort_haplotypes)
    np.testing.assert_array_equal(resumed.sample(30, seed=1), uninterrupted.sample(30, seed=1))


def test_deadline_stops_training_early_without_error(cohort_haplotypes) -> None:
    steps: list[Progress] = []
    model = small_gan(epochs=100_000).fit(cohort_haplotypes, max_seconds=0.3, progress=steps.append)
    assert len(steps) < 100_000
    assert model.sample(5).shape == (5, cohort_haplotypes.shape[1])


@pytest.mark.parametrize(
    ("field", "value"), [("latent_size", 0), ("batch_size", 1), ("label_noise", 0.9)]
)
def test_invalid_hyperparameters_name_the_field(field: str, value: object) -> None:
    with pytest.raises(EngineError, match=field):
        GANGenerator({field: value})


# -- differential privacy ------------------------------------------------------------------


def test_private_training_spends_at_most_the_target_epsilon(cohort_haplotypes) -> None:
    reports: list[Progress] = []
    model = small_gan(epochs=3).fit(
        cohort_haplotypes, privacy=PrivacyConfig(target_epsilon=4.0), progress=reports.append
    )
    n_individuals = cohort_haplotypes.shape[0] // 2
    assert model.delta_ == pytest.approx(1 / (10 * n_individuals))
    assert model.epsilon_spent_ is not None
    assert 0 < model.epsilon_spent_ <= 4.0 + 0.02
    # The planned epochs spend the budget the noise was calibrated for.
    assert model.epsilon_spent_ > 3.5
    epsilons = [p.epsilon for p in reports]
    assert all(e is not None for e in epsilons)
    assert epsilons == sorted(epsilons)
    assert model.sample(10).shape == (10, cohort_haplotypes.shape[1])


def test_private_run_resumes_with_its_privacy_ledger(cohort_haplotypes, tmp_path) -> None:
    checkpoint = tmp_path / "dp.ckpt"
    privacy = PrivacyConfig(target_epsilon=4.0, target_delta=1e-3)
    steps: list[int] = []
    with pytest.raises(TrainingCancelled):
        small_gan(epochs=3).fit(
            cohort_haplotypes,
            privacy=privacy,
            checkpoint_path=checkpoint,
            should_stop=lambda: len(steps) >= 1,
            progress=lambda p: steps.append(p.step),
        )
    model = small_gan(epochs=3).fit(cohort_haplotypes, privacy=privacy, checkpoint_path=checkpoint)
    assert model.epsilon_spent_ is not None
    assert 3.5 < model.epsilon_spent_ <= 4.0 + 0.02
    with pytest.raises(EngineError, match="privacy settings"):
        small_gan(epochs=3).fit(cohort_haplotypes, checkpoint_path=checkpoint)


def test_privacy_refuses_a_haplotype_without_its_partner(cohort_haplotypes) -> None:
    with pytest.raises(EngineError, match="even number of haplotype rows"):
        small_gan().fit(cohort_haplotypes[:-1], privacy=PrivacyConfig(target_epsilon=4.0))
