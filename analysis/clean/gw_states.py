"""Gleditsch-Ward list of independent states (peacesciencer's `gw_states.rda`).

One row per state spell. The packaged list ends on 2017-12-31 (right-censored:
`enddate` 2017-12-31 means "still a member when the list was made").
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, parse_dates, require_columns, trim_strings

SOURCE, FILE = "gw-states", "gw_states.rda"


def build(raw: RawFiles) -> pd.DataFrame:
    df = raw.read_rdata(SOURCE, FILE, "gw_states")
    require_columns(df, ["gwcode", "stateabb", "statename", "startdate", "enddate"], SOURCE, FILE)
    df = add_source_row(trim_strings(df))
    out = pd.DataFrame(
        {
            "gwcode": pd.to_numeric(df["gwcode"], errors="raise").astype("int64"),
            "stateabb": df["stateabb"].astype("string"),
            "statename": df["statename"].astype("string"),
            "start_date": parse_dates(df, "startdate", SOURCE, FILE, fmt="%Y-%m-%d"),
            "end_date": parse_dates(df, "enddate", SOURCE, FILE, fmt="%Y-%m-%d"),
            "source_row": df["source_row"],
        }
    )
    out["censored"] = out["end_date"] >= coverage(SOURCE).end  # still a member on the list's last day
    return out


SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "gwcode": pa.Column("int64", pa.Check.in_range(2, 999)),
            "stateabb": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}$")),
            "statename": pa.Column("string"),
            "start_date": pa.Column("datetime64[ns]", pa.Check.ge(coverage(SOURCE).start)),
            "end_date": pa.Column("datetime64[ns]", pa.Check.le(coverage(SOURCE).end)),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
            "censored": pa.Column("bool"),
        },
        checks=[pa.Check(lambda d: (d["end_date"] >= d["start_date"]).all(), name="end_after_start")],
        strict=True,
    )
)

TABLES = [
    Table(
        name="gw_states",
        sources=(f"{SOURCE}/{FILE}",),
        build=build,
        schema=SCHEMA,
        key=("gwcode", "start_date"),
        description="Gleditsch-Ward independent states, one row per membership spell (list ends 2017-12-31).",
        citation=("gleditsch1999states", "miller2022peacesciencer"),
    )
]
