"""Real Quarto (built from the kit in ../shared/tools/quarto) against the built-in engine.

The kit is built once into a cache outside the checkout, keyed by the kit's checksum
(`$XDG_CACHE_HOME/quarto-kit/<sha>`; R2P_QUARTO_KIT points at another kit). Without
the kit, or when it fails to build, every test here skips and says why (pytest -ra
prints the reason in the summary); they never pass vacuously.

The policy paper, the appendix and three briefs are rendered with both engines to
HTML and PDF, and compared: numbers, cross-references, citations, chart specs,
section structure, page count (within one page), fonts, and the PDF layout read
from word positions (two text columns on a body page, no overlapping words).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis import ROOT
from analysis import render as R

pytestmark = pytest.mark.slow

KIT = Path(os.environ.get("R2P_QUARTO_KIT", ROOT.parent / "shared" / "tools" / "quarto"))
DOCS = ["policy-paper", "appendix"]
BRIEFS = ["libya-2011", "albania-1997", "bosnia-and-herzegovina-1993-1995"]
NEEDED = [
    "claims",
    "data/processed/hmi_release_diff.csv",
    "data/processed/crosswalk_report.csv",
    "results/figures/index-data.json",
    "results/figures/index-claims.json",
    "results/conditions.json",
    # the appendix's Security Council section
    "data/processed/unsc_coding_validation.csv",
    "data/processed/unsc_outcomes.parquet",
    "data/processed/unsc_meetings_join_report.parquet",
    # the appendix's statement of the panel's universe (r2p:universe in the data package)
    "data/processed/datapackage.json",
]


# --------------------------------------------------------------------------- Quarto from the kit


def build_quarto(kit: Path, cache_root: Path) -> Path:
    """The kit's quarto, built once per kit checksum; pytest.skip with the reason otherwise."""
    sums = kit / "SHA256SUMS"
    if not (kit / "build.sh").is_file() or not sums.is_file():
        pytest.skip(f"Quarto kit not found at {kit} (set R2P_QUARTO_KIT): real-Quarto tests skipped")
    prefix = cache_root / "quarto-kit" / hashlib.sha256(sums.read_bytes()).hexdigest()[:12]
    try:
        r = subprocess.run(["bash", str(kit / "build.sh"), str(prefix)], capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        pytest.skip(f"Quarto kit {kit} did not build within 30 min: real-Quarto tests skipped")
    last = (r.stdout.strip().splitlines() or [""])[-1]
    if r.returncode != 0 or not Path(last).is_file():
        pytest.skip(f"Quarto kit {kit} failed to build (exit {r.returncode}): {r.stderr.strip()[-500:]}")
    return Path(last)


@pytest.fixture(scope="module")
def quarto(tmp_path_factory):
    """quarto on PATH (from the kit), with Quarto's caches in a temporary directory, for this
    module only: later modules (the end-to-end builds of test_workflow, which compare two builds
    byte for byte) must render as a user without Quarto does."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    exe = build_quarto(KIT, cache)
    xdg = tmp_path_factory.mktemp("xdg")
    bindir = tmp_path_factory.mktemp("quarto-bin")
    (bindir / "quarto").symlink_to(exe)
    mp = pytest.MonkeyPatch()
    mp.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    mp.setenv("XDG_CACHE_HOME", str(xdg / "cache"))
    mp.setenv("XDG_DATA_HOME", str(xdg / "data"))
    mp.setenv("R2P_CACHE_DIR", str(cache / "r2p-evidence"))  # the Vega bundle, built once per machine
    mp.delenv("SOURCE_DATE_EPOCH", raising=False)
    yield exe
    mp.undo()


@pytest.fixture(scope="session")
def results():
    """results/ for the real documents (the workflow's targets; nothing runs when up to date)."""
    r = subprocess.run([sys.executable, "-m", "snakemake", "-c2", *NEEDED], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return ROOT / "results"


def _brief_title(slug: str) -> dict:
    title = json.loads((ROOT / "results" / "briefs" / f"{slug}.json").read_text(encoding="utf-8"))["title"]
    return {"title": R.md_escape(title)}


@pytest.fixture(scope="module")
def rendered(quarto, results, tmp_path_factory):
    """{engine: {name: (html, pdf)}} for the papers and three briefs, and Quarto's log."""
    out = {}
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    h = Keep(level=logging.WARNING)
    logging.getLogger("r2p.render").addHandler(h)
    try:
        for engine in ("quarto", "builtin"):
            d = tmp_path_factory.mktemp(engine)
            got = {}
            for name in DOCS:
                got[name] = R.render(ROOT / "reports" / f"{name}.qmd", ("html", "pdf"), d, engine=engine)
            for slug in BRIEFS:
                got[slug] = R.render(
                    ROOT / "reports" / "brief.qmd",
                    ("html", "pdf"),
                    d / "briefs",
                    engine=engine,
                    params={"slug": slug},
                    output_name=slug,
                    metadata=_brief_title(slug),
                )
            out[engine] = got
    finally:
        logging.getLogger("r2p.render").removeHandler(h)
    out["log"] = records
    return out


# --------------------------------------------------------------------------- reading the outputs


class _Page(HTMLParser):
    """What the comparisons need from a page: headings, cross-references, reference
    entries, chart specs, and the text of the document's main content."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.headings: list[str] = []
        self.xrefs: list[tuple[str, str]] = []
        self.refs: list[str] = []
        self.specs: list[dict] = []
        self.text: list[str] = []
        self.abstract: list[str] = []
        self._cap: list | None = None
        self._kind = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        self.stack.append((tag, a))
        cls = (a.get("class") or "").split()
        if tag in ("h1", "h2", "h3") and self._in_main():
            self._cap, self._kind = [], "heading"
        elif tag == "a" and "quarto-xref" in cls:
            self._cap, self._kind = [], ("xref", a.get("href"))
        elif tag == "div" and "csl-entry" in cls:
            self._cap, self._kind = [], ("ref", len(self.stack))
        elif tag == "script" and a.get("type") == "application/json" and (a.get("id") or "").startswith("r2p-vega"):
            self._cap, self._kind = [], "spec"

    def handle_endtag(self, tag):
        if not self.stack:
            return
        while self.stack and self.stack[-1][0] != tag:
            self.stack.pop()
        if not self.stack:
            return
        depth = len(self.stack)
        self.stack.pop()
        if self._cap is None:
            return
        text = re.sub(r"\s+", " ", "".join(self._cap)).strip()
        if self._kind == "heading" and tag in ("h1", "h2", "h3"):
            self.headings.append(text)
        elif isinstance(self._kind, tuple) and self._kind[0] == "xref" and tag == "a":
            self.xrefs.append((self._kind[1], text.replace("\u00a0", " ")))
        elif isinstance(self._kind, tuple) and self._kind[0] == "ref" and tag == "div" and depth == self._kind[1]:
            self.refs.append(text)
        elif self._kind == "spec" and tag == "script":
            self.specs.append(json.loads("".join(self._cap)))
        else:
            return
        self._cap = self._kind = None

    def handle_data(self, data):
        if self._cap is not None:
            self._cap.append(data)
        if any(t in ("script", "style") for t, _ in self.stack):
            return
        # the title block and the summary are compared apart (Quarto puts them inside <main>)
        if any("abstract" in (a.get("class") or "").split() for _, a in self.stack):
            self.abstract.append(data)
        elif self._in_main() and not any(a.get("id") == "title-block-header" for _, a in self.stack):
            self.text.append(data)

    def _in_main(self):
        return any(t == "main" for t, _ in self.stack)


def page(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


_NUM = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")


def numbers(text: str) -> Counter:
    return Counter(_NUM.findall(text))


def pdf_words(path: Path):
    """Per page: (width, height, words of the text), without the charts' labels (the SVG charts
    set their text in DejaVu Sans; the document's faces are Source Sans 3 and Libertinus Serif)."""
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return [
            (
                p.width,
                p.height,
                [
                    w
                    for w in p.extract_words(extra_attrs=["fontname", "upright"])
                    if w["upright"] and "DejaVuSans" not in w["fontname"]
                ],
            )
            for p in pdf.pages
        ]


def _column_runs(width: float, body: list[dict]) -> int:
    """Runs of x covered by the words, separated by a gap of at least 6 pt."""
    covered = [0] * (int(width) + 2)
    for w in body:
        for x in range(int(w["x0"]), int(w["x1"]) + 1):
            covered[x] += 1
    runs, inside, gap = 0, False, 0
    for c in covered:
        if c:
            if not inside and (gap >= 6 or runs == 0):
                runs += 1
            inside, gap = True, 0
        else:
            inside, gap = False, gap + 1
    return runs


def text_columns(pages) -> int:
    """Columns of running text: the most columns on any page region with body text (Libertinus
    Serif; headings, tables and captions are set in Source Sans 3) -- the first page below the
    title block and summary (from the first section's heading on), later pages between header
    and footer -- counted as the runs of x covered by those words, separated by a gap of at
    least 6 pt. Regions with fewer than 40 body words are left out (a last page whose text
    ends in the first column says nothing about the columns), unless no region has more."""
    regions = []
    for i, (width, height, words) in enumerate(pages):
        top = 0.5 * height if i == 0 else 0.08 * height
        if i == 0:  # below the title block and summary: from the first section's heading ("1 ...")
            summary = [w["top"] for w in words if w["text"] == "SUMMARY"]
            first = [
                w["top"]
                for w in words
                if w["text"] == "1" and "Bold" in w["fontname"] and summary and w["top"] > summary[0]
            ]
            top = min(first) - 1 if first else top
        regions.append((width, [w for w in words if "Libertinus" in w["fontname"] and top < w["top"] < 0.92 * height]))
    full = [r for r in regions if len(r[1]) >= 40] or [max(regions, key=lambda r: len(r[1]))]
    return max(_column_runs(width, body) for width, body in full)


def overlapping_words(words: list[dict]) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap by more than a third of the smaller one."""
    bad = []
    ws = sorted(words, key=lambda w: (w["top"], w["x0"]))
    for i, a in enumerate(ws):
        for b in ws[i + 1 :]:
            if b["top"] > a["bottom"]:
                break
            dx = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            dy = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if dx > 0 and dy > 0:
                small = min(
                    (a["x1"] - a["x0"]) * (a["bottom"] - a["top"]), (b["x1"] - b["x0"]) * (b["bottom"] - b["top"])
                )
                if small > 0 and dx * dy > small / 3:
                    bad.append((a["text"], b["text"]))
    return bad


def pdf_fonts(path: Path) -> set[str]:
    import pypdf

    fonts = set()
    for pg in pypdf.PdfReader(str(path)).pages:
        for f in (pg.get("/Resources", {}).get("/Font") or {}).values():
            fonts.add(str(f.get_object().get("/BaseFont", "")).split("+")[-1])
    return fonts


# --------------------------------------------------------------------------- the comparisons

NAMES = DOCS + BRIEFS


@pytest.mark.parametrize("name", NAMES)
def test_same_numbers_xrefs_citations_charts_and_sections(rendered, name):
    q, b = page(rendered["quarto"][name][0]), page(rendered["builtin"][name][0])
    # the numbered sections (Quarto puts "References" in an appendix section, unnumbered)
    numbered = lambda p: [h for h in p.headings if re.match(r"\d", h)]
    assert numbered(q) == numbered(b) and numbered(q)
    assert sorted(set(q.xrefs)) == sorted(set(b.xrefs)) and q.xrefs
    assert q.refs == b.refs and q.refs
    assert q.specs == b.specs
    if name != "albania-1997" or q.specs:
        assert q.specs, "no interactive chart"
    assert numbers(" ".join(q.text)) == numbers(" ".join(b.text))
    assert numbers(" ".join(q.abstract)) == numbers(" ".join(b.abstract))


@pytest.mark.parametrize("name", NAMES)
def test_pdfs_agree_and_are_laid_out_in_two_columns(rendered, name):
    qpdf, bpdf = rendered["quarto"][name][1], rendered["builtin"][name][1]
    qw, bw = pdf_words(qpdf), pdf_words(bpdf)
    assert abs(len(qw) - len(bw)) <= 1, (len(qw), len(bw))
    cols = 1 if name == "appendix" else 2  # the appendix sets `columns: 1`
    for pages in (qw, bw):
        assert text_columns(pages) == cols
        for _, _, ws in pages:
            assert overlapping_words(ws) == []
    # the same faces: Source Sans 3 (shipped with the extension) and Libertinus Serif
    for f in (qpdf, bpdf):
        fonts = {f_.removesuffix("-Identity-H") for f_ in pdf_fonts(f)}
        assert {"SourceSans3-Bold", "SourceSans3-Regular", "LibertinusSerif-Regular"} <= fonts, fonts
    qt = re.sub(r"\s+", " ", " ".join(w["text"] for _, _, ws in qw for w in ws))
    bt = re.sub(r"\s+", " ", " ".join(w["text"] for _, _, ws in bw for w in ws))
    for needle in ("November 25, 2026", "SUMMARY"):
        assert needle in qt and needle in bt


def test_titles_dates_summary_and_other_formats_agree(rendered):
    for engine in ("quarto", "builtin"):
        html, pdf = rendered[engine]["libya-2011"]
        raw = html.read_text(encoding="utf-8")
        assert re.search(r'<h1 class="title">\s*Intervention brief: Libya 2011\s*</h1>', raw), engine
        assert "<title>Intervention brief: Libya 2011</title>" in raw
        assert re.search(r'class="date">November 25, 2026<', raw)
        assert re.search(r'class="block-title">Summary<', raw)
        assert re.search(r'<h2>Other Formats</h2><ul><li><a href="libya-2011\.pdf">', raw), engine
        assert not re.search(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""", raw)


def test_quarto_prints_no_font_warning(rendered):
    assert not [m for m in rendered["log"] if "font" in m.lower()], rendered["log"]


def test_pdfs_are_tagged(rendered):
    """Typst 0.15 (the typst wheel, and the kit's typst) writes tagged PDF by default."""
    import pypdf

    for engine in ("quarto", "builtin"):
        root = pypdf.PdfReader(str(rendered[engine]["policy-paper"][1])).trailer["/Root"]
        assert "/StructTreeRoot" in root and bool(root.get("/MarkInfo", {}).get("/Marked")), engine


def test_quarto_renders_frozen_briefs_as_it_renders_executed_ones(rendered, tmp_path):
    """The workflow's path (briefs_render): each brief executed once by the project's kernel,
    then Quarto converts the executed notebooks in two batches, one `quarto render` each.
    The HTML is what Quarto gives when it executes the .qmd itself (byte for byte, but for
    the random ids Quarto gives figure captions), the PDF has the same words and pages."""
    import pypdf

    jobs = [(ROOT / "reports" / "brief.qmd", {"slug": s}, s) for s in BRIEFS]
    recs = R.execute_many(jobs, tmp_path / "frozen")
    outs = R.render_frozen_many(
        ROOT / "reports" / "brief.qmd",
        [({"slug": s}, s, _brief_title(s), r) for s, r in zip(BRIEFS, recs)],
        ("html", "pdf"),
        tmp_path / "out",
        engine="quarto",
        workers=2,
    )
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    for slug, (html, pdf) in zip(BRIEFS, outs):
        qhtml, qpdf = rendered["quarto"][slug]
        assert uuid.sub("U", html.read_text(encoding="utf-8")) == uuid.sub("U", qhtml.read_text(encoding="utf-8")), slug
        words = lambda f: [(w["text"], round(w["x0"]), round(w["top"])) for _, _, ws in pdf_words(f) for w in ws]
        assert words(pdf) == words(qpdf), slug
        assert len(pypdf.PdfReader(str(pdf)).pages) == len(pypdf.PdfReader(str(qpdf)).pages)
    # the papers as the workflow renders them: executed once, converted to both formats by Quarto
    html, pdf = R.render(
        ROOT / "reports" / "policy-paper.qmd", ("html", "pdf"), tmp_path / "once", engine="quarto", execute_once=True
    )
    qhtml, qpdf = rendered["quarto"]["policy-paper"]
    assert uuid.sub("U", html.read_text(encoding="utf-8")) == uuid.sub("U", qhtml.read_text(encoding="utf-8"))
    assert words(pdf) == words(qpdf)
    assert not (ROOT / "reports" / ".quarto").exists() and not list((ROOT / "reports").glob("*.ipynb"))


# --------------------------------------------------------------------------- bad input


def test_document_quarto_rejects_names_file_and_writes_nothing(quarto, tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "_quarto.yml").write_text("project:\n  type: default\n", encoding="utf-8")
    (proj / "_extensions").symlink_to(ROOT / "reports" / "_extensions")
    bad = proj / "broken.qmd"
    bad.write_text(
        "---\ntitle: Broken\nformat: policybrief-html\n---\n\n```{python}\nraise ValueError('no data')\n```\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with pytest.raises(R.RenderError) as err:
        R.render(bad, ("html", "pdf"), out, engine="quarto")
    assert "broken.qmd" in str(err.value) and "ValueError" in str(err.value)
    assert list(out.iterdir()) == []
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "render",
            str(bad),
            "--to",
            "html",
            "--out-dir",
            str(out),
            "--engine",
            "quarto",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    # Quarto's message (which quotes the cell's own traceback), not one from r2p itself
    assert r.returncode != 0 and "broken.qmd" in r.stderr and "ValueError: no data" in r.stderr
    assert "analysis/cli.py" not in r.stderr and "analysis/render" not in r.stderr
    assert list(out.iterdir()) == []


# --------------------------------------------------------------------------- in a real browser

AXE = ROOT / "tests" / "browser"
CHROMIUM = os.environ.get("R2P_CHROMIUM") or next(
    (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None
)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's `chromium`) driven by Playwright, and axe-core from npm."""
    if CHROMIUM is None:
        pytest.skip("Chromium not found (apt-get install chromium, or set R2P_CHROMIUM): browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright not installed (pip install -e '.[test]'): browser tests skipped")
    axe = AXE / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.is_file():
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=AXE, capture_output=True, text=True)
        if r.returncode != 0 or not axe.is_file():
            pytest.skip(f"axe-core could not be installed with npm in {AXE}: {r.stderr.strip()[-300:]}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b, axe
        finally:
            b.close()


def open_page(browser, path: Path):
    """The page with the network off: every request and console error recorded."""
    b, axe = browser
    ctx = b.new_context(offline=True)
    page = ctx.new_page()
    seen = {"requests": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return ctx, page, seen


@pytest.mark.parametrize("engine", ["quarto", "builtin"])
@pytest.mark.parametrize("name", ["policy-paper", "appendix", "libya-2011"])
def test_pages_in_chromium_render_every_chart_offline_and_pass_axe(rendered, browser, engine, name):
    html = rendered[engine][name][0]
    ctx, page, seen = open_page(browser, html)
    try:
        n = page.evaluate("document.querySelectorAll('.r2p-vega').length")
        assert n > 0
        page.wait_for_function(
            "[...document.querySelectorAll('.r2p-vega')].every(d => d.querySelector('svg.marks'))", timeout=60000
        )
        # every chart has a text alternative (the spec's description) on its container, which
        # vega-embed gives the ARIA graphics role
        alts = page.evaluate(
            "[...document.querySelectorAll('.r2p-vega')].map(d => [d.getAttribute('role'), d.getAttribute('aria-label')])"
        )
        assert all(role in ("img", "graphics-document") and alt and len(alt) > 20 for role, alt in alts), alts
        page.add_script_tag(path=str(browser[1]))
        violations = page.evaluate(
            "async () => (await axe.run(document)).violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' ')).slice(0, 3)])"
        )
        assert [v for v in violations if v[1] in ("serious", "critical")] == []
        assert seen["errors"] == []
        outside = [u for u in seen["requests"] if not u.startswith(("data:", html.resolve().as_uri()))]
        assert outside == []
    finally:
        ctx.close()
