"""A Frictionless-style data package descriptor for every processed output.

`data/processed/datapackage.json` lists each table with its path, row count,
sha256, schema (column names and types), primary key, description, and the
raw source files (with their registry checksums) and citations it derives from.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from . import __version__
from .io import check_parquet, sha256_file, write_json
from .sources import load_registry

#: Derived outputs that are not cleaned tables: description, sources (by table), key.
DERIVED = {
    "country_year.parquet": (
        "One row per Gleditsch-Ward system member and year: conflict, violence, leader exits, coups, "
        "regimes, mass killing, interventions and covariates (analysis/panel.py).",
        ("gwcode", "year"),
    ),
    "crosswalk_report.csv": (
        "Every country code or name from a source that could not be matched to a Gleditsch-Ward code, "
        "and what was done with it (analysis/crosswalk.py).",
        (),
    ),
    "hmi_release_diff.csv": (
        "Cases added or removed and values changed between PRIF HMI releases 0.3 and 2019.",
        (),
    ),
    "unsc_coding_validation.csv": (
        "Precision, recall, F1 and agreement of the automatic coding of Security Council resolutions "
        "(unsc_resolutions_coded) against the hand-coded sample config/coding/unsc_hand_coded_sample.csv, "
        "per feature and organisation, on the whole sample and its random part (analysis/clean/unsc_coding.py).",
        ("subset", "feature"),
    ),
}

_ARROW_TO_FRICTIONLESS = {
    "int": "integer", "uint": "integer", "double": "number", "float": "number", "bool": "boolean",
    "string": "string", "large_string": "string", "timestamp": "datetime", "date32": "date", "list": "array",
    "dictionary": "string",
}


def _field_type(arrow_type) -> str:
    s = str(arrow_type)
    for prefix, ftype in _ARROW_TO_FRICTIONLESS.items():
        if s.startswith(prefix):
            return ftype
    return "any"


def _resource_for(path: Path, description: str, key, sources, citations) -> dict:
    res = {
        "name": path.stem.replace("_", "-"),
        "path": path.name,
        "hash": f"sha256:{sha256_file(path)}",
        "bytes": path.stat().st_size,
        "description": description,
        "sources": sources,
        "citations": sorted(citations),
    }
    if path.suffix == ".parquet":
        check_parquet(path)
        meta = pq.read_metadata(path)
        schema = pq.read_schema(path)
        res["format"] = "parquet"
        res["rows"] = meta.num_rows
        res["schema"] = {"fields": [{"name": f.name, "type": _field_type(f.type)} for f in schema]}
    else:
        df = pd.read_csv(path)
        res["format"] = "csv"
        res["rows"] = len(df)
        res["schema"] = {"fields": [{"name": c, "type": "any"} for c in df.columns]}
    if key:
        res["schema"]["primaryKey"] = list(key)
    return res


def write_datapackage(processed: Path, output: Path, raw: Path | None = None) -> Path:
    """Describe every processed table; each raw file is recorded with the sha256 of the bytes
    in `raw` (default: `processed/../raw`), verified against the registry first."""
    from . import clean
    from .sources import verify_raw

    reg = load_registry()
    tables = clean.registry()
    resources = []
    used = verify_raw(sorted({s for t in tables.values() for s in t.sources}),
                      raw if raw is not None else processed.parent / "raw", reg)

    def src_entries(relpaths):
        out = []
        for rel in relpaths:
            sid, name = rel.split("/", 1)
            out.append({"source": sid, "file": name, "sha256": used[rel], "version": reg[sid].version})
        return out

    for name, t in tables.items():
        p = processed / f"{name}.parquet"
        cites = set(t.citation) | {reg[s].citation for s in t.source_ids}
        sources = src_entries(t.sources)
        for dep in t.tables:  # cleaned tables the build reads (e.g. the crosswalk for GW codes)
            d = tables[dep]
            cites |= set(d.citation) | {reg[s].citation for s in d.source_ids}
            sources.append({"derived_from": f"{dep}.parquet"})
        resources.append(_resource_for(p, t.description, t.key, sources, cites))
    all_rel = sorted({s for t in tables.values() for s in t.sources})
    all_cites = {reg[s.split("/", 1)[0]].citation for s in all_rel}
    for fname, (desc, key) in DERIVED.items():
        p = processed / fname
        if p.exists():
            resources.append(_resource_for(p, desc, key, [{"derived_from": "cleaned tables above"}], all_cites))
    pkg = {
        "name": "r2p-evidence-processed",
        "title": "r2p-evidence: cleaned and analysis tables",
        "version": __version__,
        "profile": "data-package",
        "resources": sorted(resources, key=lambda r: r["name"]),
    }
    return write_json(pkg, output)
