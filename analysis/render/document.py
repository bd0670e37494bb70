"""Reading a Quarto document: its YAML layers (extension, _quarto.yml, front matter),
cells, inline code, cross-references and callouts -- and what the built-in engine
does not support, as an error naming the file and line."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import _EXT_OF, _REPO, EXTENSION, FORMATS, RenderError, _remove

# Keys the built-in engine understands. Anything else is a RenderError, so that
# an option Quarto would honour is never silently ignored.
_META_KEYS = {
    "title",
    "subtitle",
    "author",
    "date",
    "date-format",
    "abstract",
    "abstract-title",
    "series",
    "keywords",
    "lang",
    "bibliography",
    "csl",
    "reference-section-title",
    "number-sections",
    "toc",
    "toc-title",
    "toc-depth",
    "params",
    "execute",
    "format",
    "jupyter",
    "citeproc",
}
_FORMAT_KEYS = {
    "html": {
        "css",
        "embed-resources",
        "citeproc",
        "number-sections",
        "toc",
        "toc-title",
        "toc-depth",
        "reference-section-title",
        "abstract-title",
        "csl",
        "bibliography",
        "format-links",
        "html-table-processing",
    },
    "pdf": {
        "template-partials",
        "papersize",
        "margin",
        "fontsize",
        "mainfont",
        "columns",
        "section-numbering",
        "font-paths",
        "html-table-processing",
        "citeproc",
        "number-sections",
        "toc",
        "toc-title",
        "toc-depth",
        "reference-section-title",
        "abstract-title",
        "csl",
        "bibliography",
    },
}
_EXECUTE_KEYS = {"echo", "warning", "output", "include", "freeze"}
_CELL_KEYS = {"label", "fig-cap", "fig-alt", "tbl-cap", "echo", "output", "include", "warning", "tags"}
_EXEC_DEFAULTS = {"echo": True, "warning": True, "output": True, "include": True}


@dataclass
class _Yaml:
    data: dict
    path: Path
    lines: dict[tuple, int]  # key path -> 1-based line in `path`

    def line(self, *keys: str) -> int | None:
        for n in range(len(keys), 0, -1):
            if keys[:n] in self.lines:
                return self.lines[keys[:n]]
        return None


def _load_yaml(text: str, path: Path, first_line: int) -> _Yaml:
    """Parse YAML, recording the line of every mapping key; errors name the line."""
    import yaml

    from ..io import yaml_loader

    # one pass: the node tree gives the key lines, the data are built from it
    loader = yaml_loader()(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise RenderError(f"invalid YAML: {problem}", path=path, line=line) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RenderError("YAML front matter must be a mapping of keys to values", path=path, line=first_line)
    lines: dict[tuple, int] = {}

    def walk(n, prefix: tuple) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = prefix + (str(k.value),)
                lines[key] = first_line + k.start_mark.line
                walk(v, key)

    walk(node, ())
    return _Yaml(data, path, lines)


def _find_project(doc_dir: Path) -> Path | None:
    for d in [doc_dir, *doc_dir.parents]:
        if (d / "_quarto.yml").is_file():
            return d
    return None


def _find_extension(doc_dir: Path, project: Path | None) -> Path:
    for base in [project, doc_dir, _REPO / "reports"]:
        if base is not None and (base / "_extensions" / EXTENSION / "_extension.yml").is_file():
            return base / "_extensions" / EXTENSION
    raise RenderError(f"Quarto extension {EXTENSION!r} not found (looked in _extensions/ of the project and reports/)")


def _check_keys(y: _Yaml, data: Mapping, allowed: set[str], prefix: tuple, what: str) -> None:
    for k in data:
        if k not in allowed:
            raise RenderError(
                f"{what} {k!r} is not supported by the built-in engine (supported: {', '.join(sorted(allowed))})",
                path=y.path,
                line=y.line(*prefix, str(k)),
            )


def _as_format_options(y: _Yaml, fmt_key: str, value: Any) -> dict:
    if value in (None, "default"):
        return {}
    if not isinstance(value, dict):
        raise RenderError(
            f"format {fmt_key!r} must be 'default' or a mapping of options", path=y.path, line=y.line("format", fmt_key)
        )
    return value


def _validate_layer(y: _Yaml, *, top_level: bool) -> None:
    data = y.data
    if top_level:
        allowed = _META_KEYS | ({"project"} if y.path.name == "_quarto.yml" else set())
        _check_keys(y, data, allowed, (), "option")
    ex = data.get("execute", {})
    if ex is not None:
        if not isinstance(ex, dict):
            raise RenderError("execute must be a mapping", path=y.path, line=y.line("execute"))
        _check_keys(y, ex, _EXECUTE_KEYS, ("execute",), "execute option")
    fmts = data.get("format", {}) or {}
    if isinstance(fmts, str):
        fmts = {fmts: "default"}
    if not isinstance(fmts, dict):
        raise RenderError("format must be a mapping of format names to options", path=y.path, line=y.line("format"))
    for name, opts in fmts.items():
        for to, fname in FORMATS.items():
            if name == fname:
                _check_keys(
                    y,
                    _as_format_options(y, name, opts),
                    _FORMAT_KEYS[to] | {"execute"},
                    ("format", name),
                    f"{name} option",
                )


@dataclass
class _Config:
    """Merged options for one document and one output format."""

    meta: dict  # document metadata and format options, merged
    execute: dict
    sources: dict[str, Path]  # option -> the file that set it last (to resolve relative paths)


def _merge_config(layers: list[tuple[_Yaml, bool]], ext: _Yaml, to: str) -> _Config:
    fname = FORMATS[to]
    ext_fmt = "typst" if to == "pdf" else "html"
    contrib = (ext.data.get("contributes") or {}).get("formats") or {}
    meta: dict = {}
    sources: dict[str, Path] = {}
    execute = dict(_EXEC_DEFAULTS)

    def apply(d: Mapping, src: Path) -> None:
        for k, v in d.items():
            if k in ("format", "project"):
                continue
            if k == "execute":
                execute.update(v or {})
                continue
            meta[k] = v
            sources[k] = src

    apply(contrib.get("common") or {}, ext.path.parent)
    apply(contrib.get(ext_fmt) or {}, ext.path.parent)
    for y, _ in layers:
        apply(y.data, y.path.parent)
        fmts = y.data.get("format") or {}
        if isinstance(fmts, str):
            fmts = {fmts: "default"}
        apply(_as_format_options(y, fname, fmts.get(fname)), y.path.parent)
    return _Config(meta, execute, sources)


# --------------------------------------------------------------------------- parsing

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)\s*$")
_INLINE = re.compile(r"`\{(?P<lang>[^}\s`]*)\}[ \t]+(?P<expr>[^`]+?)[ \t]*`")
_CODESPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)")
_XREF_KINDS = {"fig": "Figure", "tbl": "Table", "sec": "Section"}
_XREF = re.compile(
    r"(?<![\w\\@])(?P<minus>-?)@(?P<kind>[Ff]ig|[Tt]bl|[Ss]ec)-(?P<name>[A-Za-z0-9_]+(?:[-:.][A-Za-z0-9_]+)*)"
)
_OTHER_XREF = re.compile(
    r"(?<![\w\\@])-?@(?P<kind>eq|lst|thm|lem|cor|prp|cnj|def|exm|exr|nte|tip|wrn|imp|cau|sol|rem)-[A-Za-z0-9_]"
)
_BRACKET_XREF = re.compile(r"\[[^\[\]]*(?<![\w\\@])-?@(?:[Ff]ig|[Tt]bl|[Ss]ec)-[^\[\]]*\](?!\()")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]*\{(?P<attrs>[^{}]*)\})?[ \t]*#*[ \t]*$")
_DIV_OPEN = re.compile(r"^(?P<colons>:{3,})[ \t]*(?P<spec>\{[^}]*\}|[A-Za-z][\w-]*)?[ \t]*:*[ \t]*$")
_IMG_FIG = re.compile(r"!\[(?P<cap>(?:[^\[\]]|\[[^\]]*\])*)\]\((?P<src>[^)]*)\)\{(?P<attrs>[^}]*#fig-[^}]*)\}")
_ATTR_ID = re.compile(r"(?:^|\s)#(?P<id>[^\s}]+)")
_ATTR_CLASS = re.compile(r"(?:^|\s)\.(?P<cls>[^\s}=]+)")
_ATTR_KV = re.compile(r"(?P<k>[A-Za-z_][\w-]*)=(?P<v>\"[^\"]*\"|'[^']*'|[^\s}]+)")
_CALLOUTS = {"note": "Note", "tip": "Tip", "important": "Important", "warning": "Warning", "caution": "Caution"}
_QUARTO_DIV_PREFIXES = ("column-", "panel-", "content-", "callout", "layout", "cell", "aside", "landscape", "page-")
_TOKEN = re.compile("\ue000(?P<t>[IRN])(?P<v>[^\ue001]*)\ue001")


@dataclass
class _Cell:
    line: int
    code: str
    options: dict
    option_lines: dict[str, int]
    outputs: list = field(default_factory=list)


@dataclass
class _Inline:
    line: int
    expr: str
    value: str | None = None  # Markdown, once evaluated


@dataclass
class _Doc:
    path: Path
    front: _Yaml
    project: _Yaml | None
    extension: _Yaml
    parts: list  # str (Markdown with tokens) | _Cell | list[int] (inline ids to evaluate here)
    inlines: list[_Inline]
    floats: dict[str, tuple[str, int]]  # label -> (kind, number)
    sections: dict[str, int]  # label -> line
    body_line: int


def _dump_front(front: Mapping[str, Any]) -> str:
    """Front matter as YAML text for Quarto; multi-line strings as literal blocks, so that a
    value such as an `abstract: |` block keeps its lines and final newline (pandoc reads a
    value ending in a newline as paragraphs, one without as a line of text)."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str):
        style = "|" if "\n" in value and not any(ln != ln.rstrip() for ln in value.split("\n")) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(dict(front), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**6)


def _split_front_matter(text: str, path: Path) -> tuple[str, int, list[str]]:
    """-> (YAML text, line number where the body starts, body lines)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return "", 1, lines
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), i + 2, lines[i + 1 :]
    raise RenderError("YAML front matter starts with '---' but is never closed", path=path, line=1)


def _parse_attrs(spec: str) -> tuple[str | None, list[str], dict[str, str]]:
    ident = (m := _ATTR_ID.search(spec)) and m.group("id")
    classes = [m.group("cls") for m in _ATTR_CLASS.finditer(spec)]
    kv = {m.group("k"): m.group("v").strip("\"'") for m in _ATTR_KV.finditer(spec)}
    return ident, classes, kv


def _parse(path: Path) -> _Doc:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RenderError(f"cannot read document: {e}", path=path) from None
    text = text.replace("\r\n", "\n")
    yaml_text, body_line, lines = _split_front_matter(text, path)
    front = _load_yaml(yaml_text, path, 2) if body_line > 1 else _Yaml({}, path, {})
    _validate_layer(front, top_level=True)
    proj_dir = _find_project(path.parent)
    project = None
    if proj_dir is not None:
        qy = proj_dir / "_quarto.yml"
        project = _load_yaml(qy.read_text(encoding="utf-8"), qy, 1)
        _validate_layer(project, top_level=True)
    ext_dir = _find_extension(path.parent, proj_dir)
    ey = ext_dir / "_extension.yml"
    extension = _load_yaml(ey.read_text(encoding="utf-8"), ey, 1)
    contrib = (extension.data.get("contributes") or {}).get("formats") or {}
    for key, to in (("common", None), ("html", "html"), ("typst", "pdf")):
        allowed = (_FORMAT_KEYS["html"] | _FORMAT_KEYS["pdf"]) if to is None else _FORMAT_KEYS[to]
        _check_keys(
            extension, contrib.get(key) or {}, allowed, ("contributes", "formats", key), f"extension {key} option"
        )

    parts: list = []
    inlines: list[_Inline] = []
    floats: dict[str, tuple[str, int]] = {}
    float_lines: dict[str, int] = {}
    counters = {"fig": 0, "tbl": 0}
    sections: dict[str, int] = {}
    refs: list[tuple[str, int]] = []
    buf: list[str] = []
    pending_inlines: list[int] = []

    def add_float(label: str, line: int) -> None:
        kind = label.split("-", 1)[0]
        if label in floats:
            raise RenderError(
                f"duplicate label {label!r} (first used on line {float_lines[label]})", path=path, line=line
            )
        counters[kind] += 1
        floats[label] = (kind, counters[kind])
        float_lines[label] = line

    def flush() -> None:
        if pending_inlines:
            parts.append(list(pending_inlines))
            pending_inlines.clear()
        if buf:
            parts.append("".join(buf))
            buf.clear()

    def xrefs(ln: str, lineno: int) -> str:
        """Cross-references outside code spans -> tokens (resolved once numbers are known)."""
        out, pos = [], 0
        for m in list(_CODESPAN.finditer(ln)) + [None]:
            end = m.start() if m else len(ln)
            seg = ln[pos:end]
            if (b := _BRACKET_XREF.search(seg)) is not None:
                raise RenderError(
                    f"cross-reference in brackets {b.group(0)!r}: write @fig-x / @tbl-x / @sec-x without brackets",
                    path=path,
                    line=lineno,
                )
            if (o := _OTHER_XREF.search(seg)) is not None:
                raise RenderError(
                    f"cross-reference type @{o.group('kind')}- is not supported by the built-in engine",
                    path=path,
                    line=lineno,
                )

            def xref(mm: re.Match) -> str:
                label = f"{mm.group('kind').lower()}-{mm.group('name')}"
                refs.append((label, lineno))
                return f"\ue000{'N' if mm.group('minus') else 'R'}{label}\ue001"

            out.append(_XREF.sub(xref, seg))
            if m:
                out.append(m.group(0))
                pos = m.end()
        return "".join(out)

    for key in ("title", "subtitle", "abstract"):
        if isinstance(front.data.get(key), str):
            front.data[key] = xrefs(front.data[key], front.line(key) or 1)

    def text_line(ln: str, lineno: int) -> str:
        if "{{<" in ln:
            raise RenderError(
                "Quarto shortcodes ({{< ... >}}) are not supported by the built-in engine", path=path, line=lineno
            )

        def inline(m: re.Match) -> str:
            if m.group("lang") != "python":
                raise RenderError(
                    f"inline code `{{{m.group('lang')}}} ...` is not supported (only `{{python}} expr`)",
                    path=path,
                    line=lineno,
                )
            inlines.append(_Inline(lineno, m.group("expr")))
            pending_inlines.append(len(inlines) - 1)
            return f"\ue000I{len(inlines) - 1}\ue001"

        ln = _INLINE.sub(inline, ln)
        ln = xrefs(ln, lineno)

        # headings carrying a sec- label; figure images
        if (h := _HEADING.match(ln)) and h.group("attrs"):
            ident, classes, _ = _parse_attrs(h.group("attrs"))
            if ident and ident.startswith(("fig-", "tbl-")):
                raise RenderError(
                    f"label {ident!r} on a heading: figures and tables need a python cell or an image",
                    path=path,
                    line=lineno,
                )
            if ident and ident.startswith("sec-"):
                if ident in sections:
                    raise RenderError(f"duplicate section label {ident!r}", path=path, line=lineno)
                sections[ident] = lineno

        def img(m: re.Match) -> str:
            ident, _, _ = _parse_attrs(m.group("attrs"))
            add_float(ident, lineno)
            n = floats[ident][1]
            return f"![Figure\u00a0{n}: {m.group('cap')}]({m.group('src')}){{{m.group('attrs')}}}"

        ln = _IMG_FIG.sub(img, ln)
        if lab := re.search(r"\{[^}]*#(eq|lst|thm|lem|cor|prp|cnj|def|exm|exr|nte|tip|wrn|imp|cau|sol|rem)-", ln):
            raise RenderError(
                f"#{lab.group(1)}- labels (Quarto cross-reference type) are not supported by the built-in engine",
                path=path,
                line=lineno,
            )
        if re.search(r"\{[^}]*#(?:fig|tbl)-", ln) and not _IMG_FIG.search(ln):
            raise RenderError(
                "fig-/tbl- labels are supported on python cells and on images (![caption](file){#fig-x}) only",
                path=path,
                line=lineno,
            )

        if (d := _DIV_OPEN.match(ln)) and d.group("spec"):
            spec = d.group("spec")
            ident, classes, kv = _parse_attrs(spec[1:-1]) if spec.startswith("{") else (None, [spec], {})
            if ident and ident.startswith(("fig-", "tbl-")):
                raise RenderError(
                    f"figure/table divs (#{ident}) are not supported by the built-in engine: use a python cell",
                    path=path,
                    line=lineno,
                )
            for c in classes:
                kind = c[len("callout-") :] if c.startswith("callout-") else None
                if kind in _CALLOUTS:
                    bad = set(kv) - {"title"}
                    if bad:
                        raise RenderError(
                            f"callout attribute(s) {', '.join(sorted(bad))} not supported (only title=)",
                            path=path,
                            line=lineno,
                        )
                elif c.startswith(_QUARTO_DIV_PREFIXES):
                    raise RenderError(
                        f"Quarto div class .{c} is not supported by the built-in engine", path=path, line=lineno
                    )
            if any(k.startswith("layout") for k in kv):
                raise RenderError("layout attributes are not supported by the built-in engine", path=path, line=lineno)
        return ln

    i = 0
    n = len(lines)
    while i < n:
        ln = lines[i]
        lineno = body_line + i
        m = _FENCE.match(ln)
        if not m:
            buf.append(text_line(ln, lineno) + "\n")
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info")
        # find the closing fence
        j = i + 1
        close = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        while j < n and not close.match(lines[j]):
            j += 1
        if j >= n:
            raise RenderError("code block is never closed", path=path, line=lineno)
        brace = re.match(r"^\{\s*([^\s}=.#][^\s},]*)(.*)\}$", info)
        if brace and not brace.group(1).startswith("="):
            lang = brace.group(1)
            if lang != "python":
                raise RenderError(
                    f"executable ```{{{lang}}} cells are not supported (only ```{{python}})", path=path, line=lineno
                )
            if brace.group(2).strip():
                raise RenderError("cell options go in '#|' comment lines, not in the braces", path=path, line=lineno)
            cell_lines = lines[i + 1 : j]
            opt_src, k = [], 0
            while k < len(cell_lines) and cell_lines[k].startswith("#|"):
                opt_src.append(cell_lines[k][2:])
                k += 1
            opts_y = _load_yaml("\n".join(opt_src), path, lineno + 1) if opt_src else _Yaml({}, path, {})
            _check_keys(opts_y, opts_y.data, _CELL_KEYS, (), "cell option")
            option_lines = {key[0]: ln_ for key, ln_ in opts_y.lines.items() if len(key) == 1}
            cell = _Cell(lineno, "\n".join(cell_lines[k:]).strip("\n"), opts_y.data, option_lines)
            label = cell.options.get("label")
            if label is not None:
                label = str(label)
                if label.startswith(("fig-", "tbl-")):
                    add_float(label, option_lines.get("label", lineno))
            for capkey, prefix in (("fig-cap", "fig-"), ("tbl-cap", "tbl-")):
                if capkey in cell.options and not (label or "").startswith(prefix):
                    raise RenderError(
                        f"{capkey} needs a '{prefix}' label on the same cell",
                        path=path,
                        line=option_lines.get(capkey, lineno),
                    )
            for key, ok, what in (
                ("echo", lambda v: isinstance(v, bool), "true or false"),
                ("warning", lambda v: isinstance(v, bool), "true or false"),
                ("include", lambda v: isinstance(v, bool), "true or false"),
                ("output", lambda v: isinstance(v, bool) or v == "asis", "true, false or asis"),
                ("fig-cap", lambda v: isinstance(v, str), "a string"),
                ("tbl-cap", lambda v: isinstance(v, str), "a string"),
                ("fig-alt", lambda v: isinstance(v, str), "a string"),
            ):
                if key in cell.options and not ok(cell.options[key]):
                    raise RenderError(
                        f"cell option {key} must be {what} for the built-in engine",
                        path=path,
                        line=option_lines.get(key, lineno),
                    )
            for capkey in ("fig-cap", "tbl-cap"):
                if capkey in cell.options:
                    cell.options[capkey] = xrefs(cell.options[capkey], option_lines.get(capkey, lineno))
            tags = cell.options.get("tags") or []
            if not isinstance(tags, list):
                raise RenderError(
                    "tags must be a list, e.g. [parameters]", path=path, line=option_lines.get("tags", lineno)
                )
            flush()
            parts.append(cell)
        else:
            # ordinary code block or raw block: copied verbatim
            buf.append("\n".join(lines[i : j + 1]) + "\n")
        i = j + 1
    flush()

    for label, lineno in refs:
        if label.startswith("sec-"):
            if label not in sections:
                raise RenderError(
                    f"unknown cross-reference @{label} (no heading has {{#{label}}})", path=path, line=lineno
                )
        elif label not in floats:
            raise RenderError(
                f"unknown cross-reference @{label} (no cell or image is labelled {label})", path=path, line=lineno
            )
    return _Doc(path, front, project, extension, parts, inlines, floats, sections, body_line)


@dataclass
class _Job:
    """One document to render with the built-in engine."""

    doc: _Doc
    to: list[str]
    out_dir: Path
    stem: str
    finals: list[Path]
    cfgs: dict[str, _Config]
    params: dict
    times: dict[str, float] = field(default_factory=dict)


def _prepare(
    doc_path: Path,
    to: Sequence[str],
    out_dir: Path,
    params: Mapping[str, Any] | None,
    output_name: str | None,
    metadata: Mapping[str, Any] | None = None,
) -> _Job:
    t0 = time.perf_counter()
    stem = output_name or doc_path.stem
    finals = [out_dir / f"{stem}{_EXT_OF[t]}" for t in to]
    try:
        doc = _parse(doc_path)
        layers = [(y, True) for y in (doc.project, doc.front) if y is not None]
        if metadata:  # like `quarto render -M key:value`: over the document's own metadata
            layers.append((_Yaml(dict(metadata), doc.path, {}), True))
        cfgs = {t: _merge_config(layers, doc.extension, t) for t in to}
        # parameters: YAML `params` (defaults) overridden by the caller's
        merged = dict(cfgs[to[0]].meta.get("params") or {})
        merged.update(params or {})
        for cfg in cfgs.values():
            if cfg.meta.get("citeproc") is False and cfg.meta.get("bibliography"):
                raise RenderError(
                    "the built-in engine formats citations with pandoc's citeproc; remove citeproc: false",
                    path=doc.path,
                )
            if cfg.meta.get("embed-resources") is False:
                raise RenderError(
                    "the built-in engine always writes self-contained HTML; remove embed-resources: false",
                    path=doc.path,
                )
    except BaseException:
        _remove(finals)
        raise
    return _Job(doc, list(to), out_dir, stem, finals, cfgs, merged, {"parse": time.perf_counter() - t0})
