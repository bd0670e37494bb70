"""Seconds to render with the built-in engine (analysis/render/); prints figures, asserts nothing.

    python bench/bench_render.py            # fixture brief, cold and warm, then 10 briefs
    python bench/bench_render.py --n 41     # 41 parameterised briefs through one kernel

Rows:
  driver imports   importing the engine and what it uses, in a fresh interpreter
  kernel start     one Jupyter kernel (jupyter_client + ipykernel)
  cold render      first document in a fresh kernel: HTML + PDF from one execution
                   (includes the document's imports and the process's first
                   vl-convert and Typst calls)
  warm render      the same document again in the now-warm kernel
  N briefs         render_many over N parameter sets, one kernel, HTML + PDF each
  N executions     execute_many: the same N executed in one kernel and frozen (no conversion)
  N conversions    one `r2p render --frozen` process per brief, as the workflow's brief jobs

The vega/vega-lite/vega-embed bundle inlined into HTML is built once per machine
(~7 s) and cached under ~/.cache/r2p-evidence; the first line says whether it was.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DOC = ROOT / "tests" / "fixtures" / "render" / "brief.qmd"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10, help="number of parameterised briefs (default 10)")
    ap.add_argument("--doc", type=Path, default=DOC)
    args = ap.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764028800")

    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import analysis.render, jupyter_client.manager, typst, vl_convert, yaml, pypandoc"],
                   cwd=ROOT, check=True)
    imports = time.perf_counter() - t

    from analysis import render as R

    cache = Path(os.environ.get("R2P_CACHE_DIR") or Path.home() / ".cache" / "r2p-evidence")
    cached = any(cache.glob("vega-bundle-*.js"))
    t = time.perf_counter()
    R._vega_bundle()
    bundle = time.perf_counter() - t

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t = time.perf_counter()
        kernel = R.Kernel()
        start = time.perf_counter() - t
        try:
            t = time.perf_counter()
            R.render(args.doc, ("html", "pdf"), out, kernel=kernel, engine="builtin")
            cold = time.perf_counter() - t
            t = time.perf_counter()
            R.render(args.doc, ("html", "pdf"), out, kernel=kernel, engine="builtin")
            warm = time.perf_counter() - t
            t = time.perf_counter()
            R.render(args.doc, "html", out, kernel=kernel, engine="builtin", output_name="html-only")
            warm_html = time.perf_counter() - t
            t = time.perf_counter()
            R.render(args.doc, "pdf", out, kernel=kernel, engine="builtin", output_name="pdf-only")
            warm_pdf = time.perf_counter() - t
        finally:
            kernel.shutdown()

        jobs = [(args.doc, {"case": f"case {i:02d}", "threshold": i % 8}, f"brief-{i:02d}") for i in range(args.n)]
        t = time.perf_counter()
        R.render_many(jobs, ("html", "pdf"), out / "briefs", engine="builtin")
        many = time.perf_counter() - t
        # the workflow's way: execute all in one kernel, freeze, then one process per conversion
        t = time.perf_counter()
        R.execute_many(jobs, out / "frozen")
        frozen_exec = time.perf_counter() - t
        t = time.perf_counter()
        for doc, params, name in jobs:
            cmd = [sys.executable, "-m", "analysis", "render", str(doc), "--to", "html,pdf", "--out-dir",
                   str(out / "thawed"), "--output-name", name, "--frozen", str(out / "frozen" / f"{name}.json")]
            for k, v in params.items():
                cmd += ["-P", f"{k}:{v!r}" if isinstance(v, str) else f"{k}:{v}"]
            subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        thawed = time.perf_counter() - t

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"document: {args.doc.relative_to(ROOT) if args.doc.is_relative_to(ROOT) else args.doc}   "
          f"cpus: {os.cpu_count()}   load average: {load:.1f}")
    print(f"vega bundle        {bundle:7.2f} s  ({'cached' if cached else 'built now, cached for next time'})")
    print(f"driver imports     {imports:7.2f} s")
    print(f"kernel start       {start:7.2f} s")
    print(f"cold render        {cold:7.2f} s  HTML + PDF, one execution")
    print(f"warm render        {warm:7.2f} s  HTML + PDF")
    print(f"warm HTML only     {warm_html:7.2f} s")
    print(f"warm PDF only      {warm_pdf:7.2f} s")
    print(f"{args.n} briefs {'':>8}{many:7.2f} s  ({many / max(args.n, 1):.2f} s per brief, HTML + PDF, one kernel incl. its start)")
    print(f"{args.n} executions {'':>4}{frozen_exec:7.2f} s  (one kernel incl. its start, outputs frozen, no conversion)")
    print(f"{args.n} conversions {'':>3}{thawed:7.2f} s  ({thawed / max(args.n, 1):.2f} s per brief: one process each, "
          "from the frozen record, HTML + PDF, sequential)")


if __name__ == "__main__":
    main()
