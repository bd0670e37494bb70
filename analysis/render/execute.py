"""Executing a document once in a warm kernel, and freezing / thawing its outputs
(like Quarto's freeze: a document can be converted later without a kernel)."""

from __future__ import annotations

import datetime as _dt
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .base import RenderError, _remove
from .document import _Cell, _Doc, _Job
from .kernel import CellError, Kernel, KernelDied
from .markdown import quarto_inline_markdown


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
                raise RenderError(
                    "inline expression timed out", path=doc.path, line=doc.inlines[part[0]].line
                ) from None
            for i in part:
                r = results.get(str(i), {})
                il = doc.inlines[i]
                if r.get("status") != "ok":
                    raise RenderError(
                        f"inline expression `{{python}} {il.expr}` raised {r.get('ename', 'Error')}: {r.get('evalue', '')}",
                        path=doc.path,
                        line=il.line,
                    )
                import ast

                kind, value = json.loads(ast.literal_eval(r["data"]["text/plain"]))
                il.value = value if kind == "md" else quarto_inline_markdown(value)
        elif isinstance(part, _Cell):
            try:
                part.outputs, _ = kernel.execute(part.code)
                if part is pcell and params:
                    kernel.execute(_param_code(params, doc.path))
            except CellError as e:
                raise RenderError(f"cell raised an exception: {e.last_line}", path=doc.path, line=part.line) from None
            except TimeoutError:
                raise RenderError(
                    f"cell did not finish within {kernel.cell_timeout:.0f} s", path=doc.path, line=part.line
                ) from None
            except KernelDied as e:
                raise RenderError(f"{e} (cell starting here)", path=doc.path, line=part.line) from None


def _execute_job(job: _Job, kernel: Kernel) -> None:
    t = time.perf_counter()
    try:
        _execute(job.doc, kernel, job.params)
    except BaseException:
        _remove(job.finals)
        raise
    job.times["execute"] = time.perf_counter() - t


# ------------------------------------------------------------------ frozen execution
#
# Like Quarto's freeze: the outputs of one execution (cell outputs, inline values) stored
# as JSON, so that a document can be converted later without a kernel. The briefs use
# it: one warm kernel executes all of them (`r2p render --each ... --execute-only
# --freeze-dir DIR`), then one job per brief converts its record (`--frozen DIR/<slug>.json`).
# A record names the document's SHA-256 and the parameters; a mismatch is an error.

FREEZE_VERSION = 2  # 2: inline values as Quarto inserts them (quarto_inline_markdown)


def _doc_sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _freeze_record(job: _Job) -> dict:
    cells = [p.outputs for p in job.doc.parts if isinstance(p, _Cell)]
    return {
        "version": FREEZE_VERSION,
        "document": job.doc.path.name,
        "sha256": _doc_sha256(job.doc.path),
        "params": json.loads(json.dumps(job.params, default=str)),
        "cells": cells,
        "inlines": [il.value for il in job.doc.inlines],
    }


def _write_freeze(job: _Job, dest: Path) -> Path:
    from ..io import write_json

    return write_json(_freeze_record(job), dest)


def _load_frozen(frozen: Path, doc_path: Path, params: Mapping[str, Any], n_cells: int, n_inlines: int) -> dict:
    """A frozen execution record, checked against the document and parameters it is for."""
    try:
        rec = json.loads(Path(frozen).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RenderError(f"frozen execution {frozen} does not exist", path=doc_path) from None
    except json.JSONDecodeError as e:
        raise RenderError(f"frozen execution {frozen} is not valid JSON: {e}", path=doc_path) from None
    params = json.loads(json.dumps(dict(params or {}), default=str))
    why = None
    if rec.get("version") != FREEZE_VERSION:
        why = f"record version {rec.get('version')!r}, engine expects {FREEZE_VERSION}"
    elif rec.get("sha256") != _doc_sha256(doc_path):
        why = "the document changed since it was executed"
    elif rec.get("params") != params:
        why = f"parameters differ (frozen {rec.get('params')!r}, now {params!r})"
    elif len(rec.get("cells", [])) != n_cells or len(rec.get("inlines", [])) != n_inlines:
        why = "the number of cells or inline expressions differs"
    if why:
        raise RenderError(f"frozen execution {frozen} is stale: {why}; execute the document again", path=doc_path)
    return rec


def _thaw(job: _Job, frozen: Path) -> None:
    """Put a frozen execution's outputs into the parsed document (no kernel)."""
    cells = [p for p in job.doc.parts if isinstance(p, _Cell)]
    rec = _load_frozen(frozen, job.doc.path, job.params, len(cells), len(job.doc.inlines))
    for cell, outputs in zip(cells, rec["cells"]):
        cell.outputs = outputs
    for il, value in zip(job.doc.inlines, rec["inlines"]):
        il.value = value  # Markdown, as `_execute` stored it
    job.times["execute"] = 0.0
