"""Forms for runs and sampling; hyperparameter fields come from each model's dataclass."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django import forms

from generation.engine.base import HaplotypeGenerator, available_generators

from .models import MAX_MINUTES, ConditionOn
from .services import MAX_INDIVIDUALS, GenerationError

HYPERPARAMETER_PREFIX = "hp_"


def hyperparameter_field(spec: dataclasses.Field[Any]) -> forms.Field:
    """A form field for one hyperparameter: its type, default, bounds and help."""
    meta = spec.metadata
    default = spec.default
    help_text = meta.get("help", "")
    label = spec.name.replace("_", " ").capitalize()
    common: dict[str, Any] = {"label": label, "help_text": help_text, "initial": default}
    if isinstance(default, bool):
        return forms.BooleanField(required=False, **common)
    if "choices" in meta:
        return forms.TypedChoiceField(
            choices=[(c, str(c)) for c in meta["choices"]], coerce=type(default), required=False,
            **common,
        )
    bounds = {"min_value": meta.get("min"), "max_value": meta.get("max")}
    if bounds["min_value"] is not None or bounds["max_value"] is not None:
        low = "" if bounds["min_value"] is None else f"{bounds['min_value']:g}"
        high = "" if bounds["max_value"] is None else f"{bounds['max_value']:g}"
        common["help_text"] = f"{help_text} Range {low} to {high}; default {default:g}.".strip()
    if isinstance(default, int):
        return forms.IntegerField(required=False, **bounds, **common)
    if isinstance(default, float):
        return forms.FloatField(required=False, **bounds, **common)
    return forms.CharField(required=False, **common)


class RunForm(forms.Form):
    """A training run: model, its hyperparameters, differential privacy, seed, time budget.

    Build it with ``model_name`` (from :meth:`selected_model`); the hyperparameter fields
    are those of that model, prefixed ``hp_``. An empty hyperparameter takes its default.
    """

    model_name = forms.ChoiceField(label="Model")
    condition_on = forms.ChoiceField(
        choices=ConditionOn.choices, initial=ConditionOn.POPULATION, widget=forms.RadioSelect,
        required=False, label="Condition on",
        help_text="The panel's labels a conditional model learns, so that it can sample by them. "
        "Superpopulations are fewer, larger groups: less population detail, and a smaller "
        "membership signal for the privacy audit to find. Models that cannot condition, and "
        "cohorts without a panel, learn one mixture.",
    )
    target_epsilon = forms.FloatField(
        required=False, label="Target epsilon (ε)",
        help_text="Train with DP-SGD to this privacy budget; smaller is more private (1 to 10 is "
        "usual). Leave empty to train without differential privacy.",
    )
    target_delta = forms.FloatField(
        required=False, label="Target delta (δ)",
        help_text="Leave empty for 1 / (10 × training individuals).",
    )
    max_grad_norm = forms.FloatField(
        required=False, label="Max gradient norm",
        help_text="Per-individual gradient clipping bound for DP-SGD; default 1.0.",
    )
    seed = forms.IntegerField(initial=0, min_value=0, help_text="Makes the run reproducible.")
    max_minutes = forms.IntegerField(
        initial=10, min_value=1, max_value=MAX_MINUTES, label="Max minutes",
        help_text="Training stops after this long and keeps what it has learnt.",
    )

    def __init__(self, *args: Any, model_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.generators = available_generators()
        self.fields["model_name"].choices = [(name, name) for name in self.generators]
        self.fields["model_name"].initial = model_name
        self.model_class: HaplotypeGenerator | None = self.generators.get(model_name)  # type: ignore[assignment]
        if self.model_class is not None:
            for spec in dataclasses.fields(self.model_class.Params):
                self.fields[HYPERPARAMETER_PREFIX + spec.name] = hyperparameter_field(spec)

    @classmethod
    def selected_model(cls, data: Mapping[str, Any]) -> str:
        """The model the form is for: the one submitted, else the first registered."""
        generators = available_generators()
        chosen = data.get("model_name")
        return chosen if chosen in generators else next(iter(generators), "")

    def hyperparameter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(HYPERPARAMETER_PREFIX)]

    def settings_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("target_epsilon", "target_delta", "max_grad_norm",
                                        "seed", "max_minutes")]

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for :func:`generation.services.run_create`."""
        data = self.cleaned_data
        hyperparameters = {
            name.removeprefix(HYPERPARAMETER_PREFIX): value
            for name, value in data.items()
            if name.startswith(HYPERPARAMETER_PREFIX) and value not in (None, "")
        }
        return {
            "model_name": data["model_name"],
            "hyperparameters": hyperparameters,
            "target_epsilon": data["target_epsilon"],
            "target_delta": data["target_delta"],
            "max_grad_norm": data["max_grad_norm"],
            "seed": data["seed"],
            "max_minutes": data["max_minutes"],
            "condition_on": data["condition_on"] or ConditionOn.POPULATION,
        }

    def add_generation_error(self, error: GenerationError) -> None:
        """Show a service error next to the field it names (or above the form)."""
        field = error.field
        if field and field.startswith("hyperparameters."):
            field = HYPERPARAMETER_PREFIX + field.split(".", 1)[1]
        self.add_error(field if field in self.fields else None, str(error))


class SampleForm(forms.Form):
    """How many synthetic individuals to draw, from which population, with which seed."""

    n_individuals = forms.IntegerField(
        initial=100, min_value=1, max_value=MAX_INDIVIDUALS, label="Individuals",
        help_text="Each synthetic individual is two sampled haplotypes.",
    )
    population = forms.ChoiceField(
        required=False, help_text="Sample one population, or the training mixture.",
    )
    seed = forms.IntegerField(initial=0, min_value=0, help_text="Makes the sample reproducible.")

    def __init__(self, *args: Any, populations: list[str], level: str = ConditionOn.POPULATION,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if populations:
            field = self.fields["population"]
            field.label = level.capitalize()
            field.help_text = f"Sample one {level}, or the training mixture."
            field.choices = [("", "All (training mixture)")] + [(name, name) for name in populations]
        else:
            del self.fields["population"]

    def add_generation_error(self, error: GenerationError) -> None:
        self.add_error(error.field if error.field in self.fields else None, str(error))
