"""What the Snakefile does before Snakemake plans a run: one run at a time, no leftovers
of a killed run, raw files re-verified.

A run killed with SIGKILL (a laptop that sleeps, a cancelled CI job) leaves three kinds
of debris, and the next plain `snakemake -c2` must cope with each:

- Snakemake's own lock files (`.snakemake/locks/`), which would refuse every later run.
  Each run holds an exclusive `flock` on `.snakemake/r2p-run.lock` for its lifetime; the
  kernel releases it when the process dies, however it dies. A run that gets the flock
  knows no other run is active, so Snakemake's lock files are stale and are removed. A
  second run while one is active is refused with a message saying so.
- Jobs that did not finish: the workflow profile sets `rerun-incomplete`, so Snakemake
  runs them again (every output is written to a temporary name and renamed into place,
  so a killed job leaves no half-written output under its final name).
- The temporary files and directories of killed jobs (`.<name>.<random>.tmp`,
  `.<name>.<random>.tmpdir`, render build directories `.<stem>-build-*`); removed.

Raw files are verified on every run (`analysis.sources.Verifier`: size and sha256,
hashed again whenever a file's stat signature changed). A file that is not the
registered version is removed so that the fetch job copies the registered file again;
everything that depends on it is then rebuilt.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .sources import Source

log = logging.getLogger("r2p")

LOCK_NAME = "r2p-run.lock"
#: Temporary names written by analysis.io (files and directories) and by the renderer.
_DEBRIS = re.compile(r"^\..+\.(?:tmp|tmpdir|old)$|^\..+-(?:build|quarto)-[A-Za-z0-9_]+$")
#: Where jobs write.
OUTPUT_ROOTS = ("data/raw", "data/processed", "results", "reports/_output")

#: Options that make `snakemake` plan or inspect, not run jobs: no lock, nothing removed.
_READ_ONLY = {
    "-n",
    "--dry-run",
    "--dryrun",
    "--lint",
    "--list",
    "-l",
    "--list-rules",
    "--lt",
    "--list-target-rules",
    "--summary",
    "-S",
    "--detailed-summary",
    "-D",
    "--dag",
    "--rulegraph",
    "--filegraph",
    "--d3dag",
    "--unlock",
    "--print-compilation",
    "--list-changes",
    "--lc",
    "--list-code-changes",
    "--list-input-changes",
    "--list-params-changes",
    "--li",
    "--lp",
    "--containerize",
    "--export-cwl",
    "--archive",
    "--cleanup-metadata",
    "--cm",
    "--version",
    "--help",
    "-h",
    "--generate-unit-tests",
    "--list-untracked",
    "--lu",
    "--delete-all-output",
    "--delete-temp-output",
    "--report",
    "--conda-create-envs-only",
    "--touch",
    "-t",
}

_held = None  # the open lock file of this process (kept open for its lifetime)


def read_only(argv: Iterable[str] | None = None) -> bool:
    """True when this `snakemake` invocation only plans or inspects (dry run, lint, DAG, ...)."""
    for a in sys.argv[1:] if argv is None else argv:
        if a.split("=", 1)[0] in _READ_ONLY:
            return True
        if re.fullmatch(r"-[A-Za-z]*[nt][A-Za-z]*", a) and not a.startswith("--"):
            return True  # short options run together: -np, -nr
    return False


class ConcurrentRun(Exception):
    """Another run of the workflow holds the run lock."""


def acquire_run_lock(workdir: str | os.PathLike[str] = ".") -> None:
    """Take the exclusive run lock for this process's lifetime; then clear stale Snakemake locks.

    Raises ConcurrentRun when another run holds it.
    """
    global _held
    if _held is not None:
        return
    meta = Path(workdir) / ".snakemake"
    meta.mkdir(parents=True, exist_ok=True)
    fh = open(meta / LOCK_NAME, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise ConcurrentRun(
            f"another run of this workflow is active in {Path(workdir).resolve()} (process {holder}); "
            "wait for it to finish (a killed run releases its lock by itself)"
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    _held = fh
    # We hold the run lock, so no other run is active: Snakemake lock files left
    # by a killed run are stale.
    locks = meta / "locks"
    if locks.is_dir():
        for p in locks.iterdir():
            if p.is_file():
                p.unlink(missing_ok=True)


def release_run_lock() -> None:
    global _held
    if _held is not None:
        _held.close()
        _held = None


def sweep_debris(workdir: str | os.PathLike[str] = ".", roots: Iterable[str] = OUTPUT_ROOTS) -> list[Path]:
    """Remove the temporary files and directories killed jobs left under `roots`; return them.

    Call only while holding the run lock (no job of another run can be writing them).
    """
    removed = []
    for root in roots:
        top = Path(workdir) / root
        if not top.is_dir():
            continue
        stack = [top]
        while stack:
            d = stack.pop()
            try:
                entries = list(os.scandir(d))
            except OSError:
                continue
            for e in entries:
                if _DEBRIS.match(e.name):
                    p = Path(e.path)
                    if e.is_dir(follow_symlinks=False):
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        p.unlink(missing_ok=True)
                    removed.append(p)
                elif e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
    return removed


def reverify_raw(registry: dict[str, Source], raw_root: str | os.PathLike[str], remove: bool) -> dict[str, str]:
    """Verify every registered file present under `raw_root`; return {relpath: why} for the bad.

    With `remove`, a bad file is deleted so that its fetch job runs again (and with it
    everything downstream). A file that cannot be read is reported, not removed.
    """
    from .sources import Verifier, all_files

    ver = Verifier(raw_root)
    bad = {}
    try:
        for f in all_files(registry):
            path = Path(raw_root) / f.relpath
            if not path.exists():
                continue
            why = ver.check(f)
            if why is None:
                continue
            bad[f.relpath] = why
            if remove and not why.startswith("cannot read"):
                try:
                    path.unlink()
                except OSError:
                    pass
    finally:
        ver.save()
    return bad


def publish_index(index: Path, files: list[Path]) -> list[Path]:
    """Write `index` (the sorted names and sha256 of `files`, all in its directory) and remove
    every other regular file there: outputs that no longer correspond to any input."""
    from .io import sha256_file, write_json

    d = index.parent
    keep = {f.name for f in files} | {index.name}
    for f in files:
        if f.parent.resolve() != d.resolve():
            raise ValueError(f"{f} is not in {d}")
    removed = []
    for p in sorted(d.iterdir()):
        if p.is_file() and p.name not in keep and not p.name.startswith("."):
            p.unlink()
            removed.append(p)
    write_json({"files": {f.name: sha256_file(f) for f in sorted(files)}}, index)
    return removed


def incomplete_sets(workdir: str | os.PathLike[str] = ".") -> dict[str, str]:
    """Multi-file outputs with a file missing: {marker to remove: why}.

    A multi-file output is complete only if every file its index lists exists. Removing
    the marker (an index, or the directory) makes Snakemake run the rule that writes it.
    """
    import json

    w = Path(workdir)
    out: dict[str, str] = {}

    def listed(index: Path) -> list[str]:
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ["(unreadable index)"]
        return [e[k] for e in data.values() if isinstance(e, dict) for k in ("spec", "svg") if k in e]

    for name in ("results/figures/index-data.json", "results/figures/index-claims.json"):
        idx = w / name
        if idx.is_file():
            missing = [f for f in listed(idx) if not (w / f).is_file()]
            if missing:
                out[name] = f"{missing[0]} is missing"
    manifest = w / "results" / "brief-slugs.json"
    if manifest.is_file():
        try:
            slugs = json.loads(manifest.read_text(encoding="utf-8"))["slugs"]
        except (OSError, ValueError, KeyError, TypeError):
            out[str(manifest.relative_to(w))] = "unreadable"
            slugs = []
        for sub, marker, exts in (
            ("results/briefs", "results/brief-slugs.json", (".json",)),
            ("results/briefs-executed", "results/briefs-executed", (".json",)),
            ("results/briefs-rendered", "results/briefs-rendered", (".html", ".pdf")),
        ):
            if (w / marker).exists():
                gone = [f"{s}{e}" for s in slugs for e in exts if not (w / sub / f"{s}{e}").is_file()]
                if gone:
                    out[marker] = f"{sub}/{gone[0]} is missing"
    return out


def remove_markers(markers: Iterable[str], workdir: str | os.PathLike[str] = ".") -> None:
    for m in markers:
        p = Path(workdir) / m
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
