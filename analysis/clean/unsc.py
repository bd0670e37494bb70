"""UN Security Council vetoes, 1946 - 15 Sept 2022 (world-politics-datalab list,
scraped by C. L. Yordan from the Dag Hammarskjöld Library veto list).

Counting convention: one raw row per vetoed draft resolution (the Library's
convention), so a draft vetoed by two permanent members is ONE row with
`member_veto1` and `member_veto2` filled. Early rows (1946-48) give the meeting
record (``S/PV.49``) instead of a draft symbol, so several vetoed drafts of one
meeting share the same `draft` text (two rows of 26 June 1946 are even identical);
`draft_seq` numbers them in file order and makes the key unique.

Two tables:

- `unsc_vetoes`: one row per vetoed draft (veto event);
- `unsc_vetoes_by_member`: one row per (veto event, vetoing member), so
  "vetoes cast by Russia" = rows with member == "Russia".

Quirks handled:

- the per-member 0/1 dummies of the raw file (`China`, `France`, `Russia`, `USSR`,
  `USA`, `UK`) are incomplete: in 26 rows they miss a member named in
  `member_veto1..3` (e.g. France in the 1976-81 Namibia triple vetoes). The
  member columns match the Library's published totals, so every member flag here
  is derived from `member_veto1..3`; `dummies_disagree` marks the 26 rows;
- `single_veto` / `multiple_vetoes` are inconsistent in 3 rows (one blank) and are
  replaced by `n_members`; the pair dummies (`russia_china`, ...) are dropped;
- `meeting_record` holds two letters separated by a newline for the three 2020
  votes taken by written procedure: split into `meeting_record_list`;
- the file does not end with a newline; it is read with a completeness check of
  the last record instead of the shared truncation check (the checksum is verified
  on fetch);
- the USSR (1946-84) and Russia (1993-) are one member, "Russia"; `member_raw` in
  the long table keeps the name as given. All "China" vetoes in the list date from
  1972 or later (People's Republic); the Republic of China's 1955 veto is not listed.
"""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, check_unique, parse_dates, require_columns, trim_strings

SOURCE, FILE = "unsc-vetoes", "unsc_vetoes_1946_sept2022.csv"
CITATION = ("wpdl2022vetoes",)

#: raw member name -> member (the USSR's seat passed to Russia in Dec 1991).
MEMBER_NAMES: dict[str, str] = {
    "China": "China",
    "France": "France",
    "USSR": "Russia",
    "Russia": "Russia",
    "UK": "United Kingdom",
    "USA": "United States",
}
MEMBERS = ("China", "France", "Russia", "United Kingdom", "United States")
#: member -> boolean column in `unsc_vetoes`.
MEMBER_FLAGS: dict[str, str] = {
    "China": "china",
    "France": "france",
    "Russia": "russia_ussr",
    "United Kingdom": "uk",
    "United States": "usa",
}
#: raw per-member dummy columns and the member each stands for.
RAW_DUMMIES: dict[str, str] = {
    "China": "China",
    "France": "France",
    "Russia": "Russia",
    "USSR": "Russia",
    "UK": "United Kingdom",
    "USA": "United States",
}
MEMBER_COLS = ("member_veto1", "member_veto2", "member_veto3")
REGIONS = (
    "Caribbean",
    "Central Africa",
    "Central America",
    "Central Asia",
    "East Asia",
    "Eastern Europe",
    "General",
    "Middle East",
    "North Africa",
    "South America",
    "South Asia",
    "Southeast Asia",
    "Southern Africa",
    "West Africa",
    "Western Europe",
)
#: agenda items naming Syria (or "Syrian"); word-initial, case-insensitive.
SYRIA_RE = re.compile(r"\bSyria", re.IGNORECASE)

REQUIRED = [
    "year",
    "date",
    "draft",
    "meeting_record",
    "agenda_item",
    "crisis_topic",
    "region",
    *MEMBER_COLS,
    *RAW_DUMMIES,
]


def read_vetoes(raw: RawFiles) -> pd.DataFrame:
    """The raw CSV (which lacks a final newline), with a completeness check of the last record."""
    p = raw.path(SOURCE, FILE)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise DataError(f"cannot read CSV: {e}", source=SOURCE, file=FILE) from e
    if len(df) == 0:
        raise DataError("no data rows", source=SOURCE, file=FILE)
    # A record cut short leaves its trailing fields empty; the last field of every
    # complete record is a 0/1 dummy.
    last_col = df.columns[-1]
    if pd.isna(df[last_col].iloc[-1]):
        raise DataError(
            "last record is incomplete: truncated?", source=SOURCE, file=FILE, column=str(last_col), row=len(df)
        )
    return df


def _fail(msg: str, df: pd.DataFrame, mask: pd.Series, column: str) -> None:
    if mask.any():
        i = mask.idxmax()
        raise DataError(
            f"{msg}: {df.loc[i, column]!r}", source=SOURCE, file=FILE, column=column, row=int(df.loc[i, "source_row"])
        )


def _events(raw: RawFiles) -> pd.DataFrame:
    df = read_vetoes(raw)
    require_columns(df, REQUIRED, SOURCE, FILE)
    df = add_source_row(trim_strings(df))

    date = parse_dates(df, "date", SOURCE, FILE, fmt="%m/%d/%Y")
    year = pd.to_numeric(df["year"], errors="coerce")
    _fail("year does not match date", df, year.ne(date.dt.year) | year.isna(), "year")

    # vetoing members, in the order given
    for c in MEMBER_COLS:
        _fail("unknown vetoing member", df, df[c].notna() & ~df[c].isin(list(MEMBER_NAMES)), c)
    _fail("no vetoing member", df, df["member_veto1"].isna(), "member_veto1")
    _fail(
        "member_veto3 given without member_veto2",
        df,
        df["member_veto3"].notna() & df["member_veto2"].isna(),
        "member_veto3",
    )
    raw_members = df[list(MEMBER_COLS)].apply(lambda r: [v for v in r if isinstance(v, str)], axis=1)
    members = raw_members.map(lambda L: [MEMBER_NAMES[v] for v in L])
    dup = members.map(lambda L: len(set(L)) != len(L))
    _fail("a member is named twice", df, dup, "member_veto2")

    # raw 0/1 dummies: checked for codes, compared with the member columns
    dummies = {}
    for c in RAW_DUMMIES:
        v = df[c]
        _fail("dummy is not 0/1", df, ~v.isin(["0", "1"]), c)
        dummies[c] = v.eq("1")
    dummy_sets = pd.DataFrame(dummies).apply(lambda r: {RAW_DUMMIES[c] for c, on in r.items() if on}, axis=1)

    out = pd.DataFrame(
        {
            "date": date,
            "year": year.astype("int64"),
            "draft": df["draft"].astype("string"),
            "meeting_record": df["meeting_record"].astype("string"),
            "meeting_record_list": df["meeting_record"].map(
                lambda v: [x.strip() for x in re.split(r"[\r\n]+", v) if x.strip()] if isinstance(v, str) else []
            ),
            "agenda_item": df["agenda_item"].astype("string"),
            "crisis_topic": df["crisis_topic"].astype("string"),
            "region": df["region"].astype("string"),
            "members_list": members,
            "members_raw_list": raw_members,
            "n_members": members.map(len).astype("int64"),
        }
    )
    for m, col in MEMBER_FLAGS.items():
        out[col] = members.map(lambda L, m=m: m in L).astype(bool)
    out["syria_conflict"] = out["crisis_topic"].eq("Syria").fillna(False).astype(bool)
    out["syria"] = (
        out["syria_conflict"]
        | df["agenda_item"].map(lambda v: bool(SYRIA_RE.search(v)) if isinstance(v, str) else False)
    ).astype(bool)
    out["dummies_disagree"] = pd.Series([set(a) != b for a, b in zip(members, dummy_sets)], index=df.index, dtype=bool)
    out["source_row"] = df["source_row"]
    # Several vetoed drafts of one meeting share `draft` in 1946-48: number them.
    out["draft_seq"] = (out.groupby(["date", "draft"], sort=False).cumcount() + 1).astype("int64")
    return out


def build_vetoes(raw: RawFiles) -> pd.DataFrame:
    out = _events(raw)
    cols = [
        "date",
        "draft",
        "draft_seq",
        "year",
        "meeting_record",
        "meeting_record_list",
        "agenda_item",
        "crisis_topic",
        "region",
        "members_list",
        "n_members",
        *MEMBER_FLAGS.values(),
        "syria",
        "syria_conflict",
        "dummies_disagree",
        "source_row",
    ]
    return out[cols]


def build_by_member(raw: RawFiles) -> pd.DataFrame:
    ev = _events(raw)
    long = ev.assign(pair=[list(zip(a, b)) for a, b in zip(ev["members_list"], ev["members_raw_list"])]).explode("pair")
    long["member"] = long["pair"].map(lambda t: t[0]).astype("string")
    long["member_raw"] = long["pair"].map(lambda t: t[1]).astype("string")
    long["member_order"] = (long.groupby(level=0).cumcount() + 1).astype("int64")
    cols = [
        "date",
        "draft",
        "draft_seq",
        "member",
        "member_raw",
        "member_order",
        "n_members",
        "year",
        "agenda_item",
        "crisis_topic",
        "region",
        "syria",
        "syria_conflict",
        "source_row",
    ]
    long = long[cols].reset_index(drop=True)
    check_unique(long, ["date", "draft", "draft_seq", "member"], SOURCE, FILE)
    return long


def _list_of(allowed: tuple[str, ...] | None = None, min_len: int = 0):
    def ok(v) -> bool:
        return (
            isinstance(v, list)
            and len(v) >= min_len
            and all(isinstance(x, str) and (allowed is None or x in allowed) for x in v)
        )

    return pa.Check(
        lambda s: s.map(ok),
        element_wise=False,
        name=f"list of {'|'.join(allowed) if allowed else 'str'} (min {min_len})",
    )


def _common() -> dict:
    """Columns of both veto tables; dates and years within the list's coverage (config/sources.yaml)."""
    cov = coverage(SOURCE)
    return {
        "date": pa.Column("datetime64[ns]", pa.Check.in_range(cov.start, cov.end)),
        "draft": pa.Column("string", pa.Check.str_matches(r"^S/")),
        "draft_seq": pa.Column("int64", pa.Check.in_range(1, 10)),
        "year": pa.Column("int64", pa.Check.in_range(*cov.span)),
        "agenda_item": pa.Column("string"),
        "crisis_topic": pa.Column("string"),
        "region": pa.Column("string", pa.Check.isin(REGIONS)),
        "n_members": pa.Column("int64", pa.Check.in_range(1, 3)),
        "syria": pa.Column("bool"),
        "syria_conflict": pa.Column("bool"),
        "source_row": pa.Column("int64", pa.Check.ge(1)),
    }


_year_matches = pa.Check(lambda d: d["year"] == d["date"].dt.year, name="year_matches_date")

VETOES_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            **_common(),
            "meeting_record": pa.Column("string", pa.Check.str_matches(r"^S/")),
            "meeting_record_list": pa.Column(object, _list_of(None, 1)),
            "members_list": pa.Column(object, _list_of(MEMBERS, 1)),
            **{c: pa.Column("bool") for c in MEMBER_FLAGS.values()},
            "dummies_disagree": pa.Column("bool"),
        },
        checks=[
            _year_matches,
            pa.Check(lambda d: d["members_list"].map(len) == d["n_members"], name="n_members_matches_list"),
            pa.Check(
                lambda d: d[list(MEMBER_FLAGS.values())].sum(axis=1) == d["n_members"],
                name="member_flags_match_n_members",
            ),
            pa.Check(lambda d: ~d["syria_conflict"] | d["syria"], name="syria_conflict_implies_syria"),
        ],
        strict=True,
        ordered=False,
    )
)

BY_MEMBER_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            **_common(),
            "member": pa.Column("string", pa.Check.isin(MEMBERS)),
            "member_raw": pa.Column("string", pa.Check.isin(list(MEMBER_NAMES))),
            "member_order": pa.Column("int64", pa.Check.in_range(1, 3)),
        },
        checks=[
            _year_matches,
            pa.Check(lambda d: d["member_order"] <= d["n_members"], name="member_order_within_n_members"),
            pa.Check(lambda d: d["member_raw"].map(MEMBER_NAMES) == d["member"], name="member_matches_raw_name"),
        ],
        strict=True,
        ordered=False,
    )
)

KEY = ("date", "draft", "draft_seq")

TABLES = [
    Table(
        name="unsc_vetoes",
        sources=(f"{SOURCE}/{FILE}",),
        build=build_vetoes,
        schema=VETOES_SCHEMA,
        key=KEY,
        description=(
            "UN Security Council vetoes 1946 - 15 Sept 2022, one row per vetoed draft resolution "
            "(Dag Hammarskjöld Library convention); member flags derived from member_veto1..3."
        ),
        citation=CITATION,
    ),
    Table(
        name="unsc_vetoes_by_member",
        sources=(f"{SOURCE}/{FILE}",),
        build=build_by_member,
        schema=BY_MEMBER_SCHEMA,
        key=(*KEY, "member"),
        description=(
            "UN Security Council vetoes 1946 - 15 Sept 2022, one row per (vetoed draft, vetoing "
            "permanent member); USSR counted as Russia (member_raw keeps the name as given)."
        ),
        citation=CITATION,
    ),
]
