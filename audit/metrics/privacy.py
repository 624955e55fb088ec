"""Nearest-neighbour adversarial accuracy (AATS) and the privacy loss built on it.

Yale et al. (2020) define the adversarial accuracy of a real set T against a synthetic
set S as how often a 1-nearest-neighbour classifier, leaving each point out, tells them
apart::

    AA_TS = 0.5 * ( mean_i 1[d_TS(i) > d_TT(i)] + mean_j 1[d_ST(j) > d_SS(j)] )

with ``d_TS(i)`` the distance from real ``i`` to its nearest synthetic haplotype and
``d_TT(i)`` to its nearest other real haplotype (leave-one-out), and symmetrically for
synthetic ``j``. Near 0.5 the sets are indistinguishable; near 1 the synthetic data are
unrealistic; near 0 they sit on top of the real points (overfitting). Yelmen et al.
(2021) use it on haplotypes with Hamming distance and equal-size sets.

Privacy loss = AA_holdout - AA_train (Yale et al. 2020, Eq. 4: AA_test - AA_train). A
generator that memorises its training set is closer to training haplotypes than to
unseen ones, so AA_train drops while AA_holdout stays put: a positive loss is leakage,
about 0 is none.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .distances import nearest_distance, nearest_distances_between
from .inputs import check_sets, require_haplotypes
from .sampling import metric_rng, subsample_rows

DEFAULT_REPEATS = 3
MAX_AATS_SET = 2000


def aats(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Nearest-neighbour adversarial accuracy AA_TS of Yale et al. (2020), Hamming distance.

    Parameters
    ----------
    real : numpy.ndarray, uint8, shape (n_real, n_variants)
    synthetic : numpy.ndarray, uint8, shape (n_synthetic, n_variants)
        Use sets of equal size, as Yelmen et al. (2021) do (:func:`privacy_loss` does).

    Returns
    -------
    float
        In [0, 1]; 0.5 means a nearest-neighbour classifier cannot tell the sets apart.

    Notes
    -----
    Ties count as "not farther" (strict ``>``), as in the published code: a synthetic
    haplotype identical to a real one pulls the score towards 0. Yale, Dash, Dutta,
    Guyon, Pavao & Bennett, "Generation and evaluation of privacy preserving synthetic
    health data", Neurocomputing 416: 244-255 (2020).

    Examples
    --------
    >>> import numpy as np
    >>> real = np.array([[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=np.uint8)
    >>> aats(real, real.copy())
    0.0
    >>> aats(real, 1 - real)  # every synthetic point far from every real one
    1.0
    """
    sets = check_sets(real=real, synthetic=synthetic)
    real, synthetic = sets["real"], sets["synthetic"]
    require_haplotypes(real, 2, name="real")
    require_haplotypes(synthetic, 2, name="synthetic")
    return _aats(real, synthetic, nearest_distance(synthetic, synthetic, exclude_self=True))


def _aats(real: np.ndarray, synthetic: np.ndarray, synthetic_to_synthetic: np.ndarray) -> float:
    """AA_TS given the synthetic set's leave-one-out distances (shared across calls)."""
    real_to_real = nearest_distance(real, real, exclude_self=True)
    real_to_synthetic, synthetic_to_real = nearest_distances_between(real, synthetic)
    return 0.5 * (
        float(np.mean(real_to_synthetic > real_to_real))
        + float(np.mean(synthetic_to_real > synthetic_to_synthetic))
    )


def privacy_loss(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    *,
    seed: int = 0,
    repeats: int = DEFAULT_REPEATS,
    max_set: int = MAX_AATS_SET,
) -> dict[str, Any]:
    """AATS against the training and the holdout sets, and their difference.

    Parameters
    ----------
    train, holdout, synthetic : numpy.ndarray, uint8, shape (n_haplotypes, n_variants)
    seed : int
        Seeds the equal-size subsamples.
    repeats : int
        Independent subsamples averaged (the spread is reported).
    max_set : int
        Largest subsample size.

    Returns
    -------
    dict
        ``aats_train``, ``aats_holdout``, ``privacy_loss`` (= aats_holdout -
        aats_train; positive means the synthetic set sits closer to training haplotypes
        than to unseen ones), their standard deviations over repeats, ``n_per_set`` and
        ``repeats``.

    Notes
    -----
    Each repeat draws ``n = min(len(train), len(holdout), len(synthetic), max_set)``
    haplotypes from every set, as Yelmen et al. (2021) compare equal-size sets; the
    same synthetic subsample serves both comparisons, which cancels its noise from the
    difference. Sign convention of Yale et al. (2020): privacy loss = AA_test - AA_train.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = (rng.random((60, 40)) < 0.5).astype(np.uint8)
    >>> holdout = (rng.random((60, 40)) < 0.5).astype(np.uint8)
    >>> privacy_loss(train, holdout, train.copy(), repeats=1)["privacy_loss"] > 0.3
    True
    """
    sets = check_sets(train=train, holdout=holdout, synthetic=synthetic)
    train, holdout, synthetic = sets["train"], sets["holdout"], sets["synthetic"]
    for name, haplotypes in sets.items():
        require_haplotypes(haplotypes, 2, name=name)
    size = min(len(train), len(holdout), len(synthetic), max_set)
    rng = metric_rng(seed, "aats")
    against_train, against_holdout = [], []
    for _ in range(repeats):
        chosen = synthetic[subsample_rows(len(synthetic), size, rng)]
        chosen_to_chosen = nearest_distance(chosen, chosen, exclude_self=True)
        for real, scores in ((train, against_train), (holdout, against_holdout)):
            scores.append(
                _aats(real[subsample_rows(len(real), size, rng)], chosen, chosen_to_chosen)
            )
    losses = np.subtract(against_holdout, against_train)
    return {
        "aats_train": float(np.mean(against_train)),
        "aats_holdout": float(np.mean(against_holdout)),
        "privacy_loss": float(losses.mean()),
        "spread": {
            "aats_train_sd": float(np.std(against_train)),
            "aats_holdout_sd": float(np.std(against_holdout)),
            "privacy_loss_sd": float(losses.std()),
        },
        "n_per_set": size,
        "repeats": repeats,
        "definition": "privacy_loss = AATS(holdout, synthetic) - AATS(train, synthetic)",
    }


REFERENCE_DRAWS = 5


def memoryless_sample(
    train: np.ndarray,
    labels: list[str] | None,
    train_labels: list[str] | None,
    size: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Haplotypes whose SNPs are drawn independently at training allele frequencies.

    Row ``i`` takes the frequencies of population ``labels[i]`` in ``train`` (of the whole
    training set when there are no labels, or the population has no training haplotype).
    Such a sample keeps allele frequencies and population structure and nothing of any
    individual: it cannot have memorised anyone.
    """
    overall = train.mean(0)
    if labels is None or train_labels is None:
        return (rng.random((size, train.shape[1])) < overall).astype(np.uint8)
    train_label_array, label_array = np.asarray(train_labels), np.asarray(labels)
    out = np.empty((size, train.shape[1]), dtype=np.uint8)
    for population in np.unique(label_array):
        rows = np.flatnonzero(label_array == population)
        members = train_label_array == population
        frequencies = train[members].mean(0) if members.any() else overall
        out[rows] = rng.random((len(rows), train.shape[1])) < frequencies
    return out


def memoryless_reference(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    *,
    train_labels: list[str] | None = None,
    synthetic_labels: list[str] | None = None,
    seed: int = 0,
    draws: int = REFERENCE_DRAWS,
) -> dict[str, Any]:
    """The privacy loss that estimating allele frequencies alone costs on this data.

    Not a published metric: a control for :func:`privacy_loss`. A generator fitted to
    ``train`` reproduces *that sample's* population frequencies, so its output sits
    slightly closer to training haplotypes than to unseen ones even if it remembers no
    individual; with a few dozen haplotypes per population this alone moves the privacy
    loss by several hundredths. Here the same statistic is computed for
    :func:`memoryless_sample` sets of the synthetic set's size and population
    composition (the training composition when the synthetic set has no labels),
    averaged over ``draws`` draws. A privacy loss near this reference is what fitting
    the population frequencies costs; well above it, the generator carries more of its
    training individuals than their populations.

    The reference is not zero because allele frequencies themselves carry membership:
    each training haplotype pulls its population's frequencies towards it by about
    1/n_population at every SNP, and over hundreds of SNPs that is detectable (Homer et
    al. 2008, PLOS Genetics 4: e1000167; Sankararaman et al. 2009, Nature Genetics 41:
    965-967). On the 805-SNP benchmark (about 150 training haplotypes per population) it
    is about 0.04; at superpopulation frequencies (about 800) 0.011, at the pooled
    frequencies 0.005 (``bench/privacy_reference.py``). Only pooling, shrinkage or
    differential privacy lower it.

    Returns
    -------
    dict
        ``privacy_loss``, ``aats_train``, ``aats_holdout`` (means over draws),
        ``privacy_loss_draws``, ``draws``, ``description``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = (rng.random((200, 30)) < 0.3).astype(np.uint8)
    >>> holdout = (rng.random((200, 30)) < 0.3).astype(np.uint8)
    >>> record = memoryless_reference(train, holdout, train.copy(), draws=2)
    >>> abs(record["privacy_loss"]) < 0.1, record["draws"]
    (True, 2)
    """
    rng = metric_rng(seed, "memoryless_reference")
    labels = synthetic_labels
    if labels is None and train_labels is not None:
        labels = list(rng.choice(np.asarray(train_labels), size=len(synthetic)))
    records = [
        privacy_loss(
            train,
            holdout,
            memoryless_sample(train, labels, train_labels, len(synthetic), rng),
            seed=seed + draw,
        )
        for draw in range(draws)
    ]
    return {
        "privacy_loss": float(np.mean([r["privacy_loss"] for r in records])),
        "aats_train": float(np.mean([r["aats_train"] for r in records])),
        "aats_holdout": float(np.mean([r["aats_holdout"] for r in records])),
        "privacy_loss_draws": [r["privacy_loss"] for r in records],
        "draws": draws,
        "description": (
            "privacy loss of samples drawn SNP by SNP at each population's training "
            "allele frequencies: what fitting the frequencies alone costs, with no "
            "individual memorised"
        ),
    }
