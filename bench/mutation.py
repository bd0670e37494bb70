"""Mutation testing of the statistics, the claims' decision rule and registry, and the verified fetch.

    nice -n 15 python3 bench/mutation.py                 # every module below
    nice -n 15 python3 bench/mutation.py stats sources   # some of them (short names or paths)
    python3 bench/mutation.py --report                   # print the last figures without running
    nice -n 15 python3 bench/mutation.py analysis/stats/logit.py   # one module of a package
    nice -n 15 python3 bench/mutation.py stats --only 'analysis.stats.exact.x_fisher_p_many*'
                                                         # some functions only (mutmut name globs)
    nice -n 15 python3 bench/mutation.py --rerun-survivors sources   # after adding tests
    nice -n 15 python3 bench/mutation.py --resume registry           # continue an interrupted run

Runs mutmut (configured in pyproject.toml, `[tool.mutmut]`; install with
`pip install '.[mutation]'` or `pip install mutmut==3.8.1`) with one worker, then prints per
module (each module of the `analysis/stats/` package on a row of its own): mutants tested,
killed, survived, timed out, other (no covering test / suspicious; counted
as not killed), the score = (killed + timed out) / mutants tested, and the mutants not run (yet). Each mutant runs only the fast tests (`-m "not slow"`) of
tests/test_stats*.py, tests/test_claims_registry.py, tests/test_claims_mutants.py and
tests/test_sources*.py that executed its function (mutmut records them per function first).

mutmut copies the package into mutants/ (git-ignored), where `analysis.ROOT` becomes mutants/;
config/, the Snakefile, rules/ and tests/ are copied beside it (`also_copy`), and the verified raw
data are read from this checkout's data/raw (R2P_RAW_DIR; filled from R2P_DATA_MIRROR if absent).
Without module names, results cached in mutants/ stand and only new mutants run; naming modules
(or --only globs) re-runs their mutants; delete mutants/ for a fresh run. Survivors that are not killed are listed, with reasons, in
bench/mutation-survivors.md. Exit code: 0 when every module reached the threshold (90%), else 1.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = {
    "stats": "analysis/stats",  # a package: each of its modules
    "decision": "analysis/claims/decision.py",
    "registry": "analysis/claims/registry.py",
    "sources": "analysis/sources.py",
}
THRESHOLD = 90.0
# mutmut's exit-code classes (mutmut/stats.py)
KILLED = {1, 3}
SURVIVED = {0}
TIMEOUT = {36, 24, -24, 152, 255}


def _files(path: str) -> list[str]:
    """A module's path, or the paths of a package's modules (its __init__ only re-exports)."""
    if (ROOT / path).is_dir():
        return sorted(str(p.relative_to(ROOT)) for p in (ROOT / path).glob("*.py") if p.name != "__init__.py")
    return [path]


def _module_paths(name: str) -> list[str]:
    if name in MODULES:
        return _files(MODULES[name])
    if name.rstrip("/") in MODULES.values():  # a package by its path
        return _files(name.rstrip("/"))
    for path in (p for v in MODULES.values() for p in _files(v)):
        if name in (path, path.removesuffix(".py").replace("/", ".")):
            return [path]
    raise SystemExit(f"bench/mutation.py: unknown module {name!r}; choose from {', '.join(MODULES)}")


def _glob(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".") + ".*"


def tally(paths: list[str], only: list[str] | None = None) -> list[dict]:
    rows = []
    for path in paths:
        meta = ROOT / "mutants" / (path + ".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        c = Counter()
        survivors, unrun = [], []
        if only:
            codes = {k: v for k, v in codes.items() if any(fnmatch.fnmatch(k, g) for g in only)}
        for key, code in codes.items():
            if code in KILLED:
                c["killed"] += 1
            elif code in SURVIVED:
                c["survived"] += 1
                survivors.append(key)
            elif code in TIMEOUT:
                c["timeout"] += 1
            elif code is None:
                c["not_run"] += 1
                unrun.append(key)
            else:
                c["other"] += 1
                survivors.append(key)
        n = len(codes) - c["not_run"]  # mutants tested
        score = 100.0 * (c["killed"] + c["timeout"]) / n if n else float("nan")
        rows.append(
            {
                "module": path,
                "mutants": n,
                **{k: c[k] for k in ("killed", "survived", "timeout", "other", "not_run")},
                "score": score,
                "survivors": sorted(survivors),
                "unrun": sorted(unrun),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", help=f"short names ({', '.join(MODULES)}) or paths; default all")
    ap.add_argument("--report", action="store_true", help="print the last figures without running mutmut")
    ap.add_argument("--survivors", action="store_true", help="also list the surviving mutants' names")
    ap.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="re-run only the mutants that survived the last run (after adding tests)",
    )
    ap.add_argument(
        "--resume", action="store_true", help="run only the mutants of these modules that have not been run yet"
    )
    ap.add_argument(
        "--only",
        action="append",
        metavar="GLOB",
        help="only the mutants whose names match (e.g. 'analysis.stats.exact.x_fisher_p_many*'); repeatable",
    )
    args = ap.parse_args(argv)
    paths = [p for m in (args.modules or MODULES) for p in _module_paths(m)]

    if not args.report:
        mutmut = shutil.which("mutmut")
        if mutmut is None:
            print("bench/mutation.py: mutmut is not installed: pip install mutmut==3.8.1", file=sys.stderr)
            return 2
        env = dict(os.environ)
        env.setdefault("R2P_RAW_DIR", str(ROOT / "data" / "raw"))
        env.setdefault("R2P_DATA_MIRROR", str(ROOT.parent / "shared" / "data-mirror"))
        # mutmut copies an `also_copy` file only into an existing directory: make the parents
        import tomllib

        cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
        for extra in cfg.get("also_copy", []):
            (ROOT / "mutants" / extra).parent.mkdir(parents=True, exist_ok=True)
        if args.rerun_survivors or args.resume:
            rows0 = tally(paths, args.only)
            names = [n for r in rows0 for n in (r["survivors"] if args.rerun_survivors else [])]
            names += [n for r in rows0 for n in (r["unrun"] if args.resume else [])]
            if not names:
                print("nothing to run")
                return 0
        else:
            # naming mutants makes mutmut re-run them; without names it keeps cached results
            names = args.only or ([_glob(p) for p in paths] if args.modules else [])
        cmd = [mutmut, "run", "--max-children", "1", *names]
        log = ROOT / "mutants" / "mutmut-run.log"
        print(f"mutmut run ... (progress in {log.relative_to(ROOT)})", flush=True)
        with open(log, "w") as fh:
            r = subprocess.run(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            print(f"bench/mutation.py: mutmut run failed (exit {r.returncode})", file=sys.stderr)
            return 2

    rows = tally(paths, args.only)
    if args.only:
        print("only the mutants matching: " + ", ".join(args.only))
    print(
        f"{'module':32} {'mutants':>7} {'killed':>7} {'survived':>8} {'timeout':>7} {'other':>5} {'score':>7}"
        f" {'not run':>7}"
    )
    for r in rows:
        print(
            f"{r['module']:32} {r['mutants']:7d} {r['killed']:7d} {r['survived']:8d} {r['timeout']:7d} "
            f"{r['other']:5d} {r['score']:6.1f}% {r['not_run']:7d}"
        )
    if args.survivors:
        for r in rows:
            for s in r["survivors"]:
                print(s)
    return 0 if all(r["score"] >= THRESHOLD and not r["not_run"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
