"""Archigos 4.1 political leaders (peacesciencer's `archigos.rda`): one row per leader spell.

The packaged subset has 3,409 spells and the columns obsid, gwcode, leadid,
leader, yrborn, gender, startdate, enddate, entry, exit, exitcode (no
`posttenurefate`). Country codes are Gleditsch-Ward (the column is `gwcode`;
peacesciencer's help page calls it `ccode`). Data end on 2015-12-31.

Exit coding. `exit` is Archigos's manner of exit; "Foreign" means the leader
was removed by another state. `exitcode` details irregular and foreign exits.
Derived flags (all plain booleans; "False" means "not coded as such", so an
`exitcode` of "Unknown" -- 147 spells, 122 of them irregular -- counts False):

- `irregular_exit`: exit == "Irregular";
- `foreign_removed`: removed by another state, i.e. exit == "Foreign" (72
  spells); every "Removed through Threat of Foreign Force" exitcode (45) has
  this exit, the others with it have exitcode "Unknown" (22) or
  "Irregular, Other" (5);
- `foreign_supported`: exitcode is one of `FOREIGN_SUPPORT_CODES`, the four
  "..., with Foreign Support" values (removed by rebels / the military /
  other government actors, or by popular protest, with foreign support);
- `foreign_imposed`: foreign_removed or foreign_supported;
- `still_in_office`: exit == "Still in Office" (right-censored spell; 165 end
  on 2015-12-31, 3 on 2014-12-31);
- `entry_foreign_imposed`: entry == "Foreign Imposition".
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, parse_dates, require_columns, to_int, trim_strings

SOURCE, FILE = "archigos-4.1", "archigos.rda"

ENTRY_VALUES = ["Regular", "Irregular", "Foreign Imposition", "Unknown"]
EXIT_LABELS = {
    "Regular": "Regular",
    "Irregular": "Irregular",
    "Natural Death": "Natural death",
    "Retired Due to Ill Health": "Retired due to ill health",
    "Suicide": "Suicide",
    "Foreign": "Removed by another state",
    "Still in Office": "Still in office (censored)",
    "Unknown": "Unknown",
}
FOREIGN_SUPPORT_CODES = [
    "Removed by Rebels, with Foreign Support",
    "Removed by Military, with Foreign Support",
    "Removed by Other Government Actors, with Foreign Support",
    "Popular Protest, with Foreign Support",
]
EXITCODE_VALUES = [
    "Regular",
    "Still in Office",
    "Unknown",
    "Removed through Threat of Foreign Force",
    "Removed by Military, without Foreign Support",
    "Removed by Rebels, without Foreign Support",
    "Removed by Other Government Actors, without Foreign Support",
    "Popular Protest, without Foreign Support",
    "Removed in Military Power Struggle Short of Coup",
    "Assassination by Unsupported Individual",
    "Irregular, Other",
    *FOREIGN_SUPPORT_CODES,
]

RAW = ["obsid", "gwcode", "leadid", "leader", "yrborn", "gender", "startdate", "enddate", "entry", "exit", "exitcode"]


def _check_values(df: pd.DataFrame, col: str, allowed) -> None:
    bad = df[col].isna() | ~df[col].isin(list(allowed))
    if bad.any():
        i = bad.idxmax()
        raise DataError(
            f"unknown value {df.loc[i, col]!r}", source=SOURCE, file=FILE, column=col, row=int(df.loc[i, "source_row"])
        )


def build(raw: RawFiles) -> pd.DataFrame:
    df = raw.read_rdata(SOURCE, FILE, "archigos")
    require_columns(df, RAW, SOURCE, FILE)
    df = add_source_row(trim_strings(df))
    for col, allowed in (("entry", ENTRY_VALUES), ("exit", EXIT_LABELS), ("exitcode", EXITCODE_VALUES)):
        _check_values(df, col, allowed)
    out = pd.DataFrame(
        {
            "obsid": df["obsid"].astype("string"),
            "leadid": df["leadid"].astype("string"),
            "gwcode": to_int(df, "gwcode", SOURCE, FILE, nullable=False).astype("int64"),
            "leader": df["leader"].astype("string"),
            "yrborn": to_int(df, "yrborn", SOURCE, FILE),
            "gender": df["gender"].astype("string"),
            "start_date": parse_dates(df, "startdate", SOURCE, FILE),
            "end_date": parse_dates(df, "enddate", SOURCE, FILE),
            "entry": df["entry"].astype("string"),
            "exit": df["exit"].astype("string"),
            "exit_label": df["exit"].map(EXIT_LABELS).astype("string"),
            "exitcode": df["exitcode"].astype("string"),
        }
    )
    out["irregular_exit"] = (df["exit"] == "Irregular").astype(bool)
    out["foreign_removed"] = (df["exit"] == "Foreign").astype(bool)
    out["foreign_supported"] = df["exitcode"].isin(FOREIGN_SUPPORT_CODES).astype(bool)
    out["foreign_imposed"] = out["foreign_removed"] | out["foreign_supported"]
    out["still_in_office"] = (df["exit"] == "Still in Office").astype(bool)
    out["entry_foreign_imposed"] = (df["entry"] == "Foreign Imposition").astype(bool)
    out["source_row"] = df["source_row"].astype("int64")
    return out


SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "obsid": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}-\d{4}(-\d+)?$"), unique=True),
            "leadid": pa.Column(
                "string", pa.Check.str_matches(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
            ),
            "gwcode": pa.Column("int64", pa.Check.in_range(2, 999)),
            "leader": pa.Column("string"),
            "yrborn": pa.Column("Int64", pa.Check.in_range(1750, 2000), nullable=True),
            "gender": pa.Column("string", pa.Check.isin(["M", "F"])),
            "start_date": pa.Column(
                "datetime64[ns]", pa.Check.in_range(pd.Timestamp("1800-01-01"), coverage(SOURCE).end)
            ),
            "end_date": pa.Column(
                "datetime64[ns]", pa.Check.in_range(pd.Timestamp("1800-01-01"), coverage(SOURCE).end)
            ),
            "entry": pa.Column("string", pa.Check.isin(ENTRY_VALUES)),
            "exit": pa.Column("string", pa.Check.isin(list(EXIT_LABELS))),
            "exit_label": pa.Column("string", pa.Check.isin(list(EXIT_LABELS.values()))),
            "exitcode": pa.Column("string", pa.Check.isin(EXITCODE_VALUES)),
            "irregular_exit": pa.Column("bool"),
            "foreign_removed": pa.Column("bool"),
            "foreign_supported": pa.Column("bool"),
            "foreign_imposed": pa.Column("bool"),
            "still_in_office": pa.Column("bool"),
            "entry_foreign_imposed": pa.Column("bool"),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda d: (d["end_date"] >= d["start_date"]).all(), name="end_after_start"),
            pa.Check(
                lambda d: ((d["exit"] == "Still in Office") == (d["exitcode"] == "Still in Office")).all(),
                name="still_in_office_consistent",
            ),
            pa.Check(
                lambda d: (~d["exitcode"].eq("Removed through Threat of Foreign Force") | d["foreign_removed"]).all(),
                name="threat_of_foreign_force_is_foreign_exit",
            ),
        ],
        strict=True,
    )
)

TABLES = [
    Table(
        name="archigos",
        sources=(f"{SOURCE}/{FILE}",),
        build=build,
        schema=SCHEMA,
        key=("obsid",),
        description="Archigos 4.1 political leaders, one row per leader spell (peacesciencer subset; data end 2015-12-31).",
        citation=("goemans2009archigos", "miller2022peacesciencer"),
    )
]
