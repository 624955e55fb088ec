from __future__ import annotations

from typing import Any

from django import forms

from .access_services import DEFAULT_GRANT_DAYS, MAX_GRANT_DAYS, MIN_PURPOSE
from .terms import DUO_CHOICES, LICENCE_CHOICES


class ReleaseProposalForm(forms.Form):
    synthetic_set = forms.ModelChoiceField(
        queryset=None,  # set per organisation in __init__
        help_text="Only audited synthetic sets of your organisation that are not already released.",
    )
    title = forms.CharField(max_length=200)
    version = forms.CharField(max_length=40, initial="1.0", help_text="Bump it for a new set of the same data.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text="What researchers get and what it is good for.")
    licence = forms.ChoiceField(choices=LICENCE_CHOICES)
    duo_codes = forms.MultipleChoiceField(
        label="Data-use terms (GA4GH DUO)", choices=DUO_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text="Exactly one permission (NRES, GRU, HMB, DS or POA) and any modifiers.",
    )

    def __init__(self, *args: Any, synthetic_sets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["synthetic_set"]
        field.queryset = synthetic_sets  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: (  # type: ignore[attr-defined]
            f"Set {s.pk}: {s.n_individuals} individuals from run {s.run_id} "
            f"({s.run.model_name}, cohort {s.run.cohort.name}); audit {s.audit.verdict}"
        )


class ReleaseDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")],
                                 widget=forms.RadioSelect)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Recorded in the event log and shown to your organisation.")
    override_justification = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        label="Override justification (failing audits only)",
        help_text="Approving a release whose audit failed needs a written justification; it is "
        "published on the release page, in the manifest and in the catalogue.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class AccessRequestForm(forms.Form):
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), min_length=MIN_PURPOSE,
        help_text="Your research question and how the synthetic genomes serve it.",
    )
    accept_terms = forms.BooleanField(
        label="I accept the data-use terms listed above and will not attempt to re-identify "
        "anyone from this data.",
    )


class GrantDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")],
                                 widget=forms.RadioSelect)
    days = forms.IntegerField(min_value=1, max_value=MAX_GRANT_DAYS, initial=DEFAULT_GRANT_DAYS,
                              help_text="How long the download link works once approved.")
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Required when rejecting; the researcher sees it.")


class CatalogueFilterForm(forms.Form):
    population = forms.ChoiceField(required=False)
    min_snps = forms.IntegerField(required=False, min_value=0, label="SNPs at least")
    max_snps = forms.IntegerField(required=False, min_value=0, label="SNPs at most")
    max_epsilon = forms.FloatField(required=False, min_value=0, label="ε at most",
                                   help_text="Only differentially private releases with ε spent up to this.")

    def __init__(self, *args: Any, populations: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["population"].choices = [("", "any")] + [(p, p) for p in populations]  # type: ignore[attr-defined]
