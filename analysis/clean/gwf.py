"""Geddes-Wright-Frantz (GWF) regimes, 1946-2010, as packaged by democracyData.

Two packaged files, both country-year:

- `gwf_all.rda` (7,954 rows): every country-year, autocratic or not. Autocratic
  years carry `gwf_regimetype`; other years carry `gwf_nonautocracy`
  (democracy, warlord, provisional, foreign-occupied, not-independent, ...).
  `gwf_fail` marks the last year of any regime spell, autocratic or not.
- `gwf_autocratic.rda` (4,591 rows, the GWF "TSCS" file): autocratic years only,
  with the start/end dates of the regime and how it ended (`gwf_fail_type`),
  what followed (`gwf_fail_subsregime`) and how violent the end was
  (`gwf_fail_violent`).

The table `gwf` is `gwf_all` with the autocratic-only columns joined on
(GWF's own COW code, year); the join is one-to-one and every autocratic row
matches. Failure-type columns are missing (NA) in non-autocratic years: GWF
codes how *autocratic* regimes end, not how democracies or occupations end.

Codes are decoded from the GWF codebook (v1.2), as documented in democracyData.
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
    parse_dates,
    require_columns,
    to_bool01,
    to_int,
    trim_strings,
)

SOURCE = "gwf"
FILE_ALL = "gwf_all.rda"
FILE_AUT = "gwf_autocratic.rda"

#: Autocratic regime types in gwf_all (gwf_autocratic spells "party" as "party-based"
#: and "party-military-personal" as "party-personal-military").
REGIME_TYPES = (
    "party",
    "personal",
    "military",
    "monarchy",
    "oligarchy",
    "indirect military",
    "party-personal",
    "party-military",
    "military-personal",
    "party-military-personal",
)
#: Non-autocratic conditions in gwf_all.
NONAUTOCRACY = (
    "democracy",
    "warlord",
    "provisional",
    "foreign-occupied",
    "warlord/foreign-occupied",
    "not-independent",
)
#: Values of gwf_prior / gwf_next (regime type before / after the current spell), as coded by GWF.
#: "sp..." and "tthreat" are GWF's own short codes, kept as given.
PRIOR_NEXT = REGIME_TYPES + NONAUTOCRACY + ("milpersonal", "spmilitary", "sppersonal", "tthreat")

FAIL_TYPE = {
    0: "no failure",
    1: "regime insiders changed the rules",
    2: "incumbent lost election",
    3: "competitive election without incumbent candidate",
    4: "popular uprising",
    5: "military coup",
    6: "insurgency, revolution or civil war",
    7: "foreign imposition or invasion",
    8: "new autocratic leader changed the rules",
    9: "state dissolved or lost control of territory",
}
FAIL_SUBSREGIME = {
    0: "no failure",
    1: "democracy",
    2: "autocracy",
    3: "neither (no or multiple governments, foreign occupation, warlords)",
}
FAIL_VIOLENT = {0: "no failure", 1: "no deaths", 2: "1-25 deaths", 3: "26-1000 deaths", 4: "more than 1000 deaths"}

ALL_COLUMNS = [
    "gwf_cowcode",
    "year",
    "gwf_casename",
    "gwf_country",
    "gwf_regimetype",
    "gwf_next",
    "gwf_prior",
    "gwf_spell",
    "gwf_duration",
    "gwf_fail",
    "gwf_party",
    "gwf_military",
    "gwf_monarchy",
    "gwf_personal",
    "gwf_nonautocracy",
    "gwf_disagree",
    "extended_country_name",
    "GWn",
    "cown",
    "in_GW_system",
]
AUT_COLUMNS = [
    "gwf_cowcode",
    "year",
    "gwf_startdate",
    "gwf_enddate",
    "gwf_fail",
    "gwf_fail_subsregime",
    "gwf_fail_type",
    "gwf_fail_violent",
]


def _label(codes: pd.Series, mapping: dict[int, str]) -> pd.Series:
    return codes.map(mapping, na_action="ignore").astype("string")


def transform(all_raw: pd.DataFrame, aut_raw: pd.DataFrame) -> pd.DataFrame:
    require_columns(all_raw, ALL_COLUMNS, SOURCE, FILE_ALL)
    require_columns(aut_raw, AUT_COLUMNS, SOURCE, FILE_AUT)
    a = add_source_row(trim_strings(all_raw))
    b = add_source_row(trim_strings(aut_raw))

    out = pd.DataFrame(
        {
            "gwf_cowcode": to_int(a, "gwf_cowcode", SOURCE, FILE_ALL, nullable=False),
            "cowcode": to_int(a, "cown", SOURCE, FILE_ALL),
            "gwcode": to_int(a, "GWn", SOURCE, FILE_ALL),
            "year": to_int(a, "year", SOURCE, FILE_ALL, nullable=False),
            "country": a["gwf_country"].astype("string"),
            "country_std": a["extended_country_name"].astype("string"),
            "in_gw_system": a["in_GW_system"].astype("bool"),
            "gwf_casename": a["gwf_casename"].astype("string"),
            "gwf_regimetype": a["gwf_regimetype"].astype("string"),
            "gwf_nonautocracy": a["gwf_nonautocracy"].astype("string"),
            "gwf_prior": a["gwf_prior"].astype("string"),
            "gwf_next": a["gwf_next"].astype("string"),
            "gwf_spell": to_int(a, "gwf_spell", SOURCE, FILE_ALL),
            "gwf_duration": to_int(a, "gwf_duration", SOURCE, FILE_ALL),
            "gwf_fail": to_bool01(a, "gwf_fail", SOURCE, FILE_ALL),
            "gwf_party": to_bool01(a, "gwf_party", SOURCE, FILE_ALL),
            "gwf_military": to_bool01(a, "gwf_military", SOURCE, FILE_ALL),
            "gwf_monarchy": to_bool01(a, "gwf_monarchy", SOURCE, FILE_ALL),
            "gwf_personal": to_bool01(a, "gwf_personal", SOURCE, FILE_ALL),
            "gwf_disagree": to_int(a, "gwf_disagree", SOURCE, FILE_ALL),
            "source_row": a["source_row"],
        }
    )
    out["autocracy"] = out["gwf_regimetype"].notna()
    out["gwf_regime"] = out["gwf_regimetype"].fillna(out["gwf_nonautocracy"])

    aut = pd.DataFrame(
        {
            "gwf_cowcode": to_int(b, "gwf_cowcode", SOURCE, FILE_AUT, nullable=False),
            "year": to_int(b, "year", SOURCE, FILE_AUT, nullable=False),
            "gwf_startdate": parse_dates(b, "gwf_startdate", SOURCE, FILE_AUT, fmt="%Y-%m-%d"),
            "gwf_enddate": parse_dates(b, "gwf_enddate", SOURCE, FILE_AUT, fmt="%Y-%m-%d"),
            "aut_fail": to_bool01(b, "gwf_fail", SOURCE, FILE_AUT),
            "gwf_fail_type": to_int(b, "gwf_fail_type", SOURCE, FILE_AUT),
            "gwf_fail_subsregime": to_int(b, "gwf_fail_subsregime", SOURCE, FILE_AUT),
            "gwf_fail_violent": to_int(b, "gwf_fail_violent", SOURCE, FILE_AUT),
            "source_row_autocratic": b["source_row"].astype("Int64"),
        }
    )
    dup = aut.duplicated(["gwf_cowcode", "year"], keep=False)
    if dup.any():
        raise DataError(
            "duplicate (gwf_cowcode, year)",
            source=SOURCE,
            file=FILE_AUT,
            column="gwf_cowcode,year",
            rows=aut.loc[dup, "source_row_autocratic"].astype(int).tolist(),
        )
    out = out.merge(aut, on=["gwf_cowcode", "year"], how="outer", indicator=True, validate="one_to_one")
    orphan = out["_merge"].eq("right_only")
    if orphan.any():
        raise DataError(
            "autocratic country-year missing from gwf_all",
            source=SOURCE,
            file=FILE_AUT,
            column="gwf_cowcode,year",
            rows=out.loc[orphan, "source_row_autocratic"].astype(int).tolist(),
        )
    both = out["_merge"].eq("both")
    clash = both & (out["aut_fail"].astype("boolean") != out["gwf_fail"])
    if clash.any():
        raise DataError(
            "gwf_fail differs between gwf_all and gwf_autocratic",
            source=SOURCE,
            file=FILE_AUT,
            column="gwf_fail",
            rows=out.loc[clash, "source_row_autocratic"].astype(int).tolist(),
        )
    out = out.drop(columns=["_merge", "aut_fail"])
    out["source_row"] = out["source_row"].astype("int64")
    for col, mapping in (
        ("gwf_fail_type", FAIL_TYPE),
        ("gwf_fail_subsregime", FAIL_SUBSREGIME),
        ("gwf_fail_violent", FAIL_VIOLENT),
    ):
        out[f"{col}_label"] = _label(out[col], mapping)
    return out[COLUMNS]


def build(raw: RawFiles) -> pd.DataFrame:
    return transform(raw.read_rdata(SOURCE, FILE_ALL, "gwf_all"), raw.read_rdata(SOURCE, FILE_AUT, "gwf_autocratic"))


COLUMNS = [
    "gwf_cowcode",
    "cowcode",
    "gwcode",
    "year",
    "country",
    "country_std",
    "in_gw_system",
    "gwf_casename",
    "gwf_regime",
    "autocracy",
    "gwf_regimetype",
    "gwf_nonautocracy",
    "gwf_prior",
    "gwf_next",
    "gwf_party",
    "gwf_military",
    "gwf_monarchy",
    "gwf_personal",
    "gwf_spell",
    "gwf_duration",
    "gwf_startdate",
    "gwf_enddate",
    "gwf_fail",
    "gwf_fail_type",
    "gwf_fail_type_label",
    "gwf_fail_subsregime",
    "gwf_fail_subsregime_label",
    "gwf_fail_violent",
    "gwf_fail_violent_label",
    "gwf_disagree",
    "source_row",
    "source_row_autocratic",
]


def _isin(values, nullable=True):
    return {"checks": pa.Check.isin(list(values)), "nullable": nullable}


def _consistent(d: pd.DataFrame) -> bool:
    """Exactly one of regimetype / nonautocracy; failure codes present iff autocratic; 0 iff no failure."""
    one = d["gwf_regimetype"].notna() ^ d["gwf_nonautocracy"].notna()
    coded = d["gwf_fail_type"].notna() == d["autocracy"]
    aut = d[d["autocracy"]]
    zero = (aut["gwf_fail_type"].eq(0) == ~aut["gwf_fail"]) & (aut["gwf_fail_subsregime"].eq(0) == ~aut["gwf_fail"])
    return bool(one.all() and coded.all() and zero.all())


SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "gwf_cowcode": pa.Column("Int64", pa.Check.in_range(2, 999)),
            "cowcode": pa.Column("Int64", pa.Check.in_range(2, 999), nullable=True),
            "gwcode": pa.Column("Int64", pa.Check.in_range(2, 999), nullable=True),
            "year": pa.Column("Int64", pa.Check.in_range(*coverage(SOURCE).span)),
            "country": pa.Column("string"),
            "country_std": pa.Column("string", nullable=True),
            "in_gw_system": pa.Column("bool"),
            "gwf_casename": pa.Column("string"),
            "gwf_regime": pa.Column("string", **_isin(REGIME_TYPES + NONAUTOCRACY, nullable=False)),
            "autocracy": pa.Column("bool"),
            "gwf_regimetype": pa.Column("string", **_isin(REGIME_TYPES)),
            "gwf_nonautocracy": pa.Column("string", **_isin(NONAUTOCRACY)),
            "gwf_prior": pa.Column("string", **_isin(PRIOR_NEXT)),
            "gwf_next": pa.Column("string", **_isin(PRIOR_NEXT)),
            "gwf_party": pa.Column("bool"),
            "gwf_military": pa.Column("bool"),
            "gwf_monarchy": pa.Column("bool"),
            "gwf_personal": pa.Column("bool"),
            "gwf_spell": pa.Column("Int64", pa.Check.ge(1)),
            "gwf_duration": pa.Column("Int64", pa.Check.ge(1)),
            "gwf_startdate": pa.Column("datetime64[ns]", nullable=True),
            "gwf_enddate": pa.Column("datetime64[ns]", pa.Check.le(coverage(SOURCE).end), nullable=True),
            "gwf_fail": pa.Column("bool"),
            "gwf_fail_type": pa.Column("Int64", **_isin(FAIL_TYPE)),
            "gwf_fail_type_label": pa.Column("string", nullable=True),
            "gwf_fail_subsregime": pa.Column("Int64", **_isin(FAIL_SUBSREGIME)),
            "gwf_fail_subsregime_label": pa.Column("string", nullable=True),
            "gwf_fail_violent": pa.Column("Int64", **_isin(FAIL_VIOLENT)),
            "gwf_fail_violent_label": pa.Column("string", nullable=True),
            "gwf_disagree": pa.Column("Int64", pa.Check.in_range(0, 6)),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
            "source_row_autocratic": pa.Column("Int64", pa.Check.ge(1), nullable=True),
        },
        checks=[pa.Check(_consistent, name="regime_and_failure_codes_consistent")],
        strict=True,
    )
)

TABLES = [
    Table(
        name="gwf",
        sources=(f"{SOURCE}/{FILE_ALL}", f"{SOURCE}/{FILE_AUT}"),
        build=build,
        schema=SCHEMA,
        key=("gwf_cowcode", "year"),
        description=(
            "Geddes-Wright-Frantz regimes, country-year 1946-2010: regime type (autocratic subtype or "
            "non-autocratic condition), regime failure and, for autocratic regimes, how it ended "
            "(coup, uprising, foreign imposition, ...), what followed and how violent it was."
        ),
        citation=("geddes2014gwf", "marquez2023democracydata"),
    )
]
