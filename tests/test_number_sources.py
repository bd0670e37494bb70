"""Numbers that say where they come from (issue 20, item 1).

Every value the documents take from `results/` through inline code renders with the identifier
of its source (`analysis.reporting`: a span whose `data-src`/`title` is e.g. `RC1.estimate`, and
the "Number sources" key at the end). The sentinel test plants a distinctive value in every
number of every claim result and result file, renders a document with the built-in engine and
fails on any sentinel in the running text that is not inside a span naming its source.
"""

from __future__ import annotations

import html as _html
import json
import re
import shutil
from pathlib import Path

import pytest

from analysis import ROOT
from analysis import reporting as R
from analysis.render.markdown import md_escape, quarto_inline_markdown

RESULTS = ROOT / "results"

# --------------------------------------------------------------------------- the value objects


def test_sourced_values_carry_their_field_and_render_as_a_span():
    r = R.sourced(
        {"id": "X1", "primary": {"estimate": 0.25, "ci_low": 0.1, "ci_high": 0.5, "n": 41, "method": "proportion"}},
        "X1",
    )
    assert r["primary"]["n"].src == "X1.primary.n" and r["primary"]["n"] == 41
    assert R.num(r["primary"]["n"]).src == "X1.primary.n"
    assert R.pct(r["primary"]["estimate"]) == "25%" and R.pct(r["primary"]["estimate"]).src == "X1.primary.estimate"
    est = R.estimate(r)
    assert est == "25% (95% interval 10% to 50%; n = 41)" and est.src == "X1.estimate"
    f = R.sourced({"releases": [{"n": 3, "a:b": {"k": 1}}]}, "file:conditions.json")
    assert f["releases"][0]["n"].src == "file:conditions.json:releases.0.n"
    assert f["releases"][0]["a:b"]["k"].src == "file:conditions.json:releases.0.a:b.k"
    assert R.count(f["releases"]).src == "file:conditions.json:releases.len"
    R.number_sources()  # empty the record
    md = est._repr_markdown_()
    # the text is escaped exactly as Quarto escapes a plain str, inside a span naming the source
    assert md == "[" + quarto_inline_markdown(repr(str(est))) + ']{.r2p-num data-src="X1.estimate" title="X1.estimate"}'
    assert r["primary"]["n"]._repr_markdown_() == '[41]{.r2p-num data-src="X1.primary.n" title="X1.primary.n"}'
    key = R.number_sources()
    assert "| X1 | *estimate* " + md_escape("25% (95% interval 10% to 50%; n = 41)") in key
    assert "; *" + md_escape("primary.\u200bn") + "* 41 |" in key
    assert R.uses() == []  # number_sources empties the record
    # plain values (and arithmetic on sourced ones) carry nothing
    assert not hasattr(R.num(41), "src") and not hasattr(r["primary"]["n"] + 1, "src")
    assert json.loads(json.dumps(r))["primary"]["n"] == 41


# --------------------------------------------------------------------------- the sentinel check


#: Numbers the documents use as keys, not as values shown (left as they are).
_STRUCTURAL = re.compile(
    r"per_condition\.\d+\.n$|[.:](resolution|gwcode|rcid|with_as_many_abstentions_or_more)(\.\d+)?$"
)


def plant_sentinels(src: Path, dst: Path) -> dict[str, str]:
    """Copy the JSON results the documents read (claims/*.json, *.json at the top, briefs, figure
    indexes) with every int/float replaced by a distinctive sentinel; return {form: field} for
    every printed form of every sentinel (num, pct, repr)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("briefs-executed", "briefs-rendered"))
    forms: dict[str, str] = {}
    counter = iter(range(1, 10**6))

    def plant(value, field):
        if isinstance(value, bool) or value is None or _STRUCTURAL.search(field):
            return value
        if isinstance(value, int):
            s = 700000 + next(counter)
            for f in (str(s), f"{s:,}"):
                forms[f] = field
            return s
        if isinstance(value, float):
            s = 80000 + next(counter) + 0.25
            for f in (repr(s), f"{s:,.2f}", f"{s:,.3f}".rstrip("0"), f"{100 * s:.0f}%", f"{100 * s:.1f}%"):
                forms[f] = field
            return s
        if isinstance(value, dict):
            return {k: plant(v, R._src_join(field, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [plant(v, R._src_join(field, i)) for i, v in enumerate(value)]
        return value

    for p in sorted((dst / "claims").glob("*.json")):
        src_id = p.stem if p.stem[:1].isupper() else f"file:claims/{p.name}"
        p.write_text(json.dumps(plant(json.loads(p.read_text(encoding="utf-8")), src_id)), encoding="utf-8")
    for p in sorted(dst.glob("*.json")) + sorted((dst / "briefs").glob("*.json")):
        rel = p.relative_to(dst).as_posix()
        p.write_text(json.dumps(plant(json.loads(p.read_text(encoding="utf-8")), f"file:{rel}")), encoding="utf-8")
    return forms


_SPAN = re.compile(r'<span\s+class="r2p-num"\s+data-src="([^"]*)"\s+title="[^"]*">(.*?)</span>', re.S)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?%?")
_DROP = [
    re.compile(p, re.S)
    for p in (
        r"<table.*?</table>",  # cell outputs (tables), not inline numbers
        r"<script.*?</script>",
        r"<style.*?</style>",
        r"<svg.*?</svg>",
        r"<figure.*?</figure>",
        r"<pre.*?</pre>",
    )
]


def _root(src: str) -> str:
    return "file:" + src.split(":")[1] if src.startswith("file:") else src.split(".")[0]


def unsourced_sentinels(page: str, forms: dict[str, str]) -> list[str]:
    """Every sentinel in the running text of an HTML page that is not inside a span naming its
    source (a span naming another claim or file counts as wrong)."""
    body = page
    for rx in _DROP:
        body = rx.sub(" ", body)
    problems = []

    def check_span(m: re.Match) -> str:
        src, text = _html.unescape(m.group(1)), _html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        for tok in _NUMBER.findall(text):
            if tok in forms and _root(forms[tok]) != _root(src):
                problems.append(f"{tok} (from {forms[tok]}) marked as {src}")
        return " "

    body = _SPAN.sub(check_span, body)
    text = _html.unescape(re.sub(r"<[^>]+>", " ", body))
    for m in _NUMBER.finditer(text):
        if m.group() in forms:
            ctx = " ".join(text[max(0, m.start() - 60) : m.end() + 30].split())
            problems.append(f"{m.group()} (from {forms[m.group()]}) without its identifier: ...{ctx}...")
    return problems


def _render_html(doc: Path, results: Path, out: Path, root: Path | None = None, **params) -> str:
    """Render `doc` to HTML with the built-in engine. `root`: a built copy of the project to render
    in (its own `analysis` and data/processed, as `python -m analysis render` there)."""
    if root is not None and root.resolve() != ROOT.resolve():
        import subprocess
        import sys

        args = [sys.executable, "-m", "analysis", "render", str(doc.relative_to(root)), "--to", "html"]
        args += ["--engine", "builtin", "--out-dir", str(out)]
        for k, v in {"results": str(results), **params}.items():
            args += ["-P", f"{k}:{v}"]
        res = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=900)
        assert res.returncode == 0, res.stderr[-3000:]
        return (out / f"{doc.stem}.html").read_text(encoding="utf-8")
    from analysis.render import render

    render(doc, to=("html",), out_dir=out, params={"results": str(results), **params}, engine="builtin")
    return (out / f"{doc.stem}.html").read_text(encoding="utf-8")


def test_sentinel_check_fails_on_a_number_whose_identifier_was_dropped(tmp_path):
    """The check is not vacuous: a document that prints a result without its identifier (the value
    turned into a plain float) fails it; the same value through the helper passes."""
    res = tmp_path / "results"
    (res / "claims").mkdir(parents=True)
    claim = {"id": "X1", "primary": {"estimate": 0.5, "ci_low": 0.25, "ci_high": 0.75, "n": 12, "method": "mean"}}
    (res / "claims" / "X1.json").write_text(json.dumps(claim), encoding="utf-8")
    forms = plant_sentinels(res, tmp_path / "planted")
    doc = tmp_path / "doc.qmd"
    doc.write_text(
        "---\ntitle: t\n---\n\n```{python}\n#| tags: [parameters]\nresults = None\n```\n\n"
        "```{python}\nfrom analysis import reporting as R\nr = R.claim('X1', results)\n```\n\n"
        "With identifier: `{python} R.estimate(r)`; n `{python} r['primary']['n']`.\n\n"
        "Dropped: `{python} float(r['primary']['estimate'])`.\n",
        encoding="utf-8",
    )
    page = _render_html(doc, tmp_path / "planted", tmp_path / "out")
    problems = unsourced_sentinels(page, forms)
    assert len(problems) == 1 and "from X1.primary.estimate) without its identifier" in problems[0], problems
    assert 'data-src="X1.estimate"' in page and 'title="X1.primary.n"' in page


def _built() -> bool:
    return (RESULTS / "claims" / "RC1.json").is_file() and (RESULTS / "conditions.json").is_file()


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    """The workflow's results: this checkout's when it is built, else those of a clean copy built
    here with `snakemake -c2` (as on CI's fresh clone, where the tests must run, not skip)."""
    if _built():
        return RESULTS
    from test_workflow import _clean_copy, _snakemake

    wd = _clean_copy(tmp_path_factory.mktemp("built"))
    res = _snakemake(wd)
    assert res.returncode == 0, (res.stdout + res.stderr)[-6000:]
    return wd / "results"


@pytest.mark.slow
@pytest.mark.parametrize(
    "doc,params",
    [("policy-paper", {}), ("appendix", {}), ("brief", {"slug": "libya-2011"})],
)
def test_every_inline_number_from_results_carries_its_identifier(results_dir, tmp_path, doc, params):
    planted = tmp_path / "results"
    forms = plant_sentinels(results_dir, planted)
    root = results_dir.parent  # the checkout, or the copy the fixture built
    page = _render_html(root / "reports" / f"{doc}.qmd", planted, tmp_path / "out", root=root, **params)
    problems = unsourced_sentinels(page, forms)
    assert not problems, "\n".join(problems)
    spans = _SPAN.findall(page)
    assert len(spans) >= (3 if doc == "brief" else 100)
    # the key at the end lists every identifier used in the text: its source, then the field in italics
    key = _html.unescape(page.split('id="number-sources"', 1)[1]).replace("\u200b", "")
    for src in {_html.unescape(s) for s, _ in spans}:
        head = _root(src)
        assert head.removeprefix("file:") in key, src
        assert f"<em>{R._field_of(src, head)}</em>" in key, src


def _covered(field: str, listed: set[str]) -> bool:
    """`field` is listed, or a record above or below it is (`*` in a listed field: any element)."""
    want = field.split(".")
    for f in listed:
        got = f.split(".")
        if all(g in ("*", w) for g, w in zip(got, want)):
            return True
    return False


@pytest.mark.slow
def test_rendered_identifiers_are_traceable_and_listed_by_trace_list(results_dir, tmp_path):
    """Every identifier the paper and the appendix show resolves with `r2p trace` (a claim's
    field) and is among the fields `r2p trace --list` gives for that document."""
    from analysis.trace import list_uses, resolve_field

    listed: dict[str, set[str]] = {}
    for u in list_uses(ROOT):
        listed.setdefault(u.document, set()).add(u.field)
    for doc in ("policy-paper", "appendix"):
        root = results_dir.parent
        page = _render_html(root / "reports" / f"{doc}.qmd", results_dir, tmp_path / doc, root=root)
        ids = sorted({_html.unescape(s) for s, _ in _SPAN.findall(page)})
        assert ids
        missing = []
        for src in ids:
            if src.startswith("file:"):
                name = src.split(":")[1]
                if not any(f.startswith(f"file:{name}") for f in listed[f"{doc}.qmd"]):
                    missing.append(src)
                continue
            cid, _, fld = src.partition(".")
            parts, _ = resolve_field(json.loads((results_dir / "claims" / f"{cid}.json").read_text()), fld or None)
            if not _covered(f"{cid}." + ".".join(parts), listed[f"{doc}.qmd"]):
                missing.append(src)
        assert not missing, f"{doc}: shown but not listed by `r2p trace --list`: {missing}"
