"""The Quarto engine: `quarto render` from an isolated working copy of the project."""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .base import _EXT_OF, _REPO, FORMATS, RenderError, _remove
from .document import _dump_front, _find_project, _load_yaml, _split_front_matter

log = logging.getLogger("r2p.render")

_QUARTO_SOURCES = (".qmd", ".ipynb", ".md", ".rmd", ".Rmd")
_ANSI_ANY = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _project_copy(doc: Path, dest: Path) -> Path:
    """A copy of the document's Quarto project in `dest` (no documents, outputs or hidden
    files; the extensions as a symlink); returns the document's directory in the copy."""
    src_dir = doc.parent
    project = _find_project(src_dir) or src_dir
    rel = doc.parent.relative_to(project)

    def ignore(d: str, names: list[str]) -> set[str]:
        skip = set()
        for n in names:
            full = Path(d) / n
            if (
                n.startswith(".")
                or n in ("_output", "_freeze", "_extensions")
                or n.endswith("_files")
                or (full.is_file() and n.endswith(_QUARTO_SOURCES))
            ):
                skip.add(n)
            if full.resolve() == dest.resolve() or dest.resolve().is_relative_to(full.resolve()) and full.is_dir():
                skip.add(n)
        return skip

    shutil.copytree(project, dest, ignore=ignore, symlinks=True, dirs_exist_ok=True)
    ext = project / "_extensions"
    if ext.exists() and not (dest / "_extensions").exists():
        (dest / "_extensions").symlink_to(ext.resolve(), target_is_directory=True)
    (dest / rel).mkdir(parents=True, exist_ok=True)
    return dest / rel


def _document_copy(
    doc: Path,
    stem: str,
    metadata: Mapping[str, Any],
    where: Path,
    formats: Sequence[str] = (),
    frozen: Path | None = None,
    params: Mapping[str, Any] | None = None,
) -> Path:
    """The document in a project copy's directory `where`, as `<stem>.qmd` with `metadata`
    merged into its front matter (string values are Markdown, as in any front matter: this
    is how a computed title reaches Quarto intact -- `quarto render -M` passes it to pandoc
    as literal text after reading it as YAML); with `frozen` (a record of `execute_many`),
    as the executed notebook `<stem>.ipynb`, which Quarto converts without executing."""
    text = doc.read_text(encoding="utf-8").replace("\r\n", "\n")
    yaml_text, body_line, body = _split_front_matter(text, doc)
    front = _load_yaml(yaml_text, doc, 2).data if body_line > 1 else {}
    fmts = front.get("format")
    # a document's own `format:` list is the set Quarto renders: add what the caller asked for
    missing = [FORMATS[t] for t in formats] if isinstance(fmts, dict) else []
    missing = [f for f in missing if f not in fmts]
    extra = {
        k: (v.isoformat() if isinstance(v, (_dt.date, _dt.datetime)) else str(v) if isinstance(v, str) else v)
        for k, v in (metadata or {}).items()
    }  # str(): EscapedMarkdown is a str YAML cannot represent
    if missing:
        extra = {"format": {**fmts, **{f: "default" for f in missing}}, **extra}
    if frozen is not None:
        from .notebook import write_frozen_notebook

        return write_frozen_notebook(where / f"{stem}.ipynb", doc, frozen, params, extra)
    if extra:
        front.update(extra)
        text = "---\n" + _dump_front(front) + "---\n" + "\n".join(body)
    target = where / f"{stem}.qmd"
    target.write_text(text, encoding="utf-8")
    return target


def _working_copy(doc: Path, stem: str, metadata: Mapping[str, Any], dest: Path, formats: Sequence[str] = ()) -> Path:
    """An isolated copy of the document's Quarto project for one render.

    Quarto writes intermediate files next to the document (`<doc>.quarto_ipynb`,
    `<doc>_files/`) and project state into it (`.quarto/`, `.gitignore`), so parallel
    renders of one document collide and the checkout gets written to. The copy holds
    the project's files and the document (see `_document_copy`).
    """
    return _document_copy(doc, stem, metadata, _project_copy(doc, dest), formats)


def _quarto_env() -> dict[str, str]:
    env = dict(os.environ)
    # Quarto executes Python documents with this interpreter (it has nbclient, ipykernel,
    # papermill and the project's packages), which imports `analysis` from this checkout
    env.setdefault("QUARTO_PYTHON", sys.executable)
    env["PYTHONPATH"] = os.pathsep.join([str(_REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _warnings(doc: Path, stderr: str) -> None:
    for ln in _ANSI_ANY.sub("", stderr).splitlines():
        # Quarto's and Typst's warnings (not the kernel's transport notice, not the kit's
        # missing typst-gather, which changes nothing in the PDF)
        if re.search(r"(?i)\bwarn(ing)?\b", ln) and not re.search(r"IPKernelApp|typst-gather", ln):
            log.warning("%s: quarto: %s", doc, ln.strip())


def _failed(doc: Path, r: subprocess.CompletedProcess, copies: Mapping[str, str]) -> RenderError:
    """Quarto's error, with the copy's paths and names replaced by the document's."""
    err = _ANSI_ANY.sub("", r.stderr).strip()
    for copy, name in copies.items():
        err = err.replace(copy, name)
    return RenderError(f"quarto render failed:\n{err[-4000:]}", path=doc)


def _produced(doc: Path, where: Path, stem: str, to: Sequence[str]) -> list[Path]:
    out_root = where / "_output" if (where / "_output").is_dir() else where
    produced = []
    for t in to:
        p = out_root / f"{stem}{_EXT_OF[t]}"
        if not p.is_file():
            raise RenderError(f"quarto render did not produce {p.name}", path=doc)
        produced.append(p)
    return produced


def _stage(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Copy onto the outputs' file system, then rename all together."""
    staged = []
    for p, final in pairs:
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        shutil.copyfile(p, tmp)
        staged.append((tmp, final))
    for tmp, final in staged:
        os.replace(tmp, final)


def _cleanup(finals: Sequence[Path]) -> None:
    _remove(finals)
    _remove(f.with_name(f".{f.name}.{os.getpid()}.tmp") for f in finals)


def _quarto_bin(doc: Path) -> str:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("the quarto CLI is not on PATH", path=doc)
    return quarto


def _quarto_render(
    doc: Path,
    to: Sequence[str],
    out_dir: Path,
    params: Mapping[str, Any] | None,
    output_name: str | None,
    metadata: Mapping[str, Any] | None = None,
    frozen: Path | None = None,
) -> list[Path]:
    """Render with the quarto CLI from an isolated working copy (see `_working_copy`).

    Both formats come from ONE `quarto render` (no --to: Quarto renders every format the
    project declares, and the HTML's "Other formats" link points to the PDF beside it);
    outputs are moved into `out_dir` only when all exist. With `frozen` (a record of
    `execute_many`) Quarto converts that execution, as an executed notebook, instead of
    executing the document. Quarto's own error, with the document's name, is a RenderError.
    """
    quarto = _quarto_bin(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = output_name or doc.stem
    # outside the output directory (and not in a hidden directory, where Quarto does not
    # see the project); outputs are moved in at the end
    work = Path(tempfile.mkdtemp(prefix=f"r2p-quarto-{stem}-"))
    finals = [out_dir / f"{stem}{_EXT_OF[t]}" for t in to]
    ok = False
    try:
        # YAML `params` are defaults here too (as in the built-in engine); the caller's win
        yaml_text, body_line, _ = _split_front_matter(doc.read_text(encoding="utf-8"), doc)
        merged = dict((_load_yaml(yaml_text, doc, 2).data.get("params") or {}) if body_line > 1 else {})
        merged.update(params or {})
        where = _project_copy(doc, work / "project")
        copy = _document_copy(doc, stem, metadata or {}, where, to, frozen, params)
        cmd = [quarto, "render", copy.name]
        if len(to) == 1:
            cmd += ["--to", FORMATS[to[0]]]
        if frozen is None:
            for k, v in merged.items():
                cmd += ["-P", f"{k}:{json.dumps(v, default=str)}"]
        r = subprocess.run(cmd, cwd=where, capture_output=True, text=True, env=_quarto_env())
        _warnings(doc, r.stderr)
        if r.returncode != 0:
            raise _failed(doc, r, {str(copy): str(doc), copy.name: doc.name})
        _stage(list(zip(_produced(doc, where, stem, to), finals)))
        ok = True
        return finals
    finally:
        if not ok:
            _cleanup(finals)
        shutil.rmtree(work, ignore_errors=True)


def _quarto_render_frozen_many(
    doc: Path,
    jobs: Sequence[tuple[Mapping[str, Any], str, Mapping[str, Any], Path]],
    to: Sequence[str],
    out_dir: Path,
    workers: int = 1,
) -> list[list[Path]]:
    """Render many frozen executions of one document with Quarto, in `workers` batches.

    Each job is (params, output name, metadata, frozen record). Each batch is one project
    copy holding its jobs' executed notebooks and ONE `quarto render` of that project
    (Quarto's start-up, seconds, is paid once per batch, not once per document); batches
    run side by side. Outputs are moved into `out_dir` only when every batch succeeded.
    """
    quarto = _quarto_bin(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = list(jobs)
    finals = [[out_dir / f"{stem}{_EXT_OF[t]}" for t in to] for _, stem, _, _ in jobs]
    workers = max(1, min(workers, len(jobs)))
    batches = [list(range(i, len(jobs), workers)) for i in range(workers)]
    work = Path(tempfile.mkdtemp(prefix=f"r2p-quarto-{doc.stem}-many-"))
    ok = False
    try:
        running = []
        for b, idx in enumerate(batches):
            where = _project_copy(doc, work / f"batch{b}")
            copies = {}
            for i in idx:
                params, stem, metadata, frozen = jobs[i]
                copy = _document_copy(doc, stem, metadata or {}, where, to, frozen, params)
                copies[str(copy)] = f"{doc} ({stem})"
                copies[copy.name] = f"{doc.name} ({stem})"
            cmd = [quarto, "render"] + (["--to", FORMATS[to[0]]] if len(to) == 1 else [])
            proc = subprocess.Popen(
                cmd, cwd=where, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_quarto_env()
            )
            running.append((proc, where, idx, copies))
        failure = None
        for proc, _where, _idx, copies in running:
            stdout, stderr = proc.communicate()
            r = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
            _warnings(doc, stderr)
            if r.returncode != 0 and failure is None:
                failure = _failed(doc, r, copies)
        if failure is not None:
            raise failure
        pairs = []
        for _proc, where, idx, _copies in running:
            for i in idx:
                pairs += list(zip(_produced(doc, where, jobs[i][1], to), finals[i]))
        _stage(pairs)
        ok = True
        return finals
    finally:
        if not ok:
            for proc, *_ in locals().get("running", []):
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            _cleanup([f for fs in finals for f in fs])
        shutil.rmtree(work, ignore_errors=True)
