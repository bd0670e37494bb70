"""`r2p verify`: is every file the workflow made or used still what it was?

Re-checks, without rebuilding anything:

- every raw file against the source registry (size and sha256; a missing file counts when a
  cleaned table reads it);
- every processed table against `data/processed/datapackage.json` (sha256 and bytes), and
  the raw files it records against the files in `data/raw/`; a processed file the
  descriptor does not list is reported too;
- every claim result's recorded inputs (`data.inputs_sha256`) against the processed tables;
- every file the figure indexes, the brief manifest and the published briefs' index list
  (the latter with its sha256).

Each mismatch is one line naming the file. Exit status 0 only when everything matches
(1 when something does not; 2 when the registry itself cannot be read).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mismatch:
    file: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}"


def _load_json(path: Path, problems: list[Mismatch]):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Mismatch(str(path), "missing"))
    except (OSError, ValueError) as e:
        problems.append(Mismatch(str(path), f"unreadable: {e}"))
    return None


def verify(
    root: str | Path = ".",
    raw: str = "data/raw",
    processed: str = "data/processed",
    results: str = "results",
    output: str = "reports/_output",
    registry: str | Path | None = None,
) -> tuple[list[Mismatch], int]:
    """Return (mismatches, number of files checked)."""
    from .io import sha256_file
    from .sources import REGISTRY_PATH, Verifier, all_files, load_registry

    root = Path(root)
    reg = load_registry(registry or REGISTRY_PATH)
    out: list[Mismatch] = []
    checked = 0

    # 1. raw files against the registry (a registered file no cleaned table reads, such as a
    #    codebook, is checked when present; its absence is no mismatch)
    from . import clean

    needed = {s for t in clean.registry().values() for s in t.sources}
    ver = Verifier(root / raw)
    for f in all_files(reg):
        if f.relpath not in needed and not (root / raw / f.relpath).exists():
            continue
        checked += 1
        why = ver.check(f)
        if why is not None:
            out.append(Mismatch(f"{raw}/{f.relpath}", why))
    ver.save()

    def digest(p: Path) -> str | None:
        try:
            return sha256_file(p)
        except FileNotFoundError:
            return None

    # 2. processed tables against the data package
    proc = root / processed
    pkg = _load_json(proc / "datapackage.json", out)
    listed = set()
    if pkg is not None:
        for res in pkg.get("resources", []):
            p = proc / res["path"]
            listed.add(res["path"])
            checked += 1
            d = digest(p)
            if d is None:
                out.append(Mismatch(f"{processed}/{res['path']}", "missing (listed in datapackage.json)"))
                continue
            # the checksums live in custom properties (frictionless cannot check `hash` for Parquet)
            want = str(res.get("r2p:sha256") or str(res.get("hash", "")).removeprefix("sha256:"))
            if d != want:
                out.append(Mismatch(f"{processed}/{res['path']}", f"sha256 {d}, datapackage.json records {want}"))
            elif p.stat().st_size != res.get("r2p:bytes", res.get("bytes")):
                out.append(Mismatch(f"{processed}/{res['path']}", "size differs from datapackage.json"))
            for s in res.get("sources", []):
                if "file" in s and "sha256" in s:
                    rel = f"{s['source']}/{s['file']}"
                    try:
                        got = ver.sha256(rel)
                    except OSError:
                        continue  # reported under 1
                    if got != s["sha256"]:
                        out.append(
                            Mismatch(
                                f"{raw}/{rel}",
                                f"sha256 {got}, but {res['path']} was cleaned from {s['sha256']} (datapackage.json)",
                            )
                        )
        if proc.is_dir():
            for p in sorted(proc.iterdir()):
                if p.is_file() and not p.name.startswith(".") and p.name != "datapackage.json" and p.name not in listed:
                    out.append(Mismatch(f"{processed}/{p.name}", "not listed in datapackage.json"))

    # 3. claim results: the inputs they record
    res_dir = root / results
    for rj in sorted((res_dir / "claims").glob("*.json")):
        r = _load_json(rj, out)
        if not isinstance(r, dict):
            continue
        for name, sha in sorted(((r.get("data") or {}).get("inputs_sha256") or {}).items()):
            checked += 1
            d = digest(proc / name)
            if d is None:
                out.append(Mismatch(f"{processed}/{name}", f"missing (an input of {rj.relative_to(root)})"))
            elif d != sha:
                out.append(
                    Mismatch(
                        f"{rj.relative_to(root)}",
                        f"was computed from {name} with sha256 {sha}; the table now has {d} (rerun snakemake -c2)",
                    )
                )

    # 4. multi-file outputs: every file their indexes list
    for idx_name in ("figures/index-data.json", "figures/index-claims.json"):
        idx = res_dir / idx_name
        if not idx.exists():
            continue
        data = _load_json(idx, out) or {}
        for entry in data.values():
            for k in ("spec", "svg"):
                if isinstance(entry, dict) and k in entry:
                    checked += 1
                    if not (root / entry[k]).is_file():
                        out.append(Mismatch(entry[k], f"missing (listed in {results}/{idx_name})"))
    manifest = res_dir / "brief-slugs.json"
    if manifest.exists():
        slugs = (_load_json(manifest, out) or {}).get("slugs", [])
        for sub, exts in (
            ("briefs", (".json",)),
            ("briefs-executed", (".json",)),
            ("briefs-rendered", (".html", ".pdf")),
        ):
            for s in slugs:
                for e in exts:
                    checked += 1
                    if not (res_dir / sub / f"{s}{e}").is_file():
                        out.append(
                            Mismatch(f"{results}/{sub}/{s}{e}", f"missing (listed in {results}/brief-slugs.json)")
                        )
    pub = root / output / "briefs" / "index.json"
    if pub.exists():
        files = (_load_json(pub, out) or {}).get("files", {})
        for name, sha in sorted(files.items()):
            checked += 1
            d = digest(pub.parent / name)
            if d is None:
                out.append(Mismatch(f"{output}/briefs/{name}", "missing (listed in briefs/index.json)"))
            elif d != sha:
                out.append(Mismatch(f"{output}/briefs/{name}", f"sha256 {d}, briefs/index.json records {sha}"))
        for p in sorted(pub.parent.iterdir()):
            if p.is_file() and not p.name.startswith(".") and p.name != "index.json" and p.name not in files:
                out.append(Mismatch(f"{output}/briefs/{p.name}", "not listed in briefs/index.json (stale?)"))
    return out, checked
