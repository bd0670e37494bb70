"""World Bank World Development Indicators: net official development assistance received.

Table
-----
- `wdi_oda`  DT.ODA.ODAT.CD, net ODA received (current US$), one row per World Bank
             economy or aggregate and year, 1960-2018; key (iso2c, year).

Source file: `wdi-oda/development_aid.rds` (an R data frame pulled from the WDI API
in February 2020 by the ada-zhou/dcl_world_infrastructure repository): columns
`iso2c`, `country`, `development_aid`, `year`.

Cleaning rules
--------------
- Values are **current US$, not deflated**. No deflator can be derived from the data
  at hand: the file holds this one series, and the mirror's only economic covariates
  (EWP predictors) are growth rates and population, with no price level or nominal
  and real value pair. Hence the column name `oda_net_current_usd`; compare amounts
  across decades only as nominal figures, or as shares within a year.
- Net flows can be negative (repayments of earlier loans exceed new disbursements,
  e.g. several upper-middle-income economies in the 1990s); they are kept as published.
- A missing value stays missing: the World Bank publishes no figure for that
  economy-year (not a recipient, or not reported), which is not zero.
- A year without any value is dropped: 2019 in this file (the series for 2019 was not
  yet published when the file was pulled). The number of dropped rows is logged.
- `iso2c` is the World Bank's two-character code (ISO 3166 alpha-2 for economies; R's
  `"NA"` is Namibia, not a missing value). Regional, income and lending aggregates
  (`1A` Arab World, `XD` High income, `EU` European Union, ... : `WB_AGGREGATES`) are
  not countries: they stay in the table with `is_aggregate` True and no `gwcode`, so
  that world and group totals can be checked, and every one appears in the crosswalk
  report with outcome ``aggregate``. The file's name for each aggregate code must
  equal the declared one (a code the World Bank reuses would otherwise slip through).
- `gwcode`: the Gleditsch-Ward code of the economy in that year, through the project
  crosswalk (`analysis.crosswalk.Mapper`, scheme ``iso2``). Left missing, with a row in
  the crosswalk report, for aggregates, territories (Aruba, Bermuda, West Bank and
  Gaza, ...; `JG` Channel Islands is declared in `WB_TERRITORIES` because ISO has no
  such code), microstates outside the GW list, and years before independence
  (e.g. South Sudan before 2011; the World Bank reports no value for most of them).
  `RS` (Serbia) before 2006 maps to GW 345 (Yugoslavia / Serbia and Montenegro) through the
  crosswalk's ISO2 alias table, reported as ``mapped-by-exception``; Montenegro's own
  figures for 2003-2005 (`ME`, before its independence) are left unmapped and reported.
  A code that is none of these is a `DataError` naming the file, column and row.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, require_columns

if TYPE_CHECKING:
    from ..crosswalk import Mapper

log = logging.getLogger("r2p.clean.wdi")

ODA = ("wdi-oda", "development_aid.rds")
SOURCE_LABEL = "wdi_oda"  # the `source` of this table's rows in the crosswalk report

#: World Bank aggregates in WDI (code -> WDI name), as listed by the WDI API: regions,
#: income groups, lending groups and other country groups. None is a country.
WB_AGGREGATES: dict[str, str] = {
    "1A": "Arab World",
    "S3": "Caribbean small states",
    "B8": "Central Europe and the Baltics",
    "V2": "Early-demographic dividend",
    "Z4": "East Asia & Pacific",
    "4E": "East Asia & Pacific (excluding high income)",
    "T4": "East Asia & Pacific (IDA & IBRD countries)",
    "XC": "Euro area",
    "Z7": "Europe & Central Asia",
    "7E": "Europe & Central Asia (excluding high income)",
    "T7": "Europe & Central Asia (IDA & IBRD countries)",
    "EU": "European Union",
    "F1": "Fragile and conflict affected situations",
    "XE": "Heavily indebted poor countries (HIPC)",
    "XD": "High income",
    "XF": "IBRD only",
    "ZT": "IDA & IBRD total",
    "XH": "IDA blend",
    "XI": "IDA only",
    "XG": "IDA total",
    "V3": "Late-demographic dividend",
    "ZJ": "Latin America & Caribbean",
    "XJ": "Latin America & Caribbean (excluding high income)",
    "T2": "Latin America & the Caribbean (IDA & IBRD countries)",
    "XL": "Least developed countries: UN classification",
    "XO": "Low & middle income",
    "XM": "Low income",
    "XN": "Lower middle income",
    "ZQ": "Middle East & North Africa",
    "XQ": "Middle East & North Africa (excluding high income)",
    "T3": "Middle East & North Africa (IDA & IBRD countries)",
    "XP": "Middle income",
    "XU": "North America",
    "XY": "Not classified",
    "OE": "OECD members",
    "S4": "Other small states",
    "S2": "Pacific island small states",
    "V4": "Post-demographic dividend",
    "V1": "Pre-demographic dividend",
    "S1": "Small states",
    "8S": "South Asia",
    "T5": "South Asia (IDA & IBRD)",
    "ZG": "Sub-Saharan Africa",
    "ZF": "Sub-Saharan Africa (excluding high income)",
    "T6": "Sub-Saharan Africa (IDA & IBRD countries)",
    "XT": "Upper middle income",
    "1W": "World",
}
#: World Bank economies without an ISO 3166 alpha-2 code that the crosswalk could look up.
WB_TERRITORIES: dict[str, str] = {
    "JG": "Channel Islands (Jersey and Guernsey, British Crown dependencies)",
}

#: `special` codes for `Mapper.to_gw`: (outcome, action) per code.
SPECIAL: dict[str, tuple[str, str]] = {
    **{c: ("aggregate", f"left missing: World Bank aggregate '{n}', not a country") for c, n in WB_AGGREGATES.items()},
    **{
        c: ("non-state/other", f"left missing: {n}, a territory, not a state in the GW list")
        for c, n in WB_TERRITORIES.items()
    },
}

COLUMNS = ["iso2c", "country", "development_aid", "year"]


def map_gwcodes(df: pd.DataFrame, mapper: Mapper) -> pd.Series:
    """GW code per row of the raw or cleaned table (`iso2c`, `year`); records go to `mapper.report()`."""
    return mapper.to_gw(df["iso2c"], "iso2", df["year"], source=SOURCE_LABEL, column="iso2c", special=SPECIAL)


def _text(s: pd.Series) -> pd.Series:
    # a real R NA would be None/NaN here; the string "NA" (Namibia) stays a string
    return s.map(lambda v: v.strip() if isinstance(v, str) else v).astype("string")


def build_oda(raw: RawFiles) -> pd.DataFrame:
    from ..crosswalk import Mapper

    source, file = ODA
    d = raw.read_rdata(source, file)
    require_columns(d, COLUMNS, source, file)
    d = add_source_row(d[COLUMNS]).reset_index(drop=True)
    iso = _text(d["iso2c"])
    bad = iso.isna() | ~iso.fillna("").str.fullmatch(r"[A-Z0-9]{2}")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"not a two-character World Bank code: {d['iso2c'].iloc[i]!r}",
            source=source,
            file=file,
            column="iso2c",
            row=int(d["source_row"].iloc[i]),
        )
    name = _text(d["country"])
    year = pd.to_numeric(d["year"], errors="coerce")
    bad = year.isna() | (year % 1 != 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"not a year: {d['year'].iloc[i]!r}",
            source=source,
            file=file,
            column="year",
            row=int(d["source_row"].iloc[i]),
        )
    value = pd.to_numeric(d["development_aid"], errors="coerce")
    bad = value.isna() & d["development_aid"].notna()
    if bad.any() or not np.isfinite(value.dropna()).all():
        i = int(np.flatnonzero((bad | ~np.isfinite(value.fillna(0))).to_numpy())[0])
        raise DataError(
            f"not a number: {d['development_aid'].iloc[i]!r}",
            source=source,
            file=file,
            column="development_aid",
            row=int(d["source_row"].iloc[i]),
        )
    agg = iso.isin(list(WB_AGGREGATES)).fillna(False).astype(bool)
    wrong = agg & (name != iso.map(WB_AGGREGATES)).fillna(True).astype(bool)
    if wrong.any():
        i = int(np.flatnonzero(wrong.to_numpy())[0])
        raise DataError(
            f"aggregate code {iso.iloc[i]} is named {name.iloc[i]!r} here, {WB_AGGREGATES[iso.iloc[i]]!r} in WB_AGGREGATES",
            source=source,
            file=file,
            column="country",
            row=int(d["source_row"].iloc[i]),
        )
    out = pd.DataFrame(
        {
            "iso2c": iso,
            "country": name,
            "year": year.astype("int64"),
            "oda_net_current_usd": value.astype("Float64"),
            "is_aggregate": agg,
            "source_row": d["source_row"].astype("int64"),
        }
    )
    # years without any value (2019 in this file) are not part of the series
    has = out.groupby("year")["oda_net_current_usd"].transform(lambda s: s.notna().any())
    empty_years = sorted(out.loc[~has, "year"].unique().tolist())
    if empty_years:
        log.info("wdi_oda: dropped %d rows of years without any value: %s", int((~has).sum()), empty_years)
    out = out[has.to_numpy()].reset_index(drop=True)

    mapper = Mapper(raw.table("crosswalk"))
    out["gwcode"] = map_gwcodes(out, mapper).astype("Int64")
    rep = mapper.report()
    unknown = rep[
        (rep["outcome"] == "unmatched") & rep["action"].str.contains("unknown ISO2 code")
        | (rep["outcome"] == "ambiguous")
    ]
    if len(unknown):
        v = unknown["value"].iloc[0]
        i = int(np.flatnonzero((out["iso2c"] == v).to_numpy())[0])
        raise DataError(
            f"country code {v!r} maps to no Gleditsch-Ward state ({unknown['action'].iloc[0]}); "
            "declare it in WB_AGGREGATES or WB_TERRITORIES if it is not a country",
            source=source,
            file=file,
            column="iso2c",
            row=int(out["source_row"].iloc[i]),
        )
    return out[["iso2c", "year", "country", "gwcode", "is_aggregate", "oda_net_current_usd", "source_row"]]


def _schema():
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "iso2c": pa.Column("string", pa.Check.str_matches(r"^[A-Z0-9]{2}$")),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(ODA[0]).span)),
            "country": pa.Column("string"),
            "gwcode": pa.Column("Int64", pa.Check.in_range(2, 999), nullable=True),
            "is_aggregate": pa.Column("bool"),
            "oda_net_current_usd": pa.Column("Float64", nullable=True),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda d: d["gwcode"].isna() | ~d["is_aggregate"], name="aggregates_have_no_gwcode"),
            # one economy per GW state and year (two codes on one state would double its aid)
            pa.Check(
                lambda d: (
                    ~d.dropna(subset=["gwcode"])
                    .duplicated(["gwcode", "year"], keep=False)
                    .reindex(d.index, fill_value=False)
                ),
                name="gwcode_year_unique",
            ),
        ],
        strict=True,
        ordered=True,
    )


TABLES = [
    Table(
        name="wdi_oda",
        sources=("wdi-oda/development_aid.rds",),
        build=build_oda,
        schema=LazySchema(_schema),
        key=("iso2c", "year"),
        description=(
            "World Bank WDI DT.ODA.ODAT.CD: net official development assistance received, in current US$ "
            "(nominal, not deflated: no deflator can be derived from the mirrored data), one row per World Bank "
            "economy or aggregate and year, 1960-2018 (2019 is empty in the February 2020 pull and dropped). "
            "Negative net flows kept; missing means no figure published, not zero. Gleditsch-Ward code through "
            "the crosswalk; regional/income aggregates flagged (is_aggregate) with no code; every code not mapped "
            "is in crosswalk_report.csv."
        ),
        citation=("worldbank2020wdi",),
        tables=("crosswalk",),
    ),
]
