"""How the claims stage's cost grows with its work: time and peak memory at 1x, 10x, 100x the
specifications, locally at -c1 and -c2 and through the Slurm profile. Prints figures only.

    python bench/bench_scale.py                              # needs `snakemake -c2 data` to have run
    python bench/bench_scale.py --factors 1 10 --modes c1 c2 slurm --only CC3 LB1 AC1
    python bench/bench_scale.py --grow resamples --factors 1 10 100

The work grows by a generated registry (never a hand-edit): `--grow claims` (the default)
repeats every claim of config/claims.yaml k times under new ids (RC1 -> RC1001, RC1002, ...;
the same specifications, so k times the specifications and k times the claim jobs);
`--grow resamples` multiplies the specification-curve test's resamples by k (999 -> 9,990 ->
99,900; the three claims that declare a curve test do k times the null draws in one job each).
The generated registry is passed with `--config claims=...`; `--only` restricts the claims.

Each run: a clean copy of this checkout (tracked and untracked files) with data/processed
copied in, `results/` empty, then `snakemake claims` (the claim jobs and the summary). Time is
wall time of that command; peak memory is the largest resident set of any single process of
the run (the Snakemake process or a job; `ru_maxrss` of the run's process tree) and, from the
rules' benchmark files, the largest job. Slurm mode starts a one-node cluster with
cluster/slurm.sh (root; Debian's packages) and stops it at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# runs a command and prints the largest resident set (MB) of any process in its tree
_MEASURE = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
    "print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, file=sys.stderr); "
    "sys.exit(rc)"
)


def scaled_registry(src: Path, k: int, grow: str, only: list[str] | None) -> dict:
    reg = yaml.safe_load(src.read_text(encoding="utf-8"))
    claims = [c for c in reg["claims"] if not only or c["id"] in only]
    if grow == "claims":
        if k > 1:
            claims = [{**c, "id": f"{c['id']}{i:03d}"} for c in claims for i in range(1, k + 1)]
        reg.pop("findings", None)  # the findings name the original ids; the claims stage needs none
    else:  # resamples
        base = reg.get("defaults", {}).get("curve_test", {}).get("resamples", 999)
        reg.setdefault("defaults", {}).setdefault("curve_test", {})["resamples"] = base * k
        for c in claims:
            if isinstance(c.get("curve_test"), dict) and "resamples" in c["curve_test"]:
                c["curve_test"]["resamples"] *= k
        if only:
            reg.pop("findings", None)
    reg["claims"] = claims
    return reg


def checkout_copy(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for f in files:
        if not f:
            continue
        src = ROOT / os.fsdecode(f)
        if src.is_file():
            (dest / os.fsdecode(f)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / os.fsdecode(f))
    shutil.copytree(ROOT / "data" / "processed", dest / "data" / "processed", copy_function=shutil.copy2)
    shutil.copytree(ROOT / "data" / "raw", dest / "data" / "raw", copy_function=shutil.copy2)


def run(copy: Path, mode: str, registry: Path, env: dict) -> dict:
    for d in ("results", "benchmarks", "logs", ".snakemake/slurm_logs"):
        shutil.rmtree(copy / d, ignore_errors=True)
    args = ["snakemake", "claims", "--config", f"claims={registry.relative_to(copy)}"]
    if mode == "slurm":
        args = ["timeout", "-s", "KILL", "7200", *args, "--profile", "profiles/slurm"]
    else:
        args += [f"-{mode}"]
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", _MEASURE, *args], cwd=copy, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if res.returncode != 0:
        print(res.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"bench_scale: snakemake failed in mode {mode} ({registry.name})")
    maxrss = float([ln for ln in res.stderr.splitlines() if ln.startswith("MAXRSS")][-1].split()[1])
    job_rss, jobs = 0.0, 0
    for tsv in (copy / "benchmarks" / "claim").glob("*.tsv"):
        with tsv.open(newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                jobs += 1
                job_rss = max(job_rss, float(row["max_rss"]))
    import pandas as pd

    specs = len(pd.read_parquet(copy / "results" / "claims" / "spec_curve.parquet"))
    resamples = 0
    for f in (copy / "results" / "claims").glob("*.json"):
        ct = json.loads(f.read_text()).get("curve_test") if f.stem[:2].isalpha() and f.stem[2:].isdigit() else None
        resamples += (ct or {}).get("resamples", 0) or 0
    return {"wall": wall, "maxrss": maxrss, "job_rss": job_rss, "jobs": jobs, "specs": specs, "resamples": resamples}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--modes", nargs="+", default=["c1", "c2", "slurm"], choices=["c1", "c2", "slurm"])
    ap.add_argument("--grow", choices=["claims", "resamples"], default="claims")
    ap.add_argument("--only", nargs="*", help="claim ids (default: every claim)")
    args = ap.parse_args()
    if not (ROOT / "data" / "processed" / "datapackage.json").exists():
        print("bench_scale: run `snakemake -c2 data` first", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="r2p-scale-"))
    cluster = work / "cluster"
    env = dict(os.environ)
    try:
        copy = work / "checkout"
        checkout_copy(copy)
        if "slurm" in args.modes:
            subprocess.run([str(ROOT / "cluster" / "slurm.sh"), "up", str(cluster)], check=True)
            env.update(SLURM_CONF=str(cluster / "slurm.conf"), PATH=f"{cluster / 'bin'}:{env['PATH']}")
        rows = []
        for k in args.factors:
            reg = copy / "config" / f"claims-scale-{args.grow}-{k}.yaml"
            reg.write_text(
                yaml.safe_dump(
                    scaled_registry(ROOT / "config" / "claims.yaml", k, args.grow, args.only),
                    sort_keys=False,
                    allow_unicode=True,
                ),
                encoding="utf-8",
            )
            for mode in args.modes:
                r = run(copy, mode, reg, env)
                rows.append((k, mode, r))
                print(
                    f"  {k:>4}x {mode:6} {r['wall']:8.1f} s  {r['jobs']:5d} claim jobs  {r['specs']:7d} specs"
                    f"  {r['resamples']:8d} resamples  largest process {r['maxrss']:6.0f} MB  largest job {r['job_rss']:6.0f} MB",
                    flush=True,
                )
    finally:
        if cluster.exists():
            subprocess.run([str(ROOT / "cluster" / "slurm.sh"), "down", str(cluster)])
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nThe claims stage as the work grows ({args.grow}; {'claims ' + ' '.join(args.only) if args.only else 'every claim'}):"
    )
    print(f"{'factor':>6} {'mode':6} {'seconds':>8} {'x time':>7} {'specs':>7} {'s per 1k specs':>14} {'peak MB':>8}")
    base = {mode: r for k, mode, r in rows if k == min(args.factors)}
    for k, mode, r in rows:
        grow_t = r["wall"] / base[mode]["wall"]
        print(
            f"{k:>6} {mode:6} {r['wall']:8.1f} {grow_t:7.2f} {r['specs']:7d} {1000 * r['wall'] / max(1, r['specs']):14.2f}"
            f" {max(r['maxrss'], r['job_rss']):8.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
