"""python manage.py train COHORT --model MODEL [...]: train (and sample) in this process.

The same services as the site and the workers, run in-process: the run is recorded,
logged in the event chain and shown on the site like any other.
"""

from __future__ import annotations

from typing import Any

from cohorts.models import Cohort
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from jobs.models import JobStatus

from generation.engine.base import EngineError, Hyperparameters, Progress, get_generator_class
from generation.models import ConditionOn, GeneratorRun
from generation.progress import progress_message
from generation.services import (
    GenerationError,
    run_create,
    run_train,
    sample_create,
    sample_generate,
)


def parse_params(params_class: type[Hyperparameters], assignments: list[str]) -> dict[str, Any]:
    """``["epochs=5", "chains=data"]`` -> values typed as the model's hyperparameters are.

    Names the model does not know pass through: :func:`run_create` refuses them and lists
    the ones it knows.
    """
    values: dict[str, Any] = {}
    for assignment in assignments:
        name, equals, text = assignment.partition("=")
        name = name.strip()
        if not equals or not name:
            raise CommandError(f"--param expects NAME=VALUE; found {assignment!r}")
        try:
            values[name] = params_class.typed(name, text)
        except EngineError as error:
            raise CommandError(f"--param {error}") from None
    return values


def _cohort(reference: str, organisation: str | None) -> Cohort:
    cohorts = Cohort.objects.select_related("organisation")
    if organisation:
        cohorts = cohorts.filter(organisation__slug=organisation)
    found = list(cohorts.filter(pk=int(reference))) if reference.isdigit() else []
    found = found or list(cohorts.filter(name=reference))
    if not found:
        raise CommandError(f"no cohort with id or name {reference!r}"
                           + (f" in organisation {organisation!r}" if organisation else ""))
    if len(found) > 1:
        slugs = ", ".join(sorted(c.organisation.slug for c in found))
        raise CommandError(f"several organisations have a cohort named {reference!r} ({slugs}): "
                           "pass --org SLUG or the cohort's id")
    return found[0]


def _user(username: str | None, cohort: Cohort) -> Any:
    if username is None:
        return cohort.created_by
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"no user {username!r}") from None


def _location(name: str) -> str:
    try:
        return default_storage.path(name)
    except NotImplementedError:
        return name


class Command(BaseCommand):
    help = "Train a generator on a cohort's training split in this process, and optionally sample."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cohort", help="Cohort id or name.")
        parser.add_argument("--model", required=True, help="Model kind (rbm, gan, autoregressive, ...).")
        parser.add_argument("--epsilon", type=float, help="Target epsilon: train with DP-SGD.")
        parser.add_argument("--delta", type=float, help="Target delta (DP only).")
        parser.add_argument("--max-grad-norm", type=float, help="Gradient clipping norm (DP only).")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--max-minutes", type=int, default=10)
        parser.add_argument("--condition-on", choices=ConditionOn.values, default=ConditionOn.POPULATION,
                            help="The panel's labels a conditional model learns to sample by.")
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                            help="A hyperparameter; repeat for several.")
        parser.add_argument("--sample", type=int, metavar="N",
                            help="Then sample N synthetic individuals (VCF, index, panel).")
        parser.add_argument("--population",
                            help="Sample this population (a superpopulation when conditioned on them).")
        parser.add_argument("--org", help="Organisation slug, when the cohort name is ambiguous.")
        parser.add_argument("--user", help="Record the run as this user (default: the cohort's registrant).")

    def handle(self, *args: Any, **options: Any) -> None:
        cohort = _cohort(options["cohort"], options["org"])
        user = _user(options["user"], cohort)
        try:
            params_class = get_generator_class(options["model"]).Params
        except EngineError as error:
            raise CommandError(str(error)) from None
        try:
            run = run_create(
                cohort=cohort, user=user, model_name=options["model"],
                hyperparameters=parse_params(params_class, options["param"]),
                target_epsilon=options["epsilon"], target_delta=options["delta"],
                max_grad_norm=options["max_grad_norm"], seed=options["seed"],
                max_minutes=options["max_minutes"], condition_on=options["condition_on"], queue=False,
            )
        except GenerationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"run {run.pk}: training {run.model_name} on {cohort.name} "
                          f"({cohort.n_train_samples} training individuals, {cohort.n_variants} SNPs)")
        run_train(run_id=run.pk, on_progress=self._printer())
        run = GeneratorRun.objects.get(pk=run.pk)
        if run.status != JobStatus.SUCCEEDED:
            raise CommandError(f"run {run.pk} {run.get_status_display().lower()}: "
                               f"{run.error_message or run.progress_message}")
        epsilon = "none" if run.epsilon_spent is None else f"{run.epsilon_spent:.4g}"
        self.stdout.write(
            f"run {run.pk} succeeded: model={run.model_name} {run.progress_message} "
            f"train_seconds={run.train_seconds:.1f} epsilon={epsilon} model={_location(run.model_file)}"
        )
        if options["sample"] is not None:
            self._sample(run, user, options["sample"], options["population"], options["seed"])

    def _printer(self):  # type: ignore[no-untyped-def]
        def report(progress: Progress) -> None:
            every = max(1, progress.total_steps // 20)
            if progress.step % every == 0 or progress.step == progress.total_steps:
                entry = {"step": progress.step, "total": progress.total_steps,
                         "metrics": progress.metrics, "epsilon": progress.epsilon}
                self.stdout.write(f"  {progress_message(entry)}")

        return report

    def _sample(self, run: GeneratorRun, user: Any, n: int, population: str | None, seed: int) -> None:
        try:
            created = sample_create(run=run, user=user, n_individuals=n, population=population,
                                    seed=seed, queue=False)
        except GenerationError as error:
            raise CommandError(str(error)) from None
        synthetic_set = sample_generate(sample_id=created.pk)
        if synthetic_set is None or synthetic_set.status != JobStatus.SUCCEEDED:
            message = synthetic_set.error_message if synthetic_set else "claimed by another worker"
            raise CommandError(f"sampling failed: {message}")
        self.stdout.write(
            f"synthetic set {synthetic_set.pk} succeeded: individuals={synthetic_set.n_individuals} "
            f"vcf={_location(synthetic_set.vcf_file)}"
        )
