"""bench/generators.py refuses arguments it cannot honour before it trains or audits anything."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "generators.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generators", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--param", "components"], "--param expects NAME=VALUE; found 'components'"),
        (["--param", "=4"], "--param expects NAME=VALUE; found '=4'"),
        (["--reaudit", "--resume"], "--reaudit trains nothing; drop --resume"),
        (["--reaudit", "--param", "components=4", "--seed", "1"], "drop --param, --seed"),
        (["--reaudit", "--labels", "none"], "drop --labels"),
        (["--labels", "continent"], "argument --labels: invalid choice"),
    ],
)
def test_arguments_that_cannot_be_honoured_are_refused(bench, capsys, argv, message) -> None:  # type: ignore[no-untyped-def]
    results_before = bench.RESULTS.read_bytes() if bench.RESULTS.exists() else None
    with pytest.raises(SystemExit) as exit_info:
        bench.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert (bench.RESULTS.read_bytes() if bench.RESULTS.exists() else None) == results_before
