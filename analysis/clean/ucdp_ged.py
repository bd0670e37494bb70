"""UCDP Georeferenced Event Dataset (GED) 21.1, precise-location subset: one row per event.

Table
-----
- `ucdp_ged`  events 1989-2020 with their date, type of violence, sides, deaths and
              country (with its Gleditsch-Ward code); key (event_id).

Source file: `ucdp-ged-21.1-precise/ged.rda` (object `ged`), made by the juanr R package
(Tellez; repository hail2thief/juanr, script `temp/ucdp_ged.R`) from the publisher's
`ged211.csv`: it kept events with `where_prec` 1-2 (the exact location or within 25 km),
derived `year`, `month`, `day` from `date_start`, spelled out `type_of_violence`, kept
14 columns (`id`, `year`, `month`, `day`, `country`, `type_of_violence`,
`conflict_name`, `side_a`, `side_b`, `latitude`, `longitude`, `low_death` = `low`,
`best_death` = `best`, `high_death` = `high`) and dropped every row with a missing field.

The subset's bias (state it wherever the table is used)
-------------------------------------------------------
176,579 of GED 21.1's 261,864 events (about two thirds). Events located only to a
district, province or country (`where_prec` 3-7) are missing, and so are their deaths:
counts and death totals are biased low, most where fighting is remote or reported
vaguely (large rural wars, early years, mass killings reported by region). A "first
event" date from this table is the first *precisely located* event; an earlier, vaguely
located one may exist. `date` is the event's start date (`date_start`); the end date and
the date precision are not in the subset.

Cleaning rules
--------------
- `event_id` = GED `id` (an integer, unique).
- `date` from `year`, `month`, `day`; a combination that is not a calendar date is a
  `DataError` naming the file, the column, the raw row and the event id.
- `type_of_violence` decoded back to UCDP's codes (codebook: 1 state-based, 2 non-state,
  3 one-sided) with `type_of_violence_label` ``state-based`` / ``non-state`` /
  ``one-sided``; any other text is a `DataError`.
- Deaths: `deaths_low`, `deaths_best`, `deaths_high` (GED `low`, `best`, `high`), integers
  kept as published; low <= best <= high does not hold in some 1,400 events (as in
  UCDP's other tables, it is not enforced).
- Sides: `side_a`, `side_b` as published. A side is a government when its name is
  "Government of <country>" or a coalition of such names ("Government of Australia,
  Government of United Kingdom, Government of United States of America"):
  `side_a_government`, `side_b_government`, and the governments' GW codes in
  `gov_a_gwno_list`, `gov_b_gwno_list` (lists of str, the UCDP convention of
  `analysis.clean.ucdp`). In state-based events side A is always a government (side B
  too in interstate dyads); in one-sided events side A is the perpetrator (a government
  or an organised group) and side B "Civilians"; in non-state events neither side is a
  government. Note that UCDP names the side holding the state's government: in Libya
  from late August 2011, "Government of Libya" is the National Transitional Council and
  Qaddafi's side is "Forces of Muammar Gaddafi".
- `country` is where the event took place (a UCDP name, not a code); `gwcode` maps it
  through the project crosswalk (`analysis.crosswalk.Mapper`, scheme ``name``, in the
  event's year). Known non-matches stay in the table with `gwcode` missing and a row in
  the crosswalk report (one event in Namibia in 1989, before independence); a name the
  crosswalk does not recognise, or that names several states, is a `DataError` naming
  the file, column, row and event id. The same applies to government names.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, require_columns

if TYPE_CHECKING:
    from ..crosswalk import Mapper

GED = ("ucdp-ged-21.1-precise", "ged.rda")
SOURCE_LABEL = "ucdp_ged"  # the `source` of this table's rows in the crosswalk report

#: The packager's spelled-out `type_of_violence` -> UCDP code (GED codebook).
TYPE_OF_VIOLENCE = {"State-based violence": 1, "Non-state violence": 2, "One-sided violence": 3}
TYPE_LABELS = {1: "state-based", 2: "non-state", 3: "one-sided"}

COLUMNS = [
    "id",
    "year",
    "month",
    "day",
    "country",
    "type_of_violence",
    "conflict_name",
    "side_a",
    "side_b",
    "latitude",
    "longitude",
    "low_death",
    "best_death",
    "high_death",
]

_GOV = "Government of "
_GOV_SPLIT = re.compile(r",\s*(?=Government of )")
#: mapper outcomes that stop the build (the name is not a known country, or names several)
_FATAL = ("unmatched", "ambiguous")


def _parse_government(v) -> list[str]:
    if not isinstance(v, str) or not v.startswith(_GOV):
        return []
    return [p.strip()[len(_GOV) :] for p in _GOV_SPLIT.split(v)]


def government_names(side: pd.Series) -> pd.Series:
    """Side name -> list of the country names of the governments on it ([] = not a government)."""
    uniq = {v: _parse_government(v) for v in pd.unique(side.dropna())}
    return side.map(lambda v: list(uniq.get(v, [])))


def map_gwcodes(df: pd.DataFrame, mapper: Mapper) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(gwcode of `country`, GW code lists of side A's and side B's governments) per row.

    Works on the raw or the cleaned table (`country`, `side_a`, `side_b`, `year`); every
    name not mapped cleanly is recorded in `mapper.report()` under source ``ucdp_ged``.
    """
    gw = mapper.to_gw(df["country"], "name", df["year"], source=SOURCE_LABEL, column="country")
    n = len(df)
    years = np.asarray(df["year"].to_numpy(), dtype="int64")
    lists = []
    for col in ("side_a", "side_b"):
        # each distinct side name is parsed once; rows are expanded by index arithmetic
        codes, uniq = pd.factorize(df[col])
        parsed = [_parse_government(u) for u in uniq]
        lens = np.array([len(p) for p in parsed] + [0], dtype="int64")[codes]  # code -1 (missing) -> 0
        rows = np.flatnonzero(lens)
        ex_rows = np.repeat(rows, lens[rows])
        ex_names = [name for c in codes[rows] for name in parsed[c]]
        mapped = mapper.to_gw(
            pd.Series(ex_names, index=ex_rows, dtype=object), "name", years[ex_rows], source=SOURCE_LABEL, column=col
        )
        out: list[list[str]] = [[] for _ in range(n)]
        for i, c in zip(ex_rows, mapped.fillna(-1).to_numpy(dtype="int64")):
            if c >= 0:
                out[i].append(str(c))
        lists.append(pd.Series(out, index=df.index, dtype=object))
    return gw, lists[0], lists[1]


def _fail(df: pd.DataFrame, mask: pd.Series, column: str, msg: str) -> DataError:
    i = int(np.flatnonzero(mask.to_numpy())[0])
    eid = df["id"].iloc[i]
    eid = (
        int(eid)
        if isinstance(eid, (int, float, np.integer, np.floating)) and not pd.isna(eid) and float(eid).is_integer()
        else eid
    )
    return DataError(
        f"event {eid}: {msg}: {df[column].iloc[i]!r}",
        source=GED[0],
        file=GED[1],
        column=column,
        row=int(df["source_row"].iloc[i]),
    )


def _integers(df: pd.DataFrame, column: str) -> pd.Series:
    num = pd.to_numeric(df[column], errors="coerce")
    bad = num.isna() | (num % 1 != 0)
    if bad.any():
        raise _fail(df, bad, column, "not an integer")
    return num.astype("int64")


def build_ged(raw: RawFiles) -> pd.DataFrame:
    from ..crosswalk import Mapper

    source, file = GED
    d = raw.read_rdata(source, file, "ged")
    require_columns(d, COLUMNS, source, file)
    d = add_source_row(d[COLUMNS]).reset_index(drop=True)
    for c in ("country", "type_of_violence", "conflict_name", "side_a", "side_b"):
        codes, uniq = pd.factorize(d[c])  # strip each distinct value once
        uniq = np.array([v.strip() if isinstance(v, str) else v for v in uniq] + [None], dtype=object)
        s = pd.Series(uniq[codes], index=d.index)
        bad = s.isna() | (s == "")
        if bad.any():
            raise _fail(d, bad, c, "missing value")
        d[c] = s.astype("string")
    event_id = _integers(d, "id")
    y, m, day = (_integers(d, c) for c in ("year", "month", "day"))
    date = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": day}), errors="coerce")
    if date.isna().any():
        bad = date.isna()
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"event {event_id.iloc[i]}: year {y.iloc[i]}, month {m.iloc[i]}, day {day.iloc[i]} is not a date",
            source=source,
            file=file,
            column="day",
            row=int(d["source_row"].iloc[i]),
        )
    tov = d["type_of_violence"].map(TYPE_OF_VIOLENCE)
    if tov.isna().any():
        raise _fail(d, tov.isna(), "type_of_violence", "unknown type of violence")
    tov = tov.astype("int64")
    deaths = {}
    for new, old in (("deaths_low", "low_death"), ("deaths_best", "best_death"), ("deaths_high", "high_death")):
        v = _integers(d, old)
        if (v < 0).any():
            raise _fail(d, v < 0, old, "negative deaths")
        deaths[new] = v
    coords = {}
    for c in ("latitude", "longitude"):
        v = pd.to_numeric(d[c], errors="coerce")
        if v.isna().any():
            raise _fail(d, v.isna(), c, "not a number")
        coords[c] = v.astype("float64")

    mapper = Mapper(raw.table("crosswalk"))
    d["year"] = y
    gw, gov_a, gov_b = map_gwcodes(d, mapper)
    rep = mapper.report()
    fatal = rep[rep["outcome"].isin(_FATAL)]
    if len(fatal):
        col, value, action = fatal[["column", "value", "action"]].iloc[0]
        mask = d[col] == value if col == "country" else government_names(d[col]).map(lambda L: value in L)
        raise _fail(
            d, mask.fillna(False).astype(bool), col, f"country not known to the Gleditsch-Ward crosswalk ({action})"
        )
    out = pd.DataFrame(
        {
            "event_id": event_id,
            "date": date.astype("datetime64[ns]"),
            "year": y,
            "type_of_violence": tov,
            "type_of_violence_label": tov.map(TYPE_LABELS).astype("string"),
            "conflict_name": d["conflict_name"],
            "side_a": d["side_a"],
            "side_b": d["side_b"],
            "side_a_government": d["side_a"].str.startswith(_GOV).astype(bool),
            "side_b_government": d["side_b"].str.startswith(_GOV).astype(bool),
            "gov_a_gwno_list": gov_a,
            "gov_b_gwno_list": gov_b,
            "country": d["country"],
            "gwcode": gw.astype("Int64"),
            **coords,
            **deaths,
            "source_row": d["source_row"].astype("int64"),
        }
    )
    return out


def _gw_list() -> object:
    import pandera.pandas as pa

    def one(v) -> bool:
        return all(isinstance(t, str) and t.isdigit() and 2 <= int(t) <= 999 for t in v)

    def ok(s: pd.Series) -> pd.Series:
        # checked once per distinct list (176,579 rows hold about 100 distinct lists)
        keys = s.map(lambda v: tuple(v) if isinstance(v, list) else None)
        good = {k: k is not None and one(k) for k in pd.unique(keys)}
        return keys.map(lambda k: good[k]).astype(bool)

    return pa.Column(object, pa.Check(ok, name="gw_code_list"))


def _schema():
    import pandera.pandas as pa

    deaths = pa.Column("int64", pa.Check.ge(0))
    cov = coverage(GED[0])  # config/sources.yaml
    return pa.DataFrameSchema(
        {
            "event_id": pa.Column("int64", pa.Check.ge(1), unique=True),
            "date": pa.Column("datetime64[ns]", pa.Check.in_range(cov.start, cov.end)),
            "year": pa.Column("int64", pa.Check.in_range(*cov.span)),
            "type_of_violence": pa.Column("int64", pa.Check.isin(list(TYPE_LABELS))),
            "type_of_violence_label": pa.Column("string", pa.Check.isin(list(TYPE_LABELS.values()))),
            "conflict_name": pa.Column("string"),
            "side_a": pa.Column("string"),
            "side_b": pa.Column("string"),
            "side_a_government": pa.Column("bool"),
            "side_b_government": pa.Column("bool"),
            "gov_a_gwno_list": _gw_list(),
            "gov_b_gwno_list": _gw_list(),
            "country": pa.Column("string"),
            "gwcode": pa.Column("Int64", pa.Check.in_range(2, 999), nullable=True),
            "latitude": pa.Column("float64", pa.Check.in_range(-90, 90)),
            "longitude": pa.Column("float64", pa.Check.in_range(-180, 180)),
            "deaths_low": deaths,
            "deaths_best": deaths,
            "deaths_high": deaths,
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda d: d["date"].dt.year == d["year"], name="year_of_date"),
            # the UCDP definitions: state-based violence has a government on side A; non-state
            # violence has none; one-sided violence is against civilians
            pa.Check(
                lambda d: (d["type_of_violence"] != 1) | d["side_a_government"], name="state_based_has_government"
            ),
            pa.Check(
                lambda d: (d["type_of_violence"] != 2) | ~(d["side_a_government"] | d["side_b_government"]),
                name="non_state_has_no_government",
            ),
            pa.Check(
                lambda d: (d["type_of_violence"] != 3) | (d["side_b"] == "Civilians"),
                name="one_sided_against_civilians",
            ),
            pa.Check(lambda d: d["side_a_government"] == (d["gov_a_gwno_list"].map(len) > 0), name="gov_a_has_codes"),
            pa.Check(lambda d: d["side_b_government"] == (d["gov_b_gwno_list"].map(len) > 0), name="gov_b_has_codes"),
        ],
        strict=True,
        ordered=True,
    )


TABLES = [
    Table(
        name="ucdp_ged",
        sources=("ucdp-ged-21.1-precise/ged.rda",),
        build=build_ged,
        schema=LazySchema(_schema),
        key=("event_id",),
        description=(
            "UCDP Georeferenced Event Dataset 21.1, SUBSET as packaged by the juanr R package: only events with a "
            "precise location (where_prec 1-2), and the packager dropped every row with a missing field: 176,579 of "
            "261,864 events (about two thirds), so event counts and deaths are biased low and a first event is the "
            "first precisely located one. One row per event, 1989-2020: start date, type of violence (decoded), "
            "sides (with government flags and the governments' Gleditsch-Ward codes), deaths (low/best/high), "
            "country of the event and its Gleditsch-Ward code through the crosswalk (unmatched names in "
            "crosswalk_report.csv)."
        ),
        citation=("sundberg2013ged", "davies2021ucdp", "tellez2026juanr"),
        tables=("crosswalk",),
    ),
]
