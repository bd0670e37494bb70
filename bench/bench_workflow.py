"""Seconds for the workflow: the default target from cleaned data, no-op reruns with and
without re-verification beside Snakemake's own floor, and (--cold) a cold build from the
mirror. Prints figures only; asserts nothing.

    python bench/bench_workflow.py                    # needs `snakemake -c2 data` to have run
    python bench/bench_workflow.py --cold             # also a cold build in a clean copy
    python bench/bench_workflow.py --cold --baseline fb9c5a3   # ... and the same for a commit
    python bench/bench_workflow.py council            # the Security Council tables (issue 17) alone, cold
    python bench/bench_workflow.py new-sources        # the four new sources + their claims (issues 17, 18)
    python bench/bench_workflow.py cold-ab 51d1f3a 169a097 [--repeat 2]
                                                      # cold builds of two revisions, alternated:
                                                      # what the second adds to the first (issue 15:
                                                      # the merge of the fault tolerance against its
                                                      # first parent, the same workflow otherwise)

No-op reruns (best of --repeat, in this checkout once it is built):
- "with re-verification": the plain `snakemake -c2` (raw files re-verified through the
  stat-signature cache, multi-file outputs checked for completeness, the run lock taken);
- "re-verification, cold cache": the same with the verification cache removed first
  (every raw file hashed again);
- "without re-verification": R2P_BENCH_NO_REVERIFY=1, which skips those checks (for this
  comparison only);
- "trivial workflow": a generated Snakefile with as many jobs, each `touch {output}`, as
  the real DAG has: what any Snakemake workflow of this size costs to do nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(cwd: Path, *args: str, env: dict | None = None) -> float:
    t = time.perf_counter()
    res = subprocess.run(
        ["snakemake", "-c2", *args], cwd=cwd, capture_output=True, text=True, env=dict(os.environ, **(env or {}))
    )
    dt = time.perf_counter() - t
    if res.returncode != 0:
        sys.exit(f"snakemake failed in {cwd}:\n{(res.stdout + res.stderr)[-3000:]}")
    return dt


def best(n: int, f) -> float:
    return min(f() for _ in range(n))


def n_jobs(cwd: Path) -> int:
    res = subprocess.run(["snakemake", "-n", "--forceall", "--quiet", "rules"], cwd=cwd, capture_output=True, text=True)
    m = re.search(r"^total\s+(\d+)", res.stdout + res.stderr, re.M)
    return int(m.group(1)) if m else 0


def trivial_workflow(n: int, d: Path) -> Path:
    """A Snakefile with n jobs: n-1 independent `touch` jobs and one that gathers them."""
    (d / "Snakefile").write_text(
        f"N = {n - 1}\n"
        'rule all:\n    input: expand("out/{i}.txt", i=range(N))\n'
        'rule one:\n    output: "out/{i}.txt"\n    shell: "touch {output}"\n',
        encoding="utf-8",
    )
    return d


def clean_copy(dest: Path, rev: str | None = None) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    if rev:
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        return dest
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file():
            (dest / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f.decode(), follow_symlinks=False)
        elif src.is_symlink():
            (dest / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), dest / f.decode())
    return dest


#: outputs added by issue 17 (resolution texts, their coding and validation, meetings and outcomes)
COUNCIL = [
    f"data/processed/{t}.parquet"
    for t in (
        "unsc_resolutions",
        "unsc_resolution_date_report",
        "unsc_resolutions_coded",
        "unsc_meetings",
        "unsc_outcomes",
        "unsc_outcome_vetoes",
        "unsc_meetings_join_report",
    )
] + ["data/processed/unsc_coding_validation.csv"]
#: the four sources added to the mirror for issues 17 and 18, the tables cleaned from them, and
#: the claims that read them (Council: AC1, LB2, RO1; GED: MH7; ODA: PC1)
NEW_SOURCES = ("unsc-resolutions", "unsc-meetings", "ucdp-ged-21.1-precise", "wdi-oda")
NEW_TABLES = COUNCIL + ["data/processed/ucdp_ged.parquet", "data/processed/wdi_oda.parquet"]
NEW_CLAIMS = [f"results/claims/{c}.json" for c in ("AC1", "LB2", "RO1", "MH7", "PC1")]


def council() -> None:
    """Seconds to build the Council tables from verified raw files (their cost on a cold build)."""
    for t in COUNCIL:
        (ROOT / t).unlink(missing_ok=True)
    for src in ("unsc-resolutions", "unsc-meetings"):
        shutil.rmtree(ROOT / "data" / "raw" / src, ignore_errors=True)
    cold = run(ROOT, *COUNCIL)
    print(f"Security Council tables (fetch from mirror, 7 tables, validation), 2 cores: {cold:6.1f} s")


def new_sources() -> None:
    """What the four new sources and their claims cost a cold build (issues 17 and 18): their
    raw files, tables and claim results removed from a built checkout and rebuilt alone at -c2.
    In a cold build these jobs run beside the others, so the time they add to it is at most
    this (the CPU seconds, summed over processes, say how much work they are)."""
    import resource

    for t in NEW_TABLES + NEW_CLAIMS:
        (ROOT / t).unlink(missing_ok=True)
    for src in NEW_SOURCES:
        shutil.rmtree(ROOT / "data" / "raw" / src, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run(ROOT, *NEW_TABLES, *NEW_CLAIMS)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    load = os.getloadavg()[0]
    print(
        f"the four new sources (fetch, verify, clean: {len(NEW_TABLES)} tables) and their {len(NEW_CLAIMS)} claims,"
        f" rebuilt alone at -c2: {wall:6.1f} s wall, {cpu:6.1f} s CPU (load average {load:.1f} at the end)"
    )


def cold_ab(argv: list[str]) -> None:
    """Cold builds from the mirror of two revisions, in clean copies, alternated (A B A B ...)
    so that a change of load hits both alike; each in a fresh copy, with CPU seconds. For two
    revisions that differ by one change (a merge and its first parent), the ratio is that
    change's cost to a cold build, which a comparison with a later, larger workflow cannot give."""
    import resource
    import statistics

    ap = argparse.ArgumentParser(prog="bench_workflow.py cold-ab")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    env = {"R2P_DATA_MIRROR": os.environ.get("R2P_DATA_MIRROR", str(ROOT.parent / "shared" / "data-mirror"))}
    wall: dict[str, list[float]] = {args.a: [], args.b: []}
    cpu: dict[str, list[float]] = {args.a: [], args.b: []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            for rev in (args.a, args.b) if i % 2 == 0 else (args.b, args.a):
                wd = clean_copy(Path(tmp) / f"{rev}-{i}", rev)
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = run(wd, env=env)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                c = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                wall[rev].append(t)
                cpu[rev].append(c)
                print(
                    f"  run {i + 1}, {rev}: {t:6.1f} s wall, {c:6.1f} s CPU, {n_jobs(wd)} jobs, "
                    f"load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                shutil.rmtree(wd, ignore_errors=True)
    # each round's two builds ran back to back: their ratio is the least disturbed by load changes
    for i, (wa, wb, ca_, cb_) in enumerate(zip(wall[args.a], wall[args.b], cpu[args.a], cpu[args.b]), 1):
        print(f"  round {i}: {args.b} / {args.a}: wall {(wb / wa - 1) * 100:+.1f}%, CPU {(cb_ / ca_ - 1) * 100:+.1f}%")
    ma, mb = (statistics.median(wall[r]) for r in (args.a, args.b))
    ca, cb = (statistics.median(cpu[r]) for r in (args.a, args.b))
    print(
        f"cold build from the mirror, median of {args.repeat}: {args.a} {ma:.1f} s ({ca:.1f} CPU-s), "
        f"{args.b} {mb:.1f} s ({cb:.1f} CPU-s): {args.b} takes {(mb / ma - 1) * 100:+.1f}% wall, "
        f"{(cb / ca - 1) * 100:+.1f}% CPU"
    )


def main() -> None:
    if sys.argv[1:2] == ["cold-ab"]:
        return cold_ab(sys.argv[2:])
    if sys.argv[1:] == ["council"]:
        return council()
    if sys.argv[1:] == ["new-sources"]:
        return new_sources()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="no-op reruns: best of N")
    ap.add_argument("--cold", action="store_true", help="also time a cold build from the mirror in a clean copy")
    ap.add_argument("--baseline", default=None, help="with --cold: also a cold build of this git revision")
    ap.add_argument("--skip-full", action="store_true", help="skip the default target from cleaned data")
    args = ap.parse_args()
    if not (ROOT / "data" / "processed" / "country_year.parquet").exists():
        sys.exit("run `snakemake -c2 data` first")

    if not args.skip_full:
        for d in ("results", "reports/_output"):
            shutil.rmtree(ROOT / d, ignore_errors=True)
        full = run(ROOT)
        print(f"default target from cleaned data (claims + figures + reports), 2 cores: {full:6.1f} s")
    else:
        run(ROOT)

    cache = ROOT / "data" / "raw" / ".r2p-verified.json"

    def cold_cache():
        cache.unlink(missing_ok=True)
        return run(ROOT)

    jobs = n_jobs(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        triv = trivial_workflow(jobs, Path(tmp))
        run(triv)
        modes = {
            "with": lambda: run(ROOT),
            "cold": cold_cache,
            "without": lambda: run(ROOT, env={"R2P_BENCH_NO_REVERIFY": "1"}),
            "floor": lambda: run(triv),
        }
        times: dict[str, list[float]] = {k: [] for k in modes}
        for _ in range(args.repeat):  # interleaved, so that load changes hit every mode alike
            for k, f in modes.items():
                times[k].append(f())
    with_v, cold_v, without, floor = (min(times[k]) for k in ("with", "cold", "without", "floor"))
    # the checks themselves, in this process (what the Snakefile runs before planning)
    from analysis import guard
    from analysis.sources import load_registry

    reg = load_registry(ROOT / "config" / "sources.yaml")
    t = time.perf_counter()
    for _ in range(20):
        guard.reverify_raw(reg, ROOT / "data" / "raw", remove=False)
        guard.incomplete_sets(ROOT)
    checks = (time.perf_counter() - t) / 20
    print(f"no-op rerun, best of {args.repeat} ({jobs} jobs in the DAG):")
    print(
        f"  with re-verification (cached signatures): {with_v:6.2f} s  ({(with_v / without - 1) * 100:+.1f}% vs without)"
    )
    print(
        f"  with re-verification, cold cache:         {cold_v:6.2f} s  ({(cold_v / without - 1) * 100:+.1f}% vs without)"
    )
    print(f"  without re-verification:                  {without:6.2f} s")
    print(f"  trivial workflow, {jobs} touch jobs:        {floor:6.2f} s  (Snakemake's own floor)")
    print(f"  the re-verification checks alone (cached): {checks * 1000:6.1f} ms")

    if args.cold:
        with tempfile.TemporaryDirectory() as tmp:
            for label, rev in [("this checkout", None)] + (
                [(f"baseline {args.baseline}", args.baseline)] if args.baseline else []
            ):
                wd = clean_copy(Path(tmp) / (rev or "head"), rev)
                t = run(wd)
                print(f"cold build from the mirror ({label}): {t:6.1f} s")


if __name__ == "__main__":
    main()
