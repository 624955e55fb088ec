"""platform/ is a folder on sys.path, never a package that shadows the standard library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_platform_is_not_a_package() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_no_folder_under_platform_shadows_a_standard_module() -> None:
    folders = {p.name for p in (ROOT / "platform").iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert folders, "platform/ should hold the project's apps"
    assert not folders & set(sys.stdlib_module_names)


def test_torch_and_standard_platform_under_pytest() -> None:
    import platform

    import torch

    assert platform.system() and torch.tensor([1]).item() == 1


def test_torch_and_standard_platform_under_manage_py() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "import torch, platform; print(platform.system(), torch.__version__)"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split()[0] in {"Linux", "Darwin", "Windows"}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_torch_and_standard_platform_under_the_celery_worker(celery_worker_process) -> None:
    from jobs.tasks import environment_probe

    seen = environment_probe.delay().get(timeout=60)
    assert seen["system"] in {"Linux", "Darwin", "Windows"}
    assert seen["torch"].startswith("2.")


def _imported_modules(package: Path) -> set[str]:
    names: set[str] = set()
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text(), filename=str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    return names


@pytest.mark.parametrize("core", ["generation/engine", "audit/metrics"])
def test_domain_cores_import_neither_django_nor_celery(core: str) -> None:
    imported = _imported_modules(ROOT / core)
    offending = {n for n in imported if n.split(".")[0] in {"django", "celery", "rest_framework"}}
    assert not offending


def test_generation_never_imports_the_holdout() -> None:
    imported = _imported_modules(ROOT / "generation")
    assert "cohorts.holdout" not in imported
    assert not any("holdout" in name for name in imported)
