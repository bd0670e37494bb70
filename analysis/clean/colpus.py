"""Colpus coup attempts, 1946-2022 (Chin, Carter & Wright 2021): one row per coup attempt.

Source: `Master_Coup List_all countries_basic.xlsx` (593 attempts). Decoded with
the Colpus codebook (May 2021):

- `success`: 1 successful, 2 failed in the raw file (a successful coup ousts the
  regime leader and the new leader holds power a week, or the regime falls).
- `coup_type` (raw `type`), by the regime targeted and, under autocracy, by
  aim/outcome: CH regime change (autocratic regime), SH reshuffling (leader
  replaced, autocratic regime survives), AD anti-democratic (targets a democratic
  leader or regime), PR provisional regime, WR warlord regime, NM non-military
  coup (no active military participation). The raw `cwc_coding` spells the same
  code out with the outcome; the cleaner checks the two agree.
- `coup_type2` (raw `type2`): the alternative typology that classes every coup,
  including anti-democratic and provisional ones, as regime change (CH) or
  reshuffling (SH); `regime_change` is True for CH.
- `military`: a current, active member of the military or security apparatus took part.
- `srofficial`, `jrofficer`, `relative`, `sameeth`, `anyethclaim`: the main coup
  actors included senior regime officials / junior officers (major or below) /
  blood relatives of the leader; were of the leader's politically relevant
  ethnic group; made an ethnic claim. Coded mainly for coups against autocrats.
- `anyoutsidesupport` / `outsidesupporters`: support from actors outside the coup
  group. NOT a foreign-involvement flag: supporters are domestic (protesters,
  parties, ex-presidents) as well as foreign (the United States, Libya, ...).
  A raw "0" in the supporters field means none and becomes missing.
- `ambiguous` (evidence for the attempt is only secondary or conflicting) and
  `staged` (only the leader claims it and opponents say he staged it): blank in
  the raw file means 0 ("coded 1 if ... and 0 otherwise"), so blanks become False.

Country codes: `cowcode` is Colpus' `ccode` (COW numbering as used by GWF);
`gwf_casename` names the GWF regime the coup targeted.
"""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, require_columns, split_list, to_int, trim_strings

SOURCE, FILE = "colpus", "Master_Coup List_all countries_basic.xlsx"

SUCCESS = {1: True, 2: False}
COUP_TYPE = {
    "CH": "regime change",
    "SH": "reshuffling",
    "AD": "anti-democratic",
    "PR": "provisional",
    "WR": "warlord",
    "NM": "non-military",
}
COUP_TYPE2 = {"CH": "regime change", "SH": "reshuffling"}
MILCOUP = {"Military Coup": True, "Non-Military Coup": False}
FLAGS = ["srofficial", "jrofficer", "sameeth", "anyethclaim", "relative", "anyoutsidesupport"]
RAW_COLUMNS = [
    "id",
    "ccode",
    "date",
    "statenme",
    "year",
    "gwf_casename",
    "coup",
    "milcoup",
    "nonmilcoup",
    "success",
    "type",
    "cwc_coding",
    "type2",
    "cwc_coding2",
    "coupleadereth",
    "relationship",
    "outsidesupporters",
    "ambiguous",
    "staged",
] + FLAGS


def _fail(df: pd.DataFrame, mask: pd.Series, column: str, message: str) -> None:
    if mask.any():
        i = mask.idxmax()
        raise DataError(
            f"{message}: {df.loc[i, column]!r}",
            source=SOURCE,
            file=FILE,
            column=column,
            row=int(df.loc[i, "source_row"]),
        )


def _decode(df: pd.DataFrame, column: str, mapping: dict) -> pd.Series:
    """Map codes through `mapping`; a value outside it is a DataError naming column and row."""
    raw = df[column]
    _fail(df, ~raw.isin(list(mapping)), column, "unknown code")
    return raw.map(mapping)


def _flag(df: pd.DataFrame, column: str, blank_is_false: bool = False) -> pd.Series:
    s = pd.to_numeric(df[column], errors="coerce")
    _fail(df, ~(s.isin([0, 1]) | s.isna()) | (s.isna() & df[column].notna()), column, "expected 0, 1 or blank")
    s = s.map({0: False, 1: True}, na_action="ignore").astype("boolean")
    return s.fillna(False).astype("bool") if blank_is_false else s


def transform(raw_df: pd.DataFrame) -> pd.DataFrame:
    require_columns(raw_df, RAW_COLUMNS, SOURCE, FILE)
    df = add_source_row(trim_strings(raw_df))
    _fail(df, df["coup"].ne("Coup"), "coup", "expected 'Coup'")
    date = pd.to_datetime(df["date"], errors="coerce")
    _fail(df, date.isna(), "date", "unparseable or missing date")
    year = to_int(df, "year", SOURCE, FILE, nullable=False)
    _fail(df, year.ne(date.dt.year), "year", "year differs from the year of `date`")

    out = pd.DataFrame(
        {
            "coup_id": df["id"].astype("string"),
            "cowcode": to_int(df, "ccode", SOURCE, FILE, nullable=False),
            "country": df["statenme"].astype("string"),
            "date": date.astype("datetime64[ns]"),
            "year": year,
            "gwf_casename": df["gwf_casename"].astype("string"),
            "success": _decode(df, "success", SUCCESS).astype("bool"),
            "military": _decode(df, "milcoup", MILCOUP).astype("bool"),
            "coup_type": df["type"].astype("string"),
            "coup_type_label": df["type"].map(COUP_TYPE).astype("string"),
            "coup_type2": df["type2"].astype("string"),
            "coup_type2_label": df["type2"].map(COUP_TYPE2).astype("string"),
            "source_row": df["source_row"],
        }
    )
    _decode(df, "type", COUP_TYPE)
    _decode(df, "type2", COUP_TYPE2)
    _fail(df, out["military"] == df["nonmilcoup"].eq(1), "nonmilcoup", "disagrees with milcoup")
    # The spelled-out codings must agree with success + type codes.
    outcome = out["success"].map({True: "successful", False: "failed"})
    for raw_col, label_col in (("cwc_coding", "coup_type_label"), ("cwc_coding2", "coup_type2_label")):
        expected = outcome + " " + out[label_col].astype(str) + " coup"
        _fail(
            df, df[raw_col].astype("string").ne(expected).fillna(True), raw_col, "disagrees with success and type codes"
        )
    expected_id = (
        out["cowcode"].astype(str)
        + "-"
        + date.dt.year.astype(str)
        + "-"
        + date.dt.month.astype(str)
        + "-"
        + date.dt.day.astype(str)
    )
    _fail(df, out["coup_id"].ne(expected_id).fillna(True), "id", "id is not <ccode>-<year>-<month>-<day> of the row")
    out["regime_change"] = out["coup_type2"].eq("CH").fillna(False).astype("bool")

    for col in FLAGS:
        out[col] = _flag(df, col)
    out["coupleadereth"] = df["coupleadereth"].astype("string")
    out["relationship"] = df["relationship"].astype("string")
    sup = df["outsidesupporters"].map(lambda v: str(v).strip() if pd.notna(v) else pd.NA)
    sup = sup.mask(sup.eq("0").fillna(False))
    out["outsidesupporters"] = sup.astype("string")
    out["outsidesupporters_list"] = split_list(
        sup.map(lambda v: re.sub(r"\s*;\s*", ",", v) if isinstance(v, str) else v)
    )
    out["ambiguous"] = _flag(df, "ambiguous", blank_is_false=True)
    out["staged"] = _flag(df, "staged", blank_is_false=True)
    return out[COLUMNS]


def build(raw: RawFiles) -> pd.DataFrame:
    return transform(raw.read_excel(SOURCE, FILE))


COLUMNS = [
    "coup_id",
    "cowcode",
    "country",
    "date",
    "year",
    "gwf_casename",
    "success",
    "military",
    "coup_type",
    "coup_type_label",
    "coup_type2",
    "coup_type2_label",
    "regime_change",
    "srofficial",
    "jrofficer",
    "relative",
    "relationship",
    "sameeth",
    "anyethclaim",
    "coupleadereth",
    "anyoutsidesupport",
    "outsidesupporters",
    "outsidesupporters_list",
    "ambiguous",
    "staged",
    "source_row",
]

SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "coup_id": pa.Column("string", pa.Check.str_matches(r"^\d{1,3}-\d{4}-\d{1,2}-\d{1,2}$"), unique=True),
            "cowcode": pa.Column("Int64", pa.Check.in_range(2, 999)),
            "country": pa.Column("string"),
            "date": pa.Column("datetime64[ns]", pa.Check.in_range(coverage(SOURCE).start, coverage(SOURCE).end)),
            "year": pa.Column("Int64", pa.Check.in_range(*coverage(SOURCE).span)),
            "gwf_casename": pa.Column("string", nullable=True),
            "success": pa.Column("bool"),
            "military": pa.Column("bool"),
            "coup_type": pa.Column("string", pa.Check.isin(list(COUP_TYPE))),
            "coup_type_label": pa.Column("string", pa.Check.isin(list(COUP_TYPE.values()))),
            "coup_type2": pa.Column("string", pa.Check.isin(list(COUP_TYPE2))),
            "coup_type2_label": pa.Column("string", pa.Check.isin(list(COUP_TYPE2.values()))),
            "regime_change": pa.Column("bool"),
            **{c: pa.Column("boolean", nullable=True) for c in FLAGS},
            "relationship": pa.Column("string", nullable=True),
            "coupleadereth": pa.Column("string", nullable=True),
            "outsidesupporters": pa.Column("string", nullable=True),
            "outsidesupporters_list": pa.Column(object),
            "ambiguous": pa.Column("bool"),
            "staged": pa.Column("bool"),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(
                lambda d: (
                    (d["military"] | d["coup_type"].eq("NM")).all() and (~d["military"] | d["coup_type"].ne("NM")).all()
                ),
                name="non_military_iff_type_NM",
            )
        ],
        strict=True,
    )
)

TABLES = [
    Table(
        name="colpus_coups",
        sources=(f"{SOURCE}/{FILE}",),
        build=build,
        schema=SCHEMA,
        key=("cowcode", "date"),
        description=(
            "Colpus coup attempts 1946-2022, one row per attempt: country, date, success, coup type "
            "(regime change / reshuffling / anti-democratic / provisional / warlord / non-military), "
            "coup actors and outside supporters."
        ),
        citation=("chin2021colpus",),
    )
]
