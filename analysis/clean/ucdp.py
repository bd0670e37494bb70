"""UCDP family: armed conflict (ACD), one-sided violence (25.1 and 21.1), battle deaths, non-state.

Tables
------
- `ucdp_acd`          UCDP/PRIO Armed Conflict Dataset 25.1, conflict-year, key (conflict_id, year).
- `ucdp_onesided`     One-sided Violence 25.1 (R .rds), actor-year, key (conflict_id, year).
- `ucdp_onesided_21`  One-sided Violence 21.1 (CSV), same columns as `ucdp_onesided`.
- `ucdp_brd`          Battle-Related Deaths 25.1 (dyadic), dyad-year, key (dyad_id, year).
- `ucdp_nonstate`     Non-State Conflict 23.1, conflict-year, key (conflict_id, year).

Cleaning rules (all tables)
---------------------------
- Every cell is read as text, whitespace trimmed, line breaks inside names removed
  ("Congo-\\nKinshasa" -> "Congo-Kinshasa"); empty cells and UCDP's missing-data code
  -99 (ACD codebook section 4) become missing. UCDP has a single missing code, so no
  `<col>_missing` reason column is kept.
- Comma-separated id/code fields become `<col>_list` (list of str, e.g. ["2", "200"]),
  the raw string column is dropped. Actor *names* (side_a, side_b, actor_name, ...) stay
  whole strings: names themselves contain commas ("Military faction (forces of Honasan,
  Abenina & Zumel)"), so they cannot be split reliably; use the id lists instead.
- Codes are decoded into `<col>_label` from the codebooks; an unknown code raises
  `DataError` naming the column and the raw row.
- 0/1 dummies become bool; dates (YYYY-MM-DD) become datetime64.
- Fatality estimates are kept as published. UCDP's low <= best <= high does not always
  hold (a handful of rows in BRD, one-sided and non-state); it is not enforced.
- The two one-sided releases get identical column names and dtypes, so they can be
  swapped in a specification curve; `version` tells them apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, parse_dates, require_columns

#: UCDP's missing-data code (ACD codebook, section 4 "Missing data").
MISSING_CODE = "-99"

ACD = ("ucdp-acd-25.1", "UcdpPrioConflict_v25_1.csv")
ONESIDED = ("ucdp-onesided-25.1", "OneSided_v25_1.rds")
ONESIDED_21 = ("ucdp-onesided-21.1", "ucdp-onesided-211.csv")
BRD = ("ucdp-brd-25.1", "BattleDeaths_v25_1.csv")
NONSTATE = ("ucdp-nonstate-23.1", "Nonstate_v23_1.csv")

# --------------------------------------------------------------------------- codebook labels

TYPE_OF_CONFLICT = {
    1: "extrasystemic",
    2: "interstate",
    3: "intrastate",
    4: "internationalized intrastate",
}
INTENSITY_LEVEL = {1: "minor (25-999 battle-related deaths)", 2: "war (1,000+ battle-related deaths)"}
INCOMPATIBILITY = {1: "territory", 2: "government", 3: "government and territory"}
#: Precision of start dates (ACD codebook 4.3); episode end dates use 1-5 (4.4).
DATE_PRECISION = (1, 2, 3, 4, 5, 6, 7)
END_PRECISION = (1, 2, 3, 4, 5)
#: Region codes (all UCDP codebooks): 1 Europe, 2 Middle East, 3 Asia, 4 Africa, 5 Americas.
REGIONS = ("1", "2", "3", "4", "5")
#: Non-state conflict organisational level (Non-State codebook, variable `org`).
ORG = {
    1: "formally organized groups",
    2: "informally organized: supporters of political parties or candidates",
    3: "informally organized: identity groups (ethnic, clan, religious, national, tribal)",
}

# --------------------------------------------------------------------------- reading helpers


def _text(v) -> object:
    """One raw cell as trimmed text; empty and -99 -> NA."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return pd.NA
    if isinstance(v, float) and v.is_integer():
        v = str(int(v))
    s = str(v)
    s = re.sub(r"-\s*\n\s*", "-", s)  # hyphenated line break inside a name
    s = re.sub(r"\s*\n\s*", " ", s).strip()
    if s == "" or s == MISSING_CODE:
        return pd.NA
    return s


def _load(raw: RawFiles, src: tuple[str, str], required: list[str]) -> pd.DataFrame:
    source, file = src
    if file.endswith(".rds"):
        df = raw.read_rdata(source, file)
    else:
        df = raw.read_csv(source, file, dtype=str, keep_default_na=False)
    require_columns(df, required, source, file)
    df = df[required].copy()
    for c in required:
        df[c] = df[c].map(_text).astype(object)
    return add_source_row(df).reset_index(drop=True)


def _err(df: pd.DataFrame, src: tuple[str, str], col: str, mask: pd.Series, msg: str) -> DataError:
    i = mask.idxmax()
    return DataError(
        f"{msg}: {df.loc[i, col]!r}", source=src[0], file=src[1], column=col, row=int(df.loc[i, "source_row"])
    )


def _int(df: pd.DataFrame, src, col: str, nullable: bool = False) -> pd.Series:
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce")
    bad = raw.notna() & (num.isna() | (num % 1 != 0))
    if bad.any():
        raise _err(df, src, col, bad, "not an integer")
    if not nullable:
        if raw.isna().any():
            raise _err(df, src, col, raw.isna(), "required value missing")
        return num.astype("int64")
    return num.astype("Int64")


def _code(df: pd.DataFrame, src, col: str, labels: Mapping[int, str], nullable: bool = False):
    """Integer code column plus its label; unknown codes raise DataError (column, row)."""
    codes = _int(df, src, col, nullable=nullable)
    bad = codes.notna() & ~codes.isin(list(labels))
    if bad.any():
        allowed = ", ".join(f"{k} {v}" for k, v in labels.items())
        raise _err(df, src, col, bad.astype(bool), f"unknown code (allowed: {allowed})")
    lab = codes.map(labels, na_action="ignore").astype("string")
    return codes, lab


def _flag(df: pd.DataFrame, src, col: str) -> pd.Series:
    codes, _ = _code(df, src, col, {0: "no", 1: "yes"})
    return codes.astype(bool)


def _list(df: pd.DataFrame, src, col: str) -> pd.Series:
    """'2, 200,  678' -> ['2', '200', '678']; missing -> []; every token must be an integer."""
    out = df[col].map(lambda v: [] if v is pd.NA else [t.strip() for t in str(v).split(",") if t.strip()])
    bad = out.map(lambda toks: not all(re.fullmatch(r"\d+", t) for t in toks))
    if bad.any():
        raise _err(df, src, col, bad, "list holds a non-integer id")
    return out


def _str(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col].astype("string")


def _dates(df: pd.DataFrame, src, col: str) -> pd.Series:
    return parse_dates(df, col, src[0], src[1], fmt="%Y-%m-%d").astype("datetime64[ns]")


# --------------------------------------------------------------------------- schema helpers


def _is_id_list(s: pd.Series) -> pd.Series:
    return s.map(lambda v: isinstance(v, list) and all(isinstance(t, str) and t.isdigit() for t in v))


def _gw_list(nonempty: bool = False) -> pa.Column:
    def ok(s: pd.Series) -> pd.Series:
        return s.map(
            lambda v: (
                isinstance(v, list)
                and (len(v) > 0 or not nonempty)
                and all(isinstance(t, str) and t.isdigit() and 2 <= int(t) <= 999 for t in v)
            )
        )

    return pa.Column(object, pa.Check(ok, name="gw_code_list" + ("_nonempty" if nonempty else "")))


def _id_list(nonempty: bool = False) -> pa.Column:
    def ok(s: pd.Series) -> pd.Series:
        return _is_id_list(s) & (s.map(len) > 0 if nonempty else True)

    return pa.Column(object, pa.Check(ok, name="id_list" + ("_nonempty" if nonempty else "")))


def _region_list() -> pa.Column:
    return pa.Column(
        object,
        pa.Check(
            lambda s: s.map(lambda v: isinstance(v, list) and len(v) > 0 and set(v) <= set(REGIONS)),
            name="region_codes",
        ),
    )


def _codes(values, nullable: bool = False, dtype: str = "int64") -> pa.Column:
    return pa.Column(dtype, pa.Check.isin(list(values)), nullable=nullable)


def _labels(mapping: Mapping[int, str], nullable: bool = False) -> pa.Column:
    return pa.Column("string", pa.Check.isin(list(mapping.values())), nullable=nullable)


def _deaths(nullable: bool = False) -> pa.Column:
    return pa.Column("int64", pa.Check.ge(0), nullable=nullable)


def _years(source: str) -> pa.Column:
    """Years within the source's coverage (config/sources.yaml)."""
    return pa.Column("int64", pa.Check.in_range(*coverage(source).span))


def _version(v: str) -> pa.Column:
    return pa.Column("string", pa.Check.isin([v]))


_STR = pa.Column("string")
_STR_NA = pa.Column("string", nullable=True)
_ID = pa.Column("int64", pa.Check.ge(1))
_ROW = pa.Column("int64", pa.Check.ge(1))


def _sides(df: pd.DataFrame, src, location: str) -> dict[str, pd.Series]:
    """The dyad's sides and what they fight over, as ACD and BRD both give them (`location`: the
    file's column of the disputed government's country)."""
    inc, inc_l = _code(df, src, "incompatibility", INCOMPATIBILITY)
    return {
        "location": _str(df, location),
        "side_a": _str(df, "side_a"),
        "side_a_id_list": _list(df, src, "side_a_id"),
        "side_a_2nd": _str(df, "side_a_2nd"),
        "side_b": _str(df, "side_b"),
        "side_b_id_list": _list(df, src, "side_b_id"),
        "side_b_2nd": _str(df, "side_b_2nd"),
        "incompatibility": inc,
        "incompatibility_label": inc_l,
        "territory_name": _str(df, "territory_name"),
    }


def _sides_schema() -> dict[str, pa.Column]:
    """The columns of `_sides`."""
    return {
        "location": _STR,
        "side_a": _STR,
        "side_a_id_list": _id_list(nonempty=True),
        "side_a_2nd": _STR_NA,
        "side_b": _STR,
        "side_b_id_list": _id_list(nonempty=True),
        "side_b_2nd": _STR_NA,
        "incompatibility": _codes(INCOMPATIBILITY),
        "incompatibility_label": _labels(INCOMPATIBILITY),
        "territory_name": _STR_NA,
    }


def _gw_lists(df: pd.DataFrame, src, *more: str) -> dict[str, pd.Series]:
    """The GW-code list columns of ACD and BRD (`more`: further `gwno_*` columns, after these)."""
    cols = (*_GW_COLUMNS, *more)
    return {f"{c}_list": _list(df, src, c) for c in cols}


#: Dates coded within an episode are ordered: first death <= episode start; the
#: episode start and the episode end fall no later than / in the observation year;
#: an end date exists exactly when `ep_end` is set.
_EPISODE_CHECKS = [
    pa.Check(lambda d: d["start_date"] <= d["start_date2"], name="start_date_before_start_date2"),
    pa.Check(lambda d: d["start_date2"].dt.year <= d["year"], name="start_date2_not_after_year"),
    pa.Check(lambda d: d["ep_end_date"].isna() | (d["ep_end_date"].dt.year == d["year"]), name="ep_end_date_in_year"),
    pa.Check(lambda d: d["ep_end"] == d["ep_end_date"].notna(), name="ep_end_iff_ep_end_date"),
]

# --------------------------------------------------------------------------- ucdp_acd

#: the columns ACD and BRD share (in both files' order): the sides and what they fight over,
#: and the GW-code lists (`_sides` and `_gw_lists` read them)
_SIDE_COLUMNS = [
    "side_a",
    "side_a_id",
    "side_a_2nd",
    "side_b",
    "side_b_id",
    "side_b_2nd",
    "incompatibility",
    "territory_name",
]
_GW_COLUMNS = ["gwno_a", "gwno_a_2nd", "gwno_b", "gwno_b_2nd", "gwno_loc"]

ACD_COLUMNS = [
    "conflict_id",
    "location",
    *_SIDE_COLUMNS,
    "year",
    "intensity_level",
    "cumulative_intensity",
    "type_of_conflict",
    "start_date",
    "start_prec",
    "start_date2",
    "start_prec2",
    "ep_end",
    "ep_end_date",
    "ep_end_prec",
    *_GW_COLUMNS,
    "region",
    "version",
]


def build_acd(raw: RawFiles) -> pd.DataFrame:
    s = ACD
    df = _load(raw, s, ACD_COLUMNS)
    toc, toc_l = _code(df, s, "type_of_conflict", TYPE_OF_CONFLICT)
    inten, inten_l = _code(df, s, "intensity_level", INTENSITY_LEVEL)
    return pd.DataFrame(
        {
            "conflict_id": _int(df, s, "conflict_id"),
            "year": _int(df, s, "year"),
            **_sides(df, s, "location"),
            "intensity_level": inten,
            "intensity_level_label": inten_l,
            "cumulative_intensity": _flag(df, s, "cumulative_intensity"),
            "type_of_conflict": toc,
            "type_of_conflict_label": toc_l,
            "start_date": _dates(df, s, "start_date"),
            "start_prec": _int(df, s, "start_prec"),
            "start_date2": _dates(df, s, "start_date2"),
            "start_prec2": _int(df, s, "start_prec2"),
            "ep_end": _flag(df, s, "ep_end"),
            "ep_end_date": _dates(df, s, "ep_end_date"),
            "ep_end_prec": _int(df, s, "ep_end_prec", nullable=True),
            **_gw_lists(df, s),
            "region_list": _list(df, s, "region"),
            "version": _str(df, "version"),
            "source_row": df["source_row"],
        }
    )


ACD_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "conflict_id": _ID,
            "year": _years(ACD[0]),
            **_sides_schema(),
            "intensity_level": _codes(INTENSITY_LEVEL),
            "intensity_level_label": _labels(INTENSITY_LEVEL),
            "cumulative_intensity": pa.Column("bool"),
            "type_of_conflict": _codes(TYPE_OF_CONFLICT),
            "type_of_conflict_label": _labels(TYPE_OF_CONFLICT),
            "start_date": pa.Column("datetime64[ns]"),
            "start_prec": _codes(DATE_PRECISION),
            "start_date2": pa.Column("datetime64[ns]", pa.Check.ge(coverage(ACD[0]).start)),
            "start_prec2": _codes(DATE_PRECISION),
            "ep_end": pa.Column("bool"),
            "ep_end_date": pa.Column("datetime64[ns]", nullable=True),
            "ep_end_prec": _codes(END_PRECISION, nullable=True, dtype="Int64"),
            "gwno_a_list": _gw_list(nonempty=True),
            "gwno_a_2nd_list": _gw_list(),
            "gwno_b_list": _gw_list(),
            "gwno_b_2nd_list": _gw_list(),
            # extrasystemic conflicts are located in the colonial territory, which has a GW code too
            "gwno_loc_list": _gw_list(nonempty=True),
            "region_list": _region_list(),
            "version": _version("25.1"),
            "source_row": _ROW,
        },
        checks=_EPISODE_CHECKS
        + [
            # codebook: intrastate = no secondary party with troops; internationalized = at least one
            pa.Check(
                lambda d: (
                    ~d["type_of_conflict"].isin([3, 4])
                    | ((d["type_of_conflict"] == 4) == (d["side_a_2nd"].notna() | d["side_b_2nd"].notna()))
                ),
                name="internationalized_iff_secondary_party",
            ),
            pa.Check(
                lambda d: (d["type_of_conflict"] != 2) | (d["gwno_b_list"].map(len) > 0), name="interstate_has_gwno_b"
            ),
        ],
        strict=True,
    )
)

# --------------------------------------------------------------------------- one-sided (25.1, 21.1)

ONESIDED_COLUMNS = [
    "conflict_id",
    "dyad_id",
    "actor_id",
    "coalition_components",
    "actor_name",
    "actor_name_fulltext",
    "actor_name_mothertongue",
    "year",
    "best_fatality_estimate",
    "low_fatality_estimate",
    "high_fatality_estimate",
    "is_government_actor",
    "location",
    "gwno_location",
    "gwnoa",
    "region",
    "version",
]


def _build_onesided(raw: RawFiles, s: tuple[str, str]) -> pd.DataFrame:
    df = _load(raw, s, ONESIDED_COLUMNS)
    mother = _str(df, "actor_name_mothertongue")
    # government actors carry the placeholder "n/a" as mother-tongue name
    mother = mother.mask(mother.str.lower() == "n/a")
    return pd.DataFrame(
        {
            "conflict_id": _int(df, s, "conflict_id"),
            "year": _int(df, s, "year"),
            "dyad_id": _int(df, s, "dyad_id"),
            "actor_id": _int(df, s, "actor_id"),
            "actor_name": _str(df, "actor_name"),
            "actor_name_fulltext": _str(df, "actor_name_fulltext"),
            "actor_name_mothertongue": mother,
            "coalition_components_list": _list(df, s, "coalition_components"),
            "is_government_actor": _flag(df, s, "is_government_actor"),
            "gwnoa_list": _list(df, s, "gwnoa"),
            "best": _int(df, s, "best_fatality_estimate"),
            "low": _int(df, s, "low_fatality_estimate"),
            "high": _int(df, s, "high_fatality_estimate"),
            "location": _str(df, "location"),
            "gwno_location_list": _list(df, s, "gwno_location"),
            "region_list": _list(df, s, "region"),
            "version": _str(df, "version"),
            "source_row": df["source_row"],
        }
    )


def build_onesided(raw: RawFiles) -> pd.DataFrame:
    return _build_onesided(raw, ONESIDED)


def build_onesided_21(raw: RawFiles) -> pd.DataFrame:
    return _build_onesided(raw, ONESIDED_21)


def _onesided_schema(version: str, source: str) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "conflict_id": _ID,
            "year": _years(source),
            "dyad_id": _ID,
            "actor_id": _ID,
            "actor_name": _STR,
            "actor_name_fulltext": _STR,
            "actor_name_mothertongue": _STR_NA,
            "coalition_components_list": _id_list(),
            "is_government_actor": pa.Column("bool"),
            "gwnoa_list": _gw_list(),
            # the inclusion threshold is a best estimate of 25 civilian deaths per actor-year
            "best": pa.Column("int64", pa.Check.ge(25)),
            "low": _deaths(),
            "high": _deaths(),
            "location": _STR,
            "gwno_location_list": _gw_list(nonempty=True),
            "region_list": _region_list(),
            "version": _version(version),
            "source_row": _ROW,
        },
        checks=[
            # a state perpetrator has a GW code, a non-state one never has; joint government
            # coalitions (e.g. "Government of Eritrea, Government of Ethiopia") have none
            pa.Check(
                lambda d: d["is_government_actor"] | (d["gwnoa_list"].map(len) == 0), name="gwnoa_only_for_governments"
            ),
            pa.Check(lambda d: ~d.duplicated(["actor_id", "year"], keep=False), name="actor_year_unique"),
        ],
        strict=True,
    )


# --------------------------------------------------------------------------- ucdp_brd

BRD_COLUMNS = [
    "conflict_id",
    "dyad_id",
    "location_inc",
    *_SIDE_COLUMNS,
    "year",
    "bd_best",
    "bd_low",
    "bd_high",
    "type_of_conflict",
    "battle_location",
    *_GW_COLUMNS,
    "gwno_battle",
    "region",
    "version",
]


def build_brd(raw: RawFiles) -> pd.DataFrame:
    s = BRD
    df = _load(raw, s, BRD_COLUMNS)
    toc, toc_l = _code(df, s, "type_of_conflict", TYPE_OF_CONFLICT)
    return pd.DataFrame(
        {
            "dyad_id": _int(df, s, "dyad_id"),
            "year": _int(df, s, "year"),
            "conflict_id": _int(df, s, "conflict_id"),
            # `location_inc` in the file: the country/ies whose government is disputed (as ACD `location`)
            **_sides(df, s, "location_inc"),
            "bd_best": _int(df, s, "bd_best"),
            "bd_low": _int(df, s, "bd_low"),
            "bd_high": _int(df, s, "bd_high"),
            "type_of_conflict": toc,
            "type_of_conflict_label": toc_l,
            "battle_location": _str(df, "battle_location"),
            **_gw_lists(df, s, "gwno_battle"),
            "region_list": _list(df, s, "region"),
            "version": _str(df, "version"),
            "source_row": df["source_row"],
        }
    )


BRD_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "dyad_id": _ID,
            "year": _years(BRD[0]),
            "conflict_id": _ID,
            **_sides_schema(),
            # a dyad enters the data with at least 25 battle-related deaths (best estimate)
            "bd_best": pa.Column("int64", pa.Check.ge(25)),
            "bd_low": _deaths(),
            "bd_high": _deaths(),
            "type_of_conflict": _codes(TYPE_OF_CONFLICT),
            "type_of_conflict_label": _labels(TYPE_OF_CONFLICT),
            "battle_location": _STR,
            "gwno_a_list": _gw_list(nonempty=True),
            "gwno_a_2nd_list": _gw_list(),
            "gwno_b_list": _gw_list(),
            "gwno_b_2nd_list": _gw_list(),
            "gwno_loc_list": _gw_list(nonempty=True),
            "gwno_battle_list": _gw_list(nonempty=True),
            "region_list": _region_list(),
            "version": _version("25.1"),
            "source_row": _ROW,
        },
        strict=True,
    )
)

# --------------------------------------------------------------------------- ucdp_nonstate

NONSTATE_COLUMNS = [
    "conflict_id",
    "dyad_id",
    "org",
    "side_a_name",
    "side_a_name_fulltext",
    "side_a_name_mothertongue",
    "side_a_id",
    "side_a_components",
    "side_a_2nd",
    "gwno_a_2nd",
    "side_b_name",
    "side_b_name_fulltext",
    "side_b_name_mothertongue",
    "side_b_id",
    "side_b_components",
    "side_b_2nd",
    "gwno_b_2nd",
    "start_date",
    "start_prec",
    "start_date2",
    "start_prec2",
    "ep_end",
    "ep_end_date",
    "ep_end_prec",
    "year",
    "best_fatality_estimate",
    "low_fatality_estimate",
    "high_fatality_estimate",
    "location",
    "gwno_location",
    "region",
    "version",
]


def build_nonstate(raw: RawFiles) -> pd.DataFrame:
    s = NONSTATE
    df = _load(raw, s, NONSTATE_COLUMNS)
    # ep_end_prec is 0 (not blank) in some rows whose episode has not ended (ep_end 0, no
    # end date, all in 2022): no precision applies, so 0 is a not-applicable marker.
    ep_prec = _int(df, s, "ep_end_prec", nullable=True)
    ep_prec = ep_prec.mask(ep_prec == 0)
    org, org_l = _code(df, s, "org", ORG)
    out = {
        "conflict_id": _int(df, s, "conflict_id"),
        "year": _int(df, s, "year"),
        "dyad_id": _int(df, s, "dyad_id"),
        "org": org,
        "org_label": org_l,
    }
    for side in ("a", "b"):
        out |= {
            f"side_{side}_name": _str(df, f"side_{side}_name"),
            f"side_{side}_name_fulltext": _str(df, f"side_{side}_name_fulltext"),
            f"side_{side}_name_mothertongue": _str(df, f"side_{side}_name_mothertongue"),
            f"side_{side}_id": _int(df, s, f"side_{side}_id"),
            f"side_{side}_components_list": _list(df, s, f"side_{side}_components"),
            f"side_{side}_2nd": _str(df, f"side_{side}_2nd"),
            f"gwno_{side}_2nd_list": _list(df, s, f"gwno_{side}_2nd"),
        }
    out |= {
        "start_date": _dates(df, s, "start_date"),
        "start_prec": _int(df, s, "start_prec"),
        "start_date2": _dates(df, s, "start_date2"),
        "start_prec2": _int(df, s, "start_prec2"),
        "ep_end": _flag(df, s, "ep_end"),
        "ep_end_date": _dates(df, s, "ep_end_date"),
        "ep_end_prec": ep_prec,
        "best": _int(df, s, "best_fatality_estimate"),
        "low": _int(df, s, "low_fatality_estimate"),
        "high": _int(df, s, "high_fatality_estimate"),
        "location": _str(df, "location"),
        "gwno_location_list": _list(df, s, "gwno_location"),
        "region_list": _list(df, s, "region"),
        "version": _str(df, "version"),
        "source_row": df["source_row"],
    }
    return pd.DataFrame(out)


def _nonstate_side(side: str) -> dict[str, pa.Column]:
    return {
        f"side_{side}_name": _STR,
        f"side_{side}_name_fulltext": _STR,
        f"side_{side}_name_mothertongue": _STR,
        f"side_{side}_id": _ID,
        f"side_{side}_components_list": _id_list(),
        f"side_{side}_2nd": _STR_NA,
        f"gwno_{side}_2nd_list": _gw_list(),
    }


NONSTATE_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "conflict_id": _ID,
            "year": _years(NONSTATE[0]),
            "dyad_id": _ID,
            "org": _codes(ORG),
            "org_label": _labels(ORG),
            **_nonstate_side("a"),
            **_nonstate_side("b"),
            "start_date": pa.Column("datetime64[ns]"),
            "start_prec": _codes(DATE_PRECISION),
            "start_date2": pa.Column("datetime64[ns]"),
            "start_prec2": _codes(DATE_PRECISION),
            "ep_end": pa.Column("bool"),
            "ep_end_date": pa.Column("datetime64[ns]", nullable=True),
            "ep_end_prec": _codes(END_PRECISION, nullable=True, dtype="Int64"),
            "best": pa.Column("int64", pa.Check.ge(25)),
            "low": _deaths(),
            "high": _deaths(),
            "location": _STR,
            "gwno_location_list": _gw_list(nonempty=True),
            "region_list": _region_list(),
            "version": _version("23.1"),
            "source_row": _ROW,
        },
        checks=_EPISODE_CHECKS,
        strict=True,
    )
)

# --------------------------------------------------------------------------- registry


def _src(t: tuple[str, str]) -> str:
    return f"{t[0]}/{t[1]}"


TABLES = [
    Table(
        name="ucdp_acd",
        sources=(_src(ACD),),
        build=build_acd,
        schema=ACD_SCHEMA,
        key=("conflict_id", "year"),
        description="UCDP/PRIO Armed Conflict Dataset 25.1: state-based armed conflicts, one row per conflict-year, 1946-2024.",
        citation=("gleditsch2002acd", "davies2025ucdp"),
    ),
    Table(
        name="ucdp_onesided",
        sources=(_src(ONESIDED),),
        build=build_onesided,
        schema=LazySchema(lambda: _onesided_schema("25.1", ONESIDED[0])),
        key=("conflict_id", "year"),
        description="UCDP One-sided Violence 25.1: deliberate killing of civilians by a government or organized group, one row per actor-year (best estimate >= 25), 1989-2024.",
        citation=("eck2007onesided", "davies2025ucdp"),
    ),
    Table(
        name="ucdp_onesided_21",
        sources=(_src(ONESIDED_21),),
        build=build_onesided_21,
        schema=LazySchema(lambda: _onesided_schema("21.1", ONESIDED_21[0])),
        key=("conflict_id", "year"),
        description="UCDP One-sided Violence 21.1 (earlier release, 1989-2020), same columns as ucdp_onesided.",
        citation=("eck2007onesided", "davies2021ucdp"),
    ),
    Table(
        name="ucdp_brd",
        sources=(_src(BRD),),
        build=build_brd,
        schema=BRD_SCHEMA,
        key=("dyad_id", "year"),
        description="UCDP Battle-Related Deaths 25.1 (dyadic): battle deaths per state-based conflict dyad-year, 1989-2024.",
        citation=("davies2025ucdp",),
    ),
    Table(
        name="ucdp_nonstate",
        sources=(_src(NONSTATE),),
        build=build_nonstate,
        schema=NONSTATE_SCHEMA,
        key=("conflict_id", "year"),
        description="UCDP Non-State Conflict 23.1: fighting between organized non-state groups, one row per conflict-year, 1989-2022.",
        citation=("sundberg2012nonstate", "davies2023ucdp"),
    ),
]
