"""Polity5 country-years (1776-2018, plus USA 2019-2020), as packaged by democracyData.

Special codes in `polity`, `democ` and `autoc`: -66 interruption (foreign
occupation), -77 interregnum (collapse of central authority), -88 transition.
They become missing values; the reason is kept in `polity_missing`.
`polity2` is Polity's own "revised combined score" for time series: it already
replaces -77 by 0 and interpolates -88 periods; -66 years (and -88 periods at
the start or end of a series, which cannot be interpolated) are missing, with
the reason in `polity2_missing`.

Country codes: `polity_ccode` is Polity's own numeric code (COW-like but not
COW: e.g. Polity 626 is Sudan-North, where COW 626 is South Sudan), and the
table key is (polity_ccode, year), which is unique. democracyData adds a COW
code (`cowcode`, missing for 3 pre-1903 polities) and a Gleditsch-Ward code
(`gwcode`). Neither is unique by year: in a state-transition year Polity has
both the old and the new polity (USSR and Russia in 1922, Ethiopia 529/530 in
1993, Sudan 625/626 in 2011, ...). `cowcode_shared` / `gwcode_shared` flag
those rows so a join on COW or GW codes can decide which to keep.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import (
    LazySchema,
    RawFiles,
    Table,
    add_source_row,
    require_columns,
    sentinels_to_na,
    to_bool01,
    to_int,
    trim_strings,
)

SOURCE, FILE = "polity5", "polity5.rda"

#: Polity's special codes for polity / democ / autoc.
SPECIAL = {-66: "interruption", -77: "interregnum", -88: "transition"}
#: Values of `regtrans` (regime transition) in the Polity5 manual: -2..3 size/direction of change,
#: -66/-77/-88 as above, 96-99 state disintegration / transformation / demise / creation.
REGTRANS = (-88, -77, -66, -2, -1, 0, 1, 2, 3, 96, 97, 98, 99)

RAW_COLUMNS = [
    "p5",
    "polity_annual_ccode",
    "scode",
    "polity_annual_country",
    "year",
    "flag",
    "fragment",
    "democ",
    "autoc",
    "polity",
    "polity2",
    "durable",
    "regtrans",
    "extended_country_name",
    "GWn",
    "cown",
    "in_GW_system",
]


def transform(raw_df: pd.DataFrame) -> pd.DataFrame:
    require_columns(raw_df, RAW_COLUMNS, SOURCE, FILE)
    df = add_source_row(trim_strings(raw_df))
    ints = {
        c: to_int(df, c, SOURCE, FILE)
        for c in (
            "polity_annual_ccode",
            "year",
            "democ",
            "autoc",
            "polity",
            "polity2",
            "durable",
            "regtrans",
            "flag",
            "fragment",
            "GWn",
            "cown",
        )
    }
    out = pd.DataFrame(
        {
            "polity_ccode": ints["polity_annual_ccode"],
            "cowcode": ints["cown"],
            "gwcode": ints["GWn"],
            "scode": df["scode"].astype("string"),
            "country": df["polity_annual_country"].astype("string"),
            "country_std": df["extended_country_name"].astype("string"),
            "year": ints["year"],
            "in_gw_system": df["in_GW_system"].astype("bool"),
            "polity": ints["polity"],
            "democ": ints["democ"],
            "autoc": ints["autoc"],
            "polity2": ints["polity2"],
            "durable": ints["durable"],
            "regtrans": ints["regtrans"],
            "flag": ints["flag"],
            "fragment": ints["fragment"],
            "p5": to_bool01(df, "p5", SOURCE, FILE),
            "source_row": df["source_row"],
        }
    )
    special = out["polity"].isin(list(SPECIAL))
    for col in ("democ", "autoc"):
        differ = (special != out[col].isin(list(SPECIAL))) | (special & (out[col] != out["polity"]))
        if differ.any():
            i = differ.idxmax()
            raise DataError(
                f"special code in {col} ({out.loc[i, col]}) does not match polity ({out.loc[i, 'polity']})",
                source=SOURCE,
                file=FILE,
                column=col,
                row=int(out.loc[i, "source_row"]),
            )
    out = sentinels_to_na(out, ["polity"], SPECIAL, keep_reason=True)
    out = sentinels_to_na(out, ["democ", "autoc"], SPECIAL)
    out["polity2_missing"] = out["polity_missing"].where(out["polity2"].isna()).astype("string")
    for col in ("polity", "democ", "autoc"):
        out[col] = out[col].astype("Int64")
    for code, col in (("cowcode", "cowcode_shared"), ("gwcode", "gwcode_shared")):
        out[col] = out[code].notna() & out.duplicated([code, "year"], keep=False)
    return out[COLUMNS]


def build(raw: RawFiles) -> pd.DataFrame:
    return transform(raw.read_rdata(SOURCE, FILE, "polity5"))


COLUMNS = [
    "polity_ccode",
    "cowcode",
    "gwcode",
    "scode",
    "country",
    "country_std",
    "year",
    "in_gw_system",
    "polity",
    "polity_missing",
    "democ",
    "autoc",
    "polity2",
    "polity2_missing",
    "durable",
    "regtrans",
    "flag",
    "fragment",
    "p5",
    "cowcode_shared",
    "gwcode_shared",
    "source_row",
]

_REASONS = list(SPECIAL.values())


def _consistent(d: pd.DataFrame) -> bool:
    """polity = democ - autoc where coded; a reason exactly where polity (polity2) is missing."""
    coded = d["polity"].notna()
    diff = (d.loc[coded, "democ"] - d.loc[coded, "autoc"] == d.loc[coded, "polity"]).all()
    reason = (d["polity_missing"].notna() == d["polity"].isna()).all()
    reason2 = (d["polity2_missing"].notna() == d["polity2"].isna()).all()
    return bool(diff and reason and reason2)


#: The packaged file adds the USA for 2019-2020, after Polity5's coverage (config/sources.yaml).
USA_EXTENSION_LAST = 2020


SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "polity_ccode": pa.Column("Int64", pa.Check.in_range(2, 999)),
            "cowcode": pa.Column("Int64", pa.Check.in_range(2, 999), nullable=True),
            "gwcode": pa.Column("Int64", pa.Check.in_range(2, 999)),
            "scode": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}$")),
            "country": pa.Column("string"),
            "country_std": pa.Column("string"),
            "year": pa.Column("Int64", pa.Check.in_range(coverage(SOURCE).first, USA_EXTENSION_LAST)),
            "in_gw_system": pa.Column("bool"),
            "polity": pa.Column("Int64", pa.Check.in_range(-10, 10), nullable=True),
            "polity_missing": pa.Column("string", pa.Check.isin(_REASONS), nullable=True),
            "democ": pa.Column("Int64", pa.Check.in_range(0, 10), nullable=True),
            "autoc": pa.Column("Int64", pa.Check.in_range(0, 10), nullable=True),
            "polity2": pa.Column("Int64", pa.Check.in_range(-10, 10), nullable=True),
            "polity2_missing": pa.Column("string", pa.Check.isin(_REASONS), nullable=True),
            "durable": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "regtrans": pa.Column("Int64", pa.Check.isin(list(REGTRANS)), nullable=True),
            "flag": pa.Column("Int64", pa.Check.isin([0, 1, 2])),
            "fragment": pa.Column("Int64", pa.Check.isin([0, 1, 2, 3]), nullable=True),
            "p5": pa.Column("bool"),
            "cowcode_shared": pa.Column("bool"),
            "gwcode_shared": pa.Column("bool"),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[pa.Check(_consistent, name="polity_components_and_reasons_consistent")],
        strict=True,
    )
)

TABLES = [
    Table(
        name="polity5",
        sources=(f"{SOURCE}/{FILE}",),
        build=build,
        schema=SCHEMA,
        key=("polity_ccode", "year"),
        description=(
            "Polity5 country-years: polity, democ, autoc (special codes -66/-77/-88 -> missing, reason in "
            "polity_missing), polity2 (Polity's interpolated series), durable, regtrans; Polity, COW and GW codes."
        ),
        citation=("marshall2020polity5", "marquez2023democracydata"),
    )
]
