"""Render the Quarto policy papers (reports/*.qmd) to HTML and PDF.

`render()` calls the `quarto` CLI when it is on PATH. Without it, a built-in
engine renders the same documents: it covers exactly the Quarto features the
project's documents use and raises `RenderError` (naming the document and the
line) for anything else it sees, rather than dropping it.

Built-in engine, in order:

1. parse the .qmd: YAML front matter (merged over the extension's and
   `_quarto.yml`'s options), ```{python} cells with `#|` options, inline
   `` `{python} expr` ``, cross-references (@fig-, @tbl-, @sec-), callouts;
2. execute the cells ONCE in a Jupyter kernel (kept warm by `render_many`);
3. write pandoc Markdown for each format: figures and tables numbered in
   document order with Quarto's text ("Figure 1: caption", "Table 2"),
   charts as interactive Vega-Lite (HTML, JavaScript inlined) or vector SVG
   (PDF);
4. pandoc, once with --citeproc (Markdown -> AST), then per format in
   parallel: self-contained HTML (page template here, theme from the
   extension; the Vega bundle inlined) and Typst with a template that
   includes the extension's Typst partials (the same ones Quarto uses); the
   `typst` wheel -> PDF.

`render_many` keeps one kernel warm and converts document N while document
N+1 executes.

Outputs are deterministic (SOURCE_DATE_EPOCH is honoured, no random ids) and
written atomically: on any error no output file is left behind.

Helpers for documents: `md_escape`, `md_table`, `show_chart`.

Heavy modules (jupyter_client, vl_convert, typst, yaml) are imported lazily,
so `import analysis.render` inside a document kernel stays cheap.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import html as _html
import json
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

log = logging.getLogger("r2p.render")

#: The repository root (holds reports/ with the bundled extension).
_REPO = Path(__file__).resolve().parent.parent
EXTENSION = "policybrief"
FORMATS = {"html": f"{EXTENSION}-html", "pdf": f"{EXTENSION}-typst"}
_EXT_OF = {"html": ".html", "pdf": ".pdf"}


# --------------------------------------------------------------------------- errors


class RenderError(Exception):
    """A document could not be rendered; names the file and, where known, the line."""

    def __init__(self, message: str, *, path: str | os.PathLike | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message


# --------------------------------------------------------------------------- helpers for documents

_MD_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class EscapedMarkdown(str):
    """A string that is already Markdown (what `md_escape` and `md_table` return).

    It displays as Markdown (`_repr_markdown_`), so an inline `{python}` value
    that is already escaped is inserted as it is, not escaped twice.
    """

    def _repr_markdown_(self) -> str:
        return str(self)


def md_escape(value: Any) -> EscapedMarkdown:
    """`str(value)` as Markdown that displays literally (for inline text and table cells).

    Every ASCII punctuation character is backslash-escaped and line breaks
    become spaces, so a string from a dataset (an actor name, a case id) can
    never become markup: not HTML (`<script>`), not Typst (`#set`, `$x$`,
    `@label`), not a Markdown link, list or heading. Use it for any data you
    put into `Markdown(...)` output. Inline `{python}` values are escaped by
    the built-in engine unless they are already `EscapedMarkdown` (so
    `{python} md_escape(x)` is right with both engines; an f-string built from
    md_escape pieces is a plain str again and would be escaped twice -- wrap
    the whole string instead). `md_table` escapes its cells.
    """
    s = "" if value is None else str(value)
    s = re.sub(r"\s*[\r\n]+\s*", " ", s)
    return EscapedMarkdown("".join("\\" + c if c in _MD_PUNCT else c for c in s))


def md_table(df: Any, *, index: bool = False, floatfmt: str | None = None, na: str = "") -> EscapedMarkdown:
    """A pandas DataFrame as a pipe table with every cell escaped (see `md_escape`).

    Display it with `IPython.display.Markdown(md_table(df))`: the built-in
    engine and Quarto render it to both HTML and PDF, with a `tbl-cap` caption
    when the cell has a `tbl-` label. Numeric columns are right-aligned;
    `floatfmt` (e.g. ".2f", ",.0f") formats floats; missing values become `na`.
    """
    cols = list(df.columns)
    kinds = [getattr(df[c].dtype, "kind", "O") for c in cols]
    header = [md_escape(c) for c in cols]
    aligns = ["---:" if k in "iuf" else ":---" for k in kinds]
    if index:
        names = [n for n in (df.index.names or []) if n is not None]
        header = [md_escape(" / ".join(map(str, names)))] + header
        aligns = [":---"] + aligns

    def fmt(v: Any) -> str:
        try:
            if v is None or v != v:  # NaN
                return na
        except (TypeError, ValueError):  # arrays, pd.NA comparisons
            pass
        if floatfmt and isinstance(v, float):
            return format(v, floatfmt)
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(aligns) + "|"]
    for row in df.itertuples(index=index, name=None):
        lines.append("| " + " | ".join(md_escape(fmt(v)) for v in row) + " |")
    return EscapedMarkdown("\n".join(lines) + "\n")


def _vegalite_major(spec: Mapping) -> str:
    m = re.search(r"/v(\d+)(?:\.[\d.]*)?\.json", str(spec.get("$schema", "")))
    return m.group(1) if m else "5"


def show_chart(spec_path: str | os.PathLike, svg_path: str | os.PathLike | None = None, *, name: str | None = None) -> None:
    """Display a chart saved earlier in the workflow, without importing Altair.

    Displays one MIME bundle holding the Vega-Lite spec (interactive HTML with
    the built-in engine) and its SVG (PDF; Quarto uses it for both formats).
    `svg_path` defaults to the spec's path with `.vl.json`/`.json` replaced by
    `.svg`; when no SVG exists it is made here with vl-convert. Use it in a cell
    labelled `fig-...` with a `fig-cap`.
    """
    from IPython.display import display

    spec_path = Path(spec_path)
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    if svg_path is None:
        stem = spec_path.name
        for suffix in (".vl.json", ".json"):
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        svg_path = spec_path.with_name(stem + ".svg")
    svg_path = Path(svg_path)
    if svg_path.exists():
        svg = svg_path.read_text(encoding="utf-8")
    else:
        svg = _vegalite_to_svg(spec)
    mime = f"application/vnd.vegalite.v{_vegalite_major(spec)}+json"
    label = name or spec_path.name
    display({mime: spec, "image/svg+xml": svg, "text/plain": f"<chart {label}>"}, raw=True)


def _vegalite_to_svg(spec: Mapping) -> str:
    import vl_convert as vlc

    major = _vegalite_major(spec)
    versions = [v for v in vlc.get_vegalite_versions() if v.split(".")[0] == major]
    m = re.search(r"/v(\d+\.\d+)", str(spec.get("$schema", "")))
    version = m.group(1) if m and m.group(1) in versions else (versions[-1] if versions else None)
    return vlc.vegalite_to_svg(spec, vl_version=version) if version else vlc.vegalite_to_svg(spec)


# --------------------------------------------------------------------------- the kernel

_KERNEL_SETUP = r'''
def __r2p_setup__():
    import builtins, json, re

    def fmt(value):
        md = getattr(value, "_repr_markdown_", None)
        if callable(md):
            r = md()
            if isinstance(r, tuple):
                r = r[0]
            if r is not None:
                return json.dumps(["md", str(r)])
        return json.dumps(["text", value if isinstance(value, str) else str(value)])

    builtins.__r2p_fmt__ = fmt

    def reset():
        # a fresh namespace for the next document (like %reset -f, without its 0.2-0.5 s gc.collect)
        ip = get_ipython()
        ns, hidden = ip.user_ns, ip.user_ns_hidden
        for k in [k for k in ns if k not in hidden and not (k.startswith("__") and k.endswith("__"))]:
            del ns[k]
        # the output cache, cleared as displayhook.flush() does, without the full gc.collect()
        # it ends with (0.1-0.2 s per document once pandas or altair are loaded)
        dh = ip.displayhook
        for n in range(1, dh.prompt_count + 1):
            ns.pop("_%d" % n, None)
        if ns.get("_oh") is not None:
            ns["_oh"].clear()
        for attr in ("_", "__", "___"):
            setattr(dh, attr, "")

    builtins.__r2p_reset__ = reset

    def altair_bundle(chart):
        spec = chart.to_dict()
        m = re.search(r"/v(\d+)", str(spec.get("$schema", "")))
        return {"application/vnd.vegalite.v%s+json" % (m.group(1) if m else "5"): spec,
                "text/plain": "<altair chart>"}

    f = get_ipython().display_formatter.mimebundle_formatter
    for mod in ("altair.vegalite.v5.api", "altair.vegalite.v6.api"):
        f.for_type_by_name(mod, "TopLevelMixin", altair_bundle)

__r2p_setup__()
del __r2p_setup__
'''

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class CellError(Exception):
    def __init__(self, ename: str, evalue: str, traceback: list[str]):
        self.ename, self.evalue, self.traceback = ename, evalue, traceback
        super().__init__(f"{ename}: {evalue}")

    @property
    def last_line(self) -> str:
        lines = [ln for tb in self.traceback for ln in _ANSI.sub("", tb).splitlines() if ln.strip()]
        return lines[-1].strip() if lines else f"{self.ename}: {self.evalue}"


class KernelDied(RuntimeError):
    pass


class Kernel:
    """A Python Jupyter kernel kept warm across documents.

    Use as a context manager, or call `shutdown()`. Each document starts with
    a fresh namespace (like `%reset -f`) in its own directory; imported
    modules stay loaded, which is what makes the second document fast.
    """

    def __init__(self, *, startup_timeout: float = 120.0, cell_timeout: float = 1800.0):
        from jupyter_client.kernelspec import KernelSpec
        from jupyter_client.manager import KernelManager

        self.cell_timeout = cell_timeout
        self.documents = 0
        self._tmp = tempfile.mkdtemp(prefix="r2p-kernel-")
        km = KernelManager(transport="ipc")
        km.ip = os.path.join(self._tmp, "k")
        km.connection_file = os.path.join(self._tmp, "kernel.json")
        # this interpreter's ipykernel, whatever kernelspecs are installed
        km._kernel_spec = KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (r2p)",
            language="python",
        )
        env = dict(os.environ)
        env["PYTHONHASHSEED"] = "0"
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        env.setdefault("MPLBACKEND", "Agg")
        env["PYTHONPATH"] = os.pathsep.join([str(_REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
        km.start_kernel(env=env, cwd=self._tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.km = km
        self.kc = km.blocking_client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=startup_timeout)
            self.execute(_KERNEL_SETUP)
        except Exception:
            self.shutdown()
            raise

    def __enter__(self) -> "Kernel":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self.kc.stop_channels()
        with contextlib.suppress(Exception):
            self.km.shutdown_kernel(now=True)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def execute(self, code: str, *, user_expressions: dict[str, str] | None = None, timeout: float | None = None):
        """Run code; return (outputs, user_expressions). Raises CellError if the code raises."""
        outputs: list[dict] = []

        def hook(msg: dict) -> None:
            t, c = msg["msg_type"], msg["content"]
            if t == "stream":
                if outputs and outputs[-1]["type"] == "stream" and outputs[-1]["name"] == c["name"]:
                    outputs[-1]["text"] += c["text"]
                else:
                    outputs.append({"type": "stream", "name": c["name"], "text": c["text"]})
            elif t in ("display_data", "execute_result"):
                outputs.append({"type": "display", "data": c.get("data", {}), "metadata": c.get("metadata", {})})
            elif t == "clear_output":
                outputs.clear()

        import queue

        if not self.km.is_alive():
            raise KernelDied("the Jupyter kernel is not running")
        msg_id = self.kc.execute(code, store_history=False, allow_stdin=False,
                                 user_expressions=user_expressions or {}, stop_on_error=True)
        deadline = time.monotonic() + (timeout or self.cell_timeout)
        while True:  # outputs until the kernel is idle again (it sends the reply before that)
            try:
                msg = self.kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                if not self.km.is_alive():
                    raise KernelDied("the Jupyter kernel died while running this code") from None
                if time.monotonic() > deadline:
                    with contextlib.suppress(Exception):
                        self.km.interrupt_kernel()
                    raise TimeoutError from None
                continue
            if time.monotonic() > deadline:
                with contextlib.suppress(Exception):
                    self.km.interrupt_kernel()
                raise TimeoutError
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                break
            hook(msg)
        while True:
            try:
                reply = self.kc.get_shell_msg(timeout=10)
            except queue.Empty:
                raise KernelDied("no reply from the Jupyter kernel") from None
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") == "error":
            raise CellError(content.get("ename", "Error"), content.get("evalue", ""), content.get("traceback", []))
        return outputs, content.get("user_expressions", {})

    def start_document(self, directory: Path) -> None:
        code = f"import os as __o\n__o.chdir({str(directory)!r})\ndel __o\n"
        if self.documents:
            code = "__r2p_reset__()\n" + code
        self.execute(code)
        self.documents += 1


# --------------------------------------------------------------------------- configuration

# Keys the built-in engine understands. Anything else is a RenderError, so that
# an option Quarto would honour is never silently ignored.
_META_KEYS = {
    "title", "subtitle", "author", "date", "abstract", "summary-title", "series", "keywords",
    "lang", "bibliography", "csl", "reference-section-title", "number-sections", "toc",
    "toc-title", "toc-depth", "params", "execute", "format", "jupyter", "citeproc",
}
_FORMAT_KEYS = {
    "html": {"css", "embed-resources", "citeproc", "number-sections", "toc", "toc-title", "toc-depth",
             "reference-section-title", "summary-title", "csl", "bibliography"},
    "pdf": {"template-partials", "papersize", "margin", "fontsize", "mainfont", "columns", "section-numbering",
            "citeproc", "number-sections", "toc", "toc-title", "toc-depth", "reference-section-title",
            "summary-title", "csl", "bibliography"},
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

    from .io import yaml_loader

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
        raise RenderError(f"format {fmt_key!r} must be 'default' or a mapping of options", path=y.path, line=y.line("format", fmt_key))
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
                _check_keys(y, _as_format_options(y, name, opts), _FORMAT_KEYS[to] | {"execute"}, ("format", name), f"{name} option")


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
_XREF = re.compile(r"(?<![\w\\@])(?P<minus>-?)@(?P<kind>[Ff]ig|[Tt]bl|[Ss]ec)-(?P<name>[A-Za-z0-9_]+(?:[-:.][A-Za-z0-9_]+)*)")
_OTHER_XREF = re.compile(r"(?<![\w\\@])-?@(?P<kind>eq|lst|thm|lem|cor|prp|cnj|def|exm|exr|nte|tip|wrn|imp|cau|sol|rem)-[A-Za-z0-9_]")
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
        _check_keys(extension, contrib.get(key) or {}, allowed, ("contributes", "formats", key), f"extension {key} option")

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
            raise RenderError(f"duplicate label {label!r} (first used on line {float_lines[label]})", path=path, line=line)
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
                    path=path, line=lineno)
            if (o := _OTHER_XREF.search(seg)) is not None:
                raise RenderError(f"cross-reference type @{o.group('kind')}- is not supported by the built-in engine", path=path, line=lineno)

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
            raise RenderError("Quarto shortcodes ({{< ... >}}) are not supported by the built-in engine", path=path, line=lineno)

        def inline(m: re.Match) -> str:
            if m.group("lang") != "python":
                raise RenderError(f"inline code `{{{m.group('lang')}}} ...` is not supported (only `{{python}} expr`)", path=path, line=lineno)
            inlines.append(_Inline(lineno, m.group("expr")))
            pending_inlines.append(len(inlines) - 1)
            return f"\ue000I{len(inlines) - 1}\ue001"

        ln = _INLINE.sub(inline, ln)
        ln = xrefs(ln, lineno)

        # headings carrying a sec- label; figure images
        if (h := _HEADING.match(ln)) and h.group("attrs"):
            ident, classes, _ = _parse_attrs(h.group("attrs"))
            if ident and ident.startswith(("fig-", "tbl-")):
                raise RenderError(f"label {ident!r} on a heading: figures and tables need a python cell or an image", path=path, line=lineno)
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
        if (lab := re.search(r"\{[^}]*#(eq|lst|thm|lem|cor|prp|cnj|def|exm|exr|nte|tip|wrn|imp|cau|sol|rem)-", ln)):
            raise RenderError(f"#{lab.group(1)}- labels (Quarto cross-reference type) are not supported by the built-in engine",
                              path=path, line=lineno)
        if re.search(r"\{[^}]*#(?:fig|tbl)-", ln) and not _IMG_FIG.search(ln):
            raise RenderError("fig-/tbl- labels are supported on python cells and on images (![caption](file){#fig-x}) only", path=path, line=lineno)

        if (d := _DIV_OPEN.match(ln)) and d.group("spec"):
            spec = d.group("spec")
            ident, classes, kv = _parse_attrs(spec[1:-1]) if spec.startswith("{") else (None, [spec], {})
            if ident and ident.startswith(("fig-", "tbl-")):
                raise RenderError(f"figure/table divs (#{ident}) are not supported by the built-in engine: use a python cell", path=path, line=lineno)
            for c in classes:
                kind = c[len("callout-"):] if c.startswith("callout-") else None
                if kind in _CALLOUTS:
                    bad = set(kv) - {"title"}
                    if bad:
                        raise RenderError(f"callout attribute(s) {', '.join(sorted(bad))} not supported (only title=)", path=path, line=lineno)
                elif c.startswith(_QUARTO_DIV_PREFIXES):
                    raise RenderError(f"Quarto div class .{c} is not supported by the built-in engine", path=path, line=lineno)
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
                raise RenderError(f"executable ```{{{lang}}} cells are not supported (only ```{{python}})", path=path, line=lineno)
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
                    raise RenderError(f"{capkey} needs a '{prefix}' label on the same cell", path=path, line=option_lines.get(capkey, lineno))
            for key, ok, what in (("echo", lambda v: isinstance(v, bool), "true or false"),
                                  ("warning", lambda v: isinstance(v, bool), "true or false"),
                                  ("include", lambda v: isinstance(v, bool), "true or false"),
                                  ("output", lambda v: isinstance(v, bool) or v == "asis", "true, false or asis"),
                                  ("fig-cap", lambda v: isinstance(v, str), "a string"),
                                  ("tbl-cap", lambda v: isinstance(v, str), "a string"),
                                  ("fig-alt", lambda v: isinstance(v, str), "a string")):
                if key in cell.options and not ok(cell.options[key]):
                    raise RenderError(f"cell option {key} must be {what} for the built-in engine", path=path,
                                      line=option_lines.get(key, lineno))
            for capkey in ("fig-cap", "tbl-cap"):
                if capkey in cell.options:
                    cell.options[capkey] = xrefs(cell.options[capkey], option_lines.get(capkey, lineno))
            tags = cell.options.get("tags") or []
            if not isinstance(tags, list):
                raise RenderError("tags must be a list, e.g. [parameters]", path=path, line=option_lines.get("tags", lineno))
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
                raise RenderError(f"unknown cross-reference @{label} (no heading has {{#{label}}})", path=path, line=lineno)
        elif label not in floats:
            raise RenderError(f"unknown cross-reference @{label} (no cell or image is labelled {label})", path=path, line=lineno)
    return _Doc(path, front, project, extension, parts, inlines, floats, sections, body_line)


# --------------------------------------------------------------------------- execution


def _param_code(params: Mapping[str, Any], path: Path) -> str:
    lines = ["# injected parameters"]
    for k, v in params.items():
        if not str(k).isidentifier():
            raise RenderError(f"parameter name {k!r} is not a Python identifier", path=path)
        if isinstance(v, (_dt.date, _dt.datetime)):
            v = v.isoformat()
        lines.append(f"{k} = {v!r}")
    return "\n".join(lines) + "\n"


def _execute(doc: _Doc, kernel: Kernel, params: Mapping[str, Any]) -> None:
    kernel.start_document(doc.path.parent.resolve())
    cells = [p for p in doc.parts if isinstance(p, _Cell)]
    pcell = next((c for c in cells if "parameters" in (c.options.get("tags") or [])), None)
    if params and pcell is None:
        try:
            kernel.execute(_param_code(params, doc.path))
        except CellError as e:
            raise RenderError(f"injecting parameters failed: {e.last_line}", path=doc.path) from None
    for part in doc.parts:
        if isinstance(part, list):  # inline expressions in the following text
            exprs = {str(i): f"__r2p_fmt__({doc.inlines[i].expr})" for i in part}
            try:
                _, results = kernel.execute("", user_expressions=exprs)
            except TimeoutError:
                raise RenderError("inline expression timed out", path=doc.path, line=doc.inlines[part[0]].line) from None
            for i in part:
                r = results.get(str(i), {})
                il = doc.inlines[i]
                if r.get("status") != "ok":
                    raise RenderError(
                        f"inline expression `{{python}} {il.expr}` raised {r.get('ename', 'Error')}: {r.get('evalue', '')}",
                        path=doc.path, line=il.line)
                import ast

                kind, value = json.loads(ast.literal_eval(r["data"]["text/plain"]))
                il.value = value if kind == "md" else md_escape(value)
        elif isinstance(part, _Cell):
            try:
                part.outputs, _ = kernel.execute(part.code)
                if part is pcell and params:
                    kernel.execute(_param_code(params, doc.path))
            except CellError as e:
                raise RenderError(f"cell raised an exception: {e.last_line}", path=doc.path, line=part.line) from None
            except TimeoutError:
                raise RenderError(f"cell did not finish within {kernel.cell_timeout:.0f} s", path=doc.path, line=part.line) from None
            except KernelDied as e:
                raise RenderError(f"{e} (cell starting here)", path=doc.path, line=part.line) from None


# --------------------------------------------------------------------------- Markdown for one format

_VEGALITE = re.compile(r"^application/vnd\.vegalite\.v\d+\+json$")
_FIGURE_MIMES = ("vegalite", "image/svg+xml", "image/png", "image/jpeg")


def _fence(text: str, char: str = "`") -> str:
    runs = [len(r) for r in re.findall(re.escape(char) + "+", text)]
    return char * max(3, max(runs, default=0) + 1)


def _raw(fmt: str, content: str) -> str:
    f = _fence(content)
    return f"\n{f}{{={fmt}}}\n{content}\n{f}\n\n"


def _codeblock(text: str, classes: str) -> str:
    f = _fence(text)
    return f"\n{f} {{{classes}}}\n{text.rstrip(chr(10))}\n{f}\n\n"


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
        cid = f"r2p-vega-{self.n_charts}"
        spec_json = json.dumps(spec, sort_keys=True, separators=(",", ":"))
        spec_json = spec_json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        aria = f' aria-label="{_html.escape(alt, quote=True)}"' if alt else ""
        fallback = ""
        if svg:
            uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
            fallback = f'<noscript><img src="{uri}" alt="{_html.escape(alt or "", quote=True)}"></noscript>'
        return (
            f'<div id="{cid}" class="r2p-vega" role="img"{aria}>{fallback}</div>\n'
            f'<script type="application/json" id="{cid}-spec">{spec_json}</script>\n'
            f'<script>vegaEmbed("#{cid}", JSON.parse(document.getElementById("{cid}-spec").textContent), '
            f'{{"actions": false, "renderer": "svg"}}).catch(function (e) {{ console.error(e); }});</script>'
        )

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
                    "Markdown(analysis.render.md_table(df))", path=path, line=line)
            raise RenderError(f"cell output has no supported MIME type ({', '.join(sorted(data))})", path=path, line=line)
        if self.to == "pdf" and mime == "text/plain" and "text/html" in data and "<table" in str(data["text/html"]):
            raise RenderError(
                "a DataFrame's HTML table cannot go into the PDF: display it with Markdown(analysis.render.md_table(df))",
                path=path, line=line)
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
                raise RenderError(f"cell labelled {label} must display exactly one {what}; it displayed {len(main)}",
                                  path=self.doc.path, line=cell.line)
            pieces.append(self._float(label, kind, opts, main[0][1], cell))
        return "".join(pieces)

    def _float(self, label: str, kind: str, opts: dict, content: str, cell: _Cell) -> str:
        n = self.doc.floats[label][1]
        name = _XREF_KINDS[kind]
        cap = str(opts.get(f"{kind}-cap") or "").strip()
        caption = f"{name}\u00a0{n}" + (f": {cap}" if cap else "")
        if self.to == "html":
            pos = "bottom" if kind == "fig" else "top"
            open_ = (f'<div id="{label}" class="quarto-float quarto-figure quarto-figure-center anchored">\n'
                     f'<figure class="quarto-float quarto-float-{kind} figure">')
            capopen = f'<figcaption class="quarto-float-caption-{pos} quarto-float-caption quarto-float-{kind}" id="{label}-caption">'
            body = [_raw("html", f'<div aria-describedby="{label}-caption">'), content, _raw("html", "</div>")]
            cap_md = [_raw("html", capopen), f"\n\n{caption}\n\n", _raw("html", "</figcaption>")]
            parts = [_raw("html", open_)] + (body + cap_md if kind == "fig" else cap_md + body) + [_raw("html", "</figure>\n</div>")]
            return "".join(parts)
        if kind == "fig":
            m = re.search("\ue002(.*?)\ue003", content)
            if not m:
                raise RenderError(f"cell labelled {label} displayed no image for the PDF", path=self.doc.path, line=cell.line)
            return f"\n\n![{caption}](<{m.group(1)}>){{#{label}}}\n\n"
        table = content.strip("\n")
        if not table.lstrip().startswith(("|", "+-")):
            raise RenderError(
                f"cell labelled {label}: the PDF needs a Markdown table (Markdown(md_table(df))), not HTML",
                path=self.doc.path, line=cell.line)
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
        is_callout = bool(d and d.group("spec") and re.search(r"callout-(note|tip|important|warning|caution)", d.group("spec")))
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
                    path=doc.path, line=line)
        else:
            num = str(doc.floats[v][1])
        text = num if t == "N" else f"{_XREF_KINDS[kind]}\u00a0{num}"
        return f"[{text}](#{v}){{.quarto-xref}}"

    return _TOKEN.sub(sub, md)


# --------------------------------------------------------------------------- pandoc and Typst

_LUA_FILTER = r'''
-- r2p built-in engine (analysis/render.py): per-format blocks, callouts, image paths for Typst.
local kinds = { note = "Note", tip = "Tip", important = "Important", warning = "Warning", caution = "Caution" }
local docdir = nil

local function title_inlines(s)
  local d = pandoc.read(s, "markdown")
  if #d.blocks > 0 and (d.blocks[1].t == "Para" or d.blocks[1].t == "Plain") then
    return d.blocks[1].content
  end
  return pandoc.Inlines({})
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local function callout(el, kind)
  local body = el.content:clone()
  local title = nil
  if el.attributes["title"] then
    title = title_inlines(el.attributes["title"])
  elseif #body > 0 and body[1].t == "Header" then
    title = body[1].content
    body:remove(1)
  end
  if title == nil then title = pandoc.Inlines({ pandoc.Str(kinds[kind]) }) end
  if FORMAT:match("typst") then
    -- citeproc has already formatted citations (pass 1); write their text, not Typst `@key`
    local resolved = { Cite = function(c) return c.content end }
    title = pandoc.Inlines(title):walk(resolved)
    body = body:walk(resolved)
    local t = trim(pandoc.write(pandoc.Pandoc({ pandoc.Plain(title) }), "typst"))
    local b = pandoc.write(pandoc.Pandoc(body), "typst")
    return pandoc.RawBlock("typst",
      '#policybrief-callout(kind: "' .. kind .. '", title: [' .. t .. '])[\n' .. b .. '\n]')
  end
  local header = pandoc.Div({ pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr("", { "callout-title-container" })) },
    pandoc.Attr("", { "callout-header" }))
  local content = pandoc.Div(body, pandoc.Attr("", { "callout-body-container", "callout-body" }))
  return pandoc.Div({ header, content },
    pandoc.Attr(el.identifier, { "callout", "callout-style-default", "callout-" .. kind, "callout-titled" }))
end

return {
  { Meta = function(m) if m["r2p-docdir"] then docdir = pandoc.utils.stringify(m["r2p-docdir"]) end end },
  {
    Image = function(img)
      if FORMAT:match("typst") and docdir and not img.src:match("^/") and not img.src:match("^%a[%w+.-]*:") then
        img.src = docdir .. "/" .. img.src
      end
      return img
    end,
  },
  {
    Div = function(el)
      for _, c in ipairs(el.classes) do
        local only = c:match("^r2p%-only%-(%a+)$")
        if only then
          local mine = (only == "html" and FORMAT:match("html")) or (only == "pdf" and FORMAT:match("typst"))
          if mine then return el.content else return {} end
        end
      end
      for _, c in ipairs(el.classes) do
        local kind = c:match("^callout%-(%a+)$")
        if kind and kinds[kind] then return callout(el, kind) end
      end
    end,
  },
}
'''

# What pandoc's Typst output presupposes, then the extension's partials -- the
# same order as Quarto's own template.typ (definitions, template, show, body).
_TYPST_TEMPLATE = r'''// Built-in engine template (analysis/render.py); the layout is in the
// policybrief extension's partials, shared with Quarto.
#let horizontalrule = line(start: (25%,0%), end: (75%,0%))
#let endnote(num, contents) = [#stack(dir: ltr, spacing: 3pt, super[#num], contents)]
#show terms.item: it => block(breakable: false)[
  #text(weight: "bold")[#it.term]
  #block(inset: (left: 1.5em, top: -0.4em))[#it.description]
]
#set table(inset: 6pt, stroke: none)
#show figure.where(kind: table): set figure.caption(position: top)
#show figure.where(kind: image): set figure.caption(position: bottom)
// captions already read "Figure 1: ..." (numbered in document order, like Quarto)
#set figure(numbering: none)
$if(highlighting-definitions)$
$highlighting-definitions$
$endif$

$typst-template.typ()$

$for(header-includes)$
$header-includes$
$endfor$

$typst-show.typ()$

$body$
'''

_HTML_TEMPLATE = r'''<!DOCTYPE html>
<html lang="$if(lang)$$lang$$else$en$endif$">
<head>
<meta charset="utf-8">
<meta name="generator" content="r2p-evidence built-in engine (pandoc)">
<meta name="viewport" content="width=device-width, initial-scale=1">
$for(author-meta)$
<meta name="author" content="$author-meta$">
$endfor$
$if(date-meta)$
<meta name="dcterms.date" content="$date-meta$">
$endif$
<title>$pagetitle$</title>
$for(css)$
<link rel="stylesheet" href="$css$">
$endfor$
<meta name="r2p-vega-bundle" content="">
$for(header-includes)$
$header-includes$
$endfor$
</head>
<body class="policybrief">
<div class="policybrief-page">
<header id="title-block-header" class="quarto-title-block">
$if(series)$
<p class="series">$series$</p>
$endif$
$if(title)$
<h1 class="title">$title$</h1>
$endif$
$if(subtitle)$
<p class="subtitle lead">$subtitle$</p>
$endif$
<div class="quarto-title-meta">
$if(by-author)$
<p class="authors">$for(by-author)$<span class="author">$it.name.literal$</span>$if(it.affiliations)$ <span class="affiliation">($for(it.affiliations)$$it.name$$sep$, $endfor$)</span>$endif$$sep$, $endfor$</p>
$endif$
$if(date)$
<p class="date">$date$</p>
$endif$
</div>
</header>
$if(abstract)$
<div class="abstract">
<div class="block-title">$if(summary-title)$$summary-title$$else$Summary$endif$</div>
$abstract$
</div>
$endif$
$if(toc)$
<nav id="TOC" role="doc-toc">
$if(toc-title)$
<h2 id="toc-title">$toc-title$</h2>
$endif$
$table-of-contents$
</nav>
$endif$
<main class="content" id="quarto-document-content">
$body$
</main>
</div>
</body>
</html>
'''


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
        return int(d.replace(tzinfo=_dt.timezone.utc).timestamp())
    return 0


def _format_date(d: Any, meta: Mapping) -> str:
    if isinstance(d, str) and d.strip().lower() in ("today", "now", "last-modified"):
        d = _dt.datetime.fromtimestamp(_source_date_epoch({}), _dt.timezone.utc).date() if os.environ.get("SOURCE_DATE_EPOCH") else _dt.date.today()
    if isinstance(d, str):
        with contextlib.suppress(ValueError):
            d = _dt.date.fromisoformat(d.strip())
    if isinstance(d, _dt.datetime):
        d = d.date()
    if isinstance(d, _dt.date):
        return f"{d:%B} {d.day}, {d.year}"
    return str(d)


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
    for k in ("title", "subtitle", "abstract", "series", "summary-title", "lang", "reference-section-title",
              "toc", "toc-title", "toc-depth", "keywords"):
        if m.get(k) not in (None, ""):
            meta[k] = resolve(m[k]) if isinstance(m[k], str) else m[k]
    if m.get("date") not in (None, ""):
        meta["date"] = _format_date(m["date"], m)
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
                    raise RenderError(f"{k} file not found: {p}", path=doc.front.path if k in doc.front.data else None,
                                      line=doc.front.line(k))
                resolved.append(str(p))
            meta[k] = resolved if k == "bibliography" else resolved[0]
    if to == "pdf":
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


_vega_bundle_cache: str | None = None
_typst_compiler_cache: Any = None


def _typst_compiler():
    """One Typst compiler per process: it scans the fonts once (0.2 s), not per document.

    Root is "/" so that images anywhere (the build directory, the document's
    directory) can be included by absolute path.
    """
    global _typst_compiler_cache
    if _typst_compiler_cache is None:
        import typst

        _typst_compiler_cache = typst.Compiler(root="/")
    return _typst_compiler_cache



def _vega_bundle() -> str:
    """vega + vega-lite + vega-embed as one script (vl-convert bundles it; cached on disk: ~7 s to build)."""
    global _vega_bundle_cache
    if _vega_bundle_cache is not None:
        return _vega_bundle_cache
    import vl_convert as vlc

    cache_dir = Path(os.environ.get("R2P_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "r2p-evidence")
    f = cache_dir / f"vega-bundle-vlconvert-{vlc.__version__}.js"
    if f.is_file():
        js = f.read_text(encoding="utf-8")
    else:
        js = vlc.javascript_bundle()
        with contextlib.suppress(OSError):
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = f.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(js, encoding="utf-8")
            os.replace(tmp, f)
    js = js.replace("</script", "<\\/script")
    _vega_bundle_cache = js
    return js


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
        raise RenderError(f"missing resource {m.group(1).strip()}", path=doc.path, line=_find_line(doc, m.group(1).strip()))
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


def _remove(paths: Iterable[Path]) -> None:
    # never leave an output that looks complete (not even one from an earlier run)
    for f in paths:
        with contextlib.suppress(FileNotFoundError):
            f.unlink()


def _prepare(doc_path: Path, to: Sequence[str], out_dir: Path, params: Mapping[str, Any] | None,
             output_name: str | None, metadata: Mapping[str, Any] | None = None) -> _Job:
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
                raise RenderError("the built-in engine formats citations with pandoc's citeproc; remove citeproc: false", path=doc.path)
            if cfg.meta.get("embed-resources") is False:
                raise RenderError("the built-in engine always writes self-contained HTML; remove embed-resources: false", path=doc.path)
    except BaseException:
        _remove(finals)
        raise
    return _Job(doc, list(to), out_dir, stem, finals, cfgs, merged, {"parse": time.perf_counter() - t0})


def _execute_job(job: _Job, kernel: Kernel) -> None:
    t = time.perf_counter()
    try:
        _execute(job.doc, kernel, job.params)
    except BaseException:
        _remove(job.finals)
        raise
    job.times["execute"] = time.perf_counter() - t


def _convert_job(job: _Job) -> list[Path]:
    try:
        return _convert(job)
    except BaseException:
        _remove(job.finals)
        raise


# ------------------------------------------------------------------ frozen execution
#
# Like Quarto's freeze: the outputs of one execution (cell outputs, inline values) stored
# as JSON, so that a document can be converted later without a kernel. The briefs use
# it: one warm kernel executes all of them (`r2p render --each ... --execute-only
# --freeze-dir DIR`), then one job per brief converts its record (`--frozen DIR/<slug>.json`).
# A record names the document's SHA-256 and the parameters; a mismatch is an error.

FREEZE_VERSION = 1


def _doc_sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _freeze_record(job: _Job) -> dict:
    cells = [p.outputs for p in job.doc.parts if isinstance(p, _Cell)]
    return {"version": FREEZE_VERSION, "document": job.doc.path.name, "sha256": _doc_sha256(job.doc.path),
            "params": json.loads(json.dumps(job.params, default=str)), "cells": cells,
            "inlines": [il.value for il in job.doc.inlines]}


def _write_freeze(job: _Job, dest: Path) -> Path:
    from .io import write_json

    return write_json(_freeze_record(job), dest)


def _thaw(job: _Job, frozen: Path) -> None:
    """Put a frozen execution's outputs into the parsed document (no kernel)."""
    try:
        rec = json.loads(Path(frozen).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RenderError(f"frozen execution {frozen} does not exist", path=job.doc.path) from None
    except json.JSONDecodeError as e:
        raise RenderError(f"frozen execution {frozen} is not valid JSON: {e}", path=job.doc.path) from None
    cells = [p for p in job.doc.parts if isinstance(p, _Cell)]
    params = json.loads(json.dumps(job.params, default=str))
    why = None
    if rec.get("version") != FREEZE_VERSION:
        why = f"record version {rec.get('version')!r}, engine expects {FREEZE_VERSION}"
    elif rec.get("sha256") != _doc_sha256(job.doc.path):
        why = "the document changed since it was executed"
    elif rec.get("params") != params:
        why = f"parameters differ (frozen {rec.get('params')!r}, now {params!r})"
    elif len(rec.get("cells", [])) != len(cells) or len(rec.get("inlines", [])) != len(job.doc.inlines):
        why = "the number of cells or inline expressions differs"
    if why:
        raise RenderError(f"frozen execution {frozen} is stale: {why}; execute the document again",
                          path=job.doc.path)
    for cell, outputs in zip(cells, rec["cells"]):
        cell.outputs = outputs
    for il, value in zip(job.doc.inlines, rec["inlines"]):
        il.value = value  # Markdown, as `_execute` stored it
    job.times["execute"] = 0.0


def _builtin(doc_path: Path, to: Sequence[str], out_dir: Path, params: Mapping[str, Any] | None,
             kernel: Kernel | None, output_name: str | None, metadata: Mapping[str, Any] | None = None,
             frozen: Path | None = None) -> list[Path]:
    job = _prepare(doc_path, to, out_dir, params, output_name, metadata)
    has_code = any(isinstance(p, _Cell) for p in job.doc.parts) or bool(job.doc.inlines)
    if frozen is not None and has_code:
        try:
            _thaw(job, frozen)
        except BaseException:
            _remove(job.finals)
            raise
        return _convert_job(job)
    own = kernel is None and has_code
    if not has_code:
        return _convert_job(job)
    try:
        if own:
            kernel = Kernel()
        _execute_job(job, kernel)
    except BaseException:
        _remove(job.finals)
        raise
    finally:
        if own and kernel is not None:
            kernel.shutdown()
    return _convert_job(job)


# a resource a page would load (not a link): anything but a data: URI or a fragment
_RESOURCE_REF = re.compile(r"<(?:script|link|img|iframe|source|embed|object|video|audio|input)\b[^>]*?"
                           r"\b(?:src|href|data)=[\"']?(?!data:|#)([^\"' >]+)", re.I)
_REMOTE = re.compile(r"(?:https?:)?//", re.I)
_LOADING_TAGS = {"script", "link", "img", "iframe", "source", "embed", "object", "video", "audio", "input"}


def _resource_ref(html: str) -> tuple[str, str] | None:
    """The first resource a page would load, as (tag, URL): a `src`/`href`/`data` attribute of
    a loading tag that is not a data: URI or a fragment. Attributes are parsed, so text
    that merely contains `src=` (escaped in the page, in an alt text or a data-src) is not one."""
    from html.parser import HTMLParser

    found: list[tuple[str, str]] = []

    class _P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if found or tag not in _LOADING_TAGS:
                return
            for k, v in attrs:
                if k in ("src", "href", "data") and v and not v.startswith(("data:", "#")):
                    found.append((self.get_starttag_text() or f"<{tag}>", v))
                    return

        handle_startendtag = handle_starttag

    parser = _P(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return found[0] if found else None

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
        metas = {t: _pandoc_meta(doc, cfgs[t], t, lambda v, c=cfgs[t]: _resolve_tokens(v, doc, c, sections)) for t in to}
        # Pass 1 (once): read the Markdown and format citations -> pandoc AST.
        # Keys that citeproc or the title block need must agree between formats.
        common = {k: v for k, v in metas[to[0]].items() if all(metas[t].get(k) == v for t in to)}
        for k in ("bibliography", "csl", "reference-section-title", "lang"):
            if any(metas[t].get(k) != metas[to[0]].get(k) for t in to):
                raise RenderError(f"the built-in engine needs the same {k!r} for all formats", path=doc.path)
        common_file = build / f"{stem}.meta.json"
        common_file.write_text(json.dumps(common, sort_keys=True, indent=1), encoding="utf-8")
        ast = build / f"{stem}.ast.json"
        args = [str(src), "--from", "markdown", "--metadata-file", str(common_file), "--to", "json", "--output", str(ast)]
        if first.meta.get("bibliography"):
            args.insert(-4, "--citeproc")
        _check_pandoc(_run_pandoc(args, cwd=cwd, doc=doc), doc, "citations")
        # Pass 2 (per format, in parallel): write HTML / Typst.
        for t in to:
            cfg = cfgs[t]
            meta_file = build / f"{stem}.{t}.meta.json"
            meta_file.write_text(json.dumps({k: v for k, v in metas[t].items() if k not in common},
                                            sort_keys=True, indent=1), encoding="utf-8")
            args = [str(ast), "--from", "json", "--metadata-file", str(meta_file), "--standalone",
                    "--resource-path", str(cwd), "--lua-filter", str(lua)]
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
                args += ["--to", "html5", "--template", str(tpl), "--section-divs",
                         "--output", str(build / f"{stem}.html")]
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
                    raise RenderError(f"HTML would load {where} resource (it must be self-contained): "
                                      f"{bad[0][:120]}", path=doc.path)
                with _LOCK:
                    bundle = _vega_bundle() if n_charts else ""
                inject = f"<script>{bundle}</script>" if n_charts else ""
                html, n_marks = re.subn(r'<meta name="r2p-vega-bundle"[^>]*>\n?', lambda _: inject, html, count=1)
                if n_marks != 1:
                    raise RenderError("HTML template lost its script marker", path=doc.path)
                tmp = build / f"{stem}.final.html"
                tmp.write_text(html, encoding="utf-8")
                tmp_outputs[t] = tmp
            else:
                pdf = build / f"{stem}.pdf"
                try:
                    with _LOCK:
                        _typst_compiler().compile(input=str(build / f"{stem}.typ"), output=str(pdf),
                                                  timestamp=_source_date_epoch(cfgs[t].meta))
                except Exception as e:  # typst.TypstError
                    diag = str(getattr(e, "diagnostic", None) or getattr(e, "message", None) or e)
                    lines = diag.splitlines()
                    first = next((i for i, ln in enumerate(lines) if ln.startswith("error")), 0)
                    msg = "\n".join(lines[first:first + 12])
                    raise RenderError(f"Typst failed: {msg}", path=doc.path) from None
                tmp_outputs[t] = pdf
        # all formats done: move into place (same file system: atomic renames)
        for t, final in zip(to, finals):
            os.replace(tmp_outputs[t], final)
        log.info("rendered %s -> %s (parse %.2fs, execute %.2fs, convert %.2fs)", doc.path,
                 ", ".join(p.name for p in finals), job.times.get("parse", 0), job.times.get("execute", 0),
                 time.perf_counter() - t2)
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


# --------------------------------------------------------------------------- Quarto CLI


def _quarto_render(doc: Path, to: Sequence[str], out_dir: Path, params: Mapping[str, Any] | None,
                   output_name: str | None, metadata: Mapping[str, Any] | None = None) -> list[Path]:
    quarto = shutil.which("quarto")
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = output_name or doc.stem
    staging = Path(tempfile.mkdtemp(prefix=f".{stem}-quarto-", dir=out_dir))
    finals = [out_dir / f"{stem}{_EXT_OF[t]}" for t in to]
    ok = False
    try:
        # YAML `params` are defaults here too (as in the built-in engine); the caller's win
        yaml_text, body_line, _ = _split_front_matter(doc.read_text(encoding="utf-8"), doc)
        merged = dict((_load_yaml(yaml_text, doc, 2).data.get("params") or {}) if body_line > 1 else {})
        merged.update(params or {})
        produced = []
        for t in to:
            cmd = [quarto, "render", str(doc), "--to", FORMATS[t], "--output-dir", str(staging),
                   "--output", f"{stem}{_EXT_OF[t]}"]
            for k, v in merged.items():
                cmd += ["-P", f"{k}:{json.dumps(v)}"]
            for k, v in (metadata or {}).items():
                cmd += ["-M", f"{k}:{json.dumps(v)}"]
            r = subprocess.run(cmd, cwd=doc.parent, capture_output=True, text=True)
            if r.returncode != 0:
                raise RenderError(f"quarto render failed:\n{r.stderr.strip()[-4000:]}", path=doc)
            p = staging / f"{stem}{_EXT_OF[t]}"
            if not p.is_file():
                raise RenderError(f"quarto render did not produce {p.name}", path=doc)
            produced.append(p)
        for p, final in zip(produced, finals):
            os.replace(p, final)
        ok = True
        return finals
    finally:
        if not ok:
            for f in finals:
                with contextlib.suppress(FileNotFoundError):
                    f.unlink()
        shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------- public API


def _normalise_to(to: str | Iterable[str]) -> list[str]:
    items = [s.strip() for s in to.split(",")] if isinstance(to, str) else [str(s).strip() for s in to]
    alias = {"html": "html", "pdf": "pdf", "typst": "pdf", FORMATS["html"]: "html", FORMATS["pdf"]: "pdf"}
    out = []
    for s in items:
        if s not in alias:
            raise ValueError(f"unknown output format {s!r}: use html and/or pdf")
        if alias[s] not in out:
            out.append(alias[s])
    if not out:
        raise ValueError("no output format given")
    return out


def _use_quarto(engine: str) -> bool:
    if engine == "quarto":
        if not shutil.which("quarto"):
            raise RenderError("engine='quarto' but the quarto CLI is not on PATH")
        return True
    if engine == "builtin":
        return False
    if engine == "auto":
        return shutil.which("quarto") is not None
    raise ValueError(f"unknown engine {engine!r}: use auto, quarto or builtin")


def render(doc: str | os.PathLike, to: str | Iterable[str] = ("html", "pdf"), out_dir: str | os.PathLike | None = None,
           params: Mapping[str, Any] | None = None, kernel: Kernel | None = None, engine: str = "auto",
           output_name: str | None = None, metadata: Mapping[str, Any] | None = None,
           frozen: str | os.PathLike | None = None) -> list[Path]:
    """Render one Quarto document; return the output paths (one per format in `to`).

    to:          "html", "pdf" (comma-separated string or sequence).
    out_dir:     default: the document's directory.
    params:      override the document's parameters (its `#| tags: [parameters]` cell).
    kernel:      a warm `Kernel` to reuse (built-in engine); default: start one and shut it down.
    engine:      "auto" (quarto if on PATH, else built-in), "quarto" or "builtin".
    output_name: file stem of the outputs (default: the document's stem).
    metadata:    document metadata over the front matter (`quarto render -M key:value`),
                 e.g. a computed title; string values are Markdown, as in the front matter.
    frozen:      built-in engine: convert the outputs of an earlier execution (a record
                 written by `execute_many`) instead of executing; ignored by `quarto`.
    """
    doc = Path(doc).resolve()
    formats = _normalise_to(to)
    out = Path(out_dir).resolve() if out_dir is not None else doc.parent
    if _use_quarto(engine):
        return _quarto_render(doc, formats, out, params, output_name, metadata)
    return _builtin(doc, formats, out, params, kernel, output_name, metadata,
                    Path(frozen) if frozen is not None else None)


def render_many(jobs: Iterable[tuple], to: str | Iterable[str] = ("html", "pdf"), out_dir: str | os.PathLike | None = None,
                engine: str = "auto", kernel: Kernel | None = None) -> list[list[Path]]:
    """Render many documents, reusing ONE warm kernel (built-in engine).

    Each job is (doc, params) or (doc, params, output_name), e.g. one brief per
    case: [("reports/brief.qmd", {"case": c}, f"brief-{c}") for c in cases].
    Documents execute one after another in the kernel while the previous
    one's pandoc/Typst conversion runs alongside. Stops at the first failure
    (RenderError); outputs of documents already finished are kept.
    """
    jobs = [tuple(j) for j in jobs]
    formats = _normalise_to(to)
    seen: dict[Path, int] = {}
    for i, j in enumerate(jobs):
        d = Path(j[0]).resolve()
        target = (Path(out_dir).resolve() if out_dir is not None else d.parent) / (j[2] if len(j) > 2 and j[2] else d.stem)
        if target in seen:
            raise ValueError(f"jobs {seen[target]} and {i} would both write {target}.*: give each an output name")
        seen[target] = i
    if _use_quarto(engine):
        return [render(j[0], formats, out_dir, j[1] if len(j) > 1 else None, engine="quarto",
                       output_name=j[2] if len(j) > 2 else None) for j in jobs]
    from concurrent.futures import ThreadPoolExecutor

    own = kernel is None
    if own and jobs:
        kernel = Kernel()
    futures: list = []
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            try:
                for j in jobs:
                    doc = Path(j[0]).resolve()
                    out = Path(out_dir).resolve() if out_dir is not None else doc.parent
                    job = _prepare(doc, formats, out, j[1] if len(j) > 1 else None, j[2] if len(j) > 2 else None)
                    _execute_job(job, kernel)
                    for f in futures:  # surface a failed conversion before executing more
                        if f.done() and f.exception() is not None:
                            raise f.exception()
                    futures.append(pool.submit(_convert_job, job))
                return [f.result() for f in futures]
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    finally:
        if own and kernel is not None:
            kernel.shutdown()


def execute_many(jobs: Iterable[tuple], freeze_dir: str | os.PathLike, kernel: Kernel | None = None) -> list[Path]:
    """Execute documents in ONE warm kernel and freeze their outputs (built-in engine).

    Jobs as in `render_many`: (doc, params[, output_name]). Writes
    `freeze_dir/<output_name or doc stem>.json` per job (see `_thaw`); nothing is
    converted. Stops at the first failure; the record of the failing job is not written.
    """
    jobs = [tuple(j) for j in jobs]
    out = Path(freeze_dir).resolve()
    names = [j[2] if len(j) > 2 and j[2] else Path(j[0]).stem for j in jobs]
    if len(set(names)) != len(names):
        raise ValueError("two jobs would write the same frozen record: give each an output name")
    own = kernel is None
    if own and jobs:
        kernel = Kernel()
    written = []
    try:
        for j, name in zip(jobs, names):
            doc = Path(j[0]).resolve()
            job = _prepare(doc, ["html"], out, j[1] if len(j) > 1 else None, name)
            _execute_job(job, kernel)
            written.append(_write_freeze(job, out / f"{name}.json"))
        return written
    finally:
        if own and kernel is not None:
            kernel.shutdown()
