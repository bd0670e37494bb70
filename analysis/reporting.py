"""Helpers the Quarto documents use to turn results into words and tables.

Documents never type a result: every number comes from `results/` through these
functions. They import only the standard library (and `analysis.render`'s escaping),
so a document kernel stays light.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from . import ROOT

RESULTS = ROOT / "results"

VERDICT_WORDS = {
    "supported": "supported",
    "contradicted": "contradicted",
    "inconclusive": "inconclusive",
}


# --------------------------------------------------------------------------- number sources
#
# Every value the documents take from results/ carries the identifier of its source: a claim's
# field as `r2p trace` takes it ('RC1.primary.estimate'; a helper's phrase: 'RC1.estimate',
# 'RC1.robustness', 'RC1.verdict') or a field of another result file as `r2p trace --list`
# names it ('file:conditions.json:n_interventions'). `claim` and `result_file` return the JSON
# with every number and string wrapped (`SourcedInt`, `SourcedFloat`, `Sourced`), dicts and
# lists as `SourcedDict` / `SourcedList`; the helpers' phrases are `Sourced` too. Used as an
# inline `{python}` value, such a value becomes `[text]{.r2p-num data-src="ID" title="ID"}`
# (HTML: a span whose tooltip is the identifier) and is recorded, so that `number_sources()`
# at the end of a document lists every identifier with the values shown (the PDF reader's key).

_USES: list[tuple[str, str]] = []  # (identifier, text) of every sourced inline value, in order


def _src_join(src: str, key: Any) -> str:
    return f"{src}:{key}" if src.startswith("file:") and src.count(":") == 1 else f"{src}.{key}"


def _inline_escape(text: str) -> str:
    from .render.markdown import _QUARTO_INLINE_ESCAPE

    return _QUARTO_INLINE_ESCAPE.sub(r"\\\1", text.replace("\\", "\\\\"))


def _sourced_markdown(text: str, src: str, *, escape: bool = True) -> str:
    """The Markdown of one sourced inline value; the text is escaped as Quarto escapes a plain
    str (so it reads exactly as it did without an identifier)."""
    _USES.append((src, text))
    body = _inline_escape(text) if escape else text
    return f'[{body}]{{.r2p-num data-src="{src}" title="{src}"}}'


class Sourced(str):
    """Text from results/ (a value or a helper's phrase) with the identifier of its source."""

    src: str

    def __new__(cls, text: str, src: str) -> Sourced:
        o = super().__new__(cls, text)
        o.src = src
        return o

    def _repr_markdown_(self) -> str:
        return _sourced_markdown(str(self), self.src)


class SourcedInt(int):
    src: str

    def __new__(cls, value: int, src: str) -> SourcedInt:
        o = super().__new__(cls, value)
        o.src = src
        return o

    def _repr_markdown_(self) -> str:  # as Quarto inserts an int: its repr
        return _sourced_markdown(int.__repr__(self), self.src, escape=False)


class SourcedFloat(float):
    src: str

    def __new__(cls, value: float, src: str) -> SourcedFloat:
        o = super().__new__(cls, value)
        o.src = src
        return o

    def _repr_markdown_(self) -> str:
        return _sourced_markdown(float.__repr__(self), self.src, escape=False)


class SourcedDict(dict):
    src: str


class SourcedList(list):
    src: str


#: Fields that name a record in a list of records; an identifier uses the value (as `r2p trace`
#: selects a list element by it: 'RC1.primary_detail.libya_departure.periods.2011.k').
ITEM_KEYS = ("id", "period", "left_out", "case_id", "slug", "draft", "resolution", "actor_id", "gwcode", "year")


def _item_keys(items: list) -> list[str]:
    """How each element of a list is named in an identifier: by the first of `ITEM_KEYS` whose
    values are unique scalars (never one that reads as another element's position or holds a
    dot or colon), else by its position."""
    if items and all(isinstance(x, dict) for x in items):
        for k in ITEM_KEYS:
            vals = [x.get(k) for x in items]
            if any(v is None or isinstance(v, (bool, dict, list)) for v in vals):
                continue
            names = [str(v) for v in vals]
            if len(set(names)) == len(names) and not any(
                "." in n or ":" in n or (n.isdigit() and int(n) < len(items)) for n in names
            ):
                return names
    return [str(i) for i in range(len(items))]


def sourced(value: Any, src: str) -> Any:
    """`value` (parsed JSON) with every number and string carrying its identifier."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return SourcedInt(value, src)
    if isinstance(value, float):
        return SourcedFloat(value, src)
    if isinstance(value, str):
        return Sourced(value, src)
    if isinstance(value, dict):
        d = SourcedDict({k: sourced(v, _src_join(src, k)) for k, v in value.items()})
        d.src = src
        return d
    if isinstance(value, list):
        keys = _item_keys(value)
        lst = SourcedList(sourced(v, _src_join(src, k)) for k, v in zip(keys, value))
        lst.src = src
        return lst
    return value


def source_of(x: Any) -> str | None:
    return getattr(x, "src", None)


def _with_src(text: str, *values: Any, field: str | None = None) -> str:
    """`text` as `Sourced` with the identifier of the first sourced value (or its `field`)."""
    for v in values:
        src = source_of(v)
        if src is not None:
            return Sourced(text, _src_join(src, field) if field else src)
    return text


def attach(text: str, value: Any, field: str | None = None) -> str:
    """`text` a document builds from a sourced `value` (an f-string, a tally) as `Sourced` with the
    value's identifier (or its `field`): `attach(f"{r['yes']}-{r['no']}", r)`."""
    return _with_src(text, value, field=field)


def md(value: Any) -> str:
    """A value as Markdown for text a cell prints (`output: asis`): a sourced value as its span
    (recorded like an inline value), anything else as it is."""
    f = getattr(value, "_repr_markdown_", None)
    return f() if source_of(value) is not None and callable(f) else str(value)


def count(seq: Any) -> Any:
    """`len(seq)` carrying the identifier of the list it counts (`<list>.len`)."""
    src = source_of(seq)
    return SourcedInt(len(seq), _src_join(src, "len")) if src else len(seq)


def derived(value: Any, src: str) -> Any:
    """A number a document computes from results (a count, a sum) with the identifier it is
    derived from, e.g. `derived(n, "file:conditions.json:interventions.len")`."""
    return sourced(value, src)


def uses() -> list[tuple[str, str]]:
    """The (identifier, text) of every sourced inline value shown since the last `number_sources`."""
    return list(_USES)


def _field_of(src: str, head: str) -> str:
    """The identifier without its source ('RC1.primary.n' -> 'primary.n')."""
    return src[len(head) :].lstrip(".:") or "(the whole result)"


def number_sources(reset: bool = True) -> str:
    """The document's key of number sources (Markdown): one row per source, with every
    identifier used and the values shown. Call it last (it empties the record)."""
    from .render import md_escape

    groups: dict[str, dict[str, list[str]]] = {}
    for src, text in _USES:
        head = "file:" + src.split(":")[1] if src.startswith("file:") else src.partition(".")[0]
        shown = groups.setdefault(head, {}).setdefault(src, [])
        short = text if len(text) <= 40 else text[:37] + "..."
        if short not in shown:
            shown.append(short)
    if reset:
        _USES.clear()
    rows = []
    for head in sorted(groups):
        # the field within its source, breakable (a long identifier must not run over the next cell)
        items = "; ".join(
            f"*{md_escape(breakable(_field_of(src, head)))}* {md_escape(' | '.join(vals))}"
            for src, vals in sorted(groups[head].items())
        )
        rows.append([md_escape(breakable(head.removeprefix("file:"))), items])  # a long file name wraps too
    return pipe_table(["Source", "Field and value shown"], rows, raw=(0, 1), widths=(1, 6))


@cache
def claim(claim_id: str, results: str | None = None) -> dict:
    base = Path(results) if results else RESULTS
    return sourced(json.loads((base / "claims" / f"{claim_id}.json").read_text(encoding="utf-8")), claim_id)


def result_path(name: str, results: str | None = None) -> Path:
    return (Path(results) if results else RESULTS) / name


@cache
def result_file(name: str, results: str | None = None) -> Any:
    base = Path(results) if results else RESULTS
    return sourced(json.loads((base / name).read_text(encoding="utf-8")), f"file:{name}")


def num(x: float | int | None, digits: int = 2) -> str:
    """A number as the documents print it ('0.35', '4.75', '1,234'), `Sourced` when `x` is."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, int) or float(x).is_integer() and abs(x) >= 10:
        return _with_src(f"{int(round(x)):,}", x)
    return _with_src(f"{x:.{digits}g}" if abs(x) < 1 else f"{x:,.{digits}f}".rstrip("0").rstrip("."), x)


def pct(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "n/a"
    return _with_src(f"{100 * x:.{digits}f}%", x)


def is_share(r: dict) -> bool:
    m = (r["primary"].get("method") or "").lower()
    return "proportion" in m or r.get("estimand", "").lower().startswith("share")


def interval(r: dict) -> str:
    p = r["primary"]
    if is_share(r):
        return _with_src(f"{pct(p['ci_low'])} to {pct(p['ci_high'])}", r, field="primary")
    return _with_src(f"{num(p['ci_low'])} to {num(p['ci_high'])}", r, field="primary")


def estimate(r: dict) -> str:
    """'15% (95% interval 6% to 29%; n = 41)' or '4.75 (95% interval 2.04 to 12.3; n = 30)'."""
    p = r["primary"]
    if p["estimate"] is None:
        return _with_src(f"not estimable (n = {num(p['n'])})", r, field="estimate")
    est = pct(p["estimate"]) if is_share(r) else num(p["estimate"])
    if p["ci_low"] is None:
        return _with_src(f"{est} (permutation p = {num(p['p_value'], 2)}; n = {num(p['n'])})", r, field="estimate")
    return _with_src(f"{est} (95% interval {interval(r)}; n = {num(p['n'])})", r, field="estimate")


def robustness(r: dict) -> str:
    """'12 of 23 distinct specifications support the claim, 0 contradict it, 3 are too imprecise to
    decide, 8 cannot be estimated'."""
    rb = r["robustness"]
    nd = rb.get("n_distinct", rb["n_specs"])
    return _with_src(
        f"{rb['n_supporting']} of {nd} distinct specifications support the claim, {rb['n_contradicting']} "
        f"contradict it, {rb['n_neither']} are too imprecise to decide and {rb['n_not_estimable']} cannot be estimated "
        "or fall below the minimum n",
        rb,
    )


def verdict(r: dict) -> str:
    return _with_src(VERDICT_WORDS[r["verdict"]], r, field="verdict")


def revised_after_results(r: dict) -> list[dict]:
    """Revisions made after results were seen that changed the verdict."""
    return [v for v in r.get("revisions", []) if v.get("after_results") and v.get("affects_verdict")]


def verdict_phrase(r: dict) -> str:
    """The verdict as a clause no stronger than the rule: 'supported under the registry's decision
    rule', 'inconclusive because ...'; an exploratory claim and a claim whose verdict changed in a
    revision made after results were seen say so."""
    v = r["verdict"]
    if r.get("exploratory"):
        if v == "inconclusive":
            return f"exploratory (declared after its result had been seen) and inconclusive because {_basis(r)}"
        return f"exploratory (declared after its result had been seen); it would be {v} under the registry's rule"
    text = f"inconclusive because {_basis(r)}" if v == "inconclusive" else f"{v} under the registry's decision rule"
    if revised_after_results(r):
        text += " (after a re-specification made once earlier results were known, which changed the verdict)"
    return _with_src(text, r, field="verdict")


def _basis(r: dict) -> str:
    return r.get("verdict_basis") or r["verdict_reason"].split(" (")[0]


def verdict_sentence(r: dict) -> str:
    lead = "Exploratory, not a pre-declared test. " if r.get("exploratory") else ""
    return f"{lead}**{verdict(r).capitalize()}**: {r['verdict_reason']}."


def check_text(r: dict, check_id: str) -> str:
    """A declared design check's outcome: 'passed (detail)' / 'failed (detail)'."""
    for c in r.get("design_checks", []):
        if c["id"] == check_id:
            res = c.get("result") or {}
            word = "passed" if res.get("passed") else "failed" if res.get("passed") is False else "could not be decided"
            return _with_src(f"{word}: {res.get('detail', 'no detail')}", c, field="result")
    raise KeyError(check_id)


def curve_test_text(r: dict) -> str:
    """The specification-curve test in one sentence (it decides nothing)."""
    ct = r.get("curve_test")
    if not ct:
        return (
            "No specification-curve test: this claim's curve cannot be resampled under its null "
            "within the project's time budget."
        )
    return _with_src(
        f"Specification-curve test (Simonsohn, Simmons and Nelson 2020; {ct['resamples']} resamples with the "
        f"effect removed, deciding nothing): {ct['observed_significant']} of {ct['n_specs_tested']} distinct "
        f"specifications are significant in the claim's direction, p = {num(ct['p_significant'], 2)}; "
        f"median estimate p = {num(ct['p_median'], 2)}.",
        ct,
    )


def finding(fid: str, results: str | None = None) -> dict:
    for f in result_file("claims/findings.json", results)["findings"]:
        if f["id"] == fid:
            return f
    raise KeyError(fid)


def finding_phrase(f: dict) -> str:
    """'supported (3 of 3 tests support the sentence and none contradicts it)'; a member whose verdict
    changed in a revision made after results were seen is named."""
    rev = f.get("revised_after_results") or []
    tail = (
        (
            f"; the verdict of {', '.join(rev)} changed when {'it was' if len(rev) == 1 else 'they were'} "
            "re-specified after earlier results were known"
        )
        if rev
        else ""
    )
    return _with_src(f"{f['finding']} ({f['reason']}{tail})", f, field="finding")


def comparisons(r: dict) -> list[dict]:
    return r.get("comparisons", [])


def pipe_table(
    header: list[str],
    rows: Iterable[list[Any]],
    align: str | None = None,
    raw: Iterable[int] = (),
    widths: Iterable[int] | None = None,
) -> str:
    """A pandoc pipe table; cell text is escaped for Markdown except in the `raw` columns
    (for Markdown the document builds itself, such as citations).

    `widths`: relative column widths, written as the number of dashes in the separator
    line (pandoc, and so Quarto, read them from there when a row is longer than a line);
    without them a wide table gets equal columns."""
    from .render import md_escape

    raw = set(raw)
    rows = [
        [
            ("" if c is None else str(c)) if j in raw else md_escape("" if c is None else str(c))
            for j, c in enumerate(row)
        ]
        for row in rows
    ]
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
    if p["estimate"] is None:
        return "not estimable"
    if p["ci_low"] is None:
        return f"{num(p['estimate'])} (p = {num(p['p_value'], 2)})"
    if is_share(r):
        return f"{pct(p['estimate'])} [{pct(p['ci_low'])}, {pct(p['ci_high'])}]"
    return f"{num(p['estimate'])} [{num(p['ci_low'])}, {num(p['ci_high'])}]"


def verdict_rows(ids: Iterable[str], results: str | None = None) -> list[list[str]]:
    """Compact rows: claim id (exploratory marked), verdict, estimate [95% interval], n, distinct
    specifications supporting / contradicting of all distinct ones."""
    out = []
    for cid in ids:
        r = claim(cid, results)
        rb = r["robustness"]
        v = verdict(r) + (
            " (exploratory)" if r.get("exploratory") else " (re-specified)" if revised_after_results(r) else ""
        )
        out.append(
            [
                cid,
                v,
                estimate_short(r),
                num(r["primary"]["n"]),
                f"{rb['n_supporting']} / {rb['n_contradicting']} of {rb.get('n_distinct', rb['n_specs'])}",
            ]
        )
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
    """Readable text for a value in a result file: numbers rounded; an estimate with its interval
    as '15% [6%, 29%] (6 of 41)' or '4.75 [2.04, 12.3]'; other dicts as 'label value' lists."""
    if v is None:
        return "n/a"
    if isinstance(v, dict) and ("share" in v or "estimate" in v) and "ci_low" in v and "ci_high" in v:
        share = "share" in v
        est = v.get("share", v.get("estimate"))
        f = pct if share else num
        out = f"{f(est)} [{f(v['ci_low'])}, {f(v['ci_high'])}]"
        if "k" in v and "n" in v:
            out += f" ({num(v['k'])} of {num(v['n'])})"
        return out
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return num(v, 3)
    if isinstance(v, dict):
        return "; ".join(f"{str(k).replace('_', ' ')} {value_text(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(value_text(x) for x in v)
    return str(v)


def breakable(s: str) -> str:
    """Allow line breaks after _ - . / in long tokens (file names) with zero-width spaces."""
    import re

    return re.sub(r"([_\-./])", "\\1\u200b", s)


def document_date() -> str:
    """The documents' declared date (ISO): SOURCE_DATE_EPOCH's day when it is set, else the
    `date` in reports/_quarto.yml, as both render engines take it."""
    from .render import declared_date

    day = declared_date()
    if day is not None:
        return day
    import yaml

    from .io import yaml_loader

    meta = yaml.load((ROOT / "reports" / "_quarto.yml").read_text(encoding="utf-8"), Loader=yaml_loader())
    return str(meta["date"])


def document_title(doc: str) -> str:
    """The title in the front matter of reports/<doc>.qmd (typed once, there)."""
    import yaml

    from .io import yaml_loader

    text = (ROOT / "reports" / f"{doc}.qmd").read_text(encoding="utf-8")
    front = text.split("---", 2)[1] if text.startswith("---") else ""
    return str(yaml.load(front, Loader=yaml_loader())["title"])


def identity_block(title: str, *, compact: bool = False) -> str:
    """The "About this document" text (Markdown): the software and its version, the vintage of
    every data source (config/sources.yaml), the date, and how to cite the document and the
    software (CITATION.cff). `compact` (the briefs): the sources counted, not listed."""
    import yaml

    from .io import yaml_loader
    from .render import md_escape

    cff = yaml.load((ROOT / "CITATION.cff").read_text(encoding="utf-8"), Loader=yaml_loader())
    sources = yaml.load((ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"), Loader=yaml_loader())["sources"]
    version, day = cff["version"], document_date()
    authors = ", ".join(
        a.get("name") or f"{a.get('given-names', '')} {a.get('family-names', '')}".strip() for a in cff["authors"]
    )
    parts = [
        f"*{md_escape(title)}* was produced on {day} by r2p-evidence {version}, the workflow that "
        "computes every number in it from public data; none is typed by hand. Each claim's declared "
        "rule, data and input checksums are in the technical appendix, and `r2p trace CLAIM` prints "
        "the chain from a number to the raw files."
    ]
    if compact:  # the registry's ids with their versions (the appendix gives the titles)
        vintages = "; ".join(f"`{s['id']}` ({md_escape(str(s['version']))})" for s in sources)
    else:
        vintages = "; ".join(f"{md_escape(s['title'])}, {md_escape(str(s['version']))}" for s in sources)
    parts.append(
        f"**Data vintages** ({len(sources)} sources, with their checksums in `config/sources.yaml`). {vintages}."
    )
    stop = "" if title.rstrip().endswith(("?", "!", ".")) else "."
    parts.append(
        f"**Cite as.** {md_escape(authors)} ({day[:4]}). *{md_escape(title)}*{stop} r2p-evidence "
        f"{version}, {day}. Cite the software and the data sources it builds on as `CITATION.cff` "
        "in the repository says."
    )
    return "\n\n".join(parts)
