"""The code style checks CI runs first (.ci/run): ruff's linter and formatter, and snakefmt on the
workflow, each with the settings in pyproject.toml. A finding fails the test with the tool's own
report (file, line, rule); run the tool without `--check` to fix formatting."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import ROOT


def _snakefmt() -> str:
    """snakefmt beside this interpreter (the test extra installs it there), else on PATH."""
    beside = Path(sys.executable).with_name("snakefmt")
    return str(beside) if beside.exists() else (shutil.which("snakefmt") or "snakefmt")


CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
    "ruff format --check": [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
    "snakefmt --check": [_snakefmt(), "--check", "Snakefile", "rules"],
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_code_is_clean(name):
    r = subprocess.run(CHECKS[name], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{name} found problems (exit {r.returncode}):\n{r.stdout}\n{r.stderr}"


def test_the_checks_can_fail(tmp_path):
    """Each tool, given a file that breaks its rules, exits non-zero (the test above is not vacuous)."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nx=( 1,2 )\n", encoding="utf-8")
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", "F401", str(bad)],
        capture_output=True,
        text=True,
    )
    fmt = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "--isolated", str(bad)],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 1 and "F401" in lint.stdout
    assert fmt.returncode == 1
    smk = tmp_path / "Snakefile"
    smk.write_text('rule a:\n  output: "x"\n  shell: "touch {output}"\n', encoding="utf-8")
    r = subprocess.run([_snakefmt(), "--check", str(smk)], capture_output=True, text=True)
    assert r.returncode != 0
