"""MH7: the daily order of events before interventions against governments (UCDP GED).

The yearly MH1 cannot order a government's killing and an armed challenge that began in the
same year; UCDP's dated events can. For each PRIF intervention (release 0.3) starting 1989 or
later whose pre-start window lies inside GED's coverage, `analysis.daily_order.case_summary`
gives the first precisely located state-based event involving the target government and the
government's first one-sided event in the `before` days before the start. Outcomes per case:

- armed challenge first: a state-based event before the government's first killing;
- government killing first: the killing came first, or it occurred with no state-based event in
  the window (`only government killing`);
- same day: cannot be ordered (left out of n, counted);
- only armed challenge / neither: no government killing in the window: nothing to order.

Estimate: share of orderable cases with the challenge first, exact Clopper-Pearson interval;
p: exact binomial test against 0.5 (H1: p < 0.5). A case is left-censored when events of either
class occur in the `before` days preceding the window (violence already under way) or when that
preceding stretch reaches before GED's first day (whether it was under way cannot be known);
`censoring: exclude-left-censored` leaves such cases out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import daily_order as do
from ..stats import DesignCache, StatResult, binom_test_many, json_safe, proportion_ci_many
from . import Claim, ClaimOutput, Data, run_curve

ORDERABLE = {"armed challenge first": True, "government killing first": False, "only government killing": False}
FAVOURS = {
    "armed challenge first": "required by moral hazard (Kuperman 2008) but also what ordinary counter-insurgency "
    "produces: consistent with both readings",
    "government killing first": "against the moral-hazard mechanism in that case (the government killed before any "
    "fighting with it in the window)",
    "only government killing": "as 'government killing first': the government killed, no fighting with it in the window",
    "same day": "cannot be ordered with daily data",
    "only armed challenge": "no government killing in the window: nothing to order",
    "neither": "nothing to order",
}


def mh7_daily_order(claim: Claim, data: Data) -> ClaimOutput:
    ged = data.table("ucdp_ged")
    hmi = data.table("hmi_cases")
    targets_all = do.hmi_targets(hmi, data.table("crosswalk"), release="0.3")
    cache = DesignCache()

    def cases(before: int, targets: str, censoring: str) -> pd.DataFrame:
        def build() -> pd.DataFrame:
            t = targets_all if targets == "all" else targets_all[targets_all["target"] == 1]
            states = cache.get(("states",), lambda: do.state_events(ged, targets_all["gwcode"]))
            s = do.case_summary(ged, t.reset_index(drop=True), before=int(before), after=0, states=states)
            prior_start = s["window_start"] - pd.Timedelta(days=int(before))
            s["prior_covered"] = prior_start >= do.GED_FIRST
            s["left_censored"] = s["left_censored"] | ~s["prior_covered"]
            return s[s["window_covered"]].reset_index(drop=True)

        s = cache.get(("summary", int(before), targets), build)
        return s[~s["left_censored"]].reset_index(drop=True) if censoring == "exclude-left-censored" else s

    method = (
        "share of orderable interventions where state-based fighting with the target government came before "
        "its first one-sided killing in the pre-start window (UCDP GED, precise-location subset); exact "
        "Clopper-Pearson interval; p: exact binomial test vs 0.5 (H1: p < 0.5)"
    )

    def fn(before: int, targets: str, censoring: str) -> StatResult:
        s = cases(before, targets, censoring)
        orderable = s[s["order"].isin(list(ORDERABLE))]
        first = orderable["order"].map(ORDERABLE).astype(bool)
        extra = {
            "k": int(first.sum()),
            "counts": {str(a): int(b) for a, b in s["order"].value_counts().items()},
            "n_cases_in_window": int(len(s)),
            "sample_key": "|".join(f"{c}:{o}" for c, o in zip(s["case_id"], s["order"])),
        }
        if len(orderable) == 0:
            return StatResult(method=method, n=0, reason="no case can be ordered", extra=extra)
        lo, hi = proportion_ci_many(int(first.sum()), len(orderable), claim.alpha)
        p = binom_test_many(int(first.sum()), len(orderable), 0.5, alternative="less")
        return StatResult(
            method=method,
            estimate=float(first.mean()),
            ci_low=float(np.ravel(lo)[0]),
            ci_high=float(np.ravel(hi)[0]),
            p_value=float(np.ravel(p)[0]),
            n=int(len(orderable)),
            extra=extra,
        )

    curve = run_curve(claim, fn, extra_cols=["sample_key"])
    p = claim.primary
    prim = fn(**p)
    s = cases(**p)
    cols = [
        "case_id",
        "gwcode",
        "start_date",
        "target",
        "first_state_based",
        "state_based_days_before",
        "first_gov_onesided",
        "gov_onesided_days_before",
        "order",
        "left_censored",
    ]
    listed = s.merge(targets_all[["case_id", "target"]], on="case_id", how="left")[cols]
    counts = {str(a): int(b) for a, b in s["order"].value_counts().items()}
    all_cases = cases(p["before"], p["targets"], "include-left-censored")
    primary_detail = json_safe(
        {
            "result": prim.to_dict(),
            "cases": listed.astype(object).where(pd.notna(listed), None).to_dict("records"),
            "order_counts": counts,
            "left_censored_left_out": sorted(set(all_cases["case_id"]) - set(s["case_id"])),
            "what_each_outcome_favours": FAVOURS,
        }
    )
    n_out = sum(v for k, v in counts.items() if k not in ORDERABLE)
    return ClaimOutput(
        curve=curve,
        primary_detail=primary_detail,
        details={},
        limitations=[
            (
                f"Primary: {len(s)} interventions with the window inside GED's coverage and not left-censored; {n_out} of "
                "them have no government killing in the window or both kinds of event on the same day and do not enter n."
            ),
            do.SUBSET_NOTE,
        ],
    )
