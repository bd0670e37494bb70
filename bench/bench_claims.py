"""Specifications per second for the claims' own specification curves, fast vs a plain loop.

    python bench/bench_claims.py            # needs `snakemake -c2 data` to have run
    python bench/bench_claims.py --repeat 3 # best of 3 per claim and mode

For every claim in config/claims.yaml the script runs `analysis.claims.run_claim` twice
in one warm process:

- **fast**: the project's path (shared designs in a `DesignCache`, one numpy Newton fit
  per design reused across terms and clusterings, vectorised exact tests);
- **plain**: the same specifications inside `analysis.stats.plain_loop()`, which
  shares nothing between specifications (every sample and design rebuilt), fits every
  logit with statsmodels' GLM (`cov_type="cluster"`), and calls scipy's `binomtest` /
  `fisher_exact` and statsmodels' `proportion_confint` once per specification.

It times the specification curve itself (the `spec_curve` call: building samples and
designs and estimating), not reading the tables or the primary detail, which both modes
share. It checks that the two modes give the same numbers (max relative difference of
estimate, interval and p over all specifications) and prints the figures. Not a test:
it asserts nothing; the equality is asserted by the claims tests
`test_plain_statsmodels_loop_gives_the_same_curve` (tests/conftest.py, `assert_plain_loop_equal`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's `analysis`

import numpy as np  # noqa: E402

import analysis.claims.run as claims_run  # noqa: E402
from analysis import ROOT  # noqa: E402
from analysis.claims import load_claims, run_claim  # noqa: E402
from analysis.stats import plain_loop  # noqa: E402

_TIMES: dict[str, float] = {}
_orig_spec_curve = claims_run.spec_curve


def _timed_spec_curve(*args, **kw):
    t = time.perf_counter()
    out = _orig_spec_curve(*args, **kw)
    _TIMES[kw.get("key", "")] = time.perf_counter() - t
    return out


def max_rel_diff(a, b) -> float:
    worst = 0.0
    for col in ("estimate", "ci_low", "ci_high", "p_value"):
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        both = ~np.isnan(x) & ~np.isnan(y)
        if (np.isnan(x) != np.isnan(y)).any():
            return float("inf")
        if both.any():
            worst = max(worst, float(np.max(np.abs(x[both] - y[both]) / np.maximum(1e-12, np.abs(y[both])))))
    return worst


def run(claim, processed, plain: bool, repeat: int):
    best, curve = float("inf"), None
    for _ in range(repeat):
        if plain:
            with plain_loop():
                _, curve = run_claim(claim, processed)
        else:
            _, curve = run_claim(claim, processed)
        best = min(best, _TIMES[f"claims/{claim.id}"])
    return best, curve


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs per claim and mode")
    ap.add_argument("--only", nargs="*", help="claim ids")
    args = ap.parse_args()
    claims_run.spec_curve = _timed_spec_curve
    processed = ROOT / "data" / "processed"
    claims = {k: v for k, v in load_claims(processed=processed).items() if not args.only or k in args.only}
    print(f"{os.cpu_count()} cores; times are the spec_curve call (best of {args.repeat})")
    print(
        f"{'claim':6} {'specs':>5} {'fast s':>7} {'fast/s':>8} {'plain s':>8} {'plain/s':>8} {'speedup':>8} "
        f"{'max rel diff':>13}"
    )
    tf = tp = 0.0
    total = 0
    for cid, claim in claims.items():
        run_claim(claim, processed)  # warm the process (imports, first table reads)
        f, cf = run(claim, processed, False, args.repeat)
        p, cp = run(claim, processed, True, args.repeat)
        n = len(cf)
        tf, tp, total = tf + f, tp + p, total + n
        print(f"{cid:6} {n:5d} {f:7.2f} {n / f:8.1f} {p:8.2f} {n / p:8.1f} {p / f:7.1f}x {max_rel_diff(cf, cp):13.1e}")
    print(f"{'all':6} {total:5d} {tf:7.2f} {total / tf:8.1f} {tp:8.2f} {total / tp:8.1f} {tp / tf:7.1f}x")
    print(
        f"target: the fast path at least 20x the plain loop: {'met' if tp / tf >= 20 else 'NOT met'} ({tp / tf:.1f}x)"
    )

    # the whole claims stage as the workflow runs it: one process per claim (`python -m analysis
    # claim`), curve tests and details included, two at a time as `snakemake -c2` runs them
    import subprocess
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    def one(cid: str, out: str) -> float:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "analysis", "claim", cid, "--processed", str(processed), "--out", out],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        return time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(2) as ex:
            per = dict(zip(claims, ex.map(lambda c: one(c, out), claims)))
        wall = time.perf_counter() - t0
    print(
        "claims stage, one process per claim, 2 at a time (curve tests included): "
        + ", ".join(f"{c} {s:.1f}s" for c, s in per.items())
    )
    print(
        f"claims stage wall time: {wall:.1f} s for {len(claims)} claims; target under 120 s: "
        f"{'met' if wall < 120 else 'NOT met'}"
    )
    ct = [c for c, cl in claims.items() if cl.curve_test is not None]
    print(
        f"the specification-curve test covers: {', '.join(ct)} (the others have no null-draw function: "
        "their curves would need every model refitted per resample)"
    )


if __name__ == "__main__":
    main()
