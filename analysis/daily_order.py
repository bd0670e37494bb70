"""The daily order of violence around an intervention's start (UCDP GED events).

Building blocks for claims that ask *which came first* in a target country: an armed
challenge to the government (state-based fighting) or the government's killing of
civilians (one-sided violence by the government), and how both changed after the
intervention began. Nothing here decides a claim; the functions return tables.

Data: `ucdp_ged` (see `analysis.clean.ucdp_ged`), the **precise-location subset** of
GED 21.1: about two thirds of all events, 1989-2020. Counts and deaths are biased low,
and a "first" event is the first *precisely located* one (an earlier event located
only to a region is not in the data). Every table built here carries that caveat in
`SUBSET_NOTE`; a claim using it must repeat it.

Definitions
-----------
- Location: events whose `gwcode` (country where the event took place) is the target's
  GW code. The target of a PRIF case is mapped COW -> GW in the start year as in the
  panel (`analysis.panel.hmi_gwcodes`; East Timor 1999 -> Indonesia, where UCDP places
  those events).
- Days are counted from the intervention's start date: day 0 is the start date,
  day -1 the day before. A window of `before` days is days -before .. -1 ("before"),
  one of `after` days is days 0 .. after-1 ("after"; the start day counts as after,
  since PRIF's start date is the first day of the intervention).
- Weeks are relative too: week -1 = days -7..-1, week 0 = days 0..6 (so a week never
  straddles the start), not calendar weeks.
- `actor_class` of an event, relative to the target state's government (its GW code in
  the event's `gov_a_gwno_list` / `gov_b_gwno_list`):
    state-based: target government   the target's government fights an organised
                                      armed group or another state (an armed challenge)
    state-based: other government    state-based fighting in the target country without
                                      its government (e.g. a foreign government vs rebels)
    one-sided: target government     the target's government kills civilians
    one-sided: other government      another government kills civilians there
    one-sided: non-state actor        an organised group kills civilians
    non-state                         fighting between organised groups
  UCDP names the side that holds the government: in Libya from late August 2011 the
  "Government of Libya" is the National Transitional Council; the class follows UCDP.
- Coverage: a window reaching before 1989-01-01 or after 2020-12-31 is outside GED;
  `case_summary` flags it (`window_covered`) instead of counting missing days as calm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError

#: ucdp-ged-21.1-precise's coverage in config/sources.yaml (constants: claim jobs import this
#: module and do not read the registry; tests/test_coverage.py checks that they agree)
GED_FIRST = pd.Timestamp("1989-01-01")
GED_LAST = pd.Timestamp("2020-12-31")
SUBSET_NOTE = (
    "UCDP GED 21.1, precise-location subset (where_prec 1-2, rows with a missing field dropped by the "
    "packager): about two thirds of all events; counts and deaths are biased low and a first date is the "
    "first precisely located event."
)
ACTOR_CLASSES = (
    "state-based: target government",
    "state-based: other government",
    "one-sided: target government",
    "one-sided: other government",
    "one-sided: non-state actor",
    "non-state",
)
DEATHS = ("deaths_low", "deaths_best", "deaths_high")


def actor_class(events: pd.DataFrame, gwcode: int) -> pd.Series:
    """Each event's class relative to the government of GW state `gwcode` (see module doc)."""
    g = str(int(gwcode))
    n = len(events)
    on_a = _lists_contain(events["gov_a_gwno_list"], g)
    on_b = _lists_contain(events["gov_b_gwno_list"], g)
    t = events["type_of_violence"].to_numpy()
    side_a_gov = events["side_a_government"].to_numpy(dtype=bool)
    out = np.full(n, "non-state", dtype=object)
    out[(t == 1) & (on_a | on_b)] = "state-based: target government"
    out[(t == 1) & ~(on_a | on_b)] = "state-based: other government"
    out[(t == 3) & on_a] = "one-sided: target government"
    out[(t == 3) & ~on_a & side_a_gov] = "one-sided: other government"
    out[(t == 3) & ~side_a_gov] = "one-sided: non-state actor"
    return pd.Series(pd.Categorical(out, categories=ACTOR_CLASSES), index=events.index, name="actor_class")


def _lists_contain(lists: pd.Series, value: str) -> np.ndarray:
    """For each row's list (array) of codes: does it hold `value`? (All rows' lists flattened once.)"""
    n = len(lists)
    arrays = lists.to_numpy()
    lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=n)
    out = np.zeros(n, dtype=bool)
    if lengths.sum():
        flat = np.concatenate([np.asarray(a, dtype=object) for a in arrays if len(a)])
        owner = np.repeat(np.arange(n), lengths)
        out[owner[flat == value]] = True
    return out


def events_around(
    ged: pd.DataFrame, gwcode: int, start: pd.Timestamp | str, before: int = 90, after: int = 90
) -> pd.DataFrame:
    """Events in GW state `gwcode` from `before` days before `start` to `after` days after it.

    Adds `rel_day` (days from the start; 0 = start date), `rel_week` (floor(rel_day / 7)),
    `period` ("before" / "after") and `actor_class`; sorted by date and event id.
    """
    start = _timestamp(start)
    lo, hi = start - pd.Timedelta(days=before), start + pd.Timedelta(days=after)
    e = ged[(ged["gwcode"] == gwcode) & (ged["date"] >= lo) & (ged["date"] < hi)].copy()
    e["rel_day"] = (e["date"] - start).dt.days.astype("int64")
    e["rel_week"] = np.floor_divide(e["rel_day"], 7).astype("int64")
    e["period"] = np.where(e["rel_day"] < 0, "before", "after")
    e["actor_class"] = actor_class(e, gwcode)
    return e.sort_values(["date", "event_id"], kind="mergesort").reset_index(drop=True)


def counts(events: pd.DataFrame, by: str = "week", before: int = 90, after: int = 90) -> pd.DataFrame:
    """Events and deaths per day or week (relative to the start) and actor class.

    A complete grid: every bin of the window and every class, with zeros where nothing
    happened (bins outside GED's coverage are the caller's to flag, see `window_covered`).
    Columns: `rel_day` or `rel_week`, `period`, `actor_class`, `events`, deaths_low/best/high.
    """
    if by not in ("day", "week"):
        raise ValueError("by must be 'day' or 'week'")
    col = "rel_day" if by == "day" else "rel_week"
    if by == "day":
        bins = np.arange(-before, after)
    else:  # the first and last week are partial when `before` / `after` are not multiples of 7
        bins = np.arange(np.floor_divide(-before, 7), np.floor_divide(after - 1, 7) + 1)
    grid = pd.MultiIndex.from_product([bins, ACTOR_CLASSES], names=[col, "actor_class"])
    g = events.groupby([col, events["actor_class"].astype(str)], observed=True)
    agg = g.agg(events=("event_id", "size"), **{d: (d, "sum") for d in DEATHS})
    agg.index = agg.index.set_names([col, "actor_class"])
    out = agg.reindex(grid, fill_value=0).reset_index()
    out["period"] = np.where(out[col] < 0, "before", "after")
    for c in ("events", *DEATHS):
        out[c] = out[c].astype("int64")
    return out[[col, "period", "actor_class", "events", *DEATHS]]


def before_after(events: pd.DataFrame) -> pd.DataFrame:
    """Events and deaths by actor class and period (before / after the start): one row per class."""
    rows = []
    classes = events["actor_class"].astype(str).to_numpy()
    periods = events["period"].to_numpy()
    deaths = {d: events[d].to_numpy() for d in DEATHS}
    for cls in ACTOR_CLASSES:
        r = {"actor_class": cls}
        for p in ("before", "after"):
            m = (classes == cls) & (periods == p)
            r[f"events_{p}"] = int(m.sum())
            for d in DEATHS:
                r[f"{d}_{p}"] = int(deaths[d][m].sum())
        rows.append(r)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class FirstDates:
    """First precisely located state-based event with the target government, and first
    one-sided event by the target government, in the pre-start window."""

    first_state_based: pd.Timestamp | None
    first_gov_onesided: pd.Timestamp | None
    order: str  # "armed challenge first" | "government killing first" | "same day" | "only armed challenge" | "only government killing" | "neither"


def first_dates(events: pd.DataFrame) -> FirstDates:
    pre = events[events["period"] == "before"]
    sb = pre.loc[pre["actor_class"].astype(str) == "state-based: target government", "date"]
    os_ = pre.loc[pre["actor_class"].astype(str) == "one-sided: target government", "date"]
    a = sb.min() if len(sb) else None
    b = os_.min() if len(os_) else None
    if a is None and b is None:
        order = "neither"
    elif b is None:
        order = "only armed challenge"
    elif a is None:
        order = "only government killing"
    elif a < b:
        order = "armed challenge first"
    elif b < a:
        order = "government killing first"
    else:
        order = "same day"
    return FirstDates(a, b, order)


def hmi_targets(
    hmi: pd.DataFrame,
    crosswalk: pd.DataFrame,
    release: str = "0.3",
    since: pd.Timestamp | str = GED_FIRST,
    file: str = "hmi_cases.parquet",
) -> pd.DataFrame:
    """The release's interventions starting on or after `since`, with the target's GW code.

    A case without a start date is a `DataError` naming the file and the case.
    """
    from .crosswalk import Mapper
    from .panel import hmi_gwcodes

    h = hmi[hmi["release"] == release].copy()
    if h.empty:
        raise DataError(f"no cases of release {release!r}", file=file, column="release")
    miss = h["start_date"].isna()
    if miss.any():
        r = h[miss].iloc[0]
        raise DataError(
            f"intervention {r['case_id']!r} has no start date",
            file=file,
            column="start_date",
            row=int(r["source_row"]) if "source_row" in h.columns else None,
        )
    h["gwcode"] = hmi_gwcodes(h, Mapper(crosswalk))
    h = h[h["start_date"] >= _timestamp(since)]
    if h["gwcode"].isna().any():
        r = h[h["gwcode"].isna()].iloc[0]
        raise DataError(
            f"intervention {r['case_id']!r}: target COW code {r['cowcode']} maps to no GW state",
            file=file,
            column="cowcode",
        )
    return h.sort_values(["start_date", "case_id"], kind="mergesort").reset_index(drop=True)


class StateEvents:
    """One state's events as sorted arrays, for many windows: dates (ns), class codes, deaths.

    The classes are relative to that state's government (`actor_class`), so they are computed
    once per state, not once per window; a window is then two binary searches on the dates.
    """

    def __init__(self, own: pd.DataFrame, gwcode: int) -> None:
        own = own.sort_values(["date", "event_id"], kind="mergesort")
        self.dates = own["date"].to_numpy(dtype="datetime64[ns]")
        self._ns = self.dates.view("int64")
        self.codes = actor_class(own, gwcode).cat.codes.to_numpy()
        self.deaths_best = own["deaths_best"].to_numpy(dtype="int64")

    def span(self, lo: pd.Timestamp, hi: pd.Timestamp) -> slice:
        """The events with lo <= date < hi."""
        i0, i1 = np.searchsorted(self._ns, [lo.as_unit("ns").value, hi.as_unit("ns").value], side="left")
        return slice(int(i0), int(i1))

    def first(self, where: slice, code: int) -> pd.Timestamp | None:
        hit = np.flatnonzero(self.codes[where] == code)
        return pd.Timestamp(self.dates[where][hit[0]]) if len(hit) else None

    def tally(self, where: slice) -> tuple[np.ndarray, np.ndarray]:
        """Events and best-estimate deaths per actor class (ACTOR_CLASSES order)."""
        c = self.codes[where]
        k = len(ACTOR_CLASSES)
        return np.bincount(c, minlength=k), np.bincount(c, weights=self.deaths_best[where], minlength=k)


def _order(a: pd.Timestamp | None, b: pd.Timestamp | None) -> str:
    """`FirstDates.order` from the first armed-challenge date `a` and government-killing date `b`."""
    if a is None and b is None:
        return "neither"
    if b is None:
        return "only armed challenge"
    if a is None:
        return "only government killing"
    return "armed challenge first" if a < b else "government killing first" if b < a else "same day"


def state_events(ged: pd.DataFrame, gwcodes: Iterable[int]) -> dict[int, StateEvents]:
    """`StateEvents` of each GW state in `gwcodes` (a state without events gets empty arrays)."""
    want = sorted({int(g) for g in gwcodes})
    states = ged[ged["gwcode"].isin(want)]
    by_state = {int(g): d for g, d in states.groupby("gwcode", sort=False)}
    return {g: StateEvents(by_state.get(g, ged.iloc[0:0]), g) for g in want}


def case_summary(
    ged: pd.DataFrame,
    targets: pd.DataFrame,
    before: int = 90,
    after: int = 90,
    states: dict[int, StateEvents] | None = None,
) -> pd.DataFrame:
    """One row per intervention (from `hmi_targets`): the pre-start order and before/after counts.

    Columns: case_id, gwcode, start_date, window_start, window_end (exclusive),
    window_covered (the window lies inside GED's 1989-2020), first_state_based and
    first_gov_onesided (dates in the pre-start window, NaT if none), their `days_before`
    the start, `order`, `prior_state_based` / `prior_gov_onesided` (events of those classes
    in the `before` days preceding the window: if any, the violence was already under way
    and the first date in the window is left-censored; `left_censored` says if either is),
    then per class `events_before`,
    `events_after`, `deaths_best_before`, `deaths_best_after` (column names prefixed with a
    short class key: sb_gov, sb_other, os_gov, os_other, os_nonstate, nonstate).

    The same counts as `events_around` + `first_dates` + `before_after` per case (a test
    checks that), computed on each state's sorted arrays (`StateEvents`); pass `states`
    (from `state_events`) to share them between calls.
    """
    keys = ("sb_gov", "sb_other", "os_gov", "os_other", "os_nonstate", "nonstate")
    if states is None:
        states = state_events(ged, targets["gwcode"])
    rows = []
    for t in targets.itertuples(index=False):
        g, start = int(t.gwcode), _timestamp(t.start_date)
        ev = states[g]
        lo, hi = start - pd.Timedelta(days=before), start + pd.Timedelta(days=after)
        pre, post = ev.span(lo, start), ev.span(start, hi)
        prior = ev.span(lo - pd.Timedelta(days=before), lo)
        a, b = ev.first(pre, 0), ev.first(pre, 2)
        prior_n, _ = ev.tally(prior)
        r = {
            "case_id": t.case_id,
            "gwcode": g,
            "start_date": start,
            "window_start": lo,
            "window_end": hi,
            "window_covered": bool(lo >= GED_FIRST and hi - pd.Timedelta(days=1) <= GED_LAST),
            "first_state_based": a,
            "first_gov_onesided": b,
            "state_based_days_before": None if a is None else (start - a).days,
            "gov_onesided_days_before": None if b is None else (start - b).days,
            "order": _order(a, b),
            "prior_state_based": int(prior_n[0]),
            "prior_gov_onesided": int(prior_n[2]),
        }
        r["left_censored"] = bool(r["prior_state_based"] or r["prior_gov_onesided"])
        tallies = {"before": ev.tally(pre), "after": ev.tally(post)}
        for i, k in enumerate(keys):
            for p in ("before", "after"):
                n, d = tallies[p]
                r[f"{k}_events_{p}"] = int(n[i])
                r[f"{k}_deaths_best_{p}"] = int(round(d[i]))
        rows.append(r)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    for c in ("first_state_based", "first_gov_onesided"):
        out[c] = pd.to_datetime(out[c])
    for c in ("state_based_days_before", "gov_onesided_days_before"):
        out[c] = out[c].astype("Int64")
    return out


def load(processed: str | Path = "data/processed") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(ucdp_ged, hmi_cases, crosswalk) from the processed directory."""
    p = Path(processed)
    return tuple(pd.read_parquet(p / f"{n}.parquet") for n in ("ucdp_ged", "hmi_cases", "crosswalk"))


def _timestamp(v) -> pd.Timestamp:
    ts = pd.Timestamp(v)
    if pd.isna(ts):
        raise ValueError("start date is missing")
    return ts
