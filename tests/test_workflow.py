"""End to end: `snakemake -c2 data` from a clean copy, twice; byte-identical outputs; reruns.

This is the slowest test (a few minutes): it runs the real workflow on the real data.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis import ROOT
from analysis.sources import resolve_mirror

pytestmark = pytest.mark.slow


def _clean_copy(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file():
            (dest / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f.decode())
    return dest


def _snakemake(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, R2P_DATA_MIRROR=str(resolve_mirror()))
    return subprocess.run(["snakemake", "-c2", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)


def _hashes(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    runs = []
    for name in ("a", "b"):
        wd = _clean_copy(tmp_path_factory.mktemp(f"clone_{name}"))
        res = _snakemake(wd, "data")
        assert res.returncode == 0, res.stderr[-4000:]
        runs.append(wd)
    return runs


def test_data_target_builds_every_contract_table(two_runs):
    processed = two_runs[0] / "data" / "processed"
    names = {p.name for p in processed.iterdir()}
    for required in ("hmi_cases.parquet", "hmi_release_diff.csv", "imi_interventions.parquet",
                     "country_year.parquet", "crosswalk_report.csv", "datapackage.json"):
        assert required in names
    # every rule wrote its log
    assert any((two_runs[0] / "logs" / "clean").iterdir())


def test_two_clean_runs_are_byte_identical(two_runs):
    a, b = (_hashes(r / "data" / "processed") for r in two_runs)
    assert a == b
    assert len(a) >= 30


def test_rerun_does_nothing_and_one_raw_change_reruns_only_dependents(two_runs):
    wd = two_runs[0]
    res = _snakemake(wd, "-n", "data")
    assert res.returncode == 0 and "Nothing to be done" in res.stdout + res.stderr
    # a changed raw file reruns its cleaners and what depends on them, nothing else
    # (Snakemake compares checksums, so the content must change, not only the mtime)
    raw = wd / "data" / "raw" / "unsc-vetoes" / "unsc_vetoes_1946_sept2022.csv"
    raw.write_bytes(raw.read_bytes() + b"\n")
    res = _snakemake(wd, "-n", "data")
    out = res.stdout + res.stderr
    jobs = set(re.findall(r"wildcards: table=(\w+)", out))
    assert jobs == {"unsc_vetoes", "unsc_vetoes_by_member"}, out[-3000:]
    assert "rule country_year" not in out
    assert "rule datapackage" in out
