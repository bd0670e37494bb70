"""A frozen execution as a Jupyter notebook that Quarto renders without executing.

The workflow executes every brief once, in one warm kernel (`execute_many`), and freezes
the outputs. The built-in engine converts those records directly (`_thaw`); for Quarto
this module writes each record as an executed `.ipynb` (the document's own cells with
their outputs, the inline values in the text), which `quarto render` converts without a
kernel (Quarto does not execute notebooks unless told to). The notebook carries what
Quarto's own execution of the `.qmd` would have given it: the front matter (with the
caller's metadata) as the first raw cell, the `#|` cell options in the cells, execution
counts as a papermill run numbers them (the injected-parameters cell counts), and each
chart's `text/markdown` form (`show_chart` adds it only when run outside the built-in
engine's kernel).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .base import RenderError
from .charts import _chart_markdown
from .document import _FENCE, _INLINE, _dump_front, _load_yaml, _split_front_matter
from .execute import _load_frozen

_PYTHON_CELL = re.compile(r"^\{\s*python\s*\}$")
_VEGALITE = re.compile(r"^application/vnd\.vegalite\.v\d+\+json$")


def _blocks(lines: list[str], doc: Path, body_line: int) -> list[tuple[str, str]]:
    """The body as ("text", Markdown), ("verbatim", an ordinary code block) and ("code", a
    python cell's source) pieces, in order. Inline expressions live in text pieces only."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            out.append(("text", lines[i] + "\n"))
            i += 1
            continue
        fence = m.group("fence")
        close = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j >= len(lines):
            raise RenderError("code block is never closed", path=doc, line=body_line + i)
        if _PYTHON_CELL.match(m.group("info").strip()):
            out.append(("code", "\n".join(lines[i + 1 : j])))
        else:
            out.append(("verbatim", "\n".join(lines[i : j + 1]) + "\n"))
        i = j + 1
    return out


def _outputs(recorded: list[dict], count: int, charts: list[int]) -> list[dict]:
    import nbformat

    outs = []
    for o in recorded:
        if o["type"] == "stream":
            outs.append(nbformat.v4.new_output("stream", name=o["name"], text=o["text"]))
            continue
        data = dict(o["data"])
        vl = next((k for k in data if _VEGALITE.match(k)), None)
        if vl is not None and "image/svg+xml" in data and "text/markdown" not in data:
            charts[0] += 1
            data["text/markdown"] = _chart_markdown(data[vl], data["image/svg+xml"], charts[0])
        if o.get("result"):
            outs.append(
                nbformat.v4.new_output(
                    "execute_result", data=data, metadata=o.get("metadata", {}), execution_count=count
                )
            )
        else:
            outs.append(nbformat.v4.new_output("display_data", data=data, metadata=o.get("metadata", {})))
    return outs


def frozen_notebook(
    doc: str | Path,
    frozen: str | Path,
    params: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Any:
    """The executed notebook (an nbformat node) of `doc` from its frozen record `frozen`.

    `params` are the parameters the record must have been executed with (a stale record
    is an error, as for the built-in engine); `metadata` goes over the front matter
    (string values are Markdown).
    """
    import nbformat

    doc = Path(doc)
    text = doc.read_text(encoding="utf-8").replace("\r\n", "\n")
    yaml_text, body_line, lines = _split_front_matter(text, doc)
    front = dict(_load_yaml(yaml_text, doc, 2).data) if body_line > 1 else {}
    merged = dict(front.get("params") or {})
    merged.update(params or {})
    blocks = _blocks(lines, doc, body_line)
    n_inlines = sum(len(_INLINE.findall(t)) for kind, t in blocks if kind == "text")
    n_cells = sum(kind == "code" for kind, _ in blocks)
    rec = _load_frozen(Path(frozen), doc, merged, n_cells, n_inlines)
    if metadata:  # the front matter as written, unless metadata goes over it (as for the .qmd)
        front.update(
            {
                k: (v.isoformat() if isinstance(v, (_dt.date, _dt.datetime)) else str(v) if isinstance(v, str) else v)
                for k, v in metadata.items()
            }
        )
        yaml_text = _dump_front(front).rstrip("\n")
    cells = [nbformat.v4.new_raw_cell(f"---\n{yaml_text}\n---")] if yaml_text.strip() else []
    inlines = iter(rec["inlines"])
    recorded = iter(rec["cells"])
    count, charts, md = 0, [0], []

    def flush() -> None:
        body = "".join(md).strip("\n")
        if body:
            cells.append(nbformat.v4.new_markdown_cell(body))
        md.clear()

    for kind, body in blocks:
        if kind != "code":  # inline values (Markdown, as Quarto inserts them) replace their expressions
            md.append(_INLINE.sub(lambda m: next(inlines), body) if kind == "text" else body)
            continue
        flush()
        count += 1
        cell = nbformat.v4.new_code_cell(body, execution_count=count)
        cell.outputs = _outputs(next(recorded), count, charts)
        cells.append(cell)
        if params and re.search(r"(?m)^#\|\s*tags:.*\bparameters\b", body):
            count += 1  # the injected-parameters cell (executed, not shown)
    flush()
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write_frozen_notebook(dest: str | Path, *args, **kwargs) -> Path:
    """`frozen_notebook(*args, **kwargs)` written to `dest` (deterministic: no cell ids vary)."""
    import nbformat

    nb = frozen_notebook(*args, **kwargs)
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    dest = Path(dest)
    nbformat.write(nb, str(dest))
    return dest
