"""The release-policy form: one field per check the metrics' ``Policy`` registers."""

from __future__ import annotations

import math
from typing import Any

from django import forms

from audit.metrics.policy import CHECKS, Check


def threshold_label(check: Check) -> str:
    return f"{check.metric} ({'minimum' if check.bound == 'min' else 'maximum'})"


def threshold_help(check: Check) -> str:
    upper = "" if math.isinf(check.high) else f" to {check.high:g}"
    kind = "a whole number" if check.integer else "a number"
    return (f"{check.description[0].upper()}{check.description[1:]}. "
            f"Expected {kind} from {check.low:g}{upper}; leave blank to switch the check off.")


class PolicyForm(forms.Form):
    """Blank means "no threshold"; the range itself is checked by the metrics' Policy."""

    note = forms.CharField(
        label="What changed and why", max_length=2000, required=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with this version in the policy history.",
    )

    def __init__(self, *args: Any, thresholds: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        note = self.fields.pop("note")
        for name, check in CHECKS.items():
            field_class = forms.IntegerField if check.integer else forms.FloatField
            self.fields[name] = field_class(
                label=threshold_label(check), required=False, help_text=threshold_help(check),
                initial=(thresholds or {}).get(name),
                widget=forms.NumberInput(attrs={"step": "1" if check.integer else "any"}),
            )
        self.fields["note"] = note

    def thresholds(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in CHECKS}
