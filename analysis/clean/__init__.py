"""Cleaners: one module per source family, each exposing `TABLES`.

`registry()` collects every `Table` from the modules in this package;
`build_table(name, raw_root, out_dir)` builds, validates and writes one.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..io import write_parquet
from .base import RawFiles, Table, check_unique

_SKIP = {"base"}
#: Modules outside this package that define tables built from raw files (attribute TABLES or TABLE).
_EXTRA = ("analysis.crosswalk",)


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _SKIP and not m.name.startswith("_"))


def _table_modules():
    for mod in modules():
        yield importlib.import_module(f"{__name__}.{mod}")
    for mod in _EXTRA:
        yield importlib.import_module(mod)


def _tables_of(m) -> list[Table]:
    return list(getattr(m, "TABLES", [])) + ([m.TABLE] if hasattr(m, "TABLE") else [])


def registry() -> dict[str, Table]:
    out: dict[str, Table] = {}
    for m in _table_modules():
        for t in _tables_of(m):
            if t.name in out:
                raise RuntimeError(f"table {t.name!r} defined twice (module {m.__name__})")
            out[t.name] = t
    return dict(sorted(out.items()))


def table_module(name: str) -> str:
    """The module file that defines table `name`, relative to the repository (a Snakemake input)."""
    from .. import ROOT

    for m in _table_modules():
        if any(t.name == name for t in _tables_of(m)):
            return str(Path(m.__file__).resolve().relative_to(ROOT))
    raise KeyError(name)


def validate(table: Table, df: pd.DataFrame) -> pd.DataFrame:
    """Validate with the table's pandera schema; errors name source, file, column and raw row."""
    import pandera.errors as pa_errors  # here, not at import: readers of cleaned tables do not need it

    src = table.sources[0].split("/", 1)
    source, file = (src[0], src[1]) if len(src) == 2 else (src[0], None)
    try:
        df = table.schema.validate(df, lazy=True)
    except pa_errors.SchemaErrors as exc:
        fc = exc.failure_cases
        first = fc.iloc[0]
        col = first.get("column")
        col = None if pd.isna(col) else str(col)
        if first.get("schema_context") == "DataFrameSchema":
            col = None  # a table-wide check: no single column is at fault
        idx = first.get("index")
        row = None
        if idx is not None and not pd.isna(idx) and "source_row" in df.columns:
            try:
                row = int(df.loc[idx, "source_row"])
            except (KeyError, TypeError, ValueError):
                row = None
        check = first.get("check")
        value = first.get("failure_case")
        raise DataError(
            f"table {table.name} failed check {check!r} with value {value!r} ({len(fc)} failure(s) in all)",
            source=source,
            file=file,
            column=col,
            row=row,
        ) from None
    check_unique(df, table.key, source, file)
    return df


def _resolver(table: Table, raw_root: str | Path, tables=None, processed: str | Path | None = None):
    """name -> cleaned DataFrame, for the tables `table` declares in `Table.tables` only.

    From `tables` (a callable, e.g. the test session's cache) if given, else from
    `processed/<name>.parquet` (the Snakemake input), else built from the raw files.
    """

    def get(name: str) -> pd.DataFrame:
        if name not in table.tables:
            raise RuntimeError(f"table {table.name} reads {name!r} but does not declare it in Table.tables")
        if tables is not None:
            return tables(name)
        if processed is not None:
            p = Path(processed) / f"{name}.parquet"
            if not p.is_file():
                raise DataError(f"cleaned table {name} missing (build it first: r2p clean {name})", file=str(p))
            return pd.read_parquet(p)
        return build(registry()[name], raw_root)

    return get


def build(
    table: Table,
    raw_root: str | Path,
    tables: Callable[[str], pd.DataFrame] | None = None,
    processed: str | Path | None = None,
) -> pd.DataFrame:
    """Build and validate one table. Cleaned tables it reads (`Table.tables`) come from
    `tables` (callable name -> DataFrame), else `processed/<name>.parquet`, else the raw files."""
    df = table.build(RawFiles(raw_root, _resolver(table, raw_root, tables, processed)))
    if len(df) == 0:  # a header-only file, or every row filtered out: never a valid source table
        src = table.sources[0].split("/", 1)
        raise DataError(
            f"table {table.name} has no rows (the raw file holds no data records)",
            source=src[0],
            file=src[1] if len(src) == 2 else None,
        )
    df = validate(table, df)
    return df.sort_values(list(table.key), kind="mergesort").reset_index(drop=True)


def build_table(name: str, raw_root: str | Path, out_dir: str | Path, verify: bool = True) -> Path:
    """Build, validate and write one table; with `verify`, its raw files are first checked
    against the source registry (size and sha256), so only registered bytes are cleaned."""
    tables = registry()
    if name not in tables:
        raise DataError(f"unknown table {name!r}; known: {', '.join(tables)}")
    if verify:
        from ..sources import verify_raw

        verify_raw(tables[name].sources, raw_root)
    df = build(tables[name], raw_root, processed=out_dir)
    return write_parquet(df, Path(out_dir) / f"{name}.parquet")
