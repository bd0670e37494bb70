"""Source registry and verified acquisition of raw files.

`config/sources.yaml` lists every public source and its files with size and
sha256, and the years each source covers (`coverage`: first and last year, a
last date where the data end within their last year, and a span per cleaned table
where a table differs from its source). The code reads coverage from here
(`coverage()`), never from constants of its own. `fetch_file` puts a verified copy at `data/raw/<source>/<file>`:

1. the file already there, if its checksum matches;
2. else a copy from the mirror directory (`R2P_DATA_MIRROR`, else the config
   key `mirror`, whose default is `../shared/data-mirror` when it exists),
   laid out as `<mirror>/<source>/<file>`;
3. else a download from the file's pinned URL.

Every copy is verified by sha256 and written atomically. When no location
yields a verified file, `DataError` lists each place tried and why it failed.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import yaml

from . import ROOT
from .errors import DataError
from .io import atomic_path, sha256_file, yaml_loader

if TYPE_CHECKING:  # pandas is imported where used (the fetch path needs none)
    import pandas as pd

REGISTRY_PATH = ROOT / "config" / "sources.yaml"
REGISTRY_SCHEMA = ROOT / "config" / "schemas" / "sources.schema.json"
DEFAULT_RAW = ROOT / "data" / "raw"
DEFAULT_MIRROR = ROOT.parent / "shared" / "data-mirror"


@dataclass(frozen=True)
class SourceFile:
    source: str
    name: str
    bytes: int
    sha256: str
    url: str | None
    origin: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def relpath(self) -> str:
        return f"{self.source}/{self.name}"


@dataclass(frozen=True)
class Coverage:
    """The years a source (or one of its cleaned tables) covers, both ends included."""

    first: int
    last: int
    last_date: str | None = None  # ISO date where the data end before 31 December of `last`

    @property
    def span(self) -> tuple[int, int]:
        return self.first, self.last

    @property
    def end(self) -> pd.Timestamp:
        """The last day covered: `last_date`, else 31 December of `last`."""
        import pandas as pd

        return pd.Timestamp(self.last_date or f"{self.last}-12-31")

    @property
    def start(self) -> pd.Timestamp:
        import pandas as pd

        return pd.Timestamp(f"{self.first}-01-01")


@dataclass(frozen=True)
class Licence:
    """A source's licence or terms (`licence` in config/sources.yaml)."""

    name: str  # SPDX identifier, 'other' (title and path name the terms) or 'unknown'
    redistribution: str  # allowed | forbidden | unclear
    title: str | None = None
    path: str | None = None
    note: str | None = None

    #: how restrictive each redistribution status is (a table takes the most restrictive of its sources')
    ORDER = {"allowed": 0, "unclear": 1, "forbidden": 2}


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    version: str
    coverage: Coverage
    unit: str
    page: str
    citation: str
    terms: str
    files: tuple[SourceFile, ...]
    note: str | None = None
    table_coverage: dict = field(default_factory=dict, compare=False, hash=False)  # table -> Coverage
    licence: Licence = field(default_factory=lambda: Licence("unknown", "unclear"), compare=False, hash=False)

    @property
    def years(self) -> str:
        """The source's coverage as text, e.g. '1946-2024'."""
        return f"{self.coverage.first}-{self.coverage.last}"

    def covers(self, table: str | None = None) -> Coverage:
        """The coverage of `table` (its own span if the registry gives one, else the source's)."""
        return self.table_coverage.get(table, self.coverage) if table else self.coverage

    def file(self, name: str) -> SourceFile:
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(f"source {self.id} has no file {name!r}; it has {[f.name for f in self.files]}")


def load_registry(path: str | os.PathLike[str] = REGISTRY_PATH) -> dict[str, Source]:
    """Read and schema-check the registry; return sources by id."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader())
    except FileNotFoundError:
        raise DataError("source registry not found", file=str(path)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise DataError(
            f"source registry is not valid YAML{where}: {getattr(e, 'problem', None) or e}",
            file=str(path),
            row=mark.line + 1 if mark is not None else None,
        ) from None
    schema = json.loads(REGISTRY_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        lines = []
        for e in errors:
            loc = "/".join(str(p) for p in e.path)
            ident = ""
            if len(e.path) >= 2 and e.path[0] == "sources":
                try:
                    ident = f" (source {data['sources'][e.path[1]].get('id')})"
                except Exception:  # pragma: no cover
                    pass
            lines.append(f"  {loc}{ident}: {e.message}")
        raise DataError("source registry failed validation:\n" + "\n".join(lines), file=str(path))
    out: dict[str, Source] = {}
    for i, s in enumerate(data["sources"]):
        if s["id"] in out:
            raise DataError(f"duplicate source id {s['id']!r}", file=str(path))
        files = tuple(
            SourceFile(s["id"], f["name"], int(f["bytes"]), f["sha256"].lower(), f.get("url"), f.get("origin", {}))
            for f in s["files"]
        )
        cov = s["coverage"]
        key = f"sources/{i}/coverage"
        tables = {t: _coverage(c, f"{key}/tables/{t}", s["id"], path) for t, c in (cov.get("tables") or {}).items()}
        out[s["id"]] = Source(
            id=s["id"],
            title=s["title"],
            version=str(s["version"]),
            coverage=_coverage(cov, key, s["id"], path),
            unit=s["unit"],
            page=s["page"],
            citation=s["citation"],
            terms=s["terms"],
            files=files,
            note=s.get("note"),
            table_coverage=tables,
            licence=Licence(**s["licence"]),
        )
    return out


def _coverage(c: dict, key: str, sid: str, path: Path) -> Coverage:
    """A `coverage` entry as `Coverage`; `DataError` naming the file and key if its years are not in order."""
    first, last, last_date = int(c["first"]), int(c["last"]), c.get("last_date")
    if first > last:
        raise DataError(
            f"source registry: {key} (source {sid}): first year {first} is after last year {last}", file=str(path)
        )
    if last_date is not None and not str(last_date).startswith(f"{last}-"):
        raise DataError(
            f"source registry: {key}/last_date (source {sid}): {last_date} is not in the last year {last}",
            file=str(path),
        )
    return Coverage(first, last, None if last_date is None else str(last_date))


_DEFAULT: dict[str, Source] | None = None


def coverage(source: str, table: str | None = None) -> Coverage:
    """The years `source` (or its cleaned `table`) covers, from the registry config/sources.yaml."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_registry()
    if source not in _DEFAULT:
        raise DataError(f"unknown source {source!r}", file=str(REGISTRY_PATH))
    return _DEFAULT[source].covers(table)


def all_files(registry: dict[str, Source]) -> list[SourceFile]:
    return [f for s in registry.values() for f in s.files]


def resolve_mirror(config_value: str | None = None) -> Path | None:
    """The mirror directory: env `R2P_DATA_MIRROR`, else config, else the default if it exists."""
    env = os.environ.get("R2P_DATA_MIRROR")
    if env:
        return Path(env).expanduser()
    if config_value:
        p = Path(config_value).expanduser()
        return p if p.is_absolute() else (ROOT / p)
    return DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None


def _verify(path: Path, f: SourceFile) -> str | None:
    """None if `path` holds the registered bytes, else the reason it does not."""
    size = path.stat().st_size
    if size != f.bytes:
        return f"size {size} bytes, expected {f.bytes}"
    digest = sha256_file(path)
    if digest != f.sha256:
        return f"sha256 {digest}, expected {f.sha256}"
    return None


#: The verification cache in each raw root: {relpath: [size, mtime_ns, inode, ctime_ns, sha256]}.
CACHE_NAME = ".r2p-verified.json"


def _signature(st: os.stat_result) -> list[int]:
    # ctime cannot be set by a user (touch sets mtime only): any write, rename or chmod
    # changes it, so an edited or replaced file never matches a cached signature
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


class Verifier:
    """sha256 of raw files, cached by stat signature (size, mtime_ns, inode, ctime_ns).

    A file whose signature is cached is not hashed again; any change to it (content,
    replacement, touch) changes its signature, so it is hashed again. The cache is an
    optimisation only: a missing, unreadable or unwritable cache means hashing.
    """

    def __init__(self, raw_root: str | os.PathLike[str]):
        self.root = Path(raw_root)
        self.cache_path = self.root / CACHE_NAME
        try:
            self.cache = json.loads(self.cache_path.read_text(encoding="utf-8"))
            if not isinstance(self.cache, dict):
                self.cache = {}
        except (OSError, ValueError):
            self.cache = {}
        self._dirty = False

    def sha256(self, relpath: str) -> str:
        """The sha256 of `<root>/<relpath>` (raises OSError if it cannot be read)."""
        path = self.root / relpath
        sig = _signature(path.stat())
        hit = self.cache.get(relpath)
        if isinstance(hit, list) and len(hit) == 5 and hit[:4] == sig:
            return hit[4]
        digest = sha256_file(path)
        if _signature(path.stat()) == sig:  # not changed while hashing
            self.cache[relpath] = [*sig, digest]
            self._dirty = True
        return digest

    def check(self, f: SourceFile) -> str | None:
        """None if the raw copy of `f` holds the registered bytes, else why not."""
        path = self.root / f.relpath
        try:
            size = path.stat().st_size
            if size != f.bytes:
                return f"size {size} bytes, expected {f.bytes}"
            digest = self.sha256(f.relpath)
        except FileNotFoundError:
            return "missing"
        except OSError as e:
            return f"cannot read: {e.strerror or e}"
        if digest != f.sha256:
            return f"sha256 {digest}, expected {f.sha256}"
        return None

    def save(self) -> None:
        if not self._dirty:
            return
        try:
            with atomic_path(self.cache_path) as tmp:
                tmp.write_text(json.dumps(self.cache, sort_keys=True), encoding="utf-8")
        except OSError:
            pass  # a read-only raw directory: no cache, verification still happens
        self._dirty = False


def verify_raw(
    relpaths: Iterable[str], raw_root: str | os.PathLike[str], registry: dict[str, Source] | None = None
) -> dict[str, str]:
    """Check raw files against the registry; return {relpath: sha256 of the bytes read}.

    Raises `DataError` naming the source and file of the first file that is missing,
    unregistered or not the registered bytes.
    """
    reg = registry if registry is not None else load_registry()
    ver = Verifier(raw_root)
    out = {}
    try:
        for rel in relpaths:
            sid, _, name = rel.partition("/")
            if sid not in reg or name not in {f.name for f in reg[sid].files}:
                raise DataError("file not in the source registry (config/sources.yaml)", source=sid, file=name)
            f = reg[sid].file(name)
            why = ver.check(f)
            if why == "missing":
                raise DataError(
                    f"raw file missing from {ver.root}/{sid} (run the fetch step first)", source=sid, file=name
                )
            if why is not None:
                raise DataError(
                    f"raw file {ver.root / rel} is not the registered version: {why}; "
                    "delete it and rerun the workflow to fetch the registered file again",
                    source=sid,
                    file=name,
                )
            out[rel] = ver.sha256(rel)  # the bytes as read (cached: equal to the registered digest)
    finally:
        ver.save()
    return out


def _download(url: str, dest: Path, timeout: float) -> None:
    req = urllib.request.Request(url, headers={"User-Agent": "r2p-evidence"})
    with urllib.request.urlopen(req, timeout=timeout) as resp, open(dest, "wb") as out:
        shutil.copyfileobj(resp, out)
        expected = resp.headers.get("Content-Length")
    got = dest.stat().st_size
    if expected is not None and got != int(expected):
        raise http.client.IncompleteRead(b"", int(expected) - got)


def _place(dest: Path, f: SourceFile, produce) -> str | None:
    """Write a candidate with `produce(tmp)` beside `dest`, verify it, rename it.

    Returns None on success, else why the candidate was refused; a refused or
    failed candidate leaves no file behind.
    """
    try:
        with atomic_path(dest) as tmp:
            produce(tmp)
            why = _verify(tmp, f)
            if why is not None:
                raise _Refused(why)
    except _Refused as e:
        return str(e)
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code} {e.reason}"
    except (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        return f"{type(e).__name__}: {reason}"
    return None


class _Refused(Exception):
    """A candidate file failed verification."""


def fetch_file(
    f: SourceFile,
    raw_root: str | os.PathLike[str] = DEFAULT_RAW,
    mirror: str | os.PathLike[str] | None = None,
    *,
    allow_download: bool = True,
    timeout: float = 60.0,
    log: Callable[[str], object] = print,
) -> Path:
    """Ensure a verified copy of `f` at `<raw_root>/<source>/<name>`; return its path."""
    dest = Path(raw_root) / f.source / f.name
    tried: list[str] = []

    if dest.exists():
        ver = Verifier(raw_root)
        why = ver.check(f)
        ver.save()
        if why is None:
            log(f"[fetch] {f.relpath}: present and verified")
            return dest
        tried.append(f"existing {dest}: {why}")

    if mirror is not None:
        src = Path(mirror) / f.source / f.name
        if src.is_file():
            why = _place(dest, f, lambda tmp: shutil.copyfile(src, tmp))
            if why is None:
                log(f"[fetch] {f.relpath}: copied from mirror {src}")
                return dest
            tried.append(f"mirror {src}: {why}")
        else:
            tried.append(f"mirror {src}: not found")
    else:
        tried.append("mirror: none configured (set R2P_DATA_MIRROR or the config key 'mirror')")

    if not f.url:
        tried.append("url: none registered for this file")
    elif not allow_download:
        tried.append(f"url {f.url}: downloads disabled")
    else:
        why = _place(dest, f, lambda tmp: _download(f.url, tmp, timeout))
        if why is None:
            log(f"[fetch] {f.relpath}: downloaded from {f.url}")
            return dest
        tried.append(f"url {f.url}: {why}")

    if dest.exists():
        # A stale or corrupt file must not be mistaken for a verified one.
        dest.unlink()
    raise DataError(
        "no verified copy found; looked in:\n  - " + "\n  - ".join(tried),
        source=f.source,
        file=f.name,
    )


def fetch_all(
    files: Iterable[SourceFile],
    raw_root: str | os.PathLike[str] = DEFAULT_RAW,
    mirror: str | os.PathLike[str] | None = None,
    **kw: Any,
) -> list[Path]:
    return [fetch_file(f, raw_root, mirror, **kw) for f in files]
