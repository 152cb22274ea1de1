"""The package is typed: mypy --strict finds nothing in it, nor in the example engine that uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def mypy(tmp_path: Path, *targets: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy-cache"), *map(str, targets)],
        env={"MYPYPATH": str(ROOT / "clients" / "python" / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )


def test_the_client_passes_mypy_strict(tmp_path: Path) -> None:
    result = mypy(tmp_path, ROOT / "clients" / "python" / "src" / "arbfleet_task")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_example_engine_passes_mypy_strict_against_the_client(tmp_path: Path) -> None:
    engine = ROOT / "examples" / "python-engine"
    result = mypy(tmp_path, engine / "engine.py", engine / "market.py", engine / "paper.py")
    assert result.returncode == 0, result.stdout + result.stderr
