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
from pathlib import Path
from typing import Any, Mapping, Sequence

log = logging.getLogger("r2p.render")

from .base import _EXT_OF, _REPO, FORMATS, RenderError, _remove
from .document import _find_project, _load_yaml, _split_front_matter

_QUARTO_SOURCES = (".qmd", ".ipynb", ".md", ".rmd", ".Rmd")
_ANSI_ANY = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _working_copy(doc: Path, stem: str, metadata: Mapping[str, Any], dest: Path,
                  formats: Sequence[str] = ()) -> Path:
    """An isolated copy of the document's Quarto project for one render.

    Quarto writes intermediate files next to the document (`<doc>.quarto_ipynb`,
    `<doc>_files/`) and project state into it (`.quarto/`, `.gitignore`), so parallel
    renders of one document collide and the checkout gets written to. The copy holds
    the project's files (no other documents, no outputs or hidden files), the
    extensions as a symlink, and the document as `<stem>.qmd` with `metadata` merged
    into its front matter (string values are Markdown, as in any front matter: this is
    how a computed title reaches Quarto intact -- `quarto render -M` passes it to pandoc
    as literal text after reading it as YAML).
    """
    import yaml

    src_dir = doc.parent
    project = _find_project(src_dir) or src_dir
    rel = doc.parent.relative_to(project)

    def ignore(d: str, names: list[str]) -> set[str]:
        skip = set()
        for n in names:
            full = Path(d) / n
            if (n.startswith(".") or n in ("_output", "_freeze", "_extensions") or n.endswith("_files")
                    or (full.is_file() and n.endswith(_QUARTO_SOURCES))):
                skip.add(n)
            if full.resolve() == dest.resolve() or dest.resolve().is_relative_to(full.resolve()) and full.is_dir():
                skip.add(n)
        return skip

    shutil.copytree(project, dest, ignore=ignore, symlinks=True, dirs_exist_ok=True)
    ext = project / "_extensions"
    if ext.exists():
        (dest / "_extensions").symlink_to(ext.resolve(), target_is_directory=True)
    text = doc.read_text(encoding="utf-8").replace("\r\n", "\n")
    yaml_text, body_line, body = _split_front_matter(text, doc)
    front = (_load_yaml(yaml_text, doc, 2).data if body_line > 1 else {})
    fmts = front.get("format")
    # a document's own `format:` list is the set Quarto renders: add what the caller asked for
    missing = [FORMATS[t] for t in formats] if isinstance(fmts, dict) else []
    missing = [f for f in missing if f not in fmts]
    if metadata or missing:
        for f in missing:
            fmts[f] = "default"
        front.update({k: (v.isoformat() if isinstance(v, (_dt.date, _dt.datetime)) else str(v) if isinstance(v, str) else v)
                      for k, v in metadata.items()})  # str(): EscapedMarkdown is a str YAML cannot represent
        text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10**6) + "---\n" + "\n".join(body)
    target = dest / rel / f"{stem}.qmd"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def _quarto_env() -> dict[str, str]:
    env = dict(os.environ)
    # Quarto executes Python documents with this interpreter (it has nbclient, ipykernel,
    # papermill and the project's packages), which imports `analysis` from this checkout
    env.setdefault("QUARTO_PYTHON", sys.executable)
    env["PYTHONPATH"] = os.pathsep.join([str(_REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _quarto_render(doc: Path, to: Sequence[str], out_dir: Path, params: Mapping[str, Any] | None,
                   output_name: str | None, metadata: Mapping[str, Any] | None = None) -> list[Path]:
    """Render with the quarto CLI from an isolated working copy (see `_working_copy`).

    Both formats come from ONE `quarto render` (no --to: Quarto renders every format the
    project declares, and the HTML's "Other formats" link points to the PDF beside it);
    outputs are moved into `out_dir` only when all exist. Quarto's own error, with the
    document's name, is a RenderError.
    """
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("the quarto CLI is not on PATH", path=doc)
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
        copy = _working_copy(doc, stem, metadata or {}, work / "project", to)
        cmd = [quarto, "render", copy.name]
        if len(to) == 1:
            cmd += ["--to", FORMATS[to[0]]]
        for k, v in merged.items():
            cmd += ["-P", f"{k}:{json.dumps(v, default=str)}"]
        r = subprocess.run(cmd, cwd=copy.parent, capture_output=True, text=True, env=_quarto_env())
        for ln in _ANSI_ANY.sub("", r.stderr).splitlines():
            # Quarto's and Typst's warnings (not the kernel's transport notice, not the kit's
            # missing typst-gather, which changes nothing in the PDF)
            if re.search(r"(?i)\bwarn(ing)?\b", ln) and not re.search(r"IPKernelApp|typst-gather", ln):
                log.warning("%s: quarto: %s", doc, ln.strip())
        if r.returncode != 0:
            err = _ANSI_ANY.sub("", r.stderr).strip()
            err = err.replace(str(copy), str(doc)).replace(copy.name, doc.name)
            raise RenderError(f"quarto render failed:\n{err[-4000:]}", path=doc)
        out_root = copy.parent / "_output" if (copy.parent / "_output").is_dir() else copy.parent
        produced = []
        for t in to:
            p = out_root / f"{stem}{_EXT_OF[t]}"
            if not p.is_file():
                raise RenderError(f"quarto render did not produce {p.name}", path=doc)
            produced.append(p)
        staged = []
        for p, final in zip(produced, finals):  # onto the output's file system, then renamed together
            tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
            shutil.copyfile(p, tmp)
            staged.append(tmp)
        for tmp, final in zip(staged, finals):
            os.replace(tmp, final)
        ok = True
        return finals
    finally:
        if not ok:
            _remove(finals)
            _remove(out_dir / f".{f.name}.{os.getpid()}.tmp" for f in finals)
        shutil.rmtree(work, ignore_errors=True)
