"""Executed document -> pandoc Markdown -> HTML (page template) and Typst (the extension's
partials) -> PDF: the built-in engine's conversion, in two pandoc passes."""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import html as _html
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .base import EXTENSION, FORMATS, TEMPLATES, RenderError, _remove
from .charts import _vegalite_to_svg, chart_html
from .document import _DIV_OPEN, _FENCE, _HEADING, _TOKEN, _XREF_KINDS, _Cell, _Config, _Doc, _Job, _parse_attrs
from .markdown import _codeblock, _raw
from .selfcontained import _REMOTE, _resource_ref, _vega_bundle

log = logging.getLogger("r2p.render")

_LUA_FILTER = (TEMPLATES / "r2p.lua").read_text(encoding="utf-8")
# What pandoc's Typst output presupposes, then the extension's partials -- the
# same order as Quarto's own template.typ (definitions, template, show, body).
_TYPST_TEMPLATE = (TEMPLATES / "builtin.typ").read_text(encoding="utf-8")
_HTML_TEMPLATE = (TEMPLATES / "page.html").read_text(encoding="utf-8")

_VEGALITE = re.compile(r"^application/vnd\.vegalite\.v\d+\+json$")
_FIGURE_MIMES = ("vegalite", "image/svg+xml", "image/png", "image/jpeg")


def _pick(data: Mapping[str, Any], to: str) -> str | None:
    keys = list(data)
    vl = next((k for k in keys if _VEGALITE.match(k)), None)
    if to == "html":
        order = [vl, "text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/plain"]
    else:
        order = ["text/markdown", "image/svg+xml", vl, "image/png", "image/jpeg", "text/plain"]
    return next((k for k in order if k and k in data), None)


class _Assembler:
    """Turns executed parts into pandoc Markdown for one format ('html' or 'pdf')."""

    def __init__(self, doc: _Doc, to: str, cfg: _Config, build: Path):
        self.doc, self.to, self.cfg, self.build = doc, to, cfg, build
        self.n_images = 0
        self.n_charts = 0

    # -- output pieces
    def _image_file(self, data: str | bytes, ext: str) -> Path:
        self.n_images += 1
        p = self.build / f"figure-{self.n_images}.{ext}"
        if isinstance(data, str):
            p.write_text(data, encoding="utf-8")
        else:
            p.write_bytes(data)
        return p

    def _chart_html(self, spec: Mapping, svg: str | None, alt: str | None) -> str:
        self.n_charts += 1
        return chart_html(spec, svg, alt, f"r2p-vega-{self.n_charts}")

    def _img_html(self, data: str, mime: str, alt: str | None) -> str:
        raw = data.encode("utf-8") if mime == "image/svg+xml" else base64.b64decode(data)
        uri = f"data:{mime};base64," + base64.b64encode(raw).decode("ascii")
        return f'<img src="{uri}" alt="{_html.escape(alt or "", quote=True)}">'

    def _display(self, out: dict, cell: _Cell, opts: dict) -> tuple[str, str]:
        """-> (kind, Markdown) where kind is 'figure', 'table', 'md' or 'text'."""
        data = out["data"]
        mime = _pick(data, self.to)
        path, line = self.doc.path, cell.line
        alt = opts.get("fig-alt")
        if mime is None:
            if "text/html" in data and self.to == "pdf":
                raise RenderError(
                    "an HTML-only output (e.g. a DataFrame) cannot go into the PDF: display tables with "
                    "Markdown(analysis.render.md_table(df))",
                    path=path,
                    line=line,
                )
            raise RenderError(
                f"cell output has no supported MIME type ({', '.join(sorted(data))})", path=path, line=line
            )
        if self.to == "pdf" and mime == "text/plain" and "text/html" in data and "<table" in str(data["text/html"]):
            raise RenderError(
                "a DataFrame's HTML table cannot go into the PDF: display it with Markdown(analysis.render.md_table(df))",
                path=path,
                line=line,
            )
        if _VEGALITE.match(mime):
            spec = data[mime]
            alt = alt or spec.get("description")
            if self.to == "html":
                return "figure", _raw("html", self._chart_html(spec, data.get("image/svg+xml"), alt))
            svg = data.get("image/svg+xml") or _vegalite_to_svg(spec)
            return "figure", self._typst_image(self._image_file(svg, "svg"))
        if mime in ("image/svg+xml", "image/png", "image/jpeg"):
            if self.to == "html":
                return "figure", _raw("html", self._img_html(data[mime], mime, alt))
            content = data[mime] if mime == "image/svg+xml" else base64.b64decode(data[mime])
            return "figure", self._typst_image(self._image_file(content, mime.split("/")[1].replace("svg+xml", "svg")))
        if mime == "text/html":
            html = str(data[mime])
            kind = "table" if "<table" in html else "html"
            return kind, _raw("html", f'<div class="cell-output-display">\n{html}\n</div>')
        if mime == "text/markdown":
            md = str(data[mime])
            kind = "table" if md.lstrip().startswith(("|", "+-")) else "md"
            return kind, f"\n\n{md.strip(chr(10))}\n\n"
        text = str(data["text/plain"])
        if opts.get("output") == "asis":
            return "md", f"\n\n{text}\n\n"
        return "text", _codeblock(text, ".cell-output .cell-output-display")

    @staticmethod
    def _typst_image(p: Path) -> str:
        # placeholder: a figure cell turns it into ![caption](path){#fig-x}, otherwise _markdown into ![](path)
        return f"\ue002{p.as_posix()}\ue003"

    def cell(self, cell: _Cell) -> str:
        opts = dict(self.cfg.execute)
        opts.update(cell.options)
        if not opts.get("include", True):
            return ""
        pieces: list[str] = []
        if opts.get("echo", True) and cell.code.strip():
            pieces.append(_codeblock(cell.code, ".python .cell-code"))
        label = str(opts.get("label") or "")
        kind = label.split("-", 1)[0] if label.startswith(("fig-", "tbl-")) else None
        outputs = cell.outputs if opts.get("output", True) is not False else []
        main: list[tuple[str, str]] = []
        for out in outputs:
            if out["type"] == "stream":
                if out["name"] == "stderr" and not opts.get("warning", True):
                    continue
                if opts.get("output") == "asis" and out["name"] == "stdout":
                    pieces.append(f"\n\n{out['text']}\n\n")
                else:
                    pieces.append(_codeblock(out["text"], f".cell-output .cell-output-{out['name']}"))
                continue
            k, md = self._display(out, cell, opts)
            if kind and k in (("figure",) if kind == "fig" else ("table",)):
                main.append((k, md))
            else:
                pieces.append(md)
        if kind:
            what = "figure (chart or image)" if kind == "fig" else "table (Markdown(md_table(df)) or an HTML table)"
            if len(main) != 1:
                raise RenderError(
                    f"cell labelled {label} must display exactly one {what}; it displayed {len(main)}",
                    path=self.doc.path,
                    line=cell.line,
                )
            pieces.append(self._float(label, kind, opts, main[0][1], cell))
        return "".join(pieces)

    def _float(self, label: str, kind: str, opts: dict, content: str, cell: _Cell) -> str:
        n = self.doc.floats[label][1]
        name = _XREF_KINDS[kind]
        cap = str(opts.get(f"{kind}-cap") or "").strip()
        caption = f"{name}\u00a0{n}" + (f": {cap}" if cap else "")
        if self.to == "html":
            pos = "bottom" if kind == "fig" else "top"
            open_ = (
                f'<div id="{label}" class="quarto-float quarto-figure quarto-figure-center anchored">\n'
                f'<figure class="quarto-float quarto-float-{kind} figure">'
            )
            capopen = f'<figcaption class="quarto-float-caption-{pos} quarto-float-caption quarto-float-{kind}" id="{label}-caption">'
            body = [_raw("html", f'<div aria-describedby="{label}-caption">'), content, _raw("html", "</div>")]
            cap_md = [_raw("html", capopen), f"\n\n{caption}\n\n", _raw("html", "</figcaption>")]
            parts = (
                [_raw("html", open_)]
                + (body + cap_md if kind == "fig" else cap_md + body)
                + [_raw("html", "</figure>\n</div>")]
            )
            return "".join(parts)
        if kind == "fig":
            m = re.search("\ue002(.*?)\ue003", content)
            if not m:
                raise RenderError(
                    f"cell labelled {label} displayed no image for the PDF", path=self.doc.path, line=cell.line
                )
            return f"\n\n![{caption}](<{m.group(1)}>){{#{label}}}\n\n"
        table = content.strip("\n")
        if not table.lstrip().startswith(("|", "+-")):
            raise RenderError(
                f"cell labelled {label}: the PDF needs a Markdown table (Markdown(md_table(df))), not HTML",
                path=self.doc.path,
                line=cell.line,
            )
        return f"\n\n{table}\n\n: {caption} {{#{label}}}\n\n"


def _markdown(doc: _Doc, to: Sequence[str], cfgs: Mapping[str, _Config], build: Path) -> tuple[str, int]:
    """One pandoc Markdown source for all formats: a cell whose output differs by format
    (charts, figures, tables) is written once per format, in `.r2p-only-<format>` divs
    that the Lua filter keeps or drops. -> (markdown, number of interactive charts)."""
    asms = {t: _Assembler(doc, t, cfgs[t], build) for t in to}
    out: list[str] = []
    for part in doc.parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, _Cell):
            variants = {t: asms[t].cell(part) for t in to}
            if len(set(variants.values())) == 1:
                out.append(next(iter(variants.values())))
            else:
                for t, v in variants.items():
                    fence = ":" * max(3, max((len(r) for r in re.findall(r"^:{3,}", v, re.M)), default=0) + 1)
                    out.append(f"\n\n{fence} {{.r2p-only-{t}}}\n{v}\n{fence}\n\n")
    md = "".join(out)
    # unlabelled images for the PDF (placeholders outside figures)
    md = re.sub("\ue002(.*?)\ue003", lambda m: f"\n\n![](<{m.group(1)}>)\n\n", md)
    return md, asms["html"].n_charts if "html" in asms else 0


def _section_numbers(md: str, doc: _Doc) -> dict[str, str]:
    """Section numbers as pandoc/Typst number them: ATX headings outside code, skipping unnumbered ones."""
    counters = [0] * 6
    numbers: dict[str, str] = {}
    in_fence: str | None = None
    after_callout = False
    skip_until: str | None = None
    for ln in md.split("\n"):
        if skip_until is not None:  # the PDF's copy of a cell's output (the HTML copy is counted)
            if ln.rstrip() == skip_until:
                skip_until = None
            continue
        if m := re.match(r"^(:{3,}) \{\.r2p-only-pdf\}$", ln):
            if "{.r2p-only-html}" in md:
                skip_until = m.group(1)
                continue
        if in_fence:
            if re.match(r"^ {0,3}" + re.escape(in_fence[0]) + "{" + str(len(in_fence)) + r",}\s*$", ln):
                in_fence = None
            continue
        if m := _FENCE.match(ln):
            in_fence = m.group("fence")
            continue
        if not ln.strip():
            continue
        d = _DIV_OPEN.match(ln)
        is_callout = bool(
            d and d.group("spec") and re.search(r"callout-(note|tip|important|warning|caution)", d.group("spec"))
        )
        h = _HEADING.match(ln)
        if h and not after_callout:
            attrs = h.group("attrs") or ""
            ident, classes, _ = _parse_attrs(attrs)
            if "unnumbered" in classes or re.search(r"(?:^|\s)-(?:\s|$)", attrs):
                pass
            else:
                level = len(h.group("hashes"))
                counters[level - 1] += 1
                for k in range(level, 6):
                    counters[k] = 0
                if ident:
                    numbers[ident] = ".".join(str(c) for c in counters[:level])
            if ident and ident not in numbers:
                numbers[ident] = ""
        after_callout = is_callout
    return numbers


def _resolve_tokens(md: str, doc: _Doc, cfg: _Config, sections: Mapping[str, str]) -> str:
    numbered = bool(cfg.meta.get("number-sections", False))

    def sub(m: re.Match) -> str:
        t, v = m.group("t"), m.group("v")
        if t == "I":
            value = doc.inlines[int(v)].value
            return value if value is not None else ""
        kind = v.split("-", 1)[0]
        if kind == "sec":
            num = sections.get(v, "")
            if not numbered or not num:
                line = doc.sections.get(v)
                raise RenderError(
                    f"@{v} refers to an unnumbered section (set number-sections: true, and don't mark it unnumbered)",
                    path=doc.path,
                    line=line,
                )
        else:
            num = str(doc.floats[v][1])
        text = num if t == "N" else f"{_XREF_KINDS[kind]}\u00a0{num}"
        return f"[{text}](#{v}){{.quarto-xref}}"

    return _TOKEN.sub(sub, md)


# --------------------------------------------------------------------------- pandoc and Typst

_PANDOC: dict[str, str] = {}


def _pandoc_path() -> str:
    key = os.environ.get("R2P_PANDOC", "")
    if key not in _PANDOC:
        _PANDOC[key] = _find_pandoc()
    return _PANDOC[key]


def _find_pandoc() -> str:
    """The pandoc that pypandoc-binary ships (R2P_PANDOC=system: the one on PATH).

    The bundled binary is located without importing pypandoc, whose lookup runs every
    pandoc it can find to compare versions (about 0.1 s in each render process); it is
    also always the same pandoc, whatever else is on PATH. pypandoc's own lookup is the
    fallback (pypandoc without the binary), then PATH.
    """
    exe = shutil.which("pandoc") if os.environ.get("R2P_PANDOC") == "system" else None
    if exe is None:
        spec = importlib.util.find_spec("pypandoc")
        for loc in (spec.submodule_search_locations or []) if spec else []:
            cand = Path(loc) / "files" / ("pandoc.exe" if os.name == "nt" else "pandoc")
            if cand.is_file() and os.access(cand, os.X_OK):
                exe = str(cand)
                break
    if exe is None:
        try:
            import pypandoc

            exe = pypandoc.get_pandoc_path()
        except (ImportError, OSError):
            exe = shutil.which("pandoc")
    if not exe:
        raise RenderError("pandoc not found (install pypandoc-binary)")
    return exe


def _source_date_epoch(meta: Mapping) -> int:
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env and env.strip().isdigit():
        return int(env)
    d = meta.get("date")
    if isinstance(d, (_dt.date, _dt.datetime)):
        d = d if isinstance(d, _dt.datetime) else _dt.datetime(d.year, d.month, d.day)
        return int(d.replace(tzinfo=_dt.UTC).timestamp())
    return 0


def _format_date(d: Any, meta: Mapping) -> str:
    if isinstance(d, str) and d.strip().lower() in ("today", "now", "last-modified"):
        d = (
            _dt.datetime.fromtimestamp(_source_date_epoch({}), _dt.UTC).date()
            if os.environ.get("SOURCE_DATE_EPOCH")
            else _dt.date.today()
        )
    if isinstance(d, str):
        with contextlib.suppress(ValueError):
            d = _dt.date.fromisoformat(d.strip())
    if isinstance(d, _dt.datetime):
        d = d.date()
    if isinstance(d, _dt.date):
        return f"{d:%B} {d.day}, {d.year}"
    return str(d)


def _iso_date(d: Any) -> str:
    if isinstance(d, _dt.datetime):
        d = d.date()
    return d.isoformat() if isinstance(d, _dt.date) else str(d)


def declared_date() -> str | None:
    """SOURCE_DATE_EPOCH as an ISO date (UTC) when it is set, else None (the date in
    reports/_quarto.yml applies). `render` passes it to both engines as the `date`."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return _dt.datetime.fromtimestamp(int(env), _dt.UTC).date().isoformat()
    return None


def _by_author(author: Any) -> list[dict]:
    """Quarto's normalised `by-author` list, which the Typst partials expect."""
    if author is None:
        return []
    items = author if isinstance(author, list) else [author]
    out = []
    for a in items:
        if isinstance(a, dict):
            name = a.get("name")
            if isinstance(name, dict):
                name = name.get("literal") or " ".join(str(name.get(k, "")) for k in ("given", "family")).strip()
            affs = a.get("affiliations", a.get("affiliation")) or []
            affs = affs if isinstance(affs, list) else [affs]
            affs = [{"name": (x.get("name") if isinstance(x, dict) else str(x))} for x in affs]
            entry = {"name": {"literal": str(name or "")}, "affiliations": affs}
            if a.get("email"):
                entry["email"] = str(a["email"])
            out.append(entry)
        else:
            out.append({"name": {"literal": str(a)}, "affiliations": []})
    return out


def _pandoc_meta(doc: _Doc, cfg: _Config, to: str, resolve) -> dict:
    m = cfg.meta
    meta: dict[str, Any] = {}
    for k in (
        "title",
        "subtitle",
        "abstract",
        "series",
        "abstract-title",
        "lang",
        "reference-section-title",
        "toc",
        "toc-title",
        "toc-depth",
        "keywords",
    ):
        if m.get(k) not in (None, ""):
            meta[k] = resolve(m[k]) if isinstance(m[k], str) else m[k]
    if m.get("date") not in (None, ""):
        if m.get("date-format", "long") != "long":
            raise RenderError("the built-in engine supports date-format: long only", path=doc.path)
        # HTML: formatted as Quarto formats it; Typst gets the ISO date, as from Quarto, and the
        # extension's template formats it the same way (so both engines agree in both formats)
        meta["date"] = _format_date(m["date"], m) if to == "html" else _iso_date(m["date"])
    if m.get("author"):
        meta["by-author"] = _by_author(m["author"])
        meta["author"] = [a["name"]["literal"] for a in meta["by-author"]]
    for k in ("bibliography", "csl"):
        if m.get(k):
            vals = m[k] if isinstance(m[k], list) else [m[k]]
            base = cfg.sources.get(k, doc.path.parent)
            resolved = []
            for v in vals:
                p = (base / str(v)).resolve()
                if not p.is_file():
                    raise RenderError(
                        f"{k} file not found: {p}",
                        path=doc.front.path if k in doc.front.data else None,
                        line=doc.front.line(k),
                    )
                resolved.append(str(p))
            meta[k] = resolved if k == "bibliography" else resolved[0]
    if to == "pdf":
        fp = m.get("font-paths") or []
        meta["r2p-font-paths"] = [
            str((cfg.sources.get("font-paths", doc.path.parent) / str(p)).resolve())
            for p in (fp if isinstance(fp, list) else [fp])
        ]
        for k in ("papersize", "margin", "fontsize", "mainfont", "columns"):
            if m.get(k) not in (None, ""):
                meta[k] = m[k]
        if m.get("number-sections"):
            meta["section-numbering"] = m.get("section-numbering") or "1.1.1"
        meta["r2p-docdir"] = str(doc.path.parent.resolve())
    for k, v in list(meta.items()):
        if isinstance(v, (_dt.date, _dt.datetime)):
            meta[k] = v.isoformat()
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            meta[k] = str(v)
    return meta


_typst_compilers: dict[tuple, Any] = {}


def _typst_compiler(font_paths: Sequence[str] = ()):
    """One Typst compiler per process and font paths: it scans the fonts once (0.2 s),
    not per document.

    Root is "/" so that images anywhere (the build directory, the document's
    directory) can be included by absolute path. `font_paths` are the format's
    `font-paths` (the extension's fonts/), searched as Quarto's `typst --font-path` does.
    """
    key = tuple(font_paths)
    if key not in _typst_compilers:
        import typst

        _typst_compilers[key] = typst.Compiler(root="/", font_paths=list(key))
    return _typst_compilers[key]


def _run_pandoc(args: list[str], *, cwd: Path, doc: _Doc) -> subprocess.Popen:
    return subprocess.Popen([_pandoc_path(), *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _check_pandoc(proc: subprocess.Popen, doc: _Doc, what: str) -> None:
    _, err = proc.communicate()
    err_s = err.decode("utf-8", "replace")
    for m in re.finditer(r"Citeproc: citation (\S+) not found", err_s):
        key = m.group(1)
        line = _find_line(doc, "@" + key)
        raise RenderError(f"unknown citation @{key} (not in the bibliography)", path=doc.path, line=line)
    if m := re.search(r"Could not fetch resource (.*)", err_s):
        raise RenderError(
            f"missing resource {m.group(1).strip()}", path=doc.path, line=_find_line(doc, m.group(1).strip())
        )
    if proc.returncode != 0:
        raise RenderError(f"pandoc ({what}) failed: {err_s.strip()}", path=doc.path)
    for w in err_s.splitlines():
        if w.strip():
            log.warning("%s: pandoc (%s): %s", doc.path, what, w)


def _find_line(doc: _Doc, needle: str) -> int | None:
    for i, ln in enumerate(doc.path.read_text(encoding="utf-8").split("\n"), 1):
        if re.search(re.escape(needle) + r"(?![\w-])", ln):
            return i
    return None


def _convert_job(job: _Job) -> list[Path]:
    try:
        return _convert(job)
    except BaseException:
        _remove(job.finals)
        raise


_LOCK = threading.Lock()  # Typst compiler, vl-convert and the bundle cache are shared per process


def _convert(job: _Job) -> list[Path]:
    """Markdown per format -> pandoc -> HTML / Typst -> PDF; outputs moved into place together."""
    t2 = time.perf_counter()
    doc, to, out_dir, stem, finals, cfgs = job.doc, job.to, job.out_dir, job.stem, job.finals, job.cfgs
    out_dir.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{stem}-build-", dir=out_dir))
    procs: dict[str, subprocess.Popen] = {}
    cwd = doc.path.parent.resolve()
    try:
        ext_dir = doc.extension.path.parent
        lua = build / "r2p.lua"
        lua.write_text(_LUA_FILTER, encoding="utf-8")
        first = cfgs[to[0]]
        with _LOCK:  # vl-convert, for charts without an SVG
            md, n_charts = _markdown(doc, to, cfgs, build)
        sections = _section_numbers(md, doc) if doc.sections else {}
        md = _resolve_tokens(md, doc, first, sections)
        src = build / f"{stem}.md"
        src.write_text(md, encoding="utf-8")
        metas = {
            t: _pandoc_meta(doc, cfgs[t], t, lambda v, c=cfgs[t]: _resolve_tokens(v, doc, c, sections)) for t in to
        }
        if "html" in metas:  # Quarto's "Other Formats" links (format-links), to the outputs beside the page
            links = []
            for ln in cfgs["html"].meta.get("format-links") or []:
                if isinstance(ln, dict) and ln.get("format") == FORMATS["pdf"]:
                    links.append({"href": f"{stem}.pdf", "text": f"{ln.get('text') or 'Typst'} ({EXTENSION})"})
                elif ln == FORMATS["pdf"]:
                    links.append({"href": f"{stem}.pdf", "text": f"Typst ({EXTENSION})"})
            if links:
                metas["html"]["r2p-other-formats"] = links
        # Pass 1 (once): read the Markdown and format citations -> pandoc AST.
        # Keys that citeproc or the title block need must agree between formats.
        common = {k: v for k, v in metas[to[0]].items() if all(metas[t].get(k) == v for t in to)}
        for k in ("bibliography", "csl", "reference-section-title", "lang"):
            if any(metas[t].get(k) != metas[to[0]].get(k) for t in to):
                raise RenderError(f"the built-in engine needs the same {k!r} for all formats", path=doc.path)
        common_file = build / f"{stem}.meta.json"
        common_file.write_text(json.dumps(common, sort_keys=True, indent=1), encoding="utf-8")
        ast = build / f"{stem}.ast.json"
        args = [
            str(src),
            "--from",
            "markdown",
            "--metadata-file",
            str(common_file),
            "--to",
            "json",
            "--output",
            str(ast),
        ]
        if first.meta.get("bibliography"):
            args.insert(-4, "--citeproc")
        _check_pandoc(_run_pandoc(args, cwd=cwd, doc=doc), doc, "citations")
        # Pass 2 (per format, in parallel): write HTML / Typst.
        for t in to:
            cfg = cfgs[t]
            meta_file = build / f"{stem}.{t}.meta.json"
            meta_file.write_text(
                json.dumps({k: v for k, v in metas[t].items() if k not in common}, sort_keys=True, indent=1),
                encoding="utf-8",
            )
            args = [
                str(ast),
                "--from",
                "json",
                "--metadata-file",
                str(meta_file),
                "--standalone",
                "--resource-path",
                str(cwd),
                "--lua-filter",
                str(lua),
            ]
            if cfg.meta.get("toc"):
                args.append("--toc")
                if cfg.meta.get("toc-depth"):
                    args.append(f"--toc-depth={cfg.meta['toc-depth']}")
            if t == "html":
                tpl = build / "policybrief.html"
                tpl.write_text(_HTML_TEMPLATE, encoding="utf-8")
                # self-contained: the style sheets inlined in <head>; charts are data: URIs
                # already, so pandoc's --embed-resources (which re-reads the whole page) is
                # needed only for a page that loads a local file: checked below, after pandoc
                css = cfg.meta.get("css") or []
                styles = []
                for c in css if isinstance(css, list) else [css]:
                    cp = (cfg.sources.get("css", doc.path.parent) / str(c)).resolve()
                    if not cp.is_file():
                        raise RenderError(f"css file not found: {cp}", path=doc.path)
                    styles.append(f"<style>\n{cp.read_text(encoding='utf-8').strip()}\n</style>\n")
                if styles:
                    (build / "styles.html").write_text("".join(styles), encoding="utf-8")
                    args += ["--include-in-header", str(build / "styles.html")]
                if cfg.meta.get("number-sections"):
                    args.append("--number-sections")
                args += [
                    "--to",
                    "html5",
                    "--template",
                    str(tpl),
                    "--section-divs",
                    "--output",
                    str(build / f"{stem}.html"),
                ]
                html_args = args
            else:
                tpl = build / "policybrief.typst"
                tpl.write_text(_TYPST_TEMPLATE, encoding="utf-8")
                for partial in ("typst-template.typ", "typst-show.typ"):
                    shutil.copyfile(ext_dir / partial, build / partial)
                # citations were formatted in pass 1: write them as text, not as Typst #cite()
                args += ["--to", "typst-citations", "--template", str(tpl), "--output", str(build / f"{stem}.typ")]
            procs[t] = _run_pandoc(args, cwd=cwd, doc=doc)
        tmp_outputs = {}
        for t in to:
            _check_pandoc(procs[t], doc, t)
            if t == "html":
                html = (build / f"{stem}.html").read_text(encoding="utf-8")
                bad = _resource_ref(html)  # the page as pandoc wrote it (the Vega bundle is ours)
                if bad and not _REMOTE.match(bad[1]):
                    # a local file (an image in the Markdown, say): let pandoc embed it
                    _check_pandoc(_run_pandoc(html_args + ["--embed-resources"], cwd=cwd, doc=doc), doc, t)
                    html = (build / f"{stem}.html").read_text(encoding="utf-8")
                    bad = _resource_ref(html)
                if bad:
                    where = "an external" if _REMOTE.match(bad[1]) else "a local"
                    raise RenderError(
                        f"HTML would load {where} resource (it must be self-contained): {bad[0][:120]}", path=doc.path
                    )
                with _LOCK:
                    bundle = _vega_bundle() if n_charts else ""
                inject = f"<script>{bundle}</script>" if n_charts else ""
                html, n_marks = re.subn(r'<meta name="r2p-vega-bundle"[^>]*>\n?', lambda _, s=inject: s, html, count=1)
                if n_marks != 1:
                    raise RenderError("HTML template lost its script marker", path=doc.path)
                tmp = build / f"{stem}.final.html"
                tmp.write_text(html, encoding="utf-8")
                tmp_outputs[t] = tmp
            else:
                pdf = build / f"{stem}.pdf"
                try:
                    with _LOCK:
                        _, warnings = _typst_compiler(metas[t].get("r2p-font-paths", ())).compile_with_warnings(
                            input=str(build / f"{stem}.typ"),
                            output=str(pdf),
                            timestamp=_source_date_epoch(cfgs[t].meta),
                        )
                    for w in warnings or []:
                        log.warning("%s: typst: %s", doc.path, getattr(w, "message", w))
                except Exception as e:  # typst.TypstError
                    diag = str(getattr(e, "diagnostic", None) or getattr(e, "message", None) or e)
                    lines = diag.splitlines()
                    first = next((i for i, ln in enumerate(lines) if ln.startswith("error")), 0)
                    msg = "\n".join(lines[first : first + 12])
                    raise RenderError(f"Typst failed: {msg}", path=doc.path) from None
                tmp_outputs[t] = pdf
        # all formats done: move into place (same file system: atomic renames)
        for t, final in zip(to, finals):
            os.replace(tmp_outputs[t], final)
        log.info(
            "rendered %s -> %s (parse %.2fs, execute %.2fs, convert %.2fs)",
            doc.path,
            ", ".join(p.name for p in finals),
            job.times.get("parse", 0),
            job.times.get("execute", 0),
            time.perf_counter() - t2,
        )
        return finals
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
            with contextlib.suppress(Exception):
                proc.communicate()
        if os.environ.get("R2P_KEEP_BUILD"):
            log.info("kept build directory %s", build)
        else:
            shutil.rmtree(build, ignore_errors=True)
