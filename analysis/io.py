"""Atomic, deterministic writers.

Everything the workflow writes goes through these functions: data are written
to a temporary file in the destination directory and renamed into place, so an
interrupted or failing step never leaves a half-written file that looks
complete. Output bytes depend only on the data (sorted keys, no timestamps).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the render jobs write JSON and text only
    import pandas as pd


def yaml_loader() -> type:
    """PyYAML's safe loader, with libyaml's C parser where PyYAML has it (several times
    faster on front matter and the registries; same data, same error marks)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_line_of(root: Any, path: list[Any]) -> int:
    """1-based line of the deepest node on `path` (mapping keys, sequence indices) that exists in
    the composed YAML `root` (the document start if none)."""
    import yaml

    node, line = root, root.start_mark.line + 1
    for key in path:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            nxt = node.value[key]
        if nxt is None:
            break
        node, line = nxt, nxt.start_mark.line + 1
    return line


def read_yaml_checked(path: str | os.PathLike[str], schema: str | os.PathLike[str]) -> Any:
    """A YAML file checked against a JSON schema. A syntax or schema error is a `DataError`
    naming the file and the line (and the entry's path for a schema error)."""
    import jsonschema
    import yaml

    from .errors import DataError

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml_loader())
        data = yaml.load(text, Loader=yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise DataError(f"{where}YAML syntax error: {getattr(exc, 'problem', exc)}", file=str(path)) from None
    spec = json.loads(Path(schema).read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(spec).iter_errors(data), key=lambda e: [str(p) for p in e.path])
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path) or "(top)"
        line = yaml_line_of(root, list(e.path)) if root is not None else 1
        raise DataError(f"line {line}: {where}: {e.message}", file=str(path))
    return data


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike[str], suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside `dest`; rename it to `dest` on success."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix + ".tmp", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp_path, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_dir(dest: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary directory beside `dest`; on success it replaces `dest` whole.

    For outputs of many files (one record per brief, ...): a reader sees the old set or the
    new one, never a mixture or a partial set, and files of the old set that the new one
    lacks are gone. A killed writer leaves only a hidden `.<name>.<random>.tmpdir` (or, in
    the instant of the swap, `.<name>.<random>.old`), which the workflow removes
    (analysis/guard.py) and which no reader takes for the output.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmpdir", dir=dest.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        old = None
        if dest.is_dir() and not dest.is_symlink():
            old = tmp.with_name(tmp.name[: -len(".tmpdir")] + ".old")
            os.replace(dest, old)
        elif dest.exists() or dest.is_symlink():
            dest.unlink()
        os.replace(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_parquet(df: pd.DataFrame, dest: str | os.PathLike[str]) -> Path:
    """Write `df` as Parquet, byte-for-byte reproducible for the same data."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    with atomic_path(dest) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)
    return Path(dest)


def read_parquet(path: str | os.PathLike[str], **kw: Any) -> pd.DataFrame:
    """`pandas.read_parquet`, with a missing or unreadable file a `DataError` naming it
    (pyarrow's own errors name no file: "Parquet magic bytes not found in footer")."""
    import pandas as pd
    import pyarrow as pa

    from .errors import DataError

    path = Path(path)
    if not path.is_file():
        raise DataError("processed table missing (rebuild it: snakemake -c2)", file=str(path))
    try:
        return pd.read_parquet(path, **kw)
    except (pa.ArrowException, OSError, ValueError) as e:
        raise DataError(
            f"cannot read Parquet (corrupt or not Parquet; rebuild it: snakemake -c2): {e}", file=str(path)
        ) from None


def read_json(path: str | os.PathLike[str]) -> Any:
    """JSON from `path`; a missing or malformed file is a `DataError` naming it (and the line)."""
    from .errors import DataError

    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("file missing (rebuild it: snakemake -c2)", file=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(
            f"not valid JSON (rebuild it: snakemake -c2): {e}", file=str(path), row=getattr(e, "lineno", None)
        ) from None


def check_parquet(path: str | os.PathLike[str]) -> None:
    """Raise `DataError` naming `path` unless it is a readable Parquet file (footer and schema)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .errors import DataError

    path = Path(path)
    if not path.is_file():
        raise DataError("processed table missing (rebuild it: snakemake -c2)", file=str(path))
    try:
        pq.read_metadata(path)
    except (pa.ArrowException, OSError, ValueError) as e:
        raise DataError(
            f"cannot read Parquet (corrupt or not Parquet; rebuild it: snakemake -c2): {e}", file=str(path)
        ) from None


def write_text(text: str, dest: str | os.PathLike[str]) -> Path:
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(dest)


def write_json(obj: Any, dest: str | os.PathLike[str]) -> Path:
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False, default=str)
    return write_text(text + "\n", dest)


def write_csv(df: pd.DataFrame, dest: str | os.PathLike[str]) -> Path:
    with atomic_path(dest) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n")
    return Path(dest)


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()
