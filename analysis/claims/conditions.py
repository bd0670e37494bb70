"""PC1: Brozus's fifth condition, post-conflict assistance, in aid terms (net ODA).

For each PRIF intervention (release 0.3) that has ended, `analysis.oda` gives the target's mean
net ODA in the k years before the start and the k years after the end, and the same for the
declared comparison countries (same region, an active intrastate conflict in the start year, no
intervention in the windows; `analysis.oda.MATCHING_RULE`) over the same calendar years. The
target "rose more" when its log ratio (after / before) exceeds its comparisons' median log ratio.

Measures: `share-of-world-oda` (the state's share of all net ODA received that year: price
changes cancel within a year) or `current-usd` (nominal). Windows: `complete` (the target and
each comparison have a figure in every year of both windows, both inside 1960-2018) or
`any-years` (at least one figure in each window). An intervention is not measurable when it is
ongoing, its target has no positive mean in a window, or no comparison has a log ratio.

Estimate: share of measurable interventions in which the target rose more; exact
Clopper-Pearson interval; p: exact binomial test against 0.5 (H1: p > 0.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import oda
from ..crosswalk import Mapper
from ..panel import hmi_gwcodes
from ..stats import DesignCache, StatResult, binom_test_many, json_safe, proportion_ci_many
from . import Claim, ClaimOutput, Data, run_curve

MEASURES = {"share-of-world-oda": oda.SHARE, "current-usd": oda.VALUE}


def _case_row(
    series: oda.WindowIndex, panel: pd.DataFrame, case, k: int, col: str, windows: str, cache: DesignCache | None = None
) -> dict:
    """One intervention's row. `cache`: shares between specifications the comparison countries,
    which depend on the state, the years and k but not on the measure or the windows rule, and
    the comparison table, which does not depend on the windows rule (not in the plain reference
    loop, which shares nothing)."""
    row = {
        "case_id": case.case_id,
        "gwcode": None if pd.isna(case.gwcode) else int(case.gwcode),
        "start_year": int(case.start_year),
        "end_year": None if pd.isna(case.end_year) else int(case.end_year),
    }
    if row["gwcode"] is None:
        return {**row, "reason": "target maps to no GW state"}
    if row["end_year"] is None or bool(case.ongoing):
        return {**row, "reason": "intervention ongoing: no after window"}
    try:
        args = (row["gwcode"], row["start_year"], row["end_year"], k)
        find = lambda: oda.comparison_countries(panel, *args)  # noqa: E731
        found = cache.get(("comparisons", *args), find) if cache is not None else find()
        compare = lambda: oda.case_comparison(series, panel, *args[:3], k, col, comparisons=found)  # noqa: E731
        # the same table for both windows rules (they only select from it)
        t = cache.get(("case", *args, col), compare) if cache is not None else compare()
    except ValueError as e:  # the target is not a system member in the start year
        return {**row, "reason": str(e)}
    tgt = t.iloc[0]
    comp = t[t["role"] == "comparison"]
    if windows == "complete":
        if tgt["reason"] is not None or not tgt["complete"]:
            return {**row, "reason": tgt["reason"] or "a window year without a figure"}
        comp = comp[comp["complete"]]
    elif tgt["n_before"] == 0 or tgt["n_after"] == 0:
        return {**row, "reason": tgt["reason"] or "no figure in a window"}
    comp = comp[comp["log_ratio"].notna()]
    if not np.isfinite(tgt["log_ratio"]):
        return {**row, "reason": "the target's mean net ODA is not positive in both windows"}
    if comp.empty:
        return {**row, "reason": "no comparison country with a log ratio"}
    med = float(comp["log_ratio"].median())
    return {
        **row,
        "reason": None,
        "target_log_ratio": float(tgt["log_ratio"]),
        "comparison_median_log_ratio": med,
        "n_comparisons": int(len(comp)),
        "comparisons": [int(c) for c in comp["gwcode"]],
        "rose_more": bool(tgt["log_ratio"] > med),
    }


def pc1_oda(claim: Claim, data: Data) -> ClaimOutput:
    hmi = data.table("hmi_cases")
    hmi = hmi[hmi["release"] == "0.3"].reset_index(drop=True)
    hmi = hmi.assign(gwcode=hmi_gwcodes(hmi, Mapper(data.table("crosswalk"))))
    series = oda.WindowIndex(oda.country_series(data.table("wdi_oda")))
    panel = data.table("country_year")[["gwcode", "year", "region", "intra_active", "hmi_ongoing"]]
    cache = DesignCache()

    def table(k: int, measure: str, windows: str) -> pd.DataFrame:
        return cache.get(
            (int(k), measure, windows),
            lambda: pd.DataFrame(
                [
                    _case_row(series, panel, c, int(k), MEASURES[measure], windows, cache)
                    for c in hmi.itertuples(index=False)
                ]
            ),
        )

    method = (
        "share of interventions whose target's net ODA log ratio (k years after the end / k years before the "
        "start) exceeds its comparison countries' median; exact Clopper-Pearson interval; p: exact binomial "
        "test vs 0.5 (H1: p > 0.5)"
    )

    def fn(k: int, measure: str, windows: str) -> StatResult:
        t = table(k, measure, windows)
        m = t[t["reason"].isna()]
        extra = {
            "n_interventions": int(len(t)),
            "not_measurable": {str(a): int(b) for a, b in t["reason"].dropna().value_counts().items()},
            "sample_key": "|".join(sorted(m["case_id"])),
        }
        if m.empty:
            return StatResult(method=method, n=0, reason="no intervention can be measured", extra=extra)
        k_up = int(m["rose_more"].sum())
        lo, hi = proportion_ci_many(k_up, len(m), claim.alpha)
        p = binom_test_many(k_up, len(m), 0.5, alternative="greater")
        return StatResult(
            method=method,
            estimate=k_up / len(m),
            ci_low=float(np.ravel(lo)[0]),
            ci_high=float(np.ravel(hi)[0]),
            p_value=float(np.ravel(p)[0]),
            n=int(len(m)),
            extra={**extra, "k": k_up},
        )

    curve = run_curve(claim, fn, extra_cols=["sample_key"])
    p = claim.primary
    prim = fn(**p)
    t = table(**p)
    rows = t.astype(object).where(pd.notna(t), None).to_dict("records")
    n_out = int(t["reason"].notna().sum())
    m = t[t["reason"].isna()]
    repeated = m.groupby("gwcode")["case_id"].agg(list)
    repeated = {int(g): v for g, v in repeated.items() if len(v) > 1}
    n_rep = sum(len(v) for v in repeated.values())
    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe(
            {
                "result": prim.to_dict(),
                "interventions": rows,
                "matching_rule": oda.MATCHING_RULE,
                "targets_with_several_interventions": repeated,
            }
        ),
        details={},
        limitations=[
            f"Primary: {n_out} of the {len(t)} interventions cannot be measured (the reasons are listed with each "
            "intervention in the appendix).",
            f"{n_rep} of the {len(m)} measured interventions share a target with another measured one "
            f"({len(repeated)} countries), so their windows overlap and they are not independent draws; the exact "
            "interval treats them as if they were.",
        ],
    )


# ----------------------------------------------------------------------------- CN1

#: which conditions make up the score (option -> condition numbers)
CN1_SCORES = {"1-2-4": (1, 2, 4), "1-2": (1, 2)}


def cn1_frame(checklist: pd.DataFrame, hmi: pd.DataFrame, conditions: str, uncoded: str, libya: str) -> pd.DataFrame:
    """One row per intervention: its score (conditions met among those counted), whether a counted
    cell could not be coded, and PRIF's REGIME (the outcome); the cases the specification keeps."""
    from ..checklist import MET, UNCODED

    if conditions not in CN1_SCORES:
        raise ValueError(f"unknown conditions option {conditions!r}; known: {sorted(CN1_SCORES)}")
    if uncoded not in ("complete-cases", "as-not-met"):
        raise ValueError(f"unknown uncoded option {uncoded!r}")
    if libya not in ("include", "exclude"):
        raise ValueError(f"unknown libya option {libya!r}")
    counted = CN1_SCORES[conditions]
    cl = checklist[checklist["condition"].isin(counted)]
    bad = cl[~cl["basis"].eq("source")]
    if len(bad):  # the registry may only count conditions read from a source
        raise ValueError(
            f"condition(s) {sorted(bad['condition'].unique())} are not coded from a source "
            f"({sorted(bad['basis'].unique())}): they cannot count"
        )
    g = cl.groupby("case_id")
    f = pd.DataFrame(
        {
            "score": g["value"].apply(lambda v: int((v == MET).sum())),
            "uncoded": g["value"].apply(lambda v: int((v == UNCODED).sum())),
        }
    )
    h = hmi[hmi["release"] == "0.3"].set_index("case_id")
    f = f.join(h[["regime_change", "target"]], how="left")
    f["target"] = f["target"].astype("Int64")
    f = f.reset_index()
    keep = f["regime_change"].notna()
    if uncoded == "complete-cases":
        keep &= f["uncoded"] == 0
    if libya == "exclude":
        keep &= f["case_id"] != "Libya 2011"
    f["kept"] = keep
    return f


def cn1_conditions_trend(claim: Claim, data: Data) -> ClaimOutput:
    """CN1: is regime change rarer among interventions that meet more of Brozus's conditions?"""
    from ..stats import exact_score_trend

    checklist = data.table("conditions_checklist")
    hmi = data.table("hmi_cases")
    method = (
        "slope of PRIF REGIME (0/1) on the number of counted conditions met (linear probability); exact "
        "conditional trend test (Cochran-Armitage, permutation of the regime-change cases over the "
        "interventions; lower tail supports, upper tail contradicts)"
    )

    def fn(conditions: str, uncoded: str, libya: str) -> StatResult:
        f = cn1_frame(checklist, hmi, conditions, uncoded, libya)
        k = f[f["kept"]]
        y = k["regime_change"].astype(bool).to_numpy()
        r = exact_score_trend(k["score"].to_numpy(), y)
        top = len(CN1_SCORES[conditions])
        extra = {
            "sample_key": "|".join(sorted(k["case_id"])) + "#" + ",".join(map(str, k["score"])),
            "events": r["events"],
            "t_obs": r["t_obs"],
            "meet_all": int((k["score"] == top).sum()),
            "regime_change_meeting_all": sorted(k.loc[(k["score"] == top) & y, "case_id"]),
            "p_value_contradict": r["p_upper"],
        }
        if r["reason"]:
            return StatResult(method=method, n=r["n"], reason=r["reason"], extra=extra)
        return StatResult(method=method, estimate=r["slope"], p_value=r["p_lower"], n=r["n"], extra=extra)

    curve = run_curve(claim, fn, extra_cols=["p_value_contradict", "sample_key"])
    p = claim.primary
    prim = fn(**p)
    f = cn1_frame(checklist, hmi, **p)
    k = f[f["kept"]]
    by_score = (
        k.assign(rc=k["regime_change"].astype(bool))
        .groupby("score")
        .agg(interventions=("case_id", "size"), regime_change=("rc", "sum"))
        .reset_index()
    )
    by_score["cases_with_regime_change"] = [
        sorted(k.loc[(k["score"] == s) & k["regime_change"].astype(bool), "case_id"]) for s in by_score["score"]
    ]
    dropped = f[~f["kept"]]
    rc_all = sorted(f.loc[f["regime_change"].fillna(False).astype(bool), "case_id"])
    rc_dropped = sorted(dropped.loc[dropped["regime_change"].fillna(False).astype(bool), "case_id"])
    tg = k.assign(rc=k["regime_change"].astype(bool), against_gov=k["target"].eq(1).fillna(False))
    by_target = (
        tg.groupby("against_gov")
        .agg(interventions=("case_id", "size"), regime_change=("rc", "sum"), mean_score=("score", "mean"))
        .reset_index()
    )
    top = len(CN1_SCORES[p["conditions"]])
    primary_detail = json_safe(
        {
            "result": prim.to_dict(),
            "conditions_counted": list(CN1_SCORES[p["conditions"]]),
            "by_score": by_score.to_dict("records"),
            "interventions": f.assign(regime_change=f["regime_change"].astype(object))
            .astype(object)
            .where(pd.notna(f), None)
            .to_dict("records"),
            "n_interventions": int(len(f)),
            "n_kept": int(len(k)),
            "dropped_with_uncoded_cells": sorted(dropped["case_id"]),
            "regime_change_cases": rc_all,
            "regime_change_cases_dropped": rc_dropped,
            "meet_all_counted": int((k["score"] == top).sum()),
            "regime_change_meeting_all_counted": sorted(
                k.loc[(k["score"] == top) & k["regime_change"].astype(bool), "case_id"]
            ),
            "by_target_against_government": by_target.to_dict("records"),
        }
    )
    return ClaimOutput(
        curve=curve,
        primary_detail=primary_detail,
        details={},
        limitations=[
            f"Primary: {len(k)} of {len(f)} interventions, {int(k['regime_change'].astype(bool).sum())} with regime-change "
            f"activity ({len(rc_dropped)} of the {len(rc_all)} regime-change cases are dropped because a counted cell "
            f"cannot be coded: {', '.join(rc_dropped) or 'none'}); {int((k['score'] == top).sum())} meet every counted "
            "condition.",
        ],
    )
