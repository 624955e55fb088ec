"""The ``autoregressive`` generator (conditional MADE mixture): behaviour a user relies on."""

from __future__ import annotations

import copy
import itertools

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
from generation.engine.models.autoregressive import AutoregressiveGenerator
from generation.engine.models.made import ConditionalMADE, initialise_as_latent_classes

SMALL = {"hidden": 24, "components": 2, "max_epochs": 4, "batch_size": 32, "dropout": 0.1}


def small_model(seed: int = 3, **overrides: object) -> AutoregressiveGenerator:
    return AutoregressiveGenerator({**SMALL, **overrides}, seed=seed)


@pytest.fixture(scope="module")
def two_populations() -> tuple[np.ndarray, list[str], np.ndarray]:
    """60 individuals of POP_A and 60 of POP_B over 30 SNPs with opposite frequencies.

    Returns haplotypes (240, 30) uint8, one label per row, and the (2, 30) frequencies.
    """
    rng = np.random.default_rng(0)
    low = rng.uniform(0.05, 0.35, size=30)
    frequencies = np.stack([low, 1.0 - low])  # (2, n_variants)
    population = np.repeat(np.repeat([0, 1], 60), 2)  # (n_haplotypes,)
    haplotypes = (rng.random((240, 30)) < frequencies[population]).astype(np.uint8)
    labels = [("POP_A", "POP_B")[k] for k in population]
    return haplotypes, labels, frequencies


def test_autoregressive_is_registered_as_conditional_and_private() -> None:
    model_cls = get_generator_class("autoregressive")
    assert model_cls is AutoregressiveGenerator
    assert model_cls.supports_conditional and model_cls.supports_dp


def test_samples_are_binary_haplotypes_of_the_training_width(cohort_haplotypes) -> None:
    synthetic = small_model().fit(cohort_haplotypes).sample(50)
    assert synthetic.shape == (50, cohort_haplotypes.shape[1])
    assert synthetic.dtype == np.uint8
    assert set(np.unique(synthetic)) <= {0, 1}


def test_allele_frequencies_follow_the_training_set(cohort_haplotypes, af_r2) -> None:
    model = small_model(max_epochs=15).fit(cohort_haplotypes)
    assert af_r2(cohort_haplotypes, model.sample(600)) > 0.9


def test_conditional_samples_carry_their_population_frequencies(two_populations) -> None:
    """Compared with each population's frequencies in the training haplotypes: with 120
    haplotypes per population those correlate only ~0.89 with the simulation's true
    frequencies, so the true ones would cap even a perfect model below a 0.9 bar."""
    haplotypes, labels, _ = two_populations
    model = small_model(max_epochs=12).fit(haplotypes, labels)
    assert model.populations_ == ["POP_A", "POP_B"]
    rows = np.array(labels)
    for name, other in (("POP_A", "POP_B"), ("POP_B", "POP_A")):
        drawn = model.sample(400, population=name, seed=1).mean(axis=0)
        own = haplotypes[rows == name].mean(axis=0)
        theirs = haplotypes[rows == other].mean(axis=0)
        assert np.corrcoef(drawn, own)[0, 1] > 0.9
        assert np.abs(drawn - own).mean() < 0.05
        assert np.abs(drawn - theirs).mean() > 0.4


def test_unknown_population_is_refused(two_populations) -> None:
    haplotypes, labels, _ = two_populations
    model = small_model(max_epochs=1).fit(haplotypes, labels)
    with pytest.raises(EngineError, match="unknown population 'POP_C'"):
        model.sample(5, population="POP_C")


def test_likelihood_is_exact_probabilities_sum_to_one() -> None:
    torch.manual_seed(0)
    network = ConditionalMADE(
        6, hidden=5, layers=2, n_populations=2, population_dim=3, dropout=0.0, components=3
    ).eval()
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.normal_(0.0, 0.7)
    every = torch.tensor(list(itertools.product([0.0, 1.0], repeat=6)))  # (64, 6)
    for population in (0, 1):
        labels = torch.full((64,), population)
        with torch.no_grad():
            total = network(every, labels).exp().sum()
        assert total == pytest.approx(1.0, abs=1e-5)


def test_sampling_draws_from_the_likelihood_it_reports() -> None:
    torch.manual_seed(1)
    network = ConditionalMADE(
        4, hidden=6, layers=1, n_populations=1, population_dim=2, dropout=0.0, components=2
    ).eval()
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.normal_(0.0, 1.0)
        drawn = network.sample(torch.zeros(20_000, dtype=torch.long), torch.Generator().manual_seed(0))
        every = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)))
        expected = network(every, torch.zeros(16, dtype=torch.long)).exp()
    codes = (drawn * torch.tensor([8.0, 4.0, 2.0, 1.0])).sum(1).long()
    observed = torch.bincount(codes, minlength=16).float() / 20_000
    assert torch.allclose(observed, expected, atol=0.015)


def test_same_seed_gives_the_same_genomes(cohort_haplotypes) -> None:
    first = small_model(seed=11).fit(cohort_haplotypes).sample(40, seed=5)
    second = small_model(seed=11).fit(cohort_haplotypes).sample(40, seed=5)
    other = small_model(seed=12).fit(cohort_haplotypes).sample(40, seed=5)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_training_leaves_the_global_random_state_alone(cohort_haplotypes) -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    small_model(max_epochs=1).fit(cohort_haplotypes)
    assert torch.equal(torch.rand(3), expected)


def test_saved_model_samples_the_same_genomes(two_populations, tmp_path) -> None:
    haplotypes, labels, _ = two_populations
    model = small_model().fit(haplotypes, labels)
    model.save(tmp_path / "model.pt")
    loaded = HaplotypeGenerator.load(tmp_path / "model.pt")
    assert isinstance(loaded, AutoregressiveGenerator)
    assert loaded.populations_ == model.populations_
    assert loaded.params == model.params
    np.testing.assert_array_equal(
        loaded.sample(30, population="POP_B", seed=9), model.sample(30, population="POP_B", seed=9)
    )


def test_progress_reports_every_epoch_with_losses(cohort_haplotypes) -> None:
    reports: list[Progress] = []
    small_model(max_epochs=3, patience=10).fit(cohort_haplotypes, progress=reports.append)
    assert [r.step for r in reports] == [1, 2, 3]
    assert all(r.total_steps == 3 and r.epsilon is None for r in reports)
    assert {"train_nll", "val_nll"} <= set(reports[0].metrics)


def test_cancel_saves_a_checkpoint_and_a_restart_ends_where_an_uninterrupted_run_does(
    cohort_haplotypes, tmp_path
) -> None:
    checkpoint = tmp_path / "run.ckpt"
    seen: list[int] = []
    with pytest.raises(TrainingCancelled):
        small_model(patience=10).fit(
            cohort_haplotypes,
            checkpoint_path=checkpoint,
            should_stop=lambda: len(seen) >= 2,
            progress=lambda p: seen.append(p.step),
        )
    assert checkpoint.exists() and seen == [1, 2]
    resumed_steps: list[int] = []
    resumed = small_model(patience=10).fit(
        cohort_haplotypes, checkpoint_path=checkpoint, progress=lambda p: resumed_steps.append(p.step)
    )
    assert resumed_steps == [3, 4]
    straight = small_model(patience=10).fit(cohort_haplotypes)
    np.testing.assert_array_equal(resumed.sample(30, seed=2), straight.sample(30, seed=2))


def test_checkpoint_of_another_run_is_refused(cohort_haplotypes, tmp_path) -> None:
    checkpoint = tmp_path / "run.ckpt"
    small_model(max_epochs=1).fit(cohort_haplotypes, checkpoint_path=checkpoint)
    with pytest.raises(EngineError, match="different run"):
        small_model(max_epochs=1, hidden=32).fit(cohort_haplotypes, checkpoint_path=checkpoint)


def test_deadline_stops_gracefully_with_a_usable_model(cohort_haplotypes) -> None:
    reports: list[Progress] = []
    model = small_model(max_epochs=10_000, patience=10_000).fit(
        cohort_haplotypes, max_seconds=0.5, progress=reports.append
    )
    assert len(reports) < 10_000
    assert model.sample(5).shape == (5, cohort_haplotypes.shape[1])


def test_dp_training_spends_at_most_the_target_epsilon(two_populations) -> None:
    haplotypes, labels, _ = two_populations
    reports: list[Progress] = []
    model = small_model(dp_epochs=3, dp_batch_size=40).fit(
        haplotypes, labels, privacy=PrivacyConfig(target_epsilon=2.0), progress=reports.append
    )
    assert model.epsilon_spent_ is not None and 0 < model.epsilon_spent_ <= 2.0
    assert model.delta_ == pytest.approx(1 / (10 * 120))
    assert [r.step for r in reports] == [1, 2, 3]
    assert all(r.epsilon is not None and r.epsilon > 0 for r in reports)
    assert model.sample(10, population="POP_A").shape == (10, 30)


def test_dp_refuses_rows_that_do_not_pair_into_individuals(cohort_haplotypes) -> None:
    with pytest.raises(EngineError, match="even number of rows"):
        small_model().fit(cohort_haplotypes[:-1], privacy=PrivacyConfig(target_epsilon=1.0))


def test_dp_per_individual_gradients_are_exact() -> None:
    """Opacus's per-sample gradients equal each individual's own gradient."""
    from opacus import GradSampleModule

    torch.manual_seed(0)
    network = ConditionalMADE(
        10, hidden=6, layers=2, n_populations=3, population_dim=2, dropout=0.0, components=2,
        direct_window=3,
    )
    with torch.no_grad():
        network.direct.weight.normal_()
    records = (torch.rand(4, 2, 10) < 0.5).float()  # (individuals, 2 haplotypes, SNPs)
    labels = torch.randint(0, 3, (4, 2))
    # The reference is an unwrapped copy: Opacus' hooks stay on the wrapped network's layers
    # and would record the reference passes too.
    reference = copy.deepcopy(network)
    wrapped = GradSampleModule(network, loss_reduction="sum")
    (-wrapped(records, labels).sum()).backward()
    for individual in range(4):
        own = torch.autograd.grad(
            -reference(records[individual], labels[individual]).sum(), list(reference.parameters())
        )
        for parameter, gradient in zip(network.parameters(), own, strict=True):
            torch.testing.assert_close(parameter.grad_sample[individual], gradient, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"hidden": 0}, "hidden must be >= 8"),
        ({"dropout": 0.95}, "dropout must be <= 0.9"),
        ({"components": -1}, "components must be >= 0"),
        ({"direct_window": -1}, "direct_window must be >= 0"),
        ({"direct_learning_rate": 2.0}, "direct_learning_rate must be <= 1.0"),
        ({"depth": 3}, "unknown hyperparameter"),
        ({"hidden": "many"}, "hidden expects an integer; found 'many'"),
    ],
)
def test_invalid_hyperparameters_are_refused(params: dict[str, object], message: str) -> None:
    with pytest.raises(EngineError, match=message):
        AutoregressiveGenerator(params)


def test_ancestral_sampling_draws_from_the_likelihood_the_network_computes() -> None:
    """On 5 SNPs every haplotype can be enumerated: the sampler's frequencies must match
    ``exp(forward)`` (direct connections, two layers and a mixture included)."""
    torch.manual_seed(0)
    network = ConditionalMADE(
        5, hidden=3, layers=2, n_populations=2, population_dim=2, dropout=0.0, components=2,
        direct_window=2,
    )
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.normal_(0.0, 1.5)
    network.eval()
    every = torch.tensor(list(itertools.product([0, 1], repeat=5)), dtype=torch.float32)
    for population in (0, 1):
        exact = network(every, torch.full((32,), population)).exp()
        assert float(exact.sum()) == pytest.approx(1.0, abs=1e-5)
        drawn = network.sample(torch.full((200_000,), population), torch.Generator().manual_seed(1))
        index = (drawn * torch.tensor([16.0, 8.0, 4.0, 2.0, 1.0])).sum(1).long()
        observed = torch.bincount(index, minlength=32).float() / len(index)
        assert float((observed - exact).abs().max()) < 0.005


def test_tight_ld_between_neighbouring_snps_is_reproduced() -> None:
    rng = np.random.default_rng(2)
    first = rng.random((400, 10)) < 0.4
    haplotypes = np.repeat(first, 2, axis=1).astype(np.uint8)  # SNP 2k+1 copies SNP 2k
    haplotypes[:, 1::2] ^= (rng.random((400, 10)) < 0.02).astype(np.uint8)
    synthetic = small_model(max_epochs=30, direct_window=1, hidden=8).fit(haplotypes).sample(1000, seed=2)
    r = [np.corrcoef(synthetic[:, 2 * k], synthetic[:, 2 * k + 1])[0, 1] for k in range(10)]
    assert min(r) > 0.85


def test_a_sampled_cohort_mirrors_the_training_composition_exactly(two_populations) -> None:
    from generation.engine.output import sample_cohort

    haplotypes, labels, _ = two_populations
    model = small_model(max_epochs=1).fit(haplotypes, labels)
    _, populations = sample_cohort(model, 8, population_individuals={"POP_A": 3, "POP_B": 1}, seed=4)
    assert populations is not None
    assert (populations.count("POP_A"), populations.count("POP_B")) == (12, 4)  # haplotypes
    assert all(populations[2 * i] == populations[2 * i + 1] for i in range(8))


def _four_unequal_clusters() -> tuple[torch.Tensor, np.ndarray]:
    """360 haplotypes around 4 random centres (200, 100, 30, 30; 10% of sites flipped)."""
    rng = np.random.default_rng(0)
    centres = rng.random((4, 60)) < 0.5
    members = np.repeat(np.arange(4), [200, 100, 30, 30])
    haplotypes = np.logical_xor(centres[members], rng.random((len(members), 60)) < 0.1)
    return torch.tensor(haplotypes, dtype=torch.float32), centres


def _recovers_every_cluster(network: ConditionalMADE, centres: np.ndarray) -> bool:
    frequencies = torch.sigmoid(network.component_to_output.weight + network.output.bias).detach().numpy()
    calls = frequencies > 0.5  # (components, n_variants)
    return all((calls == centre).mean(axis=1).max() > 0.95 for centre in centres)


@pytest.mark.parametrize("restarts", [1, 8])
def test_em_start_finds_every_cluster_when_restarted(restarts: int) -> None:
    """One EM start merges two clusters about half the time; the best of 8 does not."""
    haplotypes, centres = _four_unequal_clusters()
    populations = torch.zeros(len(haplotypes), dtype=torch.long)
    recovered = []
    for seed in range(10):
        network = ConditionalMADE(60, hidden=8, layers=1, n_populations=1, population_dim=2,
                                  dropout=0.0, components=4)
        torch.nn.init.zeros_(network.output.bias)
        initialise_as_latent_classes(network, haplotypes, populations, restarts=restarts,
                                     generator=torch.Generator().manual_seed(seed))
        recovered.append(_recovers_every_cluster(network, centres))
    if restarts == 1:
        assert not all(recovered)  # the failure the restarts exist for
    else:
        assert all(recovered)


def test_automatic_mixture_has_a_component_per_label_within_its_range(two_populations, tmp_path) -> None:  # type: ignore[no-untyped-def]
    haplotypes, labels, _ = two_populations
    model = small_model(components=0, max_epochs=1)
    model.fit(haplotypes, labels)
    assert model.network_ is not None and model.network_.components == 4  # 2 labels, at least 4
    model.save(tmp_path / "model.pt")
    loaded = HaplotypeGenerator.load(tmp_path / "model.pt")
    np.testing.assert_array_equal(loaded.sample(6, seed=1), model.sample(6, seed=1))
    many = [f"P{row // 2 % 20}" for row in range(len(haplotypes))]  # 20 labels
    wide = small_model(components=0, max_epochs=1)
    wide.fit(haplotypes, many)
    assert wide.network_ is not None and wide.network_.components == 16  # capped
