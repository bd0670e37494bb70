"""UN Security Council resolutions 1-2259 (1946-2015): texts and header facts.

Source `unsc-resolutions` (Haass 2017's collection): a gzip'd tar of 2,259 plain-text
files `texts/S-RES-<n>(<year>).txt`, Windows-1252 encoded, and `all_resolutions_date.dta`
(resolution, year, date; Stata format 110, which pandas rejects: read with pyreadstat).
Members are read from the archive in memory; nothing is extracted to disk.

Tables:

- `unsc_resolutions`: one row per resolution: number, year, symbol, adoption date and
  meeting number from the text's header (or footer), the date in the .dta and whether the
  two agree, the cleaned full text, the operative paragraphs as a list;
- `unsc_resolution_date_report`: every resolution whose header date differs from the .dta
  date or whose header gives no date, and what was used.

Header formats (all seen in the files):

- UN document header (1990s on): "Adopted by the Security Council at its 6498th meeting, on
  17 March 2011" (also "at its 3725th (closed) meeting", "4820th meeting (Part II)",
  "at is 5592nd meeting", "meeting held on");
- refworld.org copies (1950s-1990s): "Resolution 678 (1990) Adopted by the Security Council
  at its 2963rd meeting, on 29 November 1990", or "Resolution 127 (1958) of 22 January 1958"
  with the meeting in a closing line "Adopted unanimously at the 810th meeting.", and a
  "Publisher ... [accessed 4 April 2016]" citation block (removed from `text`);
- printed volumes (1946-1960s): "25 (1947). Resolution of 22 May 1947" with no meeting number.

OCR faults in dates ("7 August I958", "Janunry", "23 April 1943" for a 1948 resolution) are
repaired where unambiguous (I/l for 1, O for 0, a month name within edit distance 2); a header
date whose year differs from the file name's year is not used: the .dta date is, and the row
goes to the date report. UTF-8 text mis-decoded as Windows-1252 ("rÃ©gime", "Â" before a
no-break space) is repaired run by run, and C1 control characters (U+0085 for "…", from a Latin-1
reading somewhere upstream) become their Windows-1252 characters.

Page furniture (job numbers such as "11-26839 (E)", bar codes, running heads "S/RES/1973
(2011)", page numbers, "/...") is removed from `text`.

Operative paragraphs: the numbered paragraphs "1. ...", "2. ..." found in sequence after the
preamble (numbering restarts are not followed); a resolution without numbered paragraphs has
its whole body (after "The Security Council") as its one operative paragraph and
`operative_numbered` False. Annexes are not in the files.
"""

from __future__ import annotations

import difflib
import re
import tarfile
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table

SOURCE = "unsc-resolutions"
TAR = "unsc_resolutions_1946-2015.tar.gz"
DTA = "all_resolutions_date.dta"
CITATION = ("unsc2015resolutions", "haass2017pvs")
N_RESOLUTIONS = 2259
MEMBER_RE = re.compile(r"^texts/S-RES-(\d+)\((\d{4})\)\.txt$")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_NO = {m.lower(): i + 1 for i, m in enumerate(MONTHS)}

# ----------------------------------------------------------------------------- reading


def read_texts(raw: RawFiles) -> pd.DataFrame:
    """(resolution, year, member, text) for every member of the archive, decoded strictly."""
    p = raw.path(SOURCE, TAR)
    rows = []
    try:
        with tarfile.open(p, mode="r:gz") as tf:
            for m in tf:
                if not m.isfile():
                    continue
                mm = MEMBER_RE.match(m.name)
                if mm is None:
                    raise DataError(
                        f"archive member {m.name!r} is not named texts/S-RES-<n>(<year>).txt", source=SOURCE, file=TAR
                    )
                data = tf.extractfile(m).read()
                try:
                    text = data.decode("cp1252")
                except UnicodeDecodeError as e:
                    raise DataError(
                        f"member {m.name} cannot be decoded as Windows-1252 at byte {e.start}: "
                        f"{data[max(0, e.start - 20) : e.end + 20]!r}",
                        source=SOURCE,
                        file=TAR,
                    ) from None
                rows.append((int(mm.group(1)), int(mm.group(2)), m.name, text))
    except (tarfile.TarError, EOFError, OSError) as e:
        raise DataError(f"cannot read the archive: {e}", source=SOURCE, file=TAR) from None
    if not rows:
        raise DataError("archive holds no resolution texts", source=SOURCE, file=TAR)
    df = pd.DataFrame(rows, columns=["resolution", "year", "member", "raw_text"])
    dup = df.duplicated("resolution", keep=False)
    if dup.any():
        names = df.loc[dup].sort_values("resolution")["member"].tolist()
        raise DataError(
            f"resolution number appears in more than one file: {', '.join(names[:6])}",
            source=SOURCE,
            file=TAR,
            column="resolution",
        )
    return df.sort_values("resolution", kind="mergesort").reset_index(drop=True)


def read_dta(raw: RawFiles) -> pd.DataFrame:
    """resolution, year, date from the Stata 110 file (pandas' read_stata rejects format 110)."""
    import pyreadstat

    p = raw.path(SOURCE, DTA)
    try:
        df, _meta = pyreadstat.read_dta(str(p), usecols=["resolution", "year", "date"])
    except Exception as e:  # pyreadstat raises its own exception types
        raise DataError(f"cannot read Stata file: {e}", source=SOURCE, file=DTA) from None
    if df["resolution"].isna().any() or (df["resolution"] % 1 != 0).any():
        i = int(np.flatnonzero(df["resolution"].isna() | (df["resolution"] % 1 != 0))[0])
        raise DataError("resolution is not a whole number", source=SOURCE, file=DTA, column="resolution", row=i + 1)
    out = pd.DataFrame(
        {
            "resolution": df["resolution"].astype("int64"),
            "year_dta": df["year"].astype("Int64"),
            # Stata dates count days from 1960-01-01 (pyreadstat leaves %9.0g-formatted dates numeric)
            "date_dta": pd.to_datetime("1960-01-01") + pd.to_timedelta(df["date"], unit="D"),
        }
    )
    dup = out.duplicated("resolution", keep=False)
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 1).tolist()
        raise DataError(
            f"resolution {int(out.loc[dup, 'resolution'].iloc[0])} appears twice",
            source=SOURCE,
            file=DTA,
            column="resolution",
            rows=rows,
        )
    return out


# ----------------------------------------------------------------------------- text repair

_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+"
)
_REFWORLD = re.compile(r"\n\s*Publisher\s*\n.*?\[accessed [^\]]*\]", re.S)
#: page furniture of UN documents: job numbers, bar codes, running heads, page numbers, "/..."
_FURNITURE = re.compile(
    r"^(?:\d{2}-\d{5}\*? ?(?:\(E\).*)?|\*\d{7,}\*|S/RES/\d+ \(\d{4}\)\*?(?: Page \d+)?|Page \d+|"
    r"\d{1,2}(?:/\d{1,2})? \d{2}-\d{5}\*?|\d{2}-\d{5}\*? \d{1,2}(?:/\d{1,2})?|\d{1,2}/\d{1,2}|/\.\.\.|-{3,})$"
)


def fix_mojibake(s: str) -> str:
    """Repair runs of UTF-8 bytes that were decoded as Windows-1252 ('rÃ©gime' -> 'régime')."""

    def fix(m: re.Match) -> str:
        run = m.group(0)
        try:
            return run.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run

    return _MOJIBAKE.sub(fix, s)


#: C1 control characters left by a Latin-1 reading of Windows-1252 text (U+0085 for "…") -> the intended characters
_C1 = {c: bytes([c]).decode("cp1252") for c in range(0x80, 0xA0) if c not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def clean_text(raw_text: str) -> str:
    """Mojibake repaired, no-break spaces and the refworld citation block removed, lines trimmed."""
    s = fix_mojibake(raw_text.lstrip("\ufeff").replace("\u00ef\u00bb\u00bf", "")).translate(_C1)
    s = s.replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")
    s = _REFWORLD.sub("\n", s)
    lines = [" ".join(ln.split()) for ln in s.split("\n")]
    lines = ["" if _FURNITURE.match(ln) else ln for ln in lines]
    out, blank = [], False
    for ln in lines:
        if not ln:
            blank = True
            continue
        if blank and out:
            out.append("")
        out.append(ln)
        blank = False
    return "\n".join(out)


def flat(s: str) -> str:
    """All whitespace runs as one space, trimmed."""
    return " ".join(s.split())


# ----------------------------------------------------------------------------- header

_DAY = r"(\d{1,2}|[0-9Il]{1,2})"
_YEAR = r"([0-9IlO]{4})"
_MON = r"([A-Za-z]{3,10})"
_ADOPTED = re.compile(
    r"Adopted by the Security Council at i[ts]s? ([0-9IlO]+)\s*(?:st|nd|rd|th|d)?\s*(?:\(closed\)\s*)?meeting"
    r"(?:\s*\(Part [IVX]+\))?\s*,?\s*(?:held\s*)?(?:on\s*)?" + _DAY + r"\s+" + _MON + r"\s*,?\s*" + _YEAR,
    re.I,
)
_ADOPTED_MEETING = re.compile(
    r"Adopted by the Security Council at i[ts]s? ([0-9]+)\s*(?:st|nd|rd|th|d)?\s*(?:\(closed\)\s*)?meeting", re.I
)
_PUBLICATION = re.compile(r"Publication Date\s+" + _DAY + r"\s+" + _MON + r"\s+" + _YEAR)
_RES_OF = re.compile(
    r"Resolution(?: \d+)?(?: ?\(\d{3,4}»?\))?\.?\s*(?:of|or)\s+" + _DAY + r"\s+" + _MON + r"\s*\(?" + _YEAR
)
_FOOTER_MEETING = re.compile(
    r"\b(?:Adopted|adopted)\b[^.\n]{0,120}?\bat (?:the|its) ([0-9]+)\s*(?:st|nd|rd|th|d)?\s*meeting"
)


def _num(s: str) -> int:
    return int(s.replace("I", "1").replace("l", "1").replace("O", "0"))


def _month(s: str) -> int | None:
    s = s.lower()
    if s in _MONTH_NO:
        return _MONTH_NO[s]
    close = difflib.get_close_matches(s, list(_MONTH_NO), n=1, cutoff=0.7)
    return _MONTH_NO[close[0]] if close else None


def _date(day: str, month: str, year: str) -> pd.Timestamp | None:
    m = _month(month)
    if m is None:
        return None
    try:
        return pd.Timestamp(year=_num(year), month=m, day=_num(day))
    except ValueError:
        return None


def parse_header(text: str) -> dict:
    """Adoption date and meeting number as the text states them, with where each came from."""
    t = flat(text)
    head = t[:1500]
    date, dsrc, meeting, msrc = None, None, None, None
    m = _ADOPTED.search(head)
    if m:
        meeting, msrc = _num(m.group(1)), "header"
        date, dsrc = _date(m.group(2), m.group(3), m.group(4)), "header-adopted"
    if date is None:
        m = _PUBLICATION.search(head) or None
        if m:
            date, dsrc = _date(*m.groups()), "header-publication"
    if date is None:
        m = _RES_OF.search(head)
        if m:
            date, dsrc = _date(*m.groups()), "header-resolution-of"
    if meeting is None:
        m = _ADOPTED_MEETING.search(head)
        if m:
            meeting, msrc = int(m.group(1)), "header"
    if meeting is None:
        m = _FOOTER_MEETING.search(t)
        if m:
            meeting, msrc = int(m.group(1)), "footer"
    return {"date_text": date, "date_text_source": dsrc, "meeting": meeting, "meeting_source": msrc}


# ----------------------------------------------------------------------------- paragraphs

_OPENING = re.compile(r"\bThe Security Counc\w*\s*,?", re.I)
#: "k." (or "k ." / "k.-") at the start of the body or after a space or punctuation, then a word
_NUMBERED = re.compile(r"(\d{1,3})\s?\.[\s\-]*(?=[A-Za-z(\"'\u201c])")
_BEFORE_NUMBER = frozenset(" \t\n;:.,)")


def operative_paragraphs(text: str) -> tuple[list[str], bool]:
    """Numbered operative paragraphs in sequence ("1. ...", "2. ..."); else the whole body."""
    t = flat(text)
    m = _OPENING.search(t)
    body = t[m.end() :] if m else t
    # every "N." that may open a paragraph, then the first 1, the first 2 after it, ... in order
    cands = [
        (m.start(), int(m.group(1)))
        for m in _NUMBERED.finditer(body)
        if m.start() == 0 or body[m.start() - 1] in _BEFORE_NUMBER
    ]
    starts = []
    k, pos = 1, -1
    for start, num in cands:
        if num == k and start > pos:
            starts.append(start)
            pos, k = start, k + 1
    if len(starts) >= 2 or (len(starts) == 1 and re.match(r"1\s?\.\s", body[starts[0] :])):
        paras = []
        for i, s in enumerate(starts):
            e = starts[i + 1] if i + 1 < len(starts) else len(body)
            para = re.sub(r"^\d+\s?\.[\s\-]*", "", body[s:e]).strip()
            paras.append(para)
        return paras, True
    return ([body.strip()] if body.strip() else []), False


# ----------------------------------------------------------------------------- tables


@lru_cache(maxsize=2)
def _build_cached(root: str) -> pd.DataFrame:
    raw = RawFiles(root)
    texts = read_texts(raw)
    dta = read_dta(raw)
    rows = []
    for r in texts.itertuples(index=False):
        text = clean_text(r.raw_text)
        h = parse_header(text)
        paras, numbered = operative_paragraphs(text)
        rows.append(
            {
                "resolution": r.resolution,
                "year": r.year,
                "member": r.member,
                "text": text,
                **h,
                "operative_paragraphs": paras,
                "operative_numbered": numbered,
            }
        )
    df = pd.DataFrame(rows)
    df = df.merge(dta, on="resolution", how="left", validate="one_to_one")
    df["date_text"] = pd.to_datetime(df["date_text"])
    # A header date is used when its year is the file name's or the .dta confirms it (two file
    # names carry a wrong year: S-RES-231(1965) is of 1966, S-RES-376(1976) of 1975).
    usable = df["date_text"].notna() & ((df["date_text"].dt.year == df["year"]) | (df["date_text"] == df["date_dta"]))
    df["adoption_date"] = df["date_text"].where(usable, df["date_dta"])
    if df["adoption_date"].isna().any():
        r = df.loc[df["adoption_date"].isna()].iloc[0]
        raise DataError(
            f"resolution {r.resolution}: neither the header nor the .dta gives a usable date",
            source=SOURCE,
            file=TAR,
            column="date",
        )
    df["date_source"] = np.where(usable, df["date_text_source"], np.where(df["date_dta"].notna(), "dta", None))
    df["date_check"] = np.select(
        [df["date_text"].isna(), df["date_dta"].isna(), df["date_text"] == df["date_dta"]],
        ["no-header-date", "not-in-dta", "agree"],
        "differs",
    )
    return df


def _base(raw: RawFiles) -> pd.DataFrame:
    return _build_cached(str(raw.root.resolve())).copy()


def build_resolutions(raw: RawFiles) -> pd.DataFrame:
    df = _base(raw)
    in_dta = set(read_dta(raw)["resolution"])
    missing = sorted(in_dta - set(df["resolution"]))
    if missing:
        raise DataError(
            f"{len(missing)} resolution(s) in the .dta have no text file (first: {missing[:5]})",
            source=SOURCE,
            file=TAR,
        )
    year = df["adoption_date"].dt.year
    out = pd.DataFrame(
        {
            "resolution": df["resolution"].astype("int64"),
            "year": year.astype("int64"),
            "year_file": df["year"].astype("int64"),
            "symbol": [f"S/RES/{n} ({y})" for n, y in zip(df["resolution"], year)],
            "adoption_date": pd.to_datetime(df["adoption_date"]),
            "date_source": df["date_source"].astype("string"),
            "date_text": pd.to_datetime(df["date_text"]),
            "date_dta": pd.to_datetime(df["date_dta"]),
            "date_check": df["date_check"].astype("string"),
            "meeting": pd.array(df["meeting"], dtype="Int64"),
            "meeting_source": df["meeting_source"].astype("string"),
            "text": df["text"].astype("string"),
            "operative_paragraphs": df["operative_paragraphs"],
            "n_operative": df["operative_paragraphs"].map(len).astype("int64"),
            "operative_numbered": df["operative_numbered"].astype(bool),
            "n_chars": df["text"].str.len().astype("int64"),
            "member": df["member"].astype("string"),
        }
    )
    return out


def build_date_report(raw: RawFiles) -> pd.DataFrame:
    df = build_resolutions(raw)
    rep = df[(df["date_check"] != "agree") | (df["year"] != df["year_file"])].copy()
    rep["note"] = np.select(
        [
            rep["year"] != rep["year_file"],
            rep["date_check"] == "no-header-date",
            rep["date_check"] == "not-in-dta",
            rep["date_source"] == "dta",
            rep["date_text"] != rep["date_dta"],
        ],
        [
            "the file name's year is wrong: header and .dta agree on another year",
            "header states no date: the .dta date is used",
            "the .dta has no date for this resolution: the header date is used",
            "header date's year differs from the file name's and the .dta's (OCR fault): the .dta date is used",
            "header and .dta disagree: the header date is used",
        ],
        "",
    )
    cols = [
        "resolution",
        "year",
        "year_file",
        "date_check",
        "date_text",
        "date_dta",
        "adoption_date",
        "date_source",
        "note",
        "member",
    ]
    return rep[cols].astype({"note": "string"}).reset_index(drop=True)


def _list_of_str(min_len: int = 0):
    import pandera.pandas as pa

    return pa.Check(
        lambda s: s.map(
            lambda v: isinstance(v, list) and len(v) >= min_len and all(isinstance(x, str) and x for x in v)
        ),
        name=f"list of non-empty str (min {min_len})",
    )


def _schema():
    import pandera.pandas as pa

    cov = coverage(SOURCE)  # config/sources.yaml
    return pa.DataFrameSchema(
        {
            "resolution": pa.Column("int64", pa.Check.in_range(1, 10000)),
            "year": pa.Column("int64", pa.Check.in_range(*cov.span)),
            "year_file": pa.Column("int64", pa.Check.in_range(*cov.span)),
            "symbol": pa.Column("string", pa.Check.str_matches(r"^S/RES/\d+ \(\d{4}\)$")),
            "adoption_date": pa.Column("datetime64[ns]", pa.Check.in_range(cov.start, cov.end)),
            "date_source": pa.Column(
                "string", pa.Check.isin(["header-adopted", "header-publication", "header-resolution-of", "dta"])
            ),
            "date_text": pa.Column("datetime64[ns]", nullable=True),
            "date_dta": pa.Column("datetime64[ns]", nullable=True),
            "date_check": pa.Column("string", pa.Check.isin(["agree", "differs", "no-header-date", "not-in-dta"])),
            "meeting": pa.Column("Int64", pa.Check.in_range(1, 8000), nullable=True),
            "meeting_source": pa.Column("string", pa.Check.isin(["header", "footer"]), nullable=True),
            "text": pa.Column("string", pa.Check.str_length(min_value=40)),
            "operative_paragraphs": pa.Column(object, _list_of_str(1)),
            "n_operative": pa.Column("int64", pa.Check.ge(1)),
            "operative_numbered": pa.Column("bool"),
            "n_chars": pa.Column("int64", pa.Check.ge(40)),
            "member": pa.Column("string", pa.Check.str_matches(MEMBER_RE.pattern)),
        },
        checks=[
            pa.Check(lambda d: d["adoption_date"].dt.year == d["year"], name="year_is_adoption_year"),
            pa.Check(lambda d: (d["year"] - d["year_file"]).abs() <= 1, name="file_year_within_one"),
            pa.Check(lambda d: d["meeting"].isna() == d["meeting_source"].isna(), name="meeting_has_source"),
            pa.Check(lambda d: d["resolution"].is_monotonic_increasing, name="sorted_by_resolution"),
        ],
        strict=True,
    )


def _report_schema():
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "resolution": pa.Column("int64"),
            "year": pa.Column("int64"),
            "year_file": pa.Column("int64"),
            "date_check": pa.Column("string", pa.Check.isin(["agree", "differs", "no-header-date", "not-in-dta"])),
            "date_text": pa.Column("datetime64[ns]", nullable=True),
            "date_dta": pa.Column("datetime64[ns]", nullable=True),
            "adoption_date": pa.Column("datetime64[ns]"),
            "date_source": pa.Column("string"),
            "note": pa.Column("string", pa.Check.str_length(min_value=1)),
            "member": pa.Column("string"),
        },
        strict=True,
    )


TABLES = [
    Table(
        name="unsc_resolutions",
        sources=(f"{SOURCE}/{TAR}", f"{SOURCE}/{DTA}"),
        build=build_resolutions,
        schema=LazySchema(_schema),
        key=("resolution",),
        description=(
            "UN Security Council resolutions 1-2259 (1946-2015), one row per resolution: symbol, adoption date "
            "and meeting number from the text's header (dates checked against the collection's .dta), cleaned "
            "full text (annexes not included), operative paragraphs."
        ),
        citation=CITATION,
    ),
    Table(
        name="unsc_resolution_date_report",
        sources=(f"{SOURCE}/{TAR}", f"{SOURCE}/{DTA}"),
        build=build_date_report,
        schema=LazySchema(_report_schema),
        key=("resolution",),
        description=(
            "Resolutions whose header date differs from the .dta date, whose header or .dta states no date, or "
            "whose file name carries a wrong year, with the date used and why."
        ),
        citation=CITATION,
    ),
]
