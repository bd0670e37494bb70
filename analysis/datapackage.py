"""A Frictionless-style data package descriptor for every processed output.

`data/processed/datapackage.json` lists each table with its path, row count,
sha256, schema (column names and types), primary key, description, the
raw source files (with their registry checksums) and citations it derives from,
and the licences of every source behind it with whether they allow redistribution.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from . import __version__
from .io import check_parquet, sha256_file, write_json
from .sources import Licence, load_registry

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
    "conditions_checklist.parquet": (
        "Brozus's five conditions per PRIF v0.3 intervention (one row per intervention and condition): met, not met "
        "or cannot be coded from these data, with the source, the rule and a coding note; only cells read from a "
        "source count as evidence (rules: config/coding/conditions.yaml; analysis/checklist.py).",
        ("case_id", "condition"),
    ),
}


def _derived_from() -> dict[str, tuple[str, ...]]:
    from .panel import INPUT_TABLES

    return {
        "country_year.parquet": tuple(INPUT_TABLES),
        "crosswalk_report.csv": tuple(INPUT_TABLES),
        "hmi_release_diff.csv": ("hmi_cases",),
        "unsc_coding_validation.csv": ("unsc_resolutions_coded",),
        "conditions_checklist.parquet": (
            "hmi_cases",
            "prif_hmi_03",
            "unsc_resolutions",
            "unsc_resolutions_coded",
            "wdi_oda",
            "country_year",
            "crosswalk",
        ),
    }


DERIVED_MODULE = {
    "country_year.parquet": "analysis/panel.py",
    "crosswalk_report.csv": "analysis/crosswalk.py",
    "hmi_release_diff.csv": "analysis/clean/prif.py",
    "unsc_coding_validation.csv": "analysis/clean/unsc_coding.py",
    "conditions_checklist.parquet": "analysis/checklist.py",
}

_ARROW_TO_FRICTIONLESS = {
    "int": "integer",
    "uint": "integer",
    "double": "number",
    "float": "number",
    "bool": "boolean",
    "string": "string",
    "large_string": "string",
    "timestamp": "datetime",
    "date32": "date",
    "dictionary": "string",
}

#: Custom (namespaced) properties that frictionless ignores: the checksums `r2p verify` needs,
#: kept out of `hash` / `bytes` because frictionless cannot check those for Parquet.
SHA256, BYTES = "r2p:sha256", "r2p:bytes"
#: Frictionless reads Parquet through pandas and tests `str(cell)` against the schema's missing
#: values: a null arrives as NaN (floats), NaT (dates) or <NA> (nullable integers, booleans).
MISSING_VALUES = ("", "nan", "NaT", "<NA>")


#: Title and text of the SPDX licences the registry names (config/sources.yaml `licence`).
SPDX = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "MIT": ("MIT License", "https://opensource.org/license/mit"),
    "GPL-3.0-only": ("GNU General Public License v3.0 only", "https://www.gnu.org/licenses/gpl-3.0.html"),
    "GPL-2.0-only": ("GNU General Public License v2.0 only", "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html"),
}
#: Custom property: whether every source behind a table allows redistribution ("allowed"), one
#: forbids it ("forbidden") or the terms of one are unclear ("unclear"); only "allowed" tables may be
#: republished (data/README.md, "Licences"). `r2p:restrictedBy` names the sources that are not "allowed".
REDISTRIBUTION, RESTRICTED_BY = "r2p:redistribution", "r2p:restrictedBy"


def lineage_sources(name: str, tables: dict, derived_from: dict[str, tuple[str, ...]]) -> list[str]:
    """Every source id behind a processed table (by stem), through the tables it is built from."""
    seen: set[str] = set()
    out: set[str] = set()

    def walk(t: str) -> None:
        if t in seen:
            return
        seen.add(t)
        if t in tables:
            out.update(tables[t].source_ids)
            for dep in tables[t].tables:
                walk(dep)
        for dep in derived_from.get(t, ()):
            walk(dep)

    walk(name)
    return sorted(out)


def licences(source_ids: list[str], reg: dict) -> dict:
    """`licenses` (Data Package v2: name and/or path, title; `r2p:sources` says whose) and the
    redistribution status of a table built from `source_ids` (the most restrictive of theirs)."""
    entries: dict[tuple, dict] = {}
    for sid in source_ids:
        lic: Licence = reg[sid].licence
        if lic.name == "unknown":
            key = ("unknown", sid)
            entry = {"title": f"No licence known for {reg[sid].title}", "path": reg[sid].page}
        elif lic.name == "other":
            key = ("other", lic.title, lic.path)
            entry = {"title": lic.title, "path": lic.path}
        else:
            key = (lic.name,)
            title, path = SPDX.get(lic.name, (None, None))
            entry = {"name": lic.name, **({"title": title, "path": path} if title else {})}
        entries.setdefault(key, {**entry, "r2p:sources": []})["r2p:sources"].append(sid)
    status = max((reg[s].licence.redistribution for s in source_ids), key=Licence.ORDER.__getitem__, default="unclear")
    restricted = [
        {"source": s, "redistribution": reg[s].licence.redistribution, "note": reg[s].licence.note or ""}
        for s in source_ids
        if reg[s].licence.redistribution != "allowed"
    ]
    return {
        "licenses": sorted(entries.values(), key=lambda e: (e.get("name", "~"), e["r2p:sources"])),
        REDISTRIBUTION: status,
        **({RESTRICTED_BY: restricted} if restricted else {}),
    }


def _field_type(arrow_type) -> str:
    """Frictionless type of an Arrow type; list<string> is `any` (frictionless reads Parquet
    lists as arrays it cannot type-check; the Arrow type is kept in `r2p:arrowType`)."""
    s = str(arrow_type)
    for prefix, ftype in _ARROW_TO_FRICTIONLESS.items():
        if s.startswith(prefix):
            return ftype
    return "any"


def _json_value(v, ftype: str):
    import datetime as dt

    import numpy as np

    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return pd.Timestamp(v).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, np.generic):
        v = v.item()
    if ftype == "integer" and isinstance(v, float) and v.is_integer():
        return int(v)
    if ftype == "string":
        return str(v)
    return v


def _constraints(col, ftype: str) -> tuple[dict, list[str]]:
    """Frictionless constraints from a pandera column: nullability, uniqueness, ranges, allowed
    values, patterns, lengths; the names of checks with no frictionless equivalent."""
    c: dict = {}
    other: list[str] = []
    if not col.nullable:
        c["required"] = True
    if col.unique:
        c["unique"] = True
    for ch in col.checks:
        st = ch.statistics or {}
        name = ch.name
        if ftype == "any":  # list columns: frictionless cannot check their items
            other.append(name)
        elif name == "isin":
            vals = sorted({_json_value(v, ftype) for v in st["allowed_values"]}, key=lambda x: (str(type(x)), x))
            c["enum"] = vals
        elif name == "in_range":
            lo, hi = _json_value(st["min_value"], ftype), _json_value(st["max_value"], ftype)
            c["minimum" if st.get("include_min", True) else "exclusiveMinimum"] = lo
            c["maximum" if st.get("include_max", True) else "exclusiveMaximum"] = hi
        elif name == "greater_than_or_equal_to":
            c["minimum"] = _json_value(st["min_value"], ftype)
        elif name == "greater_than":
            c["exclusiveMinimum"] = _json_value(st["min_value"], ftype)
        elif name == "less_than_or_equal_to":
            c["maximum"] = _json_value(st["max_value"], ftype)
        elif name == "less_than":
            c["exclusiveMaximum"] = _json_value(st["max_value"], ftype)
        elif name == "str_matches" and ftype == "string":
            pat = str(st["pattern"])  # pandera matches at the start (re.match); frictionless the whole value
            c["pattern"] = pat if pat.endswith("$") else f"(?:{pat})[\\s\\S]*"
        elif name == "str_length" and ftype == "string":
            if st.get("exact_value") is not None:
                c["minLength"] = c["maxLength"] = int(st["exact_value"])
            else:
                if st.get("min_value") is not None:
                    c["minLength"] = int(st["min_value"])
                if st.get("max_value") is not None:
                    c["maxLength"] = int(st["max_value"])
        else:
            other.append(name)
    if ftype in ("datetime", "date"):  # frictionless compares dates as dates: ranges given as text
        for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if k in c and ftype == "date":
                c[k] = str(c[k])[:10]
    return c, other


_CONVENTIONS = (
    ("_missing", "why `{base}` is missing (the sentinel code or the reason); empty when it is not"),
    ("_label", "readable label of the code in `{base}`"),
    ("_list", "`{base}` as a list of strings (split from the raw file's comma-separated field)"),
    ("_raw", "`{base}` exactly as given in the raw file, before decoding"),
    ("_precision", "how `{base}` was read: its precision, or the rule that was applied"),
)
_NAMED = {
    "source_row": "1-based data row of the record in the raw file (header not counted)",
    "gwcode": "Gleditsch-Ward country code",
    "cowcode": "Correlates of War country code",
    "year": "calendar year",
    "source_fixes": "corrections applied to the raw record, each 'column: raw -> corrected (why)'",
}


def _panel_descriptions() -> dict[str, str]:
    """Column -> '<group> [coverage, source]' from the column list in analysis/panel.py's docstring."""
    import re

    from . import panel

    doc = panel.__doc__ or ""
    block = doc.split("Columns (coverage in brackets):", 1)[-1]
    out: dict[str, str] = {}
    group, coverage = "", ""
    for line in block.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):  # a group: "identity      gwcode, ...", "interventions [1946-2024, ...] ..."
            head = line[: line.index("[")].strip() if "[" in line else ""
            if head and "  " not in head:
                group, rest = head, line[line.index("[") :]
            else:
                group, rest = re.split(r"\s{2,}", line.strip(), maxsplit=1) + [""] * (1 - ("  " in line.strip()))
            coverage = ""
        else:
            rest = line.strip()
        for part in re.split(r"(\[[^\]]*\])", rest):
            if part.startswith("["):
                coverage = part
                continue
            for name in re.findall(
                r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b(?:polity2|region|year|gwcode|statename|stateabb|population)\b",
                part,
            ):
                out.setdefault(name, f"{group} {coverage}".strip())
    return out


def _description(name: str, col, table: str, module: str, panel_desc: dict | None = None) -> tuple[str, str]:
    """(description, origin): the pandera description; the panel's docstring; a naming
    convention of the cleaners; else a pointer to the module that documents the column."""
    if col is not None and getattr(col, "description", None):
        return str(col.description), "schema"
    if panel_desc and name in panel_desc:
        return f"{name}: {panel_desc[name]} (see analysis/panel.py)", "panel"
    if name in _NAMED:
        return _NAMED[name], "convention"
    for suffix, text in _CONVENTIONS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return text.format(base=name[: -len(suffix)]), "convention"
    return f"column `{name}` of {table}, as documented in {module}", "module"


def _resource_for(
    path: Path, description: str, key, sources, citations, schema=None, module: str = "", panel_desc: dict | None = None
) -> dict:
    res = {
        "name": path.stem.replace("_", "-"),
        "path": path.name,
        SHA256: sha256_file(path),
        BYTES: path.stat().st_size,
        "description": description,
        "sources": sources,
        "citations": sorted(citations),
    }
    cols = dict(schema.columns) if schema is not None else {}
    if path.suffix == ".parquet":
        check_parquet(path)
        meta = pq.read_metadata(path)
        arrow = pq.read_schema(path)
        res["format"] = "parquet"
        res["mediatype"] = "application/vnd.apache.parquet"
        res["rows"] = meta.num_rows
        fields = []
        for f in arrow:
            ftype = _field_type(f.type)
            desc, origin = _description(f.name, cols.get(f.name), path.stem, module, panel_desc)
            fd = {"name": f.name, "type": ftype, "description": desc}
            if ftype == "any":
                fd["r2p:arrowType"] = str(f.type)
            if f.name in cols:
                cons, other = _constraints(cols[f.name], ftype)
                if cons:
                    fd["constraints"] = cons
                if other:
                    fd["r2p:checks"] = other  # pandera checks frictionless cannot express (run at cleaning)
            fields.append(fd)
        # how Parquet nulls reach frictionless's checks (as pandas gives them: NaN, NaT, <NA>)
        res["schema"] = {"fields": fields, "missingValues": list(MISSING_VALUES)}
    else:
        df = pd.read_csv(path)
        res["format"] = "csv"
        res["hash"] = f"sha256:{res[SHA256]}"  # frictionless checks these for CSV
        res["bytes"] = res[BYTES]
        res["rows"] = len(df)
        res["schema"] = {
            "fields": [
                {"name": c, "type": "any", "description": _description(c, None, path.stem, module)[0]}
                for c in df.columns
            ]
        }
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
    DERIVED_FROM = _derived_from()
    derived_stems = {Path(f).stem: tuple(deps) for f, deps in DERIVED_FROM.items()}
    used = verify_raw(
        sorted({s for t in tables.values() for s in t.sources}),
        raw if raw is not None else processed.parent / "raw",
        reg,
    )

    def src_entries(relpaths):
        out = []
        for rel in relpaths:
            sid, name = rel.split("/", 1)
            out.append({"source": sid, "file": name, "sha256": used[rel], "version": reg[sid].version})
        return out

    for name, t in tables.items():
        p = processed / f"{name}.parquet"
        schema = t.schema.get() if hasattr(t.schema, "get") else t.schema
        cites = set(t.citation) | {reg[s].citation for s in t.source_ids}
        sources = src_entries(t.sources)
        for dep in t.tables:  # cleaned tables the build reads (e.g. the crosswalk for GW codes)
            d = tables[dep]
            cites |= set(d.citation) | {reg[s].citation for s in d.source_ids}
            sources.append({"derived_from": f"{dep}.parquet"})
        res = _resource_for(p, t.description, t.key, sources, cites, schema, clean.table_module(name))
        resources.append({**res, **licences(lineage_sources(name, tables, derived_stems), reg)})
    all_rel = sorted({s for t in tables.values() for s in t.sources})
    all_cites = {reg[s.split("/", 1)[0]].citation for s in all_rel}
    for fname, (desc, key) in DERIVED.items():
        p = processed / fname
        if p.exists():
            derived = [{"derived_from": f"{d}.parquet"} for d in DERIVED_FROM.get(fname, ())]
            extra = {}
            if fname == "country_year.parquet":  # the panel's universe, computed (microstates left out)
                from .panel import universe

                uni = universe(pd.read_parquet(p), pd.read_csv(processed / "crosswalk_report.csv"))
                desc, extra = f"{desc} {uni['text']}", {"r2p:universe": uni}
            res = _resource_for(
                p,
                desc,
                key,
                derived or [{"derived_from": "cleaned tables above"}],
                all_cites,
                module=DERIVED_MODULE.get(fname, "analysis/panel.py"),
                panel_desc=_panel_descriptions() if fname == "country_year.parquet" else None,
            )
            resources.append(
                {**res, **extra, **licences(lineage_sources(Path(fname).stem, tables, derived_stems), reg)}
            )
    pkg = {
        "name": "r2p-evidence-processed",
        "title": "r2p-evidence: cleaned and analysis tables",
        "version": __version__,
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "description": (
            "Cleaned and analysis tables of r2p-evidence. Licences are given per table (`licenses`: those of every "
            "source behind it); `r2p:redistribution` is 'allowed' only when every one of them allows redistribution, "
            "'forbidden' when one forbids it (such a table is left out of anything meant for republication) and "
            "'unclear' when the terms of one are unknown or unclear (left out too until they are checked); see "
            "data/README.md."
        ),
        "resources": sorted(resources, key=lambda r: r["name"]),
    }
    return write_json(pkg, output)
