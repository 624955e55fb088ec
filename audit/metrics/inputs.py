"""Boundary checks and the "not computed" convention shared by every metric.

Haplotype sets follow the genotype convention of :mod:`generation.engine.genotypes`:
``uint8`` arrays of shape ``(n_haplotypes, n_variants)`` holding 0/1. Every public
metric checks its inputs here, so a malformed array or a variant-count mismatch fails
with one "expected ...; found ..." message wherever it enters.

A metric that cannot be computed (too few haplotypes, no labels, no polymorphic SNP)
never returns NaN. The float-valued functions raise :class:`NotComputed`; the summary
functions and :func:`audit.metrics.report.audit_report` turn that into the explicit
record ``{"computed": False, "reason": "..."}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from generation.engine.genotypes import InvalidGenotypeError, check_haplotypes


class AuditError(ValueError):
    """Inputs the audit refuses (wrong shapes, mismatched SNPs, bad options)."""


class NotComputed(AuditError):
    """A metric that cannot be computed on these inputs; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_sets(**named_sets: object) -> dict[str, np.ndarray]:
    """Check haplotype sets and that they share one number of SNPs.

    Parameters
    ----------
    **named_sets : array_like, uint8, shape (n_haplotypes, n_variants)
        Haplotype sets keyed by the name used in error messages; the first one fixes the
        expected number of SNPs.

    Returns
    -------
    dict of str to numpy.ndarray
        The same sets as contiguous ``uint8`` arrays.

    Examples
    --------
    >>> sets = check_sets(real=[[0, 1], [1, 1]], synthetic=[[0, 0]])
    >>> sets["synthetic"].shape
    (1, 2)
    >>> check_sets(real=[[0, 1]], synthetic=[[0, 1, 1]])
    Traceback (most recent call last):
    ...
    audit.metrics.inputs.AuditError: expected synthetic with 2 SNPs (as real); found 3 SNPs
    """
    checked: dict[str, np.ndarray] = {}
    first: str | None = None
    for name, haplotypes in named_sets.items():
        try:
            array = check_haplotypes(haplotypes, name=name)
        except InvalidGenotypeError as error:
            raise AuditError(str(error)) from None
        if first is None:
            first = name
        elif array.shape[1] != checked[first].shape[1]:
            raise AuditError(
                f"expected {name} with {checked[first].shape[1]} SNPs (as {first}); "
                f"found {array.shape[1]} SNPs"
            )
        checked[name] = array
    return checked


def require_haplotypes(haplotypes: np.ndarray, minimum: int, *, name: str) -> None:
    """Raise :class:`NotComputed` when a set has fewer than ``minimum`` haplotypes."""
    if haplotypes.shape[0] < minimum:
        raise NotComputed(
            f"needs at least {minimum} {name} haplotypes; found {haplotypes.shape[0]}"
        )


def not_computed(reason: str) -> dict[str, Any]:
    """The explicit record of a metric that could not be computed."""
    return {"computed": False, "reason": reason}


def computed_or_reason(metric: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``metric`` and return its record, or the reason it could not be computed."""
    try:
        record = metric()
    except NotComputed as error:
        return not_computed(error.reason)
    return {"computed": True, **record}
