from django import forms
from django.conf import settings

from .services import CohortError, check_upload


class CohortUploadForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="Unique within your organisation.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    vcf = forms.FileField(
        label="Genotypes (VCF, VCF.gz or BCF)",
        help_text="Phased diploid genotypes (0|1) let every generator train; unphased files are "
        "stored as genotypes.",
    )
    panel = forms.FileField(
        label="Sample panel (TSV, optional)",
        required=False,
        help_text="Tab-separated with a header: sample, population, superpopulation.",
    )
    holdout_fraction = forms.FloatField(
        initial=0.2, min_value=0.05, max_value=0.5,
        help_text="Share of individuals kept out of training for the privacy audit.",
    )
    split_seed = forms.IntegerField(initial=0, min_value=0, help_text="Makes the split reproducible.")

    def clean_vcf(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["vcf"]
        try:
            check_upload(filename=upload.name, size=upload.size)
        except CohortError as error:
            raise forms.ValidationError(str(error)) from None
        return upload

    def clean_panel(self):  # type: ignore[no-untyped-def]
        panel = self.cleaned_data.get("panel")
        if panel is not None and panel.size > 50 * 1024**2:
            raise forms.ValidationError("the sample panel is over 50 MB: is it the right file?")
        return panel


def upload_limit_message() -> str:
    return f"{settings.SYNTHOME_MAX_UPLOAD_BYTES / 1024**2:,.0f} MB"
