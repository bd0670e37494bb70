"""The contract every cleaner follows, and the helpers they share.

A cleaner module `analysis/clean/<family>.py` exposes `TABLES`, a list of
`Table` objects. Each `Table` names the source files it reads, a `build`
function `RawFiles -> DataFrame`, a pandera schema and its unique key.
`analysis.clean.build_table` runs `build`, validates the result and writes
`data/processed/<name>.parquet` atomically; nothing is written on failure.

Conventions for cleaned tables:
- snake_case column names; IDs trimmed of whitespace;
- sentinel codes (-99, -88, -999, 9 "not coded", 1899-12-31, ...) become
  missing values; where the reason matters a `<col>_missing` column keeps it;
- dates as datetime64[ns] (or nullable), years as nullable Int64;
- list fields (comma-separated ids) as lists of strings in `<col>_list`;
- a `source_row` column with the 1-based data row in the raw file (header not
  counted) for tables built from one raw file, so validation errors and
  reviewers can point at the raw row;
- rows sorted by the table's key, so output bytes are deterministic.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pandera is imported where tables are validated (analysis.clean), not by every reader
    import pandera.pandas as pa

from ..errors import DataError

#: PRIF-style sentinels and what they mean.
SENTINELS: dict[int, str] = {-99: "no data", -88: "not applicable", -999: "not computable"}


class RawFiles:
    """Access to verified raw files, with reads that raise `DataError`.

    `tables` (optional) returns an already cleaned table by name, for the few
    cleaners that need one (e.g. the crosswalk, to map country names to GW codes);
    such a table is declared in `Table.tables` and is a Snakemake input of the
    cleaning job.
    """

    def __init__(self, root: str | os.PathLike[str], tables: Callable[[str], pd.DataFrame] | None = None):
        self.root = Path(root)
        self._tables = tables

    def table(self, name: str) -> pd.DataFrame:
        """A cleaned table this table's build declares in `Table.tables`."""
        if self._tables is None:
            raise RuntimeError(f"cleaned table {name!r} requested, but no table resolver was given")
        return self._tables(name)

    def path(self, source: str, name: str) -> Path:
        p = self.root / source / name
        if not p.is_file():
            raise DataError("raw file missing (run the fetch step first)", source=source, file=name)
        return p

    def read_csv(self, source: str, name: str, **kw: Any) -> pd.DataFrame:
        p = self.path(source, name)
        try:
            df = pd.read_csv(p, **kw)
        except pd.errors.ParserError as e:
            raise DataError(f"cannot parse CSV: {e}", source=source, file=name) from e
        except (UnicodeDecodeError, pd.errors.EmptyDataError) as e:
            raise DataError(f"cannot read CSV: {e}", source=source, file=name) from e
        _check_truncated_csv(p, df, source, name, kw.get("sep", kw.get("delimiter", ",")) or ",")
        return df

    def read_rdata(self, source: str, name: str, obj: str | None = None) -> pd.DataFrame:
        import pyreadr

        p = self.path(source, name)
        try:
            res = pyreadr.read_r(str(p))
        except Exception as e:  # pyreadr raises its own exception types
            raise DataError(f"cannot read R data file: {e}", source=source, file=name) from e
        if obj is None:
            if len(res) != 1:
                raise DataError(f"expected one object, found {list(res)}", source=source, file=name)
            obj = next(iter(res))
        if obj not in res:
            raise DataError(f"object {obj!r} not in file (has {list(res)})", source=source, file=name)
        return res[obj]

    def read_excel(self, source: str, name: str, **kw: Any) -> pd.DataFrame:
        p = self.path(source, name)
        try:
            return pd.read_excel(p, **kw)
        except Exception as e:
            raise DataError(f"cannot read spreadsheet: {e}", source=source, file=name) from e

    def read_stata(self, source: str, name: str, **kw: Any) -> pd.DataFrame:
        p = self.path(source, name)
        try:
            return pd.read_stata(p, **kw)
        except Exception as e:
            raise DataError(f"cannot read Stata file: {e}", source=source, file=name) from e


def _check_truncated_csv(p: Path, df: pd.DataFrame, source: str, name: str, sep: str = ",") -> None:
    """A file cut mid-record: its last record has fewer fields than the header.

    (A missing final newline alone is not truncation: some publishers omit it.)
    """
    import csv

    with open(p, "rb") as fh:
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
        if size == 0:
            raise DataError("file is empty", source=source, file=name)
        fh.seek(0)
        header = fh.readline()
        fh.seek(max(0, size - 65536))
        tail = fh.read().decode("utf-8", errors="replace")
    last = tail.rstrip("\r\n").rsplit("\n", 1)[-1]
    if not last.strip():
        return
    n_header = len(next(csv.reader([header.decode("utf-8-sig", errors="replace").rstrip("\r\n")], delimiter=sep)))
    try:
        n_last = len(next(csv.reader([last], delimiter=sep)))
    except (csv.Error, StopIteration):
        n_last = 0
    if n_last < n_header:
        raise DataError(
            f"last record has {n_last} of {n_header} fields: file truncated?",
            source=source,
            file=name,
            row=len(df),
        )


class LazySchema:
    """A pandera schema built on first use.

    Building the 29 table schemas takes about half a second (pandera copies every
    column), and most importers never validate: the Snakefile reads only the tables'
    names and sources, and a cleaning job validates one table. Attribute access and
    calls go to the schema, so `LazySchema(...).validate(df)` works as on the schema.
    """

    def __init__(self, build: Callable[[], pa.DataFrameSchema]) -> None:
        self._build = build
        self._schema: pa.DataFrameSchema | None = None

    def get(self) -> pa.DataFrameSchema:
        if self._schema is None:
            self._schema = self._build()
        return self._schema

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get(), name)

    def __call__(self, *args: Any, **kw: Any) -> Any:
        return self.get()(*args, **kw)


@dataclass(frozen=True)
class Table:
    """One cleaned table: where it comes from, how it is built, what it must satisfy."""

    name: str
    sources: tuple[str, ...]  # "<source-id>/<file name>" for every raw file read
    build: Callable[[RawFiles], pd.DataFrame]
    schema: pa.DataFrameSchema | LazySchema
    key: tuple[str, ...]
    description: str
    citation: tuple[str, ...] = ()  # BibTeX keys in reports/references.bib
    tables: tuple[str, ...] = ()  # cleaned tables the build reads through RawFiles.table (e.g. "crosswalk")
    code_deps: tuple[str, ...] = ()  # further modules the build imports (repository paths; Snakemake inputs)

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.split("/", 1)[0] for s in self.sources))


# --------------------------------------------------------------------------- helpers


def require_columns(df: pd.DataFrame, columns: Iterable[str], source: str, file: str) -> None:
    """Raise DataError naming the first missing column (a renamed column counts as missing)."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            f"required column missing (found: {', '.join(map(str, df.columns[:40]))})",
            source=source,
            file=file,
            column=missing[0],
        )


def add_source_row(df: pd.DataFrame, offset: int = 1) -> pd.DataFrame:
    """Add `source_row`: 1-based data row in the raw file, before any filtering."""
    df = df.copy()
    df["source_row"] = np.arange(offset, offset + len(df), dtype="int64")
    return df


def snake(name: str) -> str:
    import re

    s = re.sub(r"[^0-9A-Za-z]+", "_", str(name)).strip("_")
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", s)
    return s.lower()


def trim_strings(df: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    df = df.copy()
    cols = columns if columns is not None else [c for c in df.columns if df[c].dtype == object]
    for c in cols:
        df[c] = df[c].map(lambda v: v.strip() if isinstance(v, str) else v)
        df[c] = df[c].replace("", pd.NA)
    return df


def sentinels_to_na(
    df: pd.DataFrame,
    columns: Iterable[str],
    codes: Mapping[int | float, str] = SENTINELS,
    keep_reason: bool = False,
) -> pd.DataFrame:
    """Replace sentinel codes by missing values; optionally keep `<col>_missing` reasons."""
    df = df.copy()
    for c in columns:
        col = pd.to_numeric(df[c], errors="coerce") if df[c].dtype == object else df[c]
        mask = col.isin(list(codes))
        if keep_reason:
            df[f"{c}_missing"] = pd.Series(pd.NA, index=df.index, dtype="string")
            df.loc[mask, f"{c}_missing"] = col[mask].map(codes).astype("string")
        df[c] = col.mask(mask)
    return df


def parse_dates(
    df: pd.DataFrame,
    column: str,
    source: str,
    file: str,
    fmt: str | None = None,
    na_values: Iterable = (),
    row_col: str = "source_row",
) -> pd.Series:
    """Parse a date column; sentinels in `na_values` become NaT; anything else unparseable is an error."""
    raw = df[column]
    na = raw.isna() | raw.isin(list(na_values))
    parsed = pd.to_datetime(raw.where(~na), format=fmt, errors="coerce")
    bad = parsed.isna() & ~na
    if bad.any():
        i = bad.idxmax()
        row = int(df.loc[i, row_col]) if row_col in df.columns else None
        raise DataError(f"unparseable date {raw[i]!r}", source=source, file=file, column=column, row=row)
    return parsed


def to_int(df: pd.DataFrame, column: str, source: str, file: str, nullable: bool = True) -> pd.Series:
    """Float/object column -> nullable Int64; a non-integral value is a DataError naming the row."""
    s = pd.to_numeric(df[column], errors="coerce")
    bad = (s.isna() & df[column].notna()) | (s.notna() & (s % 1 != 0))
    if not nullable:
        bad |= s.isna()
    if bad.any():
        i = bad.idxmax()
        row = int(df.loc[i, "source_row"]) if "source_row" in df.columns else None
        raise DataError(
            f"expected an integer, found {df.loc[i, column]!r}", source=source, file=file, column=column, row=row
        )
    return s.astype("Int64")


def to_bool01(df: pd.DataFrame, column: str, source: str, file: str) -> pd.Series:
    """0/1 column (no gaps) -> bool; anything else is a DataError naming the row."""
    s = pd.to_numeric(df[column], errors="coerce")
    bad = ~s.isin([0, 1])
    if bad.any():
        i = bad.idxmax()
        row = int(df.loc[i, "source_row"]) if "source_row" in df.columns else None
        raise DataError(
            f"expected 0 or 1, found {df.loc[i, column]!r}", source=source, file=file, column=column, row=row
        )
    return s.eq(1)


def split_list(values: pd.Series, sep: str = ",") -> pd.Series:
    """'1, 2,3' -> ['1', '2', '3']; missing -> []."""
    return values.map(
        lambda v: [x.strip() for x in str(v).split(sep) if x.strip()] if isinstance(v, str) or pd.notna(v) else []
    )


def check_unique(df: pd.DataFrame, key: Iterable[str], source: str, file: str) -> None:
    key = list(key)
    dup = df.duplicated(key, keep=False)
    if dup.any():
        rows = df.loc[dup, "source_row"].astype(int).tolist() if "source_row" in df.columns else None
        first = df.loc[dup, key].iloc[0].to_dict()
        raise DataError(
            f"duplicate key {first} ({int(dup.sum())} rows share a key)",
            source=source,
            file=file,
            column=",".join(key),
            rows=rows,
        )
