"""The restricted Boltzmann machine of Yelmen et al. (2021): generator behaviour."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generation.engine.base import (
    EngineError,
    HaplotypeGenerator,
    PrivacyConfig,
    Progress,
    TrainingCancelled,
    get_generator_class,
)
from generation.engine.models.rbm import RBMGenerator, RBMParams

SMALL = {"epochs": 6, "n_hidden": 24, "batch_size": 32, "gibbs_steps": 2, "sample_gibbs_steps": 30}


def small_rbm(seed: int = 3, **overrides: object) -> RBMGenerator:
    return RBMGenerator({**SMALL, **overrides}, seed=seed)


def test_rbm_is_registered_under_its_name() -> None:
    assert get_generator_class("rbm") is RBMGenerator


def test_samples_are_binary_haplotypes_of_the_training_width(cohort_haplotypes) -> None:
    model = small_rbm().fit(cohort_haplotypes)
    synthetic = model.sample(50)
    assert synthetic.shape == (50, cohort_haplotypes.shape[1])
    assert synthetic.dtype == np.uint8
    assert set(np.unique(synthetic)) <= {0, 1}


def test_allele_frequencies_follow_the_training_set(cohort_haplotypes, af_r2) -> None:
    model = small_rbm(epochs=15).fit(cohort_haplotypes)
    assert af_r2(cohort_haplotypes, model.sample(600)) > 0.8


def test_same_seed_gives_the_same_genomes(cohort_haplotypes) -> None:
    first = small_rbm(seed=11).fit(cohort_haplotypes).sample(40, seed=5)
    second = small_rbm(seed=11).fit(cohort_haplotypes).sample(40, seed=5)
    other = small_rbm(seed=12).fit(cohort_haplotypes).sample(40, seed=5)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_saved_model_samples_the_same_genomes(cohort_haplotypes, tmp_path) -> None:
    model = small_rbm().fit(cohort_haplotypes)
    model.save(tmp_path / "rbm.pt")
    loaded = HaplotypeGenerator.load(tmp_path / "rbm.pt")
    assert isinstance(loaded, RBMGenerator)
    np.testing.assert_array_equal(loaded.sample(30, seed=9), model.sample(30, seed=9))


def test_cancel_saves_a_checkpoint_and_a_restart_resumes_from_it(
    cohort_haplotypes, tmp_path
) -> None:
    checkpoint = tmp_path / "run.ckpt"
    epochs_seen: list[int] = []

    def stop_after_two() -> bool:
        return len(epochs_seen) >= 2

    with pytest.raises(TrainingCancelled):
        small_rbm().fit(
            cohort_haplotypes,
            checkpoint_path=checkpoint,
            should_stop=stop_after_two,
            progress=lambda p: epochs_seen.append(p.step),
        )
    assert checkpoint.exists()
    assert epochs_seen == [1, 2]

    resumed_steps: list[Progress] = []
    resumed = small_rbm().fit(
        cohort_haplotypes, checkpoint_path=checkpoint, progress=resumed_steps.append
    )
    assert [p.step for p in resumed_steps] == [3, 4, 5, 6]
    assert resumed_steps[-1].fraction == 1.0

    uninterrupted = small_rbm().fit(cohort_haplotypes)
    np.testing.assert_array_equal(resumed.sample(30, seed=1), uninterrupted.sample(30, seed=1))


def test_a_finished_checkpoint_is_not_trained_again(cohort_haplotypes, tmp_path) -> None:
    checkpoint = tmp_path / "done.ckpt"
    small_rbm().fit(cohort_haplotypes, checkpoint_path=checkpoint)
    steps: list[Progress] = []
    small_rbm().fit(cohort_haplotypes, checkpoint_path=checkpoint, progress=steps.append)
    assert steps == []


def test_checkpoint_from_other_settings_is_refused(cohort_haplotypes, tmp_path) -> None:
    checkpoint = tmp_path / "run.ckpt"
    small_rbm().fit(cohort_haplotypes, checkpoint_path=checkpoint)
    with pytest.raises(EngineError, match="n_hidden"):
        small_rbm(n_hidden=8).fit(cohort_haplotypes, checkpoint_path=checkpoint)


def test_deadline_stops_training_early_without_error(cohort_haplotypes) -> None:
    steps: list[Progress] = []
    model = small_rbm(epochs=10_000).fit(cohort_haplotypes, max_seconds=0.5, progress=steps.append)
    assert len(steps) < 10_000
    assert model.sample(5).shape == (5, cohort_haplotypes.shape[1])


@pytest.mark.parametrize(
    ("field", "value"),
    [("n_hidden", 0), ("learning_rate", 5.0), ("gibbs_steps", 0), ("epochs", 0), ("batch_size", 0)],
)
def test_invalid_hyperparameters_name_the_field(field: str, value: object) -> None:
    with pytest.raises(EngineError, match=field):
        RBMGenerator({field: value})


def test_differential_privacy_is_refused_with_a_clear_message(cohort_haplotypes) -> None:
    with pytest.raises(
        EngineError, match=r"'rbm' cannot be trained with differential privacy.*gan"
    ):
        small_rbm().fit(cohort_haplotypes, privacy=PrivacyConfig(target_epsilon=3.0))


def test_plain_contrastive_divergence_also_trains(cohort_haplotypes, af_r2) -> None:
    model = small_rbm(chains="data").fit(cohort_haplotypes)
    assert af_r2(cohort_haplotypes, model.sample(400)) > 0.7


def _tiny_rbm(centered: bool) -> RBMGenerator:
    """A 4-SNP, 3-hidden-unit RBM with random parameters."""
    model = RBMGenerator({"n_hidden": 3, "centered": centered, "learning_rate": 0.5}, seed=1)
    rng = np.random.default_rng(0)
    model.weights_ = torch.from_numpy(rng.normal(0, 0.5, (4, 3))).float()
    model.visible_bias_ = torch.from_numpy(rng.normal(0, 0.5, 4)).float()
    model.hidden_bias_ = torch.from_numpy(rng.normal(0, 0.5, 3)).float()
    return model


@pytest.mark.parametrize("centered", [True, False])
def test_update_follows_the_centred_gradient_of_melchior_et_al(centered: bool) -> None:
    """Melchior, Fischer & Wiskott (2016), Eq. 21-23, with offsets at the data means:
    dW = <(v-mu)(h-lambda)>_data - <(v-mu)(h-lambda)>_model, da = <v>_d - <v>_m - dW lambda,
    db = <h>_d - <h>_m - mu dW; without centring mu = lambda = 0 (plain CD)."""
    model = _tiny_rbm(centered)
    w, a, b = (t.double().numpy().copy() for t in (model.weights_, model.visible_bias_, model.hidden_bias_))
    visible = np.array([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 0]], dtype=float)
    negative = np.array([[0, 1, 1, 0], [1, 1, 1, 1]], dtype=float)

    def hidden(v: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(v @ w + b)))

    h_data, h_model = hidden(visible), hidden(negative)
    mu = visible.mean(0) if centered else np.zeros(4)
    lam = h_data.mean(0) if centered else np.zeros(3)
    dw = ((visible - mu).T @ (h_data - lam)) / 3 - ((negative - mu).T @ (h_model - lam)) / 2
    da = visible.mean(0) - negative.mean(0) - dw @ lam
    db = h_data.mean(0) - h_model.mean(0) - mu @ dw

    model._update(torch.tensor(visible).float(), torch.tensor(negative).float(), model.params)
    np.testing.assert_allclose(model.weights_.numpy(), w + 0.5 * dw, atol=1e-5)
    np.testing.assert_allclose(model.visible_bias_.numpy(), a + 0.5 * da, atol=1e-5)
    np.testing.assert_allclose(model.hidden_bias_.numpy(), b + 0.5 * db, atol=1e-5)


def test_random_chains_start_from_uniform_haplotypes_as_the_authors_do(cohort_haplotypes) -> None:
    """Out-of-equilibrium learning: chains start at p = 0.5 per SNP, whatever the data;
    persistent chains start at the training frequencies."""
    rng = torch.Generator().manual_seed(0)
    random_model = small_rbm(epochs=1).fit(cohort_haplotypes)
    starts = random_model._chain_starts(4000, rng).numpy()
    assert abs(starts.mean() - 0.5) < 0.01
    persistent = small_rbm(epochs=1, chains="persistent").fit(cohort_haplotypes)
    starts = persistent._chain_starts(4000, rng).numpy()
    np.testing.assert_allclose(starts.mean(0), cohort_haplotypes.mean(0), atol=0.05)


@pytest.mark.parametrize(("text", "expected"), [("false", False), ("No", False), ("on", True), ("1", True)])
def test_boolean_hyperparameters_given_as_text_mean_what_they_say(text: str, expected: bool) -> None:
    # bool("false") is True: text must be read as words, the way both command lines pass it
    assert RBMParams.from_dict({"centered": text}).centered is expected


def test_a_boolean_hyperparameter_that_is_not_a_yes_or_no_is_refused() -> None:
    with pytest.raises(EngineError, match="centered expects true or false; found 'maybe'"):
        RBMParams.from_dict({"centered": "maybe"})
