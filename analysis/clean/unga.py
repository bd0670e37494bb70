"""UN General Assembly: roll-call votes (Voeten, as packaged by the unvotes R package,
sessions 1-74, 1946 - Jan 2020) and ideal points (Bailey, Strezhnev & Voeten,
June 2024 release, sessions 1-78).

Tables:

- `unga_votes`: one row per (roll call, country) with a yes / abstain / no vote
  (absences and non-members were dropped by the packager), key (rcid, country);
- `unga_roll_calls`: one row per roll call, with `country_specific_hr`;
- `unga_roll_call_issues`: one row per (roll call, issue tag);
- `unga_idealpoints`: one row per (country, session), key (cowcode, session).

Quirks handled: `rcid` is a float in `un_votes` (checked integral) and an integer
in the roll-call tables; `date` reads as Python date objects; `importantvote`,
`amend`, `para` are 0/1 with gaps (nullable booleans here; `importantvote` exists
only for years covered by the US State Department report); `unres` is blank for
159 roll calls (missing here); `short` and `descr` carry trailing blanks, `short`
is blank for all roll calls of sessions 69-70 and, in sessions 71-72, holds the
resolution title while `descr` holds the agenda item. `country_code` (ISO 3166
alpha-2, as the packager assigned it) is missing for three historical states
(Yemen Arab Republic, Federal Republic of Germany, Zanzibar), so the vote key uses
the country name. A few titles carry mis-encoded apostrophes ("People?Ã†s"), kept
as given.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, parse_dates, require_columns

VOTES_SRC = "unga-votes"
VOTES_FILE, ROLL_CALLS_FILE, ISSUES_FILE = "un_votes.rda", "un_roll_calls.rda", "un_roll_call_issues.rda"
IDEAL_SRC, IDEAL_FILE = "unga-idealpoints", "IdealpointestimatesAll_Jun2024.csv"

VOTES = ("yes", "abstain", "no")
#: issue tag -> label (Voeten codebook; the unvotes labels).
ISSUES: dict[str, str] = {
    "me": "Palestinian conflict",
    "nu": "Nuclear weapons and nuclear material",
    "di": "Arms control and disarmament",
    "hr": "Human rights",
    "co": "Colonialism",
    "ec": "Economic development",
}

# ---------------------------------------------------------------- country-specific human rights
#: Resolution titles (in `short` or `descr`, sessions 40-74): "Situation of human rights
#: [and fundamental freedoms] [of <group>] in X", "Question of human rights ... in X",
#: "Situation on human rights in X", "Situation of the human rights in X",
#: "Human rights situation in X", "Human rights in X" -- at the start of the text.
#: Resolutions on the territories occupied by Israel are not counted (they are titled
#: "Israeli practices affecting the human rights of ..." and tagged `me`).
CSHR_TITLE_RE = re.compile(
    r"^\s*(?:the\s+)?"
    r"(?:(?:situation|question)\s+(?:of|on)\s+(?:the\s+)?human\s+rights"
    r"(?:\s+and\s+fundamental\s+freedoms?)?(?:\s+of\s+[^:;]{1,80}?)?"
    r"|human\s+rights(?:\s+situation)?)"
    r"\s+in\s+(?!the\s+occupied\s+palestin)",
    re.IGNORECASE,
)
#: UNBIS subject headings in `short` (sessions 3-39 and some later ones): "HUMAN RIGHTS,
#: <COUNTRY>" or "HUMAN RIGHTS--<COUNTRY>" for the countries that had such resolutions,
#: plus the two 1949 headings on Bulgaria, Hungary and Romania.
CSHR_SUBJECT_RE = re.compile(
    r"^\s*(?:HUMAN RIGHTS(?:,|--)\s*(?:REPORTS,\s*)?"
    r"(?:AFGHANISTAN|BELARUS|BOLIVIA|BOSNIA|CHILE|CUBA|DEMOCRATIC CONGO|"
    r"DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA|EL SALVADOR|GUATEMALA|HUNGARY|IRAN|IRAQ|"
    r"KOSOVO|MYANMAR|NIGERIA|OCCUPIED KUWAIT|SUDAN|TIBET)\b"
    r"|HUMAN RIGHTS IN BULGARIA|EASTERN EUROPE HUMAN RIGHTS)"
)
#: Roll calls on country-specific human-rights resolutions whose text matches neither
#: pattern (read by hand in `descr`).
CSHR_LISTED: dict[int, str] = {
    145: "1949, A/844 preamble: Bulgarian and Hungarian suppression of human rights",
    147: "1949, A/844 as a whole (Bulgaria, Hungary; res. 272 (III))",
    584: "1959, Tibet: respect for the human rights of the Tibetan people (res. 1353 (XIV))",
    771: "1961, Tibet: cessation of violations of Tibetan rights and freedoms (res. 1723 (XVI))",
    3730: "1992, Sudan: situation in the Sudan, in particular human rights violations (res. 47/142)",
}
CSHR_RULES = ("title", "subject", "listed")


def country_specific_hr_rule(rcid: pd.Series, short: pd.Series, descr: pd.Series) -> pd.Series:
    """Which rule flags each roll call as a country-specific human-rights resolution (NA: none)."""
    s, d = short.fillna(""), descr.fillna("")
    title = s.str.contains(CSHR_TITLE_RE) | d.str.contains(CSHR_TITLE_RE)
    subject = s.str.contains(CSHR_SUBJECT_RE)
    listed = rcid.isin(list(CSHR_LISTED))
    rule = pd.Series(pd.NA, index=rcid.index, dtype="string")
    rule[listed] = "listed"
    rule[subject] = "subject"
    rule[title] = "title"
    return rule


# ---------------------------------------------------------------- helpers


def _fail(msg: str, df: pd.DataFrame, mask: pd.Series, column: str, source: str, file: str) -> None:
    if mask.any():
        i = mask.idxmax()
        raise DataError(
            f"{msg}: {df.loc[i, column]!r}", source=source, file=file, column=column, row=int(df.loc[i, "source_row"])
        )


def _integral(df: pd.DataFrame, column: str, source: str, file: str) -> pd.Series:
    v = pd.to_numeric(df[column], errors="coerce")
    _fail("not an integer", df, v.isna() | (v != np.floor(v)), column, source, file)
    return v.astype("int64")


def _strip(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.mask(s == "")


def _flag01(df: pd.DataFrame, column: str, source: str, file: str) -> pd.Series:
    v = pd.to_numeric(df[column], errors="coerce")
    _fail("not 0/1", df, df[column].notna() & ~v.isin([0, 1]), column, source, file)
    return v.astype("Int64").astype("boolean")


# ---------------------------------------------------------------- roll-call votes


def build_votes(raw: RawFiles) -> pd.DataFrame:
    df = raw.read_rdata(VOTES_SRC, VOTES_FILE, "un_votes")
    require_columns(df, ["rcid", "country", "country_code", "vote"], VOTES_SRC, VOTES_FILE)
    df = add_source_row(df)
    return pd.DataFrame(
        {
            "rcid": _integral(df, "rcid", VOTES_SRC, VOTES_FILE),
            "country": _strip(df["country"]),
            "country_code": _strip(df["country_code"]),
            # kept as text: a value outside yes/abstain/no fails the schema, naming the row
            "vote": _strip(df["vote"].astype(object)),
            "source_row": df["source_row"],
        }
    )


def build_roll_calls(raw: RawFiles) -> pd.DataFrame:
    src, f = VOTES_SRC, ROLL_CALLS_FILE
    df = raw.read_rdata(src, f, "un_roll_calls")
    require_columns(
        df, ["rcid", "session", "importantvote", "date", "unres", "amend", "para", "short", "descr"], src, f
    )
    df = add_source_row(df)
    date = parse_dates(df, "date", src, f)
    out = pd.DataFrame(
        {
            "rcid": _integral(df, "rcid", src, f),
            "session": _integral(df, "session", src, f),
            "date": date,
            "year": date.dt.year.astype("int64"),
            "unres": _strip(df["unres"]),
            "importantvote": _flag01(df, "importantvote", src, f),
            "amend": _flag01(df, "amend", src, f),
            "para": _flag01(df, "para", src, f),
            "short": _strip(df["short"]),
            "descr": _strip(df["descr"]),
        }
    )
    out["country_specific_hr_rule"] = country_specific_hr_rule(out["rcid"], out["short"], out["descr"])
    out["country_specific_hr"] = out["country_specific_hr_rule"].notna().astype(bool)
    out["source_row"] = df["source_row"]
    return out


def build_issues(raw: RawFiles) -> pd.DataFrame:
    src, f = VOTES_SRC, ISSUES_FILE
    df = raw.read_rdata(src, f, "un_roll_call_issues")
    require_columns(df, ["rcid", "short_name", "issue"], src, f)
    df = add_source_row(df)
    return pd.DataFrame(
        {
            "rcid": _integral(df, "rcid", src, f),
            "short_name": _strip(df["short_name"]),
            "issue": _strip(df["issue"].astype(object)),
            "source_row": df["source_row"],
        }
    )


VOTES_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "rcid": pa.Column("int64", pa.Check.gt(0)),
            "country": pa.Column("string"),
            "country_code": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{2}$"), nullable=True),
            "vote": pa.Column("string", pa.Check.isin(VOTES)),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        strict=True,
    )
)

ROLL_CALLS_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "rcid": pa.Column("int64", pa.Check.gt(0)),
            "session": pa.Column("int64", pa.Check.in_range(1, 74)),
            "date": pa.Column("datetime64[ns]", pa.Check.in_range(coverage(VOTES_SRC).start, coverage(VOTES_SRC).end)),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(VOTES_SRC).span)),
            "unres": pa.Column("string", nullable=True),
            "importantvote": pa.Column("boolean", nullable=True),
            "amend": pa.Column("boolean", nullable=True),
            "para": pa.Column("boolean", nullable=True),
            "short": pa.Column("string", nullable=True),
            "descr": pa.Column("string", nullable=True),
            "country_specific_hr_rule": pa.Column("string", pa.Check.isin(CSHR_RULES), nullable=True),
            "country_specific_hr": pa.Column("bool"),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda d: d["year"] == d["date"].dt.year, name="year_matches_date"),
            # A session opens in September of year session+1945 and may run into the next year.
            # Two roll calls are dated in the year before: rcid 961 (session 22, 1966-12-07) and
            # rcid 9018 (5th special session, Apr-Jun 1967, filed under session 23).
            pa.Check(lambda d: (d["year"] - 1945 - d["session"]).between(-1, 1), name="year_near_session"),
        ],
        strict=True,
    )
)

ISSUES_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "rcid": pa.Column("int64", pa.Check.gt(0)),
            "short_name": pa.Column("string", pa.Check.isin(list(ISSUES))),
            "issue": pa.Column("string", pa.Check.isin(list(ISSUES.values()))),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[pa.Check(lambda d: d["short_name"].map(ISSUES) == d["issue"], name="issue_matches_short_name")],
        strict=True,
    )
)


# ---------------------------------------------------------------- ideal points

#: raw column -> cleaned column.
IDEAL_COLUMNS: dict[str, str] = {
    "ccode": "cowcode",
    "session": "session",
    "iso3c": "iso3",
    "Countryname": "country",
    "NVotesAll": "n_votes",
    "IdealPointAll": "ideal_point",
    "QO%All": "ideal_point_q0",  # sic: letter O in the raw name; the posterior minimum
    "Q5%All": "ideal_point_q5",
    "Q10%All": "ideal_point_q10",
    "Q50%All": "ideal_point_q50",
    "Q90%All": "ideal_point_q90",
    "Q95%All": "ideal_point_q95",
    "Q100%All": "ideal_point_q100",
    "USAgree": "agree_us",
    "RUSSAgree": "agree_russia",
    "BrazilAgree": "agree_brazil",
    "ChinaAgree": "agree_china",
    "IndiaAgree": "agree_india",
    "IsraelAgree": "agree_israel",
}
QUANTILES = [
    "ideal_point_q0",
    "ideal_point_q5",
    "ideal_point_q10",
    "ideal_point_q50",
    "ideal_point_q90",
    "ideal_point_q95",
    "ideal_point_q100",
]
AGREE = [c for c in IDEAL_COLUMNS.values() if c.startswith("agree_")]


def build_idealpoints(raw: RawFiles) -> pd.DataFrame:
    df = raw.read_csv(IDEAL_SRC, IDEAL_FILE)
    require_columns(df, list(IDEAL_COLUMNS), IDEAL_SRC, IDEAL_FILE)
    df = add_source_row(df)
    # The unnamed first column is R's row number: it must equal the data row.
    rn = df.columns[0]
    if str(rn).startswith("Unnamed"):
        _fail(
            "row number does not match data row",
            df,
            pd.to_numeric(df[rn], errors="coerce") != df["source_row"],
            rn,
            IDEAL_SRC,
            IDEAL_FILE,
        )
    out = df[list(IDEAL_COLUMNS)].rename(columns=IDEAL_COLUMNS)
    for c in ("cowcode", "session", "n_votes"):
        out[c] = _integral(out.assign(source_row=df["source_row"]), c, IDEAL_SRC, IDEAL_FILE)
    for c in ("iso3", "country"):
        out[c] = _strip(out[c])
    for c in ["ideal_point", *QUANTILES, *AGREE]:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    # The codebook: "approximate year by doing year = session + 1945".
    out.insert(2, "year", (out["session"] + 1945).astype("int64"))
    out["source_row"] = df["source_row"]
    return out


def _ordered_quantiles(d: pd.DataFrame) -> pd.Series:
    q = d[QUANTILES].to_numpy()
    return pd.Series((np.diff(q, axis=1) >= 0).all(axis=1), index=d.index)


IDEAL_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "cowcode": pa.Column("int64", pa.Check.in_range(2, 999)),
            "session": pa.Column("int64", pa.Check.in_range(1, 78)),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(IDEAL_SRC).span)),
            "iso3": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}$")),
            "country": pa.Column("string"),
            "n_votes": pa.Column("int64", pa.Check.ge(1)),
            "ideal_point": pa.Column("float64", pa.Check.in_range(-6, 6)),
            **{c: pa.Column("float64", pa.Check.in_range(-8, 8)) for c in QUANTILES},
            **{c: pa.Column("float64", pa.Check.in_range(0, 1), nullable=True) for c in AGREE},
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda d: d["year"] == d["session"] + 1945, name="year_is_session_plus_1945"),
            pa.Check(_ordered_quantiles, name="posterior_quantiles_ordered"),
            pa.Check(
                lambda d: d["ideal_point"].between(d["ideal_point_q0"], d["ideal_point_q100"]),
                name="ideal_point_within_posterior_range",
            ),
        ],
        strict=True,
    )
)

VOTES_CITATION = ("voeten2013unga", "robinson2021unvotes")

TABLES = [
    Table(
        name="unga_votes",
        sources=(f"{VOTES_SRC}/{VOTES_FILE}",),
        build=build_votes,
        schema=VOTES_SCHEMA,
        key=("rcid", "country"),
        description="UNGA roll-call votes, sessions 1-74 (1946 - Jan 2020): one row per (roll call, country) "
        "voting yes, abstain or no; absences and non-members are not recorded.",
        citation=VOTES_CITATION,
    ),
    Table(
        name="unga_roll_calls",
        sources=(f"{VOTES_SRC}/{ROLL_CALLS_FILE}",),
        build=build_roll_calls,
        schema=ROLL_CALLS_SCHEMA,
        key=("rcid",),
        description="UNGA roll calls, sessions 1-74: date, resolution, amendment/paragraph flags, "
        "descriptions, and a flag for country-specific human-rights resolutions.",
        citation=VOTES_CITATION,
    ),
    Table(
        name="unga_roll_call_issues",
        sources=(f"{VOTES_SRC}/{ISSUES_FILE}",),
        build=build_issues,
        schema=ISSUES_SCHEMA,
        key=("rcid", "short_name"),
        description="UNGA roll-call issue tags (me, nu, di, hr, co, ec), one row per (roll call, tag).",
        citation=VOTES_CITATION,
    ),
    Table(
        name="unga_idealpoints",
        sources=(f"{IDEAL_SRC}/{IDEAL_FILE}",),
        build=build_idealpoints,
        schema=IDEAL_SCHEMA,
        key=("cowcode", "session"),
        description="UNGA ideal points (Bailey, Strezhnev & Voeten), June 2024 release: one row per "
        "(COW country, session 1-78; no session 19), with posterior quantiles and agreement scores.",
        citation=("bailey2017idealpoints",),
    ),
]
