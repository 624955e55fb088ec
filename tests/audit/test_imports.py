"""The audit core stays a plain scientific library: no Django, Celery or torch."""

from __future__ import annotations

import ast
from pathlib import Path

AUDIT = Path(__file__).resolve().parents[2] / "audit"
FORBIDDEN = {"django", "celery", "torch", "opacus", "kombu"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_metrics_cli_and_entry_point_import_no_web_or_training_framework():
    files = [
        *sorted((AUDIT / "metrics").glob("*.py")),
        AUDIT / "__main__.py",
        AUDIT / "__init__.py",
    ]
    assert len(files) > 10
    for path in files:
        assert not imported_roots(path) & FORBIDDEN, path


def test_metric_modules_stay_small():
    for path in (AUDIT / "metrics").glob("*.py"):
        assert len(path.read_text().splitlines()) < 400, path
