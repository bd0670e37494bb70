"""Helpers the Quarto documents use to turn results into words and tables.

Documents never type a result: every number comes from `results/` through these
functions. They import only the standard library (and `analysis.render`'s escaping),
so a document kernel stays light.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from . import ROOT

RESULTS = ROOT / "results"

VERDICT_WORDS = {
    "supported": "supported",
    "contradicted": "contradicted",
    "inconclusive": "inconclusive",
}


@lru_cache(maxsize=None)
def claim(claim_id: str, results: str | None = None) -> dict:
    base = Path(results) if results else RESULTS
    return json.loads((base / "claims" / f"{claim_id}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def result_file(name: str, results: str | None = None) -> Any:
    base = Path(results) if results else RESULTS
    return json.loads((base / name).read_text(encoding="utf-8"))


def num(x: float | int | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, int) or float(x).is_integer() and abs(x) >= 10:
        return f"{int(round(x)):,}"
    return f"{x:.{digits}g}" if abs(x) < 1 else f"{x:,.{digits}f}".rstrip("0").rstrip(".")


def pct(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:.{digits}f}%"


def is_share(r: dict) -> bool:
    m = (r["primary"].get("method") or "").lower()
    return "proportion" in m or "share" in r.get("estimand", "").lower()


def interval(r: dict) -> str:
    p = r["primary"]
    if is_share(r):
        return f"{pct(p['ci_low'])} to {pct(p['ci_high'])}"
    return f"{num(p['ci_low'])} to {num(p['ci_high'])}"


def estimate(r: dict) -> str:
    """'15% (95% interval 6% to 29%; n = 41)' or '4.75 (95% interval 2.04 to 12.3; n = 30)'."""
    p = r["primary"]
    est = pct(p["estimate"]) if is_share(r) else num(p["estimate"])
    return f"{est} (95% interval {interval(r)}; n = {num(p['n'])})"


def robustness(r: dict) -> str:
    rb = r["robustness"]
    return (f"{pct(rb['share_supporting'])} of {rb['n_estimable']} estimable specifications support the claim, "
            f"{pct(rb['share_contradicting'])} contradict it")


def verdict(r: dict) -> str:
    return VERDICT_WORDS[r["verdict"]]


def verdict_sentence(r: dict) -> str:
    return f"**{verdict(r).capitalize()}**: {r['verdict_reason']}."


def comparisons(r: dict) -> list[dict]:
    return r.get("comparisons", [])


def pipe_table(header: list[str], rows: Iterable[list[Any]], align: str | None = None, raw: Iterable[int] = (),
               widths: Iterable[int] | None = None) -> str:
    """A pandoc pipe table; cell text is escaped for Markdown except in the `raw` columns
    (for Markdown the document builds itself, such as citations).

    `widths`: relative column widths, written as the number of dashes in the separator
    line (pandoc, and so Quarto, read them from there when a row is longer than a line);
    without them a wide table gets equal columns."""
    from .render import md_escape

    raw = set(raw)
    rows = [[("" if c is None else str(c)) if j in raw else md_escape("" if c is None else str(c))
             for j, c in enumerate(row)] for row in rows]
    align = align or "l" * len(header)
    dashes = ["-" * (3 * int(w)) for w in widths] if widths is not None else ["---"] * len(header)
    if len(dashes) != len(header) or any(not d for d in dashes):
        raise ValueError("widths: one positive integer per column")
    sep = [d + ":" if a == "r" else ":" + d + ":" if a == "c" else ":" + d for a, d in zip(align, dashes)]
    lines = ["| " + " | ".join(md_escape(h) for h in header) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def estimate_short(r: dict) -> str:
    """'15% [6%, 29%]' or '4.75 [2.04, 12.3]'."""
    p = r["primary"]
    if is_share(r):
        return f"{pct(p['estimate'])} [{pct(p['ci_low'])}, {pct(p['ci_high'])}]"
    return f"{num(p['estimate'])} [{num(p['ci_low'])}, {num(p['ci_high'])}]"


def verdict_rows(ids: Iterable[str], results: str | None = None) -> list[list[str]]:
    """Compact rows: claim id, verdict, estimate [95% interval], n, share of specifications supporting."""
    out = []
    for cid in ids:
        r = claim(cid, results)
        out.append([cid, verdict(r), estimate_short(r), num(r["primary"]["n"]), pct(r["robustness"]["share_supporting"])])
    return out


def figure(name: str, results: str | None = None) -> tuple[str, str]:
    """Paths (spec, svg) of a figure made by the workflow's `figures` rule."""
    base = Path(results) if results else RESULTS
    return str(base / "figures" / f"{name}.vl.json"), str(base / "figures" / f"{name}.svg")


def figure_alt(name: str, results: str | None = None) -> str:
    for idx in ("figures/index-data.json", "figures/index-claims.json"):
        index = result_file(idx, results)
        if name in index:
            return index[name]["alt"]
    raise KeyError(name)


def bullets(items: Iterable[str]) -> str:
    """A Markdown bullet list of plain-text items (escaped)."""
    from .render import md_escape

    return "\n".join(f"- {md_escape(str(i))}" for i in items)


def cite(key: str) -> str:
    """A pandoc citation for a BibTeX key (keys are ours, from the registry: not escaped)."""
    return f"@{key}"


def value_text(v: Any) -> str:
    """Readable text for a value in a result file: numbers rounded, dicts as 'key: value' lists."""
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return num(v, 3)
    if isinstance(v, dict):
        return "; ".join(f"{str(k).replace('_', ' ')}: {value_text(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(value_text(x) for x in v)
    return str(v)


def breakable(s: str) -> str:
    """Allow line breaks after _ - . / in long tokens (file names) with zero-width spaces."""
    import re

    return re.sub(r"([_\-./])", "\\1\u200b", s)
