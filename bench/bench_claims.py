"""Specifications per second for each claim's real specification curve; prints figures only.

    python bench/bench_claims.py      # needs `snakemake -c2 data` to have run

Times `analysis.claims.run_claim` (data loading included, in one warm process) for every
claim in config/claims.yaml. The synthetic comparison with a plain statsmodels loop is in
bench/bench_speccurve.py. Not a test: it asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's `analysis`

from analysis import ROOT
from analysis.claims import load_claims, run_claim


def main() -> None:
    processed = ROOT / "data" / "processed"
    claims = load_claims(processed=processed)
    total_specs, total_s = 0, 0.0
    print(f"{'claim':6} {'specs':>6} {'seconds':>8} {'specs/s':>8}")
    for cid, claim in claims.items():
        t = time.perf_counter()
        _, curve = run_claim(claim, processed)
        dt = time.perf_counter() - t
        total_specs += len(curve)
        total_s += dt
        print(f"{cid:6} {len(curve):6d} {dt:8.2f} {len(curve) / dt:8.1f}")
    print(f"{'all':6} {total_specs:6d} {total_s:8.2f} {total_specs / total_s:8.1f}")


if __name__ == "__main__":
    main()
