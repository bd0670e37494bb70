"""Names every part of the render engine shares: paths, formats, the error type."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

#: The repository root (holds reports/ with the bundled extension).
_REPO = Path(__file__).resolve().parent.parent.parent
#: This package's templates and filters (the built-in engine's own files; the layout
#: itself is in the extension's Typst partials and stylesheet, shared with Quarto).
TEMPLATES = Path(__file__).resolve().parent / "templates"
EXTENSION = "policybrief"
FORMATS = {"html": f"{EXTENSION}-html", "pdf": f"{EXTENSION}-typst"}
_EXT_OF = {"html": ".html", "pdf": ".pdf"}


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


def _remove(paths: Iterable[Path]) -> None:
    # never leave an output that looks complete (not even one from an earlier run)
    for f in paths:
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
