"""PITF Genocide/Politicide (2014 release) and Ulfelder-Valentino mass killings.

`PITF GenoPoliticide 2014.xls` -> `pitf_genocide`: one row per episode-year of
genocide or politicide (Harff 2003; PITF State Failure Problem Set), 1955-2014.
Columns in the sheet: COUNTRY, SCODE (PITF/SFTG country code), CCODE (PITF's
COW-style code; note 769 = Pakistan before 1971 and 347 = Yugoslavia/Serbia
1991+, which differ from COW), YEAR, MOBEGIN/YRBEGIN, MOEND/YREND, PTYPE (4 =
genocide/politicide, the only value in this sheet), DEATHMAG (scaled annual
deaths, 0-5 in half steps, decoded below), DESC (episode description, first
row of the episode only) and DESC2 (1 exactly where DESC is filled; dropped).
Sentinels: MOEND 99 and YREND 9999 mean "ongoing when the list was made"; they
become missing with a reason in `end_month_missing` / `end_year_missing`.
The sheet does NOT say whether an episode is a genocide, a politicide or both
(Harff's typology is not in this release).

`mkl.csv` -> `mk_ulfelder`: Ulfelder & Valentino state-led mass-killing
country-years, 1945-2014, keyed by PITF/SFTG country code, as compiled by
Ulfelder's `data.mkl.R` for the Early Warning Project. `mkl.type` is coded in
onset years only: 1 civil war, 2 uprising, 3 repression, 4 other; 0 elsewhere
(-> missing). The compiling script has known slips kept as given here: the
Egypt 2013 onset has its type in 2011, the Sri Lanka 1989 onset has its type in
1992, and `mkl.ever` is set only for some episodes (e.g. Egypt 2013-14 is
ongoing with `mkl_ever` 0) -- derive "ever" from `mkl_ongoing` instead.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, require_columns, trim_strings
from .ewp import _flag, _row_of, decode, flags, int_codes

SOURCE = "pitf-mk"
GENO_FILE = "PITF GenoPoliticide 2014.xls"
MKL_FILE = "mkl.csv"

PTYPE_LABELS = {4: "genocide/politicide"}

#: DEATHMAG (PITF codebook, genocide/politicide section): scaled annual number
#: of deaths -> (label, lower bound, upper bound or None for open-ended).
DEATHMAG: dict[float, tuple[str, int, int | None]] = {
    0.0: ("fewer than 300", 0, 300),
    0.5: ("300-1,000", 300, 1_000),
    1.0: ("1,000-2,000", 1_000, 2_000),
    1.5: ("2,000-4,000", 2_000, 4_000),
    2.0: ("4,000-8,000", 4_000, 8_000),
    2.5: ("8,000-16,000", 8_000, 16_000),
    3.0: ("16,000-32,000", 16_000, 32_000),
    3.5: ("32,000-64,000", 32_000, 64_000),
    4.0: ("64,000-128,000", 64_000, 128_000),
    4.5: ("128,000-256,000", 128_000, 256_000),
    5.0: ("256,000 or more", 256_000, None),
}

END_MONTH_SENTINELS = {99: "ongoing at release"}
END_YEAR_SENTINELS = {9999: "ongoing at release"}

MKL_TYPE_LABELS = {1: "civil war", 2: "uprising", 3: "repression", 4: "other"}


def _with_sentinels(df: pd.DataFrame, column: str, sentinels: dict[int, str], allowed, file: str):
    """Integer column whose sentinel codes become missing, with the reason kept."""
    codes = int_codes(df, column, SOURCE, file)
    mask = codes.isin(list(sentinels))
    reason = pd.Series(pd.NA, index=df.index, dtype="string")
    reason[mask] = codes[mask].map(sentinels).astype("string")
    values = codes.mask(mask)
    unknown = values.notna() & ~values.isin(list(allowed))
    if unknown.any():
        i = unknown.idxmax()
        raise DataError(
            f"unknown code {df.loc[i, column]!r}", source=SOURCE, file=file, column=column, row=_row_of(df, i)
        )
    return values.astype("Int64"), reason


def build_genocide(raw: RawFiles) -> pd.DataFrame:
    F = GENO_FILE
    df = raw.read_excel(SOURCE, F, sheet_name=0)
    require_columns(
        df,
        ["COUNTRY", "SCODE", "CCODE", "YEAR", "MOBEGIN", "YRBEGIN", "MOEND", "YREND", "PTYPE", "DEATHMAG", "DESC"],
        SOURCE,
        F,
    )
    df = add_source_row(trim_strings(df))
    months = range(1, 13)
    cov = coverage(SOURCE)  # the source's years (config/sources.yaml); the list itself starts in 1955
    years = range(cov.first, cov.last + 1)
    out = pd.DataFrame(
        {
            "sftgcode": df["SCODE"].astype("string"),
            "cowcode": int_codes(df, "CCODE", SOURCE, F).astype("int64"),
            "country": df["COUNTRY"].astype("string"),
            "year": int_codes(df, "YEAR", SOURCE, F, allowed=years).astype("int64"),
            "begin_month": int_codes(df, "MOBEGIN", SOURCE, F, allowed=months).astype("int64"),
            "begin_year": int_codes(df, "YRBEGIN", SOURCE, F, allowed=years).astype("int64"),
        }
    )
    out["end_month"], out["end_month_missing"] = _with_sentinels(df, "MOEND", END_MONTH_SENTINELS, months, F)
    out["end_year"], out["end_year_missing"] = _with_sentinels(df, "YREND", END_YEAR_SENTINELS, years, F)
    out["ptype"] = int_codes(df, "PTYPE", SOURCE, F, allowed=PTYPE_LABELS).astype("int64")
    out["ptype_label"] = decode(out["ptype"], PTYPE_LABELS)

    mag = pd.to_numeric(df["DEATHMAG"], errors="coerce")
    unknown = ~mag.isin(list(DEATHMAG))
    if unknown.any():
        i = unknown.idxmax()
        raise DataError(
            f"unknown code {df.loc[i, 'DEATHMAG']!r} (allowed: {list(DEATHMAG)})",
            source=SOURCE,
            file=F,
            column="DEATHMAG",
            row=_row_of(df, i),
        )
    out["deathmag"] = mag.astype("float64")
    out["deathmag_label"] = mag.map(lambda v: DEATHMAG[v][0]).astype("string")
    out["deaths_min"] = mag.map(lambda v: DEATHMAG[v][1]).astype("Int64")
    out["deaths_max"] = mag.map(lambda v: DEATHMAG[v][2]).astype("Int64")

    out["episode_id"] = (
        out["sftgcode"] + "-" + out["begin_year"].astype(str) + "-" + out["begin_month"].map("{:02d}".format)
    ).astype("string")
    out["onset"] = (out["year"] == out["begin_year"]).astype("int64")
    out["ended"] = (out["year"] == out["end_year"]).fillna(False).astype("int64")
    out["ongoing_at_release"] = out["end_year"].isna().astype("int64")
    out["desc"] = df["DESC"].astype("string")
    out["source_row"] = df["source_row"]
    return out


def _geno_consistent(d: pd.DataFrame) -> pd.Series:
    """Row-wise: year inside its episode; one end per episode; exactly one onset row per episode."""
    last = d["end_year"].fillna(coverage(SOURCE).last)  # ongoing at release
    ep = d.groupby("episode_id")
    return (
        d["year"].between(d["begin_year"], last)
        & (d["end_year"].isna() == d["end_month"].isna())
        & (ep["end_year"].transform(lambda s: s.nunique(dropna=False)) == 1)
        & (ep["onset"].transform("sum") == 1)
    )


GENO_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "sftgcode": pa.Column(
                "string", pa.Check.str_matches(r"^[A-Z]{3}$"), description="PITF/SFTG country code (SCODE)"
            ),
            "cowcode": pa.Column(
                "int64", pa.Check.in_range(2, 999), description="PITF's COW-style code (CCODE) as given"
            ),
            "country": pa.Column("string", description="country name as given"),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(SOURCE).span)),
            "begin_month": pa.Column(
                "int64", pa.Check.in_range(1, 12), description="month the episode began (MOBEGIN)"
            ),
            "begin_year": pa.Column(
                "int64", pa.Check.in_range(*coverage(SOURCE).span), description="year the episode began (YRBEGIN)"
            ),
            "end_month": pa.Column(
                "Int64",
                pa.Check.in_range(1, 12),
                nullable=True,
                description="month it ended (MOEND); missing if ongoing",
            ),
            "end_month_missing": pa.Column("string", pa.Check.isin(list(END_MONTH_SENTINELS.values())), nullable=True),
            "end_year": pa.Column(
                "Int64",
                pa.Check.in_range(*coverage(SOURCE).span),
                nullable=True,
                description="year it ended (YREND); missing if ongoing",
            ),
            "end_year_missing": pa.Column("string", pa.Check.isin(list(END_YEAR_SENTINELS.values())), nullable=True),
            "ptype": pa.Column(
                "int64", pa.Check.isin(list(PTYPE_LABELS)), description="PITF problem type (4 = genocide/politicide)"
            ),
            "ptype_label": pa.Column("string", pa.Check.isin(list(PTYPE_LABELS.values()))),
            "deathmag": pa.Column(
                "float64", pa.Check.isin(list(DEATHMAG)), description="scaled annual deaths (DEATHMAG), 0-5"
            ),
            "deathmag_label": pa.Column("string", pa.Check.isin([v[0] for v in DEATHMAG.values()])),
            "deaths_min": pa.Column(
                "Int64", pa.Check.ge(0), description="lower bound of annual deaths implied by deathmag"
            ),
            "deaths_max": pa.Column(
                "Int64", pa.Check.le(256_000), nullable=True, description="upper bound; missing for the open top class"
            ),
            "episode_id": pa.Column(
                "string", pa.Check.str_matches(r"^[A-Z]{3}-\d{4}-\d{2}$"), description="SCODE-YRBEGIN-MOBEGIN"
            ),
            "onset": _flag("first year of the episode"),
            "ended": _flag("last year of the episode (year == end_year)"),
            "ongoing_at_release": _flag("episode still ongoing when the 2014 list was made"),
            "desc": pa.Column("string", nullable=True, description="episode description (first episode row only)"),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[pa.Check(_geno_consistent, name="episode_years_consistent")],
        strict=True,
    )
)


# --------------------------------------------------------------------------- mk_ulfelder


def build_mkl(raw: RawFiles) -> pd.DataFrame:
    F = MKL_FILE
    df = raw.read_csv(SOURCE, F)
    require_columns(df, ["sftgcode", "year", "mkl.start", "mkl.end", "mkl.ongoing", "mkl.type", "mkl.ever"], SOURCE, F)
    df = add_source_row(trim_strings(df))
    cov = coverage(SOURCE, "mk_ulfelder")  # config/sources.yaml
    out = pd.DataFrame(
        {
            "sftgcode": df["sftgcode"].astype("string"),
            "year": int_codes(df, "year", SOURCE, F, allowed=range(cov.first, cov.last + 1)).astype("int64"),
            "mkl_start": flags(df, "mkl.start", SOURCE, F),
            "mkl_end": flags(df, "mkl.end", SOURCE, F),
            "mkl_ongoing": flags(df, "mkl.ongoing", SOURCE, F),
        }
    )
    typ = int_codes(df, "mkl.type", SOURCE, F, allowed=[0, *MKL_TYPE_LABELS])
    untyped = (typ == 0).to_numpy(bool)
    onset = (out["mkl_start"] == 1).to_numpy()
    out["mkl_type_missing"] = pd.Series(pd.NA, index=df.index, dtype="string")
    out.loc[untyped & ~onset, "mkl_type_missing"] = "no onset this year"
    out.loc[untyped & onset, "mkl_type_missing"] = "onset without a type"
    out["mkl_type"] = typ.mask(typ == 0).astype("Int64")
    out["mkl_type_label"] = decode(out["mkl_type"], MKL_TYPE_LABELS)
    out["mkl_ever"] = flags(df, "mkl.ever", SOURCE, F)
    out["source_row"] = df["source_row"]
    return out


MKL_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "sftgcode": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}$"), description="PITF/SFTG country code"),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(SOURCE, "mk_ulfelder").span)),
            "mkl_start": _flag("onset of a new state-led mass-killing episode"),
            "mkl_end": _flag("an ongoing episode ended this year"),
            "mkl_ongoing": _flag("any episode ongoing (onset and end years included)"),
            "mkl_type": pa.Column(
                "Int64",
                pa.Check.isin(list(MKL_TYPE_LABELS)),
                nullable=True,
                description="context of the onset: 1 civil war, 2 uprising, 3 repression, 4 other",
            ),
            "mkl_type_missing": pa.Column(
                "string", pa.Check.isin(["no onset this year", "onset without a type"]), nullable=True
            ),
            "mkl_type_label": pa.Column("string", pa.Check.isin(list(MKL_TYPE_LABELS.values())), nullable=True),
            "mkl_ever": _flag("source's 'any episode since 1945' flag (incompletely set; see module notes)"),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda d: d["mkl_ongoing"] >= d["mkl_start"], name="onset_implies_ongoing"),
            pa.Check(lambda d: d["mkl_ongoing"] >= d["mkl_end"], name="end_implies_ongoing"),
        ],
        strict=True,
    )
)


TABLES = [
    Table(
        name="pitf_genocide",
        sources=(f"{SOURCE}/{GENO_FILE}",),
        build=build_genocide,
        schema=GENO_SCHEMA,
        key=("sftgcode", "year"),
        description="PITF genocide/politicide episode-years, 1955-2014 (2014 release), with decoded death magnitude.",
        citation=("harff2003genocide",),
    ),
    Table(
        name="mk_ulfelder",
        sources=(f"{SOURCE}/{MKL_FILE}",),
        build=build_mkl,
        schema=MKL_SCHEMA,
        key=("sftgcode", "year"),
        description="Ulfelder-Valentino state-led mass-killing country-years, 1945-2014 (EWP replication compilation).",
        citation=("ulfelder2008mk",),
    ),
]
