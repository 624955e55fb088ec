"""python manage.py train: progress and a summary line; bad input is a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from generation.engine.vcf import read_vcf
from generation.models import GeneratorRun, SyntheticSet

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db
TINY = ["epochs=3", "n_hidden=8", "batch_size=16", "gibbs_steps=1", "sample_gibbs_steps=5",
        "chains=data"]


def test_train_by_name_prints_progress_and_the_summary(ingested_cohort, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("train", "Simulated", model="rbm", seed=2, param=TINY)
    lines = capsys.readouterr().out.strip().splitlines()
    run = GeneratorRun.objects.get()
    assert lines[0] == (f"run {run.pk}: training rbm on Simulated "
                        f"({ingested_cohort.n_train_samples} training individuals, {ingested_cohort.n_variants} SNPs)")
    assert lines[1].strip().startswith("epoch 1 of 3 · reconstruction_error")
    assert lines[-1].startswith(f"run {run.pk} succeeded: model=rbm trained: 3 of 3 epochs")
    assert "epsilon=none" in lines[-1]
    assert run.status == "succeeded" and run.seed == 2 and run.hyperparameters["chains"] == "data"
    assert run.created_by == ingested_cohort.created_by


def test_train_by_id_then_sample(ingested_cohort, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("train", str(ingested_cohort.pk), "--model", "rbm", "--sample", "4", "--param", *TINY[:1],
                 "--param", "n_hidden=8", "--param", "sample_gibbs_steps=2")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    synthetic_set = SyntheticSet.objects.get()
    assert last.startswith(f"synthetic set {synthetic_set.pk} succeeded: individuals=4 vcf=")
    assert len(read_vcf(default_storage.path(synthetic_set.vcf_file)).samples) == 4


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["Nowhere", "--model", "rbm"], "no cohort with id or name 'Nowhere'"),
        (["Simulated", "--model", "nonesuch"], "unknown model 'nonesuch'"),
        (["Simulated", "--model", "rbm", "--param", "epochs"], "--param expects NAME=VALUE"),
        (["Simulated", "--model", "rbm", "--param", "epochs=lots"], "--param epochs expects an integer"),
        (["Simulated", "--model", "rbm", "--param", "chains=sometimes"], "chains must be one of random, persistent, data"),
        (["Simulated", "--model", "rbm", "--param", "centered=maybe"], "--param centered expects true or false"),
        (["Simulated", "--model", "rbm", "--param", "depth=3"], "unknown hyperparameter(s) depth"),
        (["Simulated", "--model", "rbm", "--epsilon", "1"], "cannot be trained with differential privacy"),
        (["Simulated", "--model", "autoregressive", "--epsilon", "0"], "target epsilon must be greater than 0"),
        (["Simulated", "--model", "autoregressive", "--condition-on", "continent"],
         "argument --condition-on: invalid choice: 'continent'"),
    ],
)
def test_bad_input_is_a_command_error_with_the_reason(ingested_cohort, arguments: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError) as caught:
        call_command("train", *arguments)
    assert message in str(caught.value)
    assert not GeneratorRun.objects.exists()


def test_params_are_typed_as_the_model_declares_them() -> None:
    from dataclasses import dataclass, field

    from generation.engine.base import Hyperparameters
    from generation.management.commands.train import parse_params

    @dataclass(frozen=True)
    class Params(Hyperparameters):
        epochs: int = 1
        rate: float = 0.1
        shuffle: bool = field(default=True)
        mode: str = "a"

    assert parse_params(Params, ["epochs=3", "rate=1e-3", "shuffle=no", "mode=b", "other=x"]) == {
        "epochs": 3, "rate": 0.001, "shuffle": False, "mode": "b", "other": "x"}
    with pytest.raises(CommandError, match="--param shuffle expects true or false; found 'maybe'"):
        parse_params(Params, ["shuffle=maybe"])
    with pytest.raises(CommandError, match="--param rate expects a number; found 'fast'"):
        parse_params(Params, ["rate=fast"])


def test_a_failed_training_is_a_command_error(ingested_cohort, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from generation.engine.base import EngineError
    from generation.engine.models.rbm import RBMGenerator

    def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise EngineError("expected at least 2 training haplotypes; found 1")

    monkeypatch.setattr(RBMGenerator, "fit", refuse)
    with pytest.raises(CommandError, match=r"run \d+ failed: Expected at least 2 training haplotypes"):
        call_command("train", "Simulated", model="rbm", param=TINY)


def test_the_command_exits_non_zero_from_the_shell(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    database = settings.DATABASES["default"]
    result = subprocess.run(
        [sys.executable, "manage.py", "train", "Nowhere", "--model", "rbm"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test",
             "SYNTHOME_VAR_DIR": str(tmp_path),
             "DATABASE_URL": f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
                             f"{database['PORT'] or 5432}/{database['NAME']}"},
    )
    assert result.returncode == 1
    assert "no cohort with id or name 'Nowhere'" in result.stderr
