"""The document engine (analysis/render/): built-in rendering of Quarto documents.

Fixture documents live in tests/fixtures/render/ (a miniature Quarto project whose
_extensions/ links to reports/_extensions). One Jupyter kernel is shared by the
whole module, as `render_many` shares one across briefs.

PDF text is read with pypdf when it is installed, else with `pdftotext`
(poppler-utils).
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from analysis import ROOT
from analysis import render as R
from analysis.render import RenderError, md_escape, md_table

FIX = Path(__file__).parent / "fixtures" / "render"
ERR = FIX / "errors"
EVIL = "<script>alert(1)</script> #set page(fill: red) $x$ @label"


# --------------------------------------------------------------------------- helpers


def _norm(text: str) -> str:
    text = text.replace("\u00ad\n", "").replace("\u00ad", "").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text)


def html_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"</?(?:a|span|em|strong|sup|sub|code|i|b)\b[^>]*>", "", html, flags=re.I)
    html = re.sub(r"<[^>]+>", " ", html)
    return _norm(html_lib.unescape(html))


def pdf_text(path: Path) -> str:
    try:
        import pypdf
    except ImportError:
        exe = shutil.which("pdftotext")
        if exe is None:
            pytest.fail("reading PDF text needs pypdf (pip install pypdf) or pdftotext (apt-get install poppler-utils)")
        out = subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
        return _norm(out.decode("utf-8"))
    reader = pypdf.PdfReader(str(path))
    return _norm(" ".join(page.extract_text() or "" for page in reader.pages))


@pytest.fixture(scope="module")
def kernel():
    with R.Kernel() as k:
        yield k


@pytest.fixture(scope="module")
def brief(kernel, tmp_path_factory):
    out = tmp_path_factory.mktemp("brief")
    html, pdf = R.render(FIX / "brief.qmd", ("html", "pdf"), out, kernel=kernel, engine="builtin")
    return {
        "dir": out,
        "html": html,
        "pdf": pdf,
        "html_raw": html.read_text(encoding="utf-8"),
        "html_text": html_text(html.read_text(encoding="utf-8")),
        "pdf_text": pdf_text(pdf),
    }


# --------------------------------------------------------------------------- helpers for documents


def test_md_escape_makes_markup_literal():
    assert md_escape("a*b_c") == r"a\*b\_c"
    assert md_escape("x")._repr_markdown_() == "x"  # displays as Markdown: never escaped twice
    assert md_escape("<b>#x</b>") == r"\<b\>\#x\<\/b\>"
    assert md_escape("two\nlines") == "two lines"
    assert md_escape(None) == ""
    assert md_escape("Côte d’Ivoire") == "Côte d’Ivoire"  # non-ASCII untouched


def test_md_table_escapes_cells_and_aligns_numbers():
    import pandas as pd

    df = pd.DataFrame({"Actor": ["A|B", "<i>x</i>"], "n": [1, 22], "share": [0.5, float("nan")]})
    md = md_table(df, floatfmt=".2f")
    lines = md.strip().split("\n")
    assert lines[0] == "| Actor | n | share |"
    assert lines[1] == "|:---|---:|---:|"
    assert lines[2] == r"| A\|B | 1 | 0\.50 |"
    assert lines[3] == r"| \<i\>x\<\/i\> | 22 |  |"


def test_show_chart_displays_spec_and_svg():
    """In the built-in engine's kernel: the spec and the SVG (the engine writes the chart)."""
    import builtins

    shown = []
    with (
        mock.patch("IPython.display.display", side_effect=lambda obj, raw=False: shown.append((obj, raw))),
        mock.patch.object(builtins, "__r2p_fmt__", str, create=True),
    ):
        R.show_chart(FIX / "charts" / "decades.vl.json")
    ((bundle, raw),) = shown
    assert raw is True
    assert set(bundle) == {"application/vnd.vegalite.v6+json", "image/svg+xml", "text/plain"}
    assert bundle["image/svg+xml"] == (FIX / "charts" / "decades.svg").read_text(encoding="utf-8")


def test_show_chart_under_quarto_adds_the_chart_as_markdown(monkeypatch):
    """Elsewhere (Quarto's kernel) also text/markdown: the interactive chart as raw HTML --
    the Vega libraries inlined with the first chart only -- and the SVG as raw Typst with
    the spec's description as alt text. Not text/html, which makes Quarto load require.js
    and jQuery from a CDN."""
    from analysis.render import charts

    monkeypatch.setattr(charts, "_CHARTS_SHOWN", 0)
    shown = []
    with mock.patch("IPython.display.display", side_effect=lambda obj, raw=False: shown.append(obj)):
        R.show_chart(FIX / "charts" / "decades.vl.json")
        R.show_chart(FIX / "charts" / "decades.vl.json")
    first, second = (b["text/markdown"] for b in shown)
    assert all("text/html" not in b for b in shown)
    for md, n in ((first, 1), (second, 2)):
        html, typst = re.match(r"\n(`{3,})\{=html\}\n(.*?)\n\1\n\n\n(`{3,})\{=typst\}\n(.*?)\n\3\n", md, re.S).group(
            2, 4
        )
        assert f'<div id="r2p-vega-{n}" class="r2p-vega" role="img">' in html  # (this spec has no description)
        assert typst.startswith('#image(bytes("<svg') and typst.endswith('format: "svg")')
    assert first.count("vegaEmbed") > second.count("vegaEmbed") == 1  # the libraries once, with the first


# --------------------------------------------------------------------------- errors found before execution


@pytest.mark.parametrize(
    "name, line, fragment",
    [
        ("bad_yaml.qmd", 4, "invalid YAML"),
        ("bad_xref.qmd", 9, "unknown cross-reference @fig-missing"),
        ("bad_option.qmd", 8, "cell option 'fig-width' is not supported"),
        ("bad_shortcode.qmd", 7, "shortcodes"),
        ("bad_toplevel.qmd", 3, "option 'code-fold' is not supported"),
    ],
)
def test_unsupported_or_broken_input_names_file_and_line(name, line, fragment, tmp_path):
    with pytest.raises(RenderError) as err:
        R.render(ERR / name, ("html", "pdf"), tmp_path, engine="builtin")
    e = err.value
    assert Path(e.path).name == name and e.line == line, str(e)
    assert fragment in str(e)
    assert f"{name}:{line}:" in str(e)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the rendered brief


def test_html_figures_tables_and_crossrefs(brief):
    t = brief["html_text"]
    assert "Figure 1: Interventions per decade, 1950s–2010s." in t
    assert "Figure 2: Share of cases with regime change, by year of onset." in t
    assert "Table 1: Outcomes of the interventions in the test data." in t
    assert "Figure 1 shows the count per decade and Figure 2 the share" in t
    assert "The method is described in Section 2." in t
    assert "shares in Table 1 move" in t
    assert "(1 is figure number one; Section 2.1 is the robustness check)" in t
    assert "how often they occurred (Figure 1)" in t  # cross-reference in the abstract
    assert "??" not in t
    raw = brief["html_raw"]
    assert 'id="fig-decades"' in raw and 'href="#fig-decades"' in raw


def test_html_citations_callouts_footnotes(brief):
    t = brief["html_text"]
    assert "Gromes and Dembinski (2019)" in t
    assert "(see Brozus 2012, 4)" in t
    assert "References" in t and "Practices and Outcomes of Humanitarian Military Interventions" in t
    assert "Reading the chart" in t and "Caveat" in t
    assert "Counts follow the coding rules of Gromes and Dembinski (2019)." in t  # footnote
    assert "Summary Military interventions justified" in t
    assert "This brief covers all cases. The data record 48 interventions, and 4 decades had more than 5." in t


def test_html_is_self_contained_and_charts_interactive(brief):
    raw = brief["html_raw"]
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", raw, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", raw, re.I)
    assert not re.search(r"<(img|iframe)[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", raw, re.I)
    assert raw.count('vegaEmbed("#r2p-vega-') == 2  # both charts embedded live
    assert "window.vegaEmbed=" in raw  # vega, vega-lite and vega-embed inlined once
    assert raw.count("window.vegaEmbed=") == 1


def test_pdf_text(brief):
    t = brief["pdf_text"]
    assert "Humanitarian Interventions and Their Outcomes" in t
    assert "Summary" in t.title() or "SUMMARY" in t
    assert "Figure 1: Interventions per decade" in t
    assert "Figure 2: Share of cases with regime change" in t
    assert "Table 1: Outcomes of the interventions" in t
    assert "Figure 1 shows the count per decade and Figure 2 the share" in t
    assert "described in Section 2" in t
    assert "Gromes and Dembinski (2019)" in t and "(see Brozus 2012, 4)" in t
    assert "References" in t and "Practices and Outcomes of Humanitarian" in t
    assert "Counts follow the coding rules" in t  # footnote
    assert "Reading the chart" in t
    assert "??" not in t


def test_outputs_are_deterministic(brief, kernel, tmp_path):
    html, pdf = R.render(FIX / "brief.qmd", ("html", "pdf"), tmp_path, kernel=kernel, engine="builtin")
    assert html.read_bytes() == brief["html"].read_bytes()
    assert pdf.read_bytes() == brief["pdf"].read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.html", "brief.pdf"]  # no build leftovers


# --------------------------------------------------------------------------- parameters, escaping


def test_params_are_injected_and_render_many_reuses_the_kernel(kernel, tmp_path):
    before = kernel.documents
    results = R.render_many(
        [
            (FIX / "brief.qmd", {"case": "Libya 2011", "threshold": 10}, "brief-libya"),
            (FIX / "brief.qmd", {"case": "Kosovo 1999"}, "brief-kosovo"),
        ],
        to="html",
        out_dir=tmp_path,
        engine="builtin",
        kernel=kernel,
    )
    assert kernel.documents == before + 2
    assert [p.name for ps in results for p in ps] == ["brief-libya.html", "brief-kosovo.html"]
    libya = html_text(results[0][0].read_text(encoding="utf-8"))
    kosovo = html_text(results[1][0].read_text(encoding="utf-8"))
    assert "This brief covers Libya 2011." in libya and "1 decades had more than 10." in libya
    assert "This brief covers Kosovo 1999." in kosovo and "4 decades had more than 5." in kosovo


def test_data_strings_appear_literally(kernel, tmp_path):
    html, pdf = R.render(
        FIX / "escape.qmd", ("html", "pdf"), tmp_path, params={"actor": EVIL}, kernel=kernel, engine="builtin"
    )
    raw = html.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in raw
    # inline (md_escape'd), table cell, author-escaped Markdown
    assert raw.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3
    t = html_text(raw)
    assert "Case: C-2 *not emphasis* [not a link](x) #1 (a plain string" in t
    assert f"Escaped by the author: {EVIL}." in t
    assert f"Pre-escaped: {EVIL} (not escaped twice)." in t
    assert "C-1 | *not emphasis*" in t
    p = pdf_text(pdf)
    assert "Case: C-2 *not emphasis* [not a link](x) #1 (a plain string" in p
    assert f"Pre-escaped: {EVIL} (not escaped twice)." in p
    assert p.count(EVIL) == 3, p
    assert "C-1 | *not emphasis*" in p


def test_document_without_code_needs_no_kernel(tmp_path):
    with mock.patch.object(R, "Kernel", side_effect=AssertionError("no kernel needed")):
        html, pdf = R.render(FIX / "static.qmd", ("html", "pdf"), tmp_path, engine="builtin")
    for t in (html_text(html.read_text(encoding="utf-8")), pdf_text(pdf)):
        assert "Figure 1: A chart made earlier, included as a file (see Section 1)." in t
        assert "As Figure 1 shows" in t and "Tip" in t and "without starting Jupyter" in t
    raw = html.read_text(encoding="utf-8")
    assert "<img" in raw and "Interventions per decade" in pdf_text(pdf)
    # the image file is embedded (pandoc's --embed-resources, only for pages that load a file)
    assert re.search(r"<img[^>]*src=\"data:image/svg\+xml", raw) and not R._RESOURCE_REF.search(raw)


def test_html_style_is_inlined_and_external_resources_are_refused(tmp_path):
    raw = (R.render(FIX / "static.qmd", ("html",), tmp_path / "ok", engine="builtin")[0]).read_text(encoding="utf-8")
    assert "<style>" in raw and "--pb-accent" in raw and '<link rel="stylesheet"' not in raw
    doc = tmp_path / "external.qmd"
    shutil.copy(FIX / "_quarto.yml", tmp_path / "_quarto.yml")
    os.symlink((FIX / "_extensions").resolve(), tmp_path / "_extensions")
    shutil.copy(FIX / "references.bib", tmp_path / "references.bib")
    doc.write_text("---\ntitle: External\n---\n\n![A remote image](https://example.org/x.png)\n", encoding="utf-8")
    with pytest.raises(RenderError, match="external resource"):
        R.render(doc, ("html",), tmp_path / "out", engine="builtin")
    assert not list((tmp_path / "out").glob("*.html"))


# --------------------------------------------------------------------------- errors found while rendering


def test_cell_error_names_line_and_leaves_no_output(kernel, tmp_path):
    stale = tmp_path / "bad_cell.html"
    stale.write_text("from an earlier run")
    with pytest.raises(RenderError) as err:
        R.render(ERR / "bad_cell.qmd", ("html", "pdf"), tmp_path, kernel=kernel, engine="builtin")
    e = err.value
    assert Path(e.path).name == "bad_cell.qmd" and e.line == 7
    assert "ZeroDivisionError: division by zero" in str(e)
    assert list(tmp_path.iterdir()) == []
    # the kernel is still usable afterwards
    R.render(FIX / "escape.qmd", "html", tmp_path, kernel=kernel, engine="builtin")


def test_render_many_stops_at_the_first_failure(kernel, tmp_path):
    with pytest.raises(RenderError) as err:
        R.render_many(
            [(FIX / "escape.qmd", {}), (ERR / "bad_cell.qmd", {}), (FIX / "escape.qmd", {}, "never")],
            to="html",
            out_dir=tmp_path,
            engine="builtin",
            kernel=kernel,
        )
    assert err.value.line == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["escape.html"]


def test_unknown_citation_names_line(kernel, tmp_path):
    with pytest.raises(RenderError) as err:
        R.render(ERR / "bad_citation.qmd", "pdf", tmp_path, kernel=kernel, engine="builtin")
    assert err.value.line == 7 and "@nobody1999" in str(err.value)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- Quarto itself


def test_typst_format_is_a_genuine_quarto_extension():
    import yaml

    ext = R._REPO / "reports" / "_extensions" / "policybrief"
    spec = yaml.safe_load((ext / "_extension.yml").read_text())
    typst = spec["contributes"]["formats"]["typst"]
    assert typst["template-partials"] == ["typst-template.typ", "typst-show.typ"]
    assert (ext / "typst-show.typ").read_text().lstrip().startswith("//")
    assert "#show: doc => policybrief(" in (ext / "typst-show.typ").read_text()
    assert "#let policybrief(" in (ext / "typst-template.typ").read_text()
    # the built-in engine's template includes the same partials, in Quarto's order
    tpl = R._TYPST_TEMPLATE
    assert tpl.index("$typst-template.typ()$") < tpl.index("$typst-show.typ()$") < tpl.index("$body$")
    assert (ext / spec["contributes"]["formats"]["html"]["css"]).is_file()


def _fake_quarto(tmp_path: Path, monkeypatch) -> Path:
    """A `quarto` on PATH that logs each call (cwd, arguments) and writes an HTML and a PDF
    per document it is given, or per notebook in its directory when given none."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "calls.txt"
    fake = bindir / "quarto"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import sys, os, pathlib, json\n"
        "docs = [pathlib.Path(a) for a in sys.argv[2:] if a.endswith(('.qmd', '.ipynb'))] or sorted(pathlib.Path().glob('*.ipynb'))\n"
        f"open({str(log)!r}, 'a').write(json.dumps([os.getcwd(), sys.argv[1:], [d.name for d in docs]]) + '\\n')\n"
        "for d in docs:\n"
        "    for ext in ('html', 'pdf'):\n"
        "        pathlib.Path(f'{d.stem}.{ext}').write_text('quarto made this from ' + d.name + ':' + d.read_text()[:2000])\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return log


def test_auto_engine_calls_quarto_when_installed(tmp_path, monkeypatch):
    """One `quarto render` for both formats, in an isolated copy of the project (the document
    renamed to the output name, the metadata in its front matter); outputs moved out together."""
    log = _fake_quarto(tmp_path, monkeypatch)
    outs = R.render(
        FIX / "brief.qmd",
        "html,pdf",
        tmp_path / "out",
        params={"case": "Libya"},
        output_name="b",
        metadata={"title": "Brief\\: Libya"},
    )
    assert [p.name for p in outs] == ["b.html", "b.pdf"]
    ((cwd, args, docs),) = [json.loads(ln) for ln in log.read_text().splitlines()]
    assert not Path(cwd).resolve().is_relative_to(FIX.resolve())  # the checkout is not written to
    assert args == ["render", "b.qmd", "-P", 'case:"Libya"']  # no --to: every declared format, in one run
    doc = outs[0].read_text().splitlines()  # the fake writes the document it was given
    assert "title: 'Brief\\: Libya'" in doc and "subtitle: A test brief for the rendering engine" in doc
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["b.html", "b.pdf"]


def test_quarto_converts_frozen_executions_as_notebooks_in_batches(kernel, tmp_path, monkeypatch):
    """With a frozen record, Quarto gets the executed notebook (no -P, nothing to execute);
    many records go to `workers` batches, ONE `quarto render` of a project copy each."""
    params = [{"case": c} for c in ("Libya 2011", "Kosovo 1999", "Mali 2013")]
    recs = R.execute_many(
        [(FIX / "brief.qmd", p, f"b{i}") for i, p in enumerate(params)], tmp_path / "frozen", kernel=kernel
    )
    log = _fake_quarto(tmp_path, monkeypatch)
    one = R.render(FIX / "brief.qmd", "html,pdf", tmp_path / "one", params=params[0], output_name="b0", frozen=recs[0])
    cwd, args, docs = json.loads(log.read_text().splitlines()[0])
    assert args == ["render", "b0.ipynb"] and not Path(cwd).resolve().is_relative_to(FIX.resolve())
    assert "Libya 2011" in one[0].read_text()
    log.unlink()
    # execute once (the project's kernel), then Quarto converts the notebook to both formats
    once = R.render(
        FIX / "brief.qmd",
        "html,pdf",
        tmp_path / "once",
        params=params[1],
        output_name="k",
        kernel=kernel,
        execute_once=True,
    )
    cwd, args, docs = json.loads(log.read_text().splitlines()[0])
    assert args == ["render", "k.ipynb"] and "Kosovo 1999" in once[1].read_text()
    log.unlink()
    outs = R.render_frozen_many(
        FIX / "brief.qmd",
        [(p, f"b{i}", {"title": f"T{i}"}, r) for i, (p, r) in enumerate(zip(params, recs))],
        "html,pdf",
        tmp_path / "many",
        workers=2,
    )
    calls = [json.loads(ln) for ln in log.read_text().splitlines()]
    assert sorted(c[1] == ["render"] for c in calls) == [True, True]  # two batches, the project each
    assert sorted(d for c in calls for d in c[2]) == ["b0.ipynb", "b1.ipynb", "b2.ipynb"]
    assert len({c[0] for c in calls}) == 2
    assert [[p.name for p in o] for o in outs] == [[f"b{i}.html", f"b{i}.pdf"] for i in range(3)]
    assert "Kosovo 1999" in outs[1][0].read_text() and "T1" in outs[1][0].read_text()
    with pytest.raises(R.RenderError, match="stale: parameters differ"):
        R.render_frozen_many(FIX / "brief.qmd", [({"case": "Chad"}, "x", {}, recs[0])], "html", tmp_path / "stale")
    assert not (tmp_path / "stale").exists() or not any((tmp_path / "stale").iterdir())


def test_frozen_record_becomes_the_notebook_quarto_would_execute(kernel, tmp_path):
    """The notebook holds what Quarto's own execution of the .qmd gives it: the front matter with
    the metadata, the cells with their options, execution counts as papermill's (the injected
    parameters count), the inline values in the text, and each chart's Markdown form."""
    from analysis.render.notebook import frozen_notebook

    params = {"case": "Libya 2011", "threshold": 10}
    (rec,) = R.execute_many([(FIX / "brief.qmd", params, "libya")], tmp_path / "frozen", kernel=kernel)
    nb = frozen_notebook(FIX / "brief.qmd", rec, params, {"title": "Brief\\: Libya"})
    raw, *cells = nb.cells
    assert raw.cell_type == "raw" and "title: 'Brief\\: Libya'" in raw.source
    assert "subtitle: A test brief for the rendering engine" in raw.source
    code = [c for c in cells if c.cell_type == "code"]
    assert len(code) == (FIX / "brief.qmd").read_text(encoding="utf-8").count("```{python}") == 5
    assert [c.execution_count for c in code] == [1, 3, 4, 5, 6]
    assert code[0].source.startswith("#| tags: [parameters]")
    assert any(c.source.startswith("#| label: fig-decades") for c in code)
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert "`{python}" not in text and "This brief covers Libya 2011. The data record 48" in text
    charts = [
        o["data"]["text/markdown"]
        for c in code
        for o in c.outputs
        if "r2p-vega" in o.get("data", {}).get("text/markdown", "")
    ]
    assert len(charts) == 1 and 'id="r2p-vega-1"' in charts[0]
    assert charts[0].count("<script>") == 2  # the first chart carries the Vega libraries, then its own call
    assert "```{=typst}" in charts[0]
    with pytest.raises(R.RenderError, match="stale: parameters differ"):
        frozen_notebook(FIX / "brief.qmd", rec, {"case": "Kosovo 1999", "threshold": 10})


def test_cli_converts_every_frozen_record_into_one_directory(kernel, tmp_path):
    """`r2p render --each ... --from-frozen` (the workflow's briefs_render): the same bytes as one
    conversion per record; the output directory is written whole; bad options exit 2."""
    data = tmp_path / "data"
    data.mkdir()
    for case in ("Libya 2011", "Kosovo 1999"):
        (data / f"{case.split()[0].lower()}.json").write_text(json.dumps({"title": f"Brief: {case}"}))
    recs = R.execute_many(
        [(FIX / "brief.qmd", {"case": v}, v) for v in ("kosovo", "libya")], tmp_path / "frozen", kernel=kernel
    )
    out = tmp_path / "out"
    argv = [
        sys.executable,
        "-m",
        "analysis",
        "render",
        str(FIX / "brief.qmd"),
        "--each",
        f"case:@{data}",
        "--from-frozen",
        str(tmp_path / "frozen"),
        "--out-dir",
        str(out),
        "--engine",
        "builtin",
    ]
    r = subprocess.run(
        argv + ["--each-metadata", "title=title", "--jobs", "2"], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["kosovo.html", "kosovo.pdf", "libya.html", "libya.pdf"]
    one = R.render(
        FIX / "brief.qmd",
        ("html", "pdf"),
        tmp_path / "one",
        params={"case": "libya"},
        engine="builtin",
        output_name="libya",
        metadata={"title": "Brief\\: Libya 2011"},
        frozen=recs[1],
    )
    assert [p.read_bytes() for p in one] == [(out / p.name).read_bytes() for p in one]
    for bad, msg in (
        (["--each-metadata", "title"], "expects KEY=FIELD"),
        (["--each-metadata", "title=nope"], "has no field 'nope'"),
    ):
        r = subprocess.run(argv + bad, cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["kosovo.html", "kosovo.pdf", "libya.html", "libya.pdf"]


# --------------------------------------------------------------------------- frozen execution, metadata


def test_frozen_execution_converts_to_the_same_bytes(brief, kernel, tmp_path):
    """execute_many + render(frozen=...) gives what a direct render gives, without a kernel."""
    params = {"case": "Libya 2011", "threshold": 10}
    direct = R.render(
        FIX / "brief.qmd",
        ("html", "pdf"),
        tmp_path / "direct",
        params=params,
        kernel=kernel,
        engine="builtin",
        output_name="libya",
    )
    (rec,) = R.execute_many([(FIX / "brief.qmd", params, "libya")], tmp_path / "frozen", kernel=kernel)
    assert rec.name == "libya.json"
    before = kernel.documents
    thawed = R.render(
        FIX / "brief.qmd",
        ("html", "pdf"),
        tmp_path / "thawed",
        params=params,
        engine="builtin",
        output_name="libya",
        frozen=rec,
    )
    assert kernel.documents == before  # nothing executed
    for a, b in zip(direct, thawed):
        assert a.read_bytes() == b.read_bytes()


def test_stale_frozen_execution_is_an_error_and_writes_nothing(kernel, tmp_path):
    (rec,) = R.execute_many([(FIX / "brief.qmd", {"case": "Libya 2011"}, "b")], tmp_path / "frozen", kernel=kernel)
    out = tmp_path / "out"
    with pytest.raises(R.RenderError, match="stale: parameters differ"):
        R.render(FIX / "brief.qmd", "html", out, params={"case": "Kosovo 1999"}, engine="builtin", frozen=rec)
    doc = tmp_path / "copy.qmd"
    for f in FIX.iterdir():  # the document with one word changed, beside its project files
        if f.is_file():
            shutil.copyfile(f, tmp_path / f.name)
        elif f.name in ("_extensions", "charts"):
            shutil.copytree(f, tmp_path / f.name)
    doc.write_text((FIX / "brief.qmd").read_text(encoding="utf-8").replace("This brief", "The brief"), encoding="utf-8")
    with pytest.raises(R.RenderError, match="stale: the document changed"):
        R.render(doc, "html", out, params={"case": "Libya 2011"}, engine="builtin", frozen=rec)
    with pytest.raises(R.RenderError, match="does not exist"):
        R.render(FIX / "brief.qmd", "html", out, engine="builtin", frozen=tmp_path / "nope.json")
    assert not out.exists() or not any(out.iterdir())


def test_metadata_overrides_the_title_and_is_escaped(kernel, tmp_path):
    title = R.md_escape("Brief: <script>alert(1)</script> #set page(fill: red) *x*")
    html, pdf = R.render(
        FIX / "brief.qmd",
        ("html", "pdf"),
        tmp_path,
        params={"case": "Libya 2011"},
        kernel=kernel,
        engine="builtin",
        metadata={"title": str(title)},
    )
    raw = html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    text = pdf_text(pdf)
    assert "Brief: <script>alert(1)</script> #set page(fill: red) *x*" in text


# --------------------------------------------------------------------------- what both engines do alike


def test_inline_plain_values_are_escaped_as_quarto_escapes_them():
    q = R.quarto_inline_markdown
    assert q(repr("0.3, 2019")) == r"0\.3\, 2019"  # jupyter-inline.ts: "+-." is a range (+ , - .)
    assert q(repr("*a* [b](c) #d <e> @f")) == r"\*a\* \[b\]\(c\) \#d <e\> @f"
    assert q("41") == "41" and q(repr("it's")) == "it's"


def test_date_is_declared_once_and_source_date_epoch_wins(tmp_path, monkeypatch):
    """The date from _quarto.yml (here: none), or SOURCE_DATE_EPOCH's day; formatted as Quarto's
    HTML formats it, in HTML and (by the extension's Typst template) in the PDF."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13 UTC
    html, pdf = R.render(FIX / "static.qmd", ("html", "pdf"), tmp_path, engine="builtin")
    assert 'class="date">November 14, 2023<' in html.read_text(encoding="utf-8")
    assert "November 14, 2023" in pdf_text(pdf)
    quarto_yml = (R._REPO / "reports" / "_quarto.yml").read_text(encoding="utf-8")
    assert re.search(r"^date: \d{4}-\d{2}-\d{2}$", quarto_yml, re.M)
    for doc in ("policy-paper", "appendix", "brief"):
        assert not re.search(r"^date:", (R._REPO / "reports" / f"{doc}.qmd").read_text(encoding="utf-8"), re.M)
