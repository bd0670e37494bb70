"""Post-conflict assistance: net ODA received before and after an intervention.

Building blocks for Brozus's condition 5 (comprehensive post-conflict assistance).
Nothing here decides a claim; the functions return numbers and tables.

Data: `wdi_oda` (see `analysis.clean.wdi`), World Bank DT.ODA.ODAT.CD, net ODA received,
1960-2018, **current US$**. No deflator can be derived from the mirrored data, so
amounts are nominal. Two ways around that, both declared here:

- `oda_share`: a recipient's net ODA as a share of the net ODA received by all
  Gleditsch-Ward states with a value that year (inflation and the dollar's value cancel
  within a year; the share moves with other recipients' aid, which is the point of a
  comparison of priorities);
- comparisons in the same calendar years: a case and its comparison countries are
  measured over the same years, so a common price change affects both alike; compare
  ratios (log after / before), not dollar differences, across cases of different decades.

Windows (`before_after`)
------------------------
For an intervention from `start_year` to `end_year` (PRIF's start and end dates), the
"before" window is the k years start_year-k .. start_year-1 and the "after" window the k
years end_year+1 .. end_year+k. Each window's value is the mean over its years with a
published figure (`n_before`, `n_after` say how many; a missing figure is not zero). An
intervention still ongoing (no end date) has no after window; one whose after window
runs past 2018 is truncated (`n_after` < k) and `complete` is False.

Comparison countries (`comparison_countries`, declared before any result is seen)
--------------------------------------------------------------------------------
A GW state c is a comparison for an intervention in target t if
  1. c is not t, and c is in t's region (panel `region`: the COW code ranges Americas,
     Europe, Africa, Middle East, Asia and Oceania);
  2. c had an active intrastate conflict (UCDP/PRIO ACD types 3-4, panel `intra_active`)
     in the intervention's start year: a conflict country in the same years and region;
  3. c saw no PRIF humanitarian military intervention (release 0.3, panel `hmi_ongoing`)
     in any year from start_year - k to end_year + k;
  4. c is a system member in every year of both windows (a panel row in each year).
The comparison countries are measured over the same calendar years as the target.
`case_comparison` gives the target and every comparison with the same statistics; the
summary `target_vs_comparisons` sets the target's log ratio (after / before) beside the
comparisons' median. Only countries with a positive mean in both windows have a log ratio
(net ODA can be negative).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: wdi-oda's coverage in config/sources.yaml (a constant: claim jobs import this module and
#: do not read the registry; tests/test_coverage.py checks that the two agree)
ODA_FIRST, ODA_LAST = 1960, 2018
VALUE = "oda_net_current_usd"
SHARE = "oda_share"

MATCHING_RULE = (
    "same region (COW ranges), active intrastate conflict (UCDP/PRIO ACD types 3-4) in the intervention's start "
    "year, no PRIF HMI (0.3) ongoing from k years before the start to k years after the end, system member in "
    "every window year; measured over the same calendar years as the target"
)


def country_series(oda: pd.DataFrame) -> pd.DataFrame:
    """GW-state rows of `wdi_oda` with a value: gwcode, year, oda_net_current_usd (current US$), oda_share.

    `oda_share` = the state's net ODA / the sum of net ODA received by all GW states with
    a value that year.
    """
    d = oda[~oda["is_aggregate"] & oda["gwcode"].notna() & oda[VALUE].notna()]
    d = d[["gwcode", "year", VALUE]].copy()
    d["gwcode"] = d["gwcode"].astype("int64")
    d[VALUE] = d[VALUE].astype("float64")
    d[SHARE] = d[VALUE] / d.groupby("year")[VALUE].transform("sum")
    return d.sort_values(["gwcode", "year"], kind="mergesort").reset_index(drop=True)


class WindowIndex:
    """`country_series` indexed by state, for many windows over the same series: each state's
    years and values as arrays, so that a window is an array slice, not a scan of the table.
    Gives the same numbers as the table (the mean is the same sum over the same values, in the
    same order, divided by their count)."""

    def __init__(self, series: pd.DataFrame):
        self.columns = [c for c in (VALUE, SHARE) if c in series.columns]
        self._by_state: dict[int, tuple[np.ndarray, dict[str, np.ndarray]]] = {}
        for g, d in series.groupby("gwcode", sort=False):
            self._by_state[int(g)] = (d["year"].to_numpy(), {c: d[c].to_numpy(dtype="float64") for c in self.columns})

    def window(self, gwcode: int, y0: int, y1: int, col: str) -> tuple[float, int]:
        if col not in self.columns:
            raise KeyError(col)
        years, values = self._by_state.get(int(gwcode), (np.empty(0, dtype="int64"), {}))
        if not len(years):
            return np.nan, 0
        v = values[col][(years >= y0) & (years <= y1)]
        v = v[~np.isnan(v)]  # as pandas' mean skips missing values
        return (float(v.sum() / np.float64(len(v))) if len(v) else np.nan), int(len(v))


def _window(series: pd.DataFrame | WindowIndex, gwcode: int, y0: int, y1: int, col: str) -> tuple[float, int]:
    if isinstance(series, WindowIndex):
        return series.window(gwcode, y0, y1, col)
    s = series.loc[(series["gwcode"] == gwcode) & series["year"].between(y0, y1), col]
    return (float(s.mean()) if len(s) else np.nan), int(len(s))


def before_after(
    series: pd.DataFrame | WindowIndex, gwcode: int, start_year: int, end_year: int | None, k: int, col: str = VALUE
) -> dict:
    """Mean net ODA (column `col`) in the k years before the start and the k years after the end.

    Returns mean_before, mean_after, n_before, n_after, change (after - before),
    log_ratio (log(after / before), only if both means are positive), complete (both
    windows have k years with a figure), and `reason` when something is undefined.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    b0, b1 = start_year - k, start_year - 1
    mb, nb = _window(series, gwcode, b0, b1, col)
    reason = None
    if end_year is None or pd.isna(end_year):
        ma, na = np.nan, 0
        reason = "intervention ongoing: no after window"
    else:
        ma, na = _window(series, gwcode, int(end_year) + 1, int(end_year) + k, col)
        if int(end_year) + k > ODA_LAST:
            reason = f"after window runs past {ODA_LAST}, the last year of the data"
    if b0 < ODA_FIRST and reason is None:
        reason = f"before window starts before {ODA_FIRST}, the first year of the data"
    lr = float(np.log(ma / mb)) if (np.isfinite(ma) and np.isfinite(mb) and ma > 0 and mb > 0) else np.nan
    return {
        "mean_before": mb,
        "mean_after": ma,
        "n_before": nb,
        "n_after": na,
        "change": ma - mb if np.isfinite(ma) and np.isfinite(mb) else np.nan,
        "log_ratio": lr,
        "complete": bool(nb == k and na == k),
        "reason": reason,
    }


def comparison_countries(
    panel: pd.DataFrame, gwcode: int, start_year: int, end_year: int | None, k: int, last_year: int = ODA_LAST
) -> list[int]:
    """GW codes of the declared comparison countries (module doc, `MATCHING_RULE`)."""
    end = last_year if end_year is None or pd.isna(end_year) else int(end_year)
    y0, y1 = start_year - k, end + k
    gw, yr = panel["gwcode"].to_numpy(), panel["year"].to_numpy()
    at = (gw == gwcode) & (yr == start_year)
    if not at.any():
        raise ValueError(f"GW {gwcode} is not a system member in {start_year}")
    region = panel["region"].iloc[int(np.argmax(at))]
    if pd.isna(region):
        return []
    same_region = panel["region"].eq(region).fillna(False).to_numpy(dtype=bool)
    active = panel["intra_active"].fillna(False).to_numpy(dtype=bool)
    candidates = np.unique(gw[(yr == start_year) & same_region & (gw != gwcode) & active])
    span = (yr >= y0) & (yr <= y1) & np.isin(gw, candidates)
    # a candidate qualifies with every year of the span in the panel and no intervention in any of them
    states, n_years = np.unique(np.unique(np.stack([gw[span], yr[span]]), axis=1)[0], return_counts=True)
    intervened = set(np.unique(gw[span & panel["hmi_ongoing"].fillna(False).to_numpy(dtype=bool)]).tolist())
    return sorted(int(c) for c, n in zip(states, n_years) if n == y1 - y0 + 1 and int(c) not in intervened)


def case_comparison(
    series: pd.DataFrame | WindowIndex,
    panel: pd.DataFrame,
    gwcode: int,
    start_year: int,
    end_year: int | None,
    k: int,
    col: str = VALUE,
    comparisons: list[int] | None = None,
) -> pd.DataFrame:
    """The target and each comparison country: role, gwcode and the `before_after` statistics.
    `comparisons`: the comparison countries when the caller has them already (else computed)."""
    rows = [{"role": "target", "gwcode": int(gwcode), **before_after(series, gwcode, start_year, end_year, k, col)}]
    if comparisons is None:
        comparisons = comparison_countries(panel, gwcode, start_year, end_year, k)
    for c in comparisons:
        rows.append({"role": "comparison", "gwcode": c, **before_after(series, c, start_year, end_year, k, col)})
    return pd.DataFrame(rows)


def target_vs_comparisons(table: pd.DataFrame) -> dict:
    """The target's log ratio beside the comparisons' median (those with a defined log ratio)."""
    t = table[table["role"] == "target"].iloc[0]
    comp = table[(table["role"] == "comparison") & table["log_ratio"].notna()]
    med = float(comp["log_ratio"].median()) if len(comp) else np.nan
    return {
        "target_log_ratio": float(t["log_ratio"]),
        "comparison_median_log_ratio": med,
        "difference": float(t["log_ratio"]) - med if np.isfinite(t["log_ratio"]) and np.isfinite(med) else np.nan,
        "n_comparisons": int(len(comp)),
        "n_comparisons_listed": int((table["role"] == "comparison").sum()),
        "share_comparisons_below_target": float((comp["log_ratio"] < t["log_ratio"]).mean()) if len(comp) else np.nan,
    }


def paths(series: pd.DataFrame, gwcodes: Iterable[int], y0: int, y1: int, col: str = VALUE) -> pd.DataFrame:
    """Long table (gwcode, year, value) for a chart of the paths; years without a figure are absent."""
    d = series[series["gwcode"].isin(list(gwcodes)) & series["year"].between(y0, y1)]
    return d[["gwcode", "year", col]].rename(columns={col: "value"}).reset_index(drop=True)
