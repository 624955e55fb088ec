"""Release policy: the thresholds an audit must meet, and the verdict against them.

A :class:`Policy` is a frozen dataclass of thresholds (``None`` switches a check off),
stored as JSON by the site and read from ``--policy`` by the CLI. :func:`evaluate`
compares it with the ``headline`` block of a report and returns a :class:`Verdict`
listing every check with its value, threshold and outcome. A check whose metric could
not be computed fails: a release must not pass because a test did not run.

The defaults are set from the noise floor of the 1000 Genomes 805-SNP benchmark (a
fresh real sample against the training set scores AF r^2 0.99, LD correlation 0.99,
AATS 0.47-0.49, privacy loss ~0, no exact copies, ~1% near copies, MIA AUC ~0.5, C2ST
AUC ~0.5) with room for a good generator, and so that exact copies, copies with a few
percent of alleles flipped, and mosaics of training segments all fail.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any


class PolicyError(ValueError):
    """A policy document with a missing, unknown or out-of-range field."""


@dataclass(frozen=True)
class Check:
    """How one policy field is compared with one headline value."""

    metric: str
    bound: str  # "min" or "max"
    description: str
    low: float = 0.0
    high: float = 1.0
    integer: bool = False


CHECKS: dict[str, Check] = {
    "af_r2_min": Check("af_r2", "min", "allele-frequency r^2 (real vs synthetic)"),
    "ld_r2_correlation_min": Check(
        "ld_r2_correlation", "min", "correlation of LD r^2 over SNP pairs", low=-1.0
    ),
    "pca_distance_max": Check(
        "pca_distance",
        "max",
        "variance-weighted per-PC Wasserstein distance, in real SDs",
        high=math.inf,
    ),
    "pairwise_wasserstein_max": Check(
        "pairwise_wasserstein", "max", "Wasserstein distance of pairwise distances, per SNP"
    ),
    "c2st_auc_max": Check("c2st_auc", "max", "AUC of a classifier telling real from synthetic"),
    "aats_holdout_min": Check(
        "aats_holdout", "min", "nearest-neighbour adversarial accuracy vs holdout"
    ),
    "aats_holdout_max": Check(
        "aats_holdout", "max", "nearest-neighbour adversarial accuracy vs holdout"
    ),
    "privacy_loss_max": Check(
        "privacy_loss", "max", "AATS(holdout) - AATS(train): positive means leakage", low=-1.0
    ),
    "privacy_loss_excess_max": Check(
        "privacy_loss_excess",
        "max",
        "privacy loss minus that of a memoryless sample (frequencies only): leakage beyond "
        "what estimating population frequencies costs",
        low=-1.0,
    ),
    "exact_copies_max": Check(
        "exact_copies",
        "max",
        "synthetic haplotypes identical to a training haplotype",
        high=math.inf,
        integer=True,
    ),
    "near_copies_fraction_max": Check(
        "near_copies_fraction",
        "max",
        "share of synthetic haplotypes closer to training than the holdout's 1st percentile",
    ),
    "segment_copy_excess_max": Check(
        "segment_copy_excess",
        "max",
        "excess share of 50-SNP windows copied from training, over the holdout's",
        low=-1.0,
    ),
    "mia_auc_max": Check("mia_best_auc", "max", "best membership-inference attack AUC"),
    "mia_tpr_at_1pct_fpr_max": Check(
        "mia_best_tpr_at_1pct_fpr", "max", "best membership-inference TPR at 1% FPR"
    ),
    "epsilon_max": Check("epsilon", "max", "differential-privacy epsilon spent", high=math.inf),
}


@dataclass(frozen=True)
class Policy:
    """Thresholds a synthetic release must meet; ``None`` disables a check.

    Examples
    --------
    >>> policy = Policy.from_dict({"privacy_loss_max": 0.02, "epsilon_max": None})
    >>> policy.privacy_loss_max, Policy.from_dict(policy.to_dict()) == policy
    (0.02, True)
    >>> Policy.from_dict({"mia_auc_max": 1.5})
    Traceback (most recent call last):
    ...
    audit.metrics.policy.PolicyError: policy field 'mia_auc_max': expected a number from 0.0 to 1.0 or null; found 1.5
    """

    af_r2_min: float | None = 0.9
    ld_r2_correlation_min: float | None = 0.7
    pca_distance_max: float | None = 0.25
    pairwise_wasserstein_max: float | None = 0.05
    c2st_auc_max: float | None = 0.9
    aats_holdout_min: float | None = 0.4
    aats_holdout_max: float | None = 0.6
    privacy_loss_max: float | None = 0.05
    privacy_loss_excess_max: float | None = None
    exact_copies_max: int | None = 0
    near_copies_fraction_max: float | None = 0.03
    segment_copy_excess_max: float | None = 0.05
    mia_auc_max: float | None = 0.6
    mia_tpr_at_1pct_fpr_max: float | None = 0.05
    epsilon_max: float | None = None

    def __post_init__(self) -> None:
        for name in CHECKS:
            _check_field(name, getattr(self, name))
        low, high = self.aats_holdout_min, self.aats_holdout_max
        if low is not None and high is not None and low > high:
            raise PolicyError(
                f"policy fields 'aats_holdout_min' and 'aats_holdout_max': expected min <= "
                f"max; found {low} > {high}"
            )

    @classmethod
    def from_dict(cls, data: object) -> Policy:
        """Build a policy from JSON-like data; missing fields keep their defaults."""
        if not isinstance(data, dict):
            raise PolicyError(f"expected a policy object of fields; found {type(data).__name__}")
        unknown = sorted(set(data) - set(CHECKS))
        if unknown:
            raise PolicyError(
                f"unknown policy field '{unknown[0]}'; expected some of {', '.join(CHECKS)}"
            )
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _check_field(name: str, value: object) -> None:
    check = CHECKS[name]
    if value is None:
        return
    kind = "an integer" if check.integer else "a number"
    valid = isinstance(value, int | float) and not isinstance(value, bool)
    if valid and check.integer:
        valid = float(value).is_integer()  # type: ignore[arg-type]
    if not valid or not (check.low <= value <= check.high):  # type: ignore[operator]
        upper = "" if math.isinf(check.high) else f" to {check.high}"
        raise PolicyError(
            f"policy field '{name}': expected {kind} from {check.low}{upper} or null; "
            f"found {value!r}"
        )


@dataclass(frozen=True)
class Verdict:
    """The outcome of a policy against a headline: every check, and whether all passed."""

    passed: bool
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        """One line per failed check, with its value and threshold."""
        return [c["message"] for c in self.checks if not c["passed"]]


def evaluate(policy: Policy, headline: dict[str, Any]) -> Verdict:
    """Check a report's headline against a policy.

    Parameters
    ----------
    policy : Policy
    headline : dict
        Metric name to value; ``None`` (or a missing key) means not computed.

    Returns
    -------
    Verdict
        ``passed`` and ``checks``: one ``{name, metric, value, threshold, bound, passed,
        description, message}`` per enabled policy field.

    Examples
    --------
    >>> verdict = evaluate(Policy(), {"privacy_loss": 0.31, "af_r2": 0.99})
    >>> verdict.passed
    False
    >>> [m for m in verdict.failures if m.startswith("privacy")]
    ['privacy_loss = 0.31 > 0.05 (max): AATS(holdout) - AATS(train): positive means leakage']
    """
    checks = []
    for name, check in CHECKS.items():
        threshold = getattr(policy, name)
        if threshold is None:
            continue
        value = headline.get(check.metric)
        sign = ">=" if check.bound == "min" else "<="
        if value is None:
            passed = False
            message = f"{check.metric} not computed; the policy requires {sign} {threshold}"
        else:
            passed = value >= threshold if check.bound == "min" else value <= threshold
            broken = "<" if check.bound == "min" else ">"
            message = f"{check.metric} = {value:g} {broken if not passed else sign} {threshold:g} ({check.bound})"
        checks.append(
            {
                "name": name,
                "metric": check.metric,
                "value": value,
                "threshold": threshold,
                "bound": check.bound,
                "passed": bool(passed),
                "description": check.description,
                "message": f"{message}: {check.description}",
            }
        )
    return Verdict(passed=all(c["passed"] for c in checks), checks=checks)
