"""RP1-RP3: the three findings of PRIF's HSFK-Report 2/2013, re-tested on the project's data.

The report (Gromes & Dembinski 2013; 31 interventions 1947-2005) found that humanitarian
military interventions neither shortened nor lengthened wars or genocides, gave at most weak
evidence of less killing afterwards, and did not lower the risk of relapse into war. The
project's data: PRIF HMI v0.3 (41 interventions starting 1960-2014), UCDP ACD 25.1 and UCDP
one-sided violence 25.1 (through the country-year panel).

- RP1 (`rp1_war_duration`): discrete-time hazard of an intrastate conflict episode ending
  (UCDP ACD's episode end), episode-years exposed to an intervention against the rest;
  logit with log(years since the episode began + 1), CRV1 by conflict; the odds ratio is
  decided against an equivalence band.
- RP2 (`rp2_killing_after`): per intervention, (deaths k years after + 1) / (deaths k years
  before + 1) in the target state; the geometric mean with a t interval on the log scale.
- RP3 (`rp3_relapse`): ended intrastate episodes; renewed conflict within N years, episodes
  with an intervention minus those without (risk difference, Newcombe interval).

Interventions are linked to conflicts by PRIF's UCDP conflict ids (`hmi_cases.ucdp_ids`).
An episode is a UCDP conflict's run of active years with one episode start (`start_date2`).
`cases: clear` keeps PRIF's clear cases (status 2) and drops the episodes linked only to a
borderline case from both groups (they are neither treated nor untreated); `period:
1947-2005` keeps the interventions starting by 2005 and the episode-years (RP1) or episode
ends (RP3) by 2005, the universe of the 2013 report.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..crosswalk import Mapper
from ..panel import hmi_gwcodes
from ..stats import DesignCache, StatResult, logit_clustered, newcombe_diff_ci_many
from . import Claim, ClaimOutput, Data, published, run_curve
from .regime_change import rc1_subset

RELEASE = "0.3"
INTRASTATE = (3, 4)
UCDP_FIRST, UCDP_LAST = 1989, 2024  # UCDP one-sided violence and the ACD's last year
#: the universe of PRIF's HSFK-Report 2/2013 [@gromes2013hsfk] (its findings: config/comparisons.yaml)
PRIF_2013_UNIVERSE = "31 interventions 1947-2005"
PERIOD_END = {"all": None, "1947-2005": 2005}


# --------------------------------------------------------------------------- data preparation


def _shared(cache: DesignCache | None, key: tuple, build):
    """`build()`, shared between specifications through the claim's `cache` when there is one."""
    return build() if cache is None else cache.get(key, build)


def _case_links(hmi: pd.DataFrame, cases: str, period: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(the specification's interventions, their conflict links, the links of the v0.3 interventions it leaves out)."""
    keep, other = hmi_subset(hmi, cases, period)
    return keep, hmi_conflict_links(keep), hmi_conflict_links(other)


def hmi_subset(hmi: pd.DataFrame, cases: str, period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the interventions of a specification, the v0.3 interventions it leaves out)."""
    if period not in PERIOD_END:
        raise ValueError(f"unknown period option {period!r}")
    all03 = rc1_subset(hmi, RELEASE, "all", "all", "include")
    keep = rc1_subset(hmi, RELEASE, cases, "all", "include")
    end = PERIOD_END[period]
    if end is not None:
        keep = keep[(keep["start_year"].astype("Int64") <= end).fillna(False).to_numpy()]
    return keep, all03[~all03["case_id"].isin(keep["case_id"])]


def hmi_conflict_links(h: pd.DataFrame) -> pd.DataFrame:
    """One row per (intervention, UCDP conflict id): case_id, conflict_id, start_year, last_year
    (the end year, or UCDP_LAST while the intervention is ongoing)."""
    rows = []
    for r in h.itertuples(index=False):
        ids = [] if r.ucdp_ids is None else list(r.ucdp_ids)
        last = UCDP_LAST if (bool(r.ongoing) or pd.isna(r.end_year)) else int(r.end_year)
        for cid in ids:
            rows.append(
                {"case_id": r.case_id, "conflict_id": int(cid), "start_year": int(r.start_year), "last_year": last}
            )
    return pd.DataFrame(rows, columns=["case_id", "conflict_id", "start_year", "last_year"])


def acd_episode_years(acd: pd.DataFrame) -> pd.DataFrame:
    """Intrastate conflict-years of UCDP ACD with their episode: conflict_id, year, episode
    (conflict id and episode start), ep_start_year, t (years since the episode began), ended
    (the episode ends that year), intensity, war_episode (the episode reached 1,000 battle
    deaths in some year), loc (GW codes of the location)."""
    a = acd[acd["type_of_conflict"].isin(INTRASTATE)].copy()
    a["ep_start_year"] = pd.to_datetime(a["start_date2"]).dt.year.astype("int64")
    a["episode"] = a["conflict_id"].astype(str) + ":" + pd.to_datetime(a["start_date2"]).dt.strftime("%Y-%m-%d")
    a["year"] = a["year"].astype("int64")
    a["t"] = a["year"] - a["ep_start_year"]
    a["ended"] = a["ep_end"].astype(bool)
    a["war_episode"] = a.groupby("episode")["intensity_level"].transform("max") >= 2
    a["loc"] = a["gwno_loc_list"].map(lambda v: tuple(int(x) for x in v) if v is not None else ())
    cols = ["conflict_id", "year", "episode", "ep_start_year", "t", "ended", "intensity_level", "war_episode", "loc"]
    return a[cols].sort_values(["conflict_id", "year"], kind="mergesort").reset_index(drop=True)


def episodes(ey: pd.DataFrame) -> pd.DataFrame:
    """One row per episode: episode, conflict_id, ep_start_year, last_year, ended, war_episode, loc."""
    g = ey.groupby("episode", sort=True)
    out = pd.DataFrame(
        {
            "conflict_id": g["conflict_id"].first(),
            "ep_start_year": g["ep_start_year"].first(),
            "last_year": g["year"].max(),
            "ended": g["ended"].any(),
            "war_episode": g["war_episode"].first(),
            "loc": g["loc"].agg(lambda s: tuple(sorted(set().union(*map(set, s))))),
        }
    ).reset_index()
    return out


def link_episodes(ep: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """(episode, case_id, hmi start_year) for every intervention that overlaps an episode of its
    conflict: it started by the episode's last year and had not ended before the episode began."""
    m = ep.merge(links, on="conflict_id", how="inner")
    m = m[(m["start_year"] <= m["last_year_x"]) & (m["last_year_y"] >= m["ep_start_year"])]
    return (
        m.rename(columns={"last_year_y": "hmi_last_year"})[["episode", "case_id", "start_year", "hmi_last_year"]]
        .sort_values(["episode", "start_year", "case_id"], kind="mergesort")
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------- RP1


def rp1_frame(
    acd: pd.DataFrame,
    hmi: pd.DataFrame,
    period: str,
    cases: str,
    conflicts: str,
    exposure: str,
    ey: pd.DataFrame | None = None,
    cache: DesignCache | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Episode-years of one RP1 specification with `exposed` and `ended` (and what was dropped).
    `ey`: `acd_episode_years(acd)` when already built (it is the same for every specification);
    `cache`: shares the steps that do not depend on `exposure` between specifications."""
    ey = acd_episode_years(acd) if ey is None else ey
    if conflicts not in ("war-episodes", "all-intrastate"):
        raise ValueError(f"unknown conflicts option {conflicts!r}")
    if exposure not in ("after-start", "while-ongoing"):
        raise ValueError(f"unknown exposure option {exposure!r}")

    def linked() -> tuple:
        keep, links, other_links = _shared(cache, ("links", cases, period), lambda: _case_links(hmi, cases, period))
        e = ey
        end = PERIOD_END[period]
        if end is not None:
            e = e[e["year"] <= end]
        if conflicts == "war-episodes":
            e = e[e["war_episode"]]
        ep = _shared(cache, ("episodes", period, conflicts), lambda: episodes(e))  # the same for both case sets
        lk = link_episodes(ep, links)
        drop = set(link_episodes(ep, other_links)["episode"]) - set(lk["episode"])
        e = e[~e["episode"].isin(drop)]
        return keep, lk, drop, e, e[["episode", "year"]].merge(lk, on="episode", how="left")

    keep, lk, drop, ey, x = _shared(cache, ("rp1", period, cases, conflicts), linked)
    ey = ey.copy()
    if exposure == "after-start":
        hit = x["start_year"] <= x["year"]
    else:  # while-ongoing
        hit = (x["start_year"] <= x["year"]) & (x["year"] <= x["hmi_last_year"])
    exp_ = x.assign(hit=hit.fillna(False).astype(bool)).groupby(["episode", "year"], sort=False)["hit"].any()
    ey["exposed"] = exp_.reindex(pd.MultiIndex.from_arrays([ey["episode"], ey["year"]]), fill_value=False).to_numpy(
        dtype=bool
    )
    linked = sorted(set(lk["case_id"]))
    unlinked = sorted(set(keep["case_id"]) - set(linked))
    return ey.reset_index(drop=True), {
        "dropped_episodes_other_cases": len(drop),
        "interventions_linked": len(linked),
        "interventions_not_linked": unlinked,
    }


def rp1_estimate(ey: pd.DataFrame, alpha: float = 0.05) -> StatResult:
    n_ep = int(ey.loc[ey["exposed"], "episode"].nunique())
    X = pd.DataFrame(
        {"exposed": ey["exposed"].astype(float).to_numpy(), "log_t": np.log1p(ey["t"].astype(float).to_numpy())}
    )
    r = logit_clustered(ey["ended"].astype(float).to_numpy(), X, ey["conflict_id"].to_numpy(), "exposed", alpha=alpha)
    method = "discrete-time logit of an episode ending, exposed + log(t + 1), CRV1 by conflict; odds ratio"
    extra = {
        "episode_years": int(len(ey)),
        "exposed_years": int(ey["exposed"].sum()),
        "episodes": int(ey["episode"].nunique()),
        "exposed_episodes": n_ep,
        "ended_exposed_years": int((ey["exposed"] & ey["ended"]).sum()),
        "ended_unexposed_years": int((~ey["exposed"] & ey["ended"]).sum()),
        "log_odds_ratio": r.estimate,
    }
    if not r.ok:
        return StatResult(method=method, n=n_ep, reason=r.reason, extra=extra)
    return StatResult(
        method=method,
        estimate=math.exp(r.estimate),
        ci_low=math.exp(r.ci_low),
        ci_high=math.exp(r.ci_high),
        p_value=r.p_value,
        n=n_ep,
        extra=extra,
    )


def _durations(ey: pd.DataFrame) -> dict:
    """Median length in years (last year - start year + 1) of ended episodes, with and without an intervention."""
    g = ey.groupby("episode").agg(
        ended=("ended", "any"), exposed=("exposed", "any"), start=("ep_start_year", "first"), last=("year", "max")
    )
    g = g[g["ended"]]
    dur = g["last"] - g["start"] + 1
    return {
        k: {"ended_episodes": int(m.sum()), "median_years": float(dur[m].median()) if m.any() else None}
        for k, m in (("with_intervention", g["exposed"]), ("without", ~g["exposed"]))
    }


def rp1_war_duration(claim: Claim, data: Data) -> ClaimOutput:
    acd, hmi = data.table("ucdp_acd"), data.table("hmi_cases")
    ey_all = acd_episode_years(acd)
    cache = DesignCache()

    def fn(period: str, cases: str, conflicts: str, exposure: str) -> StatResult:
        ey, _ = rp1_frame(acd, hmi, period, cases, conflicts, exposure, ey=ey_all, cache=cache)
        return rp1_estimate(ey, claim.alpha)

    curve = run_curve(claim, fn)
    p = claim.primary
    ey, info = rp1_frame(acd, hmi, p["period"], p["cases"], p["conflicts"], p["exposure"], ey=ey_all)
    prim = rp1_estimate(ey, claim.alpha)
    detail = {**prim.to_dict(), **info, "durations_ended_episodes": _durations(ey)}
    comparisons = published.comparisons(
        "war-duration",
        {
            "prif-2013-duration": _fmt_ratio(prim, "odds ratio of an episode ending"),
        },
    )

    return ClaimOutput(
        curve=curve,
        primary_detail=detail,
        comparisons=comparisons,
        details={"universe": {"published": PRIF_2013_UNIVERSE}},
    )


# --------------------------------------------------------------------------- RP2


def deaths_by_country_year(cy: pd.DataFrame, measure: str) -> dict[tuple[int, int], float]:
    """{(gwcode, year): deaths} for 1989-2024 from the panel (one-sided, or one-sided plus battle deaths)."""
    d = cy[cy["year"].between(UCDP_FIRST, UCDP_LAST)]
    v = d["osv_gov_best"].astype(float) + d["osv_nonstate_best"].astype(float)
    if measure == "ucdp-osv-and-battle":
        v = v + d["battle_deaths_best"].astype(float)
    elif measure != "ucdp-osv":
        raise ValueError(f"unknown UCDP measure {measure!r}")
    return dict(zip(zip(d["gwcode"].astype(int), d["year"].astype(int)), v))


def rp2_cases(h: pd.DataFrame, deaths: dict | None, measure: str, k: int, window: str) -> pd.DataFrame:
    """Per intervention: before, after and the ratio (after + 1) / (before + 1), or why it is not measured."""
    rows = []
    for r in h.itertuples(index=False):
        row = {"case_id": r.case_id, "before": np.nan, "after": np.nan, "why_not": None}
        if measure == "prif-daily":
            if pd.isna(r.fatal1) or pd.isna(r.fatal2):
                row["why_not"] = "PRIF fatal1 or fatal2 not coded"
            else:  # daily rates, as deaths per year so that the +1 is on the same scale as UCDP's
                row["before"], row["after"] = 365.0 * float(r.fatal1), 365.0 * float(r.fatal2)
        else:
            s = int(r.start_year)
            before = range(s - k, s)
            if window == "after-end":
                if bool(r.ongoing) or pd.isna(r.end_year):
                    rows.append({**row, "why_not": "ongoing: no years after the end"})
                    continue
                e = int(r.end_year)
                after = range(e + 1, e + k + 1)
            elif window == "after-start":
                after = range(s + 1, s + k + 1)
            else:
                raise ValueError(f"unknown window option {window!r}")
            years = list(before) + list(after)
            if min(years) < UCDP_FIRST or max(years) > UCDP_LAST:
                row["why_not"] = f"window outside UCDP's {UCDP_FIRST}-{UCDP_LAST}"
            elif any((int(r.gwcode), y) not in deaths for y in years):
                row["why_not"] = "target state not in the panel for every window year"
            else:
                row["before"] = float(sum(deaths[(int(r.gwcode), y)] for y in before))
                row["after"] = float(sum(deaths[(int(r.gwcode), y)] for y in after))
        rows.append(row)
    out = pd.DataFrame(rows, columns=["case_id", "before", "after", "why_not"])
    out["ratio"] = (out["after"] + 1.0) / (out["before"] + 1.0)
    return out


def geometric_mean_ratio(ratios: pd.Series, alpha: float = 0.05) -> StatResult:
    x = np.log(ratios.dropna().to_numpy(float))
    n = len(x)
    method = "geometric mean of (after + 1) / (before + 1), t interval on the log scale"
    if n < 2:
        return StatResult(method=method, n=n, reason=f"{n} measured intervention(s): no interval")
    from scipy import stats as sps  # imported here: scipy.stats takes seconds to load, and only RP2 needs it

    m, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(n))
    q = float(sps.t.ppf(1 - alpha / 2, n - 1))
    p = float(sps.t.sf(abs(m) / se, n - 1) * 2) if se > 0 else None
    return StatResult(
        method=method,
        estimate=math.exp(m),
        ci_low=math.exp(m - q * se),
        ci_high=math.exp(m + q * se),
        p_value=p,
        n=n,
        extra={"mean_log_ratio": m, "se_log": se, "n_fell": int((x < 0).sum()), "n_rose": int((x > 0).sum())},
    )


def rp2_benchmark(
    h: pd.DataFrame, cases: pd.DataFrame, deaths: dict, panel: pd.DataFrame, k: int, alpha: float = 0.05
) -> dict:
    """Beside the verdict, deciding nothing: each measured intervention's ratio against the median ratio of
    its comparison countries over the same years (PC1's declared rule, `analysis.oda.comparison_countries`:
    same region, an intrastate conflict in the start year, no intervention in the windows), after the end
    window. Regression to the mean is only partly removed: interventions come at peaks, comparisons need not."""
    from ..oda import comparison_countries

    rows = []
    for r, c in zip(h.itertuples(index=False), cases.itertuples(index=False)):
        if c.why_not is not None or pd.isna(c.ratio) or bool(r.ongoing) or pd.isna(r.end_year):
            continue
        s, e = int(r.start_year), int(r.end_year)
        before, after = range(s - k, s), range(e + 1, e + k + 1)
        logs = []
        for g in comparison_countries(panel, int(r.gwcode), s, e, k, last_year=UCDP_LAST):
            if all((g, y) in deaths for y in [*before, *after]):
                b = sum(deaths[(g, y)] for y in before)
                a = sum(deaths[(g, y)] for y in after)
                logs.append(math.log((a + 1.0) / (b + 1.0)))
        if logs:
            rows.append(
                {
                    "case_id": r.case_id,
                    "n_comparison": len(logs),
                    "comparison_median_ratio": math.exp(float(np.median(logs))),
                    "relative_ratio": float(c.ratio) / math.exp(float(np.median(logs))),
                }
            )
    rel = geometric_mean_ratio(pd.Series([x["relative_ratio"] for x in rows], dtype=float), alpha)
    comp = geometric_mean_ratio(pd.Series([x["comparison_median_ratio"] for x in rows], dtype=float), alpha)
    return {
        "rule": "PC1's comparison rule (analysis.oda.MATCHING_RULE), windows as the primary's; decides nothing",
        "relative": rel.to_dict(),
        "comparison_only": comp.to_dict(),
        "cases": rows,
    }


def rp2_killing_after(claim: Claim, data: Data) -> ClaimOutput:
    hmi, cy = data.table("hmi_cases"), data.table("country_year")
    mapper = Mapper(data.table("crosswalk"))
    deaths = {m: deaths_by_country_year(cy, m) for m in ("ucdp-osv", "ucdp-osv-and-battle")}
    memo: dict[tuple[str, str], pd.DataFrame] = {}

    def subset(cases: str, period: str) -> pd.DataFrame:
        if (cases, period) not in memo:  # the same interventions for every measure, k and window
            h, _ = hmi_subset(hmi, cases, period)
            h = h.copy()
            h["gwcode"] = hmi_gwcodes(h, mapper)
            memo[(cases, period)] = h
        return memo[(cases, period)]

    def fn(measure: str, k: int, window: str, period: str, cases: str) -> StatResult:
        c = rp2_cases(subset(cases, period), deaths.get(measure), measure, int(k), window)
        return geometric_mean_ratio(c["ratio"], claim.alpha)

    curve = run_curve(claim, fn)
    p = claim.primary
    c = rp2_cases(subset(p["cases"], p["period"]), deaths.get(p["measure"]), p["measure"], int(p["k"]), p["window"])
    prim = geometric_mean_ratio(c["ratio"], claim.alpha)
    detail = {**prim.to_dict(), "cases": c.to_dict("records")}
    if p["window"] == "after-end" and p["measure"] != "prif-daily":
        detail["benchmark"] = rp2_benchmark(
            subset(p["cases"], p["period"]), c, deaths[p["measure"]], cy, int(p["k"]), claim.alpha
        )
    comparisons = published.comparisons(
        "killing-after",
        {
            "prif-2013-killing": _fmt_ratio(prim, "geometric mean ratio after/before"),
        },
    )

    measured = c[c["why_not"].isna()]
    limits = [
        f"{int((measured['after'] == 0).sum())} of the {len(measured)} interventions the primary measures have no "
        "recorded one-sided deaths in the years after: UCDP records an actor's killing of civilians only from 25 "
        "deaths in a year, so 'none' means fewer than 25 by each actor, and the +1 then makes the ratio very small."
    ]
    return ClaimOutput(
        curve=curve,
        primary_detail=detail,
        comparisons=comparisons,
        limitations=limits,
        details={"universe": {"published": PRIF_2013_UNIVERSE}},
    )


# --------------------------------------------------------------------------- RP3


def rp3_frame(
    acd: pd.DataFrame,
    hmi: pd.DataFrame,
    years: int,
    relapse: str,
    period: str,
    cases: str,
    ey: pd.DataFrame | None = None,
    ep: pd.DataFrame | None = None,
    cache: DesignCache | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Ended intrastate episodes of one RP3 specification with `treated` and `relapsed`.
    `ey`, `ep`: `acd_episode_years(acd)` and `episodes(ey)` when already built; `cache`: shares
    the steps that do not depend on `relapse` between specifications."""
    ey = acd_episode_years(acd) if ey is None else ey
    ep = episodes(ey) if ep is None else ep

    def linked() -> tuple:
        _, links, other_links = _shared(cache, ("links", cases, period), lambda: _case_links(hmi, cases, period))
        e = ep[ep["ended"] & (ep["last_year"] <= UCDP_LAST - int(years))]
        end = PERIOD_END[period]
        if end is not None:
            e = e[e["last_year"] <= end]
        lk = link_episodes(e, links)
        drop = set(link_episodes(e, other_links)["episode"]) - set(lk["episode"])
        return lk, drop, e[~e["episode"].isin(drop)]

    lk, drop, ep = _shared(cache, ("rp3", int(years), period, cases), linked)
    ep = ep.copy()
    ep["treated"] = ep["episode"].isin(set(lk["episode"]))
    active, by_loc = _shared(cache, ("active",), lambda: _active_years(ey))
    out = []
    for c, e, loc in zip(ep["conflict_id"], ep["last_year"], ep["loc"]):
        window = range(int(e) + 1, int(e) + int(years) + 1)
        if relapse == "same-conflict":
            out.append(any((int(c), y) in active for y in window))
        elif relapse == "any-in-country":
            # the same conflict again, or a conflict in the same state that was not already active in the end year
            hit = any((int(c), y) in active for y in window) or any(
                y in window and (c2, int(e)) not in active for g in loc for c2, y in by_loc.get(int(g), [])
            )
            out.append(bool(hit))
        else:
            raise ValueError(f"unknown relapse option {relapse!r}")
    ep["relapsed"] = out
    return ep.reset_index(drop=True), {
        "dropped_episodes_other_cases": len(drop),
        "interventions_linked": int(lk["case_id"].nunique()),
    }


def _active_years(ey: pd.DataFrame) -> tuple[set[tuple[int, int]], dict[int, list[tuple[int, int]]]]:
    """The (conflict, year) pairs with fighting, and those pairs by GW code of the location."""
    active = {(int(c), int(y)) for c, y in zip(ey["conflict_id"], ey["year"])}
    by_loc: dict[int, list[tuple[int, int]]] = {}
    for c, y, loc in zip(ey["conflict_id"], ey["year"], ey["loc"]):
        for g in loc:
            by_loc.setdefault(int(g), []).append((int(c), int(y)))
    return active, by_loc


def rp3_estimate(ep: pd.DataFrame, alpha: float = 0.05) -> StatResult:
    t, u = ep[ep["treated"]], ep[~ep["treated"]]
    a, n1, c, n2 = int(t["relapsed"].sum()), len(t), int(u["relapsed"].sum()), len(u)
    method = "risk difference (with minus without an intervention), Newcombe hybrid score interval"
    extra = {
        "relapsed_with": a,
        "episodes_with": n1,
        "relapsed_without": c,
        "episodes_without": n2,
        "share_with": a / n1 if n1 else None,
        "share_without": c / n2 if n2 else None,
    }
    if n1 == 0 or n2 == 0:
        return StatResult(method=method, n=n1, reason="no episode in one of the groups", extra=extra)
    d, lo, hi = (float(v[0]) for v in newcombe_diff_ci_many([a], [n1], [c], [n2], alpha))
    return StatResult(method=method, estimate=d, ci_low=lo, ci_high=hi, n=n1, extra=extra)


def rp3_relapse(claim: Claim, data: Data) -> ClaimOutput:
    acd, hmi = data.table("ucdp_acd"), data.table("hmi_cases")
    ey_all = acd_episode_years(acd)
    ep_all = episodes(ey_all)
    cache = DesignCache()

    def fn(years: int, relapse: str, period: str, cases: str) -> StatResult:
        ep, _ = rp3_frame(acd, hmi, int(years), relapse, period, cases, ey=ey_all, ep=ep_all, cache=cache)
        return rp3_estimate(ep, claim.alpha)

    curve = run_curve(claim, fn)
    p = claim.primary
    ep, info = rp3_frame(acd, hmi, int(p["years"]), p["relapse"], p["period"], p["cases"], ey=ey_all, ep=ep_all)
    prim = rp3_estimate(ep, claim.alpha)
    treated = ep[ep["treated"]][["episode", "conflict_id", "ep_start_year", "last_year", "relapsed"]]
    detail = {**prim.to_dict(), **info, "episodes_with_intervention": treated.to_dict("records")}
    comparisons = published.comparisons(
        "relapse",
        {
            "prif-2013-relapse": f"risk difference {prim.estimate:+.2f} [{prim.ci_low:+.2f}, {prim.ci_high:+.2f}]"
            if prim.ok
            else f"not estimable: {prim.reason}",
        },
    )

    return ClaimOutput(
        curve=curve,
        primary_detail=detail,
        comparisons=comparisons,
        details={"universe": {"published": PRIF_2013_UNIVERSE}},
    )


def _fmt_ratio(r: StatResult, what: str) -> str:
    if not r.ok:
        return f"not estimable: {r.reason}"
    return f"{what} {r.estimate:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]"
