"""One error type for bad input, naming where the problem is.

Every failure caused by data (a checksum, a missing file, a missing column, an
unknown code, a duplicate key, an unparseable date) is raised as `DataError`,
whose message names the source, the file, and where they exist the column and
the row, so that a user can open the file and find the problem.
"""

from __future__ import annotations


class DataError(Exception):
    """A problem with an input file, located as precisely as possible.

    `row` is the 1-based data row in the raw file (header not counted) when the
    problem can be traced to one; `rows` may list several.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        file: str | None = None,
        column: str | None = None,
        row: int | None = None,
        rows: list[int] | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.file = file
        self.column = column
        self.row = row
        self.rows = rows
        super().__init__(str(self))

    def __str__(self) -> str:  # pragma: no cover - trivial formatting
        where = []
        if self.source:
            where.append(f"source {self.source}")
        if self.file:
            where.append(f"file {self.file}")
        if self.column:
            where.append(f"column {self.column!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        elif self.rows:
            shown = ", ".join(str(r) for r in self.rows[:10])
            more = f" (+{len(self.rows) - 10} more)" if len(self.rows) > 10 else ""
            where.append(f"rows {shown}{more}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message
