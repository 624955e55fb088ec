"""Fidelity and privacy metrics for synthetic haplotypes: numpy, scipy, scikit-learn only.

No Django, Celery or torch here: the site's audit task, the CLI (``python -m audit``)
and the benchmarks all call these functions on plain uint8 haplotype matrices of shape
``(n_haplotypes, n_variants)`` (the convention of :mod:`generation.engine.genotypes`).

The float-valued functions raise :class:`NotComputed` (a ``ValueError``) when a metric is
undefined on their inputs; :func:`audit_report` records such metrics as
``{"computed": false, "reason": ...}``.
"""

from .c2st import classifier_two_sample_auc
from .closest_record import exact_copies
from .distances import nearest_neighbour_hamming
from .fidelity import allele_frequency_r2
from .inputs import AuditError, NotComputed
from .ld import ld_r2_correlation
from .pairwise import pairwise_distance_wasserstein
from .pca import pca_distance
from .policy import Policy, PolicyError, Verdict, evaluate
from .privacy import aats, privacy_loss
from .report import audit_report

__all__ = [
    "AuditError",
    "NotComputed",
    "Policy",
    "PolicyError",
    "Verdict",
    "aats",
    "allele_frequency_r2",
    "audit_report",
    "classifier_two_sample_auc",
    "evaluate",
    "exact_copies",
    "ld_r2_correlation",
    "nearest_neighbour_hamming",
    "pairwise_distance_wasserstein",
    "pca_distance",
    "privacy_loss",
]
