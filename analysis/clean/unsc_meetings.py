"""UN Security Council meetings and their outcomes, 1946-2019 (Dag Hammarskjöld Library tables).

Source `unsc-meetings`: the Library's "Security Council Meetings & Outcomes Tables", scraped to
one spreadsheet (`sample_1946_2019.xlsx`, 9,007 rows: year, date, topics, result). One row is
one meeting; its `result` cell is free text that can list several outcomes:

- an adopted resolution "S/RES/1973 (2011)" followed by its tally "10-0-5" (yes-no-abstain),
  "adopted unanimously" or "without vote";
- a failed draft: "Draft resolution S/2011/612 vetoed by China and Russian Federation 9-2-4",
  "Draft resolution S/5032 not adopted 4-7-0" (too few votes), in 1946-48 with the meeting
  record instead of a draft symbol ("S/PV.49");
- a presidential statement "S/PRST/2011/16" (before 1994 "S/21418 (PRST)"), a communiqué of a
  private meeting, a note or letter of the President, a referral; "--" for no outcome.

Quirks handled: line breaks inside a tally or between a symbol and its tally; no space between
a member name and a tally ("USA14-1-0"); HTML entities ("Communiqu&eacute;"); dates with the day
and month only (the year is its own column), ranges ("14-15 October", "22/23 November": the first
day is used and noted), abbreviated months ("15 Sep."), 20 empty dates (kept, reported).
Tallies are checked against the Council's size (11 members to 1965, 15 from 1966); the vetoing
members are P5 names (USSR and Russian Federation are one seat, "Russia", as in
`analysis.clean.unsc`); an unknown name is an error naming the row.

Tables:

- `unsc_meetings`: one row per meeting row;
- `unsc_outcomes`: one row per outcome, with the tally, the vetoing members, and the joins:
  an adopted resolution to `unsc_resolutions` by symbol (texts end with S/RES/2259 of 2015), a
  vetoed draft to the veto list (`unsc_vetoes`) by draft symbol (and order within a symbol);
- `unsc_outcome_vetoes`: one row per (vetoed draft, vetoing member), with the member's
  Gleditsch-Ward code and whether the veto list names the same members;
- `unsc_meetings_join_report`: everything that does not join or parse cleanly, one row each.

Bad input is an error (exit 2) naming file, column and row: an unknown vetoing member, a tally
that cannot be read or exceeds the Council's size, a date that cannot be read, a resolution
number listed as adopted twice. Rows the published data are known to hold (empty dates,
outcomes the scrape split oddly) go to the report instead, never silently dropped.
"""

from __future__ import annotations

import html
import re
import tarfile
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import DataError
from ..sources import coverage
from . import unsc as vetoes
from .base import LazySchema, RawFiles, Table, add_source_row, require_columns
from .unsc_resolutions import DTA as RES_DTA
from .unsc_resolutions import MEMBER_RE as TEXT_MEMBER_RE
from .unsc_resolutions import MONTHS as MONTH_NAMES
from .unsc_resolutions import SOURCE as RES_SOURCE
from .unsc_resolutions import TAR as RES_TAR
from .unsc_resolutions import read_dta

SOURCE, FILE = "unsc-meetings", "sample_1946_2019.xlsx"
CITATION = ("dhl2019meetings",)
CODE_DEPS = ("analysis/clean/unsc_resolutions.py", "analysis/clean/unsc.py")
SOURCES = (f"{SOURCE}/{FILE}", f"{RES_SOURCE}/{RES_TAR}", f"{RES_SOURCE}/{RES_DTA}", f"{vetoes.SOURCE}/{vetoes.FILE}")
#: resolution numbers the published tables list as adopted at two meetings (scrape or typing
#: errors: 663 also on 13 September 1990, 701 also on 30 May 1991, 1996 in two identical rows).
#: The listing on the date the collection's .dta gives is joined; the other is kept, flagged
#: `duplicate_listing` and reported. Any other repeated number is an error.
KNOWN_DUPLICATES = {663, 701, 1996}

#: vetoing member as written -> member (the seat; as analysis.clean.unsc.MEMBERS).
MEMBER_NAMES: dict[str, str] = {
    "USSR": "Russia",
    "Russian Federation": "Russia",
    "Russia": "Russia",
    "USA": "United States",
    "United States": "United States",
    "United States of America": "United States",
    "UK": "United Kingdom",
    "United Kingdom": "United Kingdom",
    "France": "France",
    "China": "China",
}
#: member -> Gleditsch-Ward code (Russia/USSR 365; China 710, the People's Republic: every
#: Chinese veto in these data is of 1972 or later). Checked against the crosswalk in the tests.
MEMBER_GWCODE = {"China": 710, "France": 220, "Russia": 365, "United Kingdom": 200, "United States": 2}
OUTCOME_TYPES = (
    "resolution_adopted",
    "draft_vetoed",
    "draft_not_adopted",
    "draft_no_decision",
    "presidential_statement",
    "communique",
    "note_or_letter",
    "other",
    "none",
)
LAST_TEXT = 2259  # the resolution texts end with S/RES/2259 (2015)

MONTHS = {m[:3].lower(): i + 1 for i, m in enumerate(MONTH_NAMES)}

# ----------------------------------------------------------------------------- parsing

_SYM = r"S/(?:PV\.\s?)?\d+(?:/\d+)?(?:/Rev\.\s?\d+)?(?:/Add\.\d+)?"
_ANCHOR = re.compile(
    r"(?P<prst>S/PRST/\d{4}/\d+|(?P<prst_old>" + _SYM + r")\s*\(PRST\)|\bPRST\b)"
    r"|(?P<res>S/RES/\s*(?P<rn>\d+)\s*\(\s*(?P<ry>\d{4})\s*\))"
    r"|(?P<comm>Communiqu\w*)"
    r"|(?P<note>(?:Note|Letter)\s*\(\s*S/[^)]*\))"
    r"|(?P<referral>Referral to the Committee on the Admission of New Members)"
    r"|(?P<draft>(?:Draft\s+resolution\s*)?\(?(?P<ds>" + _SYM + r")\)?(?:\s*\(as corrected\))?)",
    re.I,
)
_TALLY = re.compile(r"(\d{1,2})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})(\s*\+)?")
_NAME = r"(?:the\s+)?(?:Russian Federation|United States of America|United States|United Kingdom|USSR|USA|UK|France|China|Russia)"
_VETO = re.compile(
    r"vetoed(?:\s*by\s*(?P<who>" + _NAME + r"(?:\s*(?:,\s*and|,|and)\s*" + _NAME + r")*)"
    r"|\s*by\s*(?P<unknown>[A-Za-z][A-Za-z .]{0,40}))?"
)
_NOT_ADOPTED = re.compile(r"not\s*adopted|failed", re.I)
_UNANIMOUS = re.compile(r"adopted\s+unanimously", re.I)
_WITHOUT_VOTE = re.compile(r"without\s+(?:a\s+)?vote", re.I)


def norm_symbol(s: str) -> str:
    """'Draft resolution (S/2014/189)' / 'S/PV. 49' / 'S/5425/Rev. 1' -> 'S/2014/189', 'S/PV.49', 'S/5425/Rev.1'."""
    s = re.sub(r"\s+", "", s).strip("()")
    s = re.sub(r"(?i)^draftresolution", "", s).strip("()")
    s = re.sub(r"(?i)/rev\.", "/Rev.", s)
    s = re.sub(r"(?i)^s/pv\.", "S/PV.", s)
    return s


def split_members(who: str, row: int, column: str = "result") -> list[tuple[str, str]]:
    """'China and Russian Federation' -> [('China', 'China'), ('Russian Federation', 'Russia')]."""
    who = who.strip().strip(",").strip()
    parts = [re.sub(r"^the\s+", "", p.strip()) for p in re.split(r",|\band\b", who) if p.strip()]
    out = []
    for p in parts:
        if p not in MEMBER_NAMES:
            raise DataError(
                f"unknown vetoing member {p!r} (known: {', '.join(MEMBER_NAMES)})",
                source=SOURCE,
                file=FILE,
                column=column,
                row=row,
            )
        out.append((p, MEMBER_NAMES[p]))
    return out


def parse_result(cell: str, row: int, year: int) -> tuple[list[dict], str]:
    """Outcomes of one `result` cell and the text no outcome accounts for."""
    t = re.sub(r"\s+", " ", html.unescape(cell or "")).strip()
    if t in ("", "--", "-"):
        return [], ""
    anchors = list(_ANCHOR.finditer(t))
    residue = t[: anchors[0].start()] if anchors else t
    size = 11 if year <= 1965 else 15
    outs = []
    for i, a in enumerate(anchors):
        seg = t[a.end() : anchors[i + 1].start() if i + 1 < len(anchors) else len(t)]
        o = {
            "symbol": None,
            "resolution": None,
            "resolution_year": None,
            "yes": None,
            "no": None,
            "abstain": None,
            "tally_plus": False,
            "adopted_unanimously": False,
            "without_vote": False,
            "vetoed_by": [],
            "vetoed_by_raw": None,
            "text": (a.group(0) + seg).strip(),
        }
        rest = seg
        mt = _TALLY.search(rest)
        if mt:
            y, n, ab = (int(mt.group(k)) for k in (1, 2, 3))
            if y + n + ab > size:
                raise DataError(
                    f"tally {mt.group(0).strip()!r} exceeds the Council's {size} members",
                    source=SOURCE,
                    file=FILE,
                    column="result",
                    row=row,
                )
            o.update(yes=y, no=n, abstain=ab, tally_plus=bool(mt.group(4)))
            rest = rest[: mt.start()] + " " + rest[mt.end() :]
        elif re.search(r"\d+\s*-\s*\d+", rest):
            raise DataError(
                f"tally cannot be read: {rest.strip()!r}", source=SOURCE, file=FILE, column="result", row=row
            )
        if a.group("res"):
            o.update(
                outcome_type="resolution_adopted",
                resolution=int(a.group("rn")),
                resolution_year=int(a.group("ry")),
                symbol=f"S/RES/{int(a.group('rn'))} ({a.group('ry')})",
            )
            if _UNANIMOUS.search(rest):
                o["adopted_unanimously"] = True
                rest = _UNANIMOUS.sub(" ", rest)
            if _WITHOUT_VOTE.search(rest):
                o["without_vote"] = True
                rest = _WITHOUT_VOTE.sub(" ", rest)
            rest = re.sub(r"(?i)\badopted\b", " ", rest)
        elif a.group("prst"):
            sym = a.group("prst_old") or a.group("prst")
            o.update(outcome_type="presidential_statement", symbol=None if sym == "PRST" else norm_symbol(sym))
        elif a.group("comm"):
            o.update(outcome_type="communique")
        elif a.group("note"):
            o.update(outcome_type="note_or_letter", symbol=norm_symbol(re.search(r"S/[^)]*", a.group("note")).group(0)))
        elif a.group("referral"):
            o.update(outcome_type="other")
        else:
            o["symbol"] = norm_symbol(a.group("ds"))
            mv = _VETO.search(rest)
            if mv and mv.group("unknown"):
                raise DataError(
                    f"unknown vetoing member {mv.group('unknown').strip()!r} (known: {', '.join(MEMBER_NAMES)})",
                    source=SOURCE,
                    file=FILE,
                    column="result",
                    row=row,
                )
            if mv:
                o["outcome_type"] = "draft_vetoed"
                who = (mv.group("who") or "").strip()
                if who:
                    pairs = split_members(who, row)
                    o["vetoed_by"] = [m for _, m in pairs]
                    o["vetoed_by_raw"] = ", ".join(r for r, _ in pairs)
                rest = rest[: mv.start()] + " " + rest[mv.end() :]
            elif _NOT_ADOPTED.search(rest):
                o["outcome_type"] = "draft_not_adopted"
                rest = _NOT_ADOPTED.sub(" ", rest)
            else:
                o["outcome_type"] = "draft_no_decision" if o["yes"] is None else "draft_not_adopted"
        left = re.sub(r"[\s.,;:()\-+]+", " ", rest).strip()
        if left:
            residue = (residue + " " + left).strip()
        outs.append(o)
    # a bare tally with no anchor before it ("vetoed by USA 14-1-0" split from its draft by the scrape)
    return outs, re.sub(r"[\s.,;:()\-]+", " ", residue).strip()


def parse_date(raw: object, year: int, row: int) -> tuple[pd.Timestamp | None, str | None]:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or not str(raw).strip():
        return None, "no date in the source"
    s = str(raw).strip()
    m = re.match(r"^(\d{1,2})(?:\s*(?:-|/|\+)\s*\d{1,2})?\s+([A-Za-z]+)\.?\s*$", s)
    if not m:
        raise DataError(f"unparseable date {s!r}", source=SOURCE, file=FILE, column="date", row=row)
    mon = MONTHS.get(m.group(2)[:3].lower())
    if mon is None:
        raise DataError(f"unknown month in date {s!r}", source=SOURCE, file=FILE, column="date", row=row)
    try:
        d = pd.Timestamp(year=year, month=mon, day=int(m.group(1)))
    except ValueError:
        raise DataError(f"impossible date {s!r} in {year}", source=SOURCE, file=FILE, column="date", row=row) from None
    note = None
    if re.search(r"\d\s*(?:-|/|\+)\s*\d", s):
        note = "meeting over several days: the first is used"
    elif not re.match(
        r"^\d{1,2}\s+(?:" + "|".join(MONTH_NAMES) + r")$",
        s,
    ):
        note = "abbreviated month"
    return d, note


def read_meetings(raw: RawFiles) -> pd.DataFrame:
    df = raw.read_excel(SOURCE, FILE, dtype=object)
    require_columns(df, ["year", "date", "topics", "result"], SOURCE, FILE)
    if len(df) == 0:
        raise DataError("no data rows", source=SOURCE, file=FILE)
    df = add_source_row(df)
    yr = pd.to_numeric(df["year"], errors="coerce")
    if yr.isna().any() or (yr % 1 != 0).any():
        i = int(np.flatnonzero((yr.isna() | (yr % 1 != 0)).to_numpy())[0])
        raise DataError(
            f"year is not a whole number: {df['year'].iloc[i]!r}", source=SOURCE, file=FILE, column="year", row=i + 1
        )
    df["year"] = yr.astype("int64")
    return df


@lru_cache(maxsize=2)
def _parsed(root: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = RawFiles(root)
    df = read_meetings(raw)
    meetings, outcomes = [], []
    for r in df.itertuples(index=False):
        row = int(r.source_row)
        date, note = parse_date(r.date, int(r.year), row)
        cell = "" if r.result is None or (isinstance(r.result, float) and np.isnan(r.result)) else str(r.result)
        outs, residue = parse_result(cell, row, int(r.year))
        topics = (
            None
            if r.topics is None or (isinstance(r.topics, float) and np.isnan(r.topics))
            else re.sub(r"\s+", " ", html.unescape(str(r.topics))).strip()
        )
        meetings.append(
            {
                "source_row": row,
                "year": int(r.year),
                "date": date,
                "date_raw": None
                if r.date is None or (isinstance(r.date, float) and np.isnan(r.date))
                else str(r.date).strip(),
                "date_note": note,
                "topics": topics,
                "result_raw": cell.strip() or None,
                "n_outcomes": len(outs),
                "unparsed_text": residue or None,
            }
        )
        for k, o in enumerate(outs, start=1):
            outcomes.append(
                {"source_row": row, "outcome_seq": k, "year": int(r.year), "date": date, "topics": topics, **o}
            )
    m = pd.DataFrame(meetings)
    o = pd.DataFrame(outcomes)
    o["duplicate_listing"] = False
    adopted = o[o["outcome_type"] == "resolution_adopted"]
    dup = adopted[adopted.duplicated("resolution", keep=False)]
    unknown = dup[~dup["resolution"].isin(KNOWN_DUPLICATES)]
    if len(unknown):
        n = int(unknown["resolution"].iloc[0])
        raise DataError(
            f"resolution {n} is listed as adopted twice",
            source=SOURCE,
            file=FILE,
            column="result",
            rows=unknown.loc[unknown["resolution"] == n, "source_row"].astype(int).tolist(),
        )
    if len(dup):
        dta = read_dta(raw).set_index("resolution")["date_dta"]
        for n, g in dup.groupby("resolution"):
            match = g[g["date"] == dta.get(int(n))]
            keep = match.index[0] if len(match) else None
            o.loc[[i for i in g.index if i != keep], "duplicate_listing"] = True
    return m, o


def _text_numbers(raw: RawFiles) -> dict[int, int]:
    """resolution number -> year in the texts' file names (the archive's member list only)."""
    p = raw.path(RES_SOURCE, RES_TAR)
    out = {}
    try:
        with tarfile.open(p, mode="r:gz") as tf:
            for name in tf.getnames():
                mm = TEXT_MEMBER_RE.match(name)
                if mm:
                    out[int(mm.group(1))] = int(mm.group(2))
    except (tarfile.TarError, EOFError, OSError) as e:
        raise DataError(f"cannot read the archive: {e}", source=RES_SOURCE, file=RES_TAR) from None
    return out


def _draft_key(s: str) -> str:
    """Join key of a draft symbol: its first symbol, without corrigenda and addenda ('S/471 and S/471/Add.1' -> 'S/471')."""
    m = re.search(_SYM, str(s), re.I)
    k = norm_symbol(m.group(0)) if m else norm_symbol(str(s))
    return re.sub(r"(?i)/(?:Corr|Add)\.\d+$", "", k)


def _veto_join(o: pd.DataFrame, v: pd.DataFrame) -> pd.DataFrame:
    """Vetoed drafts of the meetings table joined to the veto list: by (draft symbol, order within
    symbol); then drafts left on both sides with the same date and the same members are paired."""
    mv = o[o["outcome_type"] == "draft_vetoed"].copy()
    mv["draft_norm"] = mv["symbol"].map(_draft_key)
    mv = mv.sort_values(["draft_norm", "date", "source_row", "outcome_seq"], kind="mergesort")
    mv["k"] = mv.groupby("draft_norm").cumcount()
    vv = v.copy()
    vv["draft_norm"] = vv["draft"].astype(str).map(_draft_key)
    vv = vv.sort_values(["draft_norm", "date", "draft_seq"], kind="mergesort")
    vv["k"] = vv.groupby("draft_norm").cumcount()
    vv = vv.rename(
        columns={
            "date": "veto_date",
            "draft": "veto_draft",
            "draft_seq": "veto_draft_seq",
            "members_list": "veto_members",
        }
    )
    cols = ["draft_norm", "k", "veto_date", "veto_draft", "veto_draft_seq", "veto_members"]
    j = mv.merge(vv[cols], on=["draft_norm", "k"], how="outer", indicator=True)
    # second pass: same date and same members, one to one in file order
    left = j[j["_merge"] == "left_only"].drop(columns=cols[2:] + ["_merge"])
    right = j[j["_merge"] == "right_only"][cols]
    left = left.assign(mkey=left["vetoed_by"].map(lambda L: ",".join(sorted(L))), dkey=left["date"])
    right = right.assign(mkey=right["veto_members"].map(lambda L: ",".join(sorted(L))), dkey=right["veto_date"])
    left["n"] = left.groupby(["dkey", "mkey"]).cumcount()
    right["n"] = right.groupby(["dkey", "mkey"]).cumcount()
    pair = left.merge(right.drop(columns=["draft_norm", "k"]), on=["dkey", "mkey", "n"], how="outer", indicator=True)
    pair = pair.drop(columns=["dkey", "mkey", "n"])
    pair.loc[pair["_merge"] == "both", "join"] = "date and members"
    both = j[j["_merge"] == "both"].assign(join="draft symbol")
    return pd.concat([both, pair], ignore_index=True)


@lru_cache(maxsize=2)
def _joined(root: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    raw = RawFiles(root)
    m, o = _parsed(root)
    o = o.copy()
    texts = _text_numbers(raw)
    v = vetoes.build_vetoes(raw)
    is_res = o["outcome_type"] == "resolution_adopted"
    o["in_texts"] = is_res & o["resolution"].map(lambda n: pd.notna(n) and int(n) in texts) & ~o["duplicate_listing"]
    j = _veto_join(o, v)
    both = j[j["_merge"] == "both"]
    key = both.set_index(["source_row", "outcome_seq"])
    idx = pd.MultiIndex.from_frame(o[["source_row", "outcome_seq"]])
    o["veto_date"] = key["veto_date"].reindex(idx).to_numpy()
    o["veto_draft"] = key["veto_draft"].reindex(idx).to_numpy()
    o["veto_draft_seq"] = key["veto_draft_seq"].reindex(idx).to_numpy()
    vm = key["veto_members"].reindex(idx)
    o["veto_members"] = [list(x) if isinstance(x, (list, np.ndarray)) else [] for x in vm]
    o["veto_members_agree"] = [
        (sorted(a) == sorted(b)) if (t == "draft_vetoed" and b) else pd.NA
        for a, b, t in zip(o["vetoed_by"], o["veto_members"], o["outcome_type"])
    ]

    rep = []

    def add(kind, detail, source_row=None, year=None, symbol=None, date=None):
        rep.append(
            {"kind": kind, "source_row": source_row, "year": year, "symbol": symbol, "date": date, "detail": detail}
        )

    for r in o[o["duplicate_listing"]].itertuples():
        add(
            "resolution number listed twice",
            "this listing's date is not the resolution's adoption date (.dta): kept, not joined to the text",
            r.source_row,
            r.year,
            r.symbol,
            r.date,
        )
    for r in o[is_res & ~o["in_texts"] & ~o["duplicate_listing"]].itertuples():
        add(
            "adopted resolution not in the texts",
            "after S/RES/2259 (2015): the texts end there" if r.resolution > LAST_TEXT else "number not in the archive",
            r.source_row,
            r.year,
            r.symbol,
            r.date,
        )
    for r in o[is_res & o["in_texts"]].itertuples():
        if texts[int(r.resolution)] != r.resolution_year:
            add(
                "resolution year differs from the text's file name",
                f"meetings: {r.resolution_year}; file name: {texts[int(r.resolution)]}",
                r.source_row,
                r.year,
                r.symbol,
                r.date,
            )
    listed = set(o.loc[is_res, "resolution"].dropna().astype(int))
    for n in sorted(set(texts) - listed):
        add(
            "resolution text not listed as adopted in the meetings",
            "no meeting row names this resolution",
            None,
            texts[n],
            f"S/RES/{n} ({texts[n]})",
            None,
        )
    for r in j[j["_merge"] == "left_only"].itertuples():
        add(
            "vetoed draft not in the veto list",
            f"members in the meetings table: {', '.join(r.vetoed_by) or 'none'}",
            r.source_row,
            r.year,
            r.symbol,
            r.date,
        )
    for r in j[j["_merge"] == "right_only"].itertuples():
        end = coverage(SOURCE).last
        after = f" (after {end}: the meetings tables end there)" if pd.Timestamp(r.veto_date).year > end else ""
        add(
            "veto-list draft not found as vetoed in the meetings table",
            f"veto list: {', '.join(r.veto_members)} on {pd.Timestamp(r.veto_date).date()}{after}",
            None,
            pd.Timestamp(r.veto_date).year,
            r.veto_draft,
            r.veto_date,
        )
    for r in o[o["veto_members_agree"].eq(False).fillna(False)].itertuples():
        add(
            "vetoing members differ",
            f"meetings: {', '.join(r.vetoed_by) or 'none'}; veto list: {', '.join(r.veto_members)}",
            r.source_row,
            r.year,
            r.symbol,
            r.date,
        )
    for r in o[(o["outcome_type"] == "draft_vetoed") & (o["vetoed_by"].map(len) == 0)].itertuples():
        add(
            "vetoed draft without named members",
            "the cell says 'vetoed' without 'by ...'",
            r.source_row,
            r.year,
            r.symbol,
            r.date,
        )
    for r in m[m["unparsed_text"].notna()].itertuples():
        add("text in the result cell that names no outcome", r.unparsed_text, r.source_row, r.year, None, r.date)
    for r in m[m["date_note"].notna()].itertuples():
        add("date", f"{r.date_note}: {r.date_raw!r}" if r.date_raw else r.date_note, r.source_row, r.year, None, r.date)
    report = pd.DataFrame(rep, columns=["kind", "source_row", "year", "symbol", "date", "detail"])
    return m, o, j, report


def build_meetings(raw: RawFiles) -> pd.DataFrame:
    m, _ = _parsed(str(raw.root.resolve()))  # reads the spreadsheet and the .dta only (its declared sources)
    out = m.copy()
    out["date"] = pd.to_datetime(out["date"])
    for c in ["date_raw", "date_note", "topics", "result_raw", "unparsed_text"]:
        out[c] = out[c].astype("string")
    out["n_outcomes"] = out["n_outcomes"].astype("int64")
    return out


def build_outcomes(raw: RawFiles) -> pd.DataFrame:
    _, o, _, _ = _joined(str(raw.root.resolve()))
    out = o.copy()
    out["date"] = pd.to_datetime(out["date"])
    out["veto_date"] = pd.to_datetime(out["veto_date"])
    for c in ["resolution", "resolution_year", "yes", "no", "abstain", "veto_draft_seq"]:
        out[c] = pd.array(out[c].astype("float64"), dtype="Int64")
    for c in ["outcome_type", "symbol", "vetoed_by_raw", "text", "topics", "veto_draft"]:
        out[c] = out[c].astype("string")
    out["veto_members_agree"] = out["veto_members_agree"].astype("boolean")
    out["n_vetoes"] = out["vetoed_by"].map(len).astype("int64")
    out["unanimous"] = (out["adopted_unanimously"] | ((out["no"] == 0) & (out["abstain"] == 0)).fillna(False)).astype(
        bool
    )
    cols = [
        "source_row",
        "outcome_seq",
        "year",
        "date",
        "outcome_type",
        "symbol",
        "resolution",
        "resolution_year",
        "yes",
        "no",
        "abstain",
        "tally_plus",
        "adopted_unanimously",
        "without_vote",
        "unanimous",
        "vetoed_by",
        "vetoed_by_raw",
        "n_vetoes",
        "in_texts",
        "duplicate_listing",
        "veto_date",
        "veto_draft",
        "veto_draft_seq",
        "veto_members",
        "veto_members_agree",
        "topics",
        "text",
    ]
    return out[cols]


def build_outcome_vetoes(raw: RawFiles) -> pd.DataFrame:
    o = build_outcomes(raw)
    v = o[o["outcome_type"] == "draft_vetoed"].copy()
    v = v.assign(member=v["vetoed_by"]).explode("member")
    v = v[v["member"].notna()].copy()
    raw_names = o.set_index(["source_row", "outcome_seq"])["vetoed_by_raw"]
    v["member_order"] = (v.groupby(["source_row", "outcome_seq"]).cumcount() + 1).astype("int64")
    v["member_raw"] = [
        raw_names.loc[(a, b)].split(", ")[k - 1]
        for a, b, k in zip(v["source_row"], v["outcome_seq"], v["member_order"])
    ]
    v["gwcode"] = v["member"].map(MEMBER_GWCODE).astype("int64")
    v["in_veto_list"] = v["veto_draft"].notna()
    v["member_in_veto_list"] = [m in list(L) for m, L in zip(v["member"], v["veto_members"])]
    v["member"] = v["member"].astype("string")
    v["member_raw"] = v["member_raw"].astype("string")
    cols = [
        "source_row",
        "outcome_seq",
        "member",
        "member_raw",
        "member_order",
        "gwcode",
        "year",
        "date",
        "symbol",
        "n_vetoes",
        "yes",
        "no",
        "abstain",
        "in_veto_list",
        "member_in_veto_list",
        "veto_date",
        "veto_draft",
        "veto_draft_seq",
        "topics",
    ]
    return v[cols].reset_index(drop=True)


def build_join_report(raw: RawFiles) -> pd.DataFrame:
    *_, rep = _joined(str(raw.root.resolve()))
    out = rep.copy()
    out["source_row"] = pd.array(out["source_row"].astype("float64"), dtype="Int64")
    out["year"] = pd.array(out["year"].astype("float64"), dtype="Int64")
    out["date"] = pd.to_datetime(out["date"])
    for c in ["kind", "symbol", "detail"]:
        out[c] = out[c].astype("string")
    out = out.sort_values(["kind", "year", "source_row", "symbol"], kind="mergesort", na_position="last")
    out.insert(0, "report_row", np.arange(1, len(out) + 1, dtype="int64"))
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- schemas

_MEMBERS = tuple(MEMBER_GWCODE)


def _list_of(allowed):
    import pandera.pandas as pa

    return pa.Check(
        lambda s: s.map(lambda v: isinstance(v, (list, np.ndarray)) and all(x in allowed for x in v)),
        name=f"list of {'|'.join(allowed)}",
    )


def _meetings_schema():
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "source_row": pa.Column("int64", pa.Check.ge(1)),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(SOURCE).span)),
            "date": pa.Column("datetime64[ns]", nullable=True),
            "date_raw": pa.Column("string", nullable=True),
            "date_note": pa.Column("string", nullable=True),
            "topics": pa.Column("string", nullable=True),
            "result_raw": pa.Column("string", nullable=True),
            "n_outcomes": pa.Column("int64", pa.Check.in_range(0, 20)),
            "unparsed_text": pa.Column("string", nullable=True),
        },
        checks=[pa.Check(lambda d: d["date"].isna() | (d["date"].dt.year == d["year"]), name="date_in_year")],
        strict=True,
    )


def _outcomes_schema():
    import pandera.pandas as pa

    size = lambda d: np.where(d["year"] <= 1965, 11, 15)  # noqa: E731
    return pa.DataFrameSchema(
        {
            "source_row": pa.Column("int64", pa.Check.ge(1)),
            "outcome_seq": pa.Column("int64", pa.Check.ge(1)),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(SOURCE).span)),
            "date": pa.Column("datetime64[ns]", nullable=True),
            "outcome_type": pa.Column("string", pa.Check.isin(OUTCOME_TYPES)),
            "symbol": pa.Column("string", pa.Check.str_matches(r"^S/"), nullable=True),
            "resolution": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "resolution_year": pa.Column("Int64", pa.Check.in_range(*coverage(SOURCE).span), nullable=True),
            **{c: pa.Column("Int64", pa.Check.in_range(0, 15), nullable=True) for c in ("yes", "no", "abstain")},
            "tally_plus": pa.Column("bool"),
            "adopted_unanimously": pa.Column("bool"),
            "without_vote": pa.Column("bool"),
            "unanimous": pa.Column("bool"),
            "vetoed_by": pa.Column(object, _list_of(_MEMBERS)),
            "vetoed_by_raw": pa.Column("string", nullable=True),
            "n_vetoes": pa.Column("int64", pa.Check.in_range(0, 5)),
            "in_texts": pa.Column("bool"),
            "duplicate_listing": pa.Column("bool"),
            "veto_date": pa.Column("datetime64[ns]", nullable=True),
            "veto_draft": pa.Column("string", nullable=True),
            "veto_draft_seq": pa.Column("Int64", nullable=True),
            "veto_members": pa.Column(object, _list_of(_MEMBERS)),
            "veto_members_agree": pa.Column("boolean", nullable=True),
            "topics": pa.Column("string", nullable=True),
            "text": pa.Column("string"),
        },
        checks=[
            pa.Check(
                lambda d: (d["yes"].fillna(0) + d["no"].fillna(0) + d["abstain"].fillna(0)) <= size(d),
                name="tally_within_council_size",
            ),
            pa.Check(
                lambda d: (d["outcome_type"] == "resolution_adopted") == d["resolution"].notna(),
                name="resolution_iff_adopted",
            ),
            pa.Check(lambda d: (d["outcome_type"] == "draft_vetoed") | (d["n_vetoes"] == 0), name="vetoes_only_vetoed"),
            pa.Check(lambda d: ~d["in_texts"] | (d["outcome_type"] == "resolution_adopted"), name="texts_only_res"),
            pa.Check(
                lambda d: (
                    ~d["in_texts"]
                    | ~d.loc[d["in_texts"], "resolution"].duplicated(keep=False).reindex(d.index, fill_value=False)
                ),
                name="each_text_joined_once",
            ),
            # a veto is a negative vote of a permanent member: a tally of a vetoed draft has no >= n_vetoes
            pa.Check(lambda d: d["no"].isna() | (d["no"] >= d["n_vetoes"]), name="vetoes_within_no_votes"),
        ],
        strict=True,
    )


def _outcome_vetoes_schema():
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "source_row": pa.Column("int64"),
            "outcome_seq": pa.Column("int64"),
            "member": pa.Column("string", pa.Check.isin(_MEMBERS)),
            "member_raw": pa.Column("string", pa.Check.isin(list(MEMBER_NAMES))),
            "member_order": pa.Column("int64", pa.Check.in_range(1, 5)),
            "gwcode": pa.Column("int64", pa.Check.isin(list(MEMBER_GWCODE.values()))),
            "year": pa.Column("int64"),
            "date": pa.Column("datetime64[ns]", nullable=True),
            "symbol": pa.Column("string"),
            "n_vetoes": pa.Column("int64", pa.Check.ge(1)),
            **{c: pa.Column("Int64", nullable=True) for c in ("yes", "no", "abstain")},
            "in_veto_list": pa.Column("bool"),
            "member_in_veto_list": pa.Column("bool"),
            "veto_date": pa.Column("datetime64[ns]", nullable=True),
            "veto_draft": pa.Column("string", nullable=True),
            "veto_draft_seq": pa.Column("Int64", nullable=True),
            "topics": pa.Column("string", nullable=True),
        },
        checks=[pa.Check(lambda d: d["member"].map(MEMBER_GWCODE) == d["gwcode"], name="gwcode_of_member")],
        strict=True,
    )


def _report_schema():
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "report_row": pa.Column("int64"),
            "kind": pa.Column("string"),
            "source_row": pa.Column("Int64", nullable=True),
            "year": pa.Column("Int64", nullable=True),
            "symbol": pa.Column("string", nullable=True),
            "date": pa.Column("datetime64[ns]", nullable=True),
            "detail": pa.Column("string"),
        },
        strict=True,
    )


TABLES = [
    Table(
        name="unsc_meetings",
        sources=(SOURCES[0], SOURCES[2]),
        build=build_meetings,
        schema=LazySchema(_meetings_schema),
        key=("source_row",),
        description="UN Security Council meetings 1946-2019 (Dag Hammarskjöld Library tables), one row per meeting row.",
        citation=CITATION,
        code_deps=CODE_DEPS,
    ),
    Table(
        name="unsc_outcomes",
        sources=SOURCES,
        build=build_outcomes,
        schema=LazySchema(_outcomes_schema),
        key=("source_row", "outcome_seq"),
        description=(
            "Outcomes of UN Security Council meetings 1946-2019, one row per outcome: adopted resolutions with "
            "yes-no-abstain tallies, 'adopted unanimously', 'without vote'; failed and vetoed drafts with the vetoing "
            "members; presidential statements; joined to the resolution texts by symbol and to the veto list by "
            "draft symbol."
        ),
        citation=CITATION + vetoes.CITATION,
        code_deps=CODE_DEPS,
    ),
    Table(
        name="unsc_outcome_vetoes",
        sources=SOURCES,
        build=build_outcome_vetoes,
        schema=LazySchema(_outcome_vetoes_schema),
        key=("source_row", "outcome_seq", "member"),
        description=(
            "Vetoed drafts in the UN Security Council meetings tables, one row per (draft, vetoing permanent member), "
            "with the member's Gleditsch-Ward code and whether the veto list names the same member."
        ),
        citation=CITATION + vetoes.CITATION,
        code_deps=CODE_DEPS,
    ),
    Table(
        name="unsc_meetings_join_report",
        sources=SOURCES,
        build=build_join_report,
        schema=LazySchema(_report_schema),
        key=("report_row",),
        description=(
            "What does not join or parse cleanly between the Security Council meetings tables, the resolution texts "
            "and the veto list: one row per adopted resolution without a text, text without a meeting row, vetoed "
            "draft missing from either list, differing vetoing members, unread cell text, and odd dates."
        ),
        citation=CITATION + vetoes.CITATION,
        code_deps=CODE_DEPS,
    ),
]
