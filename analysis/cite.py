"""`r2p cite <table or claim>`: the BibTeX of every source behind a table or a claim.

Like peacesciencer's `ps_cite()`: a cleaned or analysis table cites the sources of the raw
files it is cleaned from (`config/sources.yaml`, key `citation`) and the citations the
cleaner declares (`Table.citation`, e.g. the package that redistributes a data set), and
those of every table it is built from (the crosswalk for GW codes; for `country_year`,
every input table of the panel). A claim cites everything behind the tables its registry
entry declares (`config/claims.yaml`, `data.tables`), and the text the claim comes from.
Entries come from `reports/references.bib`, in the order they appear there.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import ROOT
from .errors import DataError


def bib_entries(path: Path) -> dict[str, str]:
    """key -> the entry's text, for every `@type{key, ...}` in a BibTeX file (braces balanced)."""
    text = path.read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for m in re.finditer(r"@\w+\s*\{\s*([^,\s]+)\s*,", text):
        depth, i = 0, m.start() + text[m.start() :].index("{")
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                out[m.group(1)] = text[m.start() : j + 1]
                break
        else:
            line = text.count("\n", 0, m.start()) + 1
            raise DataError(f"BibTeX entry {m.group(1)!r} is not closed", file=str(path), row=line)
    return out


def table_citations(table: str) -> dict[str, list[str]]:
    """BibTeX key -> why (the tables and sources that need it), for one processed table."""
    from .sources import load_registry
    from .trace import raw_lineage, table_inputs

    inputs = table_inputs()
    if table not in inputs:
        raise KeyError(table)
    reg = load_registry()
    why: dict[str, list[str]] = {}
    seen: set[str] = set()

    def walk(t: str) -> None:
        if t in seen:
            return
        seen.add(t)
        for key in inputs[t]["citations"]:
            why.setdefault(key, []).append(f"table {t}")
        for dep in inputs[t]["tables"]:
            walk(dep)

    walk(table)
    for via, rel in raw_lineage(table, inputs):
        sid = rel.split("/", 1)[0]
        why.setdefault(reg[sid].citation, []).append(f"source {sid} ({rel}, via {via})")
    return why


def citations(target: str, root: Path = ROOT) -> list[tuple[str, list[str]]]:
    """(key, reasons) for a table name or a claim id, sources first, in a stable order."""
    import yaml

    from .trace import table_inputs

    tables = table_inputs()
    name = target.removesuffix(".parquet")
    if name in tables:
        why = table_citations(name)
    else:
        reg = yaml.safe_load((root / "config" / "claims.yaml").read_text(encoding="utf-8"))
        claims = {c["id"]: c for c in reg.get("claims", [])}
        if target not in claims:
            raise DataError(
                f"{target!r} is neither a table nor a claim; tables: {', '.join(sorted(tables))}; "
                f"claims: {', '.join(claims)}"
            )
        c = claims[target]
        why = {}
        src = (c.get("source") or {}).get("citation")
        if src:
            why[src] = [f"the text claim {target} tests ({c['source'].get('section', '')})"]
        for t in c["data"]["tables"]:
            for key, reasons in table_citations(t).items():
                why.setdefault(key, []).extend(reasons)
    return sorted(((k, list(dict.fromkeys(v))) for k, v in why.items()), key=lambda kv: kv[0])


def cite(target: str, root: Path = ROOT, bib: Path | None = None) -> str:
    """The BibTeX entries for `target`, each preceded by a comment saying why it is cited."""
    bib = bib or root / "reports" / "references.bib"
    entries = bib_entries(bib)
    keys = citations(target, root)
    missing = [k for k, _ in keys if k not in entries]
    if missing:
        raise DataError(f"citation key(s) {', '.join(missing)} not in the bibliography", file=str(bib))
    order = {k: i for i, k in enumerate(entries)}
    out = [f"% Sources behind {target} ({len(keys)} {'entry' if len(keys) == 1 else 'entries'}; r2p cite)"]
    for key, why in sorted(keys, key=lambda kv: order[kv[0]]):
        out.append("")
        out.append(f"% {key}: " + "; ".join(why[:6]) + (f"; and {len(why) - 6} more" if len(why) > 6 else ""))
        out.append(entries[key])
    return "\n".join(out) + "\n"
