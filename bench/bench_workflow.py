"""Seconds for the default target from cleaned data (claims, figures, reports); prints figures only.

    python bench/bench_workflow.py          # needs `snakemake -c2 data` to have run
    python bench/bench_workflow.py council  # the Security Council tables (issue 17) alone, cold

It removes results/ and reports/_output/, times `snakemake -c2` (everything downstream of
data/processed), then times a no-op rerun. Not a test: it asserts nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> float:
    t = time.perf_counter()
    res = subprocess.run(["snakemake", "-c2", *args], cwd=ROOT, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if res.returncode != 0:
        sys.exit(res.stderr[-3000:])
    return dt


#: outputs added by issue 17 (resolution texts, their coding and validation, meetings and outcomes)
COUNCIL = [f"data/processed/{t}.parquet" for t in (
    "unsc_resolutions", "unsc_resolution_date_report", "unsc_resolutions_coded", "unsc_meetings", "unsc_outcomes",
    "unsc_outcome_vetoes", "unsc_meetings_join_report")] + ["data/processed/unsc_coding_validation.csv"]


def council() -> None:
    """Seconds to build the Council tables from verified raw files (their cost on a cold build)."""
    for t in COUNCIL:
        (ROOT / t).unlink(missing_ok=True)
    for src in ("unsc-resolutions", "unsc-meetings"):
        shutil.rmtree(ROOT / "data" / "raw" / src, ignore_errors=True)
    cold = run(*COUNCIL)
    print(f"Security Council tables (fetch from mirror, 7 tables, validation), 2 cores: {cold:6.1f} s")


def main() -> None:
    if sys.argv[1:] == ["council"]:
        return council()
    if not (ROOT / "data" / "processed" / "country_year.parquet").exists():
        sys.exit("run `snakemake -c2 data` first")
    for d in ("results", "reports/_output"):
        shutil.rmtree(ROOT / d, ignore_errors=True)
    full = run()
    noop = run()
    print(f"default target from cleaned data (claims + figures + reports), 2 cores: {full:6.1f} s")
    print(f"no-op rerun:                                                         {noop:6.1f} s")


if __name__ == "__main__":
    main()
