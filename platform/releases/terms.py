"""Data-use terms as GA4GH Data Use Ontology (DUO) codes, and the licences on offer.

A release carries exactly one DUO *permission* (what research it may serve) and any
number of *modifiers* (conditions on that use). Labels follow the DUO release of 2021.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DuoTerm:
    code: str
    shorthand: str
    label: str
    permission: bool  # a primary permission, as opposed to a modifier

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "shorthand": self.shorthand, "label": self.label}


DUO_TERMS: tuple[DuoTerm, ...] = (
    DuoTerm("DUO:0000004", "NRES", "no restriction", True),
    DuoTerm("DUO:0000042", "GRU", "general research use", True),
    DuoTerm("DUO:0000006", "HMB", "health or medical or biomedical research", True),
    DuoTerm("DUO:0000007", "DS", "disease specific research", True),
    DuoTerm("DUO:0000011", "POA", "population origins or ancestry research only", True),
    DuoTerm("DUO:0000043", "CC", "clinical care use", False),
    DuoTerm("DUO:0000046", "NCU", "non-commercial use only", False),
    DuoTerm("DUO:0000045", "NPU", "not-for-profit organisation use only", False),
    DuoTerm("DUO:0000018", "NPUNCU", "not-for-profit, non-commercial use only", False),
    DuoTerm("DUO:0000019", "PUB", "publication required", False),
    DuoTerm("DUO:0000016", "GSO", "genetic studies only", False),
    DuoTerm("DUO:0000020", "COL", "collaboration required", False),
    DuoTerm("DUO:0000021", "IRB", "ethics approval required", False),
    DuoTerm("DUO:0000022", "GS", "geographical restriction", False),
    DuoTerm("DUO:0000024", "MOR", "publication moratorium", False),
    DuoTerm("DUO:0000025", "TS", "time limit on use", False),
    DuoTerm("DUO:0000028", "IS", "institution specific restriction", False),
    DuoTerm("DUO:0000029", "RTN", "return to database or resource", False),
)
DUO_BY_CODE = {term.code: term for term in DUO_TERMS}
DUO_CHOICES = [(t.code, f"{t.shorthand} ({t.code}): {t.label}") for t in DUO_TERMS]


class TermsError(ValueError):
    """Data-use terms that do not form a valid DUO statement."""


def check_duo_codes(codes: list[str]) -> list[str]:
    """The codes in DUO order, or :class:`TermsError` naming what to change."""
    unknown = [code for code in codes if code not in DUO_BY_CODE]
    if unknown:
        raise TermsError(
            f"unknown DUO code(s) {', '.join(unknown)}: choose from "
            f"{', '.join(t.code for t in DUO_TERMS)}"
        )
    permissions = [code for code in codes if DUO_BY_CODE[code].permission]
    if len(permissions) != 1:
        names = ", ".join(t.shorthand for t in DUO_TERMS if t.permission)
        raise TermsError(
            f"choose exactly one data-use permission ({names}); found {len(permissions)}"
        )
    chosen = set(codes)
    return [term.code for term in DUO_TERMS if term.code in chosen]


def duo_terms(codes: list[str]) -> list[DuoTerm]:
    return [DUO_BY_CODE[code] for code in codes if code in DUO_BY_CODE]


LICENCE_CHOICES = [
    ("CC0-1.0", "CC0 1.0 (public domain dedication)"),
    ("CC-BY-4.0", "CC BY 4.0 (attribution)"),
    ("CC-BY-NC-4.0", "CC BY-NC 4.0 (attribution, non-commercial)"),
    ("Synthome-DUA-1.0", "Synthome data use agreement 1.0"),
]
