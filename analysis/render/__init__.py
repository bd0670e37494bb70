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

import logging
import os
import shutil
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

# `from .x import _y as _y`: an internal that tests reach through the package (explicit re-export)
from .base import _REPO as _REPO
from .base import EXTENSION, FORMATS, RenderError, _remove
from .charts import chart_html, show_chart
from .convert import _TYPST_TEMPLATE as _TYPST_TEMPLATE
from .convert import _convert_job, declared_date
from .document import _Cell, _prepare
from .document import _parse as _parse
from .execute import _execute_job, _thaw, _write_freeze
from .kernel import CellError, Kernel, KernelDied
from .markdown import EscapedMarkdown, md_escape, md_table, quarto_inline_markdown
from .quarto import _quarto_render, _quarto_render_frozen_many
from .selfcontained import _RESOURCE_REF as _RESOURCE_REF
from .selfcontained import _resource_ref as _resource_ref
from .selfcontained import _vega_bundle as _vega_bundle

log = logging.getLogger("r2p.render")

__all__ = [
    "EXTENSION",
    "FORMATS",
    "CellError",
    "EscapedMarkdown",
    "Kernel",
    "KernelDied",
    "RenderError",
    "chart_html",
    "declared_date",
    "execute_many",
    "md_escape",
    "md_table",
    "quarto_inline_markdown",
    "render",
    "render_frozen_many",
    "render_many",
    "show_chart",
]


def _builtin(
    doc_path: Path,
    to: Sequence[str],
    out_dir: Path,
    params: Mapping[str, Any] | None,
    kernel: Kernel | None,
    output_name: str | None,
    metadata: Mapping[str, Any] | None = None,
    frozen: Path | None = None,
) -> list[Path]:
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
        if own and kernel is not None:
            kernel.shutdown()
        raise
    if not own:
        return _convert_job(job)
    # our own kernel is done: stop it while the document converts (about 0.1 s off the wall
    # time), and wait for it before returning, so that no kernel outlives the render
    stopper = threading.Thread(target=kernel.shutdown, name="r2p-kernel-shutdown")
    stopper.start()
    try:
        return _convert_job(job)
    finally:
        stopper.join()


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


def _date_metadata(metadata: Mapping[str, Any] | None = None) -> dict | None:
    """SOURCE_DATE_EPOCH's day as the `date` (under any date the caller gives)."""
    day = declared_date()
    if day is None:
        return dict(metadata) if metadata else None
    return {"date": day, **(metadata or {})}


def render(
    doc: str | os.PathLike,
    to: str | Iterable[str] = ("html", "pdf"),
    out_dir: str | os.PathLike | None = None,
    params: Mapping[str, Any] | None = None,
    kernel: Kernel | None = None,
    engine: str = "auto",
    output_name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    frozen: str | os.PathLike | None = None,
    execute_once: bool = False,
) -> list[Path]:
    """Render one Quarto document; return the output paths (one per format in `to`).

    to:          "html", "pdf" (comma-separated string or sequence).
    out_dir:     default: the document's directory.
    params:      override the document's parameters (its `#| tags: [parameters]` cell).
    kernel:      a warm `Kernel` to reuse (built-in engine); default: start one and shut it down.
    engine:      "auto" (quarto if on PATH, else built-in), "quarto" or "builtin".
    output_name: file stem of the outputs (default: the document's stem).
    metadata:    document metadata over the front matter (`quarto render -M key:value`),
                 e.g. a computed title; string values are Markdown, as in the front matter.
    frozen:      convert the outputs of an earlier execution (a record written by
                 `execute_many`) instead of executing (Quarto converts it as an executed
                 notebook).
    execute_once: with Quarto, execute the document once in the project's kernel (as the
                 built-in engine does) and let Quarto convert the executed notebook to
                 every format; Quarto itself executes a document once per format.
    """
    doc = Path(doc).resolve()
    formats = _normalise_to(to)
    out = Path(out_dir).resolve() if out_dir is not None else doc.parent
    metadata = _date_metadata(metadata)  # SOURCE_DATE_EPOCH: the date in both engines
    if _use_quarto(engine):
        if execute_once and frozen is None:
            import tempfile

            with tempfile.TemporaryDirectory(prefix="r2p-execute-once-") as tmp:
                (rec,) = execute_many([(doc, params, output_name)], tmp, kernel=kernel)
                return _quarto_render(doc, formats, out, params, output_name, metadata, rec)
        return _quarto_render(
            doc, formats, out, params, output_name, metadata, Path(frozen).resolve() if frozen is not None else None
        )
    return _builtin(
        doc, formats, out, params, kernel, output_name, metadata, Path(frozen) if frozen is not None else None
    )


def render_many(
    jobs: Iterable[tuple],
    to: str | Iterable[str] = ("html", "pdf"),
    out_dir: str | os.PathLike | None = None,
    engine: str = "auto",
    kernel: Kernel | None = None,
) -> list[list[Path]]:
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
        target = (Path(out_dir).resolve() if out_dir is not None else d.parent) / (
            j[2] if len(j) > 2 and j[2] else d.stem
        )
        if target in seen:
            raise ValueError(f"jobs {seen[target]} and {i} would both write {target}.*: give each an output name")
        seen[target] = i
    if _use_quarto(engine):
        return [
            render(
                j[0],
                formats,
                out_dir,
                j[1] if len(j) > 1 else None,
                engine="quarto",
                output_name=j[2] if len(j) > 2 else None,
            )
            for j in jobs
        ]
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
                    job = _prepare(
                        doc, formats, out, j[1] if len(j) > 1 else None, j[2] if len(j) > 2 else None, _date_metadata()
                    )
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


def render_frozen_many(
    doc: str | os.PathLike,
    jobs: Iterable[tuple],
    to: str | Iterable[str] = ("html", "pdf"),
    out_dir: str | os.PathLike | None = None,
    engine: str = "auto",
    workers: int = 1,
) -> list[list[Path]]:
    """Convert many frozen executions of ONE document (no kernel), `workers` at a time.

    Each job is (params, output name, metadata, frozen record), e.g. one brief per case
    after `execute_many`. Quarto renders them in `workers` batches, one `quarto render`
    of a project of executed notebooks per batch; the built-in engine converts them in
    `workers` threads. The outputs are those of `render(doc, ..., frozen=record)` per job.
    """
    doc = Path(doc).resolve()
    formats = _normalise_to(to)
    out = Path(out_dir).resolve() if out_dir is not None else doc.parent
    jobs = [(p, name, _date_metadata(m), Path(f).resolve()) for p, name, m, f in jobs]
    if len({name for _, name, _, _ in jobs}) != len(jobs):
        raise ValueError("two jobs have the same output name")
    if _use_quarto(engine):
        return _quarto_render_frozen_many(doc, jobs, formats, out, workers)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_builtin, doc, formats, out, p, None, name, m, f) for p, name, m, f in jobs]
        done = []
        for i, (f, (_, name, _, _)) in enumerate(zip(futures, jobs), 1):
            done.append(f.result())
            log.info("converted %s %d/%d (%s)", doc.stem, i, len(jobs), name)
        return done


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
        for i, (j, name) in enumerate(zip(jobs, names), 1):
            doc = Path(j[0]).resolve()
            job = _prepare(doc, ["html"], out, j[1] if len(j) > 1 else None, name)
            _execute_job(job, kernel)
            written.append(_write_freeze(job, out / f"{name}.json"))
            log.info("executed %s %d/%d (%s)", doc.stem, i, len(jobs), name)  # as Quarto's "Cell i/N"
        return written
    finally:
        if own and kernel is not None:
            kernel.shutdown()
