"""Each rule's threads, memory and wall time from the `benchmark:` files of a real run, and
config/resources.yaml written from them (the figures the rules declare; rules/common.smk).

    snakemake -c2 --forceall                 # a full run: every rule writes benchmarks/<rule>/...tsv
    python bench/bench_resources.py          # prints the measured figures per rule
    python bench/bench_resources.py --write  # ... and rewrites config/resources.yaml

Per rule, over all its jobs: the largest peak resident memory (`max_rss`, MB), the longest
wall time (`s`) and the largest CPU use (`cpu_time / s`, about the threads a job keeps busy).
The declared figures add headroom for a scheduler that kills a job over its request:

- mem_mb: 1.5 x the peak RSS + 100 MB, rounded up to 100 MB, and at least MEM_FLOOR_MB
  (the Slurm job's batch step also runs Snakemake's own job process, which parses the
  workflow: about 190 MB peak RSS for `snakemake -n` of one job; OverMemoryKill checks each step against
  the job's request);
- runtime (minutes): 3 x the longest wall time, rounded up, at least 5 (queue start-up,
  a loaded node, a slower file system);
- threads: the CPU use rounded up, at least 1 (every rule runs one Python process; numpy's
  BLAS may briefly use a second core).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEM_FLOOR_MB = 500
RUNTIME_FLOOR_MIN = 5


def measure(bench_dir: Path) -> dict[str, dict[str, float]]:
    """{rule: {jobs, max_rss_mb, max_s, max_cpu, sum_s}} from benchmarks/<rule>/**.tsv (or <rule>.tsv)."""
    out: dict[str, dict[str, float]] = {}
    for tsv in sorted(bench_dir.rglob("*.tsv")):
        rel = tsv.relative_to(bench_dir)
        rule = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        with tsv.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        for row in rows:
            s = float(row["s"])
            rss = float(row["max_rss"]) if row["max_rss"] not in ("", "NA", "-") else 0.0
            cpu = float(row["cpu_time"]) if row.get("cpu_time") not in (None, "", "NA", "-") else 0.0
            m = out.setdefault(rule, {"jobs": 0, "max_rss_mb": 0.0, "max_s": 0.0, "max_cpu": 0.0, "sum_s": 0.0})
            m["jobs"] += 1
            m["max_rss_mb"] = max(m["max_rss_mb"], rss)
            m["max_s"] = max(m["max_s"], s)
            m["sum_s"] += s
            if s >= 1.0:  # CPU use of sub-second jobs is noise
                m["max_cpu"] = max(m["max_cpu"], cpu / s)
    return out


def declared(m: dict[str, float]) -> dict[str, int]:
    mem = max(MEM_FLOOR_MB, math.ceil((1.5 * m["max_rss_mb"] + 100) / 100) * 100)
    runtime = max(RUNTIME_FLOOR_MIN, math.ceil(3 * m["max_s"] / 60))
    threads = max(1, math.ceil(m["max_cpu"] - 0.2))  # 1.1 cores for a moment is still one thread
    return {"threads": threads, "mem_mb": mem, "runtime": runtime}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", type=Path, default=ROOT / "benchmarks")
    ap.add_argument("--write", action="store_true", help="rewrite config/resources.yaml")
    ap.add_argument("--output", type=Path, default=ROOT / "config" / "resources.yaml")
    args = ap.parse_args()
    if not args.benchmarks.is_dir():
        print(f"no benchmark files under {args.benchmarks}: run `snakemake -c2 --forceall` first", file=sys.stderr)
        return 2
    measured = measure(args.benchmarks)
    print(
        f"{'rule':24} {'jobs':>4} {'peak RSS MB':>11} {'max s':>7} {'sum s':>7} {'CPU':>5}"
        f" | {'threads':>7} {'mem_mb':>6} {'runtime min':>11}"
    )
    for rule, m in sorted(measured.items()):
        d = declared(m)
        print(
            f"{rule:24} {m['jobs']:4d} {m['max_rss_mb']:11.0f} {m['max_s']:7.1f} {m['sum_s']:7.1f} {m['max_cpu']:5.2f}"
            f" | {d['threads']:7d} {d['mem_mb']:6d} {d['runtime']:11d}"
        )
    if args.write:
        lines = [
            "# Threads, memory (MB) and wall time (minutes) each rule declares (rules/common.smk), from the",
            "# `benchmark:` files of a full run (`snakemake -c2 --forceall`) by `python bench/bench_resources.py",
            "# --write`; measured values in the comment after each rule, the headroom rules in that script.",
            f"# Measured {date.today().isoformat()}.",
            "rules:",
        ]
        for rule, m in sorted(measured.items()):
            d = declared(m)
            lines.append(
                f"  {rule}: {{threads: {d['threads']}, mem_mb: {d['mem_mb']}, runtime: {d['runtime']}}}"
                f"  # {m['jobs']:.0f} jobs, peak RSS {m['max_rss_mb']:.0f} MB, longest {m['max_s']:.1f} s"
            )
        tmp = args.output.with_suffix(".yaml.tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(args.output)
        print(f"wrote {args.output.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
